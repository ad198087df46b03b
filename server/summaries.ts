// Keeps a summary row per family plan for the leader overview (DESIGN §6 rule 1,
// §8). After the relay persisted an update to a `plan` room, the room is
// summarised again once it has been quiet for `debounceMs` (at the latest
// `maxWaitMs` after the first pending change, each room at a random point of
// its last quarter), a few rooms at a time. Plans written straight to the
// store (the demo seed, a new family, updates the summariser never saw before a
// crash or a new summary version) are found at start by comparing each row's
// sequence number with the room's latest, and summarised in small slices that
// leave the event loop free for requests in between.
//
// Several nodes (DESIGN §11): each node summarises the plans its own sockets
// wrote, so a plan written through three nodes would be summarised three
// times. A node whose turn comes skips the work when the stored summary
// already covers every update its document holds (seq), and a busy plan's
// turn (maxWait reached, changes still coming) waits for a later point when
// another node summarised it less than three quarters of maxWait ago. So a
// busy plan is summarised about once per maxWait across the nodes, and a
// quiet one once, by the node whose turn comes first.
import * as Y from 'yjs';
import { parseRoom, roomName } from '../src/lib/shared/rooms.ts';
import { ORIGIN_RELAY_LOAD } from '../src/lib/domain/origins.ts';
import { summarisePlan, SUMMARY_VERSION, type PlanSummary } from '../src/lib/domain/summary.ts';
import type { Families, Identity, PlanSummaryRow, RoomLog, Summaries } from './store/types.ts';
import { nextTurn, slices } from './turns.ts';
import { errorFields, id, type Logger } from './log.ts';

export interface SummariserDeps {
  /** Where failures are logged (structured, never family content); silent when absent. */
  log?: Logger;
  store: Pick<Families, 'familyById'> & Pick<Identity, 'activeWorkerIdsOfTeam'> & Pick<RoomLog, 'latestSeqs' | 'loadUpdates'> & Summaries;
  now(): Date;
  /** The relay's document of a room while it is loaded (it holds every persisted update). */
  liveDoc(room: string): Promise<LiveRoom | undefined>;
  debounceMs?: number;
  maxWaitMs?: number;
  /** Where in the last quarter of maxWait a busy room comes due (tests: fixed); default Math.random. */
  random?: () => number;
  /** How long one slice of the start-up backfill may hold the event loop. */
  sliceMs?: number;
  /** Called with the plan after each summary (server/notifications.ts derives notices from it). */
  onPlan?: (familyId: string, doc: Y.Doc, isTeamWorker: (userId: string) => boolean) => Promise<void>;
  /**
   * Summaries made at the same time (default 2); the others wait their turn. Rooms
   * written together come due together (a restart, a busy hour): unbounded, they
   * would queue hundreds of statements on the store at once, ahead of everyone else's.
   */
  concurrency?: number;
  /** Once-only work across nodes (store.exclusive): the backfill runs on one node; the others skip it. */
  exclusive?: <T>(name: string, fn: () => Promise<T>) => Promise<unknown>;
}

/** A plan room's document as the relay holds it while the room is loaded. */
export interface LiveRoom {
  doc: Y.Doc;
  /** every committed update with a seq up to this one is in the document */
  seq: number;
  /** it may also hold committed updates past seq (the relay's own, beyond a gap in what other nodes sent) */
  pastSeq: boolean;
  /** when the relay last applied a committed change to it (this node's or another's), ms since the epoch */
  changedAt: number | null;
}

/** Why a summary is being made: the plan went quiet, or it stayed busy until maxWait. */
type Turn = 'quiet' | 'busy';

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  /** when it is summarised even if changes keep coming */
  latestAt: number;
  lastAt: number;
  /** when the relay persisted the latest change we were told about */
  updatedAt: string;
}

export class Summariser {
  readonly #d: SummariserDeps;
  readonly #pending = new Map<string, Pending>();
  #backlog: string[] = [];
  #backfill: Promise<void> | null = null;
  /**
   * summaries being made now, by family (close waits for them: the store closes
   * after); a later change of one of these families waits until its summary is written
   */
  readonly #running = new Map<string, Promise<void>>();
  /** due summaries waiting for a turn (family → its latest persisted change and why it is due), oldest first */
  readonly #waiting = new Map<string, { updatedAt: string; turn: Turn }>();
  #closed = false;

  constructor(deps: SummariserDeps) {
    this.#d = deps;
  }

  /** Families whose start-up summary is still to come. */
  get backlog(): number {
    return this.#backlog.length;
  }

  /** The relay's hook: a room's document changed and the change (which arrived `at`) is persisted. */
  roomUpdated(room: string, at: string = this.#d.now().toISOString()) {
    const ref = parseRoom(room);
    if (!ref || ref.part !== 'plan' || this.#closed) return;
    this.schedule(ref.familyId, at);
  }

  /** Summarise a family's plan soon (debounced); `updatedAt` is the time of its latest persisted change. */
  schedule(familyId: string, updatedAt: string | null = null) {
    if (this.#closed) return;
    const now = Date.now();
    const pending = this.#pending.get(familyId);
    if (pending) {
      // The relay calls this for every update: only note the time; the timer re-arms itself.
      pending.lastAt = now;
      if (updatedAt) pending.updatedAt = updatedAt;
      return;
    }
    // At the latest maxWait after the first change, each room at its own point of its last quarter:
    // rooms written together (all of them, after a restart) do not all come due together again.
    this.#pend(familyId, now, now + this.#spreadWait(), updatedAt ?? '');
  }

  #pend(familyId: string, lastAt: number, latestAt: number, updatedAt: string) {
    const wait = Math.max(0, Math.min(lastAt + this.#debounce, latestAt) - Date.now());
    const p: Pending = { timer: setTimeout(() => this.#fire(familyId), wait), lastAt, latestAt, updatedAt };
    p.timer.unref();
    this.#pending.set(familyId, p);
  }

  /** maxWait less up to a quarter of it, at random */
  #spreadWait(): number {
    return this.#maxWait * (1 - 0.25 * (this.#d.random ?? Math.random)());
  }

  get #debounce() {
    return this.#d.debounceMs ?? 2000;
  }

  get #maxWait() {
    return this.#d.maxWaitMs ?? 15_000;
  }

  /** Runs once the room has been quiet for the debounce time, or has waited maxWaitMs. */
  #fire(familyId: string) {
    const p = this.#pending.get(familyId);
    if (!p) return;
    const quietAt = p.lastAt + this.#debounce;
    const wait = Math.min(quietAt, p.latestAt) - Date.now();
    if (wait > 0) {
      p.timer = setTimeout(() => this.#fire(familyId), wait);
      p.timer.unref();
      return;
    }
    this.#run(familyId, quietAt <= p.latestAt ? 'quiet' : 'busy');
  }

  #run(familyId: string, turn: Turn) {
    const pending = this.#pending.get(familyId);
    this.#pending.delete(familyId);
    // A family already waiting keeps its place in the queue.
    const waiting = this.#waiting.get(familyId);
    this.#waiting.set(familyId, { updatedAt: pending?.updatedAt || waiting?.updatedAt || '', turn: waiting?.turn === 'quiet' ? 'quiet' : turn });
    this.#pump();
  }

  /** Starts waiting summaries, oldest first, while there is room; never two of one family at once. */
  #pump() {
    for (const [familyId, { updatedAt, turn }] of this.#waiting) {
      if (this.#running.size >= (this.#d.concurrency ?? 2)) return;
      if (this.#running.has(familyId)) continue;
      this.#waiting.delete(familyId);
      this.#start(familyId, updatedAt || null, turn);
    }
  }

  #start(familyId: string, updatedAt: string | null, turn: Turn) {
    const run: Promise<void> = this.#summarise(familyId, updatedAt, turn).then(
      () => undefined,
      // A summary that cannot be made now is made again at the next change or start;
      // the relay and the family's data are not affected.
      (err: unknown) => this.#d.log?.error('summaries.failed', { familyId: id(familyId), ...errorFields(err) })
    );
    this.#running.set(familyId, run);
    void run.finally(() => {
      this.#running.delete(familyId);
      this.#pump();
    });
  }

  /** The family was deleted (retention): a pending summary of it is not made. */
  forget(familyId: string) {
    const p = this.#pending.get(familyId);
    if (p) clearTimeout(p.timer);
    this.#pending.delete(familyId);
    this.#waiting.delete(familyId);
  }

  /** Whether a timer's turn summarises now (false: covered already, or deferred after another node's recent summary). */
  #turnTaken(familyId: string, updatedAt: string | null, turn: Turn, live: LiveRoom, prev: PlanSummaryRow): boolean {
    if (prev.seq >= live.seq && !live.pastSeq) return false;
    const since = this.#d.now().getTime() - Date.parse(prev.computedAt);
    if (turn === 'quiet' || since >= 0.75 * this.#maxWait || this.#closed) return true;
    // Another node summarised it lately: wait till a point of that summary's last quarter of maxWait.
    // (A change since this turn began has a turn of its own already.)
    const latestAt = Date.now() - since + this.#spreadWait();
    if (!this.#pending.has(familyId)) this.#pend(familyId, latestAt, latestAt, updatedAt ?? '');
    return false;
  }

  /** Derives and stores the summary of one family's plan now. */
  summarise(familyId: string, updatedAt: string | null = null): Promise<PlanSummary | null> {
    return this.#summarise(familyId, updatedAt, null);
  }

  /**
   * A turn from the timer (`turn`) is not taken when the stored summary
   * already covers everything this node's document holds, or (busy) when
   * another node summarised the plan lately: it waits for a later point then.
   */
  async #summarise(familyId: string, updatedAt: string | null, turn: Turn | null): Promise<PlanSummary | null> {
    const { store } = this.#d;
    const room = roomName(familyId, 'plan');
    const live = await this.#d.liveDoc(room);
    const prev = await store.planSummary(familyId);
    if (turn && live && prev && prev.version === SUMMARY_VERSION && !this.#turnTaken(familyId, updatedAt, turn, live, prev)) return null;
    const family = await store.familyById(familyId);
    if (!family) return null;
    // A live document is summarised as of the seq it holds (it can lag the store by the fan-out's delay);
    // one built from the store, as of the latest seq read before it is built.
    const seq = live ? live.seq : ((await store.latestSeqs([room])).get(room) ?? 0);
    // The time of the last change: as the relay saw it (never before the previous summary's), else
    // at least when the previous summary was taken if updates arrived after it (their times were not seen).
    const seen = latestInstant(updatedAt, live?.changedAt != null ? new Date(live.changedAt).toISOString() : null);
    const unseen = prev && prev.seq < seq ? latestInstant(prev.lastUpdateAt, prev.computedAt) : (prev?.lastUpdateAt ?? null);
    const lastUpdateAt = seen ? latestInstant(seen, prev?.lastUpdateAt ?? null) : unseen;
    const doc = live?.doc ?? (await this.#load(room));
    try {
      const now = this.#d.now();
      const workers = new Set(await store.activeWorkerIdsOfTeam(family.teamId));
      const summary = summarisePlan(doc, now, { lastUpdateAt, isTeamWorker: (id) => workers.has(id) });
      await store.upsertPlanSummary({
        familyId,
        seq,
        version: SUMMARY_VERSION,
        computedAt: now.toISOString(),
        lastUpdateAt,
        data: JSON.stringify(summary)
      });
      if (this.#d.onPlan) {
        try {
          await this.#d.onPlan(familyId, doc, (id) => workers.has(id));
        } catch (err) {
          // Notices are derived again at the plan's next change; the summary stands.
          this.#d.log?.error('summaries.notices_failed', { familyId: id(familyId), ...errorFields(err) });
        }
      }
      return summary;
    } finally {
      if (!live) doc.destroy();
    }
  }

  /**
   * Reads a family's plan document as the relay holds it: the live document
   * while the room is loaded (it has every persisted update, once committed),
   * else one built from the store for this call. For rare reads that must be
   * current (who is tovholder when a consent is recorded), where a summary
   * could be seconds behind.
   */
  async readPlan<T>(familyId: string, read: (doc: Y.Doc) => T): Promise<T> {
    const room = roomName(familyId, 'plan');
    const live = await this.#d.liveDoc(room);
    const doc = live?.doc ?? (await this.#load(room));
    try {
      return read(doc);
    } finally {
      if (!live) doc.destroy();
    }
  }

  async #load(room: string): Promise<Y.Doc> {
    const doc = new Y.Doc({ gc: true });
    const updates = await this.#d.store.loadUpdates(room);
    Y.transact(
      doc,
      () => {
        for (const u of updates) Y.applyUpdate(doc, u.data, ORIGIN_RELAY_LOAD);
      },
      ORIGIN_RELAY_LOAD
    );
    return doc;
  }

  /**
   * Summarises every family whose summary is missing or behind its plan (the
   * newest families first), in slices of at most `sliceMs`; resolves when done.
   */
  backfill(): Promise<void> {
    if (this.#backfill) return this.#backfill;
    const [prefix, suffix] = roomName('\u0000', 'plan').split('\u0000');
    const run = async () => {
      try {
        this.#backlog = await this.#d.store.staleSummaries(SUMMARY_VERSION, prefix, suffix);
      } catch (err) {
        this.#d.log?.error('summaries.stale_query_failed', errorFields(err));
        this.#backlog = [];
      }
      const slice = slices(this.#d.sliceMs ?? 20);
      while (this.#backlog.length > 0 && !this.#closed) {
        const familyId = this.#backlog.pop() as string;
        if (this.#pending.has(familyId)) continue; // a live change will summarise it
        try {
          await this.summarise(familyId);
        } catch (err) {
          this.#d.log?.error('summaries.failed', { familyId: id(familyId), ...errorFields(err) });
        }
        // Requests are served between slices.
        if (slice.due()) await nextTurn();
      }
      this.#backlog = [];
    };
    // Idempotent (a summary is written for the plan's latest seq), so a second run would only waste work.
    const exclusive = this.#d.exclusive;
    this.#backfill = (exclusive ? exclusive('summaries-backfill', run) : run())
      .then(
        () => undefined,
        (err: unknown) => this.#d.log?.error('summaries.backfill_failed', errorFields(err))
      )
      .finally(() => {
        this.#backfill = null;
      });
    return this.#backfill;
  }

  /** Resolves when the backfill (if any) has finished and no debounced summary is waiting. */
  async idle(): Promise<void> {
    while (this.#backfill || this.#pending.size > 0 || this.#waiting.size > 0 || this.#running.size > 0) {
      if (this.#backfill) await this.#backfill;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Runs every waiting summary now and stops; the next start catches up on anything missed. */
  async close() {
    this.#closed = true;
    for (const [familyId, p] of [...this.#pending]) {
      clearTimeout(p.timer);
      this.#run(familyId, 'quiet');
    }
    if (this.#backfill) await this.#backfill;
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }
}

function latestInstant(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
