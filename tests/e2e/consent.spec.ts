// Issue "Consent": three tablets — anna (social, case owner), cecilie (health)
// and bo (school). Before consent cecilie cannot see the family; anna records
// a signed consent (plan + health → health, school) and both see the plan, bo
// reading but not writing the health journal; anna withdraws it while cecilie
// has the plan open → her view closes within 2 s and her IndexedDB no longer
// holds the family. A consent recorded offline widens nothing until anna is
// back online. The family's access log shows the openings, one made offline.
// Screenshots (768×1024) go to test-results/; the ones kept for the docs are
// copies in docs/screenshots/.
import type { BrowserContext, Page } from '@playwright/test';
import * as Y from 'yjs';
import { addEntry, readEntries } from '../../src/lib/domain/journal.ts';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { test, expect, login, roomClient, startServer, workerReady, type TestServer } from './fixtures.ts';
import { localCopy as localCopyOf, socketFromPage, wcagViolations } from './checks.ts';
import { PARTS, roomName } from '../../src/lib/shared/rooms.ts';

const TABLET = { width: 768, height: 1024 };
const WITHDRAWN = 'Data for familien er fjernet fra denne enhed, fordi samtykket er trukket tilbage.';

let server: TestServer;
let anna: { context: BrowserContext; page: Page };
let bo: { context: BrowserContext; page: Page };
let cecilie: { context: BrowserContext; page: Page };
let familyId = '';
const FAMILY_NAME = 'Familien Samtykke';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startServer();
  anna = await login(browser, server, 'anna', { viewport: TABLET });
  bo = await login(browser, server, 'bo', { viewport: TABLET });
  cecilie = await login(browser, server, 'cecilie', { viewport: TABLET });
});
test.afterAll(async () => {
  await Promise.all([anna, bo, cecilie].map((t) => t?.context.close()));
  await server?.stop();
});

// ---- helpers -------------------------------------------------------------------

const plan = () => roomName(familyId, 'plan');
const health = () => roomName(familyId, 'health');

/** GET /api/manifest from the tablet's own browser context (its cookie). */
async function manifestRooms(page: Page): Promise<Map<string, string>> {
  const m = await page.evaluate(async () => (await fetch('/api/manifest')).json());
  return new Map((m.rooms as { room: string; access: string }[]).map((r) => [r.room, r.access]));
}

/** What bo's or cecilie's browser profile holds of the family. */
const localCopy = (page: Page, userId: string) => localCopyOf(page, userId, familyId, PARTS.map((p) => roomName(familyId, p)));

const nodeClient = (context: BrowserContext, room: string) => roomClient(server, context, room);

/** The health journal's entries as cecilie (health, write) reads them from the relay. */
async function healthEntriesAsCecilie(): Promise<string[]> {
  const c = await nodeClient(cecilie.context, health());
  const texts = readEntries(c.doc).map((e) => e.text);
  c.close();
  return texts;
}

/**
 * "bo can read but not write the health journal": on bo's plan (open on his
 * tablet) the Sundhed tab says "Kun læseadgang" and opens cecilie's entry with
 * no way to add or change one; the manifest says `read`; and an update bo's
 * browser sends on a socket to the room is dropped by the relay (the socket
 * stays open, cecilie's view of the journal is unchanged).
 */
async function expectBoReadsButCannotWriteHealth() {
  expect((await manifestRooms(bo.page)).get(health())).toBe('read');
  const before = await healthEntriesAsCecilie();
  expect(before).toEqual(['Hjemmebesøg: alle har det godt.']);

  // In the UI: the tab is marked read-only, the journal shows cecilie's entry, and nothing in it can be written.
  const tab = bo.page.getByRole('link', { name: /^Journal: Sundhedsplejen/ });
  await expect(tab).toHaveText('Journal: Sundhedsplejen · Kun læseadgang', { timeout: 30_000 });
  await tab.click();
  const journal = bo.page.locator('[data-journal="health"]');
  await expect(journal).toHaveAttribute('data-access', 'read');
  await expect(journal.locator('[data-read-only]')).toHaveText('🔒 Kun læseadgang');
  await expect(journal.locator('[data-entry-id]')).toHaveCount(1);
  await expect(journal.locator('[data-entry-id]')).toContainText('Hjemmebesøg: alle har det godt.');
  await expect(journal.locator('[data-entry-id]')).toContainText('Cecilie Dam');
  await expect(journal.locator('form, input, textarea, select, [contenteditable]')).toHaveCount(0);
  await expect(journal.getByRole('button')).toHaveCount(0);
  await expect(bo.page.getByRole('button', { name: 'Tilføj notat' })).toHaveCount(0);
  // His own journal next to it is writable: the difference is the access, not the page.
  await bo.page.getByRole('link', { name: 'Journal: Skole og PPR' }).click();
  await expect(bo.page.locator('[data-journal="school"]')).toHaveAttribute('data-access', 'write');
  await expect(bo.page.locator('[data-journal="school"] form')).toHaveCount(1);
  await bo.page.getByRole('link', { name: 'Familiens plan', exact: true }).click();

  const forged = new Y.Doc();
  addEntry(forged, { date: '2026-01-01', kind: 'note', text: 'Skrevet af bo', authorId: 'u-bo', authorName: 'Bo Lindqvist', createdAt: new Date().toISOString() });
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0); // y-websocket message type: sync
  syncProtocol.writeUpdate(enc, Y.encodeStateAsUpdate(forged));
  const bytes = [...encoding.toUint8Array(enc)];
  const stayedOpen = await bo.page.evaluate(
    ({ room, bytes }) =>
      new Promise<boolean>((resolve, reject) => {
        const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/sync/${room}?device=e2e`);
        ws.binaryType = 'arraybuffer';
        ws.onerror = () => reject(new Error('socket refused'));
        ws.onopen = () => {
          ws.send(new Uint8Array(bytes));
          setTimeout(() => {
            resolve(ws.readyState === WebSocket.OPEN);
            ws.close();
          }, 500);
        };
      }),
    { room: health(), bytes }
  );
  expect(stayedOpen).toBe(true); // a read socket is not closed for trying; the update is dropped and logged
  expect(await healthEntriesAsCecilie()).toEqual(before);
}

async function drawSignature(page: Page) {
  const pad = page.locator('[data-signature-pad]');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('no signature pad');
  const y = box.y + box.height * 0.6;
  await page.mouse.move(box.x + 40, y);
  await page.mouse.down();
  const points: [number, number][] = [[0.2, -30], [0.3, 20], [0.4, -25], [0.5, 15], [0.6, -10], [0.75, 10]];
  for (const [fx, dy] of points) await page.mouse.move(box.x + box.width * fx, y + dy, { steps: 6 });
  await page.mouse.up();
  await expect(page.locator('#consent-signature-status')).toHaveText('Underskrevet.');
}

const cardIn = (page: Page, group: string) => page.locator(`[data-consent-group="${group}"] [data-consent-id]`);

// ---- the must-show -----------------------------------------------------------------

test('consent opens the plan to health and school; withdrawal closes cecilie’s view within 2 s and purges her device', async () => {
  test.setTimeout(150_000);

  // anna opens a case for a new family: only social can see it.
  await anna.page.getByRole('link', { name: 'Ny familie' }).click();
  await anna.page.getByLabel('Familiens navn').fill(FAMILY_NAME);
  await anna.page.getByRole('button', { name: 'Opret' }).click();
  await expect(anna.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();
  familyId = new URL(anna.page.url()).pathname.split('/').at(-1) ?? '';
  expect(familyId).toMatch(/^[a-z0-9-]{6,40}$/);

  // Before consent cecilie cannot see the family: not listed, not in her manifest, her socket refused, the API says why.
  await cecilie.page.reload();
  await expect(cecilie.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await expect(cecilie.page.locator(`[data-family-id="${familyId}"]`)).toHaveCount(0);
  expect((await manifestRooms(cecilie.page)).has(plan())).toBe(false);
  expect(await socketFromPage(cecilie.page, plan())).toBe('refused');
  const refused = await cecilie.page.evaluate(async (id) => {
    const r = await fetch(`/api/families/${id}/consents`);
    return { status: r.status, body: await r.json() };
  }, familyId);
  expect(refused).toMatchObject({ status: 403, body: { error: 'consent_plan_access_required' } });
  await cecilie.page.goto(`/familie/${familyId}`);
  await expect(cecilie.page.getByRole('heading', { name: FAMILY_NAME })).toHaveCount(0);

  // anna records the family's consent on her tablet, signed on the screen.
  await anna.page.screenshot({ path: 'test-results/plan-with-consent-links.png' });
  await anna.page.getByRole('link', { name: 'Samtykke', exact: true }).click();
  await expect(anna.page.getByRole('heading', { name: `Samtykke · ${FAMILY_NAME}` })).toBeVisible();
  await expect(anna.page.getByText('Der er ikke registreret noget samtykke.')).toBeVisible();
  // By keyboard: the form takes the focus at its first field (it fell to the page's start).
  await anna.page.getByRole('button', { name: 'Registrér nyt samtykke' }).press('Enter');
  await expect(anna.page.getByLabel('Hvem i familien giver samtykket?')).toBeFocused();
  await anna.page.getByLabel('Hvem i familien giver samtykket?').fill('Sara Ahmed (mor)');
  await expect(anna.page.getByRole('checkbox', { name: /^Familiens plan/ })).toBeChecked();
  await anna.page.getByRole('checkbox', { name: 'Notater fra sundhedsplejen', exact: true }).check();
  await anna.page.getByRole('checkbox', { name: 'Sundhedsplejen', exact: true }).check();
  await anna.page.getByRole('checkbox', { name: 'Skole og PPR', exact: true }).check();
  const summary = anna.page.locator('[data-consent-summary]');
  await expect(summary).toContainText('Vi giver lov til, at skole og PPR og sundhedsplejen må se familiens plan og notater fra sundhedsplejen.');
  await expect(summary).toContainText('I kan altid trække samtykket tilbage');
  // Saving without a signature is refused in plain words.
  await anna.page.getByRole('button', { name: 'Gem samtykket' }).click();
  await expect(anna.page.getByText('Familien skal skrive under i feltet.')).toBeVisible();
  await drawSignature(anna.page);
  // The period is typed dd.mm.åååå whatever the browser's language; a day that does not exist is refused in Danish,
  // and the form does not go out with the date the field held before.
  const until = anna.page.getByLabel('Til og med');
  await expect(anna.page.getByLabel('Fra og med')).toHaveValue(/^\d{2}\.\d{2}\.\d{4}$/);
  const untilBefore = await until.inputValue();
  await until.fill(`31.11.${new Date().getFullYear() + 1}`);
  await anna.page.getByRole('button', { name: 'Gem samtykket' }).click();
  await expect(anna.page.locator('[data-consent-form] [role="alert"]').filter({ hasText: 'Skriv datoen som dd.mm.åååå' })).toBeVisible();
  await expect(anna.page.locator('[data-consent-notice]')).toHaveCount(0);
  await until.fill(untilBefore);
  await anna.page.locator('[data-consent-form]').scrollIntoViewIfNeeded();
  await anna.page.screenshot({ path: 'test-results/consent-capture-768.png', fullPage: true });
  expect(await wcagViolations(anna.page)).toEqual([]);
  await anna.page.getByRole('button', { name: 'Gem samtykket' }).click();
  await expect(anna.page.locator('[data-consent-notice]')).toHaveText('Samtykket er gemt og gælder nu.');
  await expect(cardIn(anna.page, 'aktiv')).toHaveCount(1);
  await expect(cardIn(anna.page, 'aktiv').locator('img')).toHaveAttribute('src', /^data:image\/png;base64,/);

  // cecilie (health) and bo (school) now see the plan.
  for (const t of [cecilie, bo]) {
    await t.page.goto('/');
    await expect(t.page.locator(`[data-family-id="${familyId}"]`)).toBeVisible({ timeout: 30_000 });
    await t.page.locator(`[data-family-id="${familyId}"]`).click();
    await expect(t.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();
    await expect(t.page.locator('[data-sync="online"]')).toBeVisible();
  }
  const boRooms = await manifestRooms(bo.page);
  expect(boRooms.get(plan())).toBe('write');

  // cecilie writes in her own journal; bo may read it but not write it.
  const c = await nodeClient(cecilie.context, health());
  addEntry(c.doc, { date: '2026-01-01', kind: 'note', text: 'Hjemmebesøg: alle har det godt.', authorId: 'u-cecilie', authorName: 'Cecilie Dam', createdAt: new Date().toISOString() });
  await expect.poll(() => healthEntriesAsCecilie()).toEqual(['Hjemmebesøg: alle har det godt.']);
  c.close();
  await expectBoReadsButCannotWriteHealth();
  // bo puts the plan away; his tablet holds the family in the background.
  await bo.page.goto('/');
  await expect.poll(async () => (await localCopy(bo.page, 'u-bo')).databases, { timeout: 30_000 }).toContain(plan());

  // cecilie's device holds the family before the withdrawal.
  await expect.poll(async () => (await localCopy(cecilie.page, 'u-cecilie')).databases, { timeout: 30_000 }).toContain(plan());
  await expect.poll(async () => (await localCopy(cecilie.page, 'u-cecilie')).families, { timeout: 30_000 }).toBe(1);

  // anna withdraws the consent while cecilie has the plan open.
  const card = cardIn(anna.page, 'aktiv').first();
  // By keyboard: the question takes the focus at its safe answer, and the focus stays in the list when it is done.
  await card.getByRole('button', { name: 'Træk tilbage' }).press('Enter');
  await expect(card.getByRole('alertdialog')).toContainText('Så kan disse ikke længere se oplysningerne: skole og PPR og sundhedsplejen');
  await expect(card.getByRole('button', { name: 'Fortryd' })).toBeFocused();
  const started = Date.now();
  await card.getByRole('button', { name: 'Ja, træk samtykket tilbage' }).press('Enter');
  await cecilie.page.locator('[data-access-ended]').waitFor({ timeout: 2000 });
  const closedAfterMs = Date.now() - started;
  console.log(`cecilie's view closed ${closedAfterMs} ms after anna confirmed the withdrawal`);
  expect(closedAfterMs).toBeLessThanOrEqual(2000);
  await expect(cecilie.page.locator('[data-access-ended]')).toHaveText(WITHDRAWN);
  await expect(cecilie.page.getByRole('heading', { name: FAMILY_NAME })).toHaveCount(0);
  await cecilie.page.screenshot({ path: 'test-results/consent-withdrawn-cecilie.png' });
  await expect(anna.page.locator('[data-consent-notice]')).toHaveText('Samtykket er trukket tilbage.');
  await expect(cardIn(anna.page, 'tilbagekaldt')).toHaveCount(1);
  await expect.poll(() => anna.page.evaluate(() => !!document.activeElement?.closest('section.overview'))).toBe(true);

  // Her IndexedDB no longer holds the family: no y-indexeddb database, no Dexie rows.
  await expect
    .poll(() => localCopy(cecilie.page, 'u-cecilie'), { timeout: 10_000 })
    .toMatchObject({ databases: [], families: 0, rooms: [], actions: 0 });

  // bo's tablet, with no socket open to the family, is told at once (GET /api/events), without a
  // reload: it removes the family and says so.
  await expect(bo.page.locator(`[data-purged*="${familyId}"]`)).toContainText(FAMILY_NAME, { timeout: 5_000 });
  await expect.poll(() => localCopy(bo.page, 'u-bo'), { timeout: 10_000 }).toMatchObject({ databases: [], families: 0, rooms: [], actions: 0 });
  expect(await socketFromPage(bo.page, plan())).toBe('refused');
});

test('a consent recorded offline widens nobody’s access until anna is back online', async () => {
  test.setTimeout(120_000);
  await anna.context.setOffline(true);
  await anna.page.getByRole('button', { name: 'Registrér nyt samtykke' }).click();
  await expect(anna.page.getByText('Du er offline. Samtykket gemmes på enheden')).toBeVisible();
  await anna.page.getByLabel('Hvem i familien giver samtykket?').fill('Sara Ahmed (mor)');
  await anna.page.getByRole('checkbox', { name: 'Sundhedsplejen', exact: true }).check();
  await anna.page.getByRole('checkbox', { name: 'Skole og PPR', exact: true }).check();
  await anna.page.getByRole('radio', { name: 'Siger ja mundtligt' }).check();
  await anna.page.getByLabel(/Hvordan blev samtykket givet/).fill('Mundtligt ved hjemmebesøg i dag; far og mor til stede.');
  await anna.page.getByRole('button', { name: 'Gem samtykket' }).click();
  await expect(anna.page.locator('[data-consent-notice]')).toContainText('afventer forbindelse');
  await expect(cardIn(anna.page, 'afventer')).toHaveCount(1);
  await expect(cardIn(anna.page, 'afventer')).toHaveAttribute('data-consent-state', 'afventer');
  await anna.page.screenshot({ path: 'test-results/consent-queued.png', fullPage: true });

  // Nobody's access has widened: not now, not a few seconds later.
  for (let i = 0; i < 2; i++) {
    expect((await manifestRooms(cecilie.page)).has(plan())).toBe(false);
    expect((await manifestRooms(bo.page)).has(plan())).toBe(false);
    expect(await socketFromPage(cecilie.page, plan())).toBe('refused');
    await cecilie.page.waitForTimeout(2500);
  }

  // Back online, the device sends it; the server accepts it, and then access widens.
  await anna.context.setOffline(false);
  await expect(cardIn(anna.page, 'afventer')).toHaveCount(0, { timeout: 20_000 });
  await expect(cardIn(anna.page, 'aktiv')).toHaveCount(1);
  await anna.page.screenshot({ path: 'test-results/consent-overview.png', fullPage: true });
  expect(await wcagViolations(anna.page)).toEqual([]);
  await expect.poll(async () => (await manifestRooms(cecilie.page)).get(plan()), { timeout: 10_000 }).toBe('write');
  expect((await manifestRooms(bo.page)).get(plan())).toBe('write');
  await cecilie.page.goto(`/familie/${familyId}`);
  await expect(cecilie.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();
});

test('the family’s access log shows cecilie’s and bo’s openings, including one made offline', async () => {
  test.setTimeout(120_000);
  // bo's tablet fetches the family again, then he opens it without a connection.
  await bo.page.goto('/');
  const boCard = bo.page.locator(`[data-family-id="${familyId}"]`);
  await expect(boCard).toBeVisible({ timeout: 30_000 });
  await expect(boCard.locator('[data-never-synced]')).toHaveCount(0, { timeout: 30_000 });
  await workerReady(bo.page);
  await bo.context.setOffline(true);
  await boCard.click();
  await expect(bo.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();
  await expect(bo.page.locator('[data-sync="offline"]')).toBeVisible();
  await expect.poll(async () => (await localCopy(bo.page, 'u-bo')).accessOutbox).toBe(1);
  await bo.page.getByRole('link', { name: /Tilbage/ }).click();
  await bo.context.setOffline(false);
  await expect.poll(async () => (await localCopy(bo.page, 'u-bo')).accessOutbox, { timeout: 20_000 }).toBe(0);

  await anna.page.goto(`/familie/${familyId}`);
  await anna.page.getByRole('link', { name: 'Hvem har set oplysningerne' }).click();
  await expect(anna.page.getByRole('heading', { name: 'Hvem har set vores oplysninger' })).toBeVisible();
  const log = anna.page.locator('[data-access-log]');
  await expect(log.locator('[data-log-user="u-cecilie"][data-log-action="open"][data-log-part="plan"]')).toContainText('Cecilie Dam');
  await expect(log.locator('[data-log-user="u-bo"][data-log-action="open"][data-log-part="plan"]')).toContainText('Åbnede og læste familiens plan');
  await expect(log.locator('[data-log-user="u-bo"][data-log-action="open-offline"][data-log-part="plan"]')).toContainText(
    'Åbnede og læste familiens plan uden forbindelse'
  );
  // bo's tablet's background copies are the device's, and say nobody necessarily read them.
  await expect(log.locator('[data-log-user="u-bo"][data-log-action="sync"][data-log-part="plan"]')).toContainText(
    'Enheden hentede automatisk en kopi af familiens plan (ingen har nødvendigvis læst oplysningerne)'
  );
  await expect(log.locator('[data-log-user="u-bo"][data-log-action="change-refused"][data-log-part="health"]')).toContainText('afvist, kun læseadgang');
  await expect(log.locator('[data-log-user="u-cecilie"][data-log-action="change"][data-log-part="health"]')).toBeVisible();
  await expect(log.locator('[data-log-user="u-anna"][data-log-action="consent-revoked"]')).toBeVisible();
  await anna.page.screenshot({ path: 'test-results/access-log-768.png', fullPage: true });
  expect(await wcagViolations(anna.page)).toEqual([]);
  await anna.page.emulateMedia({ media: 'print' });
  await expect(anna.page.locator('.topbar')).toBeHidden();
  await expect(anna.page.getByRole('button', { name: 'Udskriv' })).toBeHidden();
  await anna.page.screenshot({ path: 'test-results/access-log-print.png', fullPage: true });
  await anna.page.emulateMedia({ media: 'screen' });
});
