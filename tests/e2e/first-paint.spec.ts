// The caseload's first paint before the app (issue #19; src/first-paint.js):
// a reload shows the caseload as the app last drew it, sealed on the device,
// inert, and the app takes over without both ever being on the page at once.
// It stands in only for what the app would show now (tests/unit/first-paint.test.ts:
// not after a write or a purge, a lease's end, another day or build), and
// never for another user of the tablet.
import type { Page } from '@playwright/test';
import { test, expect, serverWithTablets, signIn } from './fixtures.ts';
import { databaseNames } from './checks.ts';

const TABLET = { width: 1280, height: 800 };
const SYNCED = { timeout: 30_000 };

const spec = serverWithTablets(TABLET);

/** Records, at every change of the page, whether the kept screen and the app's own list were there together. */
const WATCH_BOTH = `
  window.__both = false;
  new MutationObserver(() => {
    if (document.querySelector('#first-paint:not([hidden]) a[data-family-id]') && document.querySelector('[data-app-root] a[data-family-id]')) window.__both = true;
  }).observe(document, { subtree: true, childList: true, attributes: true });
`;

/** Until the caseload has kept its screen for the next load (at idle, after the list is drawn), as of the rows now (the fence). */
async function kept(page: Page, userId: string) {
  await expect
    .poll(
      () =>
        page.evaluate(async (id) => {
          const db = await new Promise<IDBDatabase>((res, rej) => {
            const r = indexedDB.open(`fp-index-${id}`);
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
          const store = db.transaction('bundles').objectStore('bundles');
          const get = (key: string) =>
            new Promise<{ s?: Uint8Array; fence?: Uint8Array } | undefined>((res) => {
              const g = store.get(key);
              g.onsuccess = () => res(g.result);
            });
          const [view, fence] = [await get('caseload-view'), await get('caseload-fence')];
          db.close();
          return !!view?.fence && !!fence?.s && view.fence.join() === fence.s.join();
        }, userId),
      SYNCED
    )
    .toBe(true);
}

test('a reload shows the kept caseload at once, inert, and the app takes over without a second list', async ({ browser }) => {
  const anna = await spec.tablet(browser, 'anna');
  const page = anna.page;
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible(SYNCED);
  await kept(page, 'u-anna');
  await anna.context.addInitScript({ content: WATCH_BOTH });

  await page.reload({ waitUntil: 'commit' });
  await page.waitForFunction(() => document.readyState !== 'loading');
  expect(await page.evaluate(() => (window as unknown as { __firstPaint?: Promise<boolean> }).__firstPaint)).toBe(true);
  const host = page.locator('#first-paint');
  // Still standing in: inert, hidden from assistive technology, and without the sync state it was drawn with. Read
  // in one go: the app may take over between two reads (it did, once, after the first of three checks).
  const standIn = await page.evaluate(() => {
    const el = document.getElementById('first-paint');
    return el && { inert: el.hasAttribute('inert'), ariaHidden: el.getAttribute('aria-hidden'), syncStates: el.querySelectorAll('[data-global-sync]').length };
  });
  if (standIn) expect(standIn).toEqual({ inert: true, ariaHidden: 'true', syncStates: 0 });

  // The app's own list replaces it: the same families, and the page works.
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible(SYNCED);
  await expect(host).toHaveCount(0);
  await expect(page.locator('a[data-family-id="gel-02-nielsen"]')).toBeVisible();
  await page.locator('#family-search').fill('Nielsen');
  await expect(page.locator('ul.families a[data-family-id]')).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { __both: boolean }).__both)).toBe(false);
  await page.screenshot({ path: test.info().outputPath('after-first-paint.png') });
});

test('the next user of the tablet never sees the screen kept for the one before', async ({ browser }) => {
  const anna = await spec.tablet(browser, 'anna');
  const page = anna.page;
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible(SYNCED);
  await kept(page, 'u-anna');
  // Whose screen the kept one is, whenever one is shown (the header names who is signed in).
  await anna.context.addInitScript({
    content: `
      window.__keptFor = [];
      new MutationObserver(() => {
        const who = document.querySelector('#first-paint:not([hidden]) .who');
        if (who) window.__keptFor.push(who.textContent);
      }).observe(document, { subtree: true, childList: true, attributes: true });
    `
  });

  // anna logs out; bo signs in on the same tablet and reloads his caseload.
  await page.getByRole('button', { name: 'Log ud' }).click();
  await expect(page.getByLabel('Brugernavn')).toBeVisible(SYNCED);
  expect(await databaseNames(page)).not.toContain('fp-index-u-anna');
  await signIn(page, 'bo');
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible(SYNCED);
  await kept(page, 'u-bo');
  await page.reload({ waitUntil: 'commit' });
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible(SYNCED);
  const keptFor = await page.evaluate(() => (window as unknown as { __keptFor: string[] }).__keptFor);
  // His own screen may stand in; anna's never.
  expect(keptFor.every((who) => who.includes('Bo Lindqvist'))).toBe(true);
  expect(keptFor.length).toBeGreaterThan(0);
});
