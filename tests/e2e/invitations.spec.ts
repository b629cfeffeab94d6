import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { DEMO_PASSWORD, OWNER, expectAccessible, invitationToken, signIn, userRows, pressConfirm } from './helpers';
import { demoSecret, totp } from './totp';

type Invited = {
  id: number;
  email: string;
  given_name: string;
  invitation: { id: number; expired: boolean; sent_at: number };
};

/** The demo's pending invitations, as the API lists them. */
async function invitedUsers(page: Page): Promise<Invited[]> {
  const response = await page.request.get('/api/v1/users?view=invited&limit=200');
  expect(response.status()).toBe(200);
  return (await response.json()).items;
}

test.describe('invitations', () => {
  test('invite a new person and an existing user with roles on two accounts; both accept and are managed', async ({
    page,
    context,
  }) => {
    await signIn(page);
    // An existing user whose earlier invitation expired (existing users have names).
    const existing = (await invitedUsers(page)).find((u) => u.invitation.expired && u.given_name);
    expect(existing, 'an existing user with an expired invitation').toBeTruthy();
    const newcomer = 'new.hire@northwind.example';

    await page.goto('/users/managed');
    await page.getByRole('link', { name: 'Invite users' }).click();
    await expect(page).toHaveURL(/\/invite\/accounts$/);
    const accounts = page.getByRole('list', { name: 'Accounts' }).getByRole('checkbox');
    const first = ((await page.getByRole('list', { name: 'Accounts' }).locator('label').nth(0).textContent()) ?? '').split(' · ')[0];
    const second = ((await page.getByRole('list', { name: 'Accounts' }).locator('label').nth(1).textContent()) ?? '').split(' · ')[0];
    await accounts.nth(0).check();
    await accounts.nth(1).check();
    const firstRoles = page.getByRole('group', { name: `Roles on ${first}` });
    await firstRoles.getByLabel('Developer').check();
    await firstRoles.getByLabel('Billing Manager').check();
    await firstRoles.getByLabel('Administrator').check();
    // Administrator clears the roles it includes, and says so.
    await expect(firstRoles.getByLabel('Developer')).not.toBeChecked();
    await expect(firstRoles.getByLabel('Developer')).toBeDisabled();
    await expect(firstRoles.getByLabel('Billing Manager')).not.toBeChecked();
    await expect(firstRoles).toContainText('Administrator already includes every permission of Developer and Billing Manager');
    // Each account needs a role before going on.
    await page.getByRole('button', { name: 'Next: people' }).click();
    await expect(page.getByText(`Choose at least one role on ${second}`)).toBeVisible();
    await page.getByRole('group', { name: `Roles on ${second}` }).getByLabel('Support').check();
    await expect(page.getByText('Choose at least one role')).toHaveCount(0);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Next: people' }).click();

    await expect(page).toHaveURL(/\/invite\/people$/);
    // The step's heading takes focus from the button that moved on.
    await expect(page.getByRole('heading', { name: '2. People' })).toBeFocused();
    await page.getByLabel('Email addresses').fill(`${newcomer}, ${existing!.email}\nsomeone@gmail.example; not-an-address\nNew.Hire@northwind.example`);
    const check = page.getByRole('list', { name: 'Address check' });
    await expect(check.getByRole('listitem')).toHaveCount(5);
    // A repeat is left out, not counted among those that cannot be invited.
    await expect(check.getByRole('listitem').nth(4)).toContainText('left out: This address is already in the list.');
    await expect(check).toContainText('New person: a user is created and invited.');
    await expect(check).toContainText('Their earlier invitation expired');
    await expect(check.getByRole('listitem').nth(2)).toContainText('they become an external user');
    await expect(check.getByRole('listitem').nth(3)).toContainText('This is not an email address.');
    await expect(page.getByText('2 addresses can be invited; 2 cannot; 1 repeat left out.')).toBeVisible();
    await expectAccessible(page);
    // Reload keeps what was typed and chosen.
    await page.reload();
    await expect(page.getByLabel('Email addresses')).toHaveValue(/new\.hire@northwind\.example/);
    await page.getByRole('button', { name: 'Next: review' }).click();

    await expect(page).toHaveURL(/\/invite\/review$/);
    await expect(page.getByText(`${first} — Administrator`)).toBeVisible();
    await expect(page.getByText(`${second} — Support`)).toBeVisible();
    // Review lists who will be invited, and apart who will not be, with why.
    await expect(page.getByRole('heading', { name: 'People to invite (2)' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Not invited (2)' })).toBeVisible();
    await expect(page.getByText(/someone@gmail\.example — cannot be invited: /)).toBeVisible();
    await expect(page.locator('.roster-review-list')).not.toContainText('gmail');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    // The results say who was left out too, with why, and take focus from the Send that went.
    const summary = page.getByText('1 invited, 1 re-invited, 0 failed. 2 could not be invited (listed with why).');
    await expect(summary).toBeVisible();
    await expect(summary).toBeFocused();
    const results = page.getByRole('table');
    await expect(results.getByRole('row', { name: new RegExp(newcomer) })).toContainText('Invited');
    await expect(results.getByRole('row', { name: /gmail/ })).toContainText('Not invited');
    await expectAccessible(page);

    // The browser's Back to People, and a second batch: its review is one, with Send (it read
    // as the first batch's results, "0 invited", and sent nothing).
    await page.goBack();
    await expect(page).toHaveURL(/\/invite\/people$/);
    await page.getByLabel('Email addresses').fill('second.batch@northwind.example');
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('heading', { name: 'People to invite (1)' })).toBeVisible();
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await expect(page.getByText('1 invited, 0 re-invited, 0 failed.')).toBeVisible();

    await page.getByRole('link', { name: 'See invited users' }).click();
    await expect(page).toHaveURL(/\/users\/invited$/);
    // The browser's Back to the review once everything went: no one is left to send to, and it says so.
    await page.goBack();
    await expect(page).toHaveURL(/\/invite\/review$/);
    const nothing = 'No addresses to review: go Back to enter the people to invite.';
    await expect(page.getByText(nothing)).toBeVisible();
    await expect(page.getByRole('heading', { name: /People to invite/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Send invitations' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Send invitations' })).toHaveAccessibleDescription(nothing);
    await page.goForward();
    await expect(page).toHaveURL(/\/users\/invited$/);
    await page.getByLabel('Search users').fill('new.hire');
    await expect(userRows(page)).toHaveCount(1);
    await expect(userRows(page).first()).toContainText(`${first} — Administrator`);
    await expect(userRows(page).first()).toContainText(`${second} — Support`);
    await expect(userRows(page).first()).toContainText('Maya Chen');
    await expectAccessible(page);

    // The new person follows the link from the delivered mail.
    const token = await invitationToken(newcomer);
    await context.clearCookies();
    await page.goto(`/accept/${token}`);
    await expect(page.getByRole('heading', { name: 'Join Northwind Labs' })).toBeVisible();
    await expect(page.getByText('Maya Chen (maya.chen@northwind.example) invited new.hire@northwind.example')).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('Given name').fill('Nia');
    await page.getByLabel('Family name').fill('Hire');
    await page.getByLabel('Choose a password').fill('nia hire passphrase');
    await page.getByLabel('Repeat the password').fill('nia hire passphrase');
    await page.getByRole('button', { name: 'Accept and join' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Nia Hire');
    // The link was single-use.
    await context.clearCookies();
    await page.goto(`/accept/${token}`);
    await expect(page.getByRole('heading', { name: 'This invitation was already accepted' })).toBeVisible();

    // The existing user signs in to accept.
    const existingToken = await invitationToken(existing!.email);
    await page.goto(`/accept/${existingToken}`);
    await expect(page.getByText(`You already have a user as ${existing!.email}`)).toBeVisible();
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in and accept' }).click();
    const code = page.getByLabel('Authentication code');
    await expect(code.or(page.getByText(/You are a Member of Northwind Labs/))).toBeVisible();
    if (await code.isVisible()) {
      await code.fill(totp(demoSecret(existing!.email)));
      await page.getByRole('button', { name: 'Sign in and accept' }).click();
    }
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();

    // Both are managed users now, with the invited roles, and no longer invited.
    await context.clearCookies();
    await signIn(page, OWNER);
    await page.goto('/users/managed?q=new.hire');
    await expect(userRows(page)).toHaveCount(1);
    await userRows(page).first().getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nia Hire');
    await expect(page.getByRole('row', { name: new RegExp(first) })).toContainText('Administrator');
    await expect(page.getByRole('row', { name: new RegExp(second) })).toContainText('Support');
    await page.goto(`/users/managed?q=${encodeURIComponent(existing!.email)}`);
    await expect(userRows(page)).toHaveCount(1);
    await page.goto('/users/invited?q=new.hire');
    await expect(page.getByText('No invited users match “new.hire”.')).toBeVisible();
  });

  test('the accounts arriving do not move "Next": a hurried press lands where it was aimed', async ({ page }) => {
    await signIn(page);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/api\/v1\/accounts\?/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/invite/accounts');
    await expect(page.getByText('Loading accounts…')).toBeVisible();
    const next = page.getByRole('button', { name: 'Next: people' });
    const cancel = page.getByRole('link', { name: 'Cancel' });
    const whileLoading = [await next.boundingBox(), await cancel.boundingBox()];
    release();
    await expect(page.getByRole('list', { name: 'Accounts' }).getByRole('listitem').first()).toBeVisible();
    expect([await next.boundingBox(), await cancel.boundingBox()]).toEqual(whileLoading);
    // A search that narrows the list does not move them either.
    await page.getByLabel('Search accounts').fill('zz-no-such-account');
    await expect(page.getByText('No accounts match.')).toBeVisible();
    expect([await next.boundingBox(), await cancel.boundingBox()]).toEqual(whileLoading);
    await page.unroute(/\/api\/v1\/accounts\?/);
    await expectAccessible(page);
  });

  test('a CSV file with a header and quoted fields: each address is checked with its line, lines without one are named', async ({
    page,
  }) => {
    await signIn(page);
    await page.goto('/invite/accounts');
    await page.getByRole('button', { name: 'Next: people' }).click();
    await expect(page).toHaveURL(/\/invite\/people$/);
    const csv = [
      'Name,Email,Team',
      '"Lovelace, Ada",csv.ada@northwind.example,R&D',
      '"Hopper, Grace","csv.grace@gmail.example",Ops',
      'Nobody,,',
      '"Liskov,\nBarbara",csv.barbara@northwind.example,"Eng"',
    ].join('\n');
    await page.getByLabel('Upload a CSV file').setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await expect(page.getByText('Line 4 of people.csv holds no email address.')).toBeVisible();
    const check = page.getByRole('list', { name: 'Address check' });
    await expect(check.getByRole('listitem')).toHaveCount(3);
    await expect(check.getByRole('listitem').nth(0)).toContainText('csv.ada@northwind.example (line 2 of people.csv) — ok');
    await expect(check.getByRole('listitem').nth(1)).toContainText('csv.grace@gmail.example (line 3 of people.csv) — cannot be invited');
    await expect(check.getByRole('listitem').nth(2)).toContainText('csv.barbara@northwind.example (line 5 of people.csv) — ok');
    await expect(page.getByLabel('Email addresses')).toHaveValue(/csv\.ada@northwind\.example/);
    await expectAccessible(page);
    // Leave no draft behind for the other tests.
    await page.getByLabel('Email addresses').fill('');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('link', { name: 'Cancel' }).click();
  });

  test('"Next" pressed right after pasting waits for the check of what was pasted', async ({ page }) => {
    await signIn(page);
    await page.goto('/invite/accounts');
    await page.getByRole('button', { name: 'Next: people' }).click();
    // Next with nothing to invite: said at the box, which takes the focus back.
    await page.getByRole('button', { name: 'Next: review' }).click();
    const box = page.getByLabel('Email addresses');
    await expect(box).toBeFocused();
    await expect(box).toHaveAttribute('aria-invalid', 'true');
    await expect(box).toHaveAccessibleDescription(/Enter at least one address that can be invited\./);
    // The address check answers late: Next must wait for it, not judge an older one.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/invitations/check', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Email addresses').fill('hurried.one@northwind.example');
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('button', { name: 'Checking…' })).toBeVisible();
    await expect(page.getByText('Checking addresses…')).toBeVisible();
    await expect(page.getByText('No addresses yet.')).toHaveCount(0);
    await expect(page.getByText('Enter at least one address that can be invited.')).toHaveCount(0);
    release();
    await expect(page).toHaveURL(/\/invite\/review$/);
    await expect(page.getByRole('heading', { name: 'People to invite (1)' })).toBeVisible();
    await page.unroute('**/api/v1/invitations/check');
    // Cancel abandons the invitation: the next one starts empty, not with these addresses.
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(/\/users\/invited$/);
    await page.goto('/invite/accounts');
    await page.getByRole('button', { name: 'Next: people' }).click();
    await expect(page.getByLabel('Email addresses')).toHaveValue('');
  });

  test('leaving while the invitations are sent: they go on, and the console keeps working', async ({ page }) => {
    // A panic would end the app (the wasm instance aborts): the page reports it as an error.
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await signIn(page);
    const address = 'left.early@northwind.example';
    await page.goto('/invite/accounts');
    await page.getByRole('button', { name: 'Next: people' }).click();
    await page.getByLabel('Email addresses').fill(address);
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('heading', { name: 'People to invite (1)' })).toBeVisible();
    const { release, sent } = await holdInvitationSends(page);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await expect(page.getByRole('button', { name: 'Sending…' })).toBeVisible();
    // "Back" waits while sending (the results would have nowhere to show)…
    const back = page.getByRole('link', { name: 'Back' });
    await expect(back).toHaveAttribute('aria-disabled', 'true');
    await back.click({ force: true });
    await page.waitForTimeout(300);
    await expect(page).toHaveURL(/\/invite\/review$/);
    // …the browser's Back leaves all the same.
    await page.goBack();
    await expect(page).toHaveURL(/\/invite\/people$/);
    release();
    expect((await sent).status()).toBe(200);
    await page.unroute('**/api/v1/invitations');
    // The step the admin is on keeps what it shows: the send ending elsewhere does not empty it,
    // says that they went, and the check reads the address again.
    await expect(page.getByRole('status').filter({ hasText: 'Your invitations went: 1 sent, 0 failed.' })).toBeVisible();
    await expect(page.getByLabel('Email addresses')).toHaveValue(address);
    await expect(page.getByRole('list', { name: 'Address check' })).toContainText('cannot be invited: Already invited');
    await expect(page.getByText('Checking the changes…')).toHaveCount(0);
    await expectAccessible(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('tab', { name: /Invited/ }).click();
    await page.getByLabel('Search users').fill(address);
    await expect(userRows(page)).toHaveCount(1);
    // Left altogether while sending (the wizard's page gone): once everything went, its draft
    // goes too, so the next invitation does not open on addresses already invited.
    const whole = 'left.whole@northwind.example';
    await page.goto('/invite/people');
    await page.getByLabel('Email addresses').fill(whole);
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('heading', { name: 'People to invite (1)' })).toBeVisible();
    const { release: releaseWhole, sent: sentWhole } = await holdInvitationSends(page);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await expect(page.getByRole('button', { name: 'Sending…' })).toBeVisible();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await expect(page).toHaveURL(/\/users\/managed$/);
    releaseWhole();
    expect((await sentWhole).status()).toBe(200);
    await page.unroute('**/api/v1/invitations');
    await expect
      .poll(() => page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.endsWith(':invite')).length))
      .toBe(0);
    await page.goto('/invite/people');
    await expect(page.getByLabel('Email addresses')).toHaveValue('');
    expect(errors).toEqual([]);
    // Leave no draft behind for the other tests.
    await page.goto('/invite/people');
    await page.getByLabel('Email addresses').fill('');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('link', { name: 'Cancel' }).click();
  });

  test('an eleventh account is refused with the reason', async ({ page }) => {
    await signIn(page);
    await page.goto('/invite/accounts');
    const accounts = page.getByRole('list', { name: 'Accounts' }).getByRole('checkbox');
    await expect(accounts).toHaveCount(12);
    for (let i = 0; i < 10; i++) await accounts.nth(i).check();
    await accounts.nth(10).click();
    await expect(page.getByRole('alert').filter({ hasText: 'at most 10 accounts' })).toBeVisible();
    await expect(accounts.nth(10)).not.toBeChecked();
    await expect(page.getByRole('heading', { name: 'Chosen: 10 of 10' })).toBeVisible();
    // A Remove answers the refusal, and focus goes to the count it changed (its row went).
    const firstChosen = ((await page.getByRole('list', { name: 'Accounts' }).locator('label').nth(0).textContent()) ?? '').split(' · ')[0];
    await page.getByRole('button', { name: `Remove ${firstChosen}` }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'at most 10 accounts' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Chosen: 9 of 10' })).toBeFocused();
    await accounts.nth(10).check();
    await expect(page.getByRole('heading', { name: 'Chosen: 10 of 10' })).toBeVisible();
    // Next names every account still without a role, at once.
    await page.getByRole('button', { name: 'Next: people' }).click();
    const missing = page.getByRole('alert').filter({ hasText: 'Choose at least one role on' });
    const label = async (i: number) =>
      ((await page.getByRole('list', { name: 'Accounts' }).locator('label').nth(i).textContent()) ?? '').split(' · ')[0];
    for (const i of [1, 9, 10]) await expect(missing).toContainText(await label(i));
    await expect(missing).toContainText('or remove them.');
    // Leave no draft behind for the other tests.
    await page.getByRole('link', { name: 'Cancel' }).click();
  });

  test('resend one invitation, then revoke two at once, with a result for each', async ({ page }) => {
    await signIn(page);
    const pending = (await invitedUsers(page)).filter((u) => !u.invitation.expired);
    expect(pending.length).toBeGreaterThanOrEqual(3);
    await page.goto('/users/invited');
    await page.getByRole('button', { name: `Resend invitation to ${pending[0].email}` }).click();
    await expect(page.getByText(`Sent again to ${pending[0].email}.`)).toBeVisible();
    // Sending again at once is held back by the cooldown.
    await page.getByRole('button', { name: `Resend invitation to ${pending[0].email}` }).click();
    await expect(page.getByText(/sent moments ago; it can be sent again in 5 minutes/)).toBeVisible();

    await page.getByLabel(`Select invitation of ${pending[1].email}`).check();
    await page.getByLabel(`Select invitation of ${pending[2].email}`).check();
    await expect(page.getByText('2 invitations selected')).toBeVisible();
    await page.getByRole('button', { name: 'Revoke selected' }).click();
    await expect(page.getByText('Revoke 2 invitations? Their links stop working.')).toBeVisible();
    // The question takes the button's place, and focus goes with it.
    await expect(page.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await expect(page.getByText(`Revoked the invitation of ${pending[1].email}.`)).toBeVisible();
    await expect(page.getByText(`Revoked the invitation of ${pending[2].email}.`)).toBeVisible();
    await expect(page.getByRole('rowheader', { name: pending[1].email })).toHaveCount(0);
    await expect(page.getByRole('rowheader', { name: pending[2].email })).toHaveCount(0);
    // Focus stayed where the admin was (it fell to the top of the page when the emptied
    // selection disabled the button).
    await expect(page.getByRole('button', { name: 'Revoke selected' })).toBeFocused();
    await expect(page.getByRole('button', { name: 'Revoke selected' })).toHaveAttribute('aria-disabled', 'true');

    // One row's revoke: its row goes, and focus goes to the line that says it was revoked.
    await page.getByRole('button', { name: `Revoke invitation of ${pending[0].email}` }).click();
    await expect(page.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByRole('rowheader', { name: pending[0].email })).toHaveCount(0);
    await expect(page.getByText(`Revoked the invitation of ${pending[0].email}.`)).toBeFocused();
  });

  test('"select all matching" on the Invited tab revokes every invitation the search finds, past the page', async ({
    page,
  }) => {
    await signIn(page);
    const emails = Array.from({ length: 30 }, (_, i) => `bulk.revoke${String(i).padStart(2, '0')}@northwind.example`);
    const sent = await page.request.post('/api/v1/invitations', {
      headers: { 'x-roster-csrf': '1' },
      data: { emails, accounts: [] },
    });
    expect(sent.status(), await sent.text()).toBe(200);
    await page.goto('/users/invited?q=bulk.revoke');
    await expect(page.getByText('30 users matching “bulk.revoke”', { exact: true })).toBeVisible();
    await page.getByLabel('Select all invitations on this page').check();
    await expect(page.getByText('25 invitations selected')).toBeVisible();
    await page.getByRole('button', { name: 'Select all 30 matching invitations' }).click();
    await expect(page.getByText('All 30 matching invitations selected')).toBeFocused();
    // "Clear selection" goes too, and focus to what it did; then all again.
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await expect(page.getByText('No invitations selected')).toBeFocused();
    await page.getByLabel('Select all invitations on this page').check();
    await page.getByRole('button', { name: 'Select all 30 matching invitations' }).click();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Revoke selected' }).click();
    await expect(page.getByText('Revoke 30 invitations? Their links stop working.')).toBeVisible();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await expect(page.getByText(`Revoked the invitation of ${emails[29]}.`)).toBeVisible();
    await expect(page.locator('.roster-result--ok')).toHaveCount(30);
    await expect(page.getByText('No invited users match “bulk.revoke”.')).toBeVisible();
  });

  test('expired and unknown links get a clear page', async ({ page }) => {
    await signIn(page);
    const expired = (await invitedUsers(page)).find((u) => u.invitation.expired);
    expect(expired).toBeTruthy();
    await page.goto(`/accept/demo-expired-${expired!.invitation.id}`);
    await expect(page.getByRole('heading', { name: 'This invitation has expired' })).toBeVisible();
    await expect(page.getByText('Ask the person who invited you to send the invitation again.')).toBeVisible();
    // A link that no longer works tells whoever holds it nothing about the invitation.
    await expect(page.getByRole('main').getByText('Northwind Labs')).toHaveCount(0);
    await expectAccessible(page);
    await page.goto('/accept/not-a-real-token');
    await expect(page.getByRole('heading', { name: 'This invitation link does not work' })).toBeVisible();
    await expectAccessible(page);
  });
});

/** Holds the invitations' sends (POST /api/v1/invitations) until `release` is called; `sent` is the
 * first one's answer. */
async function holdInvitationSends(page: Page) {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/v1/invitations', async (route) => {
    if (route.request().method() === 'POST') await held;
    await route.continue();
  });
  const sent = page.waitForResponse((r) => r.url().endsWith('/api/v1/invitations') && r.request().method() === 'POST');
  return { release, sent };
}
