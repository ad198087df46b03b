// Values opened once and read again (device-key.ts unsealJsonKept): the local
// index's bundles are decrypted and parsed once, and only while the key that
// opened them is the one in use.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceLockedError, KEPT_VALUES, forgetKeptValues, keptValue, lockDeviceKey, sealJson, unlockDeviceKey, unsealJsonKept } from '../../src/lib/storage/device-key.ts';
import { openDb } from '../../src/lib/storage/db.ts';
import { clearIndex, deleteFamilies, getFamilies, getFamily, putFamilies } from '../../src/lib/storage/sealed-rows.ts';
import { familySummary } from './support/family-summary.ts';
import { familyRows } from '../../src/lib/storage/indexer.ts';

const USER = 'u-kept';
const serverKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
const unlock = () => unlockDeviceKey(USER, serverKey, new Date(Date.now() + 86_400_000).toISOString());
await unlock();

const decrypts = () => vi.spyOn(crypto.subtle, 'decrypt');

afterEach(() => {
  vi.restoreAllMocks();
  forgetKeptValues();
});

describe('unsealJsonKept', () => {
  it('opens a sealed value once and returns what it opened while the sealed value is the same', async () => {
    const sealed = await sealJson({ a: 1 }, 'ctx:1');
    const spy = decrypts();
    const first = await unsealJsonKept<{ a: number }>(sealed, 'ctx:1');
    const again = await unsealJsonKept<{ a: number }>(sealed.slice(), 'ctx:1');
    expect(first).toEqual({ a: 1 });
    expect(again).toBe(first);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('opens again a different sealed value under the same context, and refuses a context it was not sealed for', async () => {
    const one = await sealJson({ v: 1 }, 'ctx:2');
    const two = await sealJson({ v: 2 }, 'ctx:2');
    expect(await unsealJsonKept(one, 'ctx:2')).toEqual({ v: 1 });
    expect(await unsealJsonKept(two, 'ctx:2')).toEqual({ v: 2 });
    // Kept under 'ctx:2' says nothing about another context: it is decrypted (and refused) there.
    await expect(unsealJsonKept(two, 'ctx:3')).rejects.toThrow();
  });

  it('returns nothing kept once the key is locked, and opens again after a new unlock', async () => {
    const sealed = await sealJson({ secret: 'navn' }, 'ctx:4');
    await unsealJsonKept(sealed, 'ctx:4');
    await lockDeviceKey(USER);
    await expect(unsealJsonKept(sealed, 'ctx:4')).rejects.toBeInstanceOf(DeviceLockedError);
    await unlock();
    const spy = decrypts();
    expect(await unsealJsonKept(sealed, 'ctx:4')).toEqual({ secret: 'navn' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it(`keeps at most ${KEPT_VALUES.index} values, dropping the one read longest ago`, async () => {
    const sealed = await Promise.all(Array.from({ length: KEPT_VALUES.index + 1 }, (_, i) => sealJson(i, `n:${i}`)));
    for (let i = 0; i < sealed.length; i++) await unsealJsonKept(sealed[i], `n:${i}`);
    const spy = decrypts();
    await unsealJsonKept(sealed[KEPT_VALUES.index], `n:${KEPT_VALUES.index}`);
    await unsealJsonKept(sealed[1], 'n:1');
    expect(spy).toHaveBeenCalledTimes(0);
    await unsealJsonKept(sealed[0], 'n:0');
    expect(spy).toHaveBeenCalledTimes(1);
  });
  it('keeps one view copy beside the index bundles: a second view takes its place, the bundles stay', async () => {
    const bundle = await sealJson({ b: 1 }, 'bundle:1');
    const viewA = await sealJson({ plan: 'A' }, 'fp-view:f-aaaaaa.plan');
    const viewB = await sealJson({ plan: 'B' }, 'fp-view:f-bbbbbb.plan');
    await unsealJsonKept(bundle, 'bundle:1');
    await unsealJsonKept(viewA, 'fp-view:f-aaaaaa.plan', 'view');
    await unsealJsonKept(viewB, 'fp-view:f-bbbbbb.plan', 'view');
    const spy = decrypts();
    await unsealJsonKept(viewB, 'fp-view:f-bbbbbb.plan', 'view');
    await unsealJsonKept(bundle, 'bundle:1');
    expect(spy).toHaveBeenCalledTimes(0);
    await unsealJsonKept(viewA, 'fp-view:f-aaaaaa.plan', 'view');
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing that was being opened while the kept values were forgotten (a purge in the middle of a read)', async () => {
    const sealed = await sealJson({ secret: 'navn' }, 'ctx:5');
    const decrypt = crypto.subtle.decrypt.bind(crypto.subtle);
    const spy = vi.spyOn(crypto.subtle, 'decrypt').mockImplementationOnce((...args) => {
      forgetKeptValues(); // the purge runs while the value is being decrypted
      return decrypt(...args);
    });
    expect(await unsealJsonKept(sealed, 'ctx:5', 'view')).toEqual({ secret: 'navn' });
    expect(await unsealJsonKept(sealed, 'ctx:5', 'view')).toEqual({ secret: 'navn' });
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('keptValue', () => {
  it('gives what was kept under a context while its key is in use, and nothing after a lock or forgetKeptValues', async () => {
    const sealed = await sealJson({ b: 2 }, 'bundle:kv');
    expect(await keptValue('bundle:kv')).toBeUndefined();
    const opened = await unsealJsonKept(sealed, 'bundle:kv');
    expect(await keptValue('bundle:kv')).toBe(opened);
    expect(await keptValue('bundle:kv', 'view')).toBeUndefined();
    forgetKeptValues();
    expect(await keptValue('bundle:kv')).toBeUndefined();
    await unsealJsonKept(sealed, 'bundle:kv');
    await lockDeviceKey(USER);
    expect(await keptValue('bundle:kv')).toBeUndefined();
    await unlock();
    expect(await keptValue('bundle:kv')).toBeUndefined();
  });
});

describe('the local index reads a bundle once', () => {
  const row = (id: string, name: string) => familyRows(familySummary(id, { name }), null, '2026-12-03', '').family;
  const freshDb = () => openDb(`kept-${Math.random()}`);
  /** Two families written one at a time: in two bundles. */
  async function inTwoBundles(a: [string, string], b: [string, string]) {
    const db = freshDb();
    await putFamilies(db, [row(...a)]);
    await putFamilies(db, [row(...b)]);
    return db;
  }

  it("reads only the family's row when its bundle was opened before, and the new bundle once the row is written again", async () => {
    const db = freshDb();
    await putFamilies(db, [row('fam-a', 'Familien A'), row('fam-b', 'Familien B')]);
    expect((await getFamily(db, 'fam-a'))?.name).toBe('Familien A');
    const bundleReads = vi.spyOn(db.bundles, 'bulkGet');
    expect((await getFamily(db, 'fam-b'))?.name).toBe('Familien B');
    expect((await getFamily(db, 'fam-a'))?.name).toBe('Familien A');
    expect(bundleReads).toHaveBeenCalledTimes(0);
    // Written again: the row points at a new bundle, which is read (once) and opened.
    await putFamilies(db, [row('fam-a', 'Familien A2')]);
    expect((await getFamily(db, 'fam-a'))?.name).toBe('Familien A2');
    expect((await getFamily(db, 'fam-a'))?.name).toBe('Familien A2');
    expect(bundleReads).toHaveBeenCalledTimes(1);
    // Locked: nothing kept is given, and the rows do not open.
    await lockDeviceKey(USER);
    expect(await getFamily(db, 'fam-b')).toBeUndefined();
    await unlock();
    expect((await getFamily(db, 'fam-b'))?.name).toBe('Familien B');
    db.close();
  });

  it("gives a family's row from the bundle opened before, and opens nothing kept after the family's rows are deleted or the index is cleared", async () => {
    const db = freshDb();
    await putFamilies(db, [row('fam-1', 'Familien Et'), row('fam-2', 'Familien To')]);
    const spy = decrypts();
    expect((await getFamily(db, 'fam-1'))?.name).toBe('Familien Et');
    expect((await getFamily(db, 'fam-2'))?.name).toBe('Familien To');
    expect(spy).toHaveBeenCalledTimes(1);
    await deleteFamilies(db, ['fam-1']);
    expect(await getFamily(db, 'fam-1')).toBeUndefined();
    expect((await getFamily(db, 'fam-2'))?.name).toBe('Familien To');
    expect(spy).toHaveBeenCalledTimes(2);
    await clearIndex(db);
    expect(await getFamily(db, 'fam-2')).toBeUndefined();
    db.close();
  });

  it('reads the rows once and, with them, only the bundles not opened before', async () => {
    const db = await inTwoBundles(['fam-x', 'Familien X'], ['fam-y', 'Familien Y']);
    const [x, y] = await db.families.bulkGet(['fam-x', 'fam-y']);
    expect(x?.bundle).not.toBe(y?.bundle);
    expect((await getFamily(db, 'fam-x'))?.name).toBe('Familien X');
    const rowReads = vi.spyOn(db.families, 'bulkGet');
    const bundleReads = vi.spyOn(db.bundles, 'bulkGet');
    expect((await getFamilies(db, ['fam-x', 'fam-y'])).map((f) => f?.name)).toEqual(['Familien X', 'Familien Y']);
    expect(rowReads).toHaveBeenCalledTimes(1);
    expect(bundleReads).toHaveBeenCalledTimes(1);
    expect(bundleReads.mock.calls[0][0]).toEqual([y?.bundle]);
    db.close();
  });

  it('reads every bundle again when one it counted on is dropped before it is taken', async () => {
    const db = await inTwoBundles(['fam-p', 'Familien P'], ['fam-q', 'Familien Q']);
    expect((await getFamily(db, 'fam-p'))?.name).toBe('Familien P');
    // The bundle of fam-q is read; meanwhile the kept values are dropped (as a purge would), fam-p's with them.
    const bulkGet = db.bundles.bulkGet.bind(db.bundles);
    vi.spyOn(db.bundles, 'bulkGet').mockImplementationOnce((keys) => {
      forgetKeptValues();
      return bulkGet(keys);
    });
    expect((await getFamilies(db, ['fam-p', 'fam-q'])).map((f) => f?.name)).toEqual(['Familien P', 'Familien Q']);
    db.close();
  });
});
