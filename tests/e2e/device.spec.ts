// Data on the device (DESIGN §13): what a tablet stores is sealed (no family
// name, hope or journal word in any IndexedDB database); a device reported
// lost from another session closes the plan, is refused the key and wipes at
// its next contact; an edit made offline just before the lease ends is kept,
// sealed, and reaches the server after the next contact.
import type { Page } from '@playwright/test';
import { test, expect, addLooseAction, login, startServer, readyForOffline, openPlanOnline, signIn, type TestServer } from './fixtures.ts';
import { databaseNames } from './checks.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/**
 * Every database in this browser profile, every store, every record and key:
 * strings as they are, binary values decoded as UTF-8 and as Latin-1 (Yjs
 * stores text as UTF-8). Returns the words found, and how much was scanned.
 */
function scanIndexedDb(page: Page, words: string[]) {
  return page.evaluate(async (words) => {
    const found = new Set<string>();
    let records = 0;
    let bytes = 0;
    const utf8 = new TextDecoder('utf-8', { fatal: false });
    const latin1 = new TextDecoder('latin1');
    const check = (text: string) => {
      const lower = text.toLowerCase();
      for (const w of words) if (lower.includes(w.toLowerCase())) found.add(w);
    };
    const visit = (v: unknown, depth: number): void => {
      if (depth > 20 || v === null || v === undefined) return;
      if (typeof v === 'string') return check(v);
      if (typeof v === 'number' || typeof v === 'boolean') return;
      if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
        const u8 = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        bytes += u8.byteLength;
        check(utf8.decode(u8));
        check(latin1.decode(u8));
        return;
      }
      if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) return;
      if (v instanceof Date) return;
      if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
      if (typeof v === 'object') for (const [k, x] of Object.entries(v)) (check(k), visit(x, depth + 1));
    };
    const names = (await indexedDB.databases()).map((d) => d.name ?? '');
    for (const name of names) {
      check(name);
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of db.objectStoreNames) {
        check(store);
        const tx = db.transaction(store, 'readonly');
        const [values, keys] = await Promise.all(
          [tx.objectStore(store).getAll(), tx.objectStore(store).getAllKeys()].map(
            (r) =>
              new Promise<unknown[]>((resolve, reject) => {
                r.onsuccess = () => resolve(r.result as unknown[]);
                r.onerror = () => reject(r.error);
              })
          )
        );
        records += values.length;
        values.forEach((v) => visit(v, 0));
        keys.forEach((k) => visit(k, 0));
      }
      db.close();
    }
    return { found: [...found].sort(), databases: names.sort(), records, bytes };
  }, words);
}

test('after sync the raw IndexedDB holds no family name, hope text or journal word', async ({ browser }) => {
  test.setTimeout(120_000);
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  const NAME = 'Qvistgaard';
  const HOPE = 'kolonihave';
  const JOURNAL = 'Xylofonlektion';

  await page.getByRole('link', { name: 'Ny familie' }).click();
  await page.getByLabel('Familiens navn').fill(`Familien ${NAME}`);
  await page.getByRole('button', { name: 'Opret' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Familien ${NAME}` })).toBeVisible();
  const familyId = new URL(page.url()).pathname.split('/').at(-1) as string;

  // The plan reads first: the hope's form opens on demand (issue #20).
  await page.getByRole('button', { name: '+ Tilføj håb' }).click();
  const hopeForm = page.getByRole('form', { name: 'Tilføj håb eller drøm' });
  await hopeForm.getByLabel('Tilføj håb eller drøm').fill(`Vi drømmer om en ${HOPE} ved søen.`);
  await hopeForm.getByLabel('Sagt af').fill('mor');
  await hopeForm.getByRole('button', { name: 'Gem' }).click();
  await expect(page.locator('[data-voice="family"] [data-hope-text]').first()).toHaveText(`Vi drømmer om en ${HOPE} ved søen.`);

  await page.getByRole('link', { name: 'Journal: Socialområdet' }).click();
  const social = page.locator('[data-journal="social"]');
  await expect(social).toHaveAttribute('data-access', 'write');
  await expect(page.locator('[data-sync="online"]').last()).toBeVisible({ timeout: 15_000 });
  await social.getByLabel('Tekst').fill(`Samtale om ${JOURNAL} i fritiden.`);
  await social.getByRole('button', { name: 'Tilføj notat' }).click();
  await expect(social.locator('[data-entry-id]').first()).toContainText(JOURNAL, { timeout: 15_000 });

  // Everything is on the server, the caseload's index has the family, the plan's view copy is stored.
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', '0', { timeout: 30_000 });
  await page.locator('[data-link="plan"]').click();
  await page.waitForTimeout(1500);
  await page.goto('/');
  await expect(page.locator(`a[data-family-id="${familyId}"]`)).toContainText(NAME);
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });

  const scan = await scanIndexedDb(page, [NAME, HOPE, JOURNAL]);
  // The device does hold the family: its rooms and the index, in some hundred records.
  expect(scan.databases).toEqual(expect.arrayContaining([`f-${familyId}.plan`, `f-${familyId}.social`, 'fp-index-u-anna', 'fp-keys']));
  expect(scan.records).toBeGreaterThan(50);
  expect(scan.found).toEqual([]);

  // And the app still shows it, offline too (the key is kept while the lease runs).
  await anna.context.setOffline(true);
  await page.goto(`/familie/${familyId}`);
  await expect(page.locator('[data-voice="family"] [data-hope-text]').first()).toHaveText(`Vi drømmer om en ${HOPE} ved søen.`);
  await anna.context.setOffline(false);
  await anna.context.close();
});

test('a device reported lost from another session closes its plan, is refused the key and wipes at its next contact', async ({ browser }) => {
  test.setTimeout(120_000);
  const tablet = await login(browser, server, 'anna');
  await expect(tablet.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await openPlanOnline(tablet.page, 'gel-01-hansen');
  const tabletId = await tablet.page.evaluate(() => localStorage.getItem('fp-device-id'));
  expect(tabletId).toBeTruthy();
  expect((await databaseNames(tablet.page)).some((n) => n.startsWith('f-gel-'))).toBe(true);

  // Anna, on her phone, sees the tablet and reports it lost: the list fits the phone's screen, its button in reach.
  // The phone's key request (which registers it) is slow: the list opened at once waits for it and marks this phone.
  const officeContext = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 } });
  await officeContext.route('**/api/device/key', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => undefined); // the test may have ended
  });
  const office = { context: officeContext, page: await officeContext.newPage() };
  await signIn(office.page, 'anna');
  await office.page.getByRole('link', { name: 'Enheder' }).click();
  const row = office.page.locator(`tr[data-device-id="${tabletId}"]`);
  await expect(row).toBeVisible();
  expect(await office.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const lostButton = (await row.getByRole('button', { name: 'Meld bortkommet' }).boundingBox()) ?? { x: 0, width: Infinity };
  expect(lostButton.x + lostButton.width).toBeLessThanOrEqual(390);
  await expect(office.page.locator('[data-current-device]')).toHaveCount(1);
  await expect(row.locator('[data-current-device]')).toHaveCount(0);
  await row.getByRole('button', { name: 'Meld bortkommet' }).click();
  const question = office.page.getByRole('alertdialog', { name: /Meld “.*” bortkommet\?/ });
  await expect(question).toContainText('får aldrig adgang til familiernes oplysninger igen');
  // "Fortryd" keeps the device and gives the focus back to the button that asked.
  await expect(question.getByRole('button', { name: 'Fortryd' })).toBeFocused();
  await office.page.keyboard.press('Escape');
  await expect(question).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Meld bortkommet' })).toBeFocused();
  await office.page.keyboard.press('Enter');
  expect(await office.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await question.getByRole('button', { name: 'Ja, meld bortkommet' }).click();
  await expect(row).toHaveAttribute('data-lost', 'true');
  await expect(office.page.getByText('er meldt bortkommet. Dens forbindelser er lukket')).toBeVisible();

  // The tablet's session ends at once: the plan closes, the device is told, and wipes.
  await expect(tablet.page).toHaveURL(/\/login\?error=device_lost/, { timeout: 15_000 });
  await expect(tablet.page.getByRole('alert')).toContainText('meldt bortkommet');
  await expect.poll(async () => (await databaseNames(tablet.page)).filter((n) => n.startsWith('f-') || n.startsWith('fp-index-') || n === 'fp-keys'), { timeout: 15_000 }).toEqual([]);

  // The key is refused for good, even after signing in again on the same device.
  const refused = await tablet.page.evaluate(async (deviceId) => {
    const r = await fetch('/api/device/key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceId }) });
    return { status: r.status, body: (await r.json()) as { error: string } };
  }, tabletId);
  expect(refused.status).toBe(410);
  expect(refused.body.error).toBe('device_lost');

  // The office lists it as wiped.
  await office.page.reload();
  await expect(office.page.locator(`tr[data-device-id="${tabletId}"]`)).toContainText('slettet');
  await Promise.all([tablet.context.close(), office.context.close()]);
});

test('an edit made offline just before the lease ends is kept, sealed, and reaches the server after the next contact', async ({ browser }) => {
  test.setTimeout(120_000);
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  await readyForOffline(page);
  await openPlanOnline(page, 'gel-01-hansen');

  await anna.context.setOffline(true);
  await addLooseAction(page, 'Lavet lige før lejen udløb');
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', /[1-9]/, { timeout: 10_000 });

  // The lease runs out while the tablet is offline (its end moved into the past).
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('fp-index-u-anna');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('meta', 'readwrite');
          tx.objectStore('meta').put({ key: 'leaseUntil', value: new Date(Date.now() - 60_000).toISOString() });
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      })
  );
  await page.reload();
  await expect(page.locator('[data-lease-locked]')).toContainText('gemt krypteret');

  // Locked: the unsynced room stays, sealed, and the key that opens it is no longer kept on the device.
  const locked = await page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name ?? '');
    const keys = await new Promise<{ userId: string; unlocked?: unknown }[]>((resolve, reject) => {
      const open = indexedDB.open('fp-keys');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const r = open.result.transaction('keys', 'readonly').objectStore('keys').getAll();
        r.onsuccess = () => (open.result.close(), resolve(r.result));
        r.onerror = () => reject(r.error);
      };
    });
    return { names, keys: keys.map((k) => ({ userId: k.userId, unlocked: k.unlocked !== undefined })) };
  });
  expect(locked.names).toContain('f-gel-01-hansen.plan');
  expect(locked.names.filter((n) => n.startsWith('f-gel-') && !n.startsWith('f-gel-01-hansen.'))).toEqual([]);
  expect(locked.keys).toEqual([{ userId: 'u-anna', unlocked: false }]);

  // Back online: the server hands out the key, the device unlocks and sends the edit.
  await anna.context.setOffline(false);
  await expect(page.locator('[data-lease-locked]')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', '0', { timeout: 30_000 });

  // Another device sees it.
  const other = await login(browser, server, 'anna');
  await other.page.goto('/familie/gel-01-hansen');
  await expect(other.page.getByText('Lavet lige før lejen udløb')).toBeVisible({ timeout: 15_000 });
  await Promise.all([anna.context.close(), other.context.close()]);
});
