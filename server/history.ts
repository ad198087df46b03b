// The history of a family's rooms (issue "Plan history"): replays a room's
// stored updates, archived and live, through the domain's HistoryBuilder.
// One builder per room is kept (least recently used first out) and fed only
// the updates after the seq it has seen, so a second look at a two-year plan
// costs one small query; the relay's hot path never touches any of this.
// A first look replays the whole log (≈ 2,000 updates for two years of a busy
// plan: a few hundred ms of CPU, nearly all of it Yjs applying updates), in
// slices of at most `sliceMs` so the relay's sockets are served in between.
import * as Y from 'yjs';
import { docAsOf, HistoryBuilder, type HistoryKind, type HistorySession } from '../src/lib/domain/history.ts';
import type { RoomLog } from './store/types.ts';

export interface HistoryDeps {
  store: Pick<RoomLog, 'historyUpdates'>;
  /** rooms whose replayed history stays in memory */
  maxRooms?: number;
  /** How long one slice of a replay may hold the event loop (the relay forwards updates between slices). */
  sliceMs?: number;
}

export class HistoryService {
  readonly #d: HistoryDeps;
  readonly #builders = new Map<string, Promise<HistoryBuilder>>();

  constructor(deps: HistoryDeps) {
    this.#d = deps;
  }

  /** Every session of the room's history so far, oldest first, and the last seq it covers. */
  async sessions(room: string, kind: HistoryKind): Promise<{ sessions: HistorySession[]; seq: number }> {
    const builder = await this.#builder(room, kind);
    // Later updates: a builder applies each seq once, so two requests at once do no harm.
    const updates = await this.#d.store.historyUpdates(room, builder.lastSeq);
    const slice = this.#d.sliceMs ?? 20;
    let until = performance.now() + slice;
    for (const u of updates) {
      builder.apply(u);
      if (performance.now() < until) continue;
      // setImmediate runs after pending I/O: sockets and requests are served between slices.
      await new Promise<void>((resolve) => setImmediate(resolve));
      until = performance.now() + slice;
    }
    return { sessions: builder.sessions(), seq: builder.lastSeq };
  }

  /** The room's document as it was at `at`, as one update. */
  async asOf(room: string, at: string): Promise<Uint8Array> {
    const doc = docAsOf(await this.#d.store.historyUpdates(room), at);
    return Y.encodeStateAsUpdate(doc);
  }

  #builder(room: string, kind: HistoryKind): Promise<HistoryBuilder> {
    let b = this.#builders.get(room);
    if (b) {
      // Most recently used last.
      this.#builders.delete(room);
    } else {
      b = Promise.resolve(new HistoryBuilder(kind));
    }
    this.#builders.set(room, b);
    const max = this.#d.maxRooms ?? 32;
    while (this.#builders.size > max) this.#builders.delete(this.#builders.keys().next().value as string);
    return b;
  }
}
