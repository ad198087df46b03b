// A plan the user may not open. cecilie (health: gel-01 has no consent),
// frida (Viby: another team) and eva (leader: no family content) open the
// plan's URL: each sees "Familien findes ikke, eller du har ikke adgang." and
// nothing of the plan, and the family's access log shows at most one refused
// attempt per opening, not a stream of retries. A device whose index wrongly
// lists the plan gets one refused socket, then the same message; a consent
// that has just arrived (not yet in the device's index) opens the plan.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect, login, startServer, signInLeader, type TestServer } from './fixtures.ts';

const FAMILY = 'gel-01-hansen';
const FAMILY_NAME = 'Familien Hansen';
const NOT_FOUND = 'Familien findes ikke, eller du har ikke adgang.';
/** Long enough for y-websocket's backoff (0.2, 0.4, 0.8, 1.6 s …) to have retried a refused socket several times. */
const RETRY_WINDOW_MS = 4000;

let server: TestServer;
let anna: { context: BrowserContext; page: Page };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startServer();
  anna = await login(browser, server, 'anna');
});
test.afterAll(async () => {
  await anna?.context.close();
  await server?.stop();
});

/** Refused attempts to open any part of the family, per user, from the family's access log (anna may read it). */
async function refusedAttempts(): Promise<Map<string, number>> {
  const r = await anna.context.request.get(`/api/families/${FAMILY}/access-log`);
  expect(r.status()).toBe(200);
  const { entries } = (await r.json()) as { entries: { userId: string; action: string; count: number }[] };
  const out = new Map<string, number>();
  for (const e of entries) if (e.action === 'open-refused') out.set(e.userId, (out.get(e.userId) ?? 0) + e.count);
  return out;
}

async function expectNotFound(page: Page) {
  await expect(page.locator('[data-not-found]')).toHaveText(NOT_FOUND, { timeout: 15_000 });
  await expect(page.getByRole('heading', { name: FAMILY_NAME })).toHaveCount(0);
  await expect(page.locator('[data-hope-id], [data-goal-id], [data-action-id]')).toHaveCount(0);
}

async function signedIn(browser: Browser, username: string) {
  // A leader lands on the overview, not on a caseload.
  if (username === 'eva') return login(browser, server, username, { sign: signInLeader });
  const t = await login(browser, server, username);
  // The device has run its first sync: its index speaks for the server.
  await expect(t.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  return t;
}

test('cecilie, frida and eva opening the plan’s URL see that it is not theirs, and no stream of refused attempts', async ({ browser }) => {
  test.setTimeout(90_000);
  for (const [username, userId] of [
    ['cecilie', 'u-cecilie'],
    ['frida', 'u-frida'],
    ['eva', 'u-eva']
  ] as const) {
    const t = await signedIn(browser, username);
    const before = (await refusedAttempts()).get(userId) ?? 0;
    // Twice: typing the address, and again after reloading.
    for (const open of [() => t.page.goto(`/familie/${FAMILY}`), () => t.page.reload()]) {
      await open();
      await expectNotFound(t.page);
    }
    await t.page.waitForTimeout(RETRY_WINDOW_MS);
    await expectNotFound(t.page);
    const after = (await refusedAttempts()).get(userId) ?? 0;
    expect(after - before, `${username}: refused attempts for two openings`).toBeLessThanOrEqual(2);
    await t.context.close();
  }
});

test('an index that wrongly lists the plan: one refused socket, a manifest check, then the message', async ({ browser }) => {
  const cecilie = await signedIn(browser, 'cecilie');
  // Keep the device's index as it is (the sweep would correct it), and make it list the plan.
  await cecilie.page.route('**/api/families', (route) => route.abort());
  await cecilie.page.evaluate(
    (family) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('fp-index-u-cecilie');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('families', 'readwrite');
          tx.objectStore('families').put({
            id: family,
            name: 'Familien Hansen',
            district: 'Gellerup',
            teamId: 'gellerup',
            teamName: 'Gellerup',
            status: 'aktiv',
            tovholderId: '',
            tovholderName: '',
            nextDue: '',
            overdueCount: 0,
            openActions: 0,
            lastActivity: '',
            consentStatus: 'aktiv',
            search: 'familien hansen',
            parts: [{ part: 'plan', access: 'write' }]
          });
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    FAMILY
  );
  const before = (await refusedAttempts()).get('u-cecilie') ?? 0;
  await cecilie.page.goto(`/familie/${FAMILY}`);
  await expectNotFound(cecilie.page);
  await cecilie.page.waitForTimeout(RETRY_WINDOW_MS);
  await expectNotFound(cecilie.page);
  expect((await refusedAttempts()).get('u-cecilie') ?? 0).toBe(before + 1);
  await cecilie.context.close();
});

test('a consent that has just arrived opens the plan before the device has indexed it', async ({ browser }) => {
  const cecilie = await signedIn(browser, 'cecilie');
  await expect(cecilie.page.locator(`[data-family-id="${FAMILY}"]`)).toHaveCount(0);
  // Her device does not learn of the consent from the sweep: only the page's own manifest check can.
  await cecilie.page.route('**/api/families', (route) => route.abort());
  const consent = await anna.context.request.post(`/api/families/${FAMILY}/consents`, {
    headers: { origin: server.url },
    data: { givenBy: 'Mor', categories: ['plan'], recipients: ['health'], purpose: 'Sundhedsplejen er med i familiens plan', method: 'oral', reference: 'Givet mundtligt på hjemmebesøg, noteret af Anna Holm' }
  });
  expect(consent.status()).toBe(201);
  const before = (await refusedAttempts()).get('u-cecilie') ?? 0;
  await cecilie.page.goto(`/familie/${FAMILY}`);
  await expect(cecilie.page.getByRole('heading', { level: 1, name: FAMILY_NAME })).toBeVisible({ timeout: 15_000 });
  await expect(cecilie.page.locator('[data-sync="online"]')).toBeVisible();
  await expect(cecilie.page.locator('[data-not-found]')).toHaveCount(0);
  expect((await refusedAttempts()).get('u-cecilie') ?? 0).toBe(before);
  await cecilie.context.close();
});

test('frida and eva opening the family’s print, consent and log pages get the same message, and no empty template', async ({ browser }) => {
  test.setTimeout(90_000);
  for (const [username, userId] of [
    ['frida', 'u-frida'],
    ['eva', 'u-eva']
  ] as const) {
    const t = await signedIn(browser, username);
    const before = (await refusedAttempts()).get(userId) ?? 0;
    for (const open of [() => t.page.goto(`/familie/${FAMILY}/print`), () => t.page.reload()]) {
      await open();
      await expectNotFound(t.page);
      await expect(t.page.getByText('Vores plan')).toHaveCount(0);
      await expect(t.page.getByText('I har endnu ikke fået en tovholder')).toHaveCount(0);
      await expect(t.page.getByRole('button', { name: 'Udskriv eller gem som PDF' })).toHaveCount(0);
    }
    if (username === 'frida' && process.env.SCREENSHOT_DIR) await t.page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/print-no-access.png`, fullPage: true });
    for (const part of ['samtykke', 'log']) {
      await t.page.goto(`/familie/${FAMILY}/${part}`);
      await expectNotFound(t.page);
    }
    // The device decided before any socket: not one refused opening in the family's log.
    await t.page.waitForTimeout(1000);
    expect((await refusedAttempts()).get(userId) ?? 0, `${username}: refused attempts`).toBe(before);
    await t.context.close();
  }
});
