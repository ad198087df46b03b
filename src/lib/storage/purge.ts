// Removing a family's data from this device: the rooms' sealed databases
// and every index row. Used when access ends (consent withdrawn or expired,
// team change), when the lease runs out, and at logout.
import Dexie from 'dexie';
import { parseRoom } from '../shared/rooms.ts';
import { dbName, openDb, type LocalDb } from './db.ts';
import { clearIndex, deleteFamilies, resealWithout } from './sealed-rows.ts';
import { forgetKeptValues } from './device-key.ts';

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    // Another tab still holds it open: it is deleted once that tab closes it.
    req.onblocked = () => resolve();
  });
}

/**
 * Deletes the rooms' local copies (and, for a plan, everything of its family)
 * and returns the families of which this device actually held something — so
 * a notice is shown once, not at every contact that names the same rooms.
 */
export async function purgeRooms(db: LocalDb, rooms: readonly string[]): Promise<string[]> {
  const listed = typeof indexedDB.databases === 'function' ? new Set(await localRoomDatabases()) : null;
  const families = new Set<string>();
  const held = new Set<string>();
  for (const room of rooms) {
    const ref = parseRoom(room);
    // Without a way to list databases, assume the copy was there.
    const had = (await db.rooms.get(room)) !== undefined || listed === null || listed.has(room);
    await deleteDatabase(room);
    await db.rooms.delete(room);
    if (had && ref) held.add(ref.familyId);
    if (ref?.part === 'plan') families.add(ref.familyId);
  }
  /** bundles the purged families shared with others */
  const shared = new Set<string>();
  for (const id of families) {
    // Without the plan no journal of the family stays either.
    const { journals, hadFamily } = await db.transaction('rw', db.families, db.actions, db.bundles, db.rooms, async () => {
      const hadFamily = (await db.families.get(id)) !== undefined;
      for (const b of await deleteFamilies(db, [id])) shared.add(b);
      const keys = await db.rooms.where('familyId').equals(id).primaryKeys();
      await db.rooms.bulkDelete(keys);
      return { journals: keys, hadFamily };
    });
    if (hadFamily || journals.length > 0) held.add(id);
    // Outside the transaction: IndexedDB deletions are not part of it.
    for (const j of journals) await deleteDatabase(j);
  }
  // Their names and titles out of the bundles they shared with other families: each bundle sealed
  // again once for all of them (sealing cannot run inside the transactions above).
  if (families.size > 0) await resealWithout(db, [...shared], [...families]);
  return [...held];
}

/**
 * Every room copy in this browser profile's IndexedDB, also those without an
 * index row (a room shown on screen but never synced in the background).
 * Empty where the browser cannot list databases.
 */
export async function localRoomDatabases(): Promise<string[]> {
  if (typeof indexedDB.databases !== 'function') return [];
  const all = await indexedDB.databases();
  return all.map((d) => d.name ?? '').filter((name) => parseRoom(name) !== null);
}

/**
 * Everything of this user on this device: also room copies without an index
 * row (a plan only ever shown on screen) — but never the rooms another user
 * of a shared tablet keeps, sealed, with edits the server does not have yet.
 */
export async function purgeAll(db: LocalDb | null, userId: string) {
  const keptByOthers = await roomsKeptByOthers(userId);
  const rooms = new Set([...(db ? await db.rooms.toCollection().primaryKeys() : []), ...(await localRoomDatabases())]);
  for (const room of rooms) if (!keptByOthers.has(await roomTag(room))) await deleteDatabase(room);
  db?.close();
  await Dexie.delete(dbName(userId));
  forgetKeptValues();
  forgetKept(userId);
}

/**
 * A logout's purge once more, at start-up while that logout is still pending
 * (a tab closed in the middle of it, or a failed deletion): idempotent. The
 * user's index is opened only where it is still there: opening creates it,
 * and a tab closed before it was deleted again would leave an empty one behind
 * (which makes the signed-out device ask the server about itself). Without the
 * index nothing was kept (a logout that keeps edits keeps the index), so
 * everything else of the user goes. Resolves with how many rooms and outbox
 * rows stay.
 */
export async function purgeAgain(userId: string, keepUnsynced: boolean): Promise<number> {
  const listed = typeof indexedDB.databases === 'function' ? (await indexedDB.databases()).map((d) => d.name) : null;
  if (listed && !listed.includes(dbName(userId))) {
    await purgeAll(null, userId);
    return 0;
  }
  const db = openDb(userId);
  if (keepUnsynced) return purgeAllButUnsynced(db, userId);
  await purgeAll(db, userId);
  return 0;
}

/**
 * A logout with edits the server does not have yet (DESIGN §13: they are
 * never lost): the rooms of every family with unsynced edits stay, sealed,
 * and so do the outboxes (consents, families opened offline, offline
 * openings for the access log); everything else goes — other rooms, the
 * index rows. The caller locks the data key instead of forgetting it, so
 * the same user's next sign-in on this device opens and sends them.
 * Resolves with how many rooms and outbox rows were kept; with nothing to
 * keep it is purgeAll.
 */
export async function purgeAllButUnsynced(db: LocalDb, userId: string): Promise<number> {
  const rows = await db.rooms.toArray();
  const keptFamilies = new Set(rows.filter((r) => r.pendingEdits > 0).map((r) => r.familyId));
  const outboxes = (await db.consentOutbox.where('state').equals('afventer').count()) + (await db.familyOutbox.where('state').equals('afventer').count()) + (await db.accessOutbox.count());
  const all = [...new Set([...rows.map((r) => r.room), ...(await localRoomDatabases())])];
  const keptByOthers = await roomsKeptByOthers(userId);
  const kept = all.filter((r) => keptFamilies.has(parseRoom(r)?.familyId ?? ''));
  if (kept.length === 0 && outboxes === 0) {
    await purgeAll(db, userId);
    return 0;
  }
  for (const room of all) {
    if (kept.includes(room)) continue;
    if (!keptByOthers.has(await roomTag(room))) await deleteDatabase(room);
    await db.rooms.delete(room);
  }
  await clearIndex(db);
  await rememberKept(userId, kept);
  db.close();
  return kept.length + outboxes;
}

// Which rooms each user keeps with unsynced edits, so another user's logout
// on a shared tablet leaves them: by a hash of the room's name (a family id
// may read like a name), in localStorage, which every tab sees at once.
const KEPT_KEY = 'fp-kept-rooms';

async function roomTag(room: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`fp-kept:${room}`));
  return Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}

function readKept(): Record<string, string[]> {
  if (typeof localStorage === 'undefined') return {};
  try {
    const v = JSON.parse(localStorage.getItem(KEPT_KEY) ?? '{}') as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

function writeKept(kept: Record<string, string[]>) {
  if (typeof localStorage === 'undefined') return;
  if (Object.keys(kept).length === 0) localStorage.removeItem(KEPT_KEY);
  else localStorage.setItem(KEPT_KEY, JSON.stringify(kept));
}

async function rememberKept(userId: string, rooms: readonly string[]) {
  const kept = readKept();
  if (rooms.length === 0) delete kept[userId];
  else kept[userId] = await Promise.all(rooms.map(roomTag));
  writeKept(kept);
}

/** The user's kept rooms are theirs again (signed in, or purged): nothing of theirs is protected from others any more. */
export function forgetKept(userId: string) {
  const kept = readKept();
  if (!(userId in kept)) return;
  delete kept[userId];
  writeKept(kept);
}

async function roomsKeptByOthers(userId: string): Promise<Set<string>> {
  return new Set(Object.entries(readKept()).flatMap(([u, tags]) => (u === userId || !Array.isArray(tags) ? [] : tags)));
}
