// The caseload's first paint before the app (src/first-paint.js, the shell's
// inline script): it shows the screen the caseload kept (ui/first-paint.ts)
// only when the app itself would show that caseload from this device, and
// only while nothing was written to the family rows since its rows were read.
// The script runs here as the shell runs it, against fake-indexeddb and the
// real sealing (device-key.ts); the page is a stand-in of the few parts it
// touches.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { readFileSync } from 'node:fs';
import { minifySync } from 'vite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDb, type FamilyRow, type LocalDb, type RoomRow } from '../../src/lib/storage/db.ts';
import { lockDeviceKey } from '../../src/lib/storage/device-key.ts';
import { familyRows } from '../../src/lib/storage/indexer.ts';
import { allFamilies, caseloadCopySettled, deleteFamilies, keepCaseloadView, putFamilies } from '../../src/lib/storage/sealed-rows.ts';
import { copenhagenDay } from '../../src/lib/domain/today.ts';
import { endOfDay, keptView, type KeptView } from '../../src/lib/ui/first-paint.ts';
import { familySummary } from './support/family-summary.ts';

// Minified as vite.config.ts inlines it: what runs here is what the shell runs.
const SCRIPT = minifySync('first-paint.js', readFileSync('src/first-paint.js', 'utf8')).code;
const USER = 'u-test';
const BUILD = 'build-1';
const HTML = '<main><h1>Mine familier</h1><ul class="families"><li><a data-family-id="fam-1">Familien Holm</a></li></ul></main>';

const row = (id: string, name: string): FamilyRow => familyRows(familySummary(id, { name }), null, '2026-11-24', '').family;

/** The parts of the page the script touches: where it is, the device's cache of who is signed in, the build, the host. */
interface Page {
  path: string;
  storage: Map<string, string>;
  build: string | null;
  host: { hidden: boolean; innerHTML: string; removed: boolean; remove(): void } | null;
}

let page: Page;
let db: LocalDb;

function freshPage(): Page {
  const host = {
    hidden: true,
    innerHTML: '',
    removed: false,
    remove() {
      this.removed = true;
    }
  };
  return { path: '/', storage: new Map([['fp-me', JSON.stringify({ id: USER, role: 'worker', name: 'Test' })]]), build: BUILD, host };
}

/** Runs the shell's script on `page`; resolves to whether it showed the kept screen. */
async function boot(): Promise<boolean | undefined> {
  const g = globalThis as Record<string, unknown>;
  const fakes: Record<string, unknown> = {
    location: { pathname: page.path },
    localStorage: { getItem: (k: string) => page.storage.get(k) ?? null },
    document: {
      getElementById: (id: string) => (id === 'first-paint' && !page.host?.removed ? page.host : null),
      querySelector: (sel: string) => (sel === 'meta[name="fp-build"]' && page.build !== null ? { getAttribute: () => page.build } : null)
    }
  };
  fakes.window = g;
  const saved = Object.fromEntries(Object.keys(fakes).map((k) => [k, Object.getOwnPropertyDescriptor(g, k)]));
  for (const [k, v] of Object.entries(fakes)) Object.defineProperty(g, k, { value: v, configurable: true, writable: true });
  try {
    g.__firstPaint = undefined;
    new Function(SCRIPT)();
    return (await g.__firstPaint) as boolean | undefined;
  } finally {
    for (const [k, d] of Object.entries(saved)) {
      if (d) Object.defineProperty(g, k, d);
      else delete g[k];
    }
  }
}

/** What the caseload page keeps after drawing `rows` (read by allFamilies). */
async function keep(rows: readonly FamilyRow[], over: Partial<KeptView> = {}) {
  const view: KeptView = { userId: USER, from: Date.now() - 1000, until: endOfDay(new Date(), copenhagenDay), locale: null, build: BUILD, html: HTML, ...over };
  await keepCaseloadView(db, rows, view);
}

/** Rewrites this user's record in the device's key store (device-key.ts) with `change`; gives back the record before. */
async function keyRecord(change: (r: Record<string, unknown>) => Record<string, unknown>): Promise<{ before: Record<string, unknown> }> {
  const keys = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('fp-keys');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const tx = keys.transaction('keys', 'readwrite');
  const store = tx.objectStore('keys');
  const before = await new Promise<Record<string, unknown>>((resolve) => {
    const g = store.get(USER);
    g.onsuccess = () => resolve(g.result as Record<string, unknown>);
  });
  store.put(change(before));
  await new Promise((resolve) => (tx.oncomplete = resolve));
  keys.close();
  return { before };
}

beforeEach(async () => {
  page = freshPage();
  // The script reads the user's index by its name, as the app opens it.
  db = openDb(USER);
  await db.open();
  await db.bundles.clear();
  await db.families.clear();
  await db.rooms.clear();
  await putFamilies(db, [row('fam-1', 'Familien Holm'), row('fam-2', 'Familien Berg')]);
});

describe('the end of the Copenhagen day, until which a kept screen holds', () => {
  it('is local midnight, in winter and summer time and on the days the clocks change', () => {
    const end = (iso: string) => new Date(endOfDay(new Date(iso), copenhagenDay)).toISOString();
    expect(end('2026-12-02T12:00:00.000Z')).toBe('2026-12-02T23:00:00.000Z');
    expect(end('2026-12-02T22:59:59.999Z')).toBe('2026-12-02T23:00:00.000Z');
    expect(end('2026-12-02T23:00:00.000Z')).toBe('2026-12-03T23:00:00.000Z');
    expect(end('2026-07-01T12:00:00.000Z')).toBe('2026-07-01T22:00:00.000Z');
    // 29 March 2026: the clocks go forward at 02:00 local (01:00 UTC); 25 October: back at 03:00 local.
    expect(end('2026-03-29T00:30:00.000Z')).toBe('2026-03-29T22:00:00.000Z');
    expect(end('2026-10-25T12:00:00.000Z')).toBe('2026-10-25T23:00:00.000Z');
  });
});

describe('what the caseload keeps', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** The app's page as keptView reads it: its root (the screen) and the shell's build. */
  function onPage() {
    const root = { cloneNode: () => ({ querySelectorAll: () => [], innerHTML: HTML }) };
    vi.stubGlobal('document', { querySelector: (sel: string) => (sel === '[data-app-root]' ? root : sel === 'meta[name="fp-build"]' ? { getAttribute: () => BUILD } : null) });
    vi.stubGlobal('localStorage', { getItem: () => null });
  }
  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  const roomEnds = async (familyId: string) => (await db.rooms.get(`f-${familyId}.plan`))?.until ?? '';
  const room = (familyId: string, until: string): RoomRow => ({ room: `f-${familyId}.plan`, familyId, part: 'plan', access: 'write', syncedSeq: 0, lastSynced: '', pendingEdits: 0, until });

  it('holds until the first consent or grant on the device runs out, if that comes before the end of the day', async () => {
    onPage();
    const rows = await allFamilies(db);
    const endOfToday = endOfDay(new Date(), copenhagenDay);
    expect((await keptView(db, rows, USER, copenhagenDay))?.until).toBe(endOfToday);
    // A room's consent ending (the device purges it then), and a called-in specialist's grant ending.
    await db.rooms.put(room('fam-1', inHours(0.5)));
    const grantEnds = inHours(0.25);
    const withGrant = rows.map((r, i) => (i === 1 ? { ...r, grantUntil: grantEnds } : r));
    const kept = await keptView(db, withGrant, USER, copenhagenDay);
    expect(kept?.until).toBe(Math.min(endOfToday, Date.parse(grantEnds)));
    expect((await keptView(db, rows, USER, copenhagenDay))?.until).toBe(Math.min(endOfToday, Date.parse(await roomEnds('fam-1'))));
    expect(kept?.html).toBe(HTML);
    // One has run out already (the app is about to remove that family): nothing is kept.
    await db.rooms.put(room('fam-2', inHours(-0.1)));
    expect(await keptView(db, rows, USER, copenhagenDay)).toBeNull();
  });
});

describe('the caseload kept for the next first paint', () => {
  it('is shown, inert behind the host, when the app would show this caseload from this device', async () => {
    await keep(await allFamilies(db));
    expect(await boot()).toBe(true);
    expect(page.host?.innerHTML).toBe(HTML);
    expect(page.host?.hidden).toBe(false);
  });

  it('is shown from the sealed copy of the rows as from the rows themselves', async () => {
    await allFamilies(db);
    await caseloadCopySettled();
    const fromCopy = await allFamilies(db);
    await keep(fromCopy);
    expect(await boot()).toBe(true);
  });

  it('is not shown once the family rows were written since its rows were read (a sync)', async () => {
    await allFamilies(db);
    await caseloadCopySettled();
    await keep(await allFamilies(db));
    // Kept with the copy (the write went into its delta): the fence alone says the screen is out of date.
    await putFamilies(db, [row('fam-3', 'Familien Dahl')]);
    expect(await db.bundles.get('caseload-view')).toBeDefined();
    expect(await boot()).toBe(false);
    expect(page.host?.hidden).toBe(true);
  });

  it('goes with a deletion (a purge): nothing of the families deleted stays, even sealed', async () => {
    await keep(await allFamilies(db));
    await deleteFamilies(db, ['fam-1']);
    expect(await db.bundles.get('caseload-view')).toBeUndefined();
    expect(await boot()).toBe(false);
  });

  it('is not shown on another day, in another language or for another build', async () => {
    const rows = await allFamilies(db);
    // Kept yesterday (its day ended), or "later" than now (the clock was set back).
    await keep(rows, { from: Date.now() - 86_400_000, until: Date.now() - 1 });
    expect(await boot()).toBe(false);
    await keep(rows, { from: Date.now() + 60_000 });
    expect(await boot()).toBe(false);
    await keep(rows, { locale: 'en' });
    expect(await boot()).toBe(false);
    await keep(rows, { build: 'build-0' });
    expect(await boot()).toBe(false);
    page.build = null;
    await keep(rows);
    expect(await boot()).toBe(false);
  });

  it('is not shown when nobody is signed in here, a logout is pending, or the user is not a worker', async () => {
    await keep(await allFamilies(db));
    page.storage.delete('fp-me');
    expect(await boot()).toBeUndefined();
    page = freshPage();
    page.storage.set('fp-logout-pending', JSON.stringify({ at: new Date().toISOString(), userId: USER }));
    expect(await boot()).toBeUndefined();
    page = freshPage();
    page.storage.set('fp-me', JSON.stringify({ id: USER, role: 'leader' }));
    expect(await boot()).toBeUndefined();
    page = freshPage();
    expect(await boot()).toBe(true);
  });

  it('is kept only for rows the caseload read (their fence known)', async () => {
    const rows = await allFamilies(db);
    await keepCaseloadView(db, [...rows], { html: HTML });
    expect(await db.bundles.get('caseload-view')).toBeUndefined();
  });

  it('is not shown to another user, nor on any page but the caseload', async () => {
    await keep(await allFamilies(db), { userId: 'u-other' });
    expect(await boot()).toBe(false);
    await keep(await allFamilies(db));
    page.path = '/familie/fam-1';
    expect(await boot()).toBeUndefined();
  });

  it('is not shown when the app got there first (it removed the host)', async () => {
    await keep(await allFamilies(db));
    page.host?.remove();
    expect(await boot()).toBe(false);
  });

  it('is not shown once the lease has ended, whether or not the app has locked the key yet', async () => {
    await keep(await allFamilies(db));
    // The lease ran out while the app was closed: the key is still kept, its end is past.
    const ended = await keyRecord((r) => ({ ...r, until: new Date(Date.now() - 1000).toISOString() }));
    expect(await boot()).toBe(false);
    await keyRecord(() => ended.before);
    expect(await boot()).toBe(true);
    await lockDeviceKey(USER);
    expect(await boot()).toBe(false);
  });
});
