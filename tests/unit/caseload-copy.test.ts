// The caseload's sealed copy of every family row (sealed-rows.ts): read instead
// of 5,000 records, never stale after a write or a purge, and sealed; the rows
// written since it (its delta) read on top of it.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { describe, expect, it } from 'vitest';
import { openDb, type FamilyRow, type LocalDb } from '../../src/lib/storage/db.ts';
import { familyRows } from '../../src/lib/storage/indexer.ts';
import { allFamilies, caseloadCopySettled, clearIndex, deleteFamilies, FOLD_DELTA, MAX_DELTA, putFamilies, updatePlainFamilies } from '../../src/lib/storage/sealed-rows.ts';
import { familySummary } from './support/family-summary.ts';

const row = (id: string, name: string): FamilyRow => familyRows(familySummary(id, { name }), null, '2026-11-24', '').family;
const byId = (rows: FamilyRow[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const hasCopy = async (db: LocalDb) => (await db.bundles.get('caseload')) !== undefined;
const deltaIds = async (db: LocalDb) => (await db.bundles.get('caseload-delta'))?.ids;

async function filled() {
  const db = openDb(`test-${Math.random()}`);
  await putFamilies(db, [row('fam-1', 'Familien Holm'), row('fam-2', 'Familien Æble'), row('fam-3', 'Familien Berg')]);
  return db;
}

describe('caseload copy', () => {
  it('is written after a full read and gives back the same rows, workers included', async () => {
    const db = await filled();
    const first = await allFamilies(db);
    await caseloadCopySettled();
    expect(await hasCopy(db)).toBe(true);
    const second = await allFamilies(db);
    expect(byId(second)).toEqual(byId(first));
    expect(second.find((r) => r.id === 'fam-1')?.workers).toEqual(first.find((r) => r.id === 'fam-1')?.workers);
    // In the list's first order, by name in Danish (Æ after Z), so its first sort is one pass.
    expect(second.map((r) => r.name)).toEqual(['Familien Berg', 'Familien Holm', 'Familien Æble']);
  });

  it('gives back each field as it was: absent stays absent, null stays null, shared values by column', async () => {
    const db = openDb(`test-${Math.random()}`);
    const rows = Array.from({ length: 9 }, (_, i) => {
      const r = row(`fam-${i}`, `Familien ${String.fromCharCode(65 + i)}`);
      if (i % 3 === 0) r.grantUntil = null;
      else if (i % 3 === 1) r.grantUntil = `2026-12-0${i}`;
      else delete r.grantUntil;
      r.overdueCount = i % 2;
      if (i === 4) r.children = [{ name: 'Ea', birthYear: '2015' }];
      return r;
    });
    await putFamilies(db, rows);
    const first = await allFamilies(db);
    await caseloadCopySettled();
    expect(await hasCopy(db)).toBe(true);
    const fromCopy = byId(await allFamilies(db));
    expect(fromCopy).toEqual(byId(first));
    expect(fromCopy.map((r) => 'grantUntil' in r)).toEqual(rows.map((r) => 'grantUntil' in r));
    expect(fromCopy.map((r) => r.grantUntil)).toEqual(rows.map((r) => r.grantUntil));
    expect(fromCopy[4].children).toEqual([{ name: 'Ea', birthYear: '2015' }]);
  });

  it('holds no family content in plain', async () => {
    const db = await filled();
    await allFamilies(db);
    await caseloadCopySettled();
    const stored = await db.bundles.get('caseload');
    expect(stored?.s).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(stored?.s)).not.toMatch(/Holm|Berg|familien/i);
  });

  it('goes with a deletion (a purge) and a clear, with its delta', async () => {
    const db = await filled();
    const writes: [string, () => Promise<unknown>, (rows: FamilyRow[]) => void][] = [
      ['delete', () => db.transaction('rw', db.families, db.actions, db.bundles, () => deleteFamilies(db, ['fam-2'])), (rows) => expect(rows.map((r) => r.id)).not.toContain('fam-2')],
      ['clear', () => clearIndex(db), (rows) => expect(rows).toEqual([])]
    ];
    for (const [what, write, check] of writes) {
      await allFamilies(db);
      await caseloadCopySettled();
      await updatePlainFamilies(db, [{ key: 'fam-1', changes: { overdueCount: 2 } }]);
      expect(await hasCopy(db), what).toBe(true);
      expect(await deltaIds(db), what).toEqual(['fam-1']);
      await write();
      expect(await hasCopy(db), what).toBe(false);
      expect(await deltaIds(db), what).toBeUndefined();
      check(await allFamilies(db));
    }
  });

  it('stays through a put or a plain update: those rows are read as they are now, on top of it', async () => {
    const db = await filled();
    await allFamilies(db);
    await caseloadCopySettled();
    await putFamilies(db, [row('fam-4', 'Familien Ny'), row('fam-3', 'Familien Aske')]);
    await updatePlainFamilies(db, [{ key: 'fam-1', changes: { overdueCount: 3 } }]);
    expect(await hasCopy(db)).toBe(true);
    expect((await deltaIds(db))?.sort()).toEqual(['fam-1', 'fam-3', 'fam-4']);
    const rows = await allFamilies(db);
    // A new family and a renamed one take their places in the first order (by name).
    expect(rows.map((r) => r.name)).toEqual(['Familien Aske', 'Familien Holm', 'Familien Ny', 'Familien Æble']);
    expect(rows.find((r) => r.id === 'fam-1')?.overdueCount).toBe(3);
    expect(rows.find((r) => r.id === 'fam-4')?.workers).toEqual(row('fam-4', 'Familien Ny').workers);
    // Exactly what a full read gives.
    await db.bundles.delete('caseload');
    expect(byId(rows)).toEqual(byId((await allFamilies(db)).map(({ indexedFrom: _, ...r }) => r)));
  });

  it('is written again, its delta folded in, once a read finds more than FOLD_DELTA rows in it', async () => {
    const db = await filled();
    await allFamilies(db);
    await caseloadCopySettled();
    await updatePlainFamilies(db, [{ key: 'fam-1', changes: { overdueCount: 1 } }]);
    await allFamilies(db);
    await caseloadCopySettled();
    expect(await deltaIds(db)).toEqual(['fam-1']);
    const many = Array.from({ length: FOLD_DELTA }, (_, i) => row(`fam-x${i}`, `Familien X${i}`));
    await putFamilies(db, many);
    const read = await allFamilies(db);
    await caseloadCopySettled();
    expect(await deltaIds(db)).toBeUndefined();
    expect(byId(await allFamilies(db))).toEqual(byId(read));
    expect(read).toHaveLength(3 + FOLD_DELTA);
  });

  it('goes when a write would list more than MAX_DELTA rows in its delta', async () => {
    const db = await filled();
    await allFamilies(db);
    await caseloadCopySettled();
    await putFamilies(db, Array.from({ length: MAX_DELTA - 1 }, (_, i) => row(`fam-x${i}`, `Familien X${i}`)));
    expect(await hasCopy(db)).toBe(true);
    await updatePlainFamilies(db, [{ key: 'fam-1', changes: { overdueCount: 1 } }, { key: 'fam-2', changes: { overdueCount: 1 } }]);
    expect(await hasCopy(db)).toBe(false);
    expect(await deltaIds(db)).toBeUndefined();
    expect(await allFamilies(db)).toHaveLength(3 + MAX_DELTA - 1);
  });

  it('is not used when a row of its delta does not open (the full read decides)', async () => {
    const db = await filled();
    await allFamilies(db);
    await caseloadCopySettled();
    await putFamilies(db, [row('fam-4', 'Familien Ny')]);
    const bundle = (await db.families.get('fam-4'))?.bundle ?? '';
    await db.bundles.update(bundle, { s: new Uint8Array(40) });
    const rows = await allFamilies(db);
    // The full read leaves out the row that does not open (and writes no copy of an incomplete read).
    expect(rows.map((r) => r.id).sort()).toEqual(['fam-1', 'fam-2', 'fam-3']);
  });

  it('is not stored when a write comes between the read and the copy (the fence moved)', async () => {
    const db = await filled();
    await allFamilies(db); // the copy is written a moment later…
    await db.transaction('rw', db.families, db.actions, db.bundles, () => deleteFamilies(db, ['fam-3'])); // …after this purge
    await caseloadCopySettled();
    expect(await hasCopy(db)).toBe(false);
    expect((await allFamilies(db)).map((r) => r.id)).not.toContain('fam-3');
  });
});
