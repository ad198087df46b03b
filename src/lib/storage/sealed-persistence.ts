// A room's Y.Doc kept in IndexedDB, sealed (DESIGN §13): in place of
// y-indexeddb, which stores raw updates. The layout is y-indexeddb's — one
// database per room, named after it, with an `updates` store (auto-increment
// keys) and a `custom` store — so purging a room is still deleting its
// database, and the stored view copy (view-snapshot.ts) lives beside it. Each
// record is one update sealed with AES-GCM under the device's data key
// (device-key.ts), the room's name bound in as context.
//
// Writes go through one queue per provider, in order. Loading applies every
// record; beyond COMPACT_AFTER records, they are merged into one (also after
// that many new ones while open), in one transaction that adds the merged
// state and deletes what it replaces — and moves the view copy's mark along,
// so a copy that reflected everything merged stays usable.
//
// A database written by y-indexeddb before (plain updates) is read once and
// rewritten sealed at once, its plain records and plain view copy deleted.
import * as Y from 'yjs';
import { seal, unseal } from './device-key.ts';

const UPDATES = 'updates';
const CUSTOM = 'custom';
/** where the view copy lives (view-snapshot.ts) */
export const VIEW_KEY = 'fp-view';
/** records before the room's updates are merged into one */
export const COMPACT_AFTER = 100;
const COMPACT_DELAY_MS = 1000;
/** how long closing waits for writes still sealing */
const DESTROY_WAIT_MS = 2000;

/** One stored update: sealed (`s`), or a plain Uint8Array written by y-indexeddb before. */
type StoredRecord = { s: Uint8Array } | Uint8Array;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/**
 * Opens (or creates) a room's database. A purge deletes it (the only reason
 * another connection asks for a new version): this connection closes at once,
 * so the deletion never waits for a room still open on this page, and
 * `onDeleted` is told.
 */
export function openRoomDb(name: string, onDeleted?: () => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(UPDATES)) db.createObjectStore(UPDATES, { autoIncrement: true });
      if (!db.objectStoreNames.contains(CUSTOM)) db.createObjectStore(CUSTOM);
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => {
        db.close();
        onDeleted?.();
      };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
  });
}

/** The context a room's updates are sealed with (its view copy has its own). */
export const updateContext = (room: string) => `fp-room:${room}`;

export async function openRecord(room: string, r: StoredRecord): Promise<Uint8Array> {
  if (r instanceof Uint8Array) return r;
  return unseal(r.s, updateContext(room), { wait: true });
}

export const isPlainRecord = (r: StoredRecord) => r instanceof Uint8Array;

/** Rooms open on this page, so a view copy is written after the updates handed to them (view-snapshot.ts). */
const openProviders = new Map<string, Set<SealedPersistence>>();

/**
 * Resolves once every update handed to this room's open providers so far is
 * stored, with the key of the last record they hold (null: none open here).
 */
export async function roomWritesSettled(room: string): Promise<number | null> {
  const keys = await Promise.all([...(openProviders.get(room) ?? [])].map((p) => p.settled()));
  const known = keys.filter((k): k is number => k !== null);
  return known.length ? Math.max(...known) : null;
}

/**
 * Runs `load` without the document's `update` event. Yjs encodes a transaction's whole content for
 * `update` listeners, and none of them wants what the device already held: this provider stores
 * only new changes, the socket opens after the load (the relay's sync exchange covers it), and the
 * live room counts only local edits. For the large plan that encoding was 20–44 ms on a tablet
 * (CPU 4×) at every opening (docs/performance.md). Listeners stay registered for everything after;
 * observers (`observe`, `observeDeep`, `afterTransaction`) still see the load. Whoever wants to know
 * that a room loaded waits for `whenSynced`.
 */
export function withoutUpdateEvent(doc: Y.Doc, load: () => void) {
  // lib0's Observable keeps its listeners by event name in `_observers`.
  const observers = (doc as unknown as { _observers: Map<string, Set<unknown>> })._observers;
  const update = observers.get('update');
  observers.delete('update');
  try {
    load();
  } finally {
    // A listener added while loading (by an observer) is kept beside the earlier ones.
    const added = observers.get('update');
    if (update) observers.set('update', added ? new Set([...update, ...added]) : update);
  }
}

export interface PersistenceCost {
  records: number;
  loadMs: number;
  compactMs: number | null;
}

export class SealedPersistence {
  readonly doc: Y.Doc;
  readonly name: string;
  readonly whenSynced: Promise<SealedPersistence>;
  synced = false;
  /** what the last load and compaction cost (for the benchmark) */
  cost: PersistenceCost = { records: 0, loadMs: 0, compactMs: null };
  #db: Promise<IDBDatabase>;
  #queue: Promise<unknown> = Promise.resolve();
  #destroyed = false;
  #size = 0;
  /** the key of the last record this provider saw stored (loaded, written, merged) */
  #lastKey: number | null = null;
  #compactTimer: ReturnType<typeof setTimeout> | null = null;
  #onError: (err: unknown) => void;
  #closed: Promise<void> | null = null;
  /** the database was deleted under this provider */
  #gone = false;

  constructor(name: string, doc: Y.Doc, opts: { onError?: (err: unknown) => void } = {}) {
    this.name = name;
    this.doc = doc;
    const onError = opts.onError ?? ((err) => console.error(`${name}: local copy`, err));
    // Once a purge deleted the database, writes still queued fail on the closed connection: expected, not reported.
    this.#onError = (err) => {
      if (!this.#gone) onError(err);
    };
    this.#db = openRoomDb(name, this.#deleted);
    let set = openProviders.get(name);
    if (!set) openProviders.set(name, (set = new Set()));
    set.add(this);
    // Edits made before the stored updates are applied are part of the doc's state, written first.
    const before = Y.encodeStateVector(doc).byteLength > 1 ? Y.encodeStateAsUpdate(doc) : null;
    this.whenSynced = this.#enqueue(() => this.#load(before)).then(() => this);
    void this.whenSynced.catch(this.#onError);
    doc.on('update', this.#storeUpdate);
    doc.on('destroy', this.destroy);
  }

  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every update handed to this provider so far is stored, with the last record's key (null: not loaded). */
  settled(): Promise<number | null> {
    return this.#queue.then(() => (this.synced ? this.#lastKey : null));
  }

  async #load(before: Uint8Array | null) {
    const t0 = performance.now();
    const db = await this.#db;
    if (before) await this.#add(db, [before]);
    const tx = db.transaction([UPDATES], 'readonly');
    const store = tx.objectStore(UPDATES);
    const [records, keys] = await Promise.all([request(store.getAll() as IDBRequest<StoredRecord[]>), request(store.getAllKeys())]);
    const updates = await Promise.all(records.map((r) => openRecord(this.name, r)));
    if (this.#destroyed) return;
    withoutUpdateEvent(this.doc, () =>
      Y.transact(
        this.doc,
        () => {
          for (const u of updates) Y.applyUpdate(this.doc, u);
        },
        this,
        false
      )
    );
    this.#size = records.length;
    this.cost = { records: records.length, loadMs: performance.now() - t0, compactMs: null };
    // For the benchmark (bench/client.ts reads these from the page).
    performance.measure('fp-room-load', { start: t0, detail: { room: this.name, records: records.length } });
    this.synced = true;
    const last = keys.length ? Number(keys[keys.length - 1]) : null;
    this.#lastKey = last ?? this.#lastKey;
    // Plain records from before: sealed now, not only once the room grows.
    if (last !== null && (records.length > COMPACT_AFTER || records.some(isPlainRecord))) await this.#compact(db, last);
  }

  async #add(db: IDBDatabase, updates: Uint8Array[]) {
    const sealed = await Promise.all(updates.map((u) => seal(u, updateContext(this.name))));
    const tx = db.transaction([UPDATES], 'readwrite');
    const added = sealed.map((s) => request(tx.objectStore(UPDATES).add({ s })));
    await done(tx);
    this.#size += sealed.length;
    if (added.length) this.#lastKey = Number(await added[added.length - 1]);
  }

  /** Merges every record up to `upTo` (a key) into one, sealed; the view copy's mark moves with it. */
  async #compact(db: IDBDatabase, upTo: number) {
    const t0 = performance.now();
    const merged = await seal(Y.encodeStateAsUpdate(this.doc), updateContext(this.name));
    const tx = db.transaction([UPDATES, CUSTOM], 'readwrite');
    const updates = tx.objectStore(UPDATES);
    const custom = tx.objectStore(CUSTOM);
    const key = Number(await request(updates.add({ s: merged })));
    updates.delete(IDBKeyRange.upperBound(upTo));
    const view = (await request(custom.get(VIEW_KEY))) as { key?: unknown; s?: unknown } | undefined;
    if (view && !(view.s instanceof Uint8Array)) custom.delete(VIEW_KEY); // a plain copy from before
    else if (view && typeof view.key === 'number' && view.key >= upTo) custom.put({ ...view, key }, VIEW_KEY);
    const count = request(updates.count());
    await done(tx);
    this.#size = await count;
    this.#lastKey = key;
    this.cost = { ...this.cost, compactMs: performance.now() - t0 };
    performance.measure('fp-room-compact', { start: t0, detail: { room: this.name, replaced: upTo } });
  }

  #storeUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this || this.#destroyed) return;
    void this.#enqueue(async () => {
      if (!this.synced || this.#gone) return; // before the load, the doc's state is written by #load
      const db = await this.#db;
      await this.#add(db, [update]);
      if (this.#size >= COMPACT_AFTER && !this.#compactTimer) {
        this.#compactTimer = setTimeout(() => {
          this.#compactTimer = null;
          void this.compact().catch(this.#onError);
        }, COMPACT_DELAY_MS);
      }
    }).catch(this.#onError);
  };

  /** Merges the stored updates now (also run on its own after COMPACT_AFTER records). */
  compact(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#destroyed || !this.synced) return;
      const db = await this.#db;
      const last = await request(db.transaction([UPDATES], 'readonly').objectStore(UPDATES).openKeyCursor(null, 'prev'));
      if (last) await this.#compact(db, Number(last.key));
    });
  }

  /** The database was deleted under this provider (a purge): nothing more is stored (what is queued finds it gone). */
  #deleted = () => {
    this.#gone = true;
    void this.destroy();
  };

  /** Stops storing; resolves once what was handed over is stored and the database is closed (so it can be deleted). */
  destroy = (): Promise<void> => {
    if (this.#compactTimer) clearTimeout(this.#compactTimer);
    this.#compactTimer = null;
    this.doc.off('update', this.#storeUpdate);
    this.doc.off('destroy', this.destroy);
    const wasDestroyed = this.#destroyed;
    this.#destroyed = true;
    openProviders.get(this.name)?.delete(this);
    if (openProviders.get(this.name)?.size === 0) openProviders.delete(this.name);
    if (wasDestroyed) return this.#closed ?? Promise.resolve();
    // What was handed over is stored first — unless that waits for a key a
    // locked device does not get: the database must close for a purge to delete it.
    const stored = Promise.race([this.#queue, new Promise((r) => setTimeout(r, DESTROY_WAIT_MS))]);
    this.#closed = stored.then(() => this.#db.then((db) => db.close(), () => undefined));
    return this.#closed;
  };
}
