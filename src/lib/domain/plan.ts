// The family plan as one Y.Doc (DESIGN §5). Every collection is a Y.Map keyed by
// a random id, so concurrent adds never collide and items keep identity when
// reordered. Readers return plain objects; writers take the doc, check their
// input (dates, links, statuses) and run in a transaction with a typed origin
// (see origins.ts). What concurrent edits can still break (a goal deleted on
// one tablet while another links an action to it, two tovholders chosen at
// once) is found by invariants.ts, which the UI and the property test share.
//
// The tovholder is an append-only log of assignments (`tovholderLog`), each
// naming the assignments it replaces. Two tablets that choose a tovholder
// without seeing each other leave two heads; one wins as a whole by a fixed
// rule (latest `setAt`, then id) on every device, and the plan says so until
// someone confirms or chooses again (an assignment replacing both heads).
import * as Y from 'yjs';
import { SECTORS, type Sector } from '../shared/rooms.ts';
import { assertDay, isValidDay, TIME } from './day.ts';
import { ORIGIN_LOCAL, ORIGIN_SEED, type Origin } from './origins.ts';

import { ACTION_STATUSES, GOAL_STATUSES, INTERVENTION_LEVELS, type ActionStatus, type CaseStatus, type GoalStatus, type InterventionLevel } from '../shared/plan-terms.ts';
export { ACTION_STATUSES, CASE_STATUSES, GOAL_STATUSES, INTERVENTION_LEVELS } from '../shared/plan-terms.ts';
export type { ActionStatus, CaseStatus, GoalStatus, InterventionLevel } from '../shared/plan-terms.ts';


export interface PlanMeta {
  name: string;
  district: string;
  teamId: string;
  status: CaseStatus;
  /** the family's language when it is not Danish (their words: "arabisk"); '' when not recorded */
  language?: string;
  /** the family talks with the team through an interpreter: meetings and the print say so */
  interpreter?: boolean;
}

export interface Tovholder {
  userId: string;
  name: string;
  since: string; // yyyy-MM-dd
  note: string;
}

export interface TovholderAssignment {
  id: string;
  /** '' when the assignment removed the tovholder */
  userId: string;
  name: string;
  since: string; // yyyy-MM-dd
  note: string;
  setBy: string;
  setAt: string; // ISO instant
  /** every head the writer saw: the assignments this one replaces */
  replaces: string[];
}

/** One tovholder's time with the family; consecutive assignments of the same person are one tenure. */
export interface TovholderTenure {
  userId: string;
  name: string;
  since: string;
  /** the next tovholder's since-date */
  until: string;
  /** the handover note written when this person became tovholder */
  note: string;
}

export interface TovholderState {
  current: Tovholder | null;
  /** the winning assignment, null when none was ever made */
  head: TovholderAssignment | null;
  /** assignments made without seeing the winner, not yet resolved; empty in the normal case */
  concurrent: TovholderAssignment[];
  /** earlier tovholders, newest first */
  history: TovholderTenure[];
  /** handover proposals, newest first (absent in view snapshots stored before issue #16) */
  proposals?: TovholderProposal[];
}

export interface Hope {
  id: string;
  text: string;
  saidBy: string;
  createdAt: string;
  /** 'child': the child's own words, kept apart from the parents' hopes; else the family's hopes */
  voice?: 'family' | 'child';
  /** the child's age when they said it ('' when not recorded) */
  age?: string;
}

export interface Goal {
  id: string;
  title: string;
  hopeId: string | null;
  status: GoalStatus;
  targetDate: string | null;
  createdAt: string;
}

export interface Action {
  id: string;
  title: string;
  goalId: string | null;
  sector: Sector | null;
  party: string | null; // a network party when not a sector
  ownerId: string | null;
  ownerName: string;
  due: string | null; // yyyy-MM-dd
  status: ActionStatus;
  /** null when nobody chose one: never taken as råd og vejledning or any other level */
  level: InterventionLevel | null;
  createdAt: string;
  createdBy: string;
  /** `meetingId/decisionId` when the action came from a meeting's decision */
  fromDecision: string | null;
}

export interface Member {
  id: string;
  name: string;
  /** in the family's words: mor, far, barn, bonusfar … */
  relation: string;
  /** yyyy, '' when not recorded */
  birthYear: string;
  createdAt: string;
}

export interface NetworkParty {
  id: string;
  name: string;
  /** mormor, fodboldtræner, skolekontakt … */
  relation: string;
  /** how to reach them, as the family wants it written */
  contact: string;
  createdAt: string;
}

export interface Decision {
  id: string;
  text: string;
  /** the action it became, '' while it is only a decision */
  actionId: string;
}

export interface Meeting {
  id: string;
  date: string; // yyyy-MM-dd
  /** HH:mm, '' when no time was set */
  time?: string;
  place?: string;
  /** ids of the open actions to talk about */
  agenda?: string[];
  title: string;
  participants: string[];
  decisions: Decision[];
  createdAt: string;
  createdBy: string;
}

export interface Feedback {
  id: string;
  date: string; // yyyy-MM-dd
  /** who in the family gave it */
  who: string;
  score: number; // 1–5
  comment: string;
  createdAt: string;
  createdBy: string;
}

export const COLLECTIONS = ['hopes', 'goals', 'actions', 'members', 'network', 'meetings', 'feedback'] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** Kept on record when deleted (soft delete); the others are removed outright (undo brings them back). */
export const RECORD_COLLECTIONS = ['meetings', 'feedback'] as const satisfies readonly Collection[];
export type RemovableCollection = Exclude<Collection, (typeof RECORD_COLLECTIONS)[number]>;

/** A child's age in whole years. */
export const AGE = /^(\d|1\d|2[0-5])$/;

function assertTime(time: string | undefined) {
  if (time && !TIME.test(time)) throw new RangeError(`time: ${time}`);
}

export function newId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 14);
}

export function collection(doc: Y.Doc, name: Collection): Y.Map<Y.Map<unknown>> {
  return doc.getMap(name);
}

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta');
}

/** Legacy storage (separate keys of one map); read as the root assignment of the log. */
export function tovholderMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('tovholder');
}

export function tovholderLog(doc: Y.Doc): Y.Array<TovholderAssignment> {
  return doc.getArray('tovholderLog');
}

function s(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}
function sOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function readMeta(doc: Y.Doc): PlanMeta {
  const m = metaMap(doc);
  return {
    name: s(m.get('name')),
    district: s(m.get('district')),
    teamId: s(m.get('teamId')),
    status: m.get('status') === 'afsluttet' ? 'afsluttet' : 'aktiv',
    language: s(m.get('language')),
    interpreter: m.get('interpreter') === true
  };
}

const LEGACY_ID = 'legacy';

function assignments(doc: Y.Doc): TovholderAssignment[] {
  const out: TovholderAssignment[] = [];
  const legacy = tovholderMap(doc);
  const legacyUser = sOrNull(legacy.get('userId'));
  if (legacyUser) {
    out.push({ id: LEGACY_ID, userId: legacyUser, name: s(legacy.get('name')), since: s(legacy.get('since')), note: s(legacy.get('note')), setBy: '', setAt: '', replaces: [] });
  }
  for (const a of tovholderLog(doc).toArray()) {
    // Entries are plain JSON written by other devices: keep only well-formed ones.
    if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || !a.id) continue;
    out.push({
      id: a.id,
      userId: s(a.userId),
      name: s(a.name),
      since: s(a.since),
      note: s(a.note),
      setBy: s(a.setBy),
      setAt: s(a.setAt),
      replaces: Array.isArray(a.replaces) ? a.replaces.filter((r): r is string => typeof r === 'string') : []
    });
  }
  return out;
}

/** The fixed rule every device applies to concurrent assignments: the latest setAt wins, then the greater id. */
function wins(a: TovholderAssignment, b: TovholderAssignment): boolean {
  return a.setAt !== b.setAt ? a.setAt > b.setAt : a.id > b.id;
}

function pick(list: TovholderAssignment[]): TovholderAssignment | null {
  let best: TovholderAssignment | null = null;
  for (const a of list) if (!best || wins(a, best)) best = a;
  return best;
}

function heads(all: TovholderAssignment[]): TovholderAssignment[] {
  const replaced = new Set(all.flatMap((a) => a.replaces));
  return all.filter((a) => !replaced.has(a.id));
}

export function readTovholderState(doc: Y.Doc): TovholderState {
  const all = assignments(doc);
  const open = heads(all);
  const head = pick(open);
  const current = head && head.userId ? { userId: head.userId, name: head.name, since: head.since, note: head.note } : null;
  const concurrent = head ? open.filter((a) => a !== head).sort((a, b) => (wins(a, b) ? -1 : 1)) : [];
  // The chain of predecessors of the winner, collapsed into tenures.
  const byId = new Map(all.map((a) => [a.id, a]));
  const chain: TovholderAssignment[] = [];
  const seen = new Set<string>();
  for (let a = head; a && !seen.has(a.id); ) {
    seen.add(a.id);
    chain.push(a);
    a = pick(a.replaces.map((id) => byId.get(id)).filter((x): x is TovholderAssignment => !!x));
  }
  const tenures: TovholderTenure[] = [];
  for (const a of chain) {
    const newer = tenures.at(-1);
    // Walking back in time: an older assignment of the same person is the same tenure (a confirmation or a corrected note).
    if (newer && newer.userId === a.userId) continue;
    tenures.push({ userId: a.userId, name: a.name, since: a.since, until: newer ? newer.since : '', note: a.note });
  }
  const history = tenures.slice(current ? 1 : 0).filter((t) => t.userId);
  // Handovers recorded by the legacy map's history array.
  for (const h of doc.getArray<Record<string, unknown>>('tovholderHistory').toArray()) {
    if (typeof h !== 'object' || h === null || typeof h.userId !== 'string') continue;
    history.push({ userId: h.userId, name: s(h.name), since: s(h.since), until: s(h.until), note: s(h.note) });
  }
  return { current, head, concurrent, history, proposals: readTovholderProposals(doc) };
}

export function readTovholder(doc: Y.Doc): Tovholder | null {
  return readTovholderState(doc).current;
}

function items(doc: Y.Doc, name: Collection): Y.Map<unknown>[] {
  return [...collection(doc, name).values()].filter((m) => m.get('deleted') !== true);
}

function toHope(m: Y.Map<unknown>): Hope {
  return {
    id: s(m.get('id')),
    text: (m.get('text') as Y.Text | undefined)?.toString() ?? '',
    saidBy: s(m.get('saidBy')),
    createdAt: s(m.get('createdAt')),
    voice: m.get('voice') === 'child' ? 'child' : 'family',
    age: s(m.get('age'))
  };
}

function toGoal(m: Y.Map<unknown>): Goal {
  return {
    id: s(m.get('id')),
    title: s(m.get('title')),
    hopeId: sOrNull(m.get('hopeId')),
    status: (GOAL_STATUSES as readonly unknown[]).includes(m.get('status')) ? (m.get('status') as GoalStatus) : 'aaben',
    targetDate: sOrNull(m.get('targetDate')),
    createdAt: s(m.get('createdAt'))
  };
}

function toAction(m: Y.Map<unknown>): Action {
  return {
    id: s(m.get('id')),
    title: s(m.get('title')),
    goalId: sOrNull(m.get('goalId')),
    sector: (sOrNull(m.get('sector')) as Sector | null) ?? null,
    party: sOrNull(m.get('party')),
    ownerId: sOrNull(m.get('ownerId')),
    ownerName: s(m.get('ownerName')),
    due: sOrNull(m.get('due')),
    status: (ACTION_STATUSES as readonly unknown[]).includes(m.get('status'))
      ? (m.get('status') as ActionStatus)
      : 'aaben',
    level: (INTERVENTION_LEVELS as readonly unknown[]).includes(m.get('level')) ? (m.get('level') as InterventionLevel) : null,
    createdAt: s(m.get('createdAt')),
    createdBy: s(m.get('createdBy')),
    fromDecision: sOrNull(m.get('fromDecision'))
  };
}

function toMember(m: Y.Map<unknown>): Member {
  return {
    id: s(m.get('id')),
    name: s(m.get('name')),
    relation: s(m.get('relation')),
    birthYear: s(m.get('birthYear')),
    createdAt: s(m.get('createdAt'))
  };
}

function toNetworkParty(m: Y.Map<unknown>): NetworkParty {
  return {
    id: s(m.get('id')),
    name: s(m.get('name')),
    relation: s(m.get('relation')),
    contact: s(m.get('contact')),
    createdAt: s(m.get('createdAt'))
  };
}

export function hopeText(doc: Y.Doc, id: string): Y.Text | undefined {
  const t = collection(doc, 'hopes').get(id)?.get('text');
  return t instanceof Y.Text ? t : undefined;
}

export function readHopes(doc: Y.Doc): Hope[] {
  return items(doc, 'hopes')
    .map(toHope)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readGoals(doc: Y.Doc): Goal[] {
  return items(doc, 'goals')
    .map(toGoal)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readActions(doc: Y.Doc): Action[] {
  return items(doc, 'actions')
    .map(toAction)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readMembers(doc: Y.Doc): Member[] {
  return items(doc, 'members')
    .map(toMember)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readNetwork(doc: Y.Doc): NetworkParty[] {
  return items(doc, 'network')
    .map(toNetworkParty)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function meetingNotes(doc: Y.Doc, id: string): Y.Text | undefined {
  const t = collection(doc, 'meetings').get(id)?.get('notes');
  return t instanceof Y.Text ? t : undefined;
}

function decisionsOf(m: Y.Map<unknown>): Decision[] {
  const d = m.get('decisions');
  if (!(d instanceof Y.Map)) return [];
  return [...(d as Y.Map<Y.Map<unknown>>).values()]
    .filter((x) => x instanceof Y.Map && x.get('deleted') !== true)
    .map((x) => ({ id: s(x.get('id')), text: s(x.get('text')), actionId: s(x.get('actionId')), createdAt: s(x.get('createdAt')) }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map(({ id, text, actionId }) => ({ id, text, actionId }));
}

/** Meetings, newest first; soft-deleted ones are kept in the document but not shown. */
export function readMeetings(doc: Y.Doc): Meeting[] {
  return items(doc, 'meetings')
    .map(toMeeting)
    .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

function toMeeting(m: Y.Map<unknown>): Meeting {
  const p = m.get('participants');
  const agenda = m.get('agenda');
  const time = s(m.get('time'));
  return {
    id: s(m.get('id')),
    date: s(m.get('date')),
    time: TIME.test(time) ? time : '',
    place: s(m.get('place')),
    agenda: Array.isArray(agenda) ? agenda.filter((x): x is string => typeof x === 'string') : [],
    title: s(m.get('title')),
    participants: Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [],
    decisions: decisionsOf(m),
    createdAt: s(m.get('createdAt')),
    createdBy: s(m.get('createdBy'))
  };
}

/** Family feedback, newest first. */
export function readFeedback(doc: Y.Doc): Feedback[] {
  return items(doc, 'feedback')
    .map(toFeedback)
    .filter((f) => f.score > 0)
    .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

function toFeedback(m: Y.Map<unknown>): Feedback {
  const score = Number(m.get('score'));
  return {
    id: s(m.get('id')),
    date: s(m.get('date')),
    who: s(m.get('who')),
    score: Number.isInteger(score) && score >= 1 && score <= 5 ? score : 0,
    comment: s(m.get('comment')),
    createdAt: s(m.get('createdAt')),
    createdBy: s(m.get('createdBy'))
  };
}

export interface ItemOf {
  hopes: Hope;
  goals: Goal;
  actions: Action;
  members: Member;
  network: NetworkParty;
  meetings: Meeting;
  feedback: Feedback;
}

const READERS: { [C in Collection]: (m: Y.Map<unknown>) => ItemOf[C] } = {
  hopes: toHope,
  goals: toGoal,
  actions: toAction,
  members: toMember,
  network: toNetworkParty,
  meetings: toMeeting,
  feedback: toFeedback
};

/** One item as the collection's reader returns it; null when it is not there or (soft-)deleted. */
export function readItem<C extends Collection>(doc: Y.Doc, name: C, id: string): ItemOf[C] | null {
  const m = collection(doc, name).get(id);
  if (!(m instanceof Y.Map) || m.get('deleted') === true) return null;
  return READERS[name](m);
}

// ---- writers -------------------------------------------------------------

/**
 * A new family's plan document: its meta (name, district, team, status),
 * written with the seed origin. Every plan starts from this; the API, the
 * demo seed and the bench create families with it.
 */
export function newPlanDoc(meta: PlanMeta, clientId?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientId !== undefined) doc.clientID = clientId;
  setMeta(doc, { name: meta.name, district: meta.district, teamId: meta.teamId, status: meta.status }, ORIGIN_SEED);
  return doc;
}

/**
 * What a worker opening a family writes into its plan at once: the members
 * and the creator as tovholder; a colleague chosen as tovholder instead is
 * proposed (the handover the colleague accepts, issue 16), the creator
 * holding the family until then.
 */
export interface FirstPlan {
  members: readonly { name: string; relation: string; birthYear: string }[];
  /** the creator; `since`: the day the case opened, yyyy-MM-dd in Europe/Copenhagen */
  tovholder: { userId: string; name: string; since: string };
  /** a colleague of the same sector in the team the creator chose */
  proposed?: { userId: string; name: string };
}

/** The first update of a new family's plan room (newPlanDoc, encoded), with its members and tovholder when given. */
export function firstPlanUpdate(meta: PlanMeta & { createdAt?: string; createdBy?: string }, first?: FirstPlan): Uint8Array {
  const doc = newPlanDoc(meta);
  if (first) {
    const at = meta.createdAt ?? new Date().toISOString();
    // One instant for all: ids that sort in the order given keep the members in the form's order.
    first.members.forEach((m, i) => addMember(doc, { id: `${String(i).padStart(2, '0')}${newId()}`, name: m.name, relation: m.relation, birthYear: m.birthYear, createdAt: at }, ORIGIN_SEED));
    setTovholder(doc, { userId: first.tovholder.userId, name: first.tovholder.name, since: first.tovholder.since, note: '', setBy: meta.createdBy ?? '', setAt: at }, ORIGIN_SEED);
    if (first.proposed && first.proposed.userId !== first.tovholder.userId) {
      proposeTovholder(
        doc,
        { userId: first.proposed.userId, name: first.proposed.name, since: first.tovholder.since, note: '', by: first.tovholder.userId, byName: first.tovholder.name, at },
        ORIGIN_SEED
      );
    }
  }
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

export function setMeta(doc: Y.Doc, meta: Partial<PlanMeta>, origin: Origin = ORIGIN_LOCAL) {
  if (meta.status !== undefined && meta.status !== 'aktiv' && meta.status !== 'afsluttet') throw new RangeError(`status: ${meta.status}`);
  if (meta.interpreter !== undefined && typeof meta.interpreter !== 'boolean') throw new RangeError('interpreter: not a boolean');
  doc.transact(() => {
    const m = metaMap(doc);
    for (const [k, v] of Object.entries(meta)) if (v !== undefined) m.set(k, v);
  }, origin);
}

export function addHope(
  doc: Y.Doc,
  h: { text: string; saidBy: string; createdAt: string; id?: string; voice?: 'family' | 'child'; age?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  const id = h.id ?? newId();
  if (h.voice !== undefined && h.voice !== 'family' && h.voice !== 'child') throw new RangeError(`voice: ${String(h.voice)}`);
  if (h.age && !AGE.test(h.age)) throw new RangeError(`age: ${h.age}`);
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    collection(doc, 'hopes').set(id, m);
    m.set('id', id);
    m.set('saidBy', h.saidBy);
    if (h.voice === 'child') {
      m.set('voice', 'child');
      m.set('age', h.age ?? '');
    }
    m.set('createdAt', h.createdAt);
    const text = new Y.Text();
    m.set('text', text);
    if (h.text) text.insert(0, h.text);
  }, origin);
  return id;
}

export function addGoal(
  doc: Y.Doc,
  g: Omit<Goal, 'id' | 'status'> & { id?: string; status?: GoalStatus },
  origin: Origin = ORIGIN_LOCAL
): string {
  const id = g.id ?? newId();
  validateFields(doc, 'goals', { hopeId: g.hopeId, targetDate: g.targetDate, status: g.status ?? 'aaben' });
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    collection(doc, 'goals').set(id, m);
    m.set('id', id);
    m.set('title', g.title);
    m.set('hopeId', g.hopeId ?? '');
    m.set('status', g.status ?? 'aaben');
    m.set('targetDate', g.targetDate ?? '');
    m.set('createdAt', g.createdAt);
  }, origin);
  return id;
}

export type NewAction = Partial<Omit<Action, 'id' | 'createdAt' | 'createdBy' | 'fromDecision'>> & {
  title: string;
  createdAt: string;
  createdBy: string;
  id?: string;
};

export function addAction(doc: Y.Doc, a: NewAction, origin: Origin = ORIGIN_LOCAL): string {
  const id = a.id ?? newId();
  validateFields(doc, 'actions', { goalId: a.goalId, due: a.due, status: a.status, level: a.level, sector: a.sector });
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    collection(doc, 'actions').set(id, m);
    m.set('id', id);
    m.set('title', a.title);
    m.set('goalId', a.goalId ?? '');
    m.set('sector', a.sector ?? '');
    m.set('party', a.party ?? '');
    m.set('ownerId', a.ownerId ?? '');
    m.set('ownerName', a.ownerName ?? '');
    m.set('due', a.due ?? '');
    m.set('status', a.status ?? 'aaben');
    m.set('level', a.level ?? '');
    m.set('createdAt', a.createdAt);
    m.set('createdBy', a.createdBy);
  }, origin);
  return id;
}

export function decisionRef(meetingId: string, decisionId: string) {
  return `${meetingId}/${decisionId}`;
}

function live(doc: Y.Doc, name: Collection, id: string): boolean {
  const m = collection(doc, name).get(id);
  return !!m && m.get('deleted') !== true;
}

const ALLOWED: Record<string, readonly unknown[]> = {
  level: ['', null, ...INTERVENTION_LEVELS],
  sector: ['', null, ...SECTORS]
};
const DATE_FIELDS = new Set(['due', 'targetDate', 'date']);

/** The checks every writer makes before it touches the document; throws RangeError. */
function validateFields(doc: Y.Doc, name: Collection, fields: Record<string, unknown>) {
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (DATE_FIELDS.has(k)) assertDay(k, v as string | null);
    else if (k === 'status') {
      const allowed: readonly unknown[] = name === 'goals' ? GOAL_STATUSES : ACTION_STATUSES;
      if (!allowed.includes(v)) throw new RangeError(`status: ${String(v)}`);
    } else if (k in ALLOWED) {
      if (!ALLOWED[k].includes(v)) throw new RangeError(`${k}: ${String(v)}`);
    } else if (k === 'goalId' && v) {
      if (!live(doc, 'goals', String(v))) throw new RangeError(`goalId: no goal ${String(v)}`);
    } else if (k === 'hopeId' && v) {
      if (!live(doc, 'hopes', String(v))) throw new RangeError(`hopeId: no hope ${String(v)}`);
    }
  }
}

/**
 * Sets plain fields of an item. Checks dates, statuses, levels and links
 * first (RangeError). An item deleted meanwhile (by another device) is left
 * alone: returns false.
 */
export function updateItem(
  doc: Y.Doc,
  name: Collection,
  id: string,
  fields: Record<string, string | number | boolean | null>,
  origin: Origin = ORIGIN_LOCAL
): boolean {
  const m = collection(doc, name).get(id);
  if (!m) return false;
  validateFields(doc, name, fields);
  doc.transact(() => {
    for (const [k, v] of Object.entries(fields)) {
      if (m.get(k) !== (v ?? '')) m.set(k, v ?? '');
    }
  }, origin);
  return true;
}

/**
 * Removes a hope, goal, action, member or network party. What pointed at it
 * is unlinked in the same transaction: a goal's actions lose their goal, a
 * hope's goals their hope, a decision its action (it can become one again).
 * Meetings and feedback are kept on record: use softDelete.
 */
export function removeItem(doc: Y.Doc, name: RemovableCollection, id: string, origin: Origin = ORIGIN_LOCAL) {
  if ((RECORD_COLLECTIONS as readonly string[]).includes(name)) throw new RangeError(`${name} are kept on record: soft delete them`);
  const items = collection(doc, name);
  if (!items.has(id)) return;
  doc.transact(() => {
    items.delete(id);
    const unlink = (target: Collection, key: string) => {
      for (const m of collection(doc, target).values()) if (m.get(key) === id) m.set(key, '');
    };
    if (name === 'goals') unlink('actions', 'goalId');
    if (name === 'hopes') unlink('goals', 'hopeId');
    if (name === 'actions') {
      for (const meeting of collection(doc, 'meetings').values()) {
        const decisions = meeting.get('decisions');
        if (!(decisions instanceof Y.Map)) continue;
        for (const d of (decisions as Y.Map<Y.Map<unknown>>).values()) if (d.get('actionId') === id) d.set('actionId', '');
      }
    }
  }, origin);
}

/**
 * Appoints a tovholder (or, with userId '', removes the tovholder). The new
 * assignment replaces every head this device sees, so it also resolves a
 * concurrent choice; the earlier tovholders stay in the log as history.
 */
export function setTovholder(
  doc: Y.Doc,
  t: Tovholder & { setBy?: string; setAt?: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  assertDay('since', t.since);
  const id = t.id ?? newId();
  doc.transact(() => {
    const replaces = heads(assignments(doc)).map((a) => a.id);
    tovholderLog(doc).push([
      { id, userId: t.userId, name: t.name, since: t.since, note: t.note, setBy: t.setBy ?? '', setAt: t.setAt ?? new Date().toISOString(), replaces }
    ]);
  }, origin);
  return id;
}

/** Resolves a concurrent choice by confirming the tovholder who won. */
export function confirmTovholder(doc: Y.Doc, by: string, at: string, origin: Origin = ORIGIN_LOCAL): string | null {
  const { head, concurrent } = readTovholderState(doc);
  if (!head || concurrent.length === 0) return null;
  return setTovholder(doc, { userId: head.userId, name: head.name, since: head.since, note: head.note, setBy: by, setAt: at }, origin);
}

/** Clears a decision's link to an action that no longer exists, so it can become an action again. */
export function unlinkDecision(doc: Y.Doc, meetingId: string, decisionId: string, origin: Origin = ORIGIN_LOCAL) {
  const decisions = collection(doc, 'meetings').get(meetingId)?.get('decisions');
  const decision = decisions instanceof Y.Map ? (decisions as Y.Map<Y.Map<unknown>>).get(decisionId) : undefined;
  if (!decision || !decision.get('actionId')) return;
  doc.transact(() => decision.set('actionId', ''), origin);
}

/** Adds a plain record (members, network, feedback): every field a plain value. */
function addRecord(doc: Y.Doc, name: Collection, fields: Record<string, string | number>, id: string, origin: Origin) {
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    collection(doc, name).set(id, m);
    m.set('id', id);
    for (const [k, v] of Object.entries(fields)) m.set(k, v);
  }, origin);
}

export function addMember(doc: Y.Doc, m: Omit<Member, 'id'> & { id?: string }, origin: Origin = ORIGIN_LOCAL): string {
  const id = m.id ?? newId();
  addRecord(doc, 'members', { name: m.name, relation: m.relation, birthYear: m.birthYear, createdAt: m.createdAt }, id, origin);
  return id;
}

export function addNetworkParty(doc: Y.Doc, n: Omit<NetworkParty, 'id'> & { id?: string }, origin: Origin = ORIGIN_LOCAL): string {
  const id = n.id ?? newId();
  addRecord(doc, 'network', { name: n.name, relation: n.relation, contact: n.contact, createdAt: n.createdAt }, id, origin);
  return id;
}

export function addFeedback(doc: Y.Doc, f: Omit<Feedback, 'id'> & { id?: string }, origin: Origin = ORIGIN_LOCAL): string {
  const id = f.id ?? newId();
  const score = Math.round(f.score);
  if (!(score >= 1 && score <= 5)) throw new RangeError('feedback score must be 1–5');
  assertDay('date', f.date);
  addRecord(
    doc,
    'feedback',
    { date: f.date, who: f.who, score, comment: f.comment, createdAt: f.createdAt, createdBy: f.createdBy },
    id,
    origin
  );
  return id;
}

export function addMeeting(
  doc: Y.Doc,
  m: { date: string; time?: string; place?: string; agenda?: string[]; title?: string; participants: string[]; notes?: string; createdAt: string; createdBy: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  const id = m.id ?? newId();
  assertDay('date', m.date);
  if (!m.date) throw new RangeError('date: a meeting needs a date');
  assertTime(m.time);
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    collection(doc, 'meetings').set(id, map);
    map.set('id', id);
    map.set('date', m.date);
    map.set('title', m.title ?? '');
    map.set('participants', [...m.participants]);
    if (m.time) map.set('time', m.time);
    if (m.place) map.set('place', m.place);
    if (m.agenda?.length) map.set('agenda', [...m.agenda]);
    const notes = new Y.Text();
    map.set('notes', notes);
    if (m.notes) notes.insert(0, m.notes);
    map.set('decisions', new Y.Map<Y.Map<unknown>>());
    map.set('createdAt', m.createdAt);
    map.set('createdBy', m.createdBy);
  }, origin);
  return id;
}

/** Date, time, place, title, participants and agenda of a meeting (lists are replaced as a whole). */
export function updateMeeting(
  doc: Y.Doc,
  id: string,
  fields: { date?: string; time?: string; place?: string; title?: string; participants?: string[]; agenda?: string[] },
  origin: Origin = ORIGIN_LOCAL
): boolean {
  const m = collection(doc, 'meetings').get(id);
  if (!m) return false;
  if (fields.date !== undefined) {
    assertDay('date', fields.date);
    if (!fields.date) throw new RangeError('date: a meeting needs a date');
  }
  assertTime(fields.time);
  doc.transact(() => {
    if (fields.date !== undefined) m.set('date', fields.date);
    if (fields.time !== undefined && m.get('time') !== fields.time) m.set('time', fields.time);
    if (fields.place !== undefined && m.get('place') !== fields.place) m.set('place', fields.place);
    if (fields.agenda !== undefined) m.set('agenda', [...fields.agenda]);
    if (fields.title !== undefined) m.set('title', fields.title);
    if (fields.participants !== undefined) m.set('participants', [...fields.participants]);
  }, origin);
  return true;
}

export function addDecision(
  doc: Y.Doc,
  meetingId: string,
  d: { text: string; createdAt: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string | null {
  const decisions = collection(doc, 'meetings').get(meetingId)?.get('decisions');
  if (!(decisions instanceof Y.Map)) return null;
  const id = d.id ?? newId();
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    (decisions as Y.Map<Y.Map<unknown>>).set(id, m);
    m.set('id', id);
    m.set('text', d.text);
    m.set('actionId', '');
    m.set('createdAt', d.createdAt);
  }, origin);
  return id;
}

/** A meeting's decision becomes an action in one step; the decision remembers which. */
export function decisionToAction(doc: Y.Doc, meetingId: string, decisionId: string, a: NewAction, origin: Origin = ORIGIN_LOCAL): string | null {
  const decisions = collection(doc, 'meetings').get(meetingId)?.get('decisions');
  const decision = decisions instanceof Y.Map ? (decisions as Y.Map<Y.Map<unknown>>).get(decisionId) : undefined;
  if (!decision) return null;
  const existing = s(decision.get('actionId'));
  if (existing && collection(doc, 'actions').has(existing)) return existing;
  validateFields(doc, 'actions', { goalId: a.goalId, due: a.due, status: a.status, level: a.level, sector: a.sector });
  let id = '';
  doc.transact(() => {
    id = addAction(doc, a, origin);
    // Two tablets may do this at once; the action remembers its decision so the duplicate can be found.
    collection(doc, 'actions').get(id)?.set('fromDecision', decisionRef(meetingId, decisionId));
    decision.set('actionId', id);
  }, origin);
  return id;
}

/**
 * Soft delete: the record stays in the document (the law expects meetings and
 * family feedback to remain on record) but readers no longer return it.
 */
export function softDelete(doc: Y.Doc, name: Collection, id: string, by: string, at: string, origin: Origin = ORIGIN_LOCAL) {
  const m = collection(doc, name).get(id);
  if (!m) return;
  doc.transact(() => {
    m.set('deleted', true);
    m.set('deletedBy', by);
    m.set('deletedAt', at);
  }, origin);
}

/** Brings a soft-deleted meeting or feedback back on the plan (the deletion stays in the history). */
export function undelete(doc: Y.Doc, name: Collection, id: string, origin: Origin = ORIGIN_LOCAL): boolean {
  const m = collection(doc, name).get(id);
  if (!m || m.get('deleted') !== true) return false;
  doc.transact(() => {
    m.set('deleted', false);
    m.delete('deletedBy');
    m.delete('deletedAt');
  }, origin);
  return true;
}

// ---- tovholder handover proposals (issue #16) -------------------------------
//
// A handover to another worker is proposed first and takes effect only when
// that worker accepts: until then the old tovholder stays. Proposals live in
// the plan document (`tovholderProposals`, a Y.Map of Y.Maps keyed by id), so
// they work offline, travel with the plan's access, and the plan's history
// shows both steps for free. Accepting writes the assignment with
// setTovholder in the same transaction, so the tovholder log stays the one
// source of who is tovholder. The server reads open proposals from the
// document only to notify (server/notifications.ts).

export type ProposalOutcome = '' | 'accepted' | 'declined' | 'withdrawn';
export const PROPOSAL_OUTCOMES = ['accepted', 'declined', 'withdrawn'] as const;

export interface TovholderProposal {
  id: string;
  /** the proposed worker */
  userId: string;
  name: string;
  /** the handover note for the new tovholder */
  note: string;
  since: string; // yyyy-MM-dd, the day proposed as start
  proposedBy: string;
  proposedByName: string;
  proposedAt: string; // ISO instant
  /** '' while open */
  outcome: ProposalOutcome;
  decidedBy: string;
  decidedAt: string;
  /** why it was declined ('' otherwise) */
  reason: string;
}

export function tovholderProposals(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap('tovholderProposals');
}

function toProposal(m: Y.Map<unknown>): TovholderProposal {
  const outcome = m.get('outcome');
  return {
    id: s(m.get('id')),
    userId: s(m.get('userId')),
    name: s(m.get('name')),
    note: s(m.get('note')),
    since: s(m.get('since')),
    proposedBy: s(m.get('proposedBy')),
    proposedByName: s(m.get('proposedByName')),
    proposedAt: s(m.get('proposedAt')),
    outcome: (PROPOSAL_OUTCOMES as readonly unknown[]).includes(outcome) ? (outcome as ProposalOutcome) : '',
    decidedBy: s(m.get('decidedBy')),
    decidedAt: s(m.get('decidedAt')),
    reason: s(m.get('reason'))
  };
}

/** Every proposal, newest first (well-formed ones only: entries are written by other devices). */
export function readTovholderProposals(doc: Y.Doc): TovholderProposal[] {
  const out: TovholderProposal[] = [];
  for (const m of tovholderProposals(doc).values()) {
    if (!(m instanceof Y.Map)) continue;
    const p = toProposal(m);
    if (p.id && p.userId) out.push(p);
  }
  return out.sort((a, b) => (a.proposedAt !== b.proposedAt ? (a.proposedAt < b.proposedAt ? 1 : -1) : a.id < b.id ? 1 : -1));
}

/** The open proposal (the newest one; proposing again withdraws the older ones), or null. */
export function openTovholderProposal(doc: Y.Doc): TovholderProposal | null {
  return readTovholderProposals(doc).find((p) => p.outcome === '') ?? null;
}

/** Proposes `to` as the family's new tovholder; withdraws any earlier open proposal. */
export function proposeTovholder(
  doc: Y.Doc,
  p: { userId: string; name: string; since: string; note: string; by: string; byName: string; at: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  assertDay('since', p.since);
  if (!p.userId) throw new RangeError('proposal needs a worker');
  const id = p.id ?? newId();
  doc.transact(() => {
    const all = tovholderProposals(doc);
    for (const open of readTovholderProposals(doc).filter((x) => x.outcome === '')) {
      const m = all.get(open.id);
      m?.set('outcome', 'withdrawn');
      m?.set('decidedBy', p.by);
      m?.set('decidedAt', p.at);
    }
    const m = new Y.Map<unknown>();
    all.set(id, m);
    for (const [k, v] of Object.entries({
      id,
      userId: p.userId,
      name: p.name,
      note: p.note,
      since: p.since,
      proposedBy: p.by,
      proposedByName: p.byName,
      proposedAt: p.at,
      outcome: '',
      decidedBy: '',
      decidedAt: '',
      reason: ''
    }))
      m.set(k, v);
  }, origin);
  return id;
}

/**
 * The proposed worker answers. Accepting makes them tovholder from `today`
 * (or the proposed day, if later) through setTovholder, in the same
 * transaction; declining keeps the old tovholder and records the reason.
 * Returns false when the proposal is not open any more.
 */
export function answerTovholderProposal(
  doc: Y.Doc,
  id: string,
  a: { outcome: 'accepted' | 'declined' | 'withdrawn'; by: string; at: string; today: string; reason?: string },
  origin: Origin = ORIGIN_LOCAL
): boolean {
  const m = tovholderProposals(doc).get(id);
  if (!(m instanceof Y.Map)) return false;
  const p = toProposal(m);
  if (p.outcome !== '') return false;
  if (a.outcome === 'declined' && !(a.reason ?? '').trim()) throw new RangeError('a declined handover needs a reason');
  doc.transact(() => {
    m.set('outcome', a.outcome);
    m.set('decidedBy', a.by);
    m.set('decidedAt', a.at);
    m.set('reason', a.outcome === 'declined' ? (a.reason ?? '').trim() : '');
    if (a.outcome === 'accepted') {
      const since = isValidDay(p.since) && p.since > a.today ? p.since : a.today;
      setTovholder(doc, { userId: p.userId, name: p.name, since, note: p.note, setBy: a.by, setAt: a.at }, origin);
    }
  }, origin);
  return true;
}
