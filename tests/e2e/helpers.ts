import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createPrivateKey, createSign } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoSecret, totp } from './totp';

/** The demo organization's people (`serve --demo`), all with the demo password. */
export const OWNER = 'maya.chen@northwind.example';
export const MEMBER = 'sam.taylor@northwind.example';
export const DEMO_PASSWORD = 'roster-demo';
/** A demo Administrator enrolled in two-factor with the demo secret of their email. */
export const TWO_FACTOR_ADMIN = 'daniel.okafor@northwind.example';

/**
 * Fails the test on any WCAG 2.x A/AA violation on the page as it is now, label-in-name (2.5.3)
 * included: axe counts that rule experimental and leaves it out unless asked.
 */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page })
    // options() replaces what withTags() set, so it comes first.
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  expect(summary, summary.join('\n')).toEqual([]);
  // An alert or status kept in the page for what may come into it shows no box (a border or a
  // background) until it says something; the room it keeps for a line is not drawn.
  const emptyBoxes = await page.evaluate(() =>
    Array.from(document.querySelectorAll('[role="alert"], [role="status"], .roster-error, .roster-notice'))
      .filter((box) => {
        const drawn = box.getBoundingClientRect();
        const style = getComputedStyle(box);
        const painted = style.visibility !== 'hidden' && (style.backgroundColor !== 'rgba(0, 0, 0, 0)' || ['top', 'right', 'bottom', 'left'].some(
          (side) => style.getPropertyValue(`border-${side}-width`) !== '0px' && style.getPropertyValue(`border-${side}-style`) !== 'none',
        ));
        // (A visually hidden status, 1 px square, is not drawn.)
        return painted && drawn.width > 1 && drawn.height > 1 && !(box.textContent ?? '').trim()
          && !box.querySelector('input, button, select, textarea, img, svg');
      })
      .map((box) => box.outerHTML.slice(0, 160)),
  );
  expect(emptyBoxes, 'drawn with nothing in them').toEqual([]);
}

/**
 * Signs in through the API; the browser context shares the session cookie. A user enrolled in
 * two-factor gives the code of their demo secret; each code works once, so when this step's code
 * was spent already the next step's (which the server accepts too) is given instead.
 */
export async function signIn(page: Page, email = OWNER) {
  const post = (code?: string) =>
    page.request.post('/api/v1/session', {
      headers: { 'x-roster-csrf': '1' },
      data: { email, password: DEMO_PASSWORD, code },
    });
  let response = await post();
  for (const offset of [0, 30_000]) {
    if (response.status() !== 401) break;
    response = await post(totp(demoSecret(email), Date.now() + offset));
  }
  expect(response.status(), await response.text()).toBe(200);
}

/** The rows of the user table's body. */
export function userRows(page: Page) {
  return page.getByRole('table').locator('tbody tr');
}

/** Where the e2e server writes mail (see playwright.config.ts and start-server.sh). */
export const MAIL_DIR = path.resolve(__dirname, '.tmp', `mail-${process.env.E2E_PORT ?? 18473}`);

/** The token of the newest invitation link mailed to `email`, once the mail has been written. */
export function invitationToken(email: string): Promise<string> {
  return mailedToken(email, 'accept');
}

/** The token of the newest set-password link mailed to `email` (after a password reset). */
export function passwordResetToken(email: string): Promise<string> {
  return mailedToken(email, 'password');
}

/** The token of the newest `/<route>/<token>` link mailed to `email`, once the mail is written. */
async function mailedToken(email: string, route: string): Promise<string> {
  const link = new RegExp(`/${route}/([A-Za-z0-9_-]+)`);
  let token = '';
  await expect
    .poll(
      () => {
        let files: string[] = [];
        try {
          files = readdirSync(MAIL_DIR)
            .map((f) => path.join(MAIL_DIR, f))
            .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
        } catch {
          return '';
        }
        const tokens = files
          .map((file) => readFileSync(file, 'utf8').replace(/=\r?\n/g, ''))
          .filter((text) => text.includes(`To: ${email}`))
          .map((text) => link.exec(text)?.[1] ?? '')
          .filter((t) => t);
        token = tokens[tokens.length - 1] ?? '';
        return token;
      },
      { timeout: 15_000, message: `a mail to ${email} with a /${route}/ link` },
    )
    .not.toBe('');
  return token;
}

/** Resets `email`'s password through the API as the signed-in admin of `page`. */
export async function resetPassword(page: Page, email: string) {
  const found = await page.request.get(`/api/v1/users?view=managed&q=${encodeURIComponent(email)}`);
  const people = (await found.json()).items as { id: number; email: string }[];
  const person = people.find((u) => u.email === email)!;
  const detail = await page.request.get(`/api/v1/users/${person.id}`);
  const response = await page.request.post(`/api/v1/users/${person.id}/reset-password`, {
    headers: { 'x-roster-csrf': '1', 'if-match': detail.headers()['etag'] },
  });
  expect(response.status(), await response.text()).toBe(200);
}

/** Where the loopback DNS server reads its records: one file per host, one TXT value per line. */
export const DNS_DIR = path.resolve(__dirname, '.tmp', `dns-${process.env.E2E_PORT ?? 18473}`);

/** Publishes TXT `values` at `host` in the loopback DNS (no values: the name stops existing). */
export function setTxtRecord(host: string, values: string[]) {
  mkdirSync(DNS_DIR, { recursive: true });
  const file = path.join(DNS_DIR, host);
  if (values.length === 0) rmSync(file, { force: true });
  else writeFileSync(file, values.join('\n') + '\n');
}

/** Roster's origin, and the origin of the host page that embeds it (examples/host/server.mjs). */
export const ROSTER_ORIGIN = `http://127.0.0.1:${process.env.E2E_PORT ?? 18473}`;
export const HOST_ORIGIN = `http://127.0.0.1:${process.env.E2E_HOST_PORT ?? 18474}`;
/** The origin of examples/host itself, the example of the README. */
export const EXAMPLE_ORIGIN = `http://127.0.0.1:${process.env.E2E_EXAMPLE_PORT ?? 18475}`;
const hostKeys = path.resolve(__dirname, '../../server/tests/fixtures/host-sign-in');

/** A JSON Web Token from the issuer the e2e server trusts (start-server.sh), signed with `keyFile`. */
export function hostToken(email: string, { expiresIn = 300, keyFile = 'rsa.pem' } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT', kid: 'host-rsa-1' })}.${part({
    iss: 'https://console.host.example',
    aud: 'roster',
    email,
    email_verified: true,
    iat: now - 60,
    exp: now + expiresIn,
  })}`;
  const key = createPrivateKey(readFileSync(path.join(hostKeys, keyFile)));
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
}

/**
 * Answers an inline question from the keyboard, as someone who read it: a press on its Confirm
 * sooner than the app's CONFIRM_SETTLE_MS (400 ms) after it appeared is taken for the hurried
 * second press of the one that asked, and ignored.
 */
export async function pressConfirm(page: Page) {
  await page.waitForTimeout(450);
  await page.keyboard.press('Enter');
}
