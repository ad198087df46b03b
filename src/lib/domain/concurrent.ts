// Concurrent edits made visible (issue "Plan history"). When a merge brings in
// a write to a field that this user also wrote without having seen the other
// write (both replaced the same value: typically one of them was offline), the
// CRDT keeps one value and nothing is lost, but the person whose value lost
// would not know. The client that notices records the clash in the plan's
// `concurrent` map, so every device shows it until someone acknowledges it.
//
// Each client records only its own write, keyed by that write's Yjs id, so two
// clients noticing the same clash never overwrite each other's record: anna's
// device writes anna's side and bo's device writes bo's, and a third person
// sees both names. Pure Yjs, no IO; the plan page wires it to its room.
//
// The write that lost can arrive without its value: when anna comes back
// online and her write wins, the relay may answer her sync request after it
// has merged her write, and by then it has garbage-collected bo's losing value.
// Her device still records her side, marked `otherUnknown`; it is shown once
// bo's device (which always sees the kept value) has recorded his, and not at
// all if his never does (he wrote the same value, say).
import * as Y from 'yjs';
import { collection, readItem, type Collection } from './plan.ts';
import { ORIGIN_LOCAL } from './origins.ts';
import { fieldWrites, writtenValue } from './field-writes.ts';

/** The fields whose silent overwrite matters (issue: due date, owner, status; a goal's title). */
export const WATCHED: Partial<Record<Collection, readonly string[]>> = {
  actions: ['due', 'ownerId', 'status', 'title'],
  goals: ['title', 'targetDate', 'status']
};

export const CONCURRENT_MAP = 'concurrent';

/** One client's side of a clash, as stored. */
export interface ClashSide {
  section: Collection;
  itemId: string;
  field: string;
  /** who wrote this side (the recording client's user) */
  by: string;
  value: unknown;
  /** the other side's value, as this client saw it: shown while the other side has not recorded itself */
  otherValue: unknown;
  /** the other write arrived without its value (collected by the relay): this side waits for the other's record */
  otherUnknown?: true;
  at: string;
}

export interface Clash {
  /** `section|itemId|field`: acknowledging removes every side of it */
  key: string;
  section: Collection;
  itemId: string;
  field: string;
  label: string;
  sides: { by: string; value: unknown }[];
  /** the value the plan holds now */
  kept: unknown;
  /** set when only one side has recorded itself: the value of the unnamed other */
  unnamedValue?: unknown;
}

const clashKey = (section: string, itemId: string, field: string) => `${section}|${itemId}|${field}`;

const sameId = (a: Y.ID | null, b: Y.ID | null) => (a === null && b === null) || (!!a && !!b && a.client === b.client && a.clock === b.clock);

export interface WatchOptions {
  /** the signed-in user, who is the author of every write by one of `mine`'s clients */
  me: string;
  /** client ids this user wrote with (this document's, and earlier sessions' on this device) */
  mine: (client: number) => boolean;
  /** true for a transaction that brought in writes from elsewhere (the relay) */
  isRemote: (origin: unknown) => boolean;
  now?: () => Date;
  /** false for a reader: nothing is recorded */
  canWrite?: () => boolean;
}

/**
 * Watches `doc` for merges that clash with this user's own writes and records
 * them. Returns the function that stops watching.
 */
export function watchConcurrentEdits(doc: Y.Doc, opts: WatchOptions): () => void {
  const now = opts.now ?? (() => new Date());
  const onTransaction = (tr: Y.Transaction) => {
    if (tr.local || !opts.isRemote(tr.origin) || (opts.canWrite && !opts.canWrite())) return;
    const found: ClashSide[] = [];
    for (const [type, subs] of tr.changed) {
      const item = type._item;
      if (!item || item.parentSub === null || !(type instanceof Y.Map)) continue;
      const section = (Object.keys(WATCHED) as Collection[]).find((s) => item.parent === collection(doc, s));
      if (!section) continue;
      const fields = WATCHED[section] ?? [];
      for (const field of subs) {
        if (field === null || !fields.includes(field)) continue;
        // Every write of the field, newest first; the incoming ones were created in this transaction.
        const writes = fieldWrites(type, field);
        const isNew = (w: Y.Item) => w.id.clock >= (tr.beforeState.get(w.id.client) ?? 0);
        const incoming = writes.filter((w) => isNew(w) && !opts.mine(w.id.client));
        const own = writes.find((w) => !isNew(w) && opts.mine(w.id.client));
        if (!own) continue;
        const other = incoming.find((w) => sameId(w.origin, own.origin));
        if (!other) continue;
        const value = writtenValue(own.content);
        const otherValue = writtenValue(other.content);
        if (value === undefined || value === otherValue) continue;
        const at = now().toISOString();
        const side = { section, itemId: String(item.parentSub), field, by: opts.me, value, at };
        if (otherValue !== undefined) found.push({ ...side, otherValue });
        else if (other.content instanceof Y.ContentDeleted) found.push({ ...side, otherValue: null, otherUnknown: true });
      }
    }
    if (found.length === 0) return;
    // Written after the merge's transaction has ended, as this user's own change.
    queueMicrotask(() => {
      const clashes = doc.getMap<ClashSide>(CONCURRENT_MAP);
      doc.transact(() => {
        for (const side of found) clashes.set(`${clashKey(side.section, side.itemId, side.field)}|${side.by}`, side);
      }, ORIGIN_LOCAL);
    });
  };
  doc.on('afterTransaction', onTransaction);
  return () => doc.off('afterTransaction', onTransaction);
}

/** The clashes not acknowledged yet, each with its sides and the value the plan kept. */
export function readClashes(doc: Y.Doc): Clash[] {
  const byKey = new Map<string, Clash>();
  for (const [k, side] of doc.getMap<ClashSide>(CONCURRENT_MAP)) {
    if (!side || typeof side !== 'object') continue;
    const key = k.split('|').slice(0, 3).join('|');
    const item = readItem(doc, side.section, side.itemId) as Record<string, unknown> | null;
    if (!item) continue; // the item is gone: nothing left to look at
    let clash = byKey.get(key);
    if (!clash) {
      clash = { key, section: side.section, itemId: side.itemId, field: side.field, label: String(item.title ?? ''), sides: [], kept: item[side.field] ?? null };
      byKey.set(key, clash);
    }
    clash.sides.push({ by: side.by, value: side.value });
    if (!side.otherUnknown) clash.unnamedValue = side.otherValue;
  }
  for (const [key, c] of byKey) {
    // Once both sides have recorded themselves, nobody is unnamed.
    if (c.sides.length > 1 || c.sides.some((s) => s.value === c.unnamedValue)) delete c.unnamedValue;
    // A side that does not know the other value says nothing on its own.
    else if (!('unnamedValue' in c)) byKey.delete(key);
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Someone has seen it: every side of the clash is removed, on every device. */
export function acknowledgeClash(doc: Y.Doc, key: string) {
  const clashes = doc.getMap<ClashSide>(CONCURRENT_MAP);
  doc.transact(() => {
    for (const k of [...clashes.keys()]) if (k.startsWith(`${key}|`)) clashes.delete(k);
  }, ORIGIN_LOCAL);
}
