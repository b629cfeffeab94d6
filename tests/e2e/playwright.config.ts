import { defineConfig } from '@playwright/test';
import path from 'node:path';

const port = Number(process.env.E2E_PORT ?? 18473);
// Where the server writes mail as .eml files; helpers.ts reads invitation links from there.
const mailDir = path.resolve(__dirname, '.tmp', `mail-${port}`);
// Where the loopback DNS server reads TXT records from (helpers.ts writes them).
const dnsDir = path.resolve(__dirname, '.tmp', `dns-${port}`);

export default defineConfig({
  testDir: '.',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
    launchOptions: {
      // Debian's Chromium: Playwright must never download a browser on these machines.
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // One server and database for the whole run: the specs that only look at the demo data run
  // first, then those that change it (sign-ins, enrolments, invitations).
  projects: [
    { name: 'browse', testMatch: /(users|user-filters|security|embedding|embedding-routing|loading)\.spec\.ts$/ },
    { name: 'change', testMatch: /(auth|invitations|manage|manage-lifecycle|suspension|domains|accounts|provisioning|embedding-changes)\.spec\.ts$/, dependencies: ['browse'] },
    // Import takes in every importable user, some of whom the invitation specs invite: it runs last.
    { name: 'import', testMatch: /import\.spec\.ts$/, dependencies: ['change'] },
  ],
  webServer: [
    {
      command: 'bash tests/e2e/start-server.sh',
      cwd: '../..',
      url: `http://127.0.0.1:${port}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: { E2E_PORT: String(port), E2E_HOST_PORT: String(port + 1), E2E_EXAMPLE_PORT: String(port + 2), E2E_MAIL_DIR: mailDir, E2E_DNS_DIR: dnsDir, E2E_DNS_PORT: String(port - 20) },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // A host console on another origin that embeds Roster (embedding.spec.ts).
      command: `node examples/host/server.mjs --listen 127.0.0.1:${port + 1} --roster http://127.0.0.1:${port} --root tests/e2e/host`,
      cwd: '../..',
      url: `http://127.0.0.1:${port + 1}/`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The example host of the README and `make run` itself (embedding-routing.spec.ts).
      command: `node examples/host/server.mjs --listen 127.0.0.1:${port + 2} --roster http://127.0.0.1:${port}`,
      cwd: '../..',
      url: `http://127.0.0.1:${port + 2}/`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
