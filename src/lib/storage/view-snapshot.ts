// A plain copy of what a plan's screen shows, kept beside the room's Yjs
// updates in its own y-indexeddb database (the `custom` store, which
// y-indexeddb leaves to its users). A large plan's first screen is painted
// from it before the Y.Doc is decoded (DESIGN §9: first paint ≤ 50 ms); the
// document replaces it a moment later.
//
// The copy names the last update record it reflects, and is used only when
// every record written after it is empty (y-indexeddb writes one empty record
// each time the room is opened): then it shows exactly what the document
// holds. Any real change stored since (a background sync, another tab)
// makes it unusable until the screen writes a new one. Purging the room
// deletes the database and the copy with it.

const UPDATES = 'updates';
/** where the copy lives in the room's database, under VIEW_SNAPSHOT_KEY (exported for the benchmark, which removes it) */
export const VIEW_SNAPSHOT_STORE = 'custom';
export const VIEW_SNAPSHOT_KEY = 'fp-view';
const CUSTOM = VIEW_SNAPSHOT_STORE;
const KEY = VIEW_SNAPSHOT_KEY;
const VERSION = 1;

interface Stored<T> {
  v: number;
  /** the last key of the updates store when the copy was written */
  key: number;
  state: T;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Opens the room's database only if it exists: reading or writing a copy never creates a database for a room this device does not hold. */
function openExisting(name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let absent = false;
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      absent = true;
      req.transaction?.abort();
    };
    req.onsuccess = () => {
      const db = req.result;
      if (db.objectStoreNames.contains(UPDATES) && db.objectStoreNames.contains(CUSTOM)) return resolve(db);
      db.close();
      resolve(null);
    };
    req.onerror = (e) => {
      if (!absent) return reject(req.error);
      e.preventDefault(); // the abort above, not a failure
      resolve(null);
    };
  });
}

/** An update that adds and deletes nothing: what y-indexeddb stores when a room is opened into an empty Y.Doc. */
function isEmptyUpdate(u: unknown): boolean {
  return u instanceof Uint8Array && u.byteLength === 2 && u[0] === 0 && u[1] === 0;
}

function isStored<T>(x: unknown): x is Stored<T> {
  const s = x as Stored<T> | undefined;
  return !!s && s.v === VERSION && typeof s.key === 'number' && typeof s.state === 'object' && s.state !== null;
}

/** The room's copy, or null when there is none or the document has changed since it was written. */
export async function readViewSnapshot<T>(room: string): Promise<T | null> {
  const db = await openExisting(room);
  if (!db) return null;
  try {
    const tx = db.transaction([UPDATES, CUSTOM], 'readonly');
    const saved = await request(tx.objectStore(CUSTOM).get(KEY));
    if (!isStored<T>(saved)) return null;
    const later = await request(tx.objectStore(UPDATES).getAll(IDBKeyRange.lowerBound(saved.key, true)));
    return later.every(isEmptyUpdate) ? saved.state : null;
  } finally {
    db.close();
  }
}

/**
 * Stores `state` as the copy of the room's document. The caller's document
 * must hold exactly what is stored: every update it has was handed to
 * y-indexeddb before this call, whose write transactions therefore run first.
 */
export async function writeViewSnapshot<T>(room: string, state: T): Promise<void> {
  const db = await openExisting(room);
  if (!db) return;
  try {
    const tx = db.transaction([UPDATES, CUSTOM], 'readwrite');
    const last = await request(tx.objectStore(UPDATES).openKeyCursor(null, 'prev'));
    const stored: Stored<T> = { v: VERSION, key: last ? Number(last.key) : 0, state };
    tx.objectStore(CUSTOM).put(stored, KEY);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** How long the document must be quiet before its copy is rewritten… */
const QUIET_MS = 1000;
/** …but no longer than this after the first change not yet in the copy (someone typing for minutes). */
const MAX_WAIT_MS = 5000;
/** A screen that had no usable copy writes one this soon after loading (after its first frames). */
const INITIAL_DELAY_MS = 500;

/**
 * Keeps the room's copy current while a screen shows the document: written
 * soon after loading when the screen had no usable copy (`initial`), then
 * after each change once the document has been quiet for a moment, when the
 * page is hidden or left, and on the returned stop function when a change is
 * still pending. `state` reads the document as the screen shows it (null:
 * nothing worth storing, e.g. a document that has not arrived yet); nothing
 * is written once `ended()` (access ended: the copy is being purged).
 */
export function keepViewSnapshot<T>(
  room: string,
  doc: { on(e: 'update', f: () => void): void; off(e: 'update', f: () => void): void },
  state: () => T | null,
  opts: { initial: boolean; ended: () => boolean }
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** when the oldest change not yet in the copy happened */
  let since: number | null = null;
  const write = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    since = null;
    const current = opts.ended() ? null : state();
    if (current === null) return;
    writeViewSnapshot(room, current).catch((err: unknown) => console.warn(`view snapshot of ${room} not stored`, err));
  };
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(write, ms);
  };
  const changed = () => {
    const now = Date.now();
    since ??= now;
    schedule(Math.max(0, Math.min(QUIET_MS, since + MAX_WAIT_MS - now)));
  };
  const leaving = () => {
    if (timer && document.visibilityState === 'hidden') write();
  };
  const pagehide = () => {
    if (timer) write();
  };
  doc.on('update', changed);
  document.addEventListener('visibilitychange', leaving);
  window.addEventListener('pagehide', pagehide);
  if (opts.initial) {
    since = Date.now();
    schedule(INITIAL_DELAY_MS);
  }
  return () => {
    doc.off('update', changed);
    document.removeEventListener('visibilitychange', leaving);
    window.removeEventListener('pagehide', pagehide);
    if (timer) write();
  };
}
