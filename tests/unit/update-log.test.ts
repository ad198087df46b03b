// The rooms' update log in the SQLite store: one transaction per batch (all or
// none), seqs in order per room, and per-update authorship that survives
// compaction (the snapshot replaces the data, not who wrote it and when).
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('update log', () => {
  it('appends a batch in one transaction with per-room seqs', () => {
    const store = new SqliteStore(':memory:');
    const seqs = store.appendUpdates([
      { room: 'f-aaaaaa.plan', author: 'u-anna', at: '2026-01-01T10:00:00.000Z', data: bytes(1) },
      { room: 'f-bbbbbb.plan', author: 'u-bo', at: '2026-01-01T10:00:00.001Z', data: bytes(2) },
      { room: 'f-aaaaaa.plan', author: 'u-bo', at: '2026-01-01T10:00:00.002Z', data: bytes(3, 3) }
    ]);
    expect(seqs).toEqual([1, 1, 2]);
    expect(store.loadUpdates('f-aaaaaa.plan').map((u) => [u.seq, [...u.data]])).toEqual([
      [1, [1]],
      [2, [3, 3]]
    ]);
    expect(store.appendUpdate('f-aaaaaa.plan', 'u-anna', '2026-01-01T10:00:01.000Z', bytes(4))).toBe(3);
    store.close();
  });

  it('stores nothing of a batch when one update of it fails', () => {
    const store = new SqliteStore(':memory:');
    store.appendUpdate('f-aaaaaa.plan', 'u-anna', '2026-01-01T10:00:00.000Z', bytes(1));
    expect(() =>
      store.appendUpdates([
        { room: 'f-aaaaaa.plan', author: 'u-anna', at: '2026-01-01T10:00:01.000Z', data: bytes(2) },
        { room: 'f-bbbbbb.plan', author: null as unknown as string, at: '2026-01-01T10:00:01.000Z', data: bytes(3) }
      ])
    ).toThrow();
    expect(store.latestSeq('f-aaaaaa.plan')).toBe(1);
    expect(store.latestSeq('f-bbbbbb.plan')).toBe(0);
    store.close();
  });

  it('keeps who made each update, and when, across compactions', () => {
    const store = new SqliteStore(':memory:');
    const room = 'f-aaaaaa.plan';
    const made = Array.from({ length: 7 }, (_, i) => ({
      room,
      author: i % 2 === 0 ? 'u-anna' : 'u-bo',
      at: `2026-01-01T10:00:0${i}.000Z`,
      data: bytes(...Array.from({ length: i + 1 }, () => i))
    }));
    store.appendUpdates(made.slice(0, 4));
    store.compact(room, 4, bytes(9, 9), '2026-01-01T11:00:00.000Z');
    store.appendUpdates(made.slice(4));
    store.compact(room, 6, bytes(8, 8, 8), '2026-01-01T12:00:00.000Z'); // folds the first snapshot too
    expect(store.loadUpdates(room).map((u) => u.seq)).toEqual([6, 7]);
    expect(store.updateAuthors(room)).toEqual(made.map((u, i) => ({ seq: i + 1, author: u.author, at: u.at, size: i + 1 })));
    // The family's access log counts every change once, compacted or not.
    const counts = Object.fromEntries(store.changeGroupsOfRooms([room]).map((g) => [g.userId, g.count]));
    expect(counts).toEqual({ 'u-anna': 4, 'u-bo': 3 });
    store.close();
  });
});
