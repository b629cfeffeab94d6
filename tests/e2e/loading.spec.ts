import { expect, test } from './fixtures';
import { DEMO_PASSWORD, MEMBER, OWNER, expectAccessible, signIn, userRows } from './helpers';

/** The names of the app's wasm files the page has asked for so far. */
function wasmRequests(page: import('@playwright/test').Page) {
  const names: string[] = [];
  page.on('request', (request) => {
    const match = new URL(request.url()).pathname.match(/^\/assets\/[0-9a-f]{16}\/([^/]+\.wasm)$/);
    if (match) names.push(match[1]);
  });
  return names;
}

/** The user-list reads (`/api/v1/users…`, as path and query) the page has sent so far. */
function userListReads(page: import('@playwright/test').Page) {
  const reads: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/v1/users')) reads.push(url.pathname + url.search);
  });
  return reads;
}

/** Holds the app's code back until the function answered is called: the first paint shows. */
async function holdApp(page: import('@playwright/test').Page) {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/assets\/[0-9a-f]{16}\/roster_bg\.wasm$/, async (route) => {
    await held;
    await route.fallback();
  });
  return release;
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test.describe('the first page', () => {
  test('the Managed list and its counts come with the page: the app asks the server for neither', async ({ page }) => {
    const reads = userListReads(page);
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    await page.waitForLoadState('networkidle');
    expect(reads).toEqual([]);
    // Taken once: asked again (a refresh after a change), the list is read from the server.
    await page.getByRole('tab', { name: /Invited/ }).click();
    await page.getByRole('tab', { name: /Managed/ }).click();
    await expect(userRows(page)).toHaveCount(25);
    await expect.poll(() => reads).toContain('/api/v1/users?view=managed&sort=name&dir=asc&limit=25');
  });

  test('when the session is found over as the app starts, what the page came with goes before anyone signs in', async ({ page }) => {
    // The page is served (with the list) for a live session; the app's own check, a moment
    // later, finds it over.
    await page.route('**/api/v1/session', (route) =>
      route.request().method() === 'GET'
        ? route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unauthorized', message: 'Your session has ended. Sign in to continue.' } }) })
        : route.fallback(),
    );
    const release = await holdApp(page);
    const reads = userListReads(page);
    await page.goto('/users/managed', { waitUntil: 'commit' });
    await expect(page.locator('[data-roster-read]')).toHaveCount(2);
    release();
    await expect(page).toHaveURL(/\/login\?next=/);
    await expect(page.locator('[data-roster-read]')).toHaveCount(0);
    await page.unroute('**/api/v1/session');
    // Whoever signs in next is shown the list as the server gives it to them.
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(userRows(page)).toHaveCount(25);
    expect(reads).toContain('/api/v1/users?view=managed&sort=name&dir=asc&limit=25');
    expect(reads).toContain('/api/v1/users/counts');
  });

  test('when another admin signs in elsewhere as the page loads, the app shows them nothing drawn for the first', async ({ page }) => {
    // The page is served with Northwind's list for its owner; before the app's session check
    // (which the page preloads) is sent, Globex's owner signs in from another tab of this
    // browser, and the check finds them.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/session', async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.fallback();
    });
    const reads = userListReads(page);
    await page.goto('/users/managed', { waitUntil: 'commit' });
    await expect(page.locator('[data-roster-read]')).toHaveCount(2);
    await signIn(page, 'hank.scorpio@globex.example');
    release();
    await expect(page.locator('.roster-first-paint')).toHaveCount(0);
    await expect(page.locator('.roster-header__org')).toHaveText('Globex Corporation');
    // Globex's owner and its five members, read from the server for the one signed in now.
    await expect(userRows(page)).toHaveCount(6);
    await expect(userRows(page).filter({ hasText: 'northwind.example' })).toHaveCount(0);
    expect(reads).toContain('/api/v1/users?view=managed&sort=name&dir=asc&limit=25');
    expect(reads).toContain('/api/v1/users/counts');
  });

  test('signed out, the page comes as built, and after signing in the list is read from the server', async ({ page }) => {
    await page.context().clearCookies();
    const reads = userListReads(page);
    await page.goto('/users/managed');
    await expect(page).toHaveURL(/\/login\?next=/);
    expect(reads).toEqual([]);
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(userRows(page)).toHaveCount(25);
    expect(reads).toContain('/api/v1/users?view=managed&sort=name&dir=asc&limit=25');
  });
});

test.describe('the first paint', () => {
  // A browser with no time zone told yet is shown dates in UTC, as this one is in.
  test.use({ timezoneId: 'UTC' });

  /** Where the list's parts stand on the page, and what its rows say. */
  const layout = (page: import('@playwright/test').Page, root: string) =>
    page.evaluate((root) => {
      const scope = document.querySelector(root)!;
      const at = (selector: string) =>
        [...scope.querySelectorAll(selector)].map((element) => {
          const box = element.getBoundingClientRect();
          return `${selector} ${Math.round(box.x)},${Math.round(box.y)} ${Math.round(box.width)}×${Math.round(box.height)}`;
        });
      const places = ['.roster-header', '.roster-nav a', '.roster-account', 'h1', '.roster-tab', '.roster-toolbar > *',
        '.roster-summary', '.roster-bulk-bar', 'thead th', 'tbody tr', '.roster-pager > *'].flatMap(at);
      const rows = [...scope.querySelectorAll('tbody tr')].map((row) => (row as HTMLElement).innerText);
      const tabs = [...scope.querySelectorAll('.roster-tab')].map((tab) => (tab as HTMLElement).innerText);
      return { places, rows, tabs };
    }, root);

  test('the list\'s first page is painted before the app has downloaded, and the app takes its place without a move', async ({ page }) => {
    const release = await holdApp(page);
    await page.goto('/users/managed', { waitUntil: 'commit' });
    const firstPaint = page.locator('.roster-first-paint');
    await expect(firstPaint.locator('tbody tr')).toHaveCount(25);
    await expect(firstPaint.getByText('Northwind Labs')).toBeVisible();
    // The stylesheet came inside the page (the first paint waits for no other request), allowed by
    // the Content Security Policy (the fixture fails a test on any violation).
    expect(await page.locator('head > link[rel="stylesheet"]').count()).toBe(0);
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.roster-first-paint .roster-header')!).display)).toBe('flex');
    const painted = await layout(page, '.roster-first-paint');
    // A picture, not the page: nothing in it takes a click or the focus, and assistive
    // technology is not told of it (the app's page, a moment later, is the one to read).
    const accounts = await firstPaint.locator('.roster-nav').getByText('Accounts', { exact: true }).boundingBox();
    await page.mouse.click(accounts!.x + 4, accounts!.y + 4);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('table')).toHaveCount(0);
    await expectAccessible(page);

    release();
    await expect(firstPaint).toHaveCount(0);
    await expect(userRows(page)).toHaveCount(25);
    // The same rows and counts, each part where it was painted.
    expect(await layout(page, '.roster-shell')).toEqual(painted);
    await expectAccessible(page);
  });

  test.describe('in India', () => {
    // The first visit tells the server the browser's offset from UTC: the dates agree from the
    // next. (A zone without daylight saving: across a change, a date near midnight may differ.)
    test.use({ timezoneId: 'Asia/Kolkata' });

    test('is drawn in the theme, without the columns and in the time zone of the admin', async ({ page }) => {
      await page.goto('/users/managed');
      await expect(userRows(page)).toHaveCount(25);
      await page.getByLabel('Theme').selectOption('dark');
      await page.getByRole('button', { name: 'Columns' }).click();
      await page.getByRole('checkbox', { name: 'Joined or imported' }).uncheck();
      await page.getByRole('checkbox', { name: 'Two-factor' }).uncheck();
      // The app keeps the choice in a cookie after it renders it: reload only once both are kept.
      const keptHidden = async () =>
        (await page.context().cookies()).find((c) => c.name === 'roster-hidden-columns')?.value.split('.').length ?? 0;
      await expect.poll(keptHidden).toBe(2);
      const release = await holdApp(page);
      await page.reload({ waitUntil: 'commit' });
      const firstPaint = page.locator('.roster-first-paint');
      await expect(firstPaint.locator('tbody tr')).toHaveCount(25);
      const look = (shellSelector: string) =>
        page.evaluate((shellSelector) => {
          const shell = document.querySelector(shellSelector) as HTMLElement;
          const headers = [...shell.querySelectorAll('thead th')].filter((th) => (th as HTMLElement).offsetWidth > 0);
          return {
            theme: shell.dataset.theme,
            background: getComputedStyle(shell).backgroundColor,
            headers: headers.map((th) => (th as HTMLElement).innerText),
          };
        }, shellSelector);
      // Read once its stylesheet applies (a layout forced before then is drawn without it).
      const columns = async () => {
        const { headers } = await look('.roster-first-paint .roster-shell');
        return ['Joined', 'Two-factor', 'Last sign-in'].map((name) => headers.some((header) => header.startsWith(name)));
      };
      await expect.poll(columns).toEqual([false, false, true]);
      const painted = await look('.roster-first-paint .roster-shell');
      expect(painted.theme).toBe('dark');
      const places = await layout(page, '.roster-first-paint');
      release();
      await expect(firstPaint).toHaveCount(0);
      await expect(userRows(page)).toHaveCount(25);
      expect(await look('.roster-shell')).toEqual(painted);
      expect(await layout(page, '.roster-shell')).toEqual(places);
    });
  });

  test('goes when the app cannot start, rather than stand there as if it were the page', async ({ page }) => {
    let fail = () => {};
    const failing = new Promise<void>((resolve) => (fail = resolve));
    await page.route(/\/assets\/[0-9a-f]{16}\/roster_bg\.wasm$/, async (route) => {
      await failing;
      await route.abort('internetdisconnected');
    });
    await page.goto('/users/managed', { waitUntil: 'commit' });
    const firstPaint = page.locator('.roster-first-paint');
    await expect(firstPaint.locator('tbody tr')).toHaveCount(25);
    fail();
    await expect(firstPaint).toHaveCount(0);
  });

  test('is not served to anyone the list would refuse, nor for another page', async ({ page }) => {
    await page.goto('/accounts');
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    expect(await page.locator('.roster-first-paint').count()).toBe(0);
    const served = await page.request.get('/accounts');
    expect(await served.text()).not.toContain('<div class="roster-first-paint"');
    await signIn(page, MEMBER);
    const member = await page.request.get('/users/managed');
    expect(await member.text()).not.toContain('<div class="roster-first-paint"');
    expect(member.headers()['cache-control']).toBe('no-cache');
  });
});

test.describe('loading the app in parts', () => {
  test('the Managed list downloads no other page; a page downloads its part when first shown', async ({ page }) => {
    const wasm = wasmRequests(page);
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    expect(wasm).toEqual(['roster_bg.wasm']);

    // Ticking a row brings the bulk actions' code, and nothing else.
    await userRows(page).first().getByRole('checkbox').check();
    const bar = page.getByRole('group', { name: 'Bulk actions' });
    await expect(bar.getByRole('button', { name: 'Reset password' })).toBeEnabled();
    expect(wasm.filter((name) => name.startsWith('split_'))).toEqual(['split_user_dialogs.wasm']);

    // The audit log is in the part of the pages an administrator opens less often, fetched once.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
    expect(wasm.filter((name) => name === 'split_admin.wasm')).toHaveLength(1);
    await expectAccessible(page);
  });

  test('a page whose code cannot be downloaded says so, and comes with "Try again"', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    // The network drops the pages' parts.
    await page.route(/\/assets\/[0-9a-f]{16}\/(split|chunk)_[^/]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    const failure = page.getByRole('alert');
    await expect(failure).toContainText('This page could not be downloaded. Check the connection, then try again.');
    await expectAccessible(page);
    // It is back: the same page loads, no reload needed.
    await page.unroute(/\/assets\/[0-9a-f]{16}\/(split|chunk)_[^/]+\.wasm$/);
    await failure.getByRole('button', { name: 'Try again' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    // Focus, which went with the button, waited for the page and went to its heading.
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeFocused();
  });
});
