import { expect, test } from '@jupyterlab/galata';

import type { Page } from '@playwright/test';

/**
 * The status a `%%qsession` cell shows, against the real server extension and
 * its emulator process (first job queues 1 s, every job runs 20 s, one lane):
 * it is there while the cell still runs, follows its session wherever it is
 * cancelled from, and survives a reload.
 */

const SETUP = `%load_ext jupyter_qsession
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime.executor_sampler import Sampler
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()`;

// Two jobs; the cell waits for the second, which queues behind the first for 20 s.
const WAITING = `%%qsession --backend fake_manila
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
jobs = [Sampler().run([isa], shots=10) for _ in range(2)]
jobs[1].result()`;

// One job, not waited for.
const SUBMIT = `%%qsession --backend fake_manila
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
job = Sampler().run([isa], shots=10)`;

const REUSE = `%%qsession
print("REUSED", session.session_id)`;

function status(page: Page, cell: number) {
  return page
    .locator('.jp-Notebook .jp-Cell')
    .nth(cell)
    .locator('.jp-QSessionCell');
}

async function cancelConfirmed(page: Page, scope: ReturnType<Page['locator']>) {
  await scope.getByRole('button', { name: 'Cancel session' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('queued jobs');
  await dialog.getByRole('button', { name: 'Cancel session' }).click();
}

test.describe('cell status', () => {
  // Galata's session/kernel tracking routes every URL containing /api/sessions, ours
  // (/qsession/api/sessions/...) included, and expects Jupyter session models back.
  test.use({ sessions: null, kernels: null });

  test.beforeEach(async ({ page }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('qsession:open');
    });
    await page.notebook.createNew('cells.ipynb');
    await page.notebook.setCell(0, 'code', SETUP);
    await page.notebook.runCell(0, true);
  });

  test('a cell shows its session and its queued job before it ends; its Cancel asks first', async ({
    page
  }) => {
    await page.notebook.addCell('code', WAITING);
    await page.notebook.selectCells(1);
    // Not awaited: the cell runs for 40 s, the test looks at it meanwhile.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('notebook:run-cell');
    });
    const cell = status(page, 1);
    await expect(cell.locator('.jp-QSessionCell-backend')).toHaveText(
      'fake_manila',
      {
        timeout: 60000
      }
    );
    await expect(cell.locator('.jp-QSessionCell-mode')).toHaveText('session');
    await expect(cell.locator('.jp-QSession-badge')).toHaveText('active', {
      timeout: 15000
    });
    await expect(
      cell.locator('.jp-QSessionCell-job.jp-mod-queued')
    ).toHaveCount(1);
    await expect(
      cell.locator('.jp-QSessionCell-job.jp-mod-running')
    ).toHaveCount(1);
    await expect(cell.locator('.jp-QSessionCell-position')).toHaveText(
      '#1 in queue'
    );
    // ... while the cell is still running.
    await expect(
      page.locator('.jp-Notebook .jp-Cell').nth(1).locator('.jp-InputPrompt')
    ).toContainText('*');
    const ttl = cell.locator('.jp-QSessionCell-ttl');
    const before = await ttl.textContent();
    await expect(ttl).not.toHaveText(before!, { timeout: 3000 });
    await cell.screenshot({ path: 'test-results/cell-status-running.png' });
    await page.screenshot({ path: 'test-results/cell-status-page.png' });

    await cancelConfirmed(page, cell);
    await expect(cell.locator('.jp-QSessionCell-ended')).toHaveText(
      'Ended: cancelled'
    );
    await expect(
      cell.getByRole('button', { name: 'Cancel session' })
    ).toBeDisabled();
    await expect(
      cell.getByRole('button', { name: 'Close session' })
    ).toBeDisabled();
    await expect(cell.locator('.jp-QSessionCell-ttl')).toHaveCount(0);
    await cell.screenshot({ path: 'test-results/cell-status-ended.png' });
    await page.theme.setDarkTheme();
    await cell.screenshot({ path: 'test-results/cell-status-ended-dark.png' });
  });

  test('an older cell follows a cancel from the sidebar, and a reload shows the status, not an error', async ({
    page
  }) => {
    await page.notebook.addCell('code', SUBMIT);
    await page.notebook.runCell(1, true);
    await page.notebook.addCell('code', REUSE);
    await page.notebook.runCell(2, true);
    const output = (await page.notebook.getCellTextOutput(2)) ?? [];
    const sessionId = /REUSED (\w+)/.exec(output.join('\n'))![1];
    const older = status(page, 1);
    const newer = status(page, 2);
    await expect(older.locator('.jp-QSessionCell-job')).toHaveCount(1);
    await expect(newer.locator('.jp-QSessionCell-noJob')).toHaveText(
      'No job in this cell'
    );
    await expect(older.locator('.jp-QSession-badge')).toHaveText('active', {
      timeout: 15000
    });
    await page.theme.setLightTheme();
    await older.screenshot({ path: 'test-results/cell-status-light.png' });

    const row = page.locator(
      `#qsession-panel [data-session-id="${sessionId}"]`
    );
    await cancelConfirmed(page, row);
    for (const cell of [older, newer]) {
      await expect(cell.locator('.jp-QSession-badge')).toHaveText('closed');
      await expect(cell.locator('.jp-QSessionCell-ended')).toHaveText(
        'Ended: cancelled'
      );
      await expect(
        cell.getByRole('button', { name: 'Cancel session' })
      ).toBeDisabled();
    }
    await expect(older.locator('.jp-QSessionCell-jobStatus')).toHaveText(
      'RUNNING'
    );

    await page.notebook.save();
    // The layout restores the notebook (not the Launcher Galata waits for by default).
    await page.reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    // The restored notebook may number its cells differently (e.g. an empty first cell):
    // the older cell's status is the first status in it.
    const reloaded = page.locator('.jp-Notebook .jp-QSessionCell').first();
    await expect(reloaded).toBeVisible({ timeout: 30000 });
    await expect(reloaded).toContainText('fake_manila');
    await expect(reloaded).toContainText('cancelled');
    await expect(page.locator('.jp-Notebook')).not.toContainText(
      'model not found'
    );
    await expect(page.locator('.jp-Notebook')).not.toContainText(
      'Error displaying'
    );
    await reloaded.screenshot({
      path: 'test-results/cell-status-reloaded.png'
    });
    await page.theme.setDarkTheme();
    await page.locator('.jp-Notebook .jp-Cell').nth(1).screenshot({
      path: 'test-results/cell-status-reloaded-dark.png'
    });
  });
});
