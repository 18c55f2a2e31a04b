/**
 * Playwright configuration: Galata's defaults, run against Debian's chromium.
 * Playwright never downloads a browser (or its ffmpeg) here, so videos are off.
 *
 * The test server listens on a free port picked here, not on JupyterLab's 8888, so the UI
 * tests run beside a lab of `scripts/lab.sh` (or any other). Playwright evaluates this file
 * again in each worker: the port travels to them in $QSESSION_UI_PORT, which also pins it
 * (e.g. to reuse a test server you started yourself, outside CI).
 */
const { execFileSync } = require('child_process');
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
const port = process.env.QSESSION_UI_PORT;
const baseURL = `http://localhost:${port}`;

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
  webServer: {
    command: `jlpm start --ServerApp.port=${port}`,
    url: `${baseURL}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
