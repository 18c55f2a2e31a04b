import { expect, test } from '@jupyterlab/galata';

test('the qsession:open command opens the sessions sidebar', async ({
  page
}) => {
  const panel = page.locator('#qsession-panel');
  await expect(panel).toBeHidden();

  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('qsession:open');
  });

  await expect(panel).toBeVisible();
  // Other spec files share this lab: its list may be empty or hold their sessions.
  await expect(panel).toContainText('Qiskit Runtime sessions');
});

test('the sidebar tab carries its caption', async ({ page }) => {
  await expect(
    page.locator('.jp-SideBar [title="Qiskit Runtime sessions"]')
  ).toHaveCount(1);
});
