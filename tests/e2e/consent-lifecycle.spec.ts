// Consent over time, on the device: an expiring consent is flagged and
// renewed in one step; a consent's end purges the family from a tablet that
// is offline when it passes; a tablet that has not reached the server within
// its lease locks and purges all family data, and unlocks once back online.
// The tablet's clock is moved with Playwright's clock; the server's lease is
// 30 days here so the consents' ends (15–20 days ahead in the demo seed) come
// first.
import type { Page } from '@playwright/test';
import { test, expect, login, startServer, workerReady, type TestServer } from './fixtures.ts';

const TABLET = { width: 768, height: 1024 };
const DAY = 86_400_000;

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer({ env: { LEASE_DAYS: '30' } });
});
test.afterAll(async () => {
  await server?.stop();
});

/** Room databases (y-indexeddb) in this browser profile and the user's Dexie family rows. */
function local(page: Page, userId: string) {
  return page.evaluate(async (userId) => {
    const rooms = (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('f-'));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(`fp-index-${userId}`);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const families = await new Promise<string[]>((resolve, reject) => {
      const r = db.transaction('families', 'readonly').objectStore('families').getAllKeys();
      r.onsuccess = () => resolve(r.result.map(String));
      r.onerror = () => reject(r.error);
    });
    db.close();
    return { rooms, families };
  }, userId);
}

test('an expiring consent is flagged and renewed in one step', async ({ browser }) => {
  const anna = await login(browser, server, 'anna', { viewport: TABLET });
  const page = anna.page;
  await page.goto('/familie/gel-04-pedersen/samtykke');
  const expiring = page.locator('[data-consent-group="udloeber"] [data-consent-id]');
  await expect(expiring).toHaveCount(1);
  await expect(expiring).toContainText(/Udløber om \d+ dage/);
  // Opened by keyboard and cancelled: the focus is back on "Forny" (the consents' buttons are drawn anew after the
  // form, and it went to "Registrér nyt samtykke").
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  const renewId = `renew-${await expiring.getAttribute('data-consent-id')}`;
  await expiring.getByRole('button', { name: 'Forny' }).press('Enter');
  await expect.poll(focused).toBe('consent-given-by');
  await page.getByRole('button', { name: 'Annuller' }).press('Enter');
  await expect.poll(focused).toBe(renewId);
  await expiring.getByRole('button', { name: 'Forny' }).click();
  await expect(page.getByRole('heading', { name: 'Forny samtykke · Familien Pedersen' })).toBeVisible();
  // The renewal starts from the consent it renews.
  await expect(page.getByRole('checkbox', { name: /^Familiens plan/ })).toBeChecked();
  for (const who of ['Skole og PPR', 'Sundhedsplejen', 'Jobcentret']) {
    await expect(page.getByRole('checkbox', { name: who, exact: true })).toBeChecked();
  }
  await expect(page.getByRole('checkbox', { name: 'Socialområdet', exact: true })).not.toBeChecked();
  await page.getByRole('radio', { name: 'Har skrevet under på papir' }).check();
  await page.getByLabel(/Hvor er papiret arkiveret/).fill('Journalnr. 27.12.04-P20-7-25, fornyet');
  await page.getByRole('button', { name: 'Gem samtykket' }).click();
  await expect(page.locator('[data-consent-notice]')).toHaveText('Samtykket er gemt og gælder nu.');
  await expect(page.locator('[data-consent-group="udloeber"]')).toHaveCount(0);
  // The renewed consent's "Forny" is gone with the renewal: the focus is on "Registrér nyt samtykke".
  await expect.poll(focused).toBe('consent-new');
  const active = page.locator('[data-consent-group="aktiv"] [data-consent-id]');
  await expect(active).toHaveCount(2);
  await expect(active.filter({ hasText: 'Fornyer et tidligere samtykke' })).toHaveCount(1);
  await expect(active.filter({ hasText: 'Fornyet – det nye samtykke gælder til og med' })).toHaveCount(1);
  await page.screenshot({ path: 'test-results/consent-renewed.png', fullPage: true });
  await anna.context.close();
});

test('a consent’s end purges the family from an offline tablet; a lapsed lease locks all family data until back online', async ({ browser }) => {
  test.setTimeout(120_000);
  const bo = await login(browser, server, 'bo', { viewport: TABLET });
  const page = bo.page;
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-never-synced]')).toHaveCount(0, { timeout: 30_000 });
  await workerReady(page);
  const before = await local(page, 'u-bo');
  // Seeded consents ending 15–20 days ahead (gel-09, gel-14, gel-19); gel-04's was renewed above.
  for (const id of ['gel-09-rasmussen', 'gel-14-thomsen', 'gel-04-pedersen', 'gel-02-nielsen']) expect(before.families).toContain(id);

  // Three weeks pass without a connection.
  await bo.context.setOffline(true);
  await bo.context.clock.setFixedTime(new Date(Date.now() + 21 * DAY));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
  await expect(page.locator('[data-purged]')).toContainText('Familien Rasmussen');
  await expect(page.locator('[data-purged]')).toContainText('Familien Thomsen');
  // The device knows why: it was the consents' end, not a withdrawal.
  await expect(page.locator('[data-purged]')).toContainText('Data er fjernet fra denne enhed, fordi samtykket er udløbet: Familien');
  await page.screenshot({ path: test.info().outputPath('purged-notice-768.png') });
  await expect.poll(async () => (await local(page, 'u-bo')).families).not.toContain('gel-09-rasmussen');
  const after = await local(page, 'u-bo');
  expect(after.families).not.toContain('gel-14-thomsen');
  expect(after.rooms.filter((r) => r.startsWith('f-gel-09-') || r.startsWith('f-gel-14-'))).toEqual([]);
  expect(after.families).toEqual(expect.arrayContaining(['gel-04-pedersen', 'gel-02-nielsen']));
  await expect(page.locator('[data-family-id="gel-09-rasmussen"]')).toHaveCount(0);
  await expect(page.locator('[data-family-id="gel-02-nielsen"]')).toBeVisible();

  // A month passes: the lease (30 days here) has run out.
  await bo.context.clock.setFixedTime(new Date(Date.now() + 31 * DAY));
  await page.reload();
  await expect(page.locator('[data-lease-locked]')).toContainText('Familiernes data er låst og fjernet fra enheden');
  await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toHaveCount(0);
  await expect.poll(() => local(page, 'u-bo')).toEqual({ rooms: [], families: [] });
  await page.screenshot({ path: 'test-results/lease-locked.png' });

  // Back online (and the clock right again): the server renews the lease and the data returns.
  await bo.context.clock.setFixedTime(new Date());
  await bo.context.setOffline(false);
  await expect(page.locator('[data-lease-locked]')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.locator('[data-family-id="gel-02-nielsen"]')).toBeVisible({ timeout: 20_000 });
  await bo.context.close();
});
