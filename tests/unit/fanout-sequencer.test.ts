// The per-room sequencer without Redis: remote updates are applied in seq
// order exactly once, out-of-order ones wait briefly, a gap that does not close
// is filled from the store, own commits are never applied again, and a store
// that fails is retried with backoff.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RoomSequencer, type StoredRoomUpdate } from '../../server/fanout/sequencer.ts';

const ROOM = 'f-abcdef.plan';
const bytes = (seq: number) => new Uint8Array([seq % 256, 7]);

/** An in-memory update log standing in for the store's `loadSince`. */
class FakeLog {
  rows: StoredRoomUpdate[] = [];
  calls: number[] = [];
  failNext = 0;
  append(seq: number) {
    this.rows.push({ seq, data: bytes(seq) });
  }
  loadSince = async (room: string, after: number) => {
    expect(room).toBe(ROOM);
    this.calls.push(after);
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('store down'), { code: 'ECONNREFUSED' });
    }
    return this.rows.filter((r) => r.seq > after);
  };
}

function setup(opts: { lastApplied?: number; gapTimeoutMs?: number; maxBuffered?: number } = {}) {
  const log = new FakeLog();
  const applied: Array<[number, string]> = [];
  const fills: string[] = [];
  const seq = new RoomSequencer({
    room: ROOM,
    lastApplied: opts.lastApplied ?? 0,
    loadSince: log.loadSince,
    apply: (data, s, source) => {
      expect([...data]).toEqual([...bytes(s)]);
      applied.push([s, source]);
    },
    gapTimeoutMs: opts.gapTimeoutMs ?? 100,
    maxBuffered: opts.maxBuffered,
    retryMaxMs: 1000,
    onFill: (cause) => fills.push(cause)
  });
  return { log, applied, fills, seq, order: () => applied.map(([s]) => s) };
}

describe('RoomSequencer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies in-order updates at once and ignores duplicates', () => {
    const { seq, order, log } = setup({ lastApplied: 3 });
    seq.receive(4, bytes(4));
    seq.receive(5, bytes(5));
    seq.receive(5, bytes(5));
    seq.receive(2, bytes(2));
    expect(order()).toEqual([4, 5]);
    expect(seq.lastApplied).toBe(5);
    expect(log.calls).toEqual([]);
  });

  it('buffers out-of-order arrivals and applies them in order once the gap closes', async () => {
    const { seq, order, log } = setup();
    seq.receive(3, bytes(3));
    seq.receive(2, bytes(2));
    seq.receive(3, bytes(3));
    expect(order()).toEqual([]);
    expect(seq.buffered).toBe(2);
    seq.receive(1, bytes(1));
    expect(order()).toEqual([1, 2, 3]);
    expect(seq.buffered).toBe(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(log.calls).toEqual([]);
  });

  it('fills a gap from the store after the timeout, without applying anything twice', async () => {
    const { seq, order, log, applied, fills } = setup();
    for (let s = 1; s <= 5; s++) log.append(s);
    seq.receive(1, bytes(1));
    seq.receive(4, bytes(4));
    seq.receive(5, bytes(5));
    await vi.advanceTimersByTimeAsync(99);
    expect(log.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await seq.idle();
    expect(log.calls).toEqual([1]);
    expect(fills).toEqual(['timeout']);
    expect(order()).toEqual([1, 2, 3, 4, 5]);
    expect(applied.slice(1, 3).map(([, src]) => src)).toEqual(['store', 'store']);
    // A late copy of a filled update is a duplicate.
    seq.receive(2, bytes(2));
    seq.receive(3, bytes(3));
    expect(order()).toEqual([1, 2, 3, 4, 5]);
  });

  it('own commits advance the mark and are never applied from the fan-out or the store', async () => {
    const { seq, order, log } = setup({ lastApplied: 10 });
    for (let s = 11; s <= 13; s++) log.append(s);
    seq.markApplied(12); // committed here while 11 (another node's) is still in flight
    expect(seq.lastApplied).toBe(10);
    seq.receive(11, bytes(11));
    expect(order()).toEqual([11]);
    expect(seq.lastApplied).toBe(12);
    seq.receive(12, bytes(12));
    seq.markApplied(13);
    expect(seq.lastApplied).toBe(13);
    expect(order()).toEqual([11]);
    // And when the other node's update is lost, the store fills it but not the own one.
    const b = setup({ lastApplied: 10 });
    for (let s = 11; s <= 13; s++) b.log.append(s);
    b.seq.markApplied(12);
    b.seq.receive(13, bytes(13));
    await vi.advanceTimersByTimeAsync(100);
    await b.seq.idle();
    expect(b.order()).toEqual([11, 13]);
    expect(b.seq.lastApplied).toBe(13);
    expect(log.calls).toEqual([]);
  });

  it('fills at once when too many updates wait', async () => {
    const { seq, order, log, fills } = setup({ maxBuffered: 3 });
    for (let s = 1; s <= 6; s++) log.append(s);
    for (const s of [3, 4, 5, 6]) seq.receive(s, bytes(s));
    await seq.idle();
    expect(fills).toEqual(['gap']);
    expect(order()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a head notice past the mark reads the store; one at or below it does not', async () => {
    const { seq, order, log, fills } = setup({ lastApplied: 2 });
    for (let s = 1; s <= 4; s++) log.append(s);
    seq.noteHead(2);
    expect(fills).toEqual([]);
    seq.noteHead(4);
    await seq.idle();
    expect(fills).toEqual(['head']);
    expect(order()).toEqual([3, 4]);
  });

  it('resync reads whatever was committed since the mark', async () => {
    const { seq, order, log } = setup({ lastApplied: 1 });
    for (let s = 1; s <= 3; s++) log.append(s);
    await seq.resync();
    expect(log.calls).toEqual([1]);
    expect(order()).toEqual([2, 3]);
    await seq.resync();
    expect(order()).toEqual([2, 3]);
  });

  it('applies a compacted snapshot row as one and drops what it covers', async () => {
    const { seq, applied, log } = setup({ lastApplied: 2 });
    log.rows = [{ seq: 9, data: bytes(9) }, { seq: 10, data: bytes(10) }];
    seq.receive(5, bytes(5));
    seq.receive(11, bytes(11));
    await vi.advanceTimersByTimeAsync(100);
    await seq.idle();
    expect(applied).toEqual([
      [9, 'store'],
      [10, 'store'],
      [11, 'fanout']
    ]);
    expect(seq.buffered).toBe(0);
  });

  it('updates arriving while the store is read are neither lost nor applied twice', async () => {
    const { seq, order, log } = setup();
    for (let s = 1; s <= 4; s++) log.append(s);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = log.loadSince;
    log.loadSince = async (room, after) => {
      await gate;
      return inner(room, after);
    };
    seq.receive(3, bytes(3));
    await vi.advanceTimersByTimeAsync(100); // the fill starts and waits on the gate
    seq.receive(1, bytes(1));
    seq.receive(4, bytes(4));
    release();
    await seq.idle();
    expect(order()).toEqual([1, 2, 3, 4]);
  });

  it('retries a failing store with growing delays and then fills', async () => {
    const { seq, order, log } = setup();
    log.append(1);
    log.append(2);
    log.failNext = 2;
    seq.receive(2, bytes(2));
    await vi.advanceTimersByTimeAsync(100); // first read fails
    expect(log.calls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(199); // retry after 200 ms
    expect(log.calls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.calls.length).toBe(2); // fails again; next after 400 ms
    await vi.advanceTimersByTimeAsync(400);
    await seq.idle();
    expect(log.calls.length).toBe(3);
    expect(order()).toEqual([1, 2]);
  });

  it('a seq the store never confirms backs off instead of polling the store', async () => {
    const { seq, log } = setup();
    seq.receive(1_000_000, bytes(1_000_000));
    await vi.advanceTimersByTimeAsync(5000);
    // 100 ms, then 200, 400, 800, 1000, 1000 … (retryMaxMs)
    expect(log.calls.length).toBeLessThanOrEqual(8);
    expect(seq.lastApplied).toBe(0);
    seq.close();
  });

  it('a throwing apply is reported and does not stop the sequence', () => {
    const errors: number[] = [];
    const applied: number[] = [];
    const seq = new RoomSequencer({
      room: ROOM,
      lastApplied: 0,
      loadSince: async () => [],
      apply: (_d, s) => {
        if (s === 2) throw new Error('bad update');
        applied.push(s);
      },
      onApplyError: (_e, s) => errors.push(s)
    });
    for (const s of [1, 2, 3]) seq.receive(s, bytes(s));
    expect(applied).toEqual([1, 3]);
    expect(errors).toEqual([2]);
  });

  it('does nothing after close', async () => {
    const { seq, order, log } = setup();
    log.append(1);
    log.append(2);
    seq.receive(2, bytes(2));
    seq.close();
    seq.receive(1, bytes(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(order()).toEqual([]);
    expect(log.calls).toEqual([]);
  });
});
