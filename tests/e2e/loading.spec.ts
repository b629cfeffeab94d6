import { expect, test } from './fixtures';
import { expectAccessible, signIn, userRows } from './helpers';

/** The names of the app's wasm files the page has asked for so far. */
function wasmRequests(page: import('@playwright/test').Page) {
  const names: string[] = [];
  page.on('request', (request) => {
    const match = new URL(request.url()).pathname.match(/^\/assets\/[0-9a-f]{16}\/([^/]+\.wasm)$/);
    if (match) names.push(match[1]);
  });
  return names;
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
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
    await failure.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});
