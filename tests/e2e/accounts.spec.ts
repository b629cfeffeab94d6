import { expect, test } from './fixtures';
import { expectAccessible, invitationToken, signIn, pressConfirm } from './helpers';

test.describe('account user access', () => {
  test('invite an outside address to one account; they accept as an external user, listed under External, then lose the access', async ({
    page,
    browser,
  }) => {
    await signIn(page);
    await page.goto('/accounts');
    const link = page.getByRole('rowheader').getByRole('link').first();
    const account = (await link.textContent()) ?? '';
    await link.click();
    await expect(page.getByRole('heading', { level: 1, name: `User access — ${account}` })).toBeVisible();
    // Focus went with the link: the page's heading takes it, and keeps it once the account is read.
    await expect(page.getByRole('heading', { level: 1, name: `User access — ${account}` })).toBeFocused();
    await expect(page.getByRole('table', { name: 'People with access to this account' })).toBeVisible();
    await expectAccessible(page);

    // Invite: an outside address, a colleague on a verified domain and a bad line; the bad one
    // stays in the box with its reason.
    const outsider = 'casey.contractor@agency.example';
    const colleague = 'robin.newhire@northwind.example';
    await page.getByRole('button', { name: 'Invite users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    await dialog.getByLabel('Email addresses').fill(`${outsider}\n${colleague}\nnot-an-address`);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await expect(dialog.getByText('Choose at least one role.')).toBeVisible();
    await dialog.getByLabel('Developer').check();
    await dialog.getByRole('button', { name: 'Send' }).click();
    const results = dialog.getByRole('list', { name: 'Invitation results' });
    await expect(results).toContainText(`${outsider} — Invitation sent: they become an external user of this account when they accept.`);
    await expect(results).toContainText(`${colleague} — Invited to join the organization`);
    await expect(results).toContainText('not-an-address');
    await expect(dialog.getByLabel('Email addresses')).toHaveValue('not-an-address');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await expect(page.getByRole('table', { name: 'Invitations to this account' })).toContainText(outsider);
    await expect(page.getByRole('table', { name: 'Invitations to this account' })).not.toContainText(colleague);

    // The outsider accepts in their own browser: access, no membership, no console.
    const token = await invitationToken(outsider);
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`/accept/${token}`);
    await expect(visitor.getByRole('heading', { name: 'Access to accounts of Northwind Labs' })).toBeVisible();
    await expect(visitor.getByText('as an external user: you do not join the organization')).toBeVisible();
    await visitor.getByLabel('Given name').fill('Casey');
    await visitor.getByLabel('Family name').fill('Contractor');
    await visitor.getByLabel('Choose a password').fill('a long enough passphrase');
    await visitor.getByLabel('Repeat the password').fill('a long enough passphrase');
    await visitor.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect(visitor.getByRole('heading', { name: 'You have access' })).toBeVisible();
    // In place of the form whose button had focus: the heading takes it, and names the page.
    await expect(visitor.getByRole('heading', { name: 'You have access' })).toBeFocused();
    await expect(visitor).toHaveTitle('You have access · Roster');
    await expect(visitor.getByRole('listitem').filter({ hasText: `${account} — Developer` })).toBeVisible();
    await expectAccessible(visitor);
    await visitorContext.close();

    // They are an external user of that account now.
    await page.reload();
    const row = page.getByRole('row', { name: /Casey Contractor/ });
    await expect(row).toContainText('External');
    await expect(row).toContainText('Developer');
    await page.goto(`/users/external?q=${encodeURIComponent(outsider)}`);
    const external = page.getByRole('row', { name: /Casey Contractor/ });
    await expect(external).toContainText(`${account} — Developer`);
    await expectAccessible(page);

    // Remove their access to that account: they leave the External list.
    await external.getByRole('button', { name: `Remove access of Casey Contractor to ${account}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove access' });
    await expect(confirm).toContainText(`Casey Contractor will no longer be able to use ${account}.`);
    await expectAccessible(page);
    await confirm.getByRole('button', { name: 'Remove access' }).click();
    await expect(page.getByText(`Casey Contractor no longer has access to ${account}.`)).toBeVisible();
    await expect(page.getByRole('row', { name: /Casey Contractor/ })).toHaveCount(0);
  });

  test('a pending invitation is revoked only once confirmed, and a late answer leaves the next dialog alone', async ({ page }) => {
    await signIn(page);
    await page.goto('/accounts');
    // The invitations fail to load once: the section says so, and "Try again" reads them.
    let failedOnce = false;
    await page.route(/\/api\/v1\/accounts\/\d+\/invitations$/, (route) => {
      if (failedOnce) return route.continue();
      failedOnce = true;
      const busy = { error: { code: 'unavailable', message: 'The server is busy.' } };
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(busy) });
    });
    await page.getByRole('rowheader').getByRole('link').nth(2).click();
    await expect(page.getByText('The server is busy.')).toBeVisible();
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    await expect(page.getByText('No invitations to this account are waiting for an answer.').or(page.getByRole('table', { name: 'Invitations to this account' }))).toBeVisible();
    await page.unroute(/\/api\/v1\/accounts\/\d+\/invitations$/);
    const outsider = 'pat.pending@agency.example';
    await page.getByRole('button', { name: 'Invite users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    await dialog.getByLabel('Email addresses').fill(outsider);
    await dialog.getByLabel('Support').check();
    await dialog.getByRole('button', { name: 'Send' }).click();
    await expect(dialog.getByRole('list', { name: 'Invitation results' })).toContainText(outsider);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    const invitations = page.getByRole('table', { name: 'Invitations to this account' });
    await expect(invitations).toContainText(outsider);

    // "Revoke" asks first; Cancel keeps the invitation.
    await invitations.getByRole('button', { name: `Revoke the invitation to ${outsider}` }).click();
    await expect(invitations).toContainText('Its link stops working.');
    await expect(invitations.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await expectAccessible(page);
    await invitations.getByRole('button', { name: 'Cancel' }).click();
    await expect(invitations.getByRole('button', { name: `Revoke the invitation to ${outsider}` })).toBeFocused();
    // Escape answers the question as Cancel does.
    await invitations.getByRole('button', { name: `Revoke the invitation to ${outsider}` }).click();
    await page.keyboard.press('Escape');
    await expect(invitations.getByRole('button', { name: `Revoke the invitation to ${outsider}` })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(invitations.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByText(`Invitation to ${outsider} revoked.`)).toBeVisible();
    // Its row went: focus follows to the words that say so.
    await expect(page.getByText(`Invitation to ${outsider} revoked.`)).toBeFocused();
    await expect(invitations).toHaveCount(0);

    // A role change answered after its dialog was closed and another opened does not close that one.
    const people = page.getByRole('table', { name: 'People with access to this account' });
    const changeRoles = people.getByRole('button', { name: /^Change roles of / });
    await expect(changeRoles.nth(1)).toBeVisible();
    let release: () => void = () => {};
    await page.route(/\/api\/v1\/accounts\/\d+\/users\/\d+$/, async (route) => {
      if (route.request().method() === 'PUT') await new Promise<void>((resolve) => (release = resolve));
      await route.continue().catch(() => {});
    });
    await changeRoles.nth(0).click();
    const roles = page.getByRole('dialog', { name: 'Change roles' });
    await roles.getByRole('button', { name: 'Save roles' }).click();
    await roles.getByRole('button', { name: 'Cancel' }).click();
    await changeRoles.nth(1).click();
    await expect(roles).toBeVisible();
    const second = await roles.textContent();
    const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/accounts\/\d+\/users\/\d+$/.test(r.url()));
    release();
    await answered;
    await page.waitForTimeout(300);
    await expect(roles).toBeVisible();
    expect(await roles.textContent()).toBe(second);
    await page.unroute(/\/api\/v1\/accounts\/\d+\/users\/\d+$/);
  });

  test('a member gets access at once, roles change, and all access of an external user goes in one step', async ({ page }) => {
    await signIn(page);
    await page.goto('/accounts');
    await page.getByRole('rowheader').getByRole('link').nth(1).click();
    await page.getByRole('button', { name: 'Invite users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    // Sam Taylor is a member: access at once, or already there.
    await dialog.getByLabel('Email addresses').fill('sam.taylor@northwind.example');
    await dialog.getByLabel('Support').check();
    await dialog.getByRole('button', { name: 'Send' }).click();
    await expect(dialog.getByRole('list', { name: 'Invitation results' })).toContainText(
      /Access given \(a member of the organization\)|Already has access/,
    );
    // The results take focus, so that each line is read out.
    await expect(dialog.getByRole('list', { name: 'Invitation results' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    const sam = page.getByRole('row', { name: /Sam Taylor/ });
    await expect(sam).toContainText('Member');
    await sam.getByRole('button', { name: 'Change roles of Sam Taylor' }).click();
    const roles = page.getByRole('dialog', { name: 'Change roles' });
    await roles.getByLabel('Administrator').check();
    await expectAccessible(page);
    await roles.getByRole('button', { name: 'Save roles' }).click();
    await expect(page.getByText('Roles of Sam Taylor saved.')).toBeVisible();
    await expect(page.getByRole('row', { name: /Sam Taylor/ })).toContainText('Administrator');
    // Focus is back on the button that opened the dialog, drawn anew with the list.
    await expect(page.getByRole('button', { name: 'Change roles of Sam Taylor' })).toBeFocused();

    // Taking Sam's access away here: their row goes, and focus stays in the list, on the same
    // button of the row in its place (or, were it the last, on the words that say it was done).
    await page.getByRole('button', { name: 'Remove access of Sam Taylor' }).click();
    await page.getByRole('dialog', { name: 'Remove access' }).getByRole('button', { name: 'Remove access' }).press('Enter');
    await expect(page.getByText('Sam Taylor no longer has access.')).toBeVisible();
    await expect(page.getByRole('row', { name: /Sam Taylor/ })).toHaveCount(0);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
    await expect.poll(focused).toMatch(/^Remove access of |^Sam Taylor no longer has access\.$/);

    // An external user of the demo loses every account of the organization at once.
    await page.goto('/users/external');
    const first = page.getByRole('table').locator('tbody tr').first();
    const name = ((await first.getByRole('rowheader').textContent()) ?? '').trim();
    // Found by name, their row is the list's only one: when it goes with the button that had
    // focus, focus goes to the words that say it was done.
    await page.goto(`/users/external?q=${encodeURIComponent(name)}`);
    await expect(page.getByRole('table').locator('tbody tr')).toHaveCount(1);
    await page.getByRole('button', { name: `Remove all access of ${name}` }).click();
    await page.getByRole('dialog', { name: 'Remove access' }).getByRole('button', { name: 'Remove access' }).click();
    const done = page.getByText(`${name} no longer has access to any of the organization's accounts.`);
    await expect(done).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await expect(done).toBeFocused();
  });
});
