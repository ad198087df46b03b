// Every route cold-starts with the network off. The service worker answers a
// navigation offline with the one cached shell, so that shell must load its
// scripts and register the worker by absolute paths: a relative `./_app/…`
// resolved under `/familie/<id>/` and left a blank page.
import type { Page } from '@playwright/test';
import { test, expect, login, startServer, workerReady, signInLeader, type TestServer } from './fixtures.ts';

const FAMILY = 'gel-01-hansen';
const FAMILY_NAME = 'Familien Hansen';
const SCREENSHOTS = process.env.SCREENSHOT_DIR;

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function expectPlan(page: Page) {
  await expect(page.getByRole('heading', { level: 1, name: FAMILY_NAME })).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('[data-hope-id]').first()).toBeVisible();
  await expect(page.locator('[data-goal-id]').first()).toBeVisible();
}

async function expectPrint(page: Page) {
  await expect(page.getByRole('heading', { level: 1, name: `Vores plan · ${FAMILY_NAME}` })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Det håber vi på' })).toBeVisible();
  await expect(page.locator('.print-plan q').first()).toBeVisible();
}

test('a worker’s deep links cold-start offline: plan, print, consent, access log, caseload', async ({ browser }) => {
  test.setTimeout(90_000);
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  // The shell's inline script must match the CSP hash on every route (one shell serves them all offline).
  const refused: string[] = [];
  anna.context.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
  });
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await workerReady(page);
  // The first online visit of the deep links themselves.
  await page.goto(`/familie/${FAMILY}`);
  await expectPlan(page);
  await page.goto(`/familie/${FAMILY}/print`);
  await expectPrint(page);

  await anna.context.setOffline(true);
  await page.goto(`/familie/${FAMILY}`);
  await expectPlan(page);
  await expect(page.locator('[data-sync="offline"]')).toBeVisible();
  await page.reload();
  await expectPlan(page);

  await page.goto(`/familie/${FAMILY}/print`);
  await expectPrint(page);
  await page.reload();
  await expectPrint(page);
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/print-offline.png`, fullPage: true });

  // A new tab opened on the deep link, with the network still off.
  for (const path of [`/familie/${FAMILY}`, `/familie/${FAMILY}/print`]) {
    const tab = await anna.context.newPage();
    await tab.goto(path);
    if (path.endsWith('/print')) await expectPrint(tab);
    else await expectPlan(tab);
    await tab.close();
  }
  // Closing a page lifts Chromium's emulated offline state for a moment (logout.spec): set it again.
  await anna.context.setOffline(true);

  // The family's other pages need the server for their content and say so; they are never blank.
  await page.goto(`/familie/${FAMILY}/samtykke`);
  await expect(page.getByRole('heading', { level: 1, name: `Samtykke · ${FAMILY_NAME}` })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(/Samtykkerne kan ikke hentes uden forbindelse/)).toBeVisible();
  await page.goto(`/familie/${FAMILY}/log`);
  await expect(page.getByRole('heading', { level: 1, name: 'Hvem har set vores oplysninger' })).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('[data-log-problem]')).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
  await expect(page.locator(`[data-family-id="${FAMILY}"]`)).toBeVisible();
  expect(refused).toEqual([]);
  await anna.context.close();
});

test('the leader’s overview pages cold-start offline and say the figures need a connection', async ({ browser }) => {
  const { context, page } = await login(browser, server, 'eva', { sign: signInLeader });
  await workerReady(page);

  await context.setOffline(true);
  for (const path of ['/overblik', '/overblik/medarbejder/u-anna', '/overblik/rapport']) {
    await page.goto(path);
    await expect(page.getByRole('button', { name: 'Log ud' })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('alert')).toContainText('Ingen forbindelse til serveren.');
  }
  await context.close();
});

test('the login page cold-starts offline', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Log ind' })).toBeVisible();
  await workerReady(page);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Log ind' })).toBeVisible({ timeout: 15_000 });
  // A deep link with nobody signed in lands on the login page too.
  await page.goto(`/familie/${FAMILY}/print`);
  await expect(page.getByRole('button', { name: 'Log ind' })).toBeVisible({ timeout: 15_000 });
  await context.close();
});
