// server/history.ts: a room's replay is sliced (the event loop is free between
// slices), gives the same sessions as one uninterrupted replay, and two
// requests at once (one mid-replay) both get the whole history.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAction, addGoal, updateItem } from '../../src/lib/domain/plan.ts';
import { HistoryBuilder, type HistoryUpdate } from '../../src/lib/domain/history.ts';
import { HistoryService } from '../../server/history.ts';
import type { HistoryCheckpointRow, HistoryCheckpoints } from '../../server/store/types.ts';

/** The store's checkpoint table in memory, with the store's keep-the-newer rule. */
function checkpoints(): HistoryCheckpoints & { rows: Map<string, HistoryCheckpointRow> } {
  const rows = new Map<string, HistoryCheckpointRow>();
  return {
    rows,
    historyCheckpoint: async (room) => rows.get(room),
    saveHistoryCheckpoint: async (row) => {
      const had = rows.get(row.room);
      if (had && had.version === row.version && had.seq >= row.seq) return false;
      rows.set(row.room, row);
      return true;
    },
    staleHistoryCheckpoints: async () => []
  };
}

function log(n: number): HistoryUpdate[] {
  const out: HistoryUpdate[] = [];
  const doc = new Y.Doc();
  let author = 'u-anna';
  let at = Date.parse('2025-01-06T09:00:00Z');
  doc.on('update', (data: Uint8Array) => out.push({ seq: out.length + 1, author, at: new Date(at).toISOString(), data }));
  const goal = addGoal(doc, { title: 'Fast fremmøde', hopeId: null, targetDate: null, createdAt: new Date(at).toISOString() });
  for (let i = 0; out.length < n; i++) {
    author = i % 3 === 0 ? 'u-bo' : 'u-anna';
    at += i % 4 === 0 ? 3_600_000 : 60_000;
    const id = addAction(doc, { title: `Handling ${i}`, goalId: goal, sector: 'social', ownerName: 'Anna', due: '2025-03-01', status: 'aaben', level: 'raad', createdAt: new Date(at).toISOString(), createdBy: author });
    updateItem(doc, 'actions', id, { status: 'igang' });
  }
  return out;
}

describe('history service', () => {
  it('replays in slices and yields in between, with the same sessions as one replay; two requests at once agree', async () => {
    const updates = log(300);
    let reads = 0;
    const service = new HistoryService({
      store: {
        ...checkpoints(),
        historyUpdates: async (_room: string, afterSeq = 0) => {
          reads++;
          return updates.filter((u) => u.seq > afterSeq);
        }
      },
      sliceMs: 0
    });
    const whole = new HistoryBuilder('plan');
    for (const u of updates) whole.apply(u);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const [a, b] = await Promise.all([service.sessions('r', 'plan'), service.sessions('r', 'plan')]);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
    expect(a.seq).toBe(updates.length);
    expect(b.seq).toBe(updates.length);
    expect(a.sessions).toEqual(whole.sessions());
    expect(b.sessions).toEqual(whole.sessions());
    // Later: only what came after is read, and the result still matches.
    const again = await service.sessions('r', 'plan');
    expect(again.sessions).toEqual(whole.sessions());
    expect(reads).toBe(3);
  });

  it('writes a checkpoint in the background after a long replay; a restarted service restores it and reads only what came after', async () => {
    const updates = log(400).slice(0, 400);
    const cps = checkpoints();
    const reads: number[] = [];
    let upto = 250;
    const store = {
      ...cps,
      historyUpdates: async (_room: string, afterSeq = 0) => {
        reads.push(afterSeq);
        return updates.filter((u) => u.seq > afterSeq && u.seq <= upto);
      }
    };
    const first = new HistoryService({ store, checkpointAfter: 100 });
    await first.sessions('r', 'plan');
    await first.idle();
    expect(cps.rows.get('r')?.seq).toBe(250);
    // A restart: nothing in memory, the checkpoint in the store.
    upto = 400;
    const second = new HistoryService({ store, checkpointAfter: 100 });
    const got = await second.sessions('r', 'plan');
    const whole = new HistoryBuilder('plan');
    for (const u of updates) whole.apply(u);
    expect(got.sessions).toEqual(whole.sessions());
    expect(got.seq).toBe(400);
    expect(reads).toEqual([0, 250]);
    // 150 past the stored one: written again; a later request below the threshold writes nothing.
    await second.idle();
    expect(cps.rows.get('r')?.seq).toBe(400);
    const saved = cps.rows.get('r');
    await second.sessions('r', 'plan');
    await second.idle();
    expect(cps.rows.get('r')).toBe(saved);
    // A checkpoint of another kind (or format) is ignored: the log is replayed from the start.
    const journal = new HistoryService({ store, checkpointAfter: 100 });
    reads.length = 0;
    await journal.sessions('r', 'journal');
    expect(reads).toEqual([0]);
  });

  it('the sweep checkpoints the rooms the store names, and a failing room does not stop it', async () => {
    const updates = log(150).slice(0, 150);
    const cps = checkpoints();
    const errors: string[] = [];
    const service = new HistoryService({
      store: {
        ...cps,
        staleHistoryCheckpoints: async () => ['f-broken.plan', 'f-a.plan'],
        historyUpdates: async (room: string, afterSeq = 0) => {
          if (room === 'f-broken.plan') throw new Error('disk');
          return updates.filter((u) => u.seq > afterSeq);
        }
      },
      log: { info: () => {}, error: (msg) => errors.push(msg) }
    });
    await service.sweep();
    expect(cps.rows.get('f-a.plan')?.seq).toBe(150);
    expect(cps.rows.has('f-broken.plan')).toBe(false);
    expect(errors).toEqual(['history.checkpoint_failed']);
  });

  it('forgets a deleted family\'s rooms: nothing of them stays in memory', async () => {
    const updates = log(20);
    const reads: string[] = [];
    const service = new HistoryService({
      store: {
        ...checkpoints(),
        historyUpdates: async (room: string, afterSeq = 0) => {
          reads.push(`${room}>${afterSeq}`);
          return updates.filter((u) => u.seq > afterSeq);
        }
      }
    });
    for (const room of ['f-abcdef.plan', 'f-abcdef.social', 'f-abcdefg.plan']) await service.sessions(room, room.endsWith('plan') ? 'plan' : 'journal');
    service.forget('abcdef');
    reads.length = 0;
    for (const room of ['f-abcdef.plan', 'f-abcdef.social', 'f-abcdefg.plan']) await service.sessions(room, room.endsWith('plan') ? 'plan' : 'journal');
    expect(reads).toEqual(['f-abcdef.plan>0', 'f-abcdef.social>0', `f-abcdefg.plan>${updates.length}`]);
  });
});
