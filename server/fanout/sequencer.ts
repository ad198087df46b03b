// One loaded room's view of its update log across nodes. Pub/sub is
// at-most-once and a room's updates may arrive out of order (several nodes
// publish into one room), so a node applies remote updates strictly in
// sequence order: the next one at once, later ones buffered briefly, and a gap
// that does not close by itself (a lost message, a reconnect, a `head` notice)
// is filled from the store, which has every committed update (they are
// published only after the commit). What was already applied — including this
// node's own commits (`markApplied`) — is never applied twice.
//
// `apply` is called synchronously, in increasing `seq` order, exactly once per
// seq; a store row past a gap (a compacted snapshot covering several seqs) is
// applied as one and advances the mark to its seq.
import { errorFields, id, silentLogger, type Logger } from '../log.ts';

export interface StoredRoomUpdate {
  seq: number;
  data: Uint8Array;
}

/** Reads a room's committed updates with seq > afterSeq, oldest first (the store's `loadSince`). */
export type LoadSince = (room: string, afterSeq: number) => Promise<readonly StoredRoomUpdate[]>;

export type FillCause = 'gap' | 'timeout' | 'head' | 'reconnect';

export interface RoomSequencerOptions {
  room: string;
  /** The seq of the room's state as this node loaded it from the store. */
  lastApplied: number;
  loadSince: LoadSince;
  apply: (data: Uint8Array, seq: number, source: 'fanout' | 'store') => void;
  /** How long an out-of-order update waits for the missing ones before the store is asked (ms). */
  gapTimeoutMs?: number;
  /** Buffered out-of-order updates beyond which the store is asked at once. */
  maxBuffered?: number;
  /** Upper bound of the retry delay after a failed store read (ms). */
  retryMaxMs?: number;
  log?: Logger;
  /** Called once per store read started (metrics). */
  onFill?: (cause: FillCause) => void;
  /** Called when `apply` throws; the relay reloads the room from the store then. */
  onApplyError?: (err: unknown, seq: number) => void;
}

export const DEFAULT_GAP_TIMEOUT_MS = 200;
export const DEFAULT_MAX_BUFFERED = 256;
const DEFAULT_RETRY_MAX_MS = 5000;

/** Marks a seq this node committed itself: applied locally already, only the mark moves past it. */
const OWN = null;

export class RoomSequencer {
  readonly room: string;
  #applied: number;
  readonly #pending = new Map<number, Uint8Array | typeof OWN>();
  /** Highest seq known to exist (from a head notice or a buffered update); the store is asked up to it. */
  #known: number;
  readonly #o: Required<Pick<RoomSequencerOptions, 'gapTimeoutMs' | 'maxBuffered' | 'retryMaxMs'>> & RoomSequencerOptions;
  readonly #log: Logger;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #filling: Promise<void> | null = null;
  #fillAgain: FillCause | null = null;
  #failures = 0;
  #closed = false;

  constructor(opts: RoomSequencerOptions) {
    if (!Number.isSafeInteger(opts.lastApplied) || opts.lastApplied < 0) throw new RangeError('lastApplied must be a non-negative integer');
    this.room = opts.room;
    this.#applied = opts.lastApplied;
    this.#known = opts.lastApplied;
    this.#o = { gapTimeoutMs: DEFAULT_GAP_TIMEOUT_MS, maxBuffered: DEFAULT_MAX_BUFFERED, retryMaxMs: DEFAULT_RETRY_MAX_MS, ...opts };
    this.#log = opts.log ?? silentLogger;
  }

  /** The highest seq up to which every update has been applied. */
  get lastApplied(): number {
    return this.#applied;
  }

  /** Out-of-order updates (and own commits past a gap) waiting for the ones before them. */
  get buffered(): number {
    return this.#pending.size;
  }

  /** An update from another node. */
  receive(seq: number, data: Uint8Array): void {
    if (this.#closed || !Number.isSafeInteger(seq) || seq <= this.#applied || this.#pending.has(seq)) return;
    if (seq === this.#applied + 1) {
      this.#applyOne(seq, data, 'fanout');
      this.#drain();
      return;
    }
    this.#pending.set(seq, data);
    this.#known = Math.max(this.#known, seq);
    if (this.#pending.size > this.#o.maxBuffered) this.#fill('gap');
    else this.#armTimer();
  }

  /** This node committed `seq` and applied it to its own doc already. */
  markApplied(seq: number): void {
    if (this.#closed || !Number.isSafeInteger(seq) || seq <= this.#applied) return;
    if (seq === this.#applied + 1) {
      this.#applied = seq;
      this.#pending.delete(seq);
      this.#drain();
      return;
    }
    this.#pending.set(seq, OWN);
    this.#known = Math.max(this.#known, seq);
    this.#armTimer();
  }

  /** Another node says the room is at `seq` (it could not publish everything): fill if behind. */
  noteHead(seq: number): void {
    if (this.#closed || !Number.isSafeInteger(seq) || seq <= this.#applied) return;
    this.#known = Math.max(this.#known, seq);
    this.#fill('head');
  }

  /** Read whatever was committed since the mark (after a reconnect: messages may have been lost). */
  resync(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#fill('reconnect');
    return this.idle();
  }

  /** Resolves when no store read is running or queued (tests, and the relay before it unloads a room). */
  async idle(): Promise<void> {
    while (this.#filling) await this.#filling;
  }

  close(): void {
    this.#closed = true;
    this.#clearTimer();
    this.#pending.clear();
  }

  #applyOne(seq: number, data: Uint8Array | typeof OWN, source: 'fanout' | 'store') {
    this.#applied = seq;
    this.#pending.delete(seq);
    if (data === OWN) return;
    try {
      this.#o.apply(data, seq, source);
    } catch (err) {
      this.#log.error('sequencer.apply_failed', { room: id(this.room), seq, ...errorFields(err) });
      this.#o.onApplyError?.(err, seq);
    }
  }

  #drain() {
    for (;;) {
      const next = this.#applied + 1;
      if (!this.#pending.has(next)) break;
      this.#applyOne(next, this.#pending.get(next) ?? OWN, 'fanout');
    }
    // Anything left is past a gap: wait briefly for it to close, then ask the store.
    if (this.#pending.size === 0 && this.#known <= this.#applied) {
      this.#clearTimer();
      this.#failures = 0;
    } else this.#armTimer();
  }

  #armTimer(delay = this.#o.gapTimeoutMs) {
    if (this.#timer || this.#filling || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#fill('timeout');
    }, delay);
    this.#timer.unref?.();
  }

  #clearTimer() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fill(cause: FillCause) {
    if (this.#closed) return;
    if (this.#filling) {
      this.#fillAgain ??= cause;
      return;
    }
    this.#clearTimer();
    this.#o.onFill?.(cause);
    this.#filling = this.#runFill(cause).finally(() => {
      this.#filling = null;
      const again = this.#fillAgain;
      this.#fillAgain = null;
      if (this.#closed) return;
      if (again) this.#fill(again);
      else if (this.#pending.size > 0 || this.#known > this.#applied) this.#armTimer(this.#failures > 0 ? this.#retryDelay() : this.#o.gapTimeoutMs);
    });
  }

  #retryDelay(): number {
    return Math.min(this.#o.gapTimeoutMs * 2 ** Math.min(this.#failures, 16), this.#o.retryMaxMs);
  }

  async #runFill(cause: FillCause) {
    const after = this.#applied;
    let rows: readonly StoredRoomUpdate[];
    try {
      rows = await this.#o.loadSince(this.room, after);
    } catch (err) {
      this.#failures++;
      this.#log.warn('sequencer.fill_failed', { room: id(this.room), after, failures: this.#failures, cause: id(cause), ...errorFields(err) });
      return;
    }
    if (this.#closed) return;
    const before = this.#applied;
    let last = 0;
    for (const row of rows) {
      // Updates that arrived through the fan-out while the read ran are applied already.
      if (!Number.isSafeInteger(row.seq) || row.seq <= last) {
        this.#log.error('sequencer.store_order', { room: id(this.room), seq: row.seq, previous: last });
        break;
      }
      last = row.seq;
      if (row.seq <= this.#applied) continue;
      // A row past the mark + 1 is a compacted snapshot that covers the seqs before it.
      for (const s of this.#pending.keys()) if (s < row.seq) this.#pending.delete(s);
      this.#applyOne(row.seq, this.#pending.get(row.seq) === OWN ? OWN : row.data, 'store');
    }
    // The store is the authority on what exists: a head it does not confirm is not waited for.
    this.#known = this.#applied;
    // A read that moved nothing while updates still wait past a gap backs off like a failure
    // (one read per retryMaxMs at most), so a bogus seq cannot keep the store busy.
    this.#failures = this.#applied > before || this.#pending.size === 0 ? 0 : this.#failures + 1;
    this.#log.debug('sequencer.filled', { room: id(this.room), cause: id(cause), after, rows: rows.length, applied: this.#applied });
    this.#drainAfterFill();
  }

  #drainAfterFill() {
    for (const s of this.#pending.keys()) if (s <= this.#applied) this.#pending.delete(s);
    for (;;) {
      const next = this.#applied + 1;
      if (!this.#pending.has(next)) break;
      this.#applyOne(next, this.#pending.get(next) ?? OWN, 'fanout');
    }
  }
}
