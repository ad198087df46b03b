// The background sync pass, driven by GET /api/manifest: fetch the manifest
// and the family list, purge what the server says to purge (and anything held
// that is no longer openable), refresh the index rows, then sync only rooms
// whose server seq moved or that hold unsent local edits, a few sockets at a
// time, closing each when settled. Rooms on screen stay live and are skipped.
import type { FamilySummary, Manifest, ManifestRoom, Me } from '../shared/api-types.ts';
import { parseRoom, roomName } from '../shared/rooms.ts';
import type { LocalDb, RoomRow } from '../storage/db.ts';
import { indexSummaries } from '../storage/index-summaries.ts';
import { ApiFailure } from './api.ts';
import { realClock, type Clock } from './internal/clock.ts';
import type { ApiCall } from './internal/seams.ts';
import type { IndexScheduler } from './index-scheduler.ts';
import type { LiveRoom } from './live-room.svelte.ts';
import type { PurgeManager } from './purge-manager.svelte.ts';
import type { RoomRegistry } from './room-registry.ts';

export const CONCURRENCY = 3;
/** A background room that has not settled by then is left for the next sweep. */
export const SETTLE_TIMEOUT_MS = 20_000;

/** A room row's end of access as the manifest gives it. */
function untilChanges({ until, untilBy }: Pick<ManifestRoom, 'until' | 'untilBy'>): Pick<RoomRow, 'until' | 'untilBy'> {
  return { until: until ?? null, untilBy: untilBy ?? 'consent' };
}

export interface SweepSeams {
  db: () => LocalDb | null;
  me: () => Me | null;
  api: ApiCall;
  browserOnline: () => boolean;
  /** a background room (no presence), wired to the facade's hooks */
  backgroundRoom: (room: string, me: Me) => Promise<LiveRoom>;
  registry: RoomRegistry;
  purge: PurgeManager;
  indexer: IndexScheduler;
  /** the server answered / could not be reached */
  reachable: () => void;
  unreachable: () => void;
  /** the server said this user was deactivated: the device keeps nothing of theirs */
  deactivated?: () => void;
  /** before the rooms: the outboxes (consents, offline openings) */
  flushOutboxes: (db: LocalDb) => Promise<void>;
  onIndexed: () => void;
  countPending: () => Promise<void>;
  today: () => string;
  clock?: Clock;
}

export class SweepManager {
  syncing = $state<{ done: number; total: number } | null>(null);
  lastSync = $state<string | null>(null);
  readonly #s: SweepSeams;
  readonly #clock: Clock;
  #running: Promise<void> | null = null;
  /**
   * The current sweep's generation, ended (aborted) by stop() and refresh(): a sweep of an earlier generation
   * stops at its next step, and stops waiting for the rooms it has in flight.
   */
  #generation = new AbortController();

  constructor(seams: SweepSeams) {
    this.#s = seams;
    this.#clock = seams.clock ?? realClock;
  }

  get running(): Promise<void> | null {
    return this.#running;
  }

  /** One sync pass; concurrent callers share it. */
  sweep(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#sweep().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * The server said this user's access changed: sweep now. A sweep already
   * under way read the manifest before the change, and syncing a whole
   * caseload can take a while: it stops, without waiting for the rooms in
   * flight (a room the change refused never settles: its socket is turned
   * away until the settle timeout), and a fresh one follows at once.
   */
  refresh(): Promise<void> {
    if (!this.#running) return this.sweep();
    this.stop();
    return this.#running.then(() => this.sweep());
  }

  /** A sweep under way stops at its next step. */
  stop() {
    this.#generation.abort();
    this.#generation = new AbortController();
  }

  reset() {
    this.stop();
    this.syncing = null;
    this.lastSync = null;
  }

  async #sweep() {
    const s = this.#s;
    const db = s.db();
    const me = s.me();
    const generation = this.#generation.signal;
    const current = () => !generation.aborted;
    if (!db || !me || !s.browserOnline()) return;
    let manifest: Manifest;
    let families: FamilySummary[];
    try {
      [manifest, { families }] = await Promise.all([s.api<Manifest>('/api/manifest'), s.api<{ families: FamilySummary[] }>('/api/families')]);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 0) s.unreachable();
      if (err instanceof ApiFailure && err.code === 'account_deactivated') s.deactivated?.();
      return;
    }
    if (!current()) return;
    s.reachable();
    s.purge.unlock();
    await db.meta.put({ key: 'leaseUntil', value: manifest.leaseUntil });
    await s.flushOutboxes(db);

    // Purge: what the server names, and anything held here that is no longer openable.
    const openable = new Set(manifest.rooms.map((r) => r.room));
    const held = await db.rooms.toCollection().primaryKeys();
    const heldFamilies = await db.families.toCollection().primaryKeys();
    const gone = [
      ...new Set([...manifest.purge, ...held.filter((r) => !openable.has(r)), ...heldFamilies.map((id) => roomName(id, 'plan')).filter((r) => !openable.has(r))])
    ];
    await s.purge.purge(gone, 'access ended');
    const roomRows = new Map((await db.rooms.bulkGet(manifest.rooms.map((r) => r.room))).filter((r): r is RoomRow => !!r).map((r) => [r.room, r]));
    // When access ends by itself (a consent's or a grant's end), and which, may move with a renewal; only changed rows are written.
    const untilMoved = manifest.rooms.filter((r) => {
      const local = roomRows.get(r.room);
      return local && ((local.until ?? null) !== (r.until ?? null) || (local.untilBy ?? 'consent') !== (r.untilBy ?? 'consent'));
    });
    if (untilMoved.length > 0) await db.rooms.bulkUpdate(untilMoved.map((r) => ({ key: r.room, changes: untilChanges(r) })));

    // Index rows for every family (names and access), even before its plan is
    // synced: one transaction, and pages re-read the index only when it changed.
    // (No plan is read for these: the room code is loaded only for the rooms below.)
    if ((await indexSummaries(db, families, s.today())) > 0) s.onIndexed();

    const todo = manifest.rooms.filter((r) => {
      if (s.registry.isLive(r.room)) return false;
      const local = roomRows.get(r.room);
      return !local || local.syncedSeq !== r.seq || local.pendingEdits > 0 || !local.lastSynced;
    });
    this.syncing = { done: 0, total: todo.length };
    const queue = [...todo];
    const worker = async () => {
      for (let next = queue.shift(); next && current(); next = queue.shift()) {
        await this.#syncRoom(db, me, next, roomRows.get(next.room), generation);
        if (this.syncing) this.syncing = { done: this.syncing.done + 1, total: this.syncing.total };
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (!current()) return;
    this.syncing = null;
    this.lastSync = this.#clock.now().toISOString();
    await s.countPending();
  }

  async #syncRoom(db: LocalDb, me: Me, { room, access, seq, ...ends }: ManifestRoom, local: RoomRow | undefined, generation: AbortSignal) {
    const s = this.#s;
    const ref = parseRoom(room);
    if (!ref || !s.browserOnline()) return;
    const live = await s.backgroundRoom(room, me);
    // Stopped while the room code loaded (a logout, a deactivation): the registry was closed without this room.
    if (generation.aborted) return void (await live.destroy());
    s.registry.addBackground(live);
    // A newer sweep is waiting (a refresh, with the server's news), or the sync stopped: no more waiting here.
    let overtaken = () => {};
    try {
      const settled = await Promise.race([
        live.whenSettled().then(() => true),
        new Promise<boolean>((r) => this.#clock.after(() => r(false), SETTLE_TIMEOUT_MS)),
        new Promise<boolean>((r) => {
          overtaken = () => r(false);
          generation.addEventListener('abort', overtaken);
        })
      ]);
      if (live.closed === 'access') return; // purged by the hook
      if (!settled || !s.registry.hasBackground(live)) return; // timed out, or stopped or overtaken meanwhile
      await db.rooms.put({
        room,
        familyId: ref.familyId,
        part: ref.part,
        access,
        syncedSeq: Math.max(seq, local?.syncedSeq ?? 0),
        lastSynced: this.#clock.now().toISOString(),
        pendingEdits: 0,
        ...untilChanges(ends)
      });
      if (ref.part === 'plan') await s.indexer.index(ref.familyId, live.doc);
    } finally {
      generation.removeEventListener('abort', overtaken);
      s.registry.removeBackground(live);
      await live.destroy();
    }
  }
}
