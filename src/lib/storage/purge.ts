// Removing a family's data from this device: the rooms' sealed databases
// and every index row. Used when access ends (consent withdrawn or expired,
// team change), when the lease runs out, and at logout.
import Dexie from 'dexie';
import { parseRoom } from '../shared/rooms.ts';
import { dbName, type LocalDb } from './db.ts';
import { deleteFamilies } from './sealed-rows.ts';

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
  for (const id of families) {
    // Without the plan no journal of the family stays either.
    const { journals, hadFamily } = await db.transaction('rw', db.families, db.actions, db.bundles, db.rooms, async () => {
      const hadFamily = (await db.families.get(id)) !== undefined;
      await deleteFamilies(db, [id]);
      const keys = await db.rooms.where('familyId').equals(id).primaryKeys();
      await db.rooms.bulkDelete(keys);
      return { journals: keys, hadFamily };
    });
    if (hadFamily || journals.length > 0) held.add(id);
    // Outside the transaction: IndexedDB deletions are not part of it.
    for (const j of journals) await deleteDatabase(j);
  }
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

/** Everything of this user on this device: also room copies without an index row (a plan only ever shown on screen). */
export async function purgeAll(db: LocalDb, userId: string) {
  const rooms = new Set([...(await db.rooms.toCollection().primaryKeys()), ...(await localRoomDatabases())]);
  for (const room of rooms) await deleteDatabase(room);
  db.close();
  await Dexie.delete(dbName(userId));
}
