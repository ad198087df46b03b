// The device's local index: schema opens in fake-indexeddb, the indexer turns
// a plan into rows, purge removes every trace, and caseload filter + sort.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { addAction, addHope, setMeta, setTovholder } from '../../src/lib/domain/plan.ts';
import { openDb } from '../../src/lib/storage/db.ts';
import { familyRows, writeFamily } from '../../src/lib/storage/indexer.ts';
import { purgeRooms } from '../../src/lib/storage/purge.ts';
import { getFamily, openActions, putFamilies } from '../../src/lib/storage/sealed-rows.ts';
import { unsealJson } from '../../src/lib/storage/device-key.ts';
import { danishKey, filterAndSort } from '../../src/lib/storage/caseload.ts';
import type { FamilySummary } from '../../src/lib/shared/api-types.ts';
import type { FamilyRow } from '../../src/lib/storage/db.ts';
import { familySummary } from './support/family-summary.ts';

const summary = (id: string, name: string, consentUntil: string | null = null): FamilySummary => familySummary(id, { name, consentUntil });

function plan() {
  const doc = new Y.Doc();
  setMeta(doc, { name: 'Familien Test', district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
  setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
  addHope(doc, { text: 'At vi har det godt', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
  const mk = (title: string, due: string, status: 'aaben' | 'udfoert' = 'aaben') =>
    addAction(doc, { title, due, status, ownerId: 'u-anna', ownerName: 'Anna Holm', sector: 'social', createdAt: '2026-01-01T10:00:00Z', createdBy: 'u-anna' });
  mk('Forfalden', '2026-11-20');
  mk('Snart', '2026-11-26');
  mk('Færdig', '2026-11-01', 'udfoert');
  return doc;
}

describe('indexer', () => {
  it('derives counts and dates from a plan, never from text it does not need', () => {
    const rows = familyRows(summary('fam-000001', 'Familien Test', '2026-12-10T00:00:00Z'), plan(), '2026-11-24', '2026-11-24T09:00:00Z');
    expect(rows.family).toMatchObject({
      name: 'Familien Test',
      tovholderId: 'u-anna',
      nextDue: '2026-11-20',
      overdueCount: 1,
      openActions: 2,
      consentStatus: 'udloeber',
      // the family's name, its tovholder and the owners of open actions (issue #16: search by them)
      search: 'familien test\nanna holm'
    });
    expect(rows.actions).toHaveLength(3);
    expect(rows.actions.every((a) => a.key.startsWith('fam-000001/'))).toBe(true);
  });

  it('consent status: none, active, expiring within 30 days', () => {
    const s = (until: string | null) => familyRows(summary('fam-000001', 'X', until), null, '2026-11-24', '').family.consentStatus;
    expect(s(null)).toBe('ingen');
    expect(s('2027-06-01T00:00:00Z')).toBe('aktiv');
    expect(s('2026-12-24T00:00:00Z')).toBe('udloeber');
  });
});

describe('local database', () => {
  it('stores index rows, queries my actions by owner and due date, and purges a family completely', async () => {
    const db = openDb(`test-${Math.random()}`);
    await writeFamily(db, familyRows(summary('fam-000001', 'Familien Test'), plan(), '2026-11-24', ''));
    await writeFamily(db, familyRows(summary('fam-000002', 'Familien Anden'), plan(), '2026-11-24', ''));
    await db.rooms.bulkPut([
      { room: 'f-fam-000001.plan', familyId: 'fam-000001', part: 'plan', access: 'write', syncedSeq: 3, lastSynced: 'x', pendingEdits: 0 },
      { room: 'f-fam-000001.social', familyId: 'fam-000001', part: 'social', access: 'write', syncedSeq: 1, lastSynced: 'x', pendingEdits: 2 }
    ]);
    const mine = await db.actions.where('[ownerId+due]').between(['u-anna', ''], ['u-anna', '2026-12-01'], true, true).toArray();
    expect(mine).toHaveLength(6);

    const purged = await purgeRooms(db, ['f-fam-000001.plan']);
    expect(purged).toEqual(['fam-000001']);
    expect(await db.families.get('fam-000001')).toBeUndefined();
    expect(await db.actions.where('familyId').equals('fam-000001').count()).toBe(0);
    expect(await db.rooms.where('familyId').equals('fam-000001').count()).toBe(0);
    expect(await db.families.get('fam-000002')).toBeDefined();
    // Named again at the next contact: nothing is left, so nothing is reported (no repeated notice).
    expect(await purgeRooms(db, ['f-fam-000001.plan', 'f-fam-000001.social'])).toEqual([]);
    db.close();
  });

  it("leaves nothing of a purged family in the bundles it shared with other families (names, action titles)", async () => {
    const db = openDb(`test-${Math.random()}`);
    // One write, as a sweep writes many families: both families' sealed fields and action titles share bundles.
    const named = (name: string) => {
      const doc = plan();
      setMeta(doc, { name, district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
      return doc;
    };
    const one = familyRows(summary('fam-000001', 'Familien Hemmelig'), named('Familien Hemmelig'), '2026-11-24', '');
    const two = familyRows(summary('fam-000002', 'Familien Anden'), named('Familien Anden'), '2026-11-24', '');
    await putFamilies(db, [one.family, two.family], { actions: [...one.actions, ...two.actions] });
    const sealedKeys = async () => {
      const out: string[] = [];
      for (const b of await db.bundles.toArray()) {
        if (b.kind === 'caseload') continue;
        const text = JSON.stringify(await unsealJson(b.s, `fp-index:${b.kind}:${b.id}`));
        expect(text).not.toContain('Hemmelig');
        out.push(...Object.keys(JSON.parse(text)));
      }
      return out;
    };
    expect((await db.bundles.toArray()).filter((b) => b.kind !== 'caseload')).toHaveLength(2);
    expect((await getFamily(db, 'fam-000001'))?.name).toBe('Familien Hemmelig');

    await purgeRooms(db, ['f-fam-000001.plan']);
    const keys = await sealedKeys();
    expect(keys.some((k) => k.startsWith('fam-000001'))).toBe(false);
    // The other family reads as before, from the bundles sealed again.
    expect((await getFamily(db, 'fam-000002'))?.name).toBe('Familien Anden');
    const actions = await openActions(db, await db.actions.where('familyId').equals('fam-000002').toArray());
    expect(actions.map((a) => a.title).sort()).toEqual(['Forfalden', 'Færdig', 'Snart']);
    expect(keys).toHaveLength(1 + actions.length);
    db.close();
  });

  it('seals each shared bundle again once when one purge removes several of the families in it', async () => {
    const db = openDb(`test-${Math.random()}`);
    const rows = ['fam-000001', 'fam-000002', 'fam-000003'].map((id) => familyRows(summary(id, id), plan(), '2026-11-24', ''));
    await putFamilies(db, rows.map((r) => r.family), { actions: rows.flatMap((r) => r.actions) });
    const encrypts = vi.spyOn(crypto.subtle, 'encrypt');
    await purgeRooms(db, ['f-fam-000001.plan', 'f-fam-000002.plan']);
    // One family bundle and one action bundle, each sealed again once (not once per family purged).
    expect(encrypts).toHaveBeenCalledTimes(2);
    encrypts.mockRestore();
    for (const b of await db.bundles.toArray()) {
      if (b.kind === 'caseload') continue;
      const keys = Object.keys(await unsealJson<Record<string, unknown>>(b.s, `fp-index:${b.kind}:${b.id}`));
      expect(keys.every((k) => k.startsWith('fam-000003'))).toBe(true);
    }
    expect(await getFamily(db, 'fam-000003')).toBeDefined();
    db.close();
  });
});

describe('caseload filter and sort', () => {
  const row = (i: number, over: Partial<FamilyRow> = {}): FamilyRow => ({
    id: `fam-${String(i).padStart(6, '0')}`,
    name: `Familien ${i}`,
    district: 'Viby',
    teamId: 'viby',
    teamName: 'Viby',
    status: 'aktiv',
    tovholderId: i % 3 === 0 ? '' : 'u-frida',
    tovholderName: '',
    nextDue: i % 2 ? `2026-12-${String((i % 28) + 1).padStart(2, '0')}` : '',
    overdueCount: i % 5,
    openActions: 3,
    lastActivity: `2026-11-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
    consentStatus: i % 7 === 0 ? 'udloeber' : 'aktiv',
    search: `familien ${i}`,
    parts: [],
    ...over
  });

  it('sorts names in Danish order: … z, æ, ø, å', () => {
    const names = ['Åberg', 'Ørsted', 'Zenith', 'Ærø', 'Andersen'];
    const rows = names.map((n, i) => row(i, { name: n, search: n.toLowerCase() }));
    expect(filterAndSort(rows, { query: '', filter: 'all', sort: 'name', today: '2026-11-24' }).map((r) => r.name)).toEqual([
      'Andersen',
      'Zenith',
      'Ærø',
      'Ørsted',
      'Åberg'
    ]);
    expect(danishKey('Æ') < danishKey('Ø') && danishKey('Ø') < danishKey('Å')).toBe(true);
  });

  it('filters by search, overdue, missing tovholder and expiring consent', () => {
    const rows = Array.from({ length: 100 }, (_, i) => row(i));
    const f = (filter: Parameters<typeof filterAndSort>[1]['filter'], query = '') =>
      filterAndSort(rows, { query, filter, sort: 'name', today: '2026-11-24' });
    expect(f('overdue').every((r) => r.overdueCount > 0)).toBe(true);
    expect(f('no-tovholder').every((r) => r.tovholderId === '')).toBe(true);
    expect(f('consent-expiring').every((r) => r.consentStatus === 'udloeber')).toBe(true);
    expect(f('all', 'familien 4').map((r) => r.id)).toContain('fam-000042');
    const byDue = filterAndSort(rows, { query: '', filter: 'all', sort: 'due', today: '2026-11-24' });
    const dues = byDue.map((r) => r.nextDue || '9999');
    expect(dues).toEqual([...dues].sort());
  });
});

describe('schema migrations', () => {
  it('upgrades a version-1 database to the sealed index: no plain row stays', async () => {
    const { default: Dexie } = await import('dexie');
    const { SCHEMA_V1, dbName } = await import('../../src/lib/storage/db.ts');
    const user = `migrate-${Math.random()}`;
    const v1 = new Dexie(dbName(user));
    v1.version(1).stores(SCHEMA_V1);
    await v1.table('families').put({ id: 'fam-000009', name: 'Familien Ørsted', district: 'Viby', parts: [] });
    v1.close();

    const db = openDb(user);
    // v3 seals the rows' family content: the plain rows of before are dropped (the next sweep writes them again, sealed).
    expect(await db.families.get('fam-000009')).toBeUndefined();
    // v4 adds the outbox of families opened offline.
    expect(db.verno).toBe(4);
    db.close();
  });
});

describe('relative due dates', () => {
  it('speaks in calendar days', async () => {
    const { relativeDay } = await import('../../src/lib/i18n/dates.ts');
    const today = new Date(2026, 10, 24, 23, 30);
    expect(relativeDay('2026-11-24', today)).toBe('i dag');
    expect(relativeDay('2026-11-25', today)).toBe('i morgen');
    expect(relativeDay('2026-11-23', today)).toBe('i går');
    expect(relativeDay('2026-11-27', today)).toBe('om 3 dage');
    expect(relativeDay('2026-11-10', today)).toBe('for 14 dage siden');
  });
});
