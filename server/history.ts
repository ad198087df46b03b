// The history of a family's rooms (issue "Plan history"): replays a room's
// stored updates, archived and live, through the domain's HistoryBuilder.
// One builder per room is kept (least recently used first out) and fed only
// the updates after the seq it has seen, so a second look at a two-year plan
// costs one small query; the relay's hot path never touches any of this.
//
// A replay from the start (≈ 2,000 updates for two years of a busy plan: a few
// hundred ms of CPU, nearly all of it Yjs applying updates) is what a first
// look would cost, so it is kept out of requests: a builder's whole state is
// stored as a checkpoint per room (history_checkpoints), a first look restores
// it and applies only the updates after it. Checkpoints are written in the
// background — after a request whose replay went `checkpointAfter` updates
// past the stored one, and by a sweep (at start and periodically, one node at
// a time) over plan rooms whose log grew that much. A replay still runs in
// slices of at most `sliceMs` so the relay's sockets are served in between.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as Y from 'yjs';
import { docAsOf, HISTORY_CHECKPOINT_VERSION, HistoryBuilder, type HistoryCheckpoint, type HistoryKind, type HistorySession } from '../src/lib/domain/history.ts';
import { roomName } from '../src/lib/shared/rooms.ts';
import { errorFields, id, type Logger } from './log.ts';
import { nextTurn, slices } from './turns.ts';
import { familyRoomRange } from './store/rows.ts';
import type { HistoryCheckpoints, RoomLog } from './store/types.ts';

/** Updates a replay may go past the stored checkpoint before a new one is written. */
export const CHECKPOINT_AFTER = 100;

export interface HistoryDeps {
  store: Pick<RoomLog, 'historyUpdates'> & HistoryCheckpoints;
  /** rooms whose replayed history stays in memory */
  maxRooms?: number;
  /** How long one slice of a replay may hold the event loop (the relay forwards updates between slices). */
  sliceMs?: number;
  /** Updates past the stored checkpoint after which a new one is written (default CHECKPOINT_AFTER). */
  checkpointAfter?: number;
  /** Once-only work across nodes (store.exclusive): the sweep runs on one node; the others skip it. */
  exclusive?: <T>(name: string, fn: () => Promise<T>) => Promise<unknown>;
  now?: () => Date;
  log?: Pick<Logger, 'info' | 'error'>;
}

interface Entry {
  builder: HistoryBuilder;
  /** the seq of the room's stored checkpoint (0: none) */
  storedSeq: number;
  saving: boolean;
}

const KINDS: readonly HistoryKind[] = ['plan', 'journal'];
const HEADER = 14;

/**
 * A checkpoint as stored: format version (1 byte), kind (1), seq (float64),
 * the document's length (uint32), then the document and the state's JSON,
 * deflated together.
 */
export function encodeCheckpoint(cp: HistoryCheckpoint): Uint8Array {
  const state = Buffer.from(cp.state, 'utf8');
  const body = deflateRawSync(Buffer.concat([cp.doc, state]));
  const out = Buffer.alloc(HEADER + body.byteLength);
  out.writeUInt8(cp.version, 0);
  out.writeUInt8(KINDS.indexOf(cp.kind), 1);
  out.writeDoubleLE(cp.seq, 2);
  out.writeUInt32LE(cp.doc.byteLength, 10);
  body.copy(out, HEADER);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The stored bytes back as a checkpoint; null when they are not one (damaged, truncated). */
export function decodeCheckpoint(data: Uint8Array): HistoryCheckpoint | null {
  try {
    if (data.byteLength < HEADER) return null;
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const kind = KINDS[b.readUInt8(1)];
    const seq = b.readDoubleLE(2);
    const docLength = b.readUInt32LE(10);
    if (!kind || !Number.isSafeInteger(seq) || seq < 0) return null;
    const body = inflateRawSync(b.subarray(HEADER));
    if (docLength > body.byteLength) return null;
    return { version: b.readUInt8(0), kind, seq, doc: new Uint8Array(body.subarray(0, docLength)), state: body.subarray(docLength).toString('utf8') };
  } catch {
    return null;
  }
}

export class HistoryService {
  readonly #d: HistoryDeps;
  readonly #builders = new Map<string, Promise<Entry>>();
  readonly #saves = new Set<Promise<void>>();
  #sweep: Promise<void> | null = null;
  #closed = false;

  constructor(deps: HistoryDeps) {
    this.#d = deps;
  }

  /** Every session of the room's history so far, oldest first, and the last seq it covers. */
  async sessions(room: string, kind: HistoryKind): Promise<{ sessions: HistorySession[]; seq: number }> {
    const entry = await this.#entry(room, kind);
    await this.#advance(room, entry.builder);
    if (entry.builder.lastSeq - entry.storedSeq >= (this.#d.checkpointAfter ?? CHECKPOINT_AFTER)) this.#saveLater(room, entry);
    return { sessions: entry.builder.sessions(), seq: entry.builder.lastSeq };
  }

  /** The room's document as it was at `at`, as one update. */
  async asOf(room: string, at: string): Promise<Uint8Array> {
    const doc = docAsOf(await this.#d.store.historyUpdates(room), at);
    return Y.encodeStateAsUpdate(doc);
  }

  /**
   * Writes a checkpoint for every plan room whose log grew by more than
   * `checkpointAfter` updates since its stored one (the biggest first), one
   * room at a time, each replay in slices; on one node at a time. Resolves
   * when done; a sweep already running is joined.
   */
  sweep(): Promise<void> {
    if (this.#sweep) return this.#sweep;
    const [prefix, suffix] = roomName('\u0000', 'plan').split('\u0000');
    const run = async () => {
      const t0 = performance.now();
      const rooms = await this.#d.store.staleHistoryCheckpoints(HISTORY_CHECKPOINT_VERSION, this.#d.checkpointAfter ?? CHECKPOINT_AFTER, prefix, suffix);
      let written = 0;
      for (const room of rooms) {
        if (this.#closed) break;
        try {
          // A room a request has in memory already: checkpoint that builder; otherwise one of the sweep's own (not cached).
          const cached = this.#builders.get(room);
          const entry = cached ? await cached : await this.#load(room, 'plan');
          await this.#advance(room, entry.builder);
          if (await this.#save(room, entry)) written++;
        } catch (err) {
          this.#d.log?.error('history.checkpoint_failed', { room: id(room), ...errorFields(err) });
        }
      }
      this.#d.log?.info('history.checkpoints_swept', { rooms: rooms.length, written, ms: Math.round(performance.now() - t0) });
    };
    const exclusive = this.#d.exclusive;
    this.#sweep = (exclusive ? exclusive('history-checkpoints', run) : run())
      .then(
        () => undefined,
        (err: unknown) => this.#d.log?.error('history.sweep_failed', errorFields(err))
      )
      .finally(() => {
        this.#sweep = null;
      });
    return this.#sweep;
  }

  /** Drops what memory holds of a deleted family's rooms (their checkpoints went with the family). */
  forget(familyId: string) {
    const [lo, hi] = familyRoomRange(familyId);
    for (const room of [...this.#builders.keys()]) if (room >= lo && room < hi) this.#builders.delete(room);
  }

  /** Resolves when no sweep or checkpoint write is under way. */
  async idle(): Promise<void> {
    while (this.#sweep || this.#saves.size > 0) await Promise.all([this.#sweep, ...this.#saves]);
  }

  /** Stops the sweep after its current room and waits for writes under way. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  async #advance(room: string, builder: HistoryBuilder) {
    // Later updates: a builder applies each seq once, so two requests at once do no harm.
    const updates = await this.#d.store.historyUpdates(room, builder.lastSeq);
    const slice = slices(this.#d.sliceMs ?? 20);
    for (const u of updates) {
      builder.apply(u);
      // Sockets and requests are served between slices.
      if (slice.due()) await nextTurn();
    }
  }

  /** The builder the room's stored checkpoint holds, or a new one when there is none (of this format and kind). */
  async #load(room: string, kind: HistoryKind): Promise<Entry> {
    let stored: Awaited<ReturnType<HistoryCheckpoints['historyCheckpoint']>>;
    try {
      stored = await this.#d.store.historyCheckpoint(room);
    } catch (err) {
      // Only slower: the whole log is replayed.
      this.#d.log?.error('history.checkpoint_read_failed', { room: id(room), ...errorFields(err) });
    }
    const cp = stored && stored.version === HISTORY_CHECKPOINT_VERSION ? decodeCheckpoint(stored.data) : null;
    const builder = cp && cp.kind === kind ? HistoryBuilder.restore(cp) : null;
    if (stored && !builder) this.#d.log?.info('history.checkpoint_ignored', { room: id(room), version: stored.version });
    return builder ? { builder, storedSeq: builder.lastSeq, saving: false } : { builder: new HistoryBuilder(kind), storedSeq: 0, saving: false };
  }

  #entry(room: string, kind: HistoryKind): Promise<Entry> {
    let b = this.#builders.get(room);
    if (b) {
      // Most recently used last.
      this.#builders.delete(room);
    } else {
      b = this.#load(room, kind);
    }
    this.#builders.set(room, b);
    const max = this.#d.maxRooms ?? 32;
    while (this.#builders.size > max) this.#builders.delete(this.#builders.keys().next().value as string);
    return b;
  }

  /** After the response: the checkpoint is written once the request's work is done. */
  #saveLater(room: string, entry: Entry) {
    if (entry.saving || this.#closed) return;
    entry.saving = true;
    const p = nextTurn()
      .then(() => this.#save(room, entry))
      .then(
        () => undefined,
        (err: unknown) => this.#d.log?.error('history.checkpoint_failed', { room: id(room), ...errorFields(err) })
      )
      .finally(() => {
        entry.saving = false;
        this.#saves.delete(p);
      });
    this.#saves.add(p);
  }

  async #save(room: string, entry: Entry): Promise<boolean> {
    if (entry.builder.lastSeq <= entry.storedSeq) return false;
    // Synchronous: the state of one moment between two applied updates.
    const cp = entry.builder.checkpoint();
    const saved = await this.#d.store.saveHistoryCheckpoint({
      room,
      seq: cp.seq,
      version: cp.version,
      at: (this.#d.now?.() ?? new Date()).toISOString(),
      data: encodeCheckpoint(cp)
    });
    if (saved) entry.storedSeq = Math.max(entry.storedSeq, cp.seq);
    return saved;
  }
}
