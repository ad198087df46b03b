// The plan's invariants, checked in one place. Writers refuse bad input
// (plan.ts), but concurrent edits on tablets that cannot see each other can
// still produce a state no single writer would: a goal deleted while another
// tablet links an action to it, two tovholders chosen at once. Yjs merges
// them without loss; this check finds them and names a resolution. The UI
// shows the warnings (Danish text by code, see i18n `planWarnings`), and the
// property test asserts that merged plans only ever break these rules in
// ways `resolveWarning` repairs.
import type * as Y from 'yjs';
import type { TeamWorker } from '../shared/api-types.ts';
import { isValidDay } from './day.ts';
import {
  confirmTovholder,
  decisionRef,
  removeItem,
  readActions,
  readFeedback,
  readGoals,
  readHopes,
  readMeetings,
  readMeta,
  readTovholderState,
  unlinkDecision,
  updateItem,
  type Action,
  type Collection,
  type Feedback,
  type Goal,
  type Hope,
  type Meeting,
  type PlanMeta,
  type TovholderState
} from './plan.ts';
import { ORIGIN_LOCAL, type Origin } from './origins.ts';

export const WARNING_CODES = [
  'tovholder-missing',
  'tovholder-concurrent',
  'tovholder-not-worker',
  'action-goal-missing',
  'goal-hope-missing',
  'decision-action-missing',
  'decision-duplicate-action',
  'action-owner-no-access',
  'date-invalid'
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface PlanWarning {
  code: WarningCode;
  /** stable across devices: code and the item it is about */
  key: string;
  /** values for the message template (names, titles, dates) */
  params: Record<string, string>;
  /** the item the warning is about */
  ref: { collection: Collection | 'tovholder'; id: string; field?: string; decisionId?: string } | null;
  /** resolveWarning repairs it in one step (otherwise a person has to choose) */
  autoFix: boolean;
}

/** The parts of a plan the invariants look at, as the readers return them. */
export interface PlanFacts {
  meta: PlanMeta;
  tovholder: TovholderState;
  hopes: Hope[];
  goals: Goal[];
  actions: Action[];
  meetings: Meeting[];
  feedback: Feedback[];
}

export interface CheckContext {
  /** The family's team and who may open the plan; null while unknown (a device before its first sync). */
  workers: readonly TeamWorker[] | null;
}

export function readFacts(doc: Y.Doc): PlanFacts {
  return {
    meta: readMeta(doc),
    tovholder: readTovholderState(doc),
    hopes: readHopes(doc),
    goals: readGoals(doc),
    actions: readActions(doc),
    meetings: readMeetings(doc),
    feedback: readFeedback(doc)
  };
}

const badDay = (d: string | null) => !!d && !isValidDay(d);

/** Pure: the same facts give the same warnings, in the same order, on every device. */
export function checkPlan(f: PlanFacts, ctx: CheckContext): PlanWarning[] {
  const out: PlanWarning[] = [];
  const add = (code: WarningCode, id: string, params: Record<string, string>, ref: PlanWarning['ref'], autoFix: boolean) =>
    out.push({ code, key: `${code}:${id}`, params, ref, autoFix });
  const planWorkers = ctx.workers ? new Map(ctx.workers.filter((w) => w.planAccess).map((w) => [w.id, w])) : null;

  // Exactly one tovholder, a worker with plan access (families should not have to be their own).
  const tov = f.tovholder;
  if (tov.concurrent.length > 0 && tov.head) {
    add(
      'tovholder-concurrent',
      tov.head.id,
      { name: tov.head.name || '–', others: tov.concurrent.map((a) => a.name || '–').join(', ') },
      { collection: 'tovholder', id: tov.head.id },
      true
    );
  }
  if (!tov.current) {
    if (f.meta.status !== 'afsluttet') add('tovholder-missing', 'plan', {}, { collection: 'tovholder', id: '' }, false);
  } else if (planWorkers && !planWorkers.has(tov.current.userId)) {
    add('tovholder-not-worker', tov.current.userId, { name: tov.current.name }, { collection: 'tovholder', id: tov.head?.id ?? '' }, false);
  }
  if (tov.current && badDay(tov.current.since)) {
    add('date-invalid', `tovholder`, { title: tov.current.name, value: tov.current.since }, { collection: 'tovholder', id: tov.head?.id ?? '', field: 'since' }, false);
  }

  // Links point at things that exist.
  const hopes = new Set(f.hopes.map((h) => h.id));
  const goals = new Set(f.goals.map((g) => g.id));
  const actions = new Set(f.actions.map((a) => a.id));
  for (const g of f.goals) {
    if (g.hopeId && !hopes.has(g.hopeId)) add('goal-hope-missing', g.id, { title: g.title }, { collection: 'goals', id: g.id, field: 'hopeId' }, true);
    if (badDay(g.targetDate)) add('date-invalid', `goal:${g.id}`, { title: g.title, value: g.targetDate ?? '' }, { collection: 'goals', id: g.id, field: 'targetDate' }, true);
  }
  for (const a of f.actions) {
    if (a.goalId && !goals.has(a.goalId)) add('action-goal-missing', a.id, { title: a.title }, { collection: 'actions', id: a.id, field: 'goalId' }, true);
    if (badDay(a.due)) add('date-invalid', `action:${a.id}`, { title: a.title, value: a.due ?? '' }, { collection: 'actions', id: a.id, field: 'due' }, true);
    const open = a.status === 'aaben' || a.status === 'igang';
    if (open && planWorkers && a.ownerId && !planWorkers.has(a.ownerId)) {
      add('action-owner-no-access', a.id, { title: a.title, name: a.ownerName || a.ownerId }, { collection: 'actions', id: a.id, field: 'ownerId' }, false);
    }
  }
  const byDecision = new Map<string, Action[]>();
  for (const a of f.actions) {
    if (!a.fromDecision) continue;
    const list = byDecision.get(a.fromDecision) ?? [];
    list.push(a);
    byDecision.set(a.fromDecision, list);
  }
  for (const m of f.meetings) {
    if (!isValidDay(m.date)) add('date-invalid', `meeting:${m.id}`, { title: m.title, value: m.date }, { collection: 'meetings', id: m.id, field: 'date' }, false);
    for (const d of m.decisions) {
      if (d.actionId && !actions.has(d.actionId)) {
        add('decision-action-missing', `${m.id}/${d.id}`, { title: d.text }, { collection: 'meetings', id: m.id, decisionId: d.id }, true);
      }
      // The same decision turned into an action on two tablets at once: the one the decision names stays.
      for (const extra of byDecision.get(decisionRef(m.id, d.id)) ?? []) {
        if (extra.id === d.actionId || !d.actionId) continue;
        add('decision-duplicate-action', extra.id, { title: extra.title }, { collection: 'actions', id: extra.id }, true);
      }
    }
  }
  for (const fb of f.feedback) {
    if (!isValidDay(fb.date)) add('date-invalid', `feedback:${fb.id}`, { title: fb.who, value: fb.date }, { collection: 'feedback', id: fb.id, field: 'date' }, false);
  }
  return out;
}

export function checkDoc(doc: Y.Doc, ctx: CheckContext): PlanWarning[] {
  return checkPlan(readFacts(doc), ctx);
}

/**
 * Repairs a warning whose fix needs no choice: confirm the tovholder who won,
 * unlink what points at a deleted item, clear an unreadable date. Returns
 * false when a person has to decide (choose a tovholder or an owner).
 */
export function resolveWarning(doc: Y.Doc, w: PlanWarning, by: { userId: string; at: string }, origin: Origin = ORIGIN_LOCAL): boolean {
  if (!w.autoFix || !w.ref) return false;
  const { collection, id, field, decisionId } = w.ref;
  switch (w.code) {
    case 'tovholder-concurrent':
      return confirmTovholder(doc, by.userId, by.at, origin) !== null;
    case 'action-goal-missing':
    case 'goal-hope-missing':
    case 'date-invalid':
      if (collection === 'tovholder' || collection === 'meetings' || collection === 'feedback' || !field) return false;
      return updateItem(doc, collection, id, { [field]: '' }, origin);
    case 'decision-action-missing':
      if (!decisionId) return false;
      unlinkDecision(doc, id, decisionId, origin);
      return true;
    case 'decision-duplicate-action':
      removeItem(doc, 'actions', id, origin);
      return true;
    default:
      return false;
  }
}
