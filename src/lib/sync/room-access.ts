// Whether this device should open a room's socket at all. The relay refuses a
// room the user may not open (HTTP 403 on upgrade), and y-websocket would retry
// that refusal for ever, each attempt a refused opening in the family's access
// log. So a screen asks first: the local index (filled by the sync manager's
// sweep from /api/families, which lists only families whose plan the user may
// open) answers at once and offline; a room it does not list is checked
// against the server's manifest, because a family created a moment ago or a
// consent that has just arrived is not indexed yet.
import type { Manifest } from '../shared/api-types.ts';
import { parseRoom } from '../shared/rooms.ts';
import type { LocalDb } from '../storage/db.ts';
import { api, ApiFailure } from './api.ts';
import type { ApiCall } from './internal/seams.ts';

/**
 * `indexed`: the local index lists the room (or holds its synced copy); `listed`: the manifest lists it
 * (the index has not caught up); `unverified`: the server cannot be reached and
 * the index has never been filled, so the socket may try; `denied`: the user
 * may not open it (the manifest does not list it, or, offline, the index that
 * the sweep filled does not).
 */
export type RoomDecision = 'indexed' | 'listed' | 'unverified' | 'denied';

/** Whether the server's manifest lists the room; null when the server cannot tell us (offline, session gone, server error). */
export async function manifestListsRoom(room: string, call: ApiCall = api): Promise<boolean | null> {
  try {
    const manifest = await call<Manifest>('/api/manifest');
    return manifest.rooms.some((r) => r.room === room);
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
    // Offline is expected; a refused or failed request is not, but it is no answer either.
    if (err.status !== 0) console.warn(`manifest check for ${room}: HTTP ${err.status} ${err.code}`);
    return null;
  }
}

/** Decides before a room's socket is opened; `db` is the signed-in worker's index (null for leaders and admins, who have none). */
export async function decideRoom(db: LocalDb | null, room: string): Promise<RoomDecision> {
  const ref = parseRoom(room);
  if (!ref) return 'denied';
  if (db) {
    // A room this device has synced or edited counts too: it was openable at the last contact, and purges remove both.
    const [row, held] = await Promise.all([db.families.get(ref.familyId), db.rooms.get(room)]);
    if (held || row?.parts.some((p) => p.part === ref.part)) return 'indexed';
  }
  const listed = await manifestListsRoom(room);
  if (listed !== null) return listed ? 'listed' : 'denied';
  // The sweep writes the lease when it has fetched the manifest: from then on the index speaks for the server.
  const swept = db ? (await db.meta.get('leaseUntil')) !== undefined : false;
  return swept ? 'denied' : 'unverified';
}
