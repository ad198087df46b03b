import { describe, expect, it } from 'vitest';
import { byUrgency, DESK_GROUPS, groupOf, mostUrgent, myActionGroups, tovholderNeeds, type DeskAction, type DeskDays, type DeskFamily, type DeskItem } from '../../src/lib/domain/desk.ts';

const d = { today: '2026-03-10', weekEnd: '2026-03-16' };
const family = (id: string, over: Partial<DeskFamily> = {}): DeskFamily => ({
  id,
  name: `Familien ${id}`,
  status: 'aktiv',
  tovholderId: 'bo',
  consentStatus: 'aktiv',
  consentUntil: null,
  goalsWithoutActions: 0,
  nextMeeting: '2026-04-01',
  handoverTo: '',
  workers: [
    { id: 'anna', name: 'Anna Holm' },
    { id: 'bo', name: 'Bo Lindqvist' }
  ],
  ...over
});
const action = (familyId: string, actionId: string, over: Partial<DeskAction> = {}): DeskAction => ({
  key: `${familyId}/${actionId}`,
  familyId,
  familyName: `Familien ${familyId}`,
  actionId,
  title: `Handling ${actionId}`,
  ownerId: 'anna',
  due: '2026-03-20',
  status: 'aaben',
  ...over
});

describe('groupOf', () => {
  it('puts days in overdue / today / this week / later', () => {
    expect(groupOf('2026-03-09', d)).toBe('overdue');
    expect(groupOf('2026-03-10', d)).toBe('today');
    expect(groupOf('2026-03-16', d)).toBe('week');
    expect(groupOf('2026-03-17', d)).toBe('later');
    expect(groupOf('', d)).toBe('later');
  });
});

/** The needs per family, each family's in order of urgency, families in the order of their most urgent need. */
function byFamily(me: string, families: DeskFamily[], actions: DeskAction[], days: DeskDays) {
  const groups = tovholderNeeds(me, families, actions, days);
  const all = DESK_GROUPS.flatMap((g) => groups[g]).sort(byUrgency);
  const out = new Map<string, DeskItem[]>();
  for (const i of all) out.set(i.familyId, [...(out.get(i.familyId) ?? []), i]);
  return [...out].map(([familyId, items]) => ({ familyId, items }));
}

describe('tovholderNeeds', () => {
  it('lists what needs the tovholder in their own active families only', () => {
    const families = [
      family('a', { goalsWithoutActions: 2, consentStatus: 'udloeber', consentUntil: '2026-03-12T23:00:00.000Z' }),
      family('b', { tovholderId: 'anna' }), // not mine
      family('c', { status: 'afsluttet' }), // closed
      family('e', { nextMeeting: '2026-03-10', handoverTo: 'bo' }),
      family('f', { nextMeeting: '' })
    ];
    const actions = [
      action('a', '1', { due: '2026-03-01' }), // anna's, overdue
      action('a', '2', { due: '2026-03-01', ownerId: 'bo' }), // mine: not a colleague's
      action('a', '3', { due: '2026-03-01', status: 'faerdig' }), // done
      action('a', '4', { ownerId: '', due: '' }), // no owner
      action('b', '5', { due: '2026-03-01' }), // not my family
      action('c', '6', { due: '2026-03-01' }) // closed case
    ];
    const needs = byFamily('bo', families, actions, d);
    expect(needs.map((f) => f.familyId)).toEqual(['a', 'e', 'f']);
    const a = needs[0].items;
    expect(a.map((i) => [i.kind, i.group])).toEqual([
      ['action-overdue', 'overdue'],
      ['consent-expiring', 'week'],
      ['action-no-owner', 'later'],
      ['goals-without-actions', 'later']
    ]);
    expect(a[0]).toMatchObject({ ownerName: 'Anna Holm', day: '2026-03-01' });
    expect(a[1].day).toBe('2026-03-12');
    expect(a[3].count).toBe(2);
    expect(needs[1].items.map((i) => i.kind).sort()).toEqual(['handover-for-me', 'meeting-this-week']);
    expect(needs[2].items.map((i) => i.kind)).toEqual(['meeting-to-plan']);
  });

  it('does not claim "no meeting planned" for rows indexed before the desk', () => {
    const needs = tovholderNeeds('bo', [family('x', { nextMeeting: undefined })], [], d);
    expect(needs).toEqual({ overdue: [], today: [], week: [], later: [] });
  });

  it('a consent expiring in three weeks is later, not this week', () => {
    const { later } = tovholderNeeds('bo', [family('x', { consentStatus: 'udloeber', consentUntil: '2026-04-01T22:00:00.000Z' })], [], d);
    expect(later[0]).toMatchObject({ kind: 'consent-expiring', group: 'later' });
  });

  it('groups across families by urgency', () => {
    const groups = tovholderNeeds('bo', [family('a'), family('e', { nextMeeting: '2026-03-11' })], [action('a', '1', { due: '2026-03-02' })], d);
    expect(groups.overdue.map((i) => i.kind)).toEqual(['action-overdue']);
    expect(groups.week.map((i) => i.kind)).toEqual(['meeting-this-week']);
  });

  it('shows the most urgent of a group as a full sort by group, day, kind and key one by one would', () => {
    const KIND = ['action-overdue', 'handover-for-me', 'consent-expiring', 'meeting-this-week', 'action-no-owner', 'goals-without-actions', 'meeting-to-plan'] as const;
    const GROUP = ['overdue', 'today', 'week', 'later'] as const;
    const DAYS = ['', '2026-03-01', '2026-03-02', '2026-03-10', '2026-12-31', '2027-01-01'];
    let seed = 7;
    const pick = <T,>(xs: readonly T[]) => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length];
    const items: DeskItem[] = Array.from({ length: 400 }, (_, i) => ({
      key: `${pick(['a', 'b', 'no-owner/f1', 'overdue/f2'])}/${i % 37}`,
      kind: pick(KIND),
      group: pick(GROUP),
      familyId: 'f',
      familyName: 'F',
      day: pick(DAYS)
    }));
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const reference = (a: DeskItem, b: DeskItem) =>
      GROUP.indexOf(a.group) - GROUP.indexOf(b.group) || cmp(a.day || '9999', b.day || '9999') || KIND.indexOf(a.kind) - KIND.indexOf(b.kind) || cmp(a.key, b.key);
    const sorted = [...items].sort(reference);
    expect([...items].sort(byUrgency)).toEqual(sorted);
    for (const n of [0, 1, 8, 399, 400, 500]) expect(mostUrgent(items, n)).toEqual(sorted.slice(0, n));
    for (const g of GROUP) {
      const group = items.filter((i) => i.group === g);
      expect(mostUrgent(group, 8)).toEqual(sorted.filter((i) => i.group === g).slice(0, 8));
    }
  });

  it('handles a city caseload quickly', () => {
    const families = Array.from({ length: 5000 }, (_, i) => family(`f${i}`, { tovholderId: i % 10 === 0 ? 'bo' : 'anna', goalsWithoutActions: i % 3 }));
    const actions = families.flatMap((f, i) => [action(f.id, '1', { due: i % 2 ? '2026-03-01' : '' }), action(f.id, '2', { ownerId: '' })]);
    const t0 = performance.now();
    const needs = tovholderNeeds('bo', families, actions, d);
    const top = DESK_GROUPS.map((g) => mostUrgent(needs[g], 8));
    const ms = performance.now() - t0;
    expect(new Set(DESK_GROUPS.flatMap((g) => needs[g]).map((i) => i.familyId)).size).toBe(500);
    expect(top.flat().length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(200);
  });
});

describe('myActionGroups', () => {
  it('groups my open actions by due date', () => {
    const g = myActionGroups(
      'bo',
      [
        action('a', '1', { ownerId: 'bo', due: '2026-03-09' }),
        action('a', '2', { ownerId: 'bo', due: '2026-03-10' }),
        action('a', '3', { ownerId: 'bo', due: '2026-03-12' }),
        action('a', '4', { ownerId: 'bo', due: '' }),
        action('a', '5', { ownerId: 'bo', due: '2026-03-01', status: 'faerdig' }),
        action('a', '6', { ownerId: 'anna', due: '2026-03-01' })
      ],
      d
    );
    expect(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.map((a) => a.actionId)]))).toEqual({ overdue: ['1'], today: ['2'], week: ['3'], later: ['4'] });
  });
});
