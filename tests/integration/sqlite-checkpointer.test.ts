// WAL checkpoints in a thread of their own (server/store/sqlite-checkpointer.ts):
// the server's commits no longer copy the log into the database file and sync
// it on the event loop; a worker does, soon after, and the log stays bounded.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../server/store/sqlite-checkpointer.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { NewUpdate } from '../../server/store/types.ts';

const ROOM = 'f-aaaaaa.plan';
const update = (i: number, size: number): NewUpdate => ({
  room: ROOM,
  author: 'u-anna',
  at: '2026-01-01T10:00:00.000Z',
  data: new Uint8Array(size).fill(i % 251)
});

describe('SQLite WAL checkpoints in a worker thread', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fp-checkpoint-'));
    file = join(dir, 'familiens-plan.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the commit leaves the log to the worker, which copies it into the database file soon after', async () => {
    const store = new SqliteStore(file, { checkpointer: { delayMs: 20 } });
    try {
      const before = statSync(file).size;
      // 8 MB: twice what SQLite's default threshold (1,000 pages) would have checkpointed in the commit itself.
      const checkpointed = store.nextCheckpoint();
      await store.appendUpdates(Array.from({ length: 64 }, (_, i) => update(i, 128 * 1024)));
      // Right after the commit, the updates are only in the log.
      expect(statSync(file).size - before).toBeLessThan(1024 * 1024);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(8 * 1024 * 1024);

      const result = await checkpointed;
      expect(result).not.toBeNull();
      expect(result!.log).toBeGreaterThan(2000);
      expect(result!.checkpointed).toBe(result!.log);
      expect(statSync(file).size - before).toBeGreaterThan(8 * 1024 * 1024);

      // The log is used again from its start: the next write does not make the file grow.
      const walSize = statSync(`${file}-wal`).size;
      await store.appendUpdates([update(99, 1024)]);
      expect(statSync(`${file}-wal`).size).toBe(walSize);
      expect(await store.nextCheckpoint()).toMatchObject({ log: expect.any(Number) });
      expect((await store.loadUpdates(ROOM)).length).toBe(65);
    } finally {
      await store.close();
    }
  });

  it('writes during a checkpoint get one of their own; close ends the thread and keeps everything', async () => {
    const store = new SqliteStore(file, { checkpointer: { delayMs: 1 } });
    for (let round = 0; round < 20; round++) {
      await store.appendUpdates(Array.from({ length: 4 }, (_, i) => update(round * 4 + i, 64 * 1024)));
      if (round % 5 === 0) await store.nextCheckpoint();
    }
    const last = store.nextCheckpoint();
    await store.appendUpdates([update(80, 10)]);
    const result = await last;
    expect(result?.checkpointed).toBe(result?.log);
    await store.close();

    const reopened = new DatabaseSync(file, { readOnly: true });
    try {
      expect(Number(reopened.prepare('SELECT COUNT(*) AS n FROM updates WHERE room = ?').get(ROOM)?.n)).toBe(81);
    } finally {
      reopened.close();
    }
  });
});

describe('a checkpoint thread that cannot start', () => {
  it('is reported once and started again only at the next write', async () => {
    const errors: Error[] = [];
    const checkpointer = new WalCheckpointer(join(tmpdir(), 'fp-no-such-dir', 'x', 'familiens-plan.sqlite'), { delayMs: 1, onError: (e) => errors.push(e) });
    try {
      const first = checkpointer.next();
      checkpointer.wrote();
      expect(await first).toBeNull();
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toHaveLength(1);

      const second = checkpointer.next();
      checkpointer.wrote();
      expect(await second).toBeNull();
      expect(errors).toHaveLength(2);
    } finally {
      await checkpointer.close();
    }
  });
});
