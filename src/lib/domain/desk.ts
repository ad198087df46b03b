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
import type { CaseStatus } from '../shared/plan-terms.ts';

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
  status: CaseStatus;
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
  /** familyId/actionId */
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

/** Urgency: group, then day (none last), then kind, then key. */
export function byUrgency(a: DeskItem, b: DeskItem): number {
  return ORDER[a.group] - ORDER[b.group] || cmp(a.day || '9999', b.day || '9999') || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(a.key, b.key);
}

/**
 * What needs `me` in the families they are tovholder for, by group, each
 * group in no particular order (`mostUrgent` picks what is shown; a
 * tovholder of a city's caseload has tens of thousands of items, and the desk
 * shows eight per group). `actions` are the index rows of those families
 * (others are ignored). Closed cases need nothing.
 */
export function tovholderNeeds(me: string, families: readonly DeskFamily[], actions: readonly DeskAction[], d: DeskDays): Record<DeskGroup, DeskItem[]> {
  const out: Record<DeskGroup, DeskItem[]> = { overdue: [], today: [], week: [], later: [] };
  const mine = new Map<string, DeskFamily>();
  for (const f of families) if (f.tovholderId === me && f.status === 'aktiv') mine.set(f.id, f);
  const push = (f: DeskFamily, key: string, kind: DeskNeedKind, group: DeskGroup, day: string, extra?: Pick<DeskItem, 'action' | 'ownerName' | 'count'>) => {
    out[group].push({ key, kind, group, familyId: f.id, familyName: f.name, day, ...extra });
  };
  for (const a of actions) {
    const f = mine.get(a.familyId);
    if (!f || !isOpen(a.status)) continue;
    if (!a.ownerId) {
      push(f, `no-owner/${a.key}`, 'action-no-owner', groupOf(a.due, d), a.due, { action: a });
    } else if (a.ownerId !== me && a.due && a.due < d.today) {
      const ownerName = f.workers?.find((w) => w.id === a.ownerId)?.name ?? '';
      push(f, `overdue/${a.key}`, 'action-overdue', 'overdue', a.due, { action: a, ownerName });
    }
  }
  for (const f of mine.values()) {
    if (f.handoverTo === me) push(f, `handover/${f.id}`, 'handover-for-me', 'today', d.today);
    const goals = f.goalsWithoutActions ?? 0;
    if (goals > 0) push(f, `goals/${f.id}`, 'goals-without-actions', 'later', '', { count: goals });
    const meeting = f.nextMeeting ?? '';
    if (meeting && meeting >= d.today && meeting <= d.weekEnd) {
      push(f, `meeting/${f.id}`, 'meeting-this-week', groupOf(meeting, d), meeting);
    } else if (!meeting && f.nextMeeting !== undefined) {
      // (undefined: a row indexed before the desk existed: not known, so not claimed)
      push(f, `meeting-plan/${f.id}`, 'meeting-to-plan', 'later', '');
    }
    if (f.consentStatus === 'udloeber') {
      const until = (f.consentUntil ?? '').slice(0, 10);
      push(f, `consent/${f.id}`, 'consent-expiring', until && until <= d.weekEnd ? groupOf(until, d) : 'later', until);
    }
  }
  return out;
}

/**
 * The `n` most urgent of `items`, most urgent first: one pass that keeps the
 * best n (the desk shows 8 of what may be thousands), the same list a full
 * sort would begin with.
 */
export function mostUrgent(items: readonly DeskItem[], n: number): DeskItem[] {
  const best: DeskItem[] = [];
  if (n <= 0) return best;
  for (const item of items) {
    if (best.length === n && byUrgency(item, best[n - 1]) >= 0) continue;
    let i = best.length === n ? n - 1 : best.length;
    while (i > 0 && byUrgency(item, best[i - 1]) < 0) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = item;
  }
  return best;
}

/** My open actions, by group, each group by due date. */
export function myActionGroups(me: string, actions: readonly DeskAction[], d: DeskDays): Record<DeskGroup, DeskAction[]> {
  const out: Record<DeskGroup, DeskAction[]> = { overdue: [], today: [], week: [], later: [] };
  for (const a of actions) if (a.ownerId === me && isOpen(a.status)) out[groupOf(a.due, d)].push(a);
  for (const g of DESK_GROUPS) out[g].sort((a, b) => cmp(a.due || '9999', b.due || '9999') || cmp(a.key, b.key));
  return out;
}
