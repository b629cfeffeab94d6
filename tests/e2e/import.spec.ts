import { expect, test } from './fixtures';
import { expectAccessible, signIn, pressConfirm } from './helpers';

test.describe('bulk import', () => {
  test('import existing users with progress; they show under Imported and Managed', async ({ page }) => {
    await signIn(page);
    await page.goto('/users/imported');
    await page.getByRole('link', { name: 'Import users' }).click();
    await expect(page).toHaveURL(/\/import$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Import users' })).toBeVisible();
    const rows = page.getByRole('table', { name: 'Users who can be imported' }).locator('tbody tr');
    await expect(rows.first()).toBeVisible();
    const offered = await rows.count();
    expect(offered).toBeGreaterThan(1);
    const first = ((await rows.first().getByRole('rowheader').textContent()) ?? '').trim();
    const firstEmail = ((await rows.first().locator('td').nth(1).textContent()) ?? '').trim();
    await expectAccessible(page);

    await page.getByLabel('Select all users on this page').check();
    await expect(page.getByText(`${offered} users selected`)).toBeVisible();
    // A request that fails keeps the choice, to try again at once.
    const busy = 'The database is busy. Try again in a moment.';
    await page.route('**/api/v1/import', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: busy } }) }),
    );
    await page.getByRole('button', { name: 'Import selected users' }).click();
    await pressConfirm(page);
    await expect(page.getByText(busy)).toBeVisible();
    await expect(page.getByText(`${offered} users selected`)).toBeVisible();
    await expect(page.getByLabel('Select all users on this page')).toBeChecked();
    await page.unroute('**/api/v1/import');
    await page.getByRole('button', { name: 'Import selected users' }).click();
    await expect(page.getByText(`Import ${offered} users? Each becomes a managed user`)).toBeVisible();
    // Focus follows the question to Confirm, then the import to its progress.
    await expect(page.getByRole('button', { name: 'Confirm import' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByText(`Done ${offered} of ${offered}`)).toBeVisible();
    await expect(page.getByText(`${offered} done, 0 failed.`)).toBeVisible();
    await expect(page.getByRole('region', { name: 'Bulk action progress' })).toBeFocused();
    await expect(page.getByRole('progressbar')).toHaveAttribute('value', String(offered));
    await page.getByText('Result per user').click();
    await expect(page.locator('.roster-result--ok').filter({ hasText: first })).toBeVisible();
    await expect(page.getByText('There is no one to import')).toBeVisible();
    await expectAccessible(page);

    await page.getByRole('link', { name: 'See imported users' }).click();
    await expect(page).toHaveURL(/\/users\/imported$/);
    await page.getByLabel('Search users').fill(firstEmail);
    const imported = page.getByRole('row', { name: new RegExp(first) });
    await expect(imported).toContainText('Maya Chen');
    await page.goto(`/users/managed?q=${encodeURIComponent(firstEmail)}`);
    await expect(page.getByRole('row', { name: new RegExp(first) })).toContainText('Member');
  });

  test('an organization without the import feature is not offered it, and the API refuses', async ({ page }) => {
    await signIn(page, 'hank.scorpio@globex.example');
    await page.goto('/users/imported');
    await expect(page.getByRole('heading', { level: 1, name: 'User management' })).toBeVisible();
    await expect(page.getByRole('tabpanel')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Import users' })).toHaveCount(0);
    await page.goto('/import');
    await expect(page.getByText('Bulk import is not enabled for this organization.')).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    const response = await page.request.get('/api/v1/import/candidates');
    expect(response.status()).toBe(403);
    expect((await response.json()).error.code).toBe('feature_disabled');
  });
});
