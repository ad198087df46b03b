// Issue "Offline-first": a tablet signs in online, syncs its caseload, loses the
// network, reloads from the service worker, opens three plans and edits them;
// back online, every edit reaches the server without any user action.
import { test, expect, addLooseAction, login, readyForOffline, startServer, workerReady, actionTitles, type TestServer } from './fixtures.ts';
import { expectAxeClean } from './checks.ts';

// Families anna (social) and bo (school) may both open: i%5 in 1, 2, 3 of the seed.
const FAMILIES = ['gel-02-nielsen', 'gel-03-jensen', 'gel-04-pedersen'];

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});


test('cold start offline from the service worker, edit three plans, sync on reconnect', async ({ browser }) => {
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  // Let the background sync bring every family to the device.
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-family-id]')).toHaveCount(22);
  await expect(page.locator('[data-never-synced]')).toHaveCount(0, { timeout: 30_000 });
  await workerReady(page);

  await anna.context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
  await expect(page.locator('[data-global-sync="offline"]')).toBeVisible();
  await expect(page.locator('[data-family-id]')).toHaveCount(22);

  for (const [i, id] of FAMILIES.entries()) {
    await page.locator(`[data-family-id="${id}"]`).click();
    await expect(page.locator('h1')).toContainText('Familien');
    await expect(page.locator('[data-sync="offline"]')).toBeVisible();
    await addLooseAction(page, `Offline-handling ${i + 1}`);
    await expect.poll(() => actionTitles(page)).toContain(`Offline-handling ${i + 1}`);
    await page.getByRole('link', { name: /Tilbage/ }).click();
    await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
  }
  await expect(page.locator('[data-global-sync="offline"]')).toHaveAttribute('data-pending', /^[1-9]/);
  await expect(page.locator('[data-global-sync]')).toContainText('ændringer venter');

  await anna.context.setOffline(false);
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', '0');

  // A second tablet (bo) sees every edit.
  const bo = await login(browser, server, 'bo');
  for (const [i, id] of FAMILIES.entries()) {
    await bo.page.goto(`/familie/${id}`);
    await expect.poll(() => actionTitles(bo.page), { timeout: 15_000 }).toContain(`Offline-handling ${i + 1}`);
  }
  await Promise.all([anna.context.close(), bo.context.close()]);
});

test('the sync pill and the caseload say how long the tablet has been offline, and keep counting', async ({ browser }) => {
  // The pill said "Offline i 0 sekunder" from the moment the network went until it came back, hours later: nothing
  // redrew it.
  const HOUR = 3_600_000;
  const { context, page } = await login(browser, server, 'frida');
  await readyForOffline(page);
  const pill = page.locator('[data-global-sync]');
  await context.setOffline(true);
  await expect(pill).toHaveAttribute('data-global-sync', 'offline');
  await expect(pill).toHaveText('Offline');
  // Hours later (the page's timers run as before; only the time it reads moves on).
  await context.clock.setFixedTime(new Date(Date.now() + 3 * HOUR + 60_000));
  await expect(pill).toHaveText('Offline i 3 timer', { timeout: 15_000 });
  // The caseload's cards say how old the device's copy is, and move on too (three hours on they still said "nu").
  await expect(page.locator('[data-last-synced]').first()).toHaveText('Sidst synkroniseret for 3 timer siden', { timeout: 15_000 });
  await context.clock.setFixedTime(new Date(Date.now() + 26 * HOUR));
  await expect(pill).toHaveText('Offline i 1 dag', { timeout: 15_000 });
  // A screen reader hears the pill when it changes state, not every minute the count moves.
  await expect(pill).toHaveAttribute('role', 'status');
  await expect(pill.locator('[aria-live="off"]')).toHaveText('i 1 dag');
  await expectAxeClean(page, 'caseload offline, with the time offline');
  await context.close();
});
