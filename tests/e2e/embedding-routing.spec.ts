import { expect, test } from './fixtures';
import { EXAMPLE_ORIGIN, expectAccessible } from './helpers';

// The example host (examples/host, what `make run` serves): two consoles side by side on another
// origin, "People" routed on the page's URL under /settings/users, "Invitations" in memory. The
// host keeps "Invitations" on invitations by cancelling its other moves and showing them in
// "People" instead.
const example = EXAMPLE_ORIGIN;

test.describe('two consoles on one host page', () => {
  test('path and memory routing side by side: independent, the URL only the path console’s, moves the host cancels stay put', async ({ page }) => {
    await page.goto(`${example}/settings/users/users/managed`);
    const people = page.locator('#users');
    const invited = page.locator('#invited');
    await expect(people.getByRole('tab', { name: /^Managed/, selected: true })).toBeVisible();
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    await expect(people.getByRole('row').nth(1)).toBeVisible();
    await expect(invited.getByRole('row').nth(1)).toBeVisible();
    expect(page.url()).toBe(`${example}/settings/users/users/managed`);
    const log = page.locator('#host-log');
    await expect(log).toContainText('invited: roster:navigate {"path":"/users/invited"}');
    await expectAccessible(page);

    // The host cancels the memory console's move to Accounts and shows Accounts in the other one.
    await invited.getByRole('link', { name: 'Accounts' }).click();
    await expect(people.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expect(log).toContainText('invited: roster:navigate {"path":"/accounts"} (cancelled)');
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    expect(page.url()).toBe(`${example}/settings/users/accounts`);

    // From the keyboard too: the tab the host kept it from keeps neither the selection nor focus.
    await invited.getByRole('tab', { name: /^Invited/ }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(people.getByRole('tab', { name: /^Imported/, selected: true })).toBeVisible();
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeFocused();
    expect(page.url()).toBe(`${example}/settings/users/users/imported`);

    // A search is a move within its page: the host hears it but cannot cancel it, and the memory
    // console keeps its query to itself.
    await invited.getByRole('searchbox').fill('zz-no-such-person');
    await expect(invited.getByText(/No invited users match/)).toBeVisible();
    await expect(log).toContainText('invited: roster:navigate {"path":"/users/invited?q=zz-no-such-person"}');
    await expect(log).not.toContainText('zz-no-such-person"} (cancelled)');
    expect(page.url()).toBe(`${example}/settings/users/users/imported`);

    // "Skip to content" finds the console's own main region (in its shadow root), and the page's
    // URL gets no fragment.
    await invited.getByRole('link', { name: 'Skip to content' }).focus();
    await page.keyboard.press('Enter');
    await expect(invited.locator('main')).toBeFocused();
    expect(page.url()).toBe(`${example}/settings/users/users/imported`);

    // Let through, the memory console moves, and the page's URL does not.
    await page.getByLabel('Keep “Invitations” on invitations').uncheck();
    await invited.getByRole('link', { name: 'Domains' }).click();
    await expect(invited.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
    await expect(people.getByRole('tab', { name: /^Imported/, selected: true })).toBeVisible();
    expect(page.url()).toBe(`${example}/settings/users/users/imported`);

    // The host moves it back with navigate().
    await page.getByRole('button', { name: 'Show invitations' }).click();
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    await expect(invited.getByRole('searchbox')).toHaveValue('');
    expect(page.url()).toBe(`${example}/settings/users/users/imported`);

    // Back moves the path console only.
    await page.goBack();
    await expect(people.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    expect(page.url()).toBe(`${example}/settings/users/accounts`);
    await page.goBack();
    await expect(people.getByRole('tab', { name: /^Managed/, selected: true })).toBeVisible();
    expect(page.url()).toBe(`${example}/settings/users/users/managed`);
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    await expect(log).not.toContainText('invited: roster:navigate {"path":"/users/managed"}');

    // A user opened in one console is not opened in the other; links carry the path console's base.
    const firstUser = people.getByRole('row').nth(1).getByRole('link').first();
    expect(await firstUser.getAttribute('href')).toMatch(/^\/settings\/users\/users\/\d+$/);
    await firstUser.focus();
    await page.keyboard.press('Enter');
    await expect(people.getByRole('link', { name: '← Back to users' })).toBeVisible();
    // The link went with the list: focus goes to the new page's heading, in the shadow root too.
    await expect(people.getByRole('heading', { level: 1 })).toBeFocused();
    await expect(invited.getByRole('tab', { name: /^Invited/, selected: true })).toBeVisible();
    expect(page.url()).toMatch(new RegExp(`^${example}/settings/users/users/\\d+$`));
  });
});
