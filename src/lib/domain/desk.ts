// The tovholder's desk (issue #16): what needs a worker across their
// families, computed from the device's index rows (never by opening plans),
// so a city's caseload (5,000 families) is one pass over rows already read.
//
// Two lists, grouped the same way (Overskredet / I dag / Denne uge / Senere og
// uden dato):
//  - for each family whose tovholder I am: colleagues' overdue actions,
//    actions without owner, goals without actions, the network meeting this
//    week or none planned, a consent expiring within 30 days, a handover
//    proposed to me;
//  - my own open actions.
// "Today", "overdue" are the Copenhagen days of domain/today.ts.

export const DESK_GROUPS = ['overdue', 'today', 'week', 'later'] as const;
export type DeskGroup = (typeof DESK_GROUPS)[number];

export type DeskNeedKind =
  | 'action-overdue'
  | 'action-no-owner'
  | 'goals-without-actions'
  | 'meeting-this-week'
  | 'meeting-to-plan'
  | 'consent-expiring'
  | 'handover-for-me';

/** What the desk needs of an index family row (FamilyRow fits). */
export interface DeskFamily {
  id: string;
  name: string;
  status: 'aktiv' | 'afsluttet';
  tovholderId: string;
  consentStatus: string;
  /** yyyy-MM-dd or an ISO instant: when the family's consent cover ends */
  consentUntil?: string | null;
  goalsWithoutActions?: number;
  /** yyyy-MM-dd of the next network meeting (today or later), '' when none */
  nextMeeting?: string;
  /** the user id an open handover proposal names, '' when none */
  handoverTo?: string;
  workers?: { id: string; name: string }[];
}

/** What the desk needs of an index action row (ActionRow fits). */
export interface DeskAction {
  key: string;
  familyId: string;
  familyName: string;
  actionId: string;
  title: string;
  ownerId: string;
  due: string;
  status: string;
}

export interface DeskItem {
  /** stable across renders: kind + family (+ action) */
  key: string;
  kind: DeskNeedKind;
  group: DeskGroup;
  familyId: string;
  familyName: string;
  /** the day it is about ('' when none): a due date, a meeting, a consent's end */
  day: string;
  action?: DeskAction;
  /** the owner's name for a colleague's action */
  ownerName?: string;
  /** goals without actions */
  count?: number;
}

export interface DeskFamilyGroup {
  familyId: string;
  familyName: string;
  items: DeskItem[];
}

export interface DeskDays {
  today: string;
  /** the last day of "this week": today + 6 */
  weekEnd: string;
}

const isOpen = (status: string) => status === 'aaben' || status === 'igang';

/** Which group a day falls in; '' (no date) is later. */
export function groupOf(day: string, d: DeskDays): DeskGroup {
  if (!day) return 'later';
  if (day < d.today) return 'overdue';
  if (day === d.today) return 'today';
  if (day <= d.weekEnd) return 'week';
  return 'later';
}

// Days are ISO strings and keys plain ids: code-unit order is enough, and
// localeCompare (ICU) would cost more than the rest for a city's caseload.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ORDER: Record<DeskGroup, number> = { overdue: 0, today: 1, week: 2, later: 3 };
/** Within a group and day: what a person must act on first. */
const KIND_ORDER: Record<DeskNeedKind, number> = {
  'action-overdue': 0,
  'handover-for-me': 1,
  'consent-expiring': 2,
  'meeting-this-week': 3,
  'action-no-owner': 4,
  'goals-without-actions': 5,
  'meeting-to-plan': 6
};
/**
 * An item's place by urgency as one string: its group, its day ('' last),
 * its kind, its key — compared with `<` it orders as comparing those fields
 * one by one would (the group and kind are one digit each; the NUL after
 * the day puts a day before any longer one it begins). Computed once per
 * item: a tovholder of thousands of families has tens of thousands of items
 * to sort at every paint of the start page.
 */
const urgencyKeys = new WeakMap<DeskItem, string>();
function urgency(i: DeskItem): string {
  let k = urgencyKeys.get(i);
  if (k === undefined) urgencyKeys.set(i, (k = `${ORDER[i.group]}${i.day || '9999'}\u0000${KIND_ORDER[i.kind]}${i.key}`));
  return k;
}
const byUrgency = (a: DeskItem, b: DeskItem) => cmp(urgency(a), urgency(b));

/**
 * What needs `me` in the families they are tovholder for. `actions` are the
 * index rows of those families (others are ignored). Closed cases need
 * nothing. Families come out in the order of their most urgent item.
 */
export function tovholderNeeds(me: string, families: readonly DeskFamily[], actions: readonly DeskAction[], d: DeskDays): DeskFamilyGroup[] {
  const mine = new Map<string, DeskFamily>();
  for (const f of families) if (f.tovholderId === me && f.status === 'aktiv') mine.set(f.id, f);
  const items = new Map<string, DeskItem[]>();
  const push = (f: DeskFamily, item: Omit<DeskItem, 'familyId' | 'familyName'>) => {
    let list = items.get(f.id);
    if (!list) items.set(f.id, (list = []));
    list.push({ ...item, familyId: f.id, familyName: f.name });
  };
  for (const a of actions) {
    const f = mine.get(a.familyId);
    if (!f || !isOpen(a.status)) continue;
    if (!a.ownerId) {
      push(f, { key: `no-owner/${a.key}`, kind: 'action-no-owner', group: groupOf(a.due, d), day: a.due, action: a });
    } else if (a.ownerId !== me && a.due && a.due < d.today) {
      const ownerName = f.workers?.find((w) => w.id === a.ownerId)?.name ?? '';
      push(f, { key: `overdue/${a.key}`, kind: 'action-overdue', group: 'overdue', day: a.due, action: a, ownerName });
    }
  }
  for (const f of mine.values()) {
    if (f.handoverTo === me) push(f, { key: `handover/${f.id}`, kind: 'handover-for-me', group: 'today', day: d.today });
    const goals = f.goalsWithoutActions ?? 0;
    if (goals > 0) push(f, { key: `goals/${f.id}`, kind: 'goals-without-actions', group: 'later', day: '', count: goals });
    const meeting = f.nextMeeting ?? '';
    if (meeting && meeting >= d.today && meeting <= d.weekEnd) {
      push(f, { key: `meeting/${f.id}`, kind: 'meeting-this-week', group: groupOf(meeting, d), day: meeting });
    } else if (!meeting && f.nextMeeting !== undefined) {
      // (undefined: a row indexed before the desk existed: not known, so not claimed)
      push(f, { key: `meeting-plan/${f.id}`, kind: 'meeting-to-plan', group: 'later', day: '' });
    }
    if (f.consentStatus === 'udloeber') {
      const until = (f.consentUntil ?? '').slice(0, 10);
      push(f, { key: `consent/${f.id}`, kind: 'consent-expiring', group: until && until <= d.weekEnd ? groupOf(until, d) : 'later', day: until });
    }
  }
  const out: DeskFamilyGroup[] = [];
  for (const [familyId, list] of items) {
    list.sort(byUrgency);
    out.push({ familyId, familyName: list[0].familyName, items: list });
  }
  return out.sort((a, b) => byUrgency(a.items[0], b.items[0]));
}

/** My open actions, by group, each group by due date. */
export function myActionGroups(me: string, actions: readonly DeskAction[], d: DeskDays): Record<DeskGroup, DeskAction[]> {
  const out: Record<DeskGroup, DeskAction[]> = { overdue: [], today: [], week: [], later: [] };
  for (const a of actions) if (a.ownerId === me && isOpen(a.status)) out[groupOf(a.due, d)].push(a);
  for (const g of DESK_GROUPS) out[g].sort((a, b) => cmp(a.due || '9999', b.due || '9999') || cmp(a.key, b.key));
  return out;
}

/** A tovholder's items, flattened into the four groups (the desk shows them grouped by urgency, each naming its family). */
export function needsByGroup(families: readonly DeskFamilyGroup[]): Record<DeskGroup, DeskItem[]> {
  const out: Record<DeskGroup, DeskItem[]> = { overdue: [], today: [], week: [], later: [] };
  for (const f of families) for (const i of f.items) out[i.group].push(i);
  for (const g of DESK_GROUPS) out[g].sort(byUrgency);
  return out;
}
