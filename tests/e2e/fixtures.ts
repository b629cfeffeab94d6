import { expect, test as base } from '@playwright/test';

/**
 * Every spec's `test`: pages run under the server's Content Security Policy, and any violation a
 * page reports (the `securitypolicyviolation` event, across every navigation of the context)
 * fails the test.
 */
export const test = base.extend<{ cspViolations: string[] }>({
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
