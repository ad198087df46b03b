import { test, expect } from '@playwright/test';
import { startServer, type TestServer } from './fixtures.ts';
let server: TestServer;
test.beforeAll(async () => { server = await startServer(); });
test.afterAll(async () => { await server?.stop(); });
test('debug', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  page.on('console', (m) => console.log('CONSOLE', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message, e.stack));
  await page.goto('/login');
  await page.getByLabel('Brugernavn').fill('maria');
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForTimeout(4000);
  console.log('URL', page.url());
  await page.screenshot({ path: '/tmp/vp.png', fullPage: true });
});
