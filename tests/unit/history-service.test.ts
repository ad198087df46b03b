// server/history.ts: a room's replay is sliced (the event loop is free between
// slices), gives the same sessions as one uninterrupted replay, and two
// requests at once (one mid-replay) both get the whole history.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAction, addGoal, updateItem } from '../../src/lib/domain/plan.ts';
import { HistoryBuilder, type HistoryUpdate } from '../../src/lib/domain/history.ts';
import { HistoryService } from '../../server/history.ts';

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
});
