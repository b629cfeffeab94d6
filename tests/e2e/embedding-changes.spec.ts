import { expect, test } from './fixtures';
import { HOST_ORIGIN, hostToken, OWNER, ROSTER_ORIGIN } from './helpers';

// Changes made in a Roster embedded by a host page on another origin, and what the host hears.
test.describe('embedded, changing data', () => {
  test('inviting from the embedded console: the host hears roster:invitations-sent with the counts', async ({ page, request }) => {
    await page.exposeFunction('hostToken', () => hostToken(OWNER));
    await page.goto(`${HOST_ORIGIN}/element?router-base=/element&initial-path=/invite/accounts`);
    await page.getByRole('button', { name: 'Next: people' }).click();
    await page.getByLabel('Email addresses').fill('embedded.one@northwind.example\nembedded.two@northwind.example\nsomeone@gmail.example');
    await expect(page.getByText('2 addresses can be invited; 1 cannot.')).toBeVisible();
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('heading', { name: 'People to invite (2)' })).toBeVisible();
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await expect(page.getByText('2 invited, 0 re-invited, 0 failed.')).toBeVisible();
    const sent = await page.evaluate(() =>
      (window as unknown as { rosterEvents: { type: string; detail: unknown }[] }).rosterEvents.filter(
        (e) => e.type === 'roster:invitations-sent',
      ),
    );
    expect(sent).toEqual([{ type: 'roster:invitations-sent', detail: { invited: 2, failed: 0 }, target: 'console' }]);

    // Leave no fresh invitation behind for the specs that resend the oldest pending ones.
    const headers = { authorization: `Bearer ${hostToken(OWNER)}`, 'x-roster-csrf': '1' };
    const invited = (await (
      await request.get(`${ROSTER_ORIGIN}/api/v1/users?view=invited&q=embedded.&limit=10`, { headers })
    ).json()).items as { invitation: { id: number } }[];
    expect(invited).toHaveLength(2);
    const revoked = await request.post(`${ROSTER_ORIGIN}/api/v1/invitations/revoke`, {
      headers,
      data: { ids: invited.map((u) => u.invitation.id) },
    });
    expect(revoked.status(), await revoked.text()).toBe(200);
  });
});
