// RoomRegistry, PendingEdits and IndexScheduler: which rooms are open, what the
// server does not hold yet, and the index kept in step with a plan.
import 'fake-indexeddb/auto';
import '../support/device-key.ts';
import { openActions } from '../../../src/lib/storage/sealed-rows.ts';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAction, setMeta } from '../../../src/lib/domain/plan.ts';
import { familyRows, indexStamp, reindexFamily, writeFamily } from '../../../src/lib/storage/indexer.ts';
import { getFamily } from '../../../src/lib/storage/sealed-rows.ts';
import { roomName } from '../../../src/lib/shared/rooms.ts';
import { RoomRegistry } from '../../../src/lib/sync/room-registry.ts';
import { PendingEdits } from '../../../src/lib/sync/pending-edits.svelte.ts';
import { INDEX_DELAY_MS, IndexScheduler } from '../../../src/lib/sync/index-scheduler.ts';
import { FakeRoom, freshDb } from '../support/sync-fakes.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { familySummary } from '../support/family-summary.ts';

const plan = roomName('fam-000001', 'plan');

describe('RoomRegistry', () => {
  it('closes the named rooms, tells a screen why, and reports which were on screen', async () => {
    const reg = new RoomRegistry<FakeRoom>();
    const live = new FakeRoom(plan);
    const bg = new FakeRoom(plan);
    const other = new FakeRoom(roomName('fam-000002', 'plan'));
    reg.addLive(live);
    reg.addBackground(bg);
    reg.addBackground(other);
    const shown = await reg.close([plan], 'access ended');
    expect([...shown]).toEqual([plan]);
    expect(live).toMatchObject({ ended: 'access ended', destroyed: true });
    expect(bg.destroyed).toBe(true);
    expect(reg.hasBackground(bg)).toBe(false);
    expect(reg.hasBackground(other)).toBe(true);
    expect(reg.isLive(plan)).toBe(false);
    await reg.closeAll();
    expect(other.destroyed).toBe(true);
  });

  it('lets a close the relay has begun land before the device marks the room ended', async () => {
    // The relay's reason ("consent withdrawn") says more than the device's own "access ended".
    class ClosingRoom extends FakeRoom {
      readonly steps: string[] = [];
      async settleClose() {
        await Promise.resolve();
        this.steps.push('relay close landed');
      }
      markEnded(reason: string) {
        this.steps.push(`marked ${reason}`);
      }
      async destroy() {
        this.steps.push('destroyed');
      }
    }
    const reg = new RoomRegistry<FakeRoom>();
    const live = new ClosingRoom(plan);
    reg.addLive(live);
    const closing = reg.close([plan], 'access ended');
    expect(reg.isLive(plan)).toBe(false); // forgotten at once, not after the wait
    expect([...(await closing)]).toEqual([plan]);
    expect(live.steps).toEqual(['relay close landed', 'marked access ended', 'destroyed']);
  });

  it('forgets a live room only if no newer screen replaced it', () => {
    const reg = new RoomRegistry<FakeRoom>();
    const first = new FakeRoom(plan);
    const second = new FakeRoom(plan);
    reg.addLive(first);
    reg.addLive(second);
    reg.removeLive(first);
    expect(reg.isLive(plan)).toBe(true);
    reg.removeLive(second);
    expect(reg.liveNames()).toEqual([]);
  });
});

describe('PendingEdits', () => {
  it('keeps the highest count of a room until the server holds it, and totals all rooms', async () => {
    const db = freshDb();
    const p = new PendingEdits({ db: () => db, now: () => new Date('2026-06-15T10:00:00.000Z') });
    await p.set(plan, 3);
    await p.set(roomName('fam-000002', 'health'), 2);
    expect(p.total).toBe(5);
    await p.set(plan, 1); // a new LiveRoom session counts from 1: earlier edits stay counted
    expect(p.total).toBe(5);
    await p.set(plan, 0);
    expect(p.total).toBe(2);
    expect(await db.rooms.get(plan)).toMatchObject({ pendingEdits: 0, lastSynced: '2026-06-15T10:00:00.000Z' });
    await p.set('not-a-room', 4);
    expect(p.total).toBe(2);
    p.reset();
    expect(p.total).toBe(0);
  });
});

describe('IndexScheduler', () => {
  const summary = familySummary('fam-000001', { name: 'Familien Test', workers: [], openedBySector: 'social' });

  it('re-indexes a family once after a burst of edits, and only a family the index lists', async () => {
    const db = freshDb();
    const doc = new Y.Doc();
    setMeta(doc, { name: 'Familien Test', district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
    await writeFamily(db, familyRows(summary, doc, '2026-06-15', '2026-06-15T10:00:00.000Z'));
    const clock = new ManualClock();
    let indexed = 0;
    let stored = 0;
    const engine = {
      familyRows,
      indexStamp,
      reindexFamily,
      openStoredPlan: async () => {
        stored++;
        return { doc, close: async () => {} };
      }
    };
    const s = new IndexScheduler({ db: () => db, engine: async () => engine, onIndexed: () => indexed++, onError: (err) => {
      throw err;
    }, clock, today: () => '2026-06-15' });
    addAction(doc, { title: 'Lektiehjælp', ownerId: 'u-anna', due: '2026-06-20', createdAt: '2026-06-15T10:00:00.000Z', createdBy: 'u-anna' });
    for (let i = 0; i < 5; i++) s.schedule('fam-000001', doc);
    clock.advance(INDEX_DELAY_MS - 1);
    expect(indexed).toBe(0);
    clock.advance(1);
    await vi_waitFor(() => indexed === 1);
    expect((await openActions(db, await db.actions.where('familyId').equals('fam-000001').toArray())).map((a) => a.title)).toEqual(['Lektiehjælp']);
    // Without a live document it reads the stored copy.
    addAction(doc, { title: 'Møde med skolen', ownerId: 'u-anna', due: '2026-06-22', createdAt: '2026-06-15T10:00:00.000Z', createdBy: 'u-anna' });
    await s.index('fam-000001');
    expect(stored).toBe(1);
    // A family the index does not list is not indexed (its access may have ended).
    await s.index('fam-000099', doc);
    expect(indexed).toBe(2);
    s.schedule('fam-000001', doc);
    s.reset();
    expect(clock.pending).toBe(0);
  });

  it('leaves a row built from the same plan on the same day as it is, and builds it again after a change or on a new day', async () => {
    const db = freshDb();
    const doc = new Y.Doc();
    setMeta(doc, { name: 'Familien Test', district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
    addAction(doc, { title: 'Lektiehjælp', ownerId: 'u-anna', due: '2026-06-16', createdAt: '2026-06-15T10:00:00.000Z', createdBy: 'u-anna' });
    await writeFamily(db, familyRows(summary, doc, '2026-06-15', '2026-06-15T10:00:00.000Z'));
    const clock = new ManualClock(Date.parse('2026-06-15T12:00:00.000Z'));
    let today = '2026-06-15';
    let indexed = 0;
    let written = 0;
    const engine = {
      familyRows,
      indexStamp,
      reindexFamily: (...args: Parameters<typeof reindexFamily>) => {
        written++;
        return reindexFamily(...args);
      },
      openStoredPlan: async () => ({ doc, close: async () => {} })
    };
    const s = new IndexScheduler({ db: () => db, engine: async () => engine, onIndexed: () => indexed++, onError: (err) => {
      throw err;
    }, clock, today: () => today });
    const row = () => getFamily(db, 'fam-000001');
    // The plan opened and closed unchanged (its stored updates arrive as changes): nothing is written.
    await s.index('fam-000001', doc);
    await s.index('fam-000001');
    expect({ written, indexed }).toEqual({ written: 0, indexed: 0 });
    expect(await row()).toMatchObject({ lastActivity: '2026-06-15T10:00:00.000Z', overdueCount: 0 });
    // The next day the same plan has an overdue action: built again.
    today = '2026-06-17';
    await s.index('fam-000001', doc);
    expect({ written, indexed }).toEqual({ written: 1, indexed: 1 });
    expect(await row()).toMatchObject({ lastActivity: '2026-06-15T12:00:00.000Z', overdueCount: 1, indexedFrom: indexStamp(doc, today) });
    await s.index('fam-000001', doc);
    expect(written).toBe(1);
    // A change: built again.
    addAction(doc, { title: 'Møde med skolen', ownerId: 'u-anna', due: '2026-06-22', createdAt: '2026-06-17T10:00:00.000Z', createdBy: 'u-anna' });
    await s.index('fam-000001', doc);
    expect(written).toBe(2);
    expect((await row())?.openActions).toBe(2);
  });
});

async function vi_waitFor(ok: () => boolean) {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}
