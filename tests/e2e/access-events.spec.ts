// Access changes reach open devices at once (DESIGN §8): two tablets, anna
// (social, case owner) and cecilie (health). Cecilie's caseload list is open;
// anna records a consent for the health sector and cecilie's list shows the
// family within a few seconds, without a reload; anna withdraws it and the
// family leaves cecilie's list the same way — also in her second tab, which
// has no stream of its own (one per browser, passed on to the other tabs).
// The 60 s sweep cannot be what shows it: the events come seconds after her
// sign-in, while her first sweep may still be syncing her caseload.
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, login, startServer, type TestServer } from './fixtures.ts';
import { databaseNames } from './checks.ts';

const TABLET = { width: 768, height: 1024 };
/**
 * "A few seconds", well under the sweep's 60 s: ≈ 0.75 s on a quiet machine,
 * room left for a shared CI box running several browsers.
 */
const AT_ONCE = { timeout: 10_000 };

let server: TestServer;
let anna: { context: BrowserContext; page: Page };
let cecilie: { context: BrowserContext; page: Page };

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await Promise.all([anna, cecilie].map((t) => t?.context.close()));
  await server?.stop();
});

/** A request from anna's tablet with her cookie and the app's Origin, as the app sends it. */
async function asAnna(path: string, data: unknown) {
  const res = await anna.context.request.post(path, { data, headers: { origin: server.url } });
  expect(res.status(), await res.text()).toBeLessThan(300);
  return res.json();
}

test('a consent shows the family on a colleague’s open list without a reload, and its withdrawal removes it', async ({ browser }) => {
  test.setTimeout(120_000);
  anna = await login(browser, server, 'anna', { viewport: TABLET });
  cecilie = await login(browser, server, 'cecilie', { viewport: TABLET });
  const list = cecilie.page;
  // No waiting for her caseload to finish syncing: an event during that first sweep must not wait for it either.

  // gel-06 was opened by social and has no consent: cecilie (health) does not see it.
  const families = (await (await anna.context.request.get('/api/families')).json()).families as { id: string; name: string }[];
  const family = families.find((f) => f.id.startsWith('gel-06-'));
  if (!family) throw new Error('seeded family gel-06 missing');
  const card = list.locator(`[data-family-id="${family.id}"]`);
  await expect(list.locator('[data-family-id]').first()).toBeVisible();
  await expect(card).toHaveCount(0);
  const tab2 = await cecilie.context.newPage();
  await tab2.goto('/');
  const card2 = tab2.locator(`[data-family-id="${family.id}"]`);
  await expect(tab2.locator('[data-family-id]').first()).toBeVisible();
  await expect(card2).toHaveCount(0);
  // Survives only as long as the page is not reloaded.
  for (const p of [list, tab2]) await p.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  const recorded = Date.now();
  const consent = await asAnna(`/api/families/${family.id}/consents`, {
    givenBy: 'Mor',
    categories: ['plan'],
    recipients: ['health'],
    purpose: 'Sundhedsplejen følger barnets trivsel sammen med familien',
    method: 'paper',
    reference: 'Journalnr. 27.12.04-P20-6-25'
  });
  await expect(card).toBeVisible(AT_ONCE);
  await expect(card).toContainText(family.name);
  const shownAfter = Date.now() - recorded;
  await expect(card2).toBeVisible(AT_ONCE);
  // The withdrawal's notice is about data the device holds: wait until the background sync has fetched the plan's copy.
  await expect
    .poll(() => databaseNames(list).then((names) => names.includes(`f-${family.id}.plan`)), { timeout: 30_000 })
    .toBe(true);

  await asAnna(`/api/families/${family.id}/consents/${consent.id}/revoke`, {});
  await expect(card).toHaveCount(0, AT_ONCE);
  await expect(card2).toHaveCount(0, AT_ONCE);
  await expect(list.locator('[data-purged]')).toContainText(family.name);

  for (const p of [list, tab2]) expect(await p.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  test.info().annotations.push({ type: 'shown after', description: `${shownAfter} ms` });
});
