// The family plan as one Y.Doc (DESIGN §5). Every collection is a Y.Map keyed by
// a random id, so concurrent adds never collide and items keep identity when
// reordered. Readers return plain objects; writers take the doc and run in a
// transaction with a typed origin (see origins.ts).
import * as Y from 'yjs';
import type { Sector } from '../shared/rooms.ts';
import { ORIGIN_LOCAL, type Origin } from './origins.ts';

export const INTERVENTION_LEVELS = ['raad', 'forebyggende', 'stoettende', 'anbringelse', 'andet'] as const;
export type InterventionLevel = (typeof INTERVENTION_LEVELS)[number];

export const ACTION_STATUSES = ['aaben', 'igang', 'udfoert', 'droppet'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const GOAL_STATUSES = ['aaben', 'naaet', 'droppet'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export interface PlanMeta {
  name: string;
  district: string;
  teamId: string;
  status: 'aktiv' | 'afsluttet';
}

export interface Tovholder {
  userId: string;
  name: string;
  since: string; // yyyy-MM-dd
  note: string;
}

export interface Hope {
  id: string;
  text: string;
  saidBy: string;
  createdAt: string;
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
  level: InterventionLevel;
  createdAt: string;
  createdBy: string;
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

export function tovholderMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('tovholder');
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
    status: m.get('status') === 'afsluttet' ? 'afsluttet' : 'aktiv'
  };
}

export function readTovholder(doc: Y.Doc): Tovholder | null {
  const m = tovholderMap(doc);
  const userId = sOrNull(m.get('userId'));
  if (!userId) return null;
  return { userId, name: s(m.get('name')), since: s(m.get('since')), note: s(m.get('note')) };
}

function items(doc: Y.Doc, name: Collection): Y.Map<unknown>[] {
  return [...collection(doc, name).values()].filter((m) => m.get('deleted') !== true);
}

export function hopeText(doc: Y.Doc, id: string): Y.Text | undefined {
  const t = collection(doc, 'hopes').get(id)?.get('text');
  return t instanceof Y.Text ? t : undefined;
}

export function readHopes(doc: Y.Doc): Hope[] {
  return items(doc, 'hopes')
    .map((m) => ({
      id: s(m.get('id')),
      text: (m.get('text') as Y.Text | undefined)?.toString() ?? '',
      saidBy: s(m.get('saidBy')),
      createdAt: s(m.get('createdAt'))
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readGoals(doc: Y.Doc): Goal[] {
  return items(doc, 'goals')
    .map((m) => ({
      id: s(m.get('id')),
      title: s(m.get('title')),
      hopeId: sOrNull(m.get('hopeId')),
      status: (GOAL_STATUSES as readonly unknown[]).includes(m.get('status')) ? (m.get('status') as GoalStatus) : 'aaben',
      targetDate: sOrNull(m.get('targetDate')),
      createdAt: s(m.get('createdAt'))
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readActions(doc: Y.Doc): Action[] {
  return items(doc, 'actions')
    .map((m) => ({
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
      level: (INTERVENTION_LEVELS as readonly unknown[]).includes(m.get('level'))
        ? (m.get('level') as InterventionLevel)
        : 'andet',
      createdAt: s(m.get('createdAt')),
      createdBy: s(m.get('createdBy'))
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readMembers(doc: Y.Doc): Member[] {
  return items(doc, 'members')
    .map((m) => ({
      id: s(m.get('id')),
      name: s(m.get('name')),
      relation: s(m.get('relation')),
      birthYear: s(m.get('birthYear')),
      createdAt: s(m.get('createdAt'))
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function readNetwork(doc: Y.Doc): NetworkParty[] {
  return items(doc, 'network')
    .map((m) => ({
      id: s(m.get('id')),
      name: s(m.get('name')),
      relation: s(m.get('relation')),
      contact: s(m.get('contact')),
      createdAt: s(m.get('createdAt'))
    }))
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
    .map((m) => {
      const p = m.get('participants');
      return {
        id: s(m.get('id')),
        date: s(m.get('date')),
        title: s(m.get('title')),
        participants: Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [],
        decisions: decisionsOf(m),
        createdAt: s(m.get('createdAt')),
        createdBy: s(m.get('createdBy'))
      };
    })
    .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** Family feedback, newest first. */
export function readFeedback(doc: Y.Doc): Feedback[] {
  return items(doc, 'feedback')
    .map((m) => {
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
    })
    .filter((f) => f.score > 0)
    .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

// ---- writers -------------------------------------------------------------

export function setMeta(doc: Y.Doc, meta: Partial<PlanMeta>, origin: Origin = ORIGIN_LOCAL) {
  doc.transact(() => {
    const m = metaMap(doc);
    for (const [k, v] of Object.entries(meta)) if (v !== undefined) m.set(k, v);
  }, origin);
}

export function addHope(
  doc: Y.Doc,
  h: { text: string; saidBy: string; createdAt: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  const id = h.id ?? newId();
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    collection(doc, 'hopes').set(id, m);
    m.set('id', id);
    m.set('saidBy', h.saidBy);
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

export type NewAction = Partial<Omit<Action, 'id' | 'createdAt' | 'createdBy'>> & {
  title: string;
  createdAt: string;
  createdBy: string;
  id?: string;
};

export function addAction(doc: Y.Doc, a: NewAction, origin: Origin = ORIGIN_LOCAL): string {
  const id = a.id ?? newId();
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
    m.set('level', a.level ?? 'andet');
    m.set('createdAt', a.createdAt);
    m.set('createdBy', a.createdBy);
  }, origin);
  return id;
}

export function updateItem(
  doc: Y.Doc,
  name: Collection,
  id: string,
  fields: Record<string, string | number | boolean | null>,
  origin: Origin = ORIGIN_LOCAL
) {
  const m = collection(doc, name).get(id);
  if (!m) return;
  doc.transact(() => {
    for (const [k, v] of Object.entries(fields)) m.set(k, v ?? '');
  }, origin);
}

export function setTovholder(doc: Y.Doc, t: Tovholder, origin: Origin = ORIGIN_LOCAL) {
  doc.transact(() => {
    const m = tovholderMap(doc);
    const prev = readTovholder(doc);
    if (prev) doc.getArray<Record<string, string>>('tovholderHistory').push([{ ...prev, until: t.since }]);
    m.set('userId', t.userId);
    m.set('name', t.name);
    m.set('since', t.since);
    m.set('note', t.note);
  }, origin);
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
  m: { date: string; title?: string; participants: string[]; notes?: string; createdAt: string; createdBy: string; id?: string },
  origin: Origin = ORIGIN_LOCAL
): string {
  const id = m.id ?? newId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    collection(doc, 'meetings').set(id, map);
    map.set('id', id);
    map.set('date', m.date);
    map.set('title', m.title ?? '');
    map.set('participants', [...m.participants]);
    const notes = new Y.Text();
    map.set('notes', notes);
    if (m.notes) notes.insert(0, m.notes);
    map.set('decisions', new Y.Map<Y.Map<unknown>>());
    map.set('createdAt', m.createdAt);
    map.set('createdBy', m.createdBy);
  }, origin);
  return id;
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
  let id = '';
  doc.transact(() => {
    id = addAction(doc, a, origin);
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
