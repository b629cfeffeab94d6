import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { DEMO_PASSWORD, expectAccessible, OWNER, signIn, userRows } from './helpers';

type Managed = { id: number; email: string; given_name: string; family_name: string; org_role: string };
type Held = { account: { id: number; name: string }; roles: string[]; owner: boolean };

/** The organization's Members, as the API lists them. */
async function members(page: Page): Promise<Managed[]> {
  const list = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Managed[];
  return list.filter((u) => u.org_role === 'member');
}

/** The accounts user `id` can access, and one they cannot. */
async function accessOf(page: Page, id: number): Promise<{ held: Held[]; fresh: { id: number; name: string } }> {
  const held = (await (await page.request.get(`/api/v1/users/${id}`)).json()).accounts as Held[];
  const all = (await (await page.request.get('/api/v1/accounts?limit=50')).json()).items as { id: number; name: string }[];
  return { held, fresh: all.find((a) => !held.some((h) => h.account.id === a.id))! };
}

test.describe('managing a user', () => {
  test('rename a user and change their role', async ({ page }) => {
    await signIn(page);
    const list = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Managed[];
    const member = list.find((u) => u.org_role === 'member' && u.email !== 'sam.taylor@northwind.example')!;
    await page.goto(`/users/${member.id}`);
    const edit = page.getByRole('button', { name: 'Edit user' });
    // The form takes focus when it opens and gives it back to "Edit user" when it closes, for
    // keyboard and screen-reader users: cancelled, or saved (the user is then read again).
    await edit.click();
    await expect(page.getByLabel('Given name')).toBeFocused();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(edit).toBeFocused();
    await edit.click();
    await expect(page.getByLabel('Given name')).toHaveValue(member.given_name);
    await expectAccessible(page);
    await page.getByLabel('Given name').fill('Renamed');
    await page.getByLabel('Organization role').selectOption('administrator');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Changes saved.')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Renamed ${member.family_name}`);
    await expect(page.locator('.roster-facts')).toContainText('Administrator');
    await expect(edit).toBeFocused();

    // The last Owner cannot step down: the reason shows next to the role.
    const owner = list.find((u) => u.org_role === 'owner')!;
    await page.goto(`/users/${owner.id}`);
    await page.getByRole('button', { name: 'Edit user' }).click();
    await page.getByLabel('Organization role').selectOption('member');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText("This is the organization's last Owner.")).toBeVisible();
    // Read out with the select, which takes focus as a text field with an error does.
    await expect(page.getByLabel('Organization role')).toBeFocused();
    await expect(page.getByLabel('Organization role')).toHaveAttribute('aria-invalid', 'true');
  });

  test('change account roles through the matrix and see the change in words before saving', async ({ page }) => {
    await signIn(page);
    const member = (await members(page)).at(-3)!;
    const { held, fresh } = await accessOf(page, member.id);
    const existing = held.find((h) => !h.owner)!;
    // Add Support, or take it away when there is another role to keep, or else add Developer.
    const hasSupport = existing.roles.includes('support');
    const toggled = hasSupport && existing.roles.length === 1 ? 'Developer' : 'Support';
    const adds = !hasSupport || existing.roles.length === 1;

    await page.goto(`/users/${member.id}`);
    const change = page.getByRole('button', { name: 'Change access' });
    await change.click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(change).toBeFocused();
    await change.click();
    // Only the first accounts are listed, and the editor says so when there are more.
    const accountsTotal = (await (await page.request.get('/api/v1/accounts?limit=10')).json()).total as number;
    const firstTen = page.getByText(`The first 10 of ${accountsTotal} accounts; search to find the others.`);
    await expect(page.getByRole('list', { name: 'Accounts to add' })).toBeVisible();
    await expect(firstTen).toHaveCount(accountsTotal > 10 ? 1 : 0);
    await page.getByLabel('Search accounts to add').fill(fresh.name);
    await page.getByRole('button', { name: `Add ${fresh.name}` }).click();
    // From the keyboard: "Add" leads to the added account's roles, and a role ticked with Space
    // keeps focus (the editor is not drawn anew), as does the search's text.
    const administrator = page.getByRole('group', { name: fresh.name }).getByLabel('Administrator');
    await expect(administrator).toBeFocused();
    await page.keyboard.press('Space');
    await expect(administrator).toBeChecked();
    await expect(administrator).toBeFocused();
    await expect(page.getByLabel('Search accounts to add')).toHaveValue(fresh.name);
    const existingRoles = page.getByRole('group', { name: existing.account.name, exact: true });
    if (adds) await existingRoles.getByLabel(toggled).check();
    else await existingRoles.getByLabel(toggled).uncheck();
    const changes = page.getByRole('list', { name: 'Changes to save' });
    await expect(changes).toContainText(`gives access to ${fresh.name} as Administrator`);
    await expect(changes).toContainText(`${adds ? 'adds' : 'removes'} ${toggled} on ${existing.account.name}`);
    await expectAccessible(page);
    // The browser's Back and Forward, or a reload, bring the unsaved change back as it was.
    await page.goBack();
    await expect(page).not.toHaveURL(new RegExp(`/users/${member.id}$`));
    // Another admin renames the user meanwhile: the change comes back with a word about it.
    const etag = (await page.request.get(`/api/v1/users/${member.id}`)).headers()['etag'];
    const renamed = await page.request.patch(`/api/v1/users/${member.id}`, {
      headers: { 'x-roster-csrf': '1', 'if-match': etag },
      data: { family_name: `${member.family_name}-Away` },
    });
    expect(renamed.status(), await renamed.text()).toBe(200);
    await page.goForward();
    await expect(changes).toContainText(`gives access to ${fresh.name} as Administrator`);
    await expect(page.getByText('This user changed while you were away: check your change against their access now before saving.')).toBeVisible();
    // Until the admin has looked again, it still says so, and Save is refused with the reason.
    await page.reload();
    await expect(changes).toContainText(`gives access to ${fresh.name} as Administrator`);
    await expect(changes).toContainText(`${adds ? 'adds' : 'removes'} ${toggled} on ${existing.account.name}`);
    await expect(page.getByText('This user changed while you were away')).toBeVisible();
    await page.getByRole('button', { name: 'Save access' }).click();
    await expect(page.getByText('Someone else changed this user')).toBeVisible();
    await page.getByRole('button', { name: 'Save access' }).click();
    await expect(page.getByText('Account access saved.')).toBeVisible();
    await expect(page.getByRole('row', { name: new RegExp(fresh.name) })).toContainText('Administrator');
    await expect(change).toBeFocused();
    // One word on what happened shows at a time: the latest. Opening "Edit user" ends the last.
    const editUser = page.getByRole('button', { name: 'Edit user' });
    await editUser.click();
    await expect(page.getByText('Account access saved.')).toHaveCount(0);
    // A change made while the form is open says what it did, until the form is saved.
    const twoFactor = page.getByRole('switch', { name: 'Require two-factor authentication' });
    const wasRequired = (await twoFactor.getAttribute('aria-checked')) === 'true';
    const [toggledOn, toggledOff] = ['Two-factor sign-in is now required', 'Two-factor sign-in is no longer required.'];
    await twoFactor.click();
    await expect(page.getByText(wasRequired ? toggledOff : toggledOn)).toBeVisible();
    await expect(twoFactor).toHaveAttribute('aria-checked', String(!wasRequired));
    // The user is read again slowly after the save: meanwhile the switch holds the version from
    // before it, so a press does nothing (it would be refused as someone else's change).
    const twoFactorSends: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith(`/users/${member.id}/two-factor`)) twoFactorSends.push(request.method());
    });
    const userRead = new RegExp(`/api/v1/users/${member.id}$`);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(userRead, async (route) => {
      if (route.request().method() === 'GET') await released;
      await route.continue();
    });
    await page.getByLabel('Family name').fill(`${member.family_name}-Back`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Changes saved.')).toBeVisible();
    await expect(page.getByText(wasRequired ? toggledOff : toggledOn)).toHaveCount(0);
    await expect(twoFactor).toHaveAttribute('aria-disabled', 'true');
    await twoFactor.click({ force: true });
    release();
    await expect(editUser).toBeFocused();
    await page.unroute(userRead);
    expect(twoFactorSends).toEqual([]);
    await expect(twoFactor).toHaveAttribute('aria-checked', String(!wasRequired));
    // Once read, it acts, and its word takes the place of "Changes saved.".
    await twoFactor.click();
    await expect(page.getByText(wasRequired ? toggledOn : toggledOff)).toBeVisible();
    await expect(page.getByText('Changes saved.')).toHaveCount(0);
    await expect(page.getByText('Someone else changed this user')).toHaveCount(0);
    // Opening the access editor ends it.
    await change.click();
    await expect(page.getByText(wasRequired ? toggledOn : toggledOff)).toHaveCount(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(twoFactor).toHaveAttribute('aria-checked', String(wasRequired));
    // Saved, it is no draft any more.
    await page.reload();
    await expect(page.getByRole('row', { name: new RegExp(fresh.name) })).toContainText('Administrator');
    await expect(changes).toHaveCount(0);
  });

  test('an unsaved access change stays while the admin looks at another user, and comes back', async ({ page }) => {
    await signIn(page);
    const listed = await members(page);
    const [first, second] = [listed.at(-5)!, listed.at(-6)!];
    const { fresh } = await accessOf(page, first.id);
    await page.goto(`/users/${first.id}`);
    await page.getByRole('button', { name: 'Change access' }).click();
    await page.getByLabel('Search accounts to add').fill(fresh.name);
    await page.getByRole('button', { name: `Add ${fresh.name}` }).click();
    await page.getByRole('group', { name: fresh.name }).getByLabel('Support').check();
    const changes = page.getByRole('list', { name: 'Changes to save' });
    await expect(changes).toContainText(`gives access to ${fresh.name} as Support`);
    // Another user's editor, opened and cancelled, leaves the first user's change kept.
    await page.goto(`/users/${second.id}`);
    await expect(changes).toHaveCount(0);
    await page.getByRole('button', { name: 'Change access' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`/users/${first.id}$`));
    await expect(changes).toContainText(`gives access to ${fresh.name} as Support`);
    // Cancel drops it.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Change access' })).toBeVisible();
    await expect(changes).toHaveCount(0);
  });

  test('access saved after someone else changed the user: the reason stays with the edit until acted on', async ({ page }) => {
    await signIn(page);
    const member = (await members(page)).at(-4)!;
    const { fresh } = await accessOf(page, member.id);
    await page.goto(`/users/${member.id}`);
    await page.getByRole('button', { name: 'Change access' }).click();
    const editor = page.getByRole('region', { name: 'Change account access' });
    await page.getByLabel('Search accounts to add').fill(fresh.name);
    await page.getByRole('button', { name: `Add ${fresh.name}` }).click();
    // Saved before a role is chosen: asked for one, until one is ticked.
    await expect(editor.getByRole('list', { name: 'Changes to save' })).toContainText(`gives access to ${fresh.name} once a role is chosen`);
    await page.getByRole('button', { name: 'Save access' }).click();
    await expect(editor.getByRole('alert')).toHaveText(`Choose at least one role on ${fresh.name}, or remove it.`);
    await page.getByRole('group', { name: fresh.name }).getByLabel('Support').check();
    await expect(editor.getByRole('alert')).toHaveCount(0);
    // Another admin renames the user meanwhile.
    const etag = (await page.request.get(`/api/v1/users/${member.id}`)).headers()['etag'];
    const renamed = await page.request.patch(`/api/v1/users/${member.id}`, {
      headers: { 'x-roster-csrf': '1', 'if-match': etag },
      data: { family_name: `${member.family_name}-Access` },
    });
    expect(renamed.status(), await renamed.text()).toBe(200);
    await page.getByRole('button', { name: 'Save access' }).click();
    // The user is read again (the new name shows), and the editor still says why nothing was saved.
    await expect(page.getByRole('heading', { level: 1 })).toContainText(`${member.family_name}-Access`);
    await expect(editor.getByText('Someone else changed this user')).toBeVisible();
    // Focus, fallen with the editor drawn anew, goes to the reason.
    await expect(editor.getByRole('alert')).toBeFocused();
    await page.waitForTimeout(500);
    await expect(editor.getByText('Someone else changed this user')).toBeVisible();
    // What was ticked is still there, and saved now it goes.
    await expect(editor.getByRole('list', { name: 'Changes to save' })).toContainText(`gives access to ${fresh.name} as Support`);
    await page.getByRole('button', { name: 'Save access' }).click();
    await expect(page.getByText('Account access saved.')).toBeVisible();
    await expect(page.getByRole('row', { name: new RegExp(fresh.name) })).toContainText('Support');
  });

  test('an edit whose session ended comes back as typed after signing in again, and a change made meanwhile is said', async ({
    page,
    context,
  }) => {
    await signIn(page);
    const list = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Managed[];
    // From the middle of the Members: other specs take the first or the last.
    const members = list.filter((u) => u.org_role === 'member' && u.email !== 'sam.taylor@northwind.example');
    const target = members[Math.floor(members.length / 2)];
    await page.goto(`/users/${target.id}`);
    await page.getByRole('button', { name: 'Edit user' }).click();
    await page.getByLabel('Given name').fill('Half-typed');
    await page.getByLabel('Organization role').selectOption('administrator');
    await context.clearCookies();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/login\?next=.*&expired=1$/);
    await page.getByLabel('Email').fill('maya.chen@northwind.example');
    await page.getByLabel('Password').fill('roster-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`/users/${target.id}$`));
    await expect(page.getByLabel('Given name')).toHaveValue('Half-typed');
    await expect(page.getByLabel('Organization role')).toHaveValue('administrator');
    await expect(page.getByRole('alert')).toHaveCount(0);

    // Cancel drops it; typed again, and the user changed by someone else meanwhile: said.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.reload();
    await expect(page.getByLabel('Given name')).toHaveCount(0);
    await page.getByRole('button', { name: 'Edit user' }).click();
    await page.getByLabel('Family name').fill('Kept');
    const etag = (await page.request.get(`/api/v1/users/${target.id}`)).headers()['etag'];
    const renamed = await page.request.patch(`/api/v1/users/${target.id}`, {
      headers: { 'x-roster-csrf': '1', 'if-match': etag },
      data: { given_name: 'Elsewhere' },
    });
    expect(renamed.status(), await renamed.text()).toBe(200);
    await page.reload();
    await expect(page.getByLabel('Family name')).toHaveValue('Kept');
    await expect(page.getByRole('alert')).toContainText('This user changed while you were away');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Elsewhere ${target.family_name}`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Changes saved.')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Elsewhere Kept');
  });

  test('two admins edit the same user: the second is told and keeps their edit', async ({ page, browser }) => {
    await signIn(page);
    const list = (await (await page.request.get('/api/v1/users?view=managed&limit=200')).json()).items as Managed[];
    const target = list.filter((u) => u.org_role === 'member').at(-1)!;
    const other = await browser.newContext();
    const second = await other.newPage();
    await signIn(second);

    await page.goto(`/users/${target.id}`);
    await second.goto(`/users/${target.id}`);
    await page.getByRole('button', { name: 'Edit user' }).click();
    await second.getByRole('button', { name: 'Edit user' }).click();

    await page.getByLabel('Family name').fill('First-Edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Changes saved.')).toBeVisible();

    await second.getByLabel('Given name').fill('Second');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await expect(second.getByRole('alert')).toContainText('Someone else changed this user while you were editing.');
    // The page shows their change; the edit typed here is still in the form.
    await expect(second.getByRole('heading', { level: 1 })).toHaveText(`${target.given_name} First-Edit`);
    await expect(second.getByLabel('Given name')).toHaveValue('Second');
    await expectAccessible(second);
    await second.getByRole('button', { name: 'Save changes' }).click();
    await expect(second.getByText('Changes saved.')).toBeVisible();
    // Both changes hold: theirs (family name) and this one (given name).
    await expect(second.getByRole('heading', { level: 1 })).toHaveText('Second First-Edit');
    await other.close();
  });
});

test.describe('bulk actions and the acting admin', () => {
  test('"select all matching" leaves the admin out and says so', async ({ page }) => {
    await signIn(page);
    const me = (await (await page.request.get('/api/v1/session')).json()).user.id as number;
    const everyone = (await (await page.request.get('/api/v1/users/ids?view=managed')).json()).ids as number[];
    expect(everyone).toContain(me);

    // The answer is stood in for, so the run changes nothing: the test is about which ids the app sends.
    const sent: number[] = [];
    await page.route('**/api/v1/users/bulk', async (route) => {
      const ids = (route.request().postDataJSON() as { ids: number[] }).ids;
      sent.push(...ids);
      await route.fulfill({ json: { results: ids.map((id) => ({ id, name: `User ${id}`, ok: true })) } });
    });
    await page.goto('/users/managed');
    await page.getByLabel('Select all users on this page').check();
    await page.getByRole('button', { name: /^Select all \d+ users? matching/ }).click();
    const bar = page.getByRole('group', { name: 'Bulk actions' });
    await expect(bar.getByRole('status')).toContainText('You are left out');
    // The button went once pressed: focus goes to the words that say what it did.
    await expect(bar.getByRole('status')).toBeFocused();
    await expectAccessible(page);
    await bar.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('button', { name: 'Confirm: reset password' }).click();
    await expect(page.getByText(`${everyone.length - 1} done, 0 failed.`)).toBeVisible();
    expect(sent).not.toContain(me);
    expect(sent.sort()).toEqual(everyone.filter((id) => id !== me).sort());
  });

  test('a run goes on while the admin is on another page, and shows when they come back', async ({ page }) => {
    await signIn(page);
    // The answer is held until the admin has left and come back (and stood in for: nothing changes).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const sent: number[] = [];
    await page.route('**/api/v1/users/bulk', async (route) => {
      const ids = (route.request().postDataJSON() as { ids: number[] }).ids;
      sent.push(...ids);
      await held;
      await route.fulfill({ json: { results: ids.map((id) => ({ id, name: `User ${id}`, ok: true })) } });
    });
    await page.goto('/users/managed');
    const boxes = userRows(page).getByRole('checkbox');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    const bar = page.getByRole('group', { name: 'Bulk actions' });
    // A hurried double Enter asks, and does not answer: the question stays, nothing is sent.
    await bar.getByRole('button', { name: 'Require two-factor' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Confirm: require two-factor' })).toBeFocused();
    expect(sent).toHaveLength(0);
    await page.getByRole('button', { name: 'Confirm: require two-factor' }).click();
    const progress = page.getByRole('region', { name: 'Bulk action progress' });
    await expect(progress.getByText('Working…')).toBeVisible();
    await expect.poll(() => sent.length).toBe(2);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Domains' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
    await nav.getByRole('link', { name: 'Users' }).click();
    await expect(progress.getByText('Working…')).toBeVisible();
    await expect(progress.getByText('Done 0 of 2')).toBeVisible();
    release();
    await expect(progress.getByText('2 done, 0 failed.')).toBeVisible();
    await expectAccessible(page);

    // A run that has ended goes with the page that showed it.
    await nav.getByRole('link', { name: 'Domains' }).click();
    await nav.getByRole('link', { name: 'Users' }).click();
    await expect(userRows(page).first()).toBeVisible();
    await expect(progress).toHaveCount(0);
    expect(sent).toHaveLength(2);

    // Another run, and the admin signs out while it waits: signing out ends it, so whoever signs
    // in next on this tab (here the same admin again) sees nothing of it, and it goes no further
    // under their session.
    let releaseSecond = () => {};
    const heldAgain = new Promise<void>((resolve) => (releaseSecond = resolve));
    await page.unroute('**/api/v1/users/bulk');
    await page.route('**/api/v1/users/bulk', async (route) => {
      const ids = (route.request().postDataJSON() as { ids: number[] }).ids;
      sent.push(...ids);
      await heldAgain;
      await route.fulfill({ json: { results: ids.map((id) => ({ id, name: `User ${id}`, ok: true })) } });
    });
    await userRows(page).getByRole('checkbox').nth(2).check();
    await bar.getByRole('button', { name: 'Require two-factor' }).click();
    await page.getByRole('button', { name: 'Confirm: require two-factor' }).click();
    await expect(progress.getByText('Working…')).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('banner')).toContainText('Maya Chen');
    await expect(userRows(page).first()).toBeVisible();
    const answered = page.waitForEvent('requestfinished', (request) => request.url().includes('/api/v1/users/bulk'));
    releaseSecond();
    await answered;
    await expect(page.getByText('1 done, 0 failed.')).toHaveCount(0);
    await expect(progress).toHaveCount(0);
  });

  test('the admin’s own row has no checkbox, and selecting the page leaves them out', async ({ page }) => {
    await signIn(page);
    const me = (await (await page.request.get('/api/v1/session')).json()).user as { id: number; email: string };
    const sent: number[] = [];
    await page.route('**/api/v1/users/bulk', async (route) => {
      const ids = (route.request().postDataJSON() as { ids: number[] }).ids;
      sent.push(...ids);
      await route.fulfill({ json: { results: ids.map((id) => ({ id, name: `User ${id}`, ok: true })) } });
    });
    // A search that shows the admin among others on one page.
    const shownWith = async (q: string) => {
      const found = await (await page.request.get(`/api/v1/users?view=managed&q=${encodeURIComponent(q)}`)).json();
      return found.items.length > 1 && !found.next_cursor && found.items.some((u: { id: number }) => u.id === me.id);
    };
    let term = '';
    for (const candidate of [me.email.slice(0, 1), me.email.slice(0, 2), me.email.split('.')[0]]) {
      if (await shownWith(candidate)) {
        term = candidate;
        break;
      }
    }
    expect(term, 'a search that shows the admin among others').not.toBe('');
    await page.goto(`/users/managed?q=${encodeURIComponent(term)}`);
    const mine = userRows(page).filter({ hasText: me.email });
    await expect(mine).toHaveCount(1);
    await expect(mine.getByRole('checkbox')).toHaveCount(0);
    await page.getByLabel('Select all users on this page').check();
    const shown = await userRows(page).count();
    const bar = page.getByRole('group', { name: 'Bulk actions' });
    await expect(bar.getByRole('status')).toHaveText(new RegExp(`^${shown - 1} users? selected`));
    await expectAccessible(page);
    await bar.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('button', { name: 'Confirm: reset password' }).click();
    await expect(page.getByText(`${shown - 1} done, 0 failed.`)).toBeVisible();
    expect(sent).not.toContain(me.id);
    expect(sent).toHaveLength(shown - 1);
  });
});
