// How many local edits the server does not hold yet, per room in the index
// (so a reload or another session still counts them) and in total for the
// status bar and the logout warning.
import { parseRoom } from '../shared/rooms.ts';
import type { LocalDb, RoomRow } from '../storage/db.ts';

export class PendingEdits {
  total = $state(0);
  readonly #db: () => LocalDb | null;
  readonly #now: () => Date;

  constructor(seams: { db: () => LocalDb | null; now?: () => Date }) {
    this.#db = seams.db;
    this.#now = seams.now ?? (() => new Date());
  }

  /** one change at a time: a room's "edited" and "saved" arrive close together and read the row before writing it */
  #queue: Promise<unknown> = Promise.resolve();

  /** `count` is per LiveRoom session; edits of earlier sessions stay counted until the server holds them (count 0). */
  set(room: string, count: number): Promise<void> {
    const next = this.#queue.then(() => this.#set(room, count));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #set(room: string, count: number) {
    const db = this.#db();
    const ref = parseRoom(room);
    if (!db || !ref) return;
    const existing = await db.rooms.get(room);
    // Saved, and nothing was counted here: no row to write (a room only ever shown).
    if (count === 0 && !existing) return;
    const changes: Partial<RoomRow> =
      count === 0 ? { pendingEdits: 0, lastSynced: this.#now().toISOString() } : { pendingEdits: Math.max(existing?.pendingEdits ?? 0, count) };
    if (existing) await db.rooms.update(room, changes);
    else await db.rooms.put({ room, familyId: ref.familyId, part: ref.part, access: 'write', syncedSeq: 0, lastSynced: '', pendingEdits: 0, ...changes });
    await this.count();
  }

  async count() {
    const db = this.#db();
    if (!db) return;
    const rooms = await db.rooms.where('pendingEdits').above(0).toArray();
    this.total = rooms.reduce((n, r) => n + r.pendingEdits, 0);
  }

  reset() {
    this.total = 0;
  }
}
