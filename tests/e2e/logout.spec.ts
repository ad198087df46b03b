// Logout removes this user's family data from the device, after warning about
// anything not yet sent.
import { test, expect } from '@playwright/test';
import { login, startServer, type TestServer } from './fixtures.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

const databases = (page: import('@playwright/test').Page) =>
  page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));

test('logout warns about unsent edits and then clears local family data', async ({ browser }) => {
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  expect((await databases(page)).some((n) => n.startsWith('f-gel-'))).toBe(true);
  expect(await databases(page)).toContain('fp-index-u-anna');

  // An edit made offline is not on the server: logout asks first, and "cancel" keeps everything.
  await page.goto('/familie/gel-01-hansen');
  await anna.context.setOffline(true);
  await page.getByPlaceholder('Ny handling').fill('Ikke sendt endnu');
  await page.getByRole('button', { name: 'Tilføj handling' }).click();
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByRole('button', { name: 'Log ud' }).click();
  await expect.poll(() => asked).toContain('ikke sendt');
  await expect(page.getByRole('button', { name: 'Log ud' })).toBeVisible();

  // Back online the edit is sent, and logout clears the device without asking.
  await anna.context.setOffline(false);
  await expect(page.locator('[data-sync="online"]')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', '0', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Log ud' }).click();
  await expect(page.getByRole('button', { name: 'Log ind' })).toBeVisible();
  await expect.poll(async () => (await databases(page)).filter((n) => n.startsWith('f-') || n.startsWith('fp-index-'))).toEqual([]);
  await anna.context.close();
});
