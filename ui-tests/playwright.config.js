/**
 * Playwright configuration: Galata's defaults, run against Debian's chromium.
 * Playwright never downloads a browser (or its ffmpeg) here, so videos are off.
 *
 * The test server listens on a free port picked here, not on JupyterLab's 8888, so the UI
 * tests run beside a lab of `scripts/lab.sh` (or any other). Playwright evaluates this file
 * again in each worker: the port travels to them in $QSESSION_UI_PORT, which also pins it
 * (e.g. to reuse a test server you started yourself, outside CI).
 *
 * tests/accounts.spec.ts gets a lab of its own (project `accounts`, $QSESSION_UI_ACCOUNTS_PORT):
 * it saves accounts in that lab's account file ($QSESSION_UI_ACCOUNT_FILE) and leaves sessions
 * on them, which would change the look every other spec expects of a one-account lab.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

function freePort() {
  const script =
    "const s = require('net').createServer();" +
    "s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });";
  return execFileSync(process.execPath, ['-e', script]).toString().trim();
}

if (!process.env.QSESSION_UI_PORT) {
  process.env.QSESSION_UI_PORT = freePort();
}
if (!process.env.QSESSION_UI_ACCOUNTS_PORT) {
  process.env.QSESSION_UI_ACCOUNTS_PORT = freePort();
}
// The accounts lab's account file (jupyter_server_test_config.py): absent at start, the
// accounts spec saves emulators in it. Pinned like the ports, so the workers and the lab agree.
if (!process.env.QSESSION_UI_ACCOUNT_FILE) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qsession-ui-accounts-'));
  process.env.QSESSION_UI_ACCOUNT_FILE = path.join(dir, 'qiskit-ibm.json');
}
const port = process.env.QSESSION_UI_PORT;
const accountsPort = process.env.QSESSION_UI_ACCOUNTS_PORT;
const baseURL = `http://localhost:${port}`;
const accountsURL = `http://localhost:${accountsPort}`;

/** A lab under test on `url`; `accountFile`: its account file ('' for none of its own). */
function lab(url, labPort, accountFile) {
  return {
    command: `jlpm start --ServerApp.port=${labPort}`,
    url: `${url}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI,
    env: { QSESSION_UI_ACCOUNT_FILE: accountFile }
  };
}

module.exports = {
  ...baseConfig,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL,
    video: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    { name: 'lab', testIgnore: /accounts\.spec\.ts$/ },
    {
      name: 'accounts',
      testMatch: /accounts\.spec\.ts$/,
      use: { baseURL: accountsURL }
    }
  ],
  webServer: [
    lab(baseURL, port, ''),
    lab(accountsURL, accountsPort, process.env.QSESSION_UI_ACCOUNT_FILE)
  ]
};
