import { expect, test } from './fixtures';
import { expectAccessible, invitationToken, setTxtRecord, signIn, pressConfirm } from './helpers';

test.describe('domains', () => {
  test('add a domain, verify it through the loopback DNS server, and invite an address on it', async ({ page }) => {
    await signIn(page);
    await page.goto('/domains');
    await expect(page.getByRole('heading', { name: 'northwind.example', exact: true })).toBeVisible();
    await expectAccessible(page);

    // A public mailbox provider is refused next to the field, and what was typed stays.
    const field = page.getByLabel('Domain name');
    await field.fill('Gmail.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByText('gmail.com is a public mailbox provider')).toBeVisible();
    await expect(field).toHaveValue('Gmail.com');
    await expect(field).toHaveAttribute('aria-invalid', 'true');

    // An internationalised name is stored as punycode, pending its TXT record.
    await field.fill('Bücher-Acme.example');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const name = 'xn--bcher-acme-9db.example';
    const card = page.getByRole('article', { name });
    await expect(card).toContainText('Pending verification');
    await expect(field).toHaveValue('');
    // A hurried second Enter in the emptied field (checked below, once the server has answered a
    // later request).
    await field.press('Enter');
    const host = (await card.locator('dd code').nth(0).textContent()) ?? '';
    const value = (await card.locator('dd code').nth(1).textContent()) ?? '';
    expect(host).toBe(`_roster.${name}`);
    expect(value).toMatch(/^roster-domain-verification=[A-Za-z0-9_-]{40,}$/);
    await expectAccessible(page);

    // Verify before the record exists: failed, with the reason.
    const verify = card.getByRole('button', { name: `Verify now: ${name}` });
    await verify.click();
    await expect(card).toContainText('Verification failed');
    await expect(card).toContainText(`There is no TXT record at ${host}.`);
    await expect(verify).toBeFocused();
    // The second Enter asked nothing, and says nothing is wrong.
    await expect(page.getByText('Enter a domain name.')).toHaveCount(0);
    await expect(field).not.toHaveAttribute('aria-invalid', 'true');

    // Publish the record in the loopback DNS and verify again.
    setTxtRecord(host, ['v=spf1 -all', value]);
    await verify.click();
    await expect(card.locator('.roster-badge')).toHaveText('Verified');
    await expect(card).not.toContainText('There is no TXT record');
    await expect(verify).toBeFocused();
    await expectAccessible(page);

    // The invite wizard's domain check now lets an address on it through.
    await page.goto('/invite/accounts');
    const accounts = page.getByRole('list', { name: 'Accounts' });
    const first = ((await accounts.locator('label').nth(0).textContent()) ?? '').split(' · ')[0];
    await accounts.getByRole('checkbox').nth(0).check();
    await page.getByRole('group', { name: `Roles on ${first}` }).getByLabel('Support').check();
    await page.getByRole('button', { name: 'Next: people' }).click();
    await page.getByLabel('Email addresses').fill(`anna@${name}\nbob@unverified-acme.example`);
    const check = page.getByRole('list', { name: 'Address check' });
    await expect(check.getByRole('listitem')).toHaveCount(2);
    await expect(check.getByRole('listitem').nth(0)).toContainText('New person: a user is created and invited.');
    await expect(check.getByRole('listitem').nth(1)).toContainText('they become an external user');
  });

  test('two domains checked at once: each card waits for its own answer', async ({ page }) => {
    await signIn(page);
    await page.goto('/domains');
    const field = page.getByLabel('Domain name');
    // Added one after the other: each card stays as the next comes.
    const names = ['first-check.example', 'second-check.example'];
    for (const name of names) {
      await field.fill(name);
      await page.getByRole('button', { name: 'Add domain' }).click();
      await expect(page.getByRole('article', { name })).toContainText('Pending verification');
    }
    const [first, second] = names.map((name) => page.getByRole('article', { name }));
    // The first check's answer is held back until the second one's has come.
    const listed = (await (await page.request.get('/api/v1/domains')).json()) as { id: number; name: string }[];
    const firstId = listed.find((d) => d.name === names[0])!.id;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/domains/*/verify', async (route) => {
      if (route.request().url().includes(`/domains/${firstId}/verify`)) await held;
      await route.continue();
    });
    await first.getByRole('button', { name: `Verify now: ${names[0]}` }).click();
    await second.getByRole('button', { name: `Verify now: ${names[1]}` }).click();
    await expect(second).toContainText('Verification failed');
    await expect(first.getByRole('button', { name: `Checking…: ${names[0]}` })).toBeVisible();
    release();
    await expect(first).toContainText('Verification failed');
    await expect(second).toContainText(`There is no TXT record at _roster.${names[1]}.`);
    await expect(first).toContainText(`There is no TXT record at _roster.${names[0]}.`);
    await page.unroute('**/api/v1/domains/*/verify');
    for (const name of names) {
      const card = page.getByRole('article', { name });
      await card.getByRole('button', { name: `Remove ${name}` }).click();
      await card.getByRole('button', { name: 'Confirm removal' }).click();
      await expect(card).toHaveCount(0);
    }
  });

  test('a domain added while the list is still being read keeps its card when the list comes', async ({ page }) => {
    await signIn(page);
    // The list is read as the page opens, and its answer arrives only after the domain was added.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let read: () => void = () => {};
    const listRead = new Promise<void>((resolve) => (read = resolve));
    const list = /\/api\/v1\/domains$/;
    await page.route(list, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      read();
      await held;
      await route.fulfill({ response });
    });
    await page.goto('/domains');
    // Read by the server before the domain is added: the list does not hold it.
    await listRead;
    const name = 'added-early.example';
    await page.getByLabel('Domain name').fill(name);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByText(`Added ${name}.`)).toBeAttached();
    const card = page.getByRole('article', { name });
    release();
    await expect(page.getByRole('heading', { name: 'northwind.example', exact: true })).toBeVisible();
    await expect(card).toContainText('Pending verification');
    await page.unroute(list);
    await card.getByRole('button', { name: `Remove ${name}` }).click();
    await card.getByRole('button', { name: 'Confirm removal' }).click();
    await expect(card).toHaveCount(0);
  });

  test('remove a domain after confirming', async ({ page }) => {
    await signIn(page);
    await page.goto('/domains');
    const card = page.getByRole('article', { name: 'old-northwind.example' });
    await card.getByRole('button', { name: 'Remove old-northwind.example' }).click();
    await expect(card).toContainText('nobody at it can be invited any more');
    // Focus went with the button to the question's Confirm.
    await expect(card.getByRole('button', { name: 'Confirm removal' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByRole('article', { name: 'old-northwind.example' })).toHaveCount(0);
    // A hurried second Enter once the card went: the list has focus, where it does nothing (in
    // the name field it sent an empty domain, refused under the field).
    await expect(page.getByRole('region', { name: 'Claimed domains' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByText('Enter a domain name.')).toHaveCount(0);
    await expect(page.getByLabel('Domain name')).toHaveAttribute('aria-invalid', 'false');
  });

  test('an invitation to join sent to a domain since removed can no longer be accepted', async ({ page }) => {
    await signIn(page);
    // Sent while the domain (verified by the first test) was the organization's.
    const name = 'xn--bcher-acme-9db.example';
    const person = `ines@${name}`;
    const sent = await page.request.post('/api/v1/invitations', {
      headers: { 'x-roster-csrf': '1' },
      data: { emails: [person], accounts: [] },
    });
    expect(sent.status(), await sent.text()).toBe(200);
    const token = await invitationToken(person);
    await page.goto('/domains');
    const card = page.getByRole('article', { name });
    await card.getByRole('button', { name: `Remove ${name}` }).click();
    await card.getByRole('button', { name: 'Confirm removal' }).click();
    await expect(page.getByRole('article', { name })).toHaveCount(0);

    // Its link says why, and asks for nothing.
    await page.context().clearCookies();
    await page.goto(`/accept/${token}`);
    await expect(page.getByRole('heading', { name: 'This invitation can no longer be accepted' })).toBeVisible();
    await expect(page.getByText("The organization no longer has your address's domain verified.")).toBeVisible();
    await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
    await expectAccessible(page);
  });
});
