import { expect, test } from '@jupyterlab/galata';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import type { Locator } from '@playwright/test';

import { ChildProcess, spawn } from 'child_process';

import * as fs from 'fs';

import { CELL, SETUP } from './cells';

import { clipped, ROW_TEXT } from './clipping';

/**
 * Issue 19's sidebar, in the browser: the lab serves its own emulator and
 * two standalone emulators saved as accounts in its account file while it
 * runs (`jupyter qsession emulator --save-account NAME`, the way a user saves
 * an account); the sidebar shows a section per account, each session under
 * its own, each account's usage; a stopped emulator reads unreachable, with
 * why and when; the accounts deleted from the file go, and the sidebar is
 * back to its one-account look.
 */

/** The lab's account file (playwright.config.js names it; absent until saved to). */
const ACCOUNT_FILE = process.env.QSESSION_UI_ACCOUNT_FILE!;

const SECOND = 'second-emulator';
const THIRD = 'third-emulator';

/** Where the sidebar shows what a user needs to read of an account. */
const ACCOUNT_HEADER_TEXT = '.jp-QSession-account *:not(svg):not(svg *)';

/**
 * A session on account `name` opened by a plain Python process with the
 * unmodified client (not a kernel of the lab): it reads the account's URL and
 * key from the account file, as any script of the user could, runs one job
 * and leaves the session open.
 */
function scriptCell(name: string): string {
  return `import subprocess, sys
SCRIPT = '''
import json, sys
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
from jupyter_qsession.emulator import runtime_service

saved = json.load(open(sys.argv[1]))[sys.argv[2]]
backend = runtime_service(saved["url"], saved["token"]).backend("fake_lima")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
SamplerV2(mode=session).run([isa], shots=10).result()
print("SESSION", session.session_id)
'''
done = subprocess.run([sys.executable, "-c", SCRIPT, ${JSON.stringify(ACCOUNT_FILE)}, ${JSON.stringify(name)}], capture_output=True, text=True, timeout=240)
print(done.stdout or done.stderr[-3000:])`;
}

/** A standalone emulator, once it has saved itself as account `name` in the lab's file. */
async function saveEmulator(name: string): Promise<ChildProcess> {
  const child = spawn(
    'jupyter',
    [
      'qsession',
      'emulator',
      '--save-account',
      name,
      '--account-file',
      ACCOUNT_FILE
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`emulator ${name} did not save itself: ${said}`)),
      60000
    );
    const listen = (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('Saved as qiskit-ibm-runtime account')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', listen);
    child.stderr!.on('data', listen);
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`emulator ${name} exited (${code}): ${said}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

/** Each account section, top to bottom: its name and what its state badge says. */
async function sections(panel: Locator): Promise<string[]> {
  return panel
    .locator('.jp-QSession-account')
    .evaluateAll(nodes =>
      nodes.map(
        node =>
          `${(node as HTMLElement).dataset.account}: ${
            node.querySelector('.jp-QSession-accountState')!.textContent
          }`
      )
    );
}

/** The name of the account section a session's row is listed under. */
async function sectionOf(panel: Locator, sessionId: string): Promise<string> {
  return panel.evaluate((node, id) => {
    const items = Array.from(
      node.querySelectorAll<HTMLElement>('.jp-QSession-groups > li')
    );
    let account = '';
    for (const item of items) {
      if (item.classList.contains('jp-QSession-account')) {
        account = item.dataset.account!;
      } else if (item.querySelector(`[data-session-id="${id}"]`)) {
        return account;
      }
    }
    return '';
  }, sessionId);
}

async function runForSession(
  page: IJupyterLabPageFixture, cell: number): Promise<string> {
  await page.notebook.runCell(cell, true);
  const output = ((await page.notebook.getCellTextOutput(cell)) ?? []).join(
    '\n'
  );
  const found = /SESSION (\w+)/.exec(output);
  expect(found, output).not.toBeNull();
  return found![1];
}

/** Where a screenshot goes: this test's own output folder. */
function shot(name: string): string {
  return test.info().outputPath(name);
}

test.describe('the sidebar with several accounts', () => {
  // Galata's session tracking would catch /qsession/api/sessions too.
  test.use({ sessions: null, kernels: null });

  const emulators: ChildProcess[] = [];

  test.afterAll(() => {
    // Whatever happened, the lab goes back to its emulator alone for the next specs.
    fs.rmSync(ACCOUNT_FILE, { force: true });
    for (const child of emulators) {
      child.kill('SIGTERM');
    }
  });

  test('each account has a section with its sessions, state and usage; saved and deleted accounts come and go', async ({
    page
  }) => {
    test.setTimeout(420000);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('qsession:open');
    });
    await page.sidebar.setWidth(250, 'left');
    const panel = page.locator('#qsession-panel');
    const header = (name: string) =>
      panel.locator(`.jp-QSession-account[data-account="${name}"]`);

    // The lab's emulator alone: today's look, no account header.
    await expect(panel.locator('.jp-QSessionPanel-usage')).toBeVisible({
      timeout: 30000
    });
    await expect(panel.locator('.jp-QSession-account')).toHaveCount(0);

    // Two emulators saved as accounts while the lab runs: each appears, no restart.
    emulators.push(await saveEmulator(SECOND));
    emulators.push(await saveEmulator(THIRD));
    await expect
      .poll(() => sections(panel), { timeout: 60000 })
      .toEqual([
        'emulator: reachable',
        `${SECOND}: reachable`,
        `${THIRD}: reachable`
      ]);
    await expect(panel.locator('.jp-QSessionPanel-usage').first()).toBeHidden();
    await expect(
      header(SECOND).locator('.jp-QSession-accountHint')
    ).toContainText('ibm_quantum_platform');

    // A session from the magic on the lab's emulator, one from a script on the second.
    await page.notebook.createNew('accounts.ipynb');
    await page.notebook.setCell(0, 'code', SETUP);
    await page.notebook.addCell('code', CELL);
    await page.notebook.addCell('code', scriptCell(SECOND));
    await page.notebook.runCell(0, true);
    const onLab = await runForSession(page, 1);
    const onSecond = await runForSession(page, 2);

    await expect(panel.locator(`[data-session-id="${onLab}"]`)).toBeVisible({
      timeout: 30000
    });
    expect(await sectionOf(panel, onLab)).toBe('emulator');
    // Found by the second account's discovery, under that account, elsewhere.
    const second = panel.locator(`[data-session-id="${onSecond}"]`);
    await expect(second).toBeVisible({ timeout: 60000 });
    expect(await sectionOf(panel, onSecond)).toBe(SECOND);
    await expect(second).toHaveAttribute('data-origin', 'elsewhere');
    await expect(header(THIRD).locator('.jp-QSession-accountEmpty')).toHaveText(
      'No sessions'
    );

    // Each reachable account's own usage line.
    for (const name of ['emulator', SECOND, THIRD]) {
      await expect(
        header(name).locator('.jp-QSessionPanel-usageShort')
      ).toHaveText(/^QPU /, { timeout: 30000 });
    }

    // The third emulator stops: its account reads unreachable, why, and when the lab tried.
    emulators[1].kill('SIGTERM');
    await expect(header(THIRD).locator('.jp-QSession-accountState')).toHaveText(
      'unreachable',
      { timeout: 90000 }
    );
    await expect(
      header(THIRD).locator('.jp-QSession-accountDetail')
    ).toHaveText(/^Tried \d\d:\d\d:\d\d: .*[Rr]efused/);
    await expect(header(THIRD).locator('.jp-QSessionPanel-usage')).toBeHidden();

    // 250 and 420 px, light and dark; nothing a user needs is clipped.
    const texts = `${ROW_TEXT}, ${ACCOUNT_HEADER_TEXT}`;
    await panel.screenshot({ path: shot('accounts-250-light.png') });
    expect(await clipped(panel, texts)).toEqual([]);
    await page.sidebar.setWidth(420, 'left');
    await expect(
      header('emulator').locator('.jp-QSessionPanel-usageLong')
    ).toBeVisible();
    expect(await clipped(panel, texts)).toEqual([]);
    await panel.screenshot({ path: shot('accounts-420-light.png') });
    await page.theme.setDarkTheme();
    await panel.screenshot({ path: shot('accounts-420-dark.png') });
    await page.sidebar.setWidth(250, 'left');
    expect(await clipped(panel, texts)).toEqual([]);
    await panel.screenshot({ path: shot('accounts-250-dark.png') });
    await page.theme.setLightTheme();

    // Closing the script's session from the sidebar reaches the second emulator's service.
    await second.getByRole('button', { name: 'Close session' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Close session' })
      .click();
    await expect(second.locator('.jp-QSession-badge')).toHaveText(
      /closing|closed/,
      { timeout: 30000 }
    );
    const baseUrl = await page.evaluate(
      () => window.jupyterapp.serviceManager.serverSettings.baseUrl
    );
    const lab = await (
      await page.request.get(`${baseUrl}qsession/api/sessions/${onSecond}`)
    ).json();
    expect(lab.account.name).toBe(SECOND);
    expect(lab.accepting_jobs).toBe(false);

    // The accounts deleted from the file go; one whose (ended) session is still listed keeps
    // its section, saying it is no longer served.
    fs.rmSync(ACCOUNT_FILE, { force: true });
    await expect
      .poll(() => sections(panel), { timeout: 60000 })
      .toEqual(['emulator: reachable', `${SECOND}: not served`]);
    await expect(header(SECOND).locator('.jp-QSession-accountDetail')).toHaveText(
      'No longer served by this lab'
    );
    await panel.screenshot({ path: shot('accounts-gone-250-light.png') });
  });
});
