import { expect, test as base } from '@playwright/test';

/**
 * Every spec's `test`: pages run under the server's Content Security Policy, and any violation a
 * page reports (the `securitypolicyviolation` event, across every navigation of the context)
 * fails the test. Navigations wait for the app to replace the server's first paint.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  // The server's first paint of the Managed list is a picture of the page that takes no clicks;
  // the specs act on the app. So a navigation waits for the app to take the picture's place,
  // unless it asks for no more than the answer's arrival (`waitUntil: 'commit'`).
  page: async ({ page }, use) => {
    const appInPlace = () => page.locator('body > .roster-first-paint').waitFor({ state: 'detached', timeout: 15_000 });
    const goto = page.goto.bind(page);
    page.goto = async (url, options) => {
      const response = await goto(url, options);
      if (options?.waitUntil !== 'commit') await appInPlace();
      return response;
    };
    const reload = page.reload.bind(page);
    page.reload = async (options) => {
      const response = await reload(options);
      if (options?.waitUntil !== 'commit') await appInPlace();
      return response;
    };
    await use(page);
  },
  cspViolations: [
    async ({ context }, use) => {
      const violations: string[] = [];
      await context.exposeBinding('__rosterCspViolation', (_source, text: string) => {
        violations.push(text);
      });
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const report = (window as unknown as { __rosterCspViolation: (text: string) => void }).__rosterCspViolation;
          report(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline code'} (${event.sourceFile}:${event.lineNumber})`);
        });
      });
      await use(violations);
      expect(violations, `Content Security Policy violations:\n${violations.join('\n')}`).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
