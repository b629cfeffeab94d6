import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { expectAccessible, HOST_ORIGIN, hostToken, OWNER, ROSTER_ORIGIN, userRows } from './helpers';

// Roster mounted by a host page on another origin (another port), signed in by the host's tokens.
const roster = ROSTER_ORIGIN;
const host = HOST_ORIGIN;

/**
 * Opens the host page (tests/e2e/host, served from its own origin by examples/host/server.mjs) at
 * `at`: it mounts Roster through the loader with a getToken that asks `tokens` (given whether it is
 * a forced refresh).
 */
async function openHost(page: Page, tokens: (forceRefresh: boolean) => string, at = '/host/users/managed') {
  await page.exposeFunction('hostToken', tokens);
  await page.goto(`${host}${at}`);
}

test.describe('embedded in a host page on another origin', () => {
  test('the host signs in: an expired token is refreshed once, requests carry it and no cookie', async ({ page }) => {
    const asked: boolean[] = [];
    const apiRequests: { authorization?: string; cookie?: string }[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${roster}/api/`)) {
        const headers = request.headers();
        apiRequests.push({ authorization: headers.authorization, cookie: headers.cookie });
      }
    });
    await openHost(page, (forceRefresh) => {
      asked.push(forceRefresh);
      return hostToken(OWNER, { expiresIn: forceRefresh ? 300 : -600 });
    });
    await expect(page.getByRole('heading', { level: 1, name: 'User management' })).toBeVisible();
    await expect(userRows(page).first()).toBeVisible();
    expect(asked, 'asked for a token, then once for a fresh one').toEqual([false, true]);
    expect(page.url()).toBe(`${host}/host/users/managed`);
    expect(apiRequests.length).toBeGreaterThan(1);
    for (const request of apiRequests) {
      expect(request.authorization).toMatch(/^Bearer ey/);
      expect(request.cookie).toBeUndefined();
    }
    // The host owns the account controls; Roster offers none of its own.
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'API tokens' })).toHaveCount(0);
    await expectAccessible(page);

    // Navigating inside Roster stays under the host's router base.
    await page.getByRole('link', { name: 'Accounts' }).click();
    await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
    expect(page.url()).toBe(`${host}/host/accounts`);
  });

  test('a token the server refuses even after a refresh shows that the host signed the person out', async ({ page }) => {
    const asked: boolean[] = [];
    await openHost(page, (forceRefresh) => {
      asked.push(forceRefresh);
      return hostToken(OWNER, { keyFile: 'stranger-rsa.pem' });
    });
    await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible();
    await expect(page.getByText('Sign in there')).toBeVisible();
    expect(asked).toEqual([false, true]);
    expect(page.url()).toBe(`${host}/host/users/managed`);
    await expectAccessible(page);
  });
});

test.describe('embedded, styles and lifetime', () => {
  test("the host's CSS does not reach Roster and Roster's does not reach the host", async ({ page }) => {
    await openHost(page, () => hostToken(OWNER));
    const invite = page.getByRole('link', { name: 'Invite users' });
    await expect(invite).toBeVisible();
    const inside = await invite.evaluate((element) => {
      const style = getComputedStyle(element);
      const text = getComputedStyle(element.closest('.roster-shell')!);
      return {
        background: style.backgroundColor,
        border: style.borderTopStyle,
        boxSizing: style.boxSizing,
        color: text.color,
        font: text.fontFamily,
        fontSize: text.fontSize,
      };
    });
    expect(inside.background).not.toBe('rgb(255, 105, 180)');
    expect(inside.border).not.toBe('dashed');
    expect(inside.boxSizing).toBe('border-box');
    expect(inside.color).not.toBe('rgb(200, 0, 0)');
    expect(inside.font).not.toContain('Comic Sans');
    expect(inside.fontSize).toBe('16px');

    // The host page keeps its own look: Roster's styles live in its shadow root only.
    const host = await page.locator('#host-button').evaluate((element) => {
      const style = getComputedStyle(element);
      return { background: style.backgroundColor, boxSizing: style.boxSizing, bodyMargin: getComputedStyle(document.body).margin };
    });
    expect(host).toEqual({ background: 'rgb(255, 105, 180)', boxSizing: 'content-box', bodyMargin: '8px' });
    expect(await page.evaluate(() => document.styleSheets.length)).toBe(1);
  });

  test('unmounting leaves nothing behind and makes no more requests; mounting again works', async ({ page }) => {
    await openHost(page, () => hostToken(OWNER));
    await expect(userRows(page).first()).toBeVisible();
    await page.evaluate(() => (window as unknown as { rosterHandle: { unmount(): void } }).rosterHandle.unmount());
    expect(await page.locator('#roster').evaluate((element) => element.shadowRoot?.childElementCount)).toBe(0);
    const late: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/')) late.push(request.url());
    });
    // The router's own listeners went with it: going back in history asks Roster for nothing.
    await page.evaluate(() => history.pushState(null, '', '/host/accounts'));
    await page.goBack();
    await page.waitForTimeout(500);
    expect(late).toEqual([]);

    await page.evaluate(() => (window as unknown as { mountRoster(): Promise<void> }).mountRoster());
    await expect(userRows(page).first()).toBeVisible();
  });

  test('a dialog inside the shadow root opens and closes by keyboard and gives focus back', async ({ page }) => {
    await openHost(page, () => hostToken(OWNER));
    await expect(userRows(page).first()).toBeVisible();
    await userRows(page).first().getByRole('link').first().click();
    const remove = page.getByRole('button', { name: 'Remove from organization' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect(dialog).toBeVisible();
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    const focused = await page.locator('#roster').evaluate((element) => element.shadowRoot?.activeElement?.textContent);
    expect(focused).toBe('Remove from organization');
  });
});

test.describe('the <roster-console> element', () => {
  type Event = { type: string; detail: { path?: string; id?: number; change?: string } | null; target: string };
  const events = (page: Page) => page.evaluate(() => (window as unknown as { rosterEvents: Event[] }).rosterEvents);
  const listeners = async (page: Page) => {
    const cdp = await page.context().newCDPSession(page);
    const count = async (expression: string) => {
      const { result } = await cdp.send('Runtime.evaluate', { expression });
      const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
      return listeners.length;
    };
    return { window: await count('window'), document: await count('document') };
  };

  test('attributes, properties set before upgrade, events, navigate(), theme, and removal', async ({ page }) => {
    await page.exposeFunction('hostToken', () => hostToken(OWNER));
    // The console is made (its getToken set) before the loader defines the element, and put on
    // the page later: first, what the page listens to without Roster.
    await page.goto(`${host}/element?router-base=/element&initial-path=/users/invited&theme=dark&defer`);
    await page.waitForFunction(() => customElements.get('roster-console') !== undefined);
    const before = await listeners(page);
    await page.evaluate(() => (window as unknown as { appendConsole(): void }).appendConsole());
    await expect(page.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    expect(page.url()).toBe(`${host}/element/users/invited`);
    await expect.poll(() => events(page)).toEqual(
      expect.arrayContaining([
        { type: 'roster:ready', detail: null, target: 'console' },
        { type: 'roster:navigate', detail: { path: '/users/invited' }, target: 'console' },
      ]),
    );
    expect((await events(page)).filter((e) => e.type === 'roster:ready'), 'mounted once').toHaveLength(1);

    // The theme is the host's to set, and changes in place: Roster is not mounted again.
    const shell = page.locator('#console .roster-shell');
    await expect(shell).toHaveCSS('background-color', 'rgb(20, 23, 28)');
    await page.evaluate(() => {
      const element = document.querySelector('#console') as HTMLElement & { theme: string };
      (window as unknown as { shellBefore: Element | null }).shellBefore = element.shadowRoot!.querySelector('.roster-shell');
      element.theme = 'light';
    });
    await expect(shell).toHaveCSS('background-color', 'rgb(246, 247, 249)');
    expect(
      await page.evaluate(
        () => (window as unknown as { shellBefore: Element }).shellBefore === document.querySelector('#console')!.shadowRoot!.querySelector('.roster-shell'),
      ),
    ).toBe(true);

    // A new getToken (a host's render, a token rotation) is used from then on, without mounting
    // Roster again.
    await page.evaluate(() => {
      const element = document.querySelector('#console') as HTMLElement & { getToken: unknown };
      const host = window as unknown as { hostToken(refresh: boolean): Promise<string> };
      element.getToken = (options?: { forceRefresh?: boolean }) => host.hostToken(Boolean(options?.forceRefresh));
    });
    await page.getByRole('tab', { name: /^External/ }).click();
    await expect(page.getByRole('tab', { name: /^External/, selected: true })).toBeVisible();
    expect(
      await page.evaluate(
        () => (window as unknown as { shellBefore: Element }).shellBefore === document.querySelector('#console')!.shadowRoot!.querySelector('.roster-shell'),
      ),
      'the same console',
    ).toBe(true);
    expect((await events(page)).filter((e) => e.type === 'roster:ready'), 'mounted once').toHaveLength(1);

    // The host moves Roster with navigate(), and hears where it went.
    await page.evaluate(() => (document.querySelector('#console') as HTMLElement & { navigate(p: string): void }).navigate('/accounts'));
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    expect(page.url()).toBe(`${host}/element/accounts`);
    await expect.poll(async () => (await events(page)).at(-1)).toEqual({ type: 'roster:navigate', detail: { path: '/accounts' }, target: 'console' });

    // Removing the element unmounts Roster: none of its listeners stay on window or document.
    const mounted = await listeners(page);
    expect(mounted.window).toBeGreaterThan(before.window);
    await page.evaluate(() => {
      const element = document.querySelector('#console')!;
      (window as unknown as { removed: Element }).removed = element;
      element.remove();
    });
    expect(await page.evaluate(() => (window as unknown as { removed: Element }).removed.shadowRoot!.childElementCount)).toBe(0);
    expect(await listeners(page)).toEqual(before);

    // Putting it back mounts it again, where it was. (axe last: it listens on window itself.)
    await page.evaluate(() => document.getElementById('slot')!.append((window as unknown as { removed: Element }).removed));
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expectAccessible(page);
  });

  test('a console removed while Roster loads is not mounted, and leaves the host where it is', async ({ page }) => {
    await page.exposeFunction('hostToken', () => hostToken(OWNER));
    await page.goto(`${host}/element?router-base=/element&initial-path=/users/invited&defer`);
    await page.waitForFunction(() => customElements.get('roster-console') !== undefined);
    const where = page.url();
    // The host's own navigation takes the console away before its code is in.
    await page.evaluate(() => {
      (window as unknown as { appendConsole(): void }).appendConsole();
      document.querySelector('#console')!.remove();
    });
    // Another console, routed in memory, mounts once the code is in: by then the first one's
    // mount (waiting on the same download, and ahead of it) has been given up.
    await page.evaluate(() => {
      const other = document.createElement('roster-console') as HTMLElement & { getToken: unknown };
      other.id = 'other';
      other.setAttribute('routing', 'memory');
      const host = window as unknown as { hostToken(refresh: boolean): Promise<string> };
      other.getToken = (options?: { forceRefresh?: boolean }) => host.hostToken(Boolean(options?.forceRefresh));
      document.getElementById('slot')!.append(other);
    });
    await expect.poll(async () => (await events(page)).filter((e) => e.type === 'roster:ready')).toEqual([
      { type: 'roster:ready', detail: null, target: 'other' },
    ]);
    expect(page.url()).toBe(where);
    expect((await events(page)).filter((e) => e.target === 'console')).toEqual([]);
  });

  test('the host styles the parts Roster names, and hears of each user changed', async ({ page, request }) => {
    const token = hostToken(OWNER);
    await page.exposeFunction('hostToken', () => hostToken(OWNER));
    const list = (await (
      await request.get(`${roster}/api/v1/users?view=managed&limit=200`, { headers: { authorization: `Bearer ${token}` } })
    ).json()).items as { id: number; email: string; org_role: string }[];
    const member = list.find((u) => u.org_role === 'member' && u.email !== 'sam.taylor@northwind.example')!;
    await page.goto(`${host}/element?router-base=/element&initial-path=/users/${member.id}`);
    await expect(page.getByRole('button', { name: 'Suspend' })).toBeVisible();
    // ::part() reaches the regions Roster names, and nothing else of its shadow tree.
    await page.addStyleTag({
      content: 'roster-console::part(header) { outline: 3px solid rgb(1, 2, 3); } roster-console::part(main) { outline: 2px solid rgb(4, 5, 6); }',
    });
    await expect(page.locator('#console .roster-header')).toHaveCSS('outline-color', 'rgb(1, 2, 3)');
    await expect(page.locator('#console .roster-main')).toHaveCSS('outline-color', 'rgb(4, 5, 6)');
    await expect(page.locator('#console .roster-nav a').first()).not.toHaveCSS('outline-color', 'rgb(1, 2, 3)');

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
    await expect(page.getByRole('button', { name: 'Restore' })).toBeVisible();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByRole('button', { name: 'Suspend' })).toBeVisible();
    await expect
      .poll(async () => (await events(page)).filter((e) => e.type === 'roster:user-changed'))
      .toEqual([
        { type: 'roster:user-changed', detail: { id: member.id, change: 'suspended' }, target: 'console' },
        { type: 'roster:user-changed', detail: { id: member.id, change: 'restored' }, target: 'console' },
      ]);
  });

  test('a host whose tokens are refused hears roster:signed-out', async ({ page }) => {
    await page.exposeFunction('hostToken', () => hostToken(OWNER, { keyFile: 'stranger-rsa.pem' }));
    await page.goto(`${host}/element?router-base=/element`);
    await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible();
    await expect.poll(async () => (await events(page)).filter((e) => e.type === 'roster:signed-out')).toHaveLength(1);
  });
});
