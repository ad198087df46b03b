// The summariser's timing (server/summaries.ts) with an in-memory store and
// fake timers: a burst of updates to a plan room gives one summary after the
// room has been quiet, a room that never goes quiet is summarised at the
// latest after maxWait, other rooms are ignored, and close() runs what waits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { SqliteStore } from '../../server/store.ts';
import { Summariser } from '../../server/summaries.ts';
import { addAction, setTovholder } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

let store: SqliteStore;
let summaries: Summariser;
let writes: string[];
const room = roomName('fam-001', 'plan');

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-10T10:00:00Z') });
  store = new SqliteStore(':memory:');
  store.upsertTeam({ id: 't', name: 'T', district: 'D', cluster: 'C' });
  store.insertFamily({ id: 'fam-001', name: 'Familien Test', district: 'D', teamId: 't', openedBySector: 'social', status: 'aktiv', createdAt: '2026-01-01T00:00:00Z', createdBy: 'u' });
  const upsert = store.upsertPlanSummary.bind(store);
  writes = [];
  store.upsertPlanSummary = (row) => {
    writes.push(row.computedAt);
    upsert(row);
  };
  summaries = new Summariser({ store, now: () => new Date(), liveDoc: () => undefined, debounceMs: 1000, maxWaitMs: 5000 });
});
afterEach(() => {
  summaries.close();
  store.close();
  vi.useRealTimers();
});

function edit(change: (doc: Y.Doc) => void) {
  const doc = new Y.Doc();
  change(doc);
  store.appendUpdate(room, 'u', new Date().toISOString(), Y.encodeStateAsUpdate(doc));
  summaries.roomUpdated(room);
}

describe('Summariser', () => {
  it('summarises a burst once, after the room has been quiet for the debounce time', () => {
    for (let i = 0; i < 5; i++) {
      edit((d) => addAction(d, { title: `a${i}`, createdAt: new Date().toISOString(), createdBy: 'u', status: 'aaben' }));
      vi.advanceTimersByTime(300);
    }
    expect(writes).toHaveLength(0);
    vi.advanceTimersByTime(999);
    expect(writes).toHaveLength(1);
    const row = store.planSummary('fam-001')!;
    expect(row.seq).toBe(5);
    expect(JSON.parse(row.data).actions.aaben).toBe(5);
    expect(row.lastUpdateAt).toBe('2026-03-10T10:00:01.200Z');
  });

  it('does not wait longer than maxWait for a room that never goes quiet', () => {
    for (let i = 0; i < 30; i++) {
      edit((d) => setTovholder(d, { userId: 'u-anna', name: 'Anna', since: '2026-03-10', note: '' }));
      vi.advanceTimersByTime(250);
    }
    // 7.5 s of edits every 250 ms: one summary at 5 s (maxWait), the next is pending.
    expect(writes).toEqual(['2026-03-10T10:00:05.000Z']);
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(2);
  });

  it('ignores rooms that are not plans, and families it does not know', () => {
    summaries.roomUpdated(roomName('fam-001', 'social'));
    summaries.roomUpdated(roomName('nobody-here', 'plan'));
    summaries.roomUpdated('not a room');
    vi.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(0);
  });

  it('runs waiting summaries on close, and takes no more after it', () => {
    edit((d) => addAction(d, { title: 'x', createdAt: new Date().toISOString(), createdBy: 'u' }));
    summaries.close();
    expect(writes).toHaveLength(1);
    summaries.roomUpdated(room);
    vi.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(1);
  });
});
