// A copy of what a plan's screen shows, kept beside the room's sealed Yjs
// updates in its own database (the `custom` store, sealed-persistence.ts). A
// large plan's first screen is painted from it before the Y.Doc is decoded
// (DESIGN §9: first paint ≤ 50 ms); the document replaces it a moment later.
// Like the updates it is sealed under the device's data key (DESIGN §13).
//
// The copy names the last update record it reflects, and is used only when
// every record written after it is empty: then it shows exactly what the
// document holds. Any real change stored since (a background sync, another
// tab) makes it unusable until the screen writes a new one; merging the
// records moves the mark along (sealed-persistence.ts). Purging the room
// deletes the database and the copy with it.
import { sealJson, unsealJsonKept } from './device-key.ts';
import { isPlainRecord, openRecord, roomWritesSettled, VIEW_KEY } from './sealed-persistence.ts';

const UPDATES = 'updates';
/** where the copy lives in the room's database, under VIEW_SNAPSHOT_KEY (exported for the benchmark, which removes it) */
export const VIEW_SNAPSHOT_STORE = 'custom';
export const VIEW_SNAPSHOT_KEY = VIEW_KEY;
const CUSTOM = VIEW_SNAPSHOT_STORE;
const KEY = VIEW_SNAPSHOT_KEY;
const VERSION = 2;

interface Stored {
  v: number;
  /** the last key of the updates store when the copy was written */
  key: number;
  /** the state, sealed */
  s: Uint8Array;
}

const context = (room: string) => `fp-view:${room}`;

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
      // A purge deleting the room does not wait for a copy being read or written (that fails instead).
      db.onversionchange = () => db.close();
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

/** An update that adds and deletes nothing (what y-indexeddb stored when a room was opened into an empty Y.Doc). */
function isEmptyUpdate(u: unknown): boolean {
  return u instanceof Uint8Array && u.byteLength === 2 && u[0] === 0 && u[1] === 0;
}

function isStored(x: unknown): x is Stored {
  const s = x as Stored | undefined;
  return !!s && s.v === VERSION && typeof s.key === 'number' && s.s instanceof Uint8Array;
}

/** The room's copy, or null when there is none or the document has changed since it was written. */
export async function readViewSnapshot<T>(room: string): Promise<T | null> {
  const db = await openExisting(room);
  if (!db) return null;
  let saved: Stored;
  let later: (Uint8Array | { s: Uint8Array })[];
  try {
    const tx = db.transaction([UPDATES, CUSTOM], 'readonly');
    const updates = tx.objectStore(UPDATES);
    // Asked together (one wait, not two): the copy, and the last record's key, which is almost always the copy's own mark.
    const [found, last] = await Promise.all([request(tx.objectStore(CUSTOM).get(KEY)), request(updates.openKeyCursor(null, 'prev'))]);
    if (!isStored(found)) return null;
    saved = found;
    later = last && Number(last.key) > saved.key ? await request(updates.getAll(IDBKeyRange.lowerBound(saved.key, true))) : [];
  } finally {
    db.close();
  }
  if (later.some(isPlainRecord) && !later.every(isEmptyUpdate)) return null;
  for (const r of later) if (!isEmptyUpdate(await openRecord(room, r))) return null;
  // The copy opened last is kept opened (device-key.ts): back from the caseload to the same plan, it is not decrypted and parsed again.
  return unsealJsonKept<T>(saved.s, context(room), 'view');
}

/**
 * Stores `state` as the copy of the room's document. The caller's document
 * must hold exactly what is stored: every update it has was handed to the
 * room's provider before this call, which stores them first.
 */
export async function writeViewSnapshot<T>(room: string, state: T): Promise<void> {
  // Taken now: the updates handed over before this call, not those that come while the copy is sealed.
  const settling = roomWritesSettled(room);
  const sealed = await sealJson(state, context(room));
  const settledKey = await settling;
  const db = await openExisting(room);
  if (!db) return;
  try {
    const tx = db.transaction([UPDATES, CUSTOM], 'readwrite');
    // No provider open on this page: the last record stored is the one the caller's document holds.
    const last = settledKey ?? Number((await request(tx.objectStore(UPDATES).openKeyCursor(null, 'prev')))?.key ?? 0);
    const stored: Stored = { v: VERSION, key: last, s: sealed };
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
