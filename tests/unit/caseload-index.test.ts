// CaseloadIndex keeps sort orders between queries and filters an already
// sorted list; for any rows and any sequence of queries it must give what
// "filter, then sort" gives (the plain definition below).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CaseloadIndex, danishKey, type CaseloadFilter, type CaseloadQuery, type CaseloadSort } from '../../src/lib/storage/caseload.ts';
import type { FamilyRow } from '../../src/lib/storage/db.ts';

function plain(rows: readonly FamilyRow[], o: CaseloadQuery): FamilyRow[] {
  const q = o.query.trim().toLowerCase();
  const byName = (a: FamilyRow, b: FamilyRow) => (danishKey(a.name) < danishKey(b.name) ? -1 : danishKey(a.name) > danishKey(b.name) ? 1 : 0);
  const out = rows.filter(
    (f) =>
      (!q || f.search.includes(q) || f.district.toLowerCase().includes(q)) &&
      (o.filter === 'overdue'
        ? f.overdueCount > 0
        : o.filter === 'no-tovholder'
          ? !f.tovholderId
          : o.filter === 'consent-expiring'
            ? f.consentStatus === 'udloeber'
            : o.filter === 'active'
              ? f.status === 'aktiv'
              : o.filter === 'closed'
                ? f.status === 'afsluttet'
                : o.filter === 'mine-tovholder'
                  ? !!o.me && f.tovholderId === o.me
                  : true)
  );
  const by: Record<CaseloadSort, (a: FamilyRow, b: FamilyRow) => number> = {
    name: byName,
    due: (a, b) => (a.nextDue || '9999').localeCompare(b.nextDue || '9999') || byName(a, b),
    overdue: (a, b) => b.overdueCount - a.overdueCount || byName(a, b),
    activity: (a, b) => b.lastActivity.localeCompare(a.lastActivity) || byName(a, b)
  };
  return out.sort(by[o.sort]);
}

const NAMES = ['Hansen', 'Ærø', 'Østergaard', 'Åberg', 'Nielsen', 'Ahmed', 'hansen', 'Sørensen'];
const rowArb = fc.record({
  n: fc.integer({ min: 0, max: 40 }),
  name: fc.constantFrom(...NAMES),
  district: fc.constantFrom('Gellerup', 'Viby', 'Hasle'),
  due: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
  overdue: fc.integer({ min: 0, max: 3 }),
  activity: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
  tovholder: fc.constantFrom('', 'u-anna', 'u-bo'),
  expiring: fc.boolean(),
  closed: fc.boolean()
});
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();
const queryArb = fc.record({
  query: fc.constantFrom('', 'han', ' ØST ', 'gel', 'familien 1', 'å'),
  filter: fc.constantFrom<CaseloadFilter>('all', 'overdue', 'no-tovholder', 'consent-expiring', 'active', 'closed', 'mine-tovholder'),
  sort: fc.constantFrom<CaseloadSort>('name', 'due', 'overdue', 'activity'),
  today: fc.constant('2026-11-24'),
  me: fc.constantFrom('u-anna', 'u-bo', undefined)
});

describe('CaseloadIndex', () => {
  it('answers every query in a sequence as filter-then-sort would', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 80 }), fc.array(queryArb, { minLength: 1, maxLength: 12 }), (specs, queries) => {
        const rows: FamilyRow[] = specs.map((s, i) => {
          const name = `Familien ${s.name} ${s.n}`;
          return {
            id: `fam-${i}`,
            name,
            district: s.district,
            teamId: 'gellerup',
            teamName: 'Gellerup',
            status: s.closed ? 'afsluttet' : 'aktiv',
            tovholderId: s.tovholder,
            tovholderName: '',
            nextDue: s.due === null ? '' : day(s.due).slice(0, 10),
            overdueCount: s.overdue,
            openActions: 0,
            lastActivity: s.activity === null ? '' : day(s.activity),
            consentStatus: s.expiring ? 'udloeber' : 'aktiv',
            search: name.toLowerCase(),
            parts: []
          };
        });
        const index = new CaseloadIndex(rows);
        // Half the time every order is computed first, as the start page does when idle.
        if (specs.length % 2 === 0) index.prepareSorts();
        for (const q of queries) expect(index.query(q).map((r) => r.id)).toEqual(plain(rows, q).map((r) => r.id));
      }),
      { numRuns: 200 }
    );
  });
});
