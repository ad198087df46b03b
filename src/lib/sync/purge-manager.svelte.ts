// Removing family data from this device when access ends, and what the device
// enforces without the server: a lease that ran out locks and purges all
// family data; a room whose consent or grant ended (its manifest `until`) is
// purged even while offline. Remembers which families were removed, for the notice.
import { parseRoom } from '../shared/rooms.ts';
import type { LocalDb } from '../storage/db.ts';
import { localRoomDatabases, purgeRooms } from '../storage/purge.ts';
import { clearIndex, getFamilies } from '../storage/sealed-rows.ts';
import { realClock, type Clock } from './internal/clock.ts';
import type { RoomRegistry } from './room-registry.ts';

/** Why a room was removed: the device's own checks, or the relay's close reason where the notice has words for it. */
export type PurgeReason = 'access ended' | 'consent expired' | 'consent withdrawn' | 'grant ended' | 'family transferred' | 'lease expired';

const TOLD_BY_RELAY: readonly PurgeReason[] = ['consent withdrawn', 'grant ended', 'family transferred'];

/** The reason to give for a room the relay closed with `closeReason` (its words are free text: anything else is "access ended"). */
export function purgeReasonOf(closeReason: string): PurgeReason {
  return TOLD_BY_RELAY.find((r) => r === closeReason) ?? 'access ended';
}

/** A family whose data was removed from this device, as the notice names it, and why. */
export interface PurgedFamily {
  id: string;
  name: string;
  reason: PurgeReason;
}

export interface PurgeSeams {
  db: () => LocalDb | null;
  registry: RoomRegistry;
  /** the index changed: pages re-query, counts are refreshed */
  onPurged: () => Promise<void> | void;
  clock?: Clock;
  /** every room database in this browser profile, for a lease lock */
  roomDatabases?: () => Promise<string[]>;
  /** the lease ran out: the device key is locked (the data kept for unsynced edits is unreadable until the server unlocks it) */
  onLeaseLocked?: () => Promise<void>;
  /** families this tab's purge named in its notice: the user's other tabs share the device's data, and say so too */
  told?: (families: PurgedFamily[]) => void;
}

export class PurgeManager {
  /** the device lease ran out: family data was removed and stays locked until the server is reached */
  locked = $state(false);
  /** families whose data was removed from this device since the user last dismissed the notice */
  purgedFamilies = $state<PurgedFamily[]>([]);
  /** rooms kept, locked, at the lease's end because they hold unsynced edits (0: none) */
  keptUnsynced = $state(0);
  readonly #s: PurgeSeams;
  readonly #clock: Clock;

  constructor(seams: PurgeSeams) {
    this.#s = seams;
    this.#clock = seams.clock ?? realClock;
  }

  /** Deletes the rooms' local copies, closing any that are open first. */
  async purge(rooms: string[], reason: PurgeReason) {
    const db = this.#s.db();
    if (!db || rooms.length === 0) return;
    const names = new Map((await getFamilies(db, rooms.map((r) => parseRoom(r)?.familyId ?? ''))).filter((f) => !!f).map((f) => [f.id, f.name]));
    const shown = await this.#s.registry.close(rooms, reason);
    const families = await purgeRooms(db, rooms);
    // A lease lock says why itself; the notice is about access to families.
    if (reason !== 'lease expired') {
      const added = this.#notice(
        families.map((id) => ({ id, name: names.get(id) ?? '', reason })),
        [...shown]
      );
      if (added.length > 0) this.#s.told?.(added);
    }
    await this.#s.onPurged();
  }

  /**
   * Another tab of this user removed these families' data (the tabs share it):
   * the notice names them here too, unless the plan is open here (its screen
   * says so itself).
   */
  heard(families: readonly PurgedFamily[]) {
    this.#notice(families, this.#s.registry.liveNames());
  }

  /**
   * Adds to the notice the families it does not name yet, except those with a
   * room in `onScreen` (their screen says so itself: AccessEnded); returns
   * those added.
   */
  #notice(families: readonly PurgedFamily[], onScreen: readonly string[]): PurgedFamily[] {
    const skip = new Set([...this.purgedFamilies.map((f) => f.id), ...onScreen.map((r) => parseRoom(r)?.familyId)]);
    const added = families.filter((f) => !skip.has(f.id));
    if (added.length > 0) this.purgedFamilies = [...this.purgedFamilies, ...added];
    return added;
  }

  /** The device's own checks: the lease, and consents or grants that ended (the rooms' `until`). */
  async checkLocal() {
    const db = this.#s.db();
    if (!db) return;
    const now = this.#clock.now().getTime();
    const lease = (await db.meta.get('leaseUntil'))?.value;
    if (lease && Date.parse(lease) < now) {
      this.locked = true;
      const rows = await db.rooms.toArray();
      // Unsynced edits are never lost (DESIGN §13): every room of a family
      // with some stays, sealed, and the key is locked; the next sign-in
      // unlocks it and the sweep sends them.
      const keptFamilies = new Set(rows.filter((r) => r.pendingEdits > 0).map((r) => r.familyId));
      const databases = await (this.#s.roomDatabases ?? localRoomDatabases)();
      const all = [...new Set([...rows.map((r) => r.room), ...this.#s.registry.liveNames(), ...databases])];
      const kept = all.filter((r) => keptFamilies.has(parseRoom(r)?.familyId ?? ''));
      await this.#s.registry.close(kept, 'lease expired');
      await this.purge(
        all.filter((r) => !kept.includes(r)),
        'lease expired'
      );
      await clearIndex(db);
      await this.#s.onLeaseLocked?.();
      this.keptUnsynced = kept.length;
      await this.#s.onPurged();
      return;
    }
    const expired = await db.rooms.filter((r) => !!r.until && Date.parse(r.until) <= now).toArray();
    // A called-in specialist's grant may end before the family's consent does: the screen says which.
    await this.purge(expired.filter((r) => r.untilBy === 'grant').map((r) => r.room), 'grant ended');
    await this.purge(expired.filter((r) => r.untilBy !== 'grant').map((r) => r.room), 'consent expired');
  }

  /** The server was reached and renewed the lease. */
  unlock() {
    this.locked = false;
    this.keptUnsynced = 0;
  }

  dismiss() {
    this.purgedFamilies = [];
  }

  reset() {
    this.locked = false;
    this.keptUnsynced = 0;
    this.purgedFamilies = [];
  }
}
