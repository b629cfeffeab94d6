import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import {
  DEMO_PASSWORD,
  TWO_FACTOR_ADMIN,
  expectAccessible,
  passwordResetToken,
  signIn,
  userRows,
  pressConfirm,
} from './helpers';

type Account = { id: number; name: string; owner?: { id: number; name: string } };
type Managed = { id: number; email: string; given_name: string; family_name: string; org_role: string; two_factor: { enrolled: boolean; required: boolean } };

async function managed(page: Page): Promise<Managed[]> {
  return (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items;
}

async function accounts(page: Page): Promise<Account[]> {
  return (await (await page.request.get('/api/v1/accounts?limit=200')).json()).items;
}

/** A Member who owns exactly one account, and that account. */
function memberOwningOne(people: Managed[], all: Account[]): { member: Managed; account: Account } {
  const member = people.find((u) => u.org_role === 'member' && all.filter((a) => a.owner?.id === u.id).length === 1);
  expect(member, 'a Member who owns one account').toBeTruthy();
  return { member: member!, account: all.find((a) => a.owner?.id === member!.id)! };
}

test.describe('a user’s lifecycle', () => {
  test('reset password: the old password stops working and a link is mailed', async ({ page, context }) => {
    await signIn(page);
    const target = (await managed(page)).find((u) => u.org_role === 'member' && !u.two_factor.enrolled && !u.two_factor.required)!;
    // The old address of a user still leads there.
    await page.goto(`/user/${target.id}`);
    await expect(page).toHaveURL(new RegExp(`/users/${target.id}$`));
    const opener = page.getByRole('button', { name: 'Reset password' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: /Reset the password of/ });
    await expect(dialog).toBeVisible();
    await expectAccessible(page);
    // Escape closes the dialog and gives focus back.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(opener).toBeFocused();
    await opener.click();
    await dialog.getByRole('button', { name: 'Reset password' }).click();
    await expect(page.getByText('Password reset: their old password no longer works')).toBeVisible();

    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email').fill(target.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('That email and password do not match.')).toBeVisible();
    await page.goto(`/password/${await passwordResetToken(target.email)}`);
    await expect(page.getByText(`reset the password of ${target.email}`)).toBeVisible();
  });

  test('an Administrator is not offered changes to an Owner, and nobody to themselves', async ({ page }) => {
    await signIn(page, TWO_FACTOR_ADMIN);
    const owner = (await managed(page)).find((u) => u.org_role === 'owner')!;
    await page.goto(`/users/${owner.id}`);
    await expect(page.getByText('Only an Owner can change an Owner.')).toBeVisible();
    for (const name of ['Reset password', 'Remove from organization', 'Delete user']) {
      await expect(page.getByRole('button', { name })).toBeDisabled();
    }
    await expect(page.getByRole('switch', { name: 'Require two-factor authentication' })).toBeDisabled();
    await expectAccessible(page);
  });

  test('an Owner resets the two-factor sign-in of someone who lost their phone', async ({ page, browser }) => {
    await signIn(page);
    const target = (await managed(page)).filter((u) => u.org_role === 'member' && u.two_factor.enrolled).at(-1)!;
    await page.goto(`/users/${target.id}`);
    await page.getByRole('button', { name: 'Reset two-factor' }).click();
    const dialog = page.getByRole('dialog', { name: /^Reset the two-factor sign-in of/ });
    await expect(dialog).toContainText('Their authenticator app and recovery codes stop working at once');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Reset two-factor' }).click();
    await expect(page.getByText('Two-factor sign-in reset:')).toBeVisible();
    await expect(page.locator('#roster-two-factor-state')).toHaveText(/^Not enrolled/);
    await expect(page.getByRole('button', { name: 'Reset two-factor' })).toHaveCount(0);
    // Focus is on what the reset did (its button went with the enrolment).
    await expect(page.getByText(/^Two-factor sign-in reset:/)).toBeFocused();
    // Their password alone signs them in now.
    const elsewhere = await browser.newContext();
    const signedIn = await elsewhere.request.post('/api/v1/session', {
      headers: { 'x-roster-csrf': '1' },
      data: { email: target.email, password: DEMO_PASSWORD },
    });
    expect(signedIn.status(), await signedIn.text()).toBe(200);
    await elsewhere.close();
  });

  test('a control acted on waits for the user to be read again before it can act again', async ({ page }) => {
    await signIn(page);
    const people = (await managed(page)).filter((u) => u.org_role === 'member' && !u.two_factor.enrolled && !u.two_factor.required);
    const target = people[Math.floor(people.length / 2)];
    await page.goto(`/users/${target.id}`);
    const toggle = page.getByRole('switch', { name: 'Require two-factor authentication' });
    await expect(toggle).toHaveAttribute('aria-checked', 'false');
    // The user's reading again is held back: the switch that acted still holds the old version.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const detail = new RegExp(`/api/v1/users/${target.id}$`);
    await page.route(detail, async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.continue().catch(() => {});
    });
    const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/users/${target.id}/two-factor`));
    await toggle.click();
    expect((await answered).status()).toBe(200);
    await expect(toggle).toHaveAttribute('aria-disabled', 'true');
    await expect(page.getByRole('button', { name: 'Reset password' })).toHaveAttribute('aria-disabled', 'true');
    release();
    await expect(toggle).toHaveAttribute('aria-checked', 'true');
    await expect(toggle).toBeEnabled();
    await page.unroute(detail);
    await toggle.click();
    await expect(page.getByText('Two-factor sign-in is no longer required.')).toBeVisible();
    await expect(toggle).toHaveAttribute('aria-checked', 'false');
  });

  test('require two-factor: the user must enrol at next sign-in', async ({ page, context }) => {
    await signIn(page);
    const target = (await managed(page)).filter((u) => u.org_role === 'member' && !u.two_factor.enrolled && !u.two_factor.required).at(-1)!;
    await page.goto(`/users/${target.id}`);
    const toggle = page.getByRole('switch', { name: 'Require two-factor authentication' });
    await expect(toggle).toHaveAttribute('aria-checked', 'false');
    await toggle.click();
    await expect(page.getByText('Two-factor sign-in is now required')).toBeVisible();
    await expect(page.getByRole('switch', { name: 'Require two-factor authentication' })).toHaveAttribute('aria-checked', 'true');
    // The page reloads the user; keyboard focus stays on the switch.
    await expect(page.getByRole('switch', { name: 'Require two-factor authentication' })).toBeFocused();
    await expect(page.getByText('Not enrolled yet: they must set it up at their next sign-in.')).toBeVisible();

    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email').fill(target.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Your organization requires two-factor sign-in.')).toBeVisible();
  });

  test('remove a user who owns two accounts: one gets a new owner, one leaves with them', async ({ page }) => {
    await signIn(page);
    const people = await managed(page);
    const all = await accounts(page);
    // Someone (not the signed-in Owner) who owns exactly two accounts.
    const byOwner = new Map<number, Account[]>();
    for (const a of all) if (a.owner) byOwner.set(a.owner.id, [...(byOwner.get(a.owner.id) ?? []), a]);
    const leaver = people.find((u) => u.org_role !== 'owner' && byOwner.get(u.id)?.length === 2)!;
    expect(leaver, 'a user who owns two accounts').toBeTruthy();
    const [handed, kept] = byOwner.get(leaver.id)!;
    const heir = people.find((u) => u.org_role === 'member' && u.id !== leaver.id)!;
    const heirName = `${heir.given_name} ${heir.family_name}`;
    const benched = people.find((u) => u.org_role === 'member' && u.id !== leaver.id && u.id !== heir.id)!;
    const suspend = async (action: 'suspend' | 'restore') => {
      const etag = (await page.request.get(`/api/v1/users/${benched.id}`)).headers()['etag'];
      const answer = await page.request.post(`/api/v1/users/${benched.id}/${action}`, {
        headers: { 'x-roster-csrf': '1', 'if-match': etag },
      });
      expect(answer.status(), await answer.text()).toBe(200);
    };

    await page.goto(`/users/${leaver.id}`);
    await page.getByRole('button', { name: 'Remove from organization' }).click();
    const dialog = page.getByRole('dialog', { name: /Remove .* from the organization\?/ });
    const confirm = dialog.getByRole('button', { name: 'Remove from organization' });
    await expect(confirm).toBeDisabled();
    // Out of the keyboard's reach while disabled, the button is described by what it waits for.
    await expect(confirm).toHaveAccessibleDescription('To continue, tick every consequence above and choose the new owner of each account.');
    // Every box is as large as the others, beside a label on one line or on three.
    const widths = await dialog.getByRole('checkbox').evaluateAll((boxes) => boxes.map((box) => box.getBoundingClientRect().width));
    expect(new Set(widths).size, String(widths)).toBe(1);
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await expect(confirm).toBeDisabled();
    await expect(confirm).toHaveAccessibleDescription('To continue, choose the new owner of each account.');
    // The managed users to choose from could not be read: the dialog says so, "keeps it" is still
    // offered, and "Try again" reads them.
    const candidates = /\/api\/v1\/users\?.*status=active/;
    await page.route(candidates, (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'The server is busy.' } }) }));
    await dialog.getByLabel('Find managed users').fill(heir.family_name);
    await expect(dialog.getByRole('alert')).toContainText('The managed users could not be loaded');
    await expect(dialog.getByLabel(`New owner of ${kept.name}`).locator('option', { hasText: 'keeps it' })).toHaveCount(1);
    await page.unroute(candidates);
    await dialog.getByRole('button', { name: 'Try again' }).click();
    await expect(dialog.getByLabel('Find managed users')).toBeFocused();
    await expect(dialog.getByLabel(`New owner of ${handed.name}`).locator('option', { hasText: heir.email })).toHaveCount(1);
    await dialog.getByLabel('Find managed users').fill('');
    // A suspended member cannot sign in to act on an account, so is not offered as its owner.
    await suspend('suspend');
    try {
      const asked = page.waitForResponse((r) => r.url().includes('/api/v1/users?') && r.url().includes('status=active') && r.url().includes(benched.email.split('@')[0]));
      await dialog.getByLabel('Find managed users').fill(benched.email);
      expect((await (await asked).json()).items).toEqual([]);
      await expect(dialog.getByLabel(`New owner of ${handed.name}`).locator('option', { hasText: benched.email })).toHaveCount(0);
    } finally {
      await suspend('restore');
    }
    await dialog.getByLabel('Find managed users').fill(heir.family_name);
    await dialog.getByLabel(`New owner of ${handed.name}`).selectOption({ label: `${heirName} (${heir.email})` });
    await dialog
      .getByLabel(`New owner of ${kept.name}`)
      .selectOption({ label: `${leaver.given_name} ${leaver.family_name} keeps it (it leaves the organization)` });
    await expectAccessible(page);
    await confirm.click();
    // The page the dialog came from went with the user: focus is on what happened.
    await expect(page.getByText(/was removed from the organization\./)).toBeVisible();
    await expect(page.getByText(/was removed from the organization\./)).toBeFocused();

    const after = await accounts(page);
    expect(after.find((a) => a.id === handed.id)?.owner?.id).toBe(heir.id);
    expect(after.find((a) => a.id === kept.id), 'the kept account left the organization').toBeUndefined();
    await page.goto(`/users/managed?q=${encodeURIComponent(leaver.email)}`);
    await expect(userRows(page)).toHaveCount(0);
  });

  test('delete a user, then invite the same email as a new person', async ({ page }) => {
    await signIn(page);
    const people = await managed(page);
    const all = await accounts(page);
    const owners = new Set(all.map((a) => a.owner?.id));
    const doomed = people.filter((u) => u.org_role === 'member' && !owners.has(u.id)).at(-2)!;
    await page.goto(`/users/${doomed.id}`);
    await page.getByRole('button', { name: 'Delete user' }).click();
    const dialog = page.getByRole('dialog', { name: /^Delete / });
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await expect(page.getByText(/was deleted\./)).toBeVisible();

    await page.goto('/invite/accounts');
    await page.getByRole('button', { name: 'Next: people' }).click();
    await page.getByLabel('Email addresses').fill(doomed.email);
    await expect(page.getByText('New person: a user is created and invited.')).toBeVisible();
    await page.getByRole('button', { name: 'Next: review' }).click();
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await expect(page.getByText('1 invited, 0 re-invited, 0 failed.')).toBeVisible();
  });

  test('bulk: require two-factor for every user a search matches, with progress and a result per user', async ({ page }) => {
    await signIn(page);
    await page.goto('/users/managed?q=northwindlabs');
    const rows = userRows(page);
    await expect(rows.first()).toBeVisible();
    await page.getByLabel('Select all users on this page').check();
    const matching = page.getByRole('button', { name: /^Select all \d+ users? matching/ });
    if (await matching.isVisible()) await matching.click();
    const selected = page.getByRole('group', { name: 'Bulk actions' }).getByRole('status');
    await expect(selected).toContainText('selected');
    const n = Number((await selected.textContent())?.match(/(\d+) user/)?.[1]);
    await page.getByRole('button', { name: 'Require two-factor' }).click();
    await expectAccessible(page);
    // From the keyboard: the action turns disabled while it runs, and focus goes to its progress
    // and results rather than to the top of the document.
    await page.getByRole('button', { name: 'Confirm: require two-factor' }).focus();
    await pressConfirm(page);
    const progress = page.getByRole('region', { name: 'Bulk action progress' });
    await expect(progress).toContainText(`${n} done, 0 failed.`);
    await expect(progress).toBeFocused();
    await page.getByText('Result per user').click();
    await expect(page.locator('.roster-result--ok')).toHaveCount(n);

    const ids = (await (await page.request.get('/api/v1/users/ids?view=managed&q=northwindlabs')).json()).ids as number[];
    for (const id of ids) {
      const user = await (await page.request.get(`/api/v1/users/${id}`)).json();
      expect(user.two_factor.required, user.email).toBe(true);
    }
  });

  test('bulk: remove selected users, choosing the new owner of the account one of them owns', async ({ page }) => {
    await signIn(page);
    const people = await managed(page);
    const all = await accounts(page);
    const { member: owning, account } = memberOwningOne(people, all);
    const heir = people.find((u) => u.org_role === 'member' && u.id !== owning.id && !all.some((a) => a.owner?.id === u.id))!;

    await page.goto(`/users/managed?q=${encodeURIComponent(owning.email)}`);
    await expect(userRows(page)).toHaveCount(1);
    await page.getByLabel('Select all users on this page').check();
    await page.getByRole('group', { name: 'Bulk actions' }).getByRole('button', { name: 'Remove from organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the selected users from the organization?' });
    await expect(dialog).toBeVisible();
    const confirm = dialog.getByRole('button', { name: 'Remove from organization' });
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Find managed users').fill(heir.email);
    await dialog
      .getByLabel(`New owner of ${account.name}`)
      .selectOption({ label: `${heir.given_name} ${heir.family_name} (${heir.email})` });
    await expectAccessible(page);
    await confirm.click();
    await expect(page.getByText('1 done, 0 failed.')).toBeVisible();
    expect((await accounts(page)).find((a) => a.id === account.id)?.owner?.id).toBe(heir.id);
    await expect(userRows(page)).toHaveCount(0);
  });

  test('bulk removal: a cancelled dialog leaves nothing ticked or chosen, and finding an owner keeps the focus', async ({ page }) => {
    await signIn(page);
    const people = await managed(page);
    const all = await accounts(page);
    const { member: owning, account } = memberOwningOne(people, all);
    const owningNothing = people.filter((u) => u.org_role === 'member' && !all.some((a) => a.owner?.id === u.id));
    const [heir, other] = owningNothing;
    const dialog = page.getByRole('dialog', { name: 'Remove the selected users from the organization?' });
    const confirm = dialog.getByRole('button', { name: 'Remove from organization' });
    const search = page.getByLabel('Search users');
    const removeSelected = async (email: string) => {
      // Searched in the page, not loaded anew: the dialog stays mounted between the two.
      await search.fill(email);
      await expect(userRows(page)).toHaveCount(1);
      await page.getByLabel('Select all users on this page').check();
      await page.getByRole('group', { name: 'Bulk actions' }).getByRole('button', { name: 'Remove from organization' }).click();
      await expect(dialog).toBeVisible();
    };

    await page.goto('/users/managed');
    await removeSelected(owning.email);
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    const finder = dialog.getByLabel('Find managed users');
    await finder.pressSequentially(heir.email, { delay: 30 });
    await expect(finder).toBeFocused();
    await expect(finder).toHaveValue(heir.email);
    const owner = dialog.getByLabel(`New owner of ${account.name}`);
    const heirLabel = `${heir.given_name} ${heir.family_name} (${heir.email})`;
    await owner.selectOption({ label: heirLabel });
    // A new search keeps the owner chosen among the choices.
    await finder.fill(other.email);
    await expect(owner.locator('option:checked')).toHaveText(heirLabel);
    await expect(confirm).toBeEnabled();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();

    // Someone who owns nothing: the checklist starts unticked, and no owner of the account
    // above holds the button back.
    await removeSelected(other.email);
    await expect(dialog.getByText('None of them owns an account.')).toBeVisible();
    for (const box of await dialog.getByRole('checkbox').all()) await expect(box).not.toBeChecked();
    await expect(confirm).toBeDisabled();
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await expect(confirm).toBeEnabled();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await managed(page)).some((u) => u.id === other.id), 'nobody was removed').toBe(true);
  });

  test('going back to another user while a removal is half confirmed leaves nothing of it open', async ({ page }) => {
    await signIn(page);
    const members = (await managed(page)).filter((u) => u.org_role === 'member');
    const [first, second] = [members.at(-5)!, members.at(-6)!];
    await page.goto(`/users/${first.id}`);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(first.family_name);
    await page.goto(`/users/${second.id}`);
    await page.getByRole('button', { name: 'Remove from organization' }).click();
    const dialog = page.getByRole('dialog', { name: /^Remove .* from the organization\?$/ });
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await page.goBack();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(first.family_name);
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await page.getByRole('button', { name: 'Remove from organization' }).click();
    for (const box of await dialog.getByRole('checkbox').all()) await expect(box).not.toBeChecked();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('remove: refused because someone changed the user meanwhile, the dialog keeps what was confirmed', async ({ page }) => {
    await signIn(page);
    const people = await managed(page);
    const all = await accounts(page);
    const { member: target, account } = memberOwningOne(people, all);
    await page.goto(`/users/${target.id}`);
    await page.getByRole('button', { name: 'Remove from organization' }).click();
    const dialog = page.getByRole('dialog', { name: /^Remove .* from the organization\?$/ });
    await expect(dialog).toBeVisible();
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    const keeps = `${target.given_name} ${target.family_name} keeps it (it leaves the organization)`;
    await dialog.getByLabel(`New owner of ${account.name}`).selectOption({ label: keeps });

    // Another admin renames the user meanwhile: this page's version is stale.
    const etag = (await page.request.get(`/api/v1/users/${target.id}`)).headers()['etag'];
    const renamed = await page.request.patch(`/api/v1/users/${target.id}`, {
      headers: { 'x-roster-csrf': '1', 'if-match': etag },
      data: { given_name: `${target.given_name}x` },
    });
    expect(renamed.status(), await renamed.text()).toBe(200);

    await dialog.getByRole('button', { name: 'Remove from organization' }).click();
    const reopened = page.getByRole('dialog', { name: `Remove ${target.given_name}x ${target.family_name} from the organization?` });
    await expect(reopened).toBeVisible();
    await expect(reopened.getByRole('alert')).toContainText(/changed/i);
    for (const box of await reopened.getByRole('checkbox').all()) await expect(box).toBeChecked();
    await expect(reopened.getByLabel(`New owner of ${account.name}`).locator('option:checked')).toHaveText(
      `${target.given_name}x ${target.family_name} keeps it (it leaves the organization)`,
    );
    await expectAccessible(page);
    // Applied again, against the user as they are now, it goes.
    await reopened.getByRole('button', { name: 'Remove from organization' }).click();
    await expect(page.getByText(`${target.given_name}x ${target.family_name} was removed from the organization.`)).toBeVisible();
  });
});
