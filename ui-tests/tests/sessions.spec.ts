import { expect, test } from '@jupyterlab/galata';

import { CELL, SETUP } from './cells';

/**
 * The sidebar against the real server extension and its emulator process:
 * a `%%qsession` cell run in a notebook shows up live, ticks, and a confirmed
 * "Cancel session" ends it on the service.
 */

test.describe('sessions sidebar', () => {
  // Galata's session/kernel tracking routes every URL containing /api/sessions, ours
  // (/qsession/api/sessions/...) included, and expects Jupyter session models back.
  test.use({ sessions: null, kernels: null });

  test.beforeEach(async ({ page }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('qsession:open');
    });
    await page.notebook.createNew('vqe.ipynb');
    await page.notebook.setCell(0, 'code', SETUP);
    await page.notebook.addCell('code', CELL);
  });

  test('a session opened from a notebook appears live, ticks, and a confirmed cancel ends it', async ({
    page
  }) => {
    const panel = page.locator('#qsession-panel');
    await expect(panel).toBeVisible();

    await page.notebook.runCell(0, true);
    await page.notebook.runCell(1, true);
    const output = await page.notebook.getCellTextOutput(1);
    const sessionId = /SESSION (\w+)/.exec((output ?? []).join('\n'))![1];

    // It appears without a reload, grouped under the notebook that opened it.
    const row = panel.locator(`[data-session-id="${sessionId}"]`);
    await expect(row).toBeVisible();
    await expect(
      panel
        .locator('.jp-QSession-group', {
          has: page.locator(`[data-session-id="${sessionId}"]`)
        })
        .locator('.jp-QSession-groupName')
    ).toContainText('.ipynb'); // the notebook's name, from the Jupyter sessions API
    await expect(row.locator('.jp-QSession-backend')).toHaveText('fake_manila');

    // The first job starts after the 1 s queue: the session turns active and its max TTL ticks.
    await expect(row.locator('.jp-QSession-badge')).toHaveText('active', { timeout: 15000 });
    await expect(row.locator('.jp-QSession-job')).toHaveCount(2);
    await expect(row.locator('.jp-QSession-job.jp-mod-queued')).toHaveCount(1);
    const ttl = row.locator('.jp-QSession-maxTtl');
    const before = await ttl.textContent();
    await expect(ttl).not.toHaveText(before!, { timeout: 3000 });
    await panel.screenshot({ path: 'test-results/sidebar-active.png' });

    // Cancel, confirmed in JupyterLab's dialog.
    await row.getByRole('button', { name: 'Cancel session' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('queued jobs');
    await dialog.getByRole('button', { name: 'Cancel session' }).click();

    await expect(row.locator('.jp-QSession-badge')).toHaveText('closed');
    await expect(row.locator('.jp-QSession-endedReason')).toContainText('cancelled');
    await expect(row.locator('.jp-QSession-job.jp-mod-cancelled')).toHaveCount(1);
    await expect(row.getByRole('button', { name: 'Cancel session' })).toBeHidden();

    // ... and on the service, as the server reports it.
    const baseUrl = await page.evaluate(
      () => window.jupyterapp.serviceManager.serverSettings.baseUrl
    );
    const response = await page.request.get(`${baseUrl}qsession/api/sessions/${sessionId}`);
    expect(response.status()).toBe(200);
    const service = await response.json();
    expect(service.state).toBe('closed');
    expect(service.ended_reason).toBe('cancelled');
    expect(service.jobs.map((job: { status: string }) => job.status).sort()).toEqual([
      'CANCELLED',
      'RUNNING'
    ]);
    await panel.screenshot({ path: 'test-results/sidebar-cancelled.png' });
  });

  test('the sidebar renders in the dark theme', async ({ page }) => {
    await page.notebook.runCell(0, true);
    await page.notebook.runCell(1, true);
    const output = await page.notebook.getCellTextOutput(1);
    const sessionId = /SESSION (\w+)/.exec((output ?? []).join('\n'))![1];
    const panel = page.locator('#qsession-panel');
    await expect(panel.locator(`[data-session-id="${sessionId}"]`)).toBeVisible();

    const light = await panel.evaluate(node => getComputedStyle(node).backgroundColor);
    await page.theme.setDarkTheme();
    await expect
      .poll(() => panel.evaluate(node => getComputedStyle(node).backgroundColor))
      .not.toBe(light);
    const [r, g, b] = (
      await panel.evaluate(node => getComputedStyle(node).backgroundColor)
    )
      .match(/\d+/g)!
      .map(Number);
    expect(r + g + b).toBeLessThan(3 * 128); // dark
    const badge = panel.locator('.jp-QSession-badge').first();
    const text = await badge.evaluate(node => getComputedStyle(node).color);
    expect(text).not.toBe('rgb(0, 0, 0)');
    await panel.screenshot({ path: 'test-results/sidebar-dark.png' });
  });
});
