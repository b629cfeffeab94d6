import { expect, test } from './fixtures';
import { DEMO_PASSWORD, expectAccessible, signIn, userRows } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test.describe('user management', () => {
  test('opens on the Managed tab with the seeded users', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('heading', { level: 1, name: 'User management' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Northwind Labs');
    await expect(page.getByRole('banner')).toContainText('Maya Chen');
    await expect(page.getByRole('tab', { name: /Managed/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tabpanel')).toBeVisible();
    await expect(page.getByText('34 users', { exact: true })).toBeVisible();
    await expect(userRows(page)).toHaveCount(25);
    await expect(page.getByRole('link', { name: 'Maya Chen' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expectAccessible(page);
  });

  test('every tab is a route with its own list', async ({ page }) => {
    await page.goto('/users/managed');
    const expectations: Array<[string, RegExp, string]> = [
      ['External', /\/users\/external$/, '8 users'],
      ['Invited', /\/users\/invited$/, '10 users'],
      ['Imported', /\/users\/imported$/, '8 users'],
      ['Managed', /\/users\/managed$/, '34 users'],
    ];
    for (const [tab, url, summary] of expectations) {
      await page.getByRole('tab', { name: new RegExp(tab) }).click();
      await expect(page).toHaveURL(url);
      await expect(page.getByRole('tab', { name: new RegExp(tab) })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByText(summary, { exact: true })).toBeVisible();
      await expect(userRows(page).first()).toBeVisible();
      await expectAccessible(page);
    }
    // Invited shows who invited and marks expired invitations.
    await page.getByRole('tab', { name: /Invited/ }).click();
    await expect(page.getByRole('columnheader', { name: 'Invited by' })).toBeVisible();
    await expect(page.getByText(/^Expired /)).toHaveCount(3);
    // Back and forward walk the tabs.
    await page.goBack();
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('tab', { name: /Managed/ })).toHaveAttribute('aria-selected', 'true');
    await page.goForward();
    await expect(page.getByRole('tab', { name: /Invited/ })).toHaveAttribute('aria-selected', 'true');
  });

  test('tabs follow the arrow keys', async ({ page }) => {
    await page.goto('/users/managed');
    await page.getByRole('tab', { name: /Managed/ }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page).toHaveURL(/\/users\/external$/);
    await expect(page.getByRole('tab', { name: /External/ })).toBeFocused();
    await page.keyboard.press('End');
    await expect(page).toHaveURL(/\/users\/imported$/);
    await page.keyboard.press('ArrowRight');
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('tab', { name: /Managed/ })).toBeFocused();
  });

  test('search narrows the list and survives a reload', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    await page.getByLabel('Search users').fill('chen');
    await expect(page).toHaveURL(/\?q=chen$/);
    await expect(page.getByText('1 user matching “chen”')).toBeVisible();
    await expect(userRows(page)).toHaveCount(1);
    await expect(page.getByRole('link', { name: 'Maya Chen' })).toBeVisible();

    await page.reload();
    await expect(page.getByLabel('Search users')).toHaveValue('chen');
    await expect(userRows(page)).toHaveCount(1);

    await page.getByLabel('Search users').fill('nobody-has-this-name');
    await expect(page.getByText('No managed users match “nobody-has-this-name”.')).toBeVisible();
    await expectAccessible(page);
  });

  test('a hand-edited link loses only what it got wrong', async ({ page }) => {
    // A sort no list has: the search stays.
    await page.goto('/users/managed?q=chen&sort=Name');
    await expect(page.getByLabel('Search users')).toHaveValue('chen');
    await expect(page.getByText('1 user matching “chen”')).toBeVisible();
    await expect(userRows(page)).toHaveCount(1);
    // A page number without the cursor that opens it: the first page, called so.
    await page.goto('/users/managed?page=2');
    await expect(userRows(page)).toHaveCount(25);
    await expect(page.getByText(/^Page 1 of/)).toBeVisible();
  });

  test('search asks at every keystroke and shows only the answer to what is typed now', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    // The answer for "c" is held back until long after the one for "ch" has come.
    let releaseSlow: () => void = () => {};
    const slowAnswered = new Promise<void>((resolve) => {
      void page.route(/\/api\/v1\/users\?(.*&)?q=c(&|$)/, async (route) => {
        await new Promise<void>((release) => { releaseSlow = release; });
        await route.continue().catch(() => {});
        resolve();
      });
    });
    const asked: string[] = [];
    page.on('request', (request) => {
      const q = new URL(request.url()).searchParams.get('q');
      if (request.url().includes('/api/v1/users?') && q) asked.push(q);
    });
    const search = page.getByLabel('Search users');
    await search.pressSequentially('ch');
    // No pause to wait out: both keystrokes asked, and the newest answer is shown at once.
    await expect(page.getByText('2 users matching “ch”')).toBeVisible();
    expect(asked).toEqual(['c', 'ch']);
    await expect(page).toHaveURL(/\?q=ch$/);
    // The stale answer arrives (or was cancelled): it is never painted over the newer one.
    releaseSlow();
    await slowAnswered;
    await page.waitForTimeout(300);
    await expect(page.getByText('2 users matching “ch”')).toBeVisible();
    await expect(page.getByText(/matching “c”/)).toHaveCount(0);
    await expect(search).toHaveValue('ch');
  });

  test('rows ticked while a new search loads are let go when its answer comes', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(userRows(page)).toHaveCount(25);
    let release: () => void = () => {};
    await page.route(/\/api\/v1\/users\?(.*&)?q=northwindlabs(&|$)/, async (route) => {
      await new Promise<void>((resolve) => { release = resolve; });
      await route.continue().catch(() => {});
    });
    await page.getByLabel('Search users').fill('northwindlabs');
    await expect(page).toHaveURL(/\?q=northwindlabs$/);
    // The last answer's rows are still shown while the search is read: a hurried admin ticks one.
    await userRows(page).first().getByRole('checkbox').check();
    const selection = page.getByRole('group', { name: 'Bulk actions' }).getByRole('status');
    await expect(selection).toHaveText('1 user selected');
    release();
    await expect(page.getByText(/users? matching “northwindlabs”/)).toBeVisible();
    // Those rows are gone, and so is the tick: no action can reach a user no longer shown.
    await expect(selection).toHaveText('No users selected');
    await page.unroute(/\/api\/v1\/users\?(.*&)?q=northwindlabs(&|$)/);
  });

  test('sorting by a column is held in the URL', async ({ page }) => {
    await page.goto('/users/managed');
    await page.getByRole('button', { name: /^Email/ }).click();
    await expect(page).toHaveURL(/sort=email/);
    const header = page.getByRole('columnheader', { name: /^Email/ });
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    const first = await userRows(page).first().locator('th').first().textContent();
    await page.getByRole('button', { name: /^Email/ }).click();
    await expect(header).toHaveAttribute('aria-sort', 'descending');
    await expect(page).toHaveURL(/dir=desc/);
    await expect(userRows(page).first().locator('th').first()).not.toHaveText(first ?? '');
  });

  test('pages forward and back', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(page.getByText('Page 1 of 2')).toBeVisible();
    const firstPageFirstRow = await userRows(page).first().textContent();
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/cursor=.*page=2/);
    await expect(page.getByText('Page 2 of 2')).toBeVisible();
    await expect(userRows(page)).toHaveCount(9);
    await expect(page.getByRole('link', { name: 'Next page' })).toHaveCount(0);
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Previous page' }).click();
    await expect(page.getByText('Page 1 of 2')).toBeVisible();
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(userRows(page)).toHaveCount(25);
    await expect(userRows(page).first()).toHaveText(firstPageFirstRow ?? '');

    // A deep link to page two works.
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page.getByText('Page 2 of 2')).toBeVisible();
    await page.reload();
    await expect(page.getByText('Page 2 of 2')).toBeVisible();
    await expect(userRows(page)).toHaveCount(9);
  });

  test('paging and sorting from the keyboard keep focus on the control pressed', async ({ page }) => {
    await page.goto('/users/managed');
    const next = page.getByRole('link', { name: 'Next page' });
    await next.focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/page=2/);
    await expect(page.getByText(/^Page 2 of/)).toBeVisible();
    // The pager was drawn again with the new page: focus is on its "Next page", disabled or not,
    // not back at the top of the document.
    await expect(page.locator('[data-focus-key="pager-next"]')).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByRole('link', { name: 'Previous page' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByText(/^Page 1 of/)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Previous page' })).toHaveCount(0);
    await expect(page.locator('[data-focus-key="pager-prev"]')).toBeFocused();

    const email = page.getByRole('button', { name: /^Email/ });
    await email.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('columnheader', { name: /^Email/ })).toHaveAttribute('aria-sort', 'ascending');
    await expect(email).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('columnheader', { name: /^Email/ })).toHaveAttribute('aria-sort', 'descending');
    await expect(email).toBeFocused();

    // A bulk action's question takes its place: focus moves to Confirm, and Cancel brings it back.
    await userRows(page).nth(3).getByRole('checkbox').check();
    const requireTwoFactor = page.getByRole('button', { name: 'Require two-factor', exact: true });
    await requireTwoFactor.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Confirm: require two-factor' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(requireTwoFactor).toBeFocused();

    // Focus the admin moved elsewhere, here out of the page into the header, stays there when
    // the list is drawn again.
    await page.getByRole('link', { name: 'Next page' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByText(/^Page 2 of/)).toBeVisible();
    await expect(page.locator('[data-focus-key="pager-next"]')).toBeFocused();
    await page.getByLabel('Theme').focus();
    await page.goBack();
    await expect(page.getByText(/^Page 1 of/)).toBeVisible();
    await expect(page.getByLabel('Theme')).toBeFocused();
  });

  test('at a phone’s width nothing but the table scrolls sideways (WCAG 1.4.10)', async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 800 });
    const listed = (await (await page.request.get('/api/v1/users?view=managed')).json()).items as { id: number; account_count: number }[];
    const someone = listed.find((u) => u.account_count > 0)!.id;
    for (const path of ['/users/managed', '/domains', '/audit', `/users/${someone}`]) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      if (path !== '/domains') await expect(page.getByRole('table').first()).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      if (path === '/users/managed') {
        // Every tab in sight (a second row of them), none hidden past the edge.
        for (const tab of ['Managed', 'External', 'Invited', 'Imported']) {
          await expect(page.getByRole('tab', { name: new RegExp(tab) })).toBeInViewport({ ratio: 1 });
        }
      }
      // A table wider than the screen scrolls from the keyboard too (axe: scrollable-region-focusable).
      await expectAccessible(page);
    }
    await expect(page.getByRole('link', { name: 'Provisioning' })).toBeInViewport();
  });

  test('opens a user from the list and comes back', async ({ page }) => {
    await page.goto('/users/managed?q=maya');
    // From the keyboard: the link went with the list, and focus goes to the new page's heading.
    await page.getByRole('link', { name: 'Maya Chen' }).focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/users\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Maya Chen' })).toBeFocused();
    await expect(page.getByText('maya.chen@northwind.example')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expect(page.getByText('Owner', { exact: true }).first()).toBeVisible();
    const accounts = page.getByRole('table', { name: 'Accounts this user can access' });
    await expect(accounts.locator('tbody tr')).toHaveCount(await accounts.locator('tbody tr').count());
    await expect(accounts.getByRole('cell', { name: 'Owner', exact: true })).toHaveCount(4);
    await expectAccessible(page);

    await page.goBack();
    await expect(page).toHaveURL(/\/users\/managed\?q=maya$/);
    await expect(page.getByLabel('Search users')).toHaveValue('maya');
    await expect(userRows(page)).toHaveCount(1);

    // The page's own way back returns to the list as it was left too, search and page.
    await page.goto('/users/managed?q=northwind');
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/page=2/);
    const left = page.url();
    await userRows(page).first().getByRole('link').click();
    await expect(page).toHaveURL(/\/users\/\d+$/);
    const back = page.getByRole('link', { name: '← Back to users' });
    const leftHref = new URL(left).pathname + new URL(left).search;
    await expect(back).toHaveAttribute('href', leftHref);
    // A reload, and Back from another page, keep where the user was opened from.
    await page.reload();
    await expect(back).toHaveAttribute('href', leftHref);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await page.goBack();
    await expect(back).toHaveAttribute('href', leftHref);
    await back.click();
    await expect(page).toHaveURL(left);
    await expect(page.getByLabel('Search users')).toHaveValue('northwind');
    await expect(userRows(page).first()).toBeVisible();
  });

  test('a detail page opens from a deep link', async ({ page }) => {
    const response = await page.request.get('/api/v1/users?view=external&limit=1');
    const external = (await response.json()).items[0];
    await page.goto(`/users/${external.id}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${external.given_name} ${external.family_name}`);
    await expect(page.getByText('External user')).toBeVisible();
    await page.getByRole('link', { name: '← Back to users' }).click();
    await expect(page).toHaveURL(/\/users\/external$/);

    await page.goto('/users/999999');
    await expect(page.getByRole('heading', { level: 1, name: 'User not found' })).toBeVisible();
    await expectAccessible(page);
  });

  test('when the API is down, the error says so and "Try again" recovers', async ({ page }) => {
    await page.route('**/api/v1/users?**', (route) => route.abort('connectionrefused'));
    // Sorted by email: a page load of the list as it first opens carries its first answer.
    await page.goto('/users/managed?sort=email');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('could not reach its server');
    await expectAccessible(page);

    // "Try again" from the keyboard fails once more: focus goes to the new panel's "Try again".
    await alert.getByRole('button', { name: 'Try again' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Try again' })).toBeFocused();

    await page.unroute('**/api/v1/users?**');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(userRows(page)).toHaveCount(25);
    // Focus, which went with the button, goes to the list drawn where the failure stood (its
    // summary, which a screen reader reads), not to the top of the page.
    await expect(page.getByRole('status').filter({ hasText: /^\d[\d,]* users/ })).toBeFocused();
  });

  test('a user page that cannot load shows the failure under its heading, and "Try again" recovers', async ({ page }) => {
    const first = (await (await page.request.get('/api/v1/users?view=managed&sort=email&limit=1')).json()).items[0];
    await page.route(`**/api/v1/users/${first.id}`, (route) => route.abort('connectionrefused'));
    await page.goto(`/users/${first.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'User' })).toBeVisible();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('could not reach its server');
    await expectAccessible(page);

    await page.unroute(`**/api/v1/users/${first.id}`);
    await alert.getByRole('button', { name: 'Try again' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByText(first.email).first()).toBeVisible();
    // The user's page is drawn in the failure's place: focus goes to its heading.
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  });

  test('focus moved away while "Try again" waits for its answer is left where the admin put it', async ({ page }) => {
    const first = (await (await page.request.get('/api/v1/users?view=managed&sort=email&limit=1')).json()).items[0];
    const user = `**/api/v1/users/${first.id}`;
    await page.route(user, (route) => route.abort('connectionrefused'));
    await page.goto(`/users/${first.id}`);
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('could not reach its server');
    await page.unroute(user);
    // The answer is held until the admin has moved on (as a click on the page's text does).
    let answer = () => {};
    const held = new Promise<void>((resolve) => { answer = resolve; });
    await page.route(user, async (route) => { await held; await route.continue(); });
    await alert.getByRole('button', { name: 'Try again' }).focus();
    await page.keyboard.press('Enter');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    answer();
    await expect(page.getByText(first.email).first()).toBeVisible();
    await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))));
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
  });

  test('a user deleted while their edit is open: the page says so and the edit goes', async ({ page }) => {
    const first = (await (await page.request.get('/api/v1/users?view=managed&sort=email&limit=1')).json()).items[0];
    await page.goto(`/users/${first.id}`);
    await page.getByRole('button', { name: 'Edit user' }).click();
    await page.getByLabel('Given name').fill('Renamed');
    // Deleted meanwhile (in another tab, by another admin): every read and change of them is
    // answered as the API answers for a user who is not there.
    const gone = { error: { code: 'not_found', message: 'This organization has no such user.' } };
    await page.route(`**/api/v1/users/${first.id}`, (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify(gone) }));
    await page.getByRole('button', { name: 'Save changes' }).click();
    // Focus, fallen with the form's button, goes to the page saying so.
    await expect(page.getByRole('heading', { level: 1, name: 'User not found' })).toBeFocused();
    await expect(page.getByRole('heading', { name: 'Edit user' })).toHaveCount(0);
    await expect(page.getByLabel('Given name')).toHaveCount(0);
    await expectAccessible(page);
  });

  test('an unknown tab or page is a clear not-found page', async ({ page }) => {
    await page.goto('/users/deleted');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await page.getByRole('link', { name: 'Go to User management' }).click();
    await expect(page).toHaveURL(/\/users\/managed$/);
  });
});

test.describe('accounts and domains', () => {
  test('accounts list with owners, search and paging', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    await expect(page).toHaveURL(/\/accounts$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expect(page.getByText('12 accounts')).toBeVisible();
    await expect(page.getByRole('rowheader', { name: 'Northwind Production' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('Search accounts').fill('production');
    await expect(page.getByText('3 accounts')).toBeVisible();
    await expect(page).toHaveURL(/q=production/);
  });

  test('domains list with verification records', async ({ page }) => {
    await page.goto('/domains');
    await expect(page.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
    const verified = page.getByRole('article', { name: 'northwind.example', exact: true });
    await expect(verified).toContainText('Verified');
    await expect(verified.getByText('_roster.northwind.example', { exact: true })).toBeVisible();
    await expect(page.getByRole('article', { name: 'nwl-marketing.example' })).toContainText('Pending verification');
    await expect(page.getByRole('article', { name: 'old-northwind.example' })).toContainText('Verification failed');
    await expectAccessible(page);
  });
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });

  test('every page keeps its contrast in the dark theme', async ({ page }) => {
    for (const path of ['/users/managed', '/users/invited', '/users/external', '/accounts', '/accounts/1', '/import']) {
      await page.goto(path);
      await expect(page.getByRole('table')).toBeVisible();
      await expectAccessible(page);
    }
    await page.goto('/domains');
    await expect(page.getByRole('article').first()).toBeVisible();
    await expectAccessible(page);
    await page.goto('/account/two-factor');
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
    await expectAccessible(page);
    const background = await page.locator('.roster-shell').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(20, 23, 28)');
  });
});

test.describe('theme', () => {
  test('the admin picks light or dark, remembered in this browser; System follows the system', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/users/managed');
    const shell = page.locator('.roster-shell');
    await expect(shell).toHaveCSS('background-color', 'rgb(246, 247, 249)');
    await page.getByLabel('Theme').selectOption('dark');
    await expect(shell).toHaveCSS('background-color', 'rgb(20, 23, 28)');
    await expectAccessible(page);
    await page.reload();
    await expect(page.getByLabel('Theme')).toHaveValue('dark');
    await expect(shell).toHaveCSS('background-color', 'rgb(20, 23, 28)');
    await page.getByLabel('Theme').selectOption('auto');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(shell).toHaveCSS('background-color', 'rgb(20, 23, 28)');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(shell).toHaveCSS('background-color', 'rgb(246, 247, 249)');
  });
});
