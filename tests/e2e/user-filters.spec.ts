import { expect, test } from './fixtures';
import { expectAccessible, signIn, userRows } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test.describe('filters of the user lists', () => {
  test('filters narrow the list and the tab counts, live in the URL and come off as chips', async ({ page }) => {
    await page.goto('/users/managed');
    await expect(page.getByText('34 users', { exact: true })).toBeVisible();
    const toggle = page.getByRole('button', { name: 'Filters', exact: true });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = page.getByRole('group', { name: 'Filters' });
    await expect(panel.getByLabel('Organization role')).toBeVisible();
    await expectAccessible(page);

    await panel.getByLabel('Organization role').selectOption('owner');
    await expect(page).toHaveURL(/[?&]role=owner/);
    await expect(page.getByText('1 user matching the filters', { exact: true })).toBeVisible();
    await expect(userRows(page)).toHaveCount(1);
    await expect(page.getByRole('tab', { name: /Managed/ })).toContainText('1');
    // External and Invited offer no organization role (their people have none here): each counts
    // what opening it lists, not narrowed by it.
    await expect(page.getByRole('tab', { name: /External/ }).locator('.roster-tab__count')).toHaveText('8');
    const chip = page.getByRole('button', { name: 'Organization role: Owner, remove filter' });
    await expect(chip).toBeVisible();
    await expect(page.getByRole('button', { name: 'Filters (1)' })).toBeVisible();

    // A second filter combines with the first; search combines with both.
    await panel.getByLabel('Last sign-in').selectOption('never');
    await expect(page).toHaveURL(/last_sign_in=never/);
    await expect(page).toHaveURL(/role=owner/);
    await expect(page.getByText('No managed users match the filters.')).toBeVisible();
    await expectAccessible(page);

    // Back returns to the previous filters; the chip takes one away.
    await page.goBack();
    await expect(page).not.toHaveURL(/last_sign_in/);
    await expect(userRows(page)).toHaveCount(1);
    await chip.click();
    await expect(page).not.toHaveURL(/role=/);
    await expect(page.getByText('34 users', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: /remove filter/ })).toHaveCount(0);
    // The chip went with its filter: focus goes to the Filters button, not the page's top.
    await expect(page.getByRole('button', { name: 'Filters', exact: true })).toBeFocused();
  });

  test('a tab keeps the filters it offers and drops the one it does not', async ({ page }) => {
    await page.goto('/users/managed?role=member&two_factor=off');
    const counts = await (await page.request.get('/api/v1/users/counts?two_factor=off')).json();
    const external = page.getByRole('tab', { name: /External/ });
    await expect(external.locator('.roster-tab__count')).toHaveText(String(counts.external));
    await expect(page.getByRole('tab', { name: /Invited/ }).locator('.roster-tab__count')).toHaveText(String(counts.invited));

    await external.click();
    await expect(page).toHaveURL(/\/users\/external\?two_factor=off$/);
    const summary = counts.external === 1 ? '1 user matching the filters' : `${counts.external} users matching the filters`;
    await expect(page.getByText(summary, { exact: true })).toBeVisible();
    await expect(userRows(page)).toHaveCount(counts.external);
    await expect(page.getByRole('button', { name: /^Organization role: .*remove filter/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Two-factor: Off, remove filter/ })).toBeVisible();
    await expectAccessible(page);

    // A link with a filter the tab does not offer lists the tab unnarrowed by it.
    await page.goto('/users/external?role=owner');
    await expect(page.getByText('8 users', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: /remove filter/ })).toHaveCount(0);
  });

  test('the Invited tab opens in an order it shows: by email', async ({ page }) => {
    const invited = (await (await page.request.get('/api/v1/users?view=invited&sort=email&limit=200')).json()).items as { email: string }[];
    // From the Managed tab in its own order (by name), and by a link asking for names, which
    // the Invited tab does not show.
    for (const arrive of ['tab', '/users/invited?sort=name']) {
      if (arrive === 'tab') {
        await page.goto('/users/managed');
        await page.getByRole('tab', { name: /Invited/ }).click();
        await expect(page).toHaveURL(/\/users\/invited$/);
      } else {
        await page.goto(arrive);
      }
      await expect(page.getByRole('columnheader', { name: /^Email/ })).toHaveAttribute('aria-sort', 'ascending');
      await expect(userRows(page).first().locator('th').first()).toHaveText(invited[0].email);
    }
    // An order it shows is kept from tab to tab.
    await page.goto('/users/managed?sort=date');
    await page.getByRole('tab', { name: /Invited/ }).click();
    await expect(page).toHaveURL(/\/users\/invited\?sort=date$/);
    await expect(page.getByRole('columnheader', { name: /^Sent/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  test('an account is found by search and its people listed; a link with filters opens filtered', async ({ page }) => {
    const accounts = (await (await page.request.get('/api/v1/accounts?limit=50')).json()).items as {
      id: number;
      name: string;
    }[];
    const account = accounts[0];
    const expected = (await (
      await page.request.get(`/api/v1/users?view=managed&account=${account.id}&limit=1`)
    ).json()).total as number;
    await page.goto('/users/managed');
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    const panel = page.getByRole('group', { name: 'Filters' });
    await panel.getByLabel('Find an account').fill(account.name);
    await expect(panel.getByLabel('Account', { exact: true }).locator(`option[value="${account.id}"]`)).toHaveCount(1);
    await panel.getByLabel('Account', { exact: true }).selectOption(String(account.id));
    await expect(page).toHaveURL(new RegExp(`account=${account.id}`));
    await expect(page.getByRole('button', { name: `Account: ${account.name}, remove filter` })).toBeVisible();
    await expect(page.getByText(`${expected} user${expected === 1 ? '' : 's'} matching the filters`, { exact: true })).toBeVisible();

    // A hurried admin: two choices at once, before the first list has come back.
    await panel.getByLabel('Two-factor').selectOption('off');
    await panel.getByLabel('Status').selectOption('active');
    await expect(page).toHaveURL(/two_factor=off/);
    await expect(page).toHaveURL(/status=active/);
    const filtered = (await (
      await page.request.get(`/api/v1/users?view=managed&account=${account.id}&two_factor=off&status=active&limit=1`)
    ).json()).total as number;
    await expect(page.getByText(`${filtered} user${filtered === 1 ? '' : 's'} matching the filters`, { exact: true })).toBeVisible();

    // Opened from a link, the filters show as chips at once, and a value nobody takes is dropped.
    await page.goto('/users/managed?status=disabled&role=king');
    await expect(page.getByRole('button', { name: 'Status: Suspended, remove filter' })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Organization role: .*remove filter/ })).toHaveCount(0);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('button', { name: 'Filters', exact: true })).toBeFocused();
  });
});

test.describe('columns', () => {
  test('optional columns can be hidden and stay hidden on this browser', async ({ page }) => {
    await page.goto('/users/managed');
    const header = page.getByRole('columnheader', { name: 'Two-factor' });
    await expect(header).toBeVisible();
    const toggle = page.getByRole('button', { name: 'Columns' });
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const choices = page.getByRole('group', { name: 'Columns shown' });
    await expectAccessible(page);
    await choices.getByLabel('Two-factor').uncheck();
    await choices.getByLabel('Last sign-in').uncheck();
    await expect(header).toBeHidden();
    await expect(page.getByRole('columnheader', { name: 'Last sign-in' })).toBeHidden();
    await expect(page.getByRole('columnheader', { name: 'Email' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('columnheader', { name: 'Email' })).toBeVisible();
    await expect(page.getByRole('columnheader', { name: 'Two-factor' })).toBeHidden();
    // Other tabs hide the same columns.
    await page.getByRole('tab', { name: /External/ }).click();
    await expect(page.getByRole('columnheader', { name: 'Email' })).toBeVisible();
    await expect(page.getByRole('columnheader', { name: 'Two-factor' })).toBeHidden();
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('group', { name: 'Columns shown' }).getByLabel('Two-factor').check();
    await page.getByRole('group', { name: 'Columns shown' }).getByLabel('Last sign-in').check();
    await expect(page.getByRole('columnheader', { name: 'Two-factor' })).toBeVisible();
  });
});

test.describe('CSV export', () => {
  test('exports every row of the view as filtered, and the audit log', async ({ page }) => {
    await page.goto('/users/managed?role=member');
    const total = (await (await page.request.get('/api/v1/users?view=managed&role=member&limit=1')).json())
      .total as number;
    await expect(page.getByText(`${total} users matching the filters`, { exact: true })).toBeVisible();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^roster-managed-users-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = (await readDownload(download)).trim().split('\n');
    expect(lines[0]).toContain('Organization role');
    expect(lines).toHaveLength(total + 1);
    expect(lines.slice(1).every((line) => line.includes(',Member,'))).toBe(true);
    // The button keeps focus while it waits, and its end is said.
    await expect(page.getByRole('button', { name: 'Export CSV' })).toBeFocused();
    await expect(page.getByRole('status').filter({ hasText: "The CSV file is in the browser's downloads." })).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Export CSV' })).not.toHaveAccessibleDescription(/downloads/);
    await expectAccessible(page);

    await page.goto('/audit');
    const [audit] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(audit.suggestedFilename()).toMatch(/^roster-audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(await readDownload(audit)).toContain('Time (UTC),Actor,Actor email,Action,Action code,Target,Target email');
  });

  test('a list with no rows makes no file, and says why', async ({ page }) => {
    const downloads: string[] = [];
    page.on('download', (download) => downloads.push(download.suggestedFilename()));
    await page.goto('/users/managed?q=zzqx-no-one');
    await expect(page.getByText('No managed users match')).toBeVisible();
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'No users match, so there is nothing to export.' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Export CSV' })).toBeFocused();
    await expectAccessible(page);
    // A search that finds rows takes the remark away, and exports them.
    await page.getByLabel('Search users').fill('maya');
    await expect(userRows(page)).not.toHaveCount(0);
    await expect(page.getByText('No users match, so there is nothing to export.')).toBeHidden();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect((await readDownload(download)).trim().split('\n').length).toBeGreaterThan(1);
    await expect(page.getByText('No users match, so there is nothing to export.')).toBeHidden();

    await page.goto('/audit?actor=zzqx-no-one');
    await expect(page.getByText('No audit entries match these filters.')).toBeVisible();
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: 'No entries match these filters, so there is nothing to export.' }),
    ).toBeVisible();
    expect(downloads).toEqual([download.suggestedFilename()]);

    // Pressed before the list has answered a search nothing matches: still no file.
    await page.route('**/api/v1/users?*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.goto('/users/managed');
    await expect(userRows(page)).not.toHaveCount(0);
    await page.getByLabel('Search users').fill('zzqx-still-no-one');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'No users match, so there is nothing to export.' })).toBeVisible();
    expect(downloads).toEqual([download.suggestedFilename()]);
  });
});

async function readDownload(download: import('@playwright/test').Download): Promise<string> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
