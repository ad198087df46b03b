// The summariser's timing (server/summaries.ts) with an in-memory store and
// fake timers: a burst of updates to a plan room gives one summary after the
// room has been quiet, a room that never goes quiet is summarised at the
// latest after maxWait (busy rooms spread over its last quarter), other rooms are
// ignored, close() runs what waits, many rooms due at once are summarised a
// few at a time, and never one family twice at once. Several nodes on one
// store: a plan written through two of them is summarised once when it goes
// quiet and about once per maxWait while busy, never with less than a node's
// document holds.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { Summariser } from '../../server/summaries.ts';
import { createLogger } from '../../server/log.ts';
import { addAction, setTovholder } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

let store: SqliteStore;
let summaries: Summariser;
let writes: string[];
const room = roomName('fam-001', 'plan');

beforeEach(async () => {
  vi.useFakeTimers({ now: new Date('2026-03-10T10:00:00Z') });
  store = new SqliteStore(':memory:');
  await store.upsertTeam({ id: 't', name: 'T', district: 'D', cluster: 'C' });
  await store.insertFamily({ id: 'fam-001', name: 'Familien Test', district: 'D', teamId: 't', openedBySector: 'social', status: 'aktiv', createdAt: '2026-01-01T00:00:00Z', createdBy: 'u' });
  const upsert = store.upsertPlanSummary.bind(store);
  writes = [];
  store.upsertPlanSummary = async (row) => {
    writes.push(row.computedAt);
    await upsert(row);
  };
  // random 0: a busy room comes due at the full maxWait (see the spread test below).
  summaries = new Summariser({ store, now: () => new Date(), liveDoc: async () => undefined, debounceMs: 1000, maxWaitMs: 5000, random: () => 0 });
});
afterEach(async () => {
  await summaries.close();
  await store.close();
  vi.useRealTimers();
});

/** Each summary's first read takes `ms`: how many run at once, now and at most. */
function slowFamilyReads(ms: number) {
  const probe = { running: 0, most: 0 };
  const read = store.familyById.bind(store);
  store.familyById = async (id) => {
    probe.running++;
    probe.most = Math.max(probe.most, probe.running);
    await new Promise((r) => setTimeout(r, ms));
    probe.running--;
    return read(id);
  };
  return probe;
}

async function edit(change: (doc: Y.Doc) => void) {
  const doc = new Y.Doc();
  change(doc);
  await store.appendUpdates([{ room, author: 'u', at: new Date().toISOString(), data: Y.encodeStateAsUpdate(doc) }]);
  summaries.roomUpdated(room);
}

describe('Summariser', () => {
  it('summarises a burst once, after the room has been quiet for the debounce time', async () => {
    for (let i = 0; i < 5; i++) {
      await edit((d) => addAction(d, { title: `a${i}`, createdAt: new Date().toISOString(), createdBy: 'u', status: 'aaben' }));
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(999);
    expect(writes).toHaveLength(1);
    const row = (await store.planSummary('fam-001'))!;
    expect(row.seq).toBe(5);
    expect(JSON.parse(row.data).actions.aaben).toBe(5);
    expect(row.lastUpdateAt).toBe('2026-03-10T10:00:01.200Z');
  });

  it('logs a summary that fails as one structured line: the family id and the error class, never its message', async () => {
    await summaries.close();
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    summaries = new Summariser({ store, log, now: () => new Date(), liveDoc: async () => undefined, debounceMs: 1000, maxWaitMs: 5000, random: () => 0 });
    store.upsertPlanSummary = async () => {
      throw Object.assign(new Error('value (Familien Test) too long'), { code: '22001' });
    };
    await edit((d) => addAction(d, { title: 'Hjemmebesøg hos Familien Test', createdAt: new Date().toISOString(), createdBy: 'u', status: 'aaben' }));
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'error', event: 'summaries.failed', familyId: 'fam-001', errName: 'Error', errCode: '22001' });
    expect(lines[0]).not.toContain('Familien Test');
  });

  it('does not wait longer than maxWait for a room that never goes quiet', async () => {
    for (let i = 0; i < 30; i++) {
      await edit((d) => setTovholder(d, { userId: 'u-anna', name: 'Anna', since: '2026-03-10', note: '' }));
      await vi.advanceTimersByTimeAsync(250);
    }
    // 7.5 s of edits every 250 ms: one summary at 5 s (maxWait), the next is pending.
    expect(writes).toEqual(['2026-03-10T10:00:05.000Z']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toHaveLength(2);
  });

  it('spreads busy rooms over the last quarter of maxWait, so rooms written together do not come due together', async () => {
    await summaries.close();
    const draws = [1, 0.5];
    summaries = new Summariser({ store, now: () => new Date(), liveDoc: async () => undefined, debounceMs: 1000, maxWaitMs: 5000, random: () => draws.shift() ?? 0 });
    for (let i = 0; i < 40; i++) {
      await edit((d) => setTovholder(d, { userId: 'u-anna', name: 'Anna', since: '2026-03-10', note: '' }));
      await vi.advanceTimersByTimeAsync(250);
    }
    // Edits every 250 ms for 10 s: the first summary at ¾ of maxWait (3.75 s), the next 4.375 s after its first change (at 3.75 s, right after it).
    expect(writes).toEqual(['2026-03-10T10:00:03.750Z', '2026-03-10T10:00:08.125Z']);
  });

  it('ignores rooms that are not plans, and families it does not know', async () => {
    summaries.roomUpdated(roomName('fam-001', 'social'));
    summaries.roomUpdated(roomName('nobody-here', 'plan'));
    summaries.roomUpdated('not a room');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(0);
  });

  it('runs waiting summaries on close, and takes no more after it', async () => {
    await edit((d) => addAction(d, { title: 'x', createdAt: new Date().toISOString(), createdBy: 'u' }));
    await summaries.close();
    expect(writes).toHaveLength(1);
    summaries.roomUpdated(room);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(1);
  });

  it('summarises many rooms that come due together a few at a time, every one of them, and close() drains the queue', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `fam-1${String(i).padStart(2, '0')}`);
    for (const id of ids) {
      await store.insertFamily({ id, name: `Familien ${id}`, district: 'D', teamId: 't', openedBySector: 'social', status: 'aktiv', createdAt: '2026-01-01T00:00:00Z', createdBy: 'u' });
    }
    const probe = slowFamilyReads(50);
    const limited = new Summariser({ store, now: () => new Date(), liveDoc: async () => undefined, debounceMs: 1000, maxWaitMs: 5000, concurrency: 3 });
    for (const id of ids) limited.roomUpdated(roomName(id, 'plan'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe.running).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.length).toBeLessThan(12);
    // The rest wait their turn; close() finishes them all before it resolves.
    const closing = limited.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closing;
    expect(probe.most).toBe(3);
    expect(writes).toHaveLength(12);
    for (const id of ids) expect((await store.planSummary(id))?.familyId).toBe(id);
  });

  it('never summarises one family twice at once: a change during its summary waits for it, and is summarised after', async () => {
    const probe = slowFamilyReads(1500);
    await edit((d) => addAction(d, { title: 'a', createdAt: new Date().toISOString(), createdBy: 'u' }));
    await vi.advanceTimersByTimeAsync(1000); // quiet: the summary starts and takes 1.5 s
    expect(probe.running).toBe(1);
    await edit((d) => addAction(d, { title: 'b', createdAt: new Date().toISOString(), createdBy: 'u' }));
    await vi.advanceTimersByTimeAsync(1000); // its own summary is due now, but the first is still running
    expect(probe.running).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(probe.most).toBe(1);
    expect(writes).toHaveLength(2);
    expect((await store.planSummary('fam-001'))?.seq).toBe(2);
  });

  describe('on several nodes', () => {
    // Two nodes' summarisers on one store, their relays' documents kept in step (the fan-out
    // without delay): each node hears only of the changes its own sockets made.
    let shared: Y.Doc;
    let seq: number;
    let changedAt: number | null;
    let pastSeq: boolean;
    let nodes: Summariser[];
    const live = async () => ({ doc: shared, seq, pastSeq, changedAt });

    beforeEach(async () => {
      await summaries.close();
      shared = new Y.Doc();
      seq = 0;
      changedAt = null;
      pastSeq = false;
      const draws = [[0, 1], [1, 0]];
      nodes = draws.map((d) => {
        let i = 0;
        return new Summariser({ store, now: () => new Date(), liveDoc: live, debounceMs: 1000, maxWaitMs: 5000, random: () => d[i++ % d.length] });
      });
    });
    afterEach(async () => {
      for (const n of nodes) await n.close();
    });

    /** A change made through `node`'s socket: in the shared document, committed, and told to that node only. */
    async function editOn(node: Summariser, title: string) {
      const before = Y.encodeStateVector(shared);
      addAction(shared, { title, createdAt: new Date().toISOString(), createdBy: 'u', status: 'aaben' });
      const [s] = await store.appendUpdates([{ room, author: 'u', at: new Date().toISOString(), data: Y.encodeStateAsUpdate(shared, before) }]);
      seq = s;
      changedAt = Date.now();
      node.roomUpdated(room, new Date().toISOString());
    }

    it('summarises a plan that went quiet once, on the node whose turn came first', async () => {
      await editOn(nodes[0], 'a');
      await vi.advanceTimersByTimeAsync(500);
      await editOn(nodes[1], 'b');
      await vi.advanceTimersByTimeAsync(5000);
      expect(writes).toEqual(['2026-03-10T10:00:01.000Z']);
      const row = (await store.planSummary('fam-001'))!;
      expect(row.seq).toBe(2);
      expect(JSON.parse(row.data).actions.aaben).toBe(2);
      // Node 0's turn came first (quiet since its own change at 0 s); its document held node 1's change (0.5 s) too.
      expect(row.lastUpdateAt).toBe('2026-03-10T10:00:00.500Z');
    });

    it('summarises again on a node whose document holds more than the stored summary', async () => {
      await editOn(nodes[0], 'a');
      await vi.advanceTimersByTimeAsync(1000);
      expect(writes).toHaveLength(1);
      await editOn(nodes[1], 'b');
      await vi.advanceTimersByTimeAsync(1000);
      expect(writes).toHaveLength(2);
      expect((await store.planSummary('fam-001'))?.seq).toBe(2);
    });

    it('does not take a stored summary at the document seq for all of it when the document holds updates past that seq', async () => {
      await editOn(nodes[0], 'a');
      await vi.advanceTimersByTimeAsync(1000);
      await editOn(nodes[1], 'b');
      // Node 1's own commit (2) waits beyond a gap in the fan-out: its document is complete only up to 1.
      seq = 1;
      pastSeq = true;
      await vi.advanceTimersByTimeAsync(1000);
      expect(writes).toHaveLength(2);
      expect(JSON.parse((await store.planSummary('fam-001'))!.data).actions.aaben).toBe(2);
    });

    it('summarises a busy plan about once per maxWait across the nodes, and its last change', async () => {
      // 20 s of edits every 250 ms, alternating between the two nodes.
      for (let i = 0; i < 80; i++) {
        await editOn(nodes[i % 2], `a${i}`);
        await vi.advanceTimersByTimeAsync(250);
      }
      // One node alone summarises at most every ¾ of maxWait; two without coordination about twice as often.
      expect(writes.length).toBeGreaterThanOrEqual(3);
      expect(writes.length).toBeLessThanOrEqual(Math.ceil(20_000 / 3750));
      const gaps = writes.slice(1).map((w, i) => Date.parse(w) - Date.parse(writes[i]));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3750);
      await vi.advanceTimersByTimeAsync(10_000);
      expect((await store.planSummary('fam-001'))?.seq).toBe(80);
    });
  });
});
