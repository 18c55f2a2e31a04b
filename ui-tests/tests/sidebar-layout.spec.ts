import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { CELL, SETUP } from './cells';
import { clipped } from './clipping';

import type { Locator } from '@playwright/test';

/**
 * The sidebar at the width a user gets by default (~250 px), down to 220 px
 * and at 420 px: no row text is clipped, a kernel restart's ending reads as
 * such, and rows keep their place when a session changes state.
 */

// On a backend of its own, so that no other test's jobs hold its QPU.
const OPEN = CELL.replace('--backend fake_manila', '--backend fake_belem');

// A second session of the same notebook; the first one closes (its jobs still run).
const NEW = OPEN.replace('--backend fake_belem', '--backend fake_belem --new');

async function order(panel: Locator): Promise<string[]> {
  return panel.evaluate(node =>
    Array.from(node.querySelectorAll<HTMLElement>('[data-session-id]')).map(
      el => el.dataset.sessionId!
    )
  );
}

/** Where a screenshot goes: this test's own output folder. */
function shot(name: string): string {
  return test.info().outputPath(name);
}

async function sessionOf(page: IJupyterLabPageFixture, cell: number): Promise<string> {
  const output = await page.notebook.getCellTextOutput(cell);
  return /SESSION (\w+)/.exec((output ?? []).join('\n'))![1];
}

test.describe('sidebar layout', () => {
  test.use({ sessions: null, kernels: null });

  test('reads at 250 px, keeps rows in place and says a kernel restart ended a session', async ({
    page
  }) => {
    test.setTimeout(240000);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('qsession:open');
    });
    await page.notebook.createNew('layout.ipynb');
    await page.notebook.setCell(0, 'code', SETUP);
    await page.notebook.addCell('code', OPEN);
    await page.notebook.addCell('code', NEW);
    await page.sidebar.setWidth(250, 'left');
    const panel = page.locator('#qsession-panel');

    await page.notebook.runCell(0, true);
    await page.notebook.runCell(1, true);
    const first = await sessionOf(page, 1);
    const firstRow = panel.locator(`[data-session-id="${first}"]`);
    await expect(firstRow.locator('.jp-QSession-badge')).toHaveText('active', {
      timeout: 15000
    });
    await expect(firstRow.locator('.jp-QSession-mode')).toHaveText('session');

    await page.notebook.runCell(2, true);
    const second = await sessionOf(page, 2);
    const secondRow = panel.locator(`[data-session-id="${second}"]`);
    await expect(secondRow).toBeVisible();
    const before = await order(panel);
    // The first session closes (queued jobs still run): its row stays where it was.
    await expect(firstRow.locator('.jp-QSession-badge')).toHaveText(
      /closing|closed/
    );
    expect(await order(panel)).toEqual(before);

    // The timeline of the live session, with its legend, is part of the row.
    await secondRow.locator('.jp-QSession-expand').click();
    await expect(secondRow.locator('.jp-QSession-timelineLegend')).toBeVisible();

    expect(await clipped(panel)).toEqual([]);
    await panel.screenshot({ path: shot('layout-250-light.png') });
    // JupyterLab's sidebar stops at 250 px; the panel itself may get less
    // (e.g. split with another panel), so narrow it directly.
    const narrow = await page.addStyleTag({
      content:
        '#qsession-panel { min-width: 0 !important; max-width: 220px !important; }'
    });
    await expect
      .poll(() => panel.evaluate(node => node.getBoundingClientRect().width))
      .toBeLessThanOrEqual(220);
    expect(await clipped(panel)).toEqual([]);
    await panel.screenshot({ path: shot('layout-220-light.png') });
    await narrow.evaluate(node => (node as Element).remove());
    await page.sidebar.setWidth(420, 'left');
    expect(await clipped(panel)).toEqual([]);
    await panel.screenshot({ path: shot('layout-420-light.png') });

    // A kernel restart ends the second session (policy close: once its jobs ran).
    await page.evaluate(async () => {
      const widget = window.jupyterapp.shell.currentWidget as any;
      await widget.sessionContext.session.kernel.restart();
    });
    await expect(secondRow.locator('.jp-QSession-endedReason')).toContainText(
      'its kernel restarted',
      { timeout: 120000 }
    );
    expect(await order(panel)).toEqual(before);

    await page.theme.setDarkTheme();
    await page.sidebar.setWidth(250, 'left');
    expect(await clipped(panel)).toEqual([]);
    await panel.screenshot({ path: shot('layout-250-dark.png') });
    await page.sidebar.setWidth(420, 'left');
    await panel.screenshot({ path: shot('layout-420-dark.png') });
  });
});
