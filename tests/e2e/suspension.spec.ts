import { expect, test } from './fixtures';
import { MEMBER, expectAccessible, passwordResetToken, signIn, userRows } from './helpers';

type Managed = {
  id: number;
  email: string;
  given_name: string;
  family_name: string;
  org_role: string;
  two_factor: { enrolled: boolean; required: boolean };
};

test.describe('suspend and restore', () => {
  test('a suspended member cannot sign in, shows as suspended, and is restored with their access', async ({
    page,
    browser,
  }) => {
    await signIn(page);
    const list = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Managed[];
    // A member without two-factor, given a password of our own through a reset (other specs
    // reset some demo passwords), so that their password alone signs them in.
    const member = list.find(
      (u) => u.org_role === 'member' && u.email !== MEMBER && !u.two_factor.enrolled && !u.two_factor.required,
    );
    expect(member, 'a member without two-factor').toBeTruthy();
    const password = 'suspension test passphrase';
    const etag = (await page.request.get(`/api/v1/users/${member!.id}`)).headers()['etag'];
    const reset = await page.request.post(`/api/v1/users/${member!.id}/reset-password`, {
      headers: { 'x-roster-csrf': '1', 'if-match': etag },
    });
    expect(reset.status(), await reset.text()).toBe(200);
    const elsewhere = await browser.newContext();
    const set = await elsewhere.request.post('/api/v1/password-resets/complete', {
      headers: { 'x-roster-csrf': '1' },
      data: { token: await passwordResetToken(member!.email), password },
    });
    expect(set.status(), await set.text()).toBe(200);
    const signInAsMember = () =>
      elsewhere.request.post('/api/v1/session', {
        headers: { 'x-roster-csrf': '1' },
        data: { email: member!.email, password },
      });
    const name = `${member!.given_name} ${member!.family_name}`;
    const accountsBefore = (await (await page.request.get(`/api/v1/users/${member!.id}`)).json()).accounts;

    await page.goto(`/users/${member!.id}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('dialog', { name: `Suspend ${name}?` });
    await expect(dialog).toBeVisible();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await expect(page.getByText(/^Suspended: they were signed out everywhere/)).toBeVisible();
    await expect(page.locator('.roster-facts')).toContainText('Suspended');
    // Focus goes to what the change did: the button that made it now does the opposite (a
    // hurried second Enter opened "Restore").
    await expect(page.getByText(/^Suspended: they were signed out everywhere/)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('dialog', { name: `Restore ${name}?` })).toBeHidden();

    // Their session ended, and their password no longer signs them in.
    expect((await elsewhere.request.get('/api/v1/session')).status()).toBe(401);
    expect((await signInAsMember()).status()).toBe(401);

    // The list marks them, and the status filter finds them.
    await page.goto('/users/managed?status=disabled');
    await expect(userRows(page)).toHaveCount(1);
    await expect(userRows(page).first()).toContainText(`${name} Suspended`);

    await page.goto(`/users/${member!.id}`);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog', { name: `Restore ${name}?` }).getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByText(/^Restored: they can sign in again/)).toBeVisible();
    expect((await signInAsMember()).status()).toBe(200);
    const accountsAfter = (await (await page.request.get(`/api/v1/users/${member!.id}`)).json()).accounts;
    expect(accountsAfter).toEqual(accountsBefore);
    await elsewhere.close();
  });

  test('the admin cannot suspend themselves', async ({ page }) => {
    await signIn(page);
    const me = (await (await page.request.get('/api/v1/session')).json()).user;
    await page.goto(`/users/${me.id}`);
    await expect(page.getByRole('button', { name: 'Suspend' })).toBeDisabled();
    await expect(page.getByText('You cannot suspend or restore yourself.', { exact: false })).toBeVisible();
  });
});
