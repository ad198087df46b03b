// The sweep's index writing (indexSummaries): one transaction for a whole
// caseload, rows for new families, and only the server-decided fields of known
// families, written only when they changed; what the plan itself gave a row
// (due dates, tovholder, activity) is kept.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAction, setMeta, setTovholder } from '../../src/lib/domain/plan.ts';
import { openDb } from '../../src/lib/storage/db.ts';
import { familyRows, indexSummaries, reindexFamily, writeFamily } from '../../src/lib/storage/indexer.ts';
import { deleteFamilies, getFamily } from '../../src/lib/storage/sealed-rows.ts';
import type { FamilySummary } from '../../src/lib/shared/api-types.ts';
import { familySummary } from './support/family-summary.ts';

const TODAY = '2026-11-24';

const summary = (i: number, over: Partial<FamilySummary> = {}): FamilySummary => familySummary(`fam-${String(i).padStart(6, '0')}`, { name: `Familien ${i}`, ...over });

describe('indexSummaries', () => {
  it('writes every new family in one go, then nothing while nothing changed', async () => {
    const db = openDb(`test-${Math.random()}`);
    const list = Array.from({ length: 2000 }, (_, i) => summary(i));
    expect(await indexSummaries(db, list, TODAY)).toBe(2000);
    expect(await db.families.count()).toBe(2000);
    expect(await getFamily(db, 'fam-000007')).toMatchObject({ name: 'Familien 7', search: 'familien 7', consentStatus: 'ingen', lastActivity: '' });
    // The name is sealed: the stored row does not hold it.
    expect(JSON.stringify(await db.families.get('fam-000007'))).not.toContain('Familien 7');

    const before = await db.families.toArray();
    expect(await indexSummaries(db, list, TODAY)).toBe(0);
    expect(await db.families.toArray()).toEqual(before);
    db.close();
  });

  it('updates access, team name and consent status where the server changed them, and keeps what the plan gave the row', async () => {
    const db = openDb(`test-${Math.random()}`);
    const doc = new Y.Doc();
    setMeta(doc, { name: 'Familien Plan', district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
    setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
    addAction(doc, { title: 'Møde', due: '2026-11-20', status: 'aaben', ownerId: 'u-anna', ownerName: 'Anna Holm', sector: 'social', createdAt: '2026-01-01T10:00:00Z', createdBy: 'u-anna' });
    await writeFamily(db, familyRows(summary(1), doc, TODAY, '2026-11-23T09:00:00Z'));
    await indexSummaries(db, [summary(1), summary(2)], TODAY);

    const changed = [
      summary(1, { parts: [{ part: 'plan', access: 'write' }, { part: 'social', access: 'read' }], consentUntil: '2026-12-01T00:00:00Z' }),
      summary(2)
    ];
    expect(await indexSummaries(db, changed, TODAY)).toBe(1);
    expect(await getFamily(db, 'fam-000001')).toMatchObject({
      name: 'Familien Plan',
      tovholderId: 'u-anna',
      nextDue: '2026-11-20',
      overdueCount: 1,
      lastActivity: '2026-11-23T09:00:00Z',
      consentStatus: 'udloeber',
      parts: changed[0].parts
    });
    expect(await db.actions.where('familyId').equals('fam-000001').count()).toBe(1);
    expect(await indexSummaries(db, [summary(1, { ...changed[0], teamName: 'Gellerup Nord' }), summary(2)], TODAY)).toBe(1);
    expect((await getFamily(db, 'fam-000001'))?.teamName).toBe('Gellerup Nord');
    db.close();
  });

  it('a plan indexed from a row read before a sweep changed its access keeps the sweep\'s access', async () => {
    // The plan's indexer reads the row, builds it from the document a while later and writes it
    // whole; the sweep (a case reopened: access back to write) wrote in between.
    const db = openDb(`test-${Math.random()}`);
    const read = summary(4, { parts: [{ part: 'plan', access: 'read' }], consentUntil: '2027-03-01T00:00:00Z' });
    await indexSummaries(db, [read], TODAY);
    const doc = new Y.Doc();
    setMeta(doc, { name: 'Familien Fire', district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
    addAction(doc, { title: 'Møde', due: '2026-12-02', status: 'aaben', ownerId: 'u-anna', ownerName: 'Anna Holm', sector: 'social', createdAt: '2026-01-01T10:00:00Z', createdBy: 'u-anna' });
    const fromPlan = familyRows(read, doc, TODAY, '2026-11-24T09:00:00Z');

    const reopened = summary(4, { parts: [{ part: 'plan', access: 'write' }, { part: 'school', access: 'read' }], consentUntil: null, grantUntil: '2027-01-15' });
    expect(await indexSummaries(db, [reopened], TODAY)).toBe(1);
    await reindexFamily(db, fromPlan);

    expect(await getFamily(db, 'fam-000004')).toMatchObject({
      name: 'Familien Fire',
      nextDue: '2026-12-02',
      parts: reopened.parts,
      consentUntil: null,
      consentStatus: 'ingen',
      grantUntil: '2027-01-15'
    });

    // Access ended and the family purged while the plan was indexed: it stays gone.
    await deleteFamilies(db, ['fam-000004']);
    await reindexFamily(db, fromPlan);
    expect(await getFamily(db, 'fam-000004')).toBeUndefined();
    expect(await db.actions.where('familyId').equals('fam-000004').count()).toBe(0);
    db.close();
  });

  it('leaves no stale action rows under a family it indexes afresh', async () => {
    const db = openDb(`test-${Math.random()}`);
    await db.actions.put({ key: 'fam-000003/a1', familyId: 'fam-000003', actionId: 'a1', ownerId: 'u-anna', due: '2026-11-01', status: 'aaben', sector: 'social', bundle: 'gone' });
    expect(await indexSummaries(db, [summary(3)], TODAY)).toBe(1);
    expect(await db.actions.where('familyId').equals('fam-000003').count()).toBe(0);
    db.close();
  });
});
