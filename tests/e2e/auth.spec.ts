import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import {
  DEMO_PASSWORD,
  MEMBER,
  OWNER,
  TWO_FACTOR_ADMIN,
  expectAccessible,
  passwordResetToken,
  resetPassword,
  signIn,
  userRows,
  pressConfirm,
} from './helpers';
import { base32Decode, demoSecret, totp } from './totp';

/**
 * Signs in through the form as the first Member the demo requires to use two-factor who has not set
 * it up (found as the Owner), up to the page that asks for the set-up; answers that Member.
 */
async function signInAsMemberWhoMustEnrol(page: Page): Promise<{ email: string }> {
  await signIn(page);
  const list = await (await page.request.get('/api/v1/users?view=managed&limit=200')).json();
  const person = list.items.find(
    (u: { org_role: string; two_factor: { required: boolean; enrolled: boolean } }) =>
      u.org_role === 'member' && u.two_factor.required && !u.two_factor.enrolled,
  );
  expect(person, 'a Member who must enrol').toBeTruthy();
  await page.request.delete('/api/v1/session', { headers: { 'x-roster-csrf': '1' } });
  await page.goto('/users/managed');
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Your organization requires two-factor sign-in.')).toBeVisible();
  return person;
}

/** The active Members who neither use nor owe two-factor sign-in, as the signed-in admin lists them. */
async function membersWithoutTwoFactor(page: Page): Promise<{ email: string }[]> {
  const list = await (await page.request.get('/api/v1/users?view=managed&limit=200')).json();
  return list.items.filter(
    (u: { org_role: string; status: string; two_factor: { required: boolean; enrolled: boolean } }) =>
      u.org_role === 'member' && u.status === 'active' && !u.two_factor.required && !u.two_factor.enrolled,
  );
}

test.describe('sign-in', () => {
  test('signs in with the form and lands where the admin was going', async ({ page }) => {
    await page.goto('/users/invited?q=north');
    await expect(page).toHaveURL(/\/login\?next=/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Roster' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expectAccessible(page);

    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/users\/invited\?q=north$/);
    await expect(page.getByRole('tab', { name: /Invited/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByLabel('Search users')).toHaveValue('north');
    await expect(page.getByRole('banner')).toContainText('Maya Chen');
  });

  test('a wrong password is refused next to the field and keeps the email', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('That email and password do not match.')).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    // Focus moves to the field the refusal is about, so a screen reader reads it out with it.
    await expect(page.getByLabel('Password')).toBeFocused();
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription('That email and password do not match.');
    await expect(page.getByLabel('Email')).toHaveValue(OWNER);
    await expect(page.getByLabel('Password')).toHaveValue('');
    await expect(page).toHaveURL(/\/login$/);
    await expectAccessible(page);
  });

  test('signing out ends the session', async ({ page }) => {
    await signIn(page);
    await page.goto('/users/managed');
    await expect(userRows(page).first()).toBeVisible();
    // A sign-out the server never heard of (offline) says so and leaves the console as it is:
    // the session is still live, and the next person at this computer would have it.
    await page.route('**/api/v1/session', (route) =>
      route.request().method() === 'DELETE' ? route.abort('internetdisconnected') : route.fallback(),
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('alert')).toContainText('You are still signed in');
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(userRows(page).first()).toBeVisible();
    await page.unroute('**/api/v1/session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    const response = await page.request.get('/api/v1/users');
    expect(response.status()).toBe(401);
    await page.goto('/users/managed');
    await expect(page).toHaveURL(/\/login\?next=/);
  });

  test('a Member is told why there is nothing to manage', async ({ page }) => {
    await signIn(page, MEMBER);
    await page.goto('/users/managed');
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(page.getByRole('table')).toHaveCount(0);
    await expectAccessible(page);
    const response = await page.request.get('/api/v1/users');
    expect(response.status()).toBe(403);

    // Signed in through the form, the page is named for what it shows, not for the sign-in.
    await page.context().clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email').fill(MEMBER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
    await expect(page).toHaveTitle('User management · Roster');
  });

  test('when the session ends mid-work, signing in again returns to the same place', async ({ page, context }) => {
    await signIn(page);
    await page.goto('/users/external?q=bright');
    await expect(userRows(page).first()).toBeVisible();
    await context.clearCookies();
    await page.getByRole('tab', { name: /Managed/ }).click();
    await expect(page).toHaveURL(/\/login\?next=.*&expired=1$/);
    await expect(page.getByText('Your session ended.')).toBeVisible();
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/users\/managed\?q=bright$/);
    await expect(page.getByLabel('Search users')).toHaveValue('bright');
  });
});

test.describe('two-factor', () => {
  test('an enrolled user gives a code from their app after the password', async ({ page }) => {
    await page.goto('/users/managed');
    await page.getByLabel('Email').fill(TWO_FACTOR_ADMIN);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
    await expect(page.getByLabel('Authentication code')).toBeFocused();
    await expectAccessible(page);

    // "Verify" with the field empty says so next to it (the server's answer changed nothing on
    // the page, and focus fell).
    await page.getByRole('button', { name: 'Verify' }).press('Enter');
    await expect(page.getByText('Enter the code from your authenticator app, or a recovery code.')).toBeVisible();
    await expect(page.getByLabel('Authentication code')).toBeFocused();
    await expect(page.getByLabel('Authentication code')).toHaveAttribute('aria-invalid', 'true');

    // "Use another account" leads back to the first step, focus on the email.
    await page.getByRole('button', { name: 'Use another account' }).press('Enter');
    await expect(page.getByLabel('Email')).toBeFocused();
    await page.getByLabel('Email').fill(TWO_FACTOR_ADMIN);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByLabel('Authentication code')).toBeFocused();

    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('That code is not valid.', { exact: false })).toBeVisible();
    await expect(page.getByLabel('Authentication code')).toHaveValue('');

    await page.getByLabel('Authentication code').fill(totp(demoSecret(TWO_FACTOR_ADMIN)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/users\/managed$/);
    await expect(page.getByRole('banner')).toContainText('Daniel Okafor');
  });

  test('a user required to use two-factor enrols at sign-in with the shown secret, then signs in with a code', async ({
    page,
  }) => {
    const person = await signInAsMemberWhoMustEnrol(page);
    await expectAccessible(page);
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
    let secret = (await page.locator('[data-secret]').getAttribute('data-secret')) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expectAccessible(page);

    // Signed in anew in this browser meanwhile: that session has no set-up waiting for a code,
    // so the page starts over with the reason, and the set-up can begin again.
    const again = await page.request.post('/api/v1/session', {
      headers: { 'x-roster-csrf': '1' },
      data: { email: person.email, password: DEMO_PASSWORD },
    });
    expect(again.status(), await again.text()).toBe(200);
    await page.getByLabel('Code from your app').fill(totp(base32Decode(secret)));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await expect(page.getByText('Start the set-up again')).toBeVisible();
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
    secret = (await page.locator('[data-secret]').getAttribute('data-secret')) ?? '';

    await page.getByLabel('Code from your app').fill('123456');
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await expect(page.getByText('That code does not match.', { exact: false })).toBeVisible();
    const key = base32Decode(secret);
    await page.getByLabel('Code from your app').fill(totp(key));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect(codes).toHaveCount(10);
    const recovery = (await codes.nth(4).textContent()) ?? '';
    expect(recovery).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Continue to Roster' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();

    // Signing in now takes a code: the app's next one (this step's was spent enrolling)…
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totp(key, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
    // …or a recovery code, once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(recovery);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
  });

  test('someone sets up two-factor of their own accord, and "Done" puts the codes away', async ({ page }) => {
    await signIn(page);
    const people = await membersWithoutTwoFactor(page);
    // From the middle of the list: other specs take the first or the last of these people.
    const person = people[Math.floor(people.length / 2) + 1].email as string;
    await page.request.delete('/api/v1/session', { headers: { 'x-roster-csrf': '1' } });
    await page.goto('/login');
    await page.getByLabel('Email').fill(person);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Two-factor' }).click();
    // Whoever finds the session open cannot put their own authenticator in front of the account.
    await page.getByLabel('Your password').fill('someone else at the desk');
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await expect(page.getByText('That is not your current password.')).toBeVisible();
    await expect(page.getByRole('img', { name: /QR code/ })).toHaveCount(0);
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor' }).press('Enter');
    // Each step takes the focus the button it replaces had.
    await expect(page.getByRole('list', { name: 'Set-up steps' })).toBeFocused();
    const secret = (await page.locator('[data-secret]').getAttribute('data-secret')) ?? '';
    await page.getByLabel('Code from your app').fill(totp(base32Decode(secret)));
    await page.getByRole('button', { name: 'Turn on two-factor' }).press('Enter');
    await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
    await expect(page.getByText('Two-factor sign-in is on. From now on')).toBeFocused();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByText('Two-factor sign-in is on for you.')).toBeVisible();
    await expect(page.getByText('Two-factor sign-in is on for you.')).toBeFocused();
    await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);
  });

  test('a required set-up finished in another tab lets the page through instead of refusing', async ({ page }) => {
    const person = await signInAsMemberWhoMustEnrol(page);

    // Another tab of the same session sets it up meanwhile.
    const headers = { 'x-roster-csrf': '1' };
    const setup = await page.request.post('/api/v1/session/two-factor/setup', {
      headers,
      data: { current_password: DEMO_PASSWORD },
    });
    expect(setup.status(), await setup.text()).toBe(200);
    const key = base32Decode((await setup.json()).secret);
    const done = await page.request.post('/api/v1/session/two-factor', { headers, data: { code: totp(key) } });
    expect(done.status(), await done.text()).toBe(200);

    // This tab's "Set up" is refused as already done: the app reads the session again and goes on.
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    await expect(page.getByText(/You are a Member of Northwind Labs/)).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});

test.describe('password reset', () => {
  test('a reset kills the old password at once and the mailed link sets a new one and signs in', async ({ page, browser }) => {
    const person = 'priya.raman@northwindlabs.example';
    await signIn(page);
    await resetPassword(page, person);
    const token = await passwordResetToken(person);

    // Someone else's browser, signed out: the old password no longer works.
    const context = await browser.newContext();
    const visitor = await context.newPage();
    await visitor.goto('/login');
    await visitor.getByLabel('Email').fill(person);
    await visitor.getByLabel('Password').fill(DEMO_PASSWORD);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await expect(visitor.getByText('That email and password do not match.')).toBeVisible();

    await visitor.goto(`/password/${token}`);
    await expect(visitor.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
    await expect(visitor.getByText(`reset the password of ${person}`)).toBeVisible();
    await expectAccessible(visitor);
    await visitor.getByLabel('New password', { exact: true }).fill('too short');
    await visitor.getByLabel('Repeat the new password').fill('too short');
    await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(visitor.getByText('Use at least 12 characters.')).toBeVisible();
    await visitor.getByLabel('New password', { exact: true }).fill('a much longer passphrase');
    await visitor.getByLabel('Repeat the new password').fill('a much longer passphrase!');
    await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(visitor.getByText('The two passwords differ.')).toBeVisible();
    await visitor.getByLabel('Repeat the new password').fill('a much longer passphrase');
    await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(visitor.getByRole('heading', { level: 1, name: 'User management' })).toBeVisible();
    await expect(userRows(visitor).first()).toBeVisible();

    // The link worked once.
    await visitor.goto(`/password/${token}`);
    await expect(visitor.getByRole('heading', { level: 1, name: 'This link was used already' })).toBeVisible();
    await expect(visitor.getByText(person)).toHaveCount(0);
    await expectAccessible(visitor);
    await context.close();
  });

  test('a person changes their own password with the current one', async ({ page }) => {
    const person = 'priya.raman@northwindlabs.example';
    await page.goto('/login');
    await page.getByLabel('Email').fill(person);
    await page.getByLabel('Password').fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Password' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Change your password' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(DEMO_PASSWORD + ' again');
    await page.getByLabel('Repeat the new password').fill(DEMO_PASSWORD + ' again');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByText('That is not your current password.')).toBeVisible();
    await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
    await page.getByLabel('Current password').fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByText('Your password is changed.')).toBeVisible();
    await expect(page.getByLabel('Current password')).toHaveValue('');
    // A hurried second press, nothing typed since: the change is still said, and nothing asked.
    await page.getByRole('button', { name: 'Change password' }).press('Enter');
    await expect(page.getByText('Your password is changed.')).toBeVisible();
    await expect(page.getByText('Enter your current password.')).toHaveCount(0);
  });

  test('a link used in another tab while its form was open says so and leads to sign-in', async ({ page, browser }) => {
    await signIn(page);
    const people = await membersWithoutTwoFactor(page);
    // From the middle of the list: other specs take the first or the last of these people.
    const person = people[Math.floor(people.length / 2)].email as string;
    await resetPassword(page, person);
    const token = await passwordResetToken(person);

    const context = await browser.newContext();
    const visitor = await context.newPage();
    await visitor.goto(`/password/${token}`);
    await visitor.getByLabel('New password', { exact: true }).fill('a passphrase typed here');
    await visitor.getByLabel('Repeat the new password').fill('a passphrase typed here');
    // The same link, used first in another browser (which that signs in, not this one).
    const elsewhere = await browser.newContext();
    const used = await elsewhere.request.post('/api/v1/password-resets/complete', {
      headers: { 'x-roster-csrf': '1' },
      data: { token, password: 'a passphrase chosen there' },
    });
    expect(used.status(), await used.text()).toBe(200);
    await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(visitor.getByRole('alert')).toContainText('This link was used already.');
    await expectAccessible(visitor);
    await visitor.getByRole('link', { name: 'Sign in' }).click();
    await expect(visitor).toHaveURL(/\/login/);
    await elsewhere.close();
    await context.close();
  });
});

test.describe('audit log', () => {
  test('shows sign-ins just made, filtered by action and actor', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill('a wrong guess');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('That email and password do not match.')).toBeVisible();
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/users\/managed$/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
    const rows = page.getByRole('table').locator('tbody tr');
    await expect(rows.first()).toContainText('Maya Chen');
    // By email too, under the name: names are not unique.
    await expect(rows.first().getByRole('rowheader')).toContainText(OWNER);
    await expect(rows.first()).toContainText('Signed in');
    await expect(rows.first()).toContainText('127.0.0.1');
    await expect(page.getByRole('cell', { name: 'Failed sign-in' }).first()).toBeVisible();
    await expectAccessible(page);

    await page.getByLabel('Action').selectOption({ label: 'Failed sign-in' });
    await expect(page).toHaveURL(/action=session\.sign_in_failed/);
    await expect(rows.first()).toContainText(OWNER);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain('Failed sign-in');
    }
    // Loaded from its URL, the list and the choice both say the action.
    await page.reload();
    await expect(page.getByLabel('Action')).toHaveValue('session.sign_in_failed');
    await expect(rows.first()).toContainText('Failed sign-in');

    // An action no option names, from a hand-edited link: the choice says it, as the list does.
    await page.goto('/audit?action=bogus.action');
    await expect(page.getByRole('status').filter({ hasText: 'No audit entries match these filters.' })).toBeVisible();
    await expect(page.getByLabel('Action')).toHaveValue('bogus.action');
    await page.getByLabel('Action').selectOption({ label: 'All actions' });
    await page.getByLabel('Actor').fill(OWNER);
    await expect(page).toHaveURL(/actor=maya\.chen/);
    await expect(rows.first().getByRole('rowheader')).toContainText('Maya Chen');
    await page.getByLabel('Actor').fill('nobody at all');
    await expect(page.getByText('No audit entries match these filters.')).toBeVisible();
    await page.reload();
    await expect(page.getByLabel('Actor')).toHaveValue('nobody at all');
  });
});

test.describe('API tokens', () => {
  test('a form being filled keeps its content when the session ends and the admin signs in again', async ({
    page,
    context,
  }) => {
    await signIn(page);
    await page.goto('/tokens');
    await page.getByLabel('Token name').fill('Half-typed name');
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await context.clearCookies();
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page).toHaveURL(/\/login\?next=.*&expired=1$/);
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/tokens$/);
    await expect(page.getByLabel('Token name')).toHaveValue('Half-typed name');
    // The password is never kept.
    await expect(page.getByLabel('Your password')).toHaveValue('');
    // Creating the token drops the draft; signing out forgets drafts.
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByRole('rowheader', { name: 'Half-typed name' })).toBeVisible();
    await page.reload();
    await expect(page.getByLabel('Token name')).toHaveValue('');
  });

  test('an Owner creates a token, sees it once, uses it, and revokes it', async ({ page, playwright }) => {
    await signIn(page);
    await page.goto('/users/managed');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText('Enter your password to create a token.')).toBeVisible();
    // A session alone mints nothing: the password is asked again, and a wrong one is refused.
    await page.getByLabel('Your password').fill('not the password');
    await page.getByLabel('Token name').fill('Host console');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText('That is not your current password.')).toBeVisible();
    await expect(page.getByLabel('Token name')).toHaveValue('Host console');
    await expect(page.getByLabel('Your password')).toHaveValue('');
    await page.getByLabel('Token name').fill('');
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText('A token name is at most').or(page.getByText('Name the token'))).toBeVisible();

    await page.getByLabel('Token name').fill('Host console');
    await expect(page.getByLabel('Expires after')).toHaveValue('90');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token').inputValue();
    expect(secret).toMatch(/^roster_/);
    // A hurried second press, nothing typed since, keeps the secret shown only this once.
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByLabel('New token')).toHaveValue(secret);
    await expect(page.getByText('Enter your password to create a token.')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Copy token' })).toBeVisible();
    await expect(page.getByRole('rowheader', { name: 'Host console' })).toBeVisible();
    const listed = (await (await page.request.get('/api/v1/tokens')).json()) as { name: string; created_at: number; expires_at: number }[];
    const made = listed.find((t) => t.name === 'Host console')!;
    expect(made.expires_at - made.created_at).toBe(30 * 24 * 60 * 60);
    await expectAccessible(page);

    const api = await playwright.request.newContext({ baseURL: page.url().replace(/\/tokens$/, '') });
    const withToken = { headers: { authorization: `Bearer ${secret}` } };
    expect((await api.get('/api/v1/users?limit=1', withToken)).status()).toBe(200);

    // A second token: its secret is the one shown now, and revoking the first leaves it shown.
    await page.getByLabel('Token name').fill('Second host');
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Create token' }).click();
    const second = await page.getByLabel('New token').inputValue();
    expect(second).not.toBe(secret);

    // The question takes the button's place, and focus goes with it; the revocation is said.
    await page.getByRole('button', { name: 'Revoke token Host console' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByRole('row', { name: /Host console/ })).toContainText('Revoked');
    await expect(page.getByRole('row', { name: /Host console/ }).locator('[data-focus-key]')).toBeFocused();
    await expect(page.getByRole('status').filter({ hasText: 'Token revoked.' })).toHaveCount(1);
    await expect(page.getByLabel('New token')).toHaveValue(second);
    expect((await api.get('/api/v1/users?limit=1', withToken)).status()).toBe(401);
    // Revoking the token whose secret is shown takes the secret away.
    await page.getByRole('button', { name: 'Revoke token Second host' }).click();
    await pressConfirm(page);
    await expect(page.getByRole('row', { name: /Second host/ })).toContainText('Revoked');
    await expect(page.getByLabel('New token')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Copy token' })).toHaveCount(0);
    await api.dispose();
  });

  test('a token waits for its creator to set up the two-factor sign-in required of them, and says so', async ({
    page,
    browser,
  }) => {
    await signIn(page);
    type Person = { id: number; email: string; given_name: string; family_name: string; org_role: string; two_factor: { enrolled: boolean; required: boolean } };
    const people = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Person[];
    // A member made an Owner, with a password of our own (other specs reset some demo passwords).
    const creator = people.find((u) => u.org_role === 'member' && u.email !== MEMBER && !u.two_factor.enrolled && !u.two_factor.required)!;
    expect(creator, 'a member without two-factor').toBeTruthy();
    const setRole = async (org_role: string) => {
      const etag = (await page.request.get(`/api/v1/users/${creator.id}`)).headers()['etag'];
      const answer = await page.request.patch(`/api/v1/users/${creator.id}`, {
        headers: { 'x-roster-csrf': '1', 'if-match': etag },
        data: { org_role },
      });
      expect(answer.status(), await answer.text()).toBe(200);
    };
    await setRole('owner');
    await resetPassword(page, creator.email);
    const password = 'paused token test passphrase';
    const elsewhere = await browser.newContext();
    const headers = { 'x-roster-csrf': '1' };
    const set = await elsewhere.request.post('/api/v1/password-resets/complete', {
      headers,
      data: { token: await passwordResetToken(creator.email), password },
    });
    expect(set.status(), await set.text()).toBe(200);
    const signedIn = await elsewhere.request.post('/api/v1/session', { headers, data: { email: creator.email, password } });
    expect(signedIn.status(), await signedIn.text()).toBe(200);
    const made = await elsewhere.request.post('/api/v1/tokens', { headers, data: { name: 'Nightly sync', current_password: password } });
    expect(made.status(), await made.text()).toBe(201);
    await elsewhere.close();

    const required = await page.request.post('/api/v1/users/bulk', {
      headers,
      data: { action: 'require_two_factor', ids: [creator.id] },
    });
    expect(required.status(), await required.text()).toBe(200);
    await page.goto('/tokens');
    const row = page.getByRole('row', { name: /Nightly sync/ });
    await expect(row).toContainText(`Paused until ${creator.given_name} ${creator.family_name} sets up two-factor sign-in`);
    await expectAccessible(page);

    await row.getByRole('button', { name: 'Revoke token Nightly sync' }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await expect(row).toContainText('Revoked');
    await setRole('member');
  });

  test('Administrators are not offered tokens nor provisioning', async ({ page }) => {
    await signIn(page, TWO_FACTOR_ADMIN);
    await page.goto('/users/managed');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'API tokens' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Provisioning' })).toHaveCount(0);
  });
});
