// A page load on a weak signal (src/lib/sw/navigation.ts): the network holds
// the page's answer, as one bar in a family's kitchen does; the service worker
// answers with the shell it cached after 3 s, and the caseload and a plan show
// from the device instead of waiting for the network.
import { test, expect, login, readyForOffline, startServer, type TestServer } from './fixtures.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** how long the network holds a page's answer: far longer than the worker waits */
const HELD_MS = 20_000;

test('a page load the network holds shows the caseload and a plan from the device within seconds', async ({ browser }) => {
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  await readyForOffline(page);
  let held = 0;
  // Only the worker's request for a page is held (its own fetch, which Chromium lets a context route); the API is not.
  await anna.context.route(
    (url) => url.pathname === '/' || url.pathname.startsWith('/familie/'),
    async (route) => {
      if (!route.request().serviceWorker()) return route.continue();
      held++;
      await new Promise((resolve) => setTimeout(resolve, HELD_MS));
      await route.continue().catch(() => undefined); // the test may have ended
    }
  );

  for (const [path, shown] of [
    ['/', page.getByRole('heading', { name: 'Mine familier', exact: true })],
    ['/familie/gel-02-nielsen', page.locator('h1', { hasText: 'Familien Nielsen' })]
  ] as const) {
    const t0 = Date.now();
    await page.goto(path, { waitUntil: 'commit', timeout: HELD_MS });
    await expect(shown).toBeVisible({ timeout: 8_000 });
    const ms = Date.now() - t0;
    console.log(`${path} shown after ${ms} ms with the network holding the page`);
    expect(ms).toBeLessThan(HELD_MS / 2);
  }
  // The worker asked the network each time (and did not wait for it).
  expect(held).toBe(2);
  // What it shows is the device's: every family of the caseload.
  await page.goto('/', { waitUntil: 'commit', timeout: HELD_MS });
  await expect(page.locator('[data-family-id]')).toHaveCount(22);
  await anna.context.close();
});
