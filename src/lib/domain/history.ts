// A room's history in readable words, derived from its stored updates and
// their relay-stamped authors (issue "Plan history"). The updates are replayed
// in sequence order on a Y.Doc without garbage collection; consecutive updates
// of one author within SESSION_GAP_MS form one session of work, and each
// session is described by diffing the items it touched (read with the plan's
// own readers) before and after it.
//
// Plain field writes are taken from the update itself, not from the merged
// result: an offline edit that lost a concurrent write to the same field (the
// CRDT kept the other value) still shows as that author's change, marked
// `overridden`, from the value the author saw to the value the author wrote.
//
// Nothing here touches IO: the server feeds rows from the store; restore runs
// on the client through the plan's writers (a new change by the restoring user).
import * as Y from 'yjs';
import {
  addAction,
  addGoal,
  addHope,
  addMember,
  addNetworkParty,
  collection,
  COLLECTIONS,
  meetingNotes,
  readItem,
  readMeta,
  readTovholderState,
  undelete,
  updateItem,
  type Action,
  type Collection,
  type Goal,
  type Hope,
  type Member,
  type NetworkParty
} from './plan.ts';
import { entriesMap, readEntry } from './journal.ts';
import { fieldWrites, writtenValue } from './field-writes.ts';
import { ORIGIN_LOCAL, type Origin } from './origins.ts';
import type { Sector } from '../shared/rooms.ts';

export const SESSION_GAP_MS = 10 * 60_000;
/** What a base row (a room compacted before the archive) is authored by in the store. */
export const SNAPSHOT_AUTHOR = 'snapshot';

export interface HistoryUpdate {
  seq: number;
  author: string;
  at: string;
  data: Uint8Array;
}

export type ItemSection = Collection | 'entries';
export type HistorySection = ItemSection | 'tovholder' | 'meta';
export const HISTORY_SECTIONS = [...COLLECTIONS, 'entries', 'tovholder', 'meta'] as const satisfies readonly HistorySection[];

/** An item's fields as the readers return them (plus a meeting's notes): what a deletion carries for restore. */
export type ItemSnapshot = Record<string, unknown> & { id: string };

export type HistoryChange =
  | { kind: 'added' | 'restored'; section: ItemSection; id: string; label: string }
  | {
      kind: 'removed';
      section: ItemSection;
      id: string;
      label: string;
      item: ItemSnapshot;
      /** items whose link to this one the deletion cleared (a goal's actions, a hope's goals) */
      unlinked: string[];
    }
  | {
      kind: 'changed';
      section: HistorySection;
      id: string;
      label: string;
      field: string;
      from: string;
      to: string;
      /** a concurrent change to the same field won: the plan kept another value */
      overridden?: boolean;
    };

export interface HistorySession {
  /** `<first seq>-<last seq>` */
  id: string;
  author: string;
  from: string;
  to: string;
  fromSeq: number;
  toSeq: number;
  /** the state the history starts from (a room compacted before updates were archived) */
  base?: boolean;
  changes: HistoryChange[];
}

export type HistoryKind = 'plan' | 'journal';

/**
 * The format of a HistoryBuilder's checkpoint. Raise it whenever what the
 * builder derives changes (a new kind of change, another label): a stored
 * checkpoint of another version is ignored, the log replayed in full and the
 * checkpoint written again.
 */
export const HISTORY_CHECKPOINT_VERSION = 1;

/**
 * A builder's whole state after `seq`: the document (one update of a gc:false
 * doc, deleted content kept) and, as JSON, the item cache, removed items,
 * closed sessions and the open session with what it has gathered so far. A
 * builder restored from it and fed the updates after `seq` gives exactly the
 * sessions of a replay from the start (tests/unit/history-checkpoint.test.ts).
 */
export interface HistoryCheckpoint {
  version: number;
  kind: HistoryKind;
  seq: number;
  doc: Uint8Array;
  state: string;
}

interface CheckpointState {
  items: [string, ItemSnapshot][];
  removed: string[];
  closed: HistorySession[];
  open: {
    session: HistorySession;
    touched: [string, { section: ItemSection; id: string }][];
    intents: [string, Intent][];
    tovholderBefore: string | null;
    metaBefore: Record<string, string> | null;
    lastSeen: [string, ItemSnapshot][];
    deletedInSession: [string, ItemSnapshot][];
  } | null;
}

/** GET /api/families/:id/history: sessions of work, newest first. */
export interface HistoryResponse {
  part: 'plan' | Sector;
  sessions: HistorySession[];
  /** display names of the sessions' authors by id */
  people: Record<string, string>;
  /** the room's latest seq the history covers */
  seq: number;
}

/** GET /api/families/:id/history/as-of: the plan's document as it was, as one Yjs update (base64). */
export interface AsOfResponse {
  at: string;
  update: string;
}

/** Fields that are bookkeeping, not something a person changed. */
const SKIP_FIELDS = new Set(['id', 'createdAt', 'createdBy', 'deleted', 'deletedBy', 'deletedAt', 'fromDecision', 'ownerId', 'authorId']);
/** Links shown by the linked item's name. */
const LINKS: Record<string, ItemSection> = { goalId: 'goals', hopeId: 'hopes' };
/** Which collection's deletion clears which link. */
const UNLINKS: Partial<Record<ItemSection, { section: ItemSection; field: string }>> = {
  goals: { section: 'actions', field: 'goalId' },
  hopes: { section: 'goals', field: 'hopeId' }
};

interface Intent {
  from: unknown;
  to: unknown;
  overridden: boolean;
}

interface Open {
  session: HistorySession;
  /** `section\0id` of every item the session's updates touched */
  touched: Map<string, { section: ItemSection; id: string }>;
  /** `section\0id\0field` → the first value seen and the last written */
  intents: Map<string, Intent>;
  tovholderBefore: string | null;
  metaBefore: Record<string, string> | null;
  /** items touched by the update being applied */
  touchedNow: Map<string, { section: ItemSection; id: string }>;
  /** the last state seen of every item that existed during the session */
  lastSeen: Map<string, ItemSnapshot>;
  /**
   * Items deleted by one of the session's updates, with what they held: a
   * deletion and a restore in one session must both be told, though the
   * session's net difference shows neither.
   */
  deletedInSession: Map<string, ItemSnapshot>;
}

const key = (...parts: string[]) => parts.join('\u0000');

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(', ');
  return typeof v === 'string' ? v : String(v);
}

function labelOf(section: ItemSection, item: ItemSnapshot): string {
  const short = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
  switch (section) {
    case 'hopes':
      return short(text(item.text));
    case 'goals':
    case 'actions':
      return text(item.title);
    case 'meetings':
      return text(item.title) || text(item.date);
    case 'members':
    case 'network':
      return text(item.name);
    case 'feedback':
      return `${text(item.who)} ${text(item.date)}`.trim();
    case 'entries':
      return `${text(item.kind)} ${text(item.date)}`.trim();
  }
}

/**
 * Replays a room's updates and keeps its history; feed it more updates later
 * (the server caches one per room by last seq).
 */
export class HistoryBuilder {
  readonly kind: HistoryKind;
  readonly doc = new Y.Doc({ gc: false });
  readonly #gapMs: number;
  readonly #sections: readonly ItemSection[];
  readonly #items = new Map<string, ItemSnapshot>();
  readonly #removed = new Set<string>();
  readonly #closed: HistorySession[] = [];
  #open: Open | null = null;
  #lastSeq = 0;
  /** The document a builder being restored starts from (set only during restore's constructor call). */
  static #restoring: Uint8Array | null = null;

  constructor(kind: HistoryKind, opts: { gapMs?: number } = {}) {
    this.kind = kind;
    this.#gapMs = opts.gapMs ?? SESSION_GAP_MS;
    this.#sections = kind === 'plan' ? COLLECTIONS : ['entries'];
    // A restore loads its document before anything observes it: no events to build for the whole plan.
    if (HistoryBuilder.#restoring) Y.applyUpdate(this.doc, HistoryBuilder.#restoring);
    for (const section of this.#sections) this.#root(section).observeDeep((events) => this.#observe(section, events));
    if (kind === 'plan') {
      this.doc.getMap('meta').observe(() => this.#touchMeta());
      this.doc.getArray('tovholderLog').observe(() => this.#touchTovholder());
      this.doc.getMap('tovholder').observe(() => this.#touchTovholder());
    }
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The builder's state now, to continue from later (restore). */
  checkpoint(): HistoryCheckpoint {
    const o = this.#open;
    const state: CheckpointState = {
      items: [...this.#items],
      removed: [...this.#removed],
      closed: this.#closed,
      open: o
        ? {
            session: o.session,
            touched: [...o.touched],
            intents: [...o.intents],
            tovholderBefore: o.tovholderBefore,
            metaBefore: o.metaBefore,
            lastSeen: [...o.lastSeen],
            deletedInSession: [...o.deletedInSession]
          }
        : null
    };
    return { version: HISTORY_CHECKPOINT_VERSION, kind: this.kind, seq: this.#lastSeq, doc: Y.encodeStateAsUpdate(this.doc), state: JSON.stringify(state) };
  }

  /**
   * A builder continuing from a checkpoint; null when the checkpoint is of
   * another format version or kind (replay from the start instead).
   */
  static restore(cp: HistoryCheckpoint, opts: { gapMs?: number } = {}): HistoryBuilder | null {
    if (cp.version !== HISTORY_CHECKPOINT_VERSION || (cp.kind !== 'plan' && cp.kind !== 'journal')) return null;
    const state = JSON.parse(cp.state) as CheckpointState;
    let b: HistoryBuilder;
    HistoryBuilder.#restoring = cp.doc;
    try {
      b = new HistoryBuilder(cp.kind, opts);
    } finally {
      HistoryBuilder.#restoring = null;
    }
    for (const [k, v] of state.items) b.#items.set(k, v);
    for (const k of state.removed) b.#removed.add(k);
    b.#closed.push(...state.closed);
    const o = state.open;
    if (o) {
      b.#open = {
        session: o.session,
        touched: new Map(o.touched),
        intents: new Map(o.intents),
        tovholderBefore: o.tovholderBefore,
        metaBefore: o.metaBefore,
        touchedNow: new Map(),
        lastSeen: new Map(o.lastSeen),
        deletedInSession: new Map(o.deletedInSession)
      };
    }
    b.#lastSeq = cp.seq;
    return b;
  }

  #root(section: ItemSection): Y.Map<Y.Map<unknown>> {
    return section === 'entries' ? entriesMap(this.doc) : collection(this.doc, section);
  }

  #read(section: ItemSection, id: string): ItemSnapshot | null {
    if (section === 'entries') return readEntry(this.doc, id) as ItemSnapshot | null;
    const item = readItem(this.doc, section, id) as ItemSnapshot | null;
    if (item && section === 'meetings') item.notes = meetingNotes(this.doc, id)?.toString() ?? '';
    return item;
  }

  /** Applies one stored update (in sequence order; older or repeated ones are ignored). */
  apply(u: HistoryUpdate) {
    if (u.seq <= this.#lastSeq) return;
    const open = this.#open;
    const base = u.author === SNAPSHOT_AUTHOR;
    if (open && (base || open.session.base || open.session.author !== u.author || Date.parse(u.at) - Date.parse(open.session.to) > this.#gapMs)) {
      this.#close(open, true);
      this.#open = null;
    }
    if (!this.#open) {
      this.#open = {
        session: { id: '', author: u.author, from: u.at, to: u.at, fromSeq: u.seq, toSeq: u.seq, changes: [], ...(base ? { base: true } : {}) },
        touched: new Map(),
        intents: new Map(),
        tovholderBefore: null,
        metaBefore: null,
        touchedNow: new Map(),
        lastSeen: new Map(),
        deletedInSession: new Map()
      };
    }
    const cur = this.#open;
    cur.session.to = u.at;
    cur.session.toSeq = u.seq;
    cur.touchedNow.clear();
    Y.applyUpdate(this.doc, u.data);
    this.#lastSeq = u.seq;
    for (const [k, { section, id }] of cur.touchedNow) {
      const now = this.#read(section, id);
      if (now) {
        cur.lastSeen.set(k, now);
        continue;
      }
      const was = cur.lastSeen.get(k) ?? this.#items.get(k);
      if (was) cur.deletedInSession.set(k, was);
      cur.lastSeen.delete(k);
    }
  }

  /** Every session so far, oldest first; the last one may still grow with later updates. */
  sessions(): HistorySession[] {
    if (!this.#open) return [...this.#closed];
    const preview = structuredClone({ ...this.#open, session: this.#open.session });
    return [...this.#closed, this.#close(preview, false)];
  }

  #touchMeta() {
    const open = this.#open;
    if (open && !open.metaBefore) open.metaBefore = this.#metaOf(this.#items.get(key('meta', '')));
  }

  #touchTovholder() {
    const open = this.#open;
    if (open && open.tovholderBefore === null) open.tovholderBefore = text(this.#items.get(key('tovholder', ''))?.name);
  }

  #metaOf(item: ItemSnapshot | undefined): Record<string, string> {
    return { name: text(item?.name), district: text(item?.district), status: text(item?.status) };
  }

  #observe(section: ItemSection, events: Y.YEvent<Y.AbstractType<unknown>>[]) {
    const open = this.#open;
    if (!open) return;
    for (const e of events) {
      // Every event under a collection is a map's (the collection, an item, a meeting's decisions) or a text's.
      const keysChanged = e instanceof Y.YMapEvent ? (e.keysChanged as Set<string>) : new Set<string>();
      if (e.path.length === 0) {
        for (const id of keysChanged) {
          open.touched.set(key(section, id), { section, id });
          open.touchedNow.set(key(section, id), { section, id });
        }
        continue;
      }
      const id = String(e.path[0]);
      open.touched.set(key(section, id), { section, id });
      open.touchedNow.set(key(section, id), { section, id });
      if (e.path.length !== 1 || !(e.target instanceof Y.Map)) continue;
      const target = e.target as Y.Map<unknown>;
      const before = e.transaction.beforeState;
      for (const field of keysChanged) {
        if (SKIP_FIELDS.has(field)) continue;
        // Every item this update wrote for the field: the winner, or one that lost to a concurrent write.
        for (const item of fieldWrites(target, field)) {
          if (item.id.clock < (before.get(item.id.client) ?? 0)) continue;
          const to = writtenValue(item.content);
          if (to === undefined) continue;
          const replaced = item.origin ? Y.getItem(this.doc.store, item.origin) : null;
          const from = replaced instanceof Y.Item ? writtenValue(replaced.content) : undefined;
          const k = key(section, id, field);
          const seen = open.intents.get(k);
          open.intents.set(k, { from: seen ? seen.from : from, to, overridden: item.deleted });
        }
      }
    }
  }

  /** Describes a session; `commit` moves the item cache forward (false: a preview of the open session). */
  #close(open: Open, commit: boolean): HistorySession {
    const s = open.session;
    s.id = `${s.fromSeq}-${s.toSeq}`;
    const changes: HistoryChange[] = [];
    const items = commit ? this.#items : new Map(this.#items);
    const removed = commit ? this.#removed : new Set(this.#removed);
    const labelFor = (section: ItemSection, id: string) => {
      const item = items.get(key(section, id)) ?? this.#read(section, id);
      return item ? labelOf(section, item) : '';
    };
    const suppressed = new Set<string>();
    const afterOf = new Map<string, ItemSnapshot | null>();
    for (const [k, { section, id }] of open.touched) afterOf.set(k, this.#read(section, id));
    // Deletions first: the links they cleared belong to them, not to separate changes.
    // An item deleted and restored within the session is told as both.
    for (const [k, { section, id }] of open.touched) {
      const deletedThenBack = afterOf.get(k) && items.has(k) ? open.deletedInSession.get(k) : undefined;
      const before = deletedThenBack ?? items.get(k);
      if (!before || (afterOf.get(k) && !deletedThenBack)) continue;
      const rule = UNLINKS[section];
      const unlinked: string[] = [];
      if (rule) {
        for (const [ik, intent] of open.intents) {
          const [sec, otherId, field] = ik.split('\u0000');
          if (sec === rule.section && field === rule.field && intent.from === id && !intent.to) {
            unlinked.push(otherId);
            suppressed.add(ik);
          }
        }
      }
      changes.push({ kind: 'removed', section, id, label: labelOf(section, before), item: before, unlinked });
    }
    // A restore links again what the deletion unlinked: part of the restore, not separate changes.
    for (const [k, { section, id }] of open.touched) {
      const rule = UNLINKS[section];
      if (!rule || items.has(k) || !removed.has(k) || !afterOf.get(k)) continue;
      for (const [ik, intent] of open.intents) {
        const [sec, , field] = ik.split('\u0000');
        if (sec === rule.section && field === rule.field && intent.to === id && !intent.from) suppressed.add(ik);
      }
    }
    for (const [k, { section, id }] of open.touched) {
      const before = items.get(k);
      const after = afterOf.get(k) ?? null;
      if (!before && after) {
        if (!s.base) changes.push({ kind: removed.has(k) ? 'restored' : 'added', section, id, label: labelOf(section, after) });
        removed.delete(k);
      } else if (before && !after) {
        removed.add(k);
      } else if (before && after) {
        const label = labelOf(section, after);
        if (open.deletedInSession.has(k) && !s.base) changes.push({ kind: 'restored', section, id, label });
        for (const [ik, intent] of open.intents) {
          const [sec, itemId, field] = ik.split('\u0000');
          if (sec !== section || itemId !== id || suppressed.has(ik)) continue;
          const link = LINKS[field];
          const from = link ? (intent.from ? labelFor(link, text(intent.from)) : '') : text(intent.from);
          const to = link ? (intent.to ? labelFor(link, text(intent.to)) : '') : text(intent.to);
          if (from === to && !intent.overridden) continue;
          changes.push({ kind: 'changed', section, id, label, field, from, to, ...(intent.overridden ? { overridden: true } : {}) });
        }
        for (const field of ['text', 'notes'] as const) {
          // Y.Text fields (a hope's words, a meeting's notes); a plain text field is one of the intents.
          if (field in after && !open.intents.has(key(section, id, field)) && text(before[field]) !== text(after[field])) {
            changes.push({ kind: 'changed', section, id, label, field, from: text(before[field]), to: text(after[field]) });
          }
        }
        if (section === 'meetings') {
          const had = new Set((before.decisions as { id: string }[]).map((d) => d.id));
          for (const d of after.decisions as { id: string; text: string }[]) {
            if (!had.has(d.id)) changes.push({ kind: 'changed', section, id, label, field: 'decision', from: '', to: d.text });
          }
        }
      }
      if (after) items.set(k, after);
      else items.delete(k);
    }
    if (this.kind === 'plan') {
      if (open.tovholderBefore !== null) {
        const now = readTovholderState(this.doc).current;
        const to = now?.name ?? '';
        if (to !== open.tovholderBefore && !s.base) changes.push({ kind: 'changed', section: 'tovholder', id: '', label: '', field: 'tovholder', from: open.tovholderBefore, to });
        items.set(key('tovholder', ''), { id: '', name: to });
      }
      if (open.metaBefore) {
        const meta = readMeta(this.doc);
        const after = { name: meta.name, district: meta.district, status: meta.status };
        if (!s.base && open.metaBefore.name !== '') {
          for (const field of ['name', 'district', 'status'] as const) {
            if (after[field] !== open.metaBefore[field]) changes.push({ kind: 'changed', section: 'meta', id: '', label: '', field, from: open.metaBefore[field], to: after[field] });
          }
        }
        items.set(key('meta', ''), { id: '', ...after });
      }
    }
    s.changes = changes;
    if (commit) this.#closed.push(s);
    return s;
  }
}

export interface HistoryFilter {
  user?: string;
  section?: HistorySection;
  /** at most this many (the newest) */
  limit?: number;
}

/** Sessions newest first, narrowed to one author and/or one section; sessions left without changes are dropped. */
export function filterHistory(sessions: readonly HistorySession[], f: HistoryFilter): HistorySession[] {
  const out: HistorySession[] = [];
  for (let i = sessions.length - 1; i >= 0 && (f.limit === undefined || out.length < f.limit); i--) {
    const s = sessions[i];
    if (f.user && s.author !== f.user) continue;
    const changes = f.section ? s.changes.filter((c) => c.section === f.section || (f.section === 'members' && c.section === 'network')) : s.changes;
    if (changes.length === 0 && !(s.base && !f.section)) continue;
    out.push(changes === s.changes ? s : { ...s, changes });
  }
  return out;
}

/** The document as it was after every update stored at or before `at` (ISO instant). */
export function docAsOf(updates: readonly HistoryUpdate[], at: string): Y.Doc {
  const doc = new Y.Doc();
  const upto = Date.parse(at);
  const parts = updates.filter((u) => Date.parse(u.at) <= upto).map((u) => u.data);
  if (parts.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(parts));
  return doc;
}

/**
 * Brings a deleted item back from its history entry, as a new change: a
 * removed hope, goal, action, member or network party is added again under
 * its id (links to what no longer exists are left out; what its deletion
 * unlinked is linked again when still unlinked); a meeting or feedback kept
 * on record is undeleted. Returns false when there is nothing to restore.
 */
export function restoreRemoved(doc: Y.Doc, change: Extract<HistoryChange, { kind: 'removed' }>, origin: Origin = ORIGIN_LOCAL): boolean {
  const { section, item } = change;
  if (section === 'entries') return false;
  if (section === 'meetings' || section === 'feedback') return undelete(doc, section, item.id, origin);
  if (collection(doc, section).has(item.id)) return false;
  const live = (name: Collection, id: unknown) => (typeof id === 'string' && id && readItem(doc, name, id) ? id : null);
  doc.transact(() => {
    if (section === 'hopes') {
      const h = item as unknown as Hope;
      addHope(doc, { id: h.id, text: h.text, saidBy: h.saidBy, createdAt: h.createdAt }, origin);
    } else if (section === 'goals') {
      const g = item as unknown as Goal;
      addGoal(doc, { id: g.id, title: g.title, hopeId: live('hopes', g.hopeId), status: g.status, targetDate: g.targetDate, createdAt: g.createdAt }, origin);
    } else if (section === 'actions') {
      const a = item as unknown as Action;
      addAction(
        doc,
        {
          id: a.id,
          title: a.title,
          goalId: live('goals', a.goalId),
          sector: a.sector,
          party: a.party,
          ownerId: a.ownerId,
          ownerName: a.ownerName,
          due: a.due,
          status: a.status,
          level: a.level,
          createdAt: a.createdAt,
          createdBy: a.createdBy
        },
        origin
      );
    } else if (section === 'members') {
      const m = item as unknown as Member;
      addMember(doc, { id: m.id, name: m.name, relation: m.relation, birthYear: m.birthYear, createdAt: m.createdAt }, origin);
    } else if (section === 'network') {
      const n = item as unknown as NetworkParty;
      addNetworkParty(doc, { id: n.id, name: n.name, relation: n.relation, contact: n.contact, createdAt: n.createdAt }, origin);
    }
    const rule = UNLINKS[section];
    if (rule && rule.section !== 'entries') {
      for (const otherId of change.unlinked) {
        const other = collection(doc, rule.section).get(otherId);
        if (other && !other.get(rule.field)) updateItem(doc, rule.section, otherId, { [rule.field]: item.id }, origin);
      }
    }
  }, origin);
  return true;
}
