import { expect, test } from '@jupyterlab/galata';

import { ACCOUNT_TEXT, clipped, ROW_TEXT } from './clipping';

/**
 * Issue 13's "done when", in the browser: a session opened by a plain Python
 * process (not a kernel of this lab, not the magic) against the lab's
 * emulator appears in the sidebar's "Elsewhere on this account" group within
 * a discovery refresh; "Close idle sessions" lists it, and closes it once
 * confirmed; the header shows the account's QPU usage (the test server gives
 * the emulator an allocation, so there is a limit to count against).
 */

// Run from a notebook cell, so that the script inherits the emulator's URL and
// the user's key the way any terminal of the user would have them
// ($QSESSION_EMULATOR_URL / $QSESSION_EMULATOR_TOKEN, which the lab gives its
// kernels); the script itself is a separate process with its own, unmodified
// qiskit-ibm-runtime client. It opens a session on a backend no other test
// uses, runs one job to completion and leaves the session open: idle.
export const SCRIPT_CELL = `import subprocess, sys
SCRIPT = '''
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
from jupyter_qsession.emulator import runtime_service

backend = runtime_service().backend("fake_lima")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
SamplerV2(mode=session).run([isa], shots=10).result()
print("SESSION", session.session_id)
'''
done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=240)
print(done.stdout or done.stderr[-3000:])`;

/** Where a screenshot goes: this test's own output folder. */
function shot(name: string): string {
  return test.info().outputPath(name);
}

test.describe('sessions found elsewhere on the account', () => {
  // Galata's session tracking would catch /qsession/api/sessions too.
  test.use({ sessions: null, kernels: null });

  test("a script's session shows under Elsewhere, Close idle sessions closes it, and the header shows usage", async ({
    page
  }) => {
    test.setTimeout(300000);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('qsession:open');
    });
    await page.sidebar.setWidth(250, 'left');
    const panel = page.locator('#qsession-panel');

    await page.notebook.createNew('elsewhere.ipynb');
    await page.notebook.setCell(0, 'code', SCRIPT_CELL);
    await page.notebook.runCell(0, true);
    const output = ((await page.notebook.getCellTextOutput(0)) ?? []).join('\n');
    const found = /SESSION (\w+)/.exec(output);
    expect(found, output).not.toBeNull();
    const sessionId = found![1];

    // Found by discovery (every refresh_interval, 5 s) and listed last, under its own heading.
    const group = panel.locator('.jp-QSession-group[data-origin="elsewhere"]');
    const row = group.locator(`[data-session-id="${sessionId}"]`);
    await expect(row).toBeVisible({ timeout: 60000 });
    await expect(group.locator('.jp-QSession-groupName')).toHaveText(
      'Elsewhere on this account'
    );
    await expect(row.locator('.jp-QSession-backend')).toHaveText('fake_lima');
    await expect(row.locator('.jp-QSession-mode')).toHaveText('session');
    await expect(row.locator('.jp-QSession-since')).toHaveText(/\d\d:\d\d/);
    await expect(row.locator('.jp-QSession-usage')).toHaveText(/^QPU /);
    await expect(row.getByRole('button', { name: 'Close session' })).toBeEnabled();

    // The account's usage, against the test server's allocation; short at 250 px.
    const usage = panel.locator('.jp-QSessionPanel-usage');
    await expect(usage.locator('.jp-QSessionPanel-usageShort')).toHaveText(
      /^QPU \S+( \S+)? \/ 10h \(.+ left\)$/,
      { timeout: 30000 }
    );
    await expect(usage).toHaveAttribute('title', /^QPU time: .+ used of 10h/);

    // Nothing clipped, from 220 px (a panel split with another) to 420 px; light and dark.
    expect(await clipped(panel, `${ROW_TEXT}, ${ACCOUNT_TEXT}`)).toEqual([]);
    await panel.screenshot({ path: shot('elsewhere-250-light.png') });
    const narrow = await page.addStyleTag({
      content:
        '#qsession-panel { min-width: 0 !important; max-width: 220px !important; }'
    });
    await expect
      .poll(() => panel.evaluate(node => node.getBoundingClientRect().width))
      .toBeLessThanOrEqual(220);
    expect(await clipped(panel, `${ROW_TEXT}, ${ACCOUNT_TEXT}`)).toEqual([]);
    await panel.screenshot({ path: shot('elsewhere-220-light.png') });
    await narrow.evaluate(node => (node as Element).remove());
    await page.sidebar.setWidth(420, 'left');
    await expect(usage.locator('.jp-QSessionPanel-usageLong')).toBeVisible();
    await expect(usage.locator('.jp-QSessionPanel-usageLong')).toHaveText(
      /^QPU time: .+ used of 10h \(.+ left\)$/
    );
    expect(await clipped(panel, `${ROW_TEXT}, ${ACCOUNT_TEXT}`)).toEqual([]);
    await panel.screenshot({ path: shot('elsewhere-420-light.png') });
    await page.theme.setDarkTheme();
    await panel.screenshot({ path: shot('elsewhere-420-dark.png') });
    await page.sidebar.setWidth(250, 'left');
    expect(await clipped(panel, `${ROW_TEXT}, ${ACCOUNT_TEXT}`)).toEqual([]);
    await panel.screenshot({ path: shot('elsewhere-250-dark.png') });

    // One click: the server's idle list in a confirmation, then closed.
    const closeIdle = panel.getByRole('button', { name: 'Close idle sessions' });
    await expect(closeIdle).toBeEnabled({ timeout: 30000 });
    await closeIdle.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      `${sessionId.slice(0, 8)} · fake_lima session · elsewhere · idle since`
    );
    await page.screenshot({ path: shot('close-idle-dialog.png') });
    await dialog.getByRole('button', { name: /^Close \d+ sessions?$/ }).click();
    await expect(page.locator('.Toastify')).toContainText(/Closed \d+ idle sessions?/);
    await expect(row.locator('.jp-QSession-badge')).toHaveText(/closing|closed/, {
      timeout: 30000
    });

    // ... and on the service, as the server reports it.
    const baseUrl = await page.evaluate(
      () => window.jupyterapp.serviceManager.serverSettings.baseUrl
    );
    await expect
      .poll(
        async () => {
          const response = await page.request.get(
            `${baseUrl}qsession/api/sessions/${sessionId}`
          );
          const session = await response.json();
          return [session.origin, session.accepting_jobs];
        },
        { timeout: 30000 }
      )
      .toEqual(['elsewhere', false]);
  });
});
