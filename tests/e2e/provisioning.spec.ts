import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, signIn, pressConfirm } from './helpers';

test.describe('Provisioning', () => {
  test('an Owner makes a provisioning token, an identity provider creates a user with it, and revoking it stops it', async ({
    page,
    playwright,
    baseURL,
  }) => {
    await signIn(page);
    await page.goto('/users/managed');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provisioning' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Provisioning' })).toBeVisible();
    await expect(page.getByLabel('SCIM base URL')).toHaveValue(/\/scim\/v2$/);
    await expect(page.getByText('There are no provisioning tokens yet.')).toBeVisible();
    await expectAccessible(page);

    // A nameless token is refused next to the field, which keeps the focus path.
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText('Name the token')).toBeVisible();
    await page.getByLabel('Token name').fill('Okta');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token').inputValue();
    expect(secret).toMatch(/^roster_scim_/);
    await expect(page.getByRole('rowheader', { name: 'Okta' })).toBeVisible();
    await expectAccessible(page);

    // The identity provider creates a user; the console lists them at once.
    const idp = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
    });
    const created = await idp.post('/scim/v2/Users', {
      data: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'provisioned.person@northwind.example',
        name: { givenName: 'Provisioned', familyName: 'Person' },
        externalId: 'okta-00u1',
      },
    });
    expect(created.status()).toBe(201);
    const person = (await created.json()) as { id: string };
    await page.goto('/users/managed?q=provisioned.person');
    await expect(page.getByRole('link', { name: 'Provisioned Person' })).toBeVisible();
    await page.goto('/audit?action=user.provisioned');
    await expect(page.getByRole('rowheader', { name: 'SCIM · Okta' }).first()).toBeVisible();

    // The identity provider deletes them again (later specs find the demo's members as before).
    expect((await idp.delete(`/scim/v2/Users/${person.id}`)).status()).toBe(204);
    await page.goto('/users/managed?q=provisioned.person');
    await expect(page.getByRole('link', { name: 'Provisioned Person' })).toHaveCount(0);

    // The listing shows when it was last used; revoking stops the identity provider at once.
    await page.goto('/provisioning');
    await expect(page.getByRole('row', { name: /Okta/ })).not.toContainText('—');
    await page.getByRole('button', { name: 'Revoke token Okta' }).click();
    await expect(page.getByText('The identity provider using it stops provisioning at once.')).toBeVisible();
    // Focus went with the button to Confirm, and stays in the row once it is revoked.
    await expect(page.getByRole('button', { name: 'Confirm revoke' })).toBeFocused();
    await pressConfirm(page);
    await expect(page.getByRole('row', { name: /Okta/ })).toContainText('Revoked');
    await expect(page.getByRole('row', { name: /Okta/ }).locator('[data-focus-key]')).toBeFocused();
    await expect(page.getByRole('status').filter({ hasText: 'Token revoked.' })).toHaveCount(1);
    expect((await idp.get('/scim/v2/Users?count=1')).status()).toBe(401);
    await idp.dispose();
  });
});
