// PurgeManager (access ended, lease, consent end) and SweepManager (the
// manifest-driven sync pass), with a fake API, fake rooms and fake-indexeddb.
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { setMeta } from '../../../src/lib/domain/plan.ts';
import { familyRows, indexStamp, reindexFamily, writeFamily } from '../../../src/lib/storage/indexer.ts';
import type { FamilySummary, Manifest, Me } from '../../../src/lib/shared/api-types.ts';
import { roomName } from '../../../src/lib/shared/rooms.ts';
import type { LocalDb } from '../../../src/lib/storage/db.ts';
import { RoomRegistry } from '../../../src/lib/sync/room-registry.ts';
import { PurgeManager, purgeReasonOf, type PurgedFamily } from '../../../src/lib/sync/purge-manager.svelte.ts';
import { SweepManager } from '../../../src/lib/sync/sweep-manager.svelte.ts';
import { IndexScheduler } from '../../../src/lib/sync/index-scheduler.ts';
import type { LiveRoom } from '../../../src/lib/sync/live-room.svelte.ts';
import { FakeRoom, fakeApi, freshDb, offline } from '../support/sync-fakes.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { familySummary } from '../support/family-summary.ts';

const summary = (id: string, name: string): FamilySummary => familySummary(id, { name, workers: [], openedBySector: 'social' });

async function indexed(db: LocalDb, id: string, name: string) {
  const doc = new Y.Doc();
  setMeta(doc, { name, district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
  await writeFamily(db, familyRows(summary(id, name), doc, '2026-06-15', '2026-06-15T10:00:00.000Z'));
  await db.rooms.put({ room: roomName(id, 'plan'), familyId: id, part: 'plan', access: 'write', syncedSeq: 1, lastSynced: '2026-06-14T10:00:00.000Z', pendingEdits: 0 });
}

function purger(db: LocalDb, clock = new ManualClock()) {
  const registry = new RoomRegistry();
  let purged = 0;
  const p = new PurgeManager({ db: () => db, registry, clock, onPurged: () => void purged++, roomDatabases: async () => [] });
  return { p, registry, clock, purged: () => purged };
}

describe('PurgeManager', () => {
  it('removes a family, names it in the notice unless it was on screen', async () => {
    const db = freshDb();
    await indexed(db, 'fam-000001', 'Familien Ahmed');
    await indexed(db, 'fam-000002', 'Familien Berg');
    const { p, registry } = purger(db);
    const onScreen = new FakeRoom(roomName('fam-000002', 'plan'));
    registry.addLive(onScreen);
    await p.purge([roomName('fam-000001', 'plan'), roomName('fam-000002', 'plan')], 'access ended');
    expect(p.purgedFamilies).toEqual([{ id: 'fam-000001', name: 'Familien Ahmed', reason: 'access ended' }]);
    expect(onScreen.ended).toBe('access ended');
    expect(await db.families.count()).toBe(0);
    p.dismiss();
    expect(p.purgedFamilies).toEqual([]);
  });

  it('tells the user’s other tabs what it removed; a tab names those in its notice too, unless the plan is open there', async () => {
    // Two tabs share one device index: the first to sweep removes the data, and the other finds nothing left to remove.
    const db = freshDb();
    await indexed(db, 'fam-000001', 'Familien Ahmed');
    await indexed(db, 'fam-000002', 'Familien Berg');
    const told: PurgedFamily[][] = [];
    const registry = new RoomRegistry();
    const first = new PurgeManager({ db: () => db, registry, clock: new ManualClock(), onPurged: () => {}, roomDatabases: async () => [], told: (f) => told.push(f) });
    await first.purge([roomName('fam-000001', 'plan'), roomName('fam-000002', 'plan')], 'access ended');
    expect(told).toEqual([
      [
        { id: 'fam-000001', name: 'Familien Ahmed', reason: 'access ended' },
        { id: 'fam-000002', name: 'Familien Berg', reason: 'access ended' }
      ]
    ]);

    const other = purger(db);
    await other.p.purge([roomName('fam-000001', 'plan'), roomName('fam-000002', 'plan')], 'access ended');
    expect(other.p.purgedFamilies).toEqual([]); // nothing left to remove here
    other.registry.addLive(new FakeRoom(roomName('fam-000002', 'plan'))); // Berg's plan on screen in that tab
    other.p.heard(told[0]);
    other.p.heard(told[0]);
    expect(other.p.purgedFamilies).toEqual([{ id: 'fam-000001', name: 'Familien Ahmed', reason: 'access ended' }]);
  });

  it('a lease that ran out locks and removes everything, without a consent notice', async () => {
    const db = freshDb();
    await indexed(db, 'fam-000001', 'Familien Ahmed');
    const { p, clock } = purger(db);
    await db.meta.put({ key: 'leaseUntil', value: new Date(clock.now().getTime() - 1).toISOString() });
    await p.checkLocal();
    expect(p.locked).toBe(true);
    expect(p.purgedFamilies).toEqual([]);
    expect(await db.families.count()).toBe(0);
    expect(await db.rooms.count()).toBe(0);
    p.reset();
    expect(p.locked).toBe(false);
  });

  it('a room whose consent ended is removed offline too', async () => {
    const db = freshDb();
    await indexed(db, 'fam-000001', 'Familien Ahmed');
    const { p, clock } = purger(db);
    await db.meta.put({ key: 'leaseUntil', value: new Date(clock.now().getTime() + 86_400_000).toISOString() });
    await db.rooms.update(roomName('fam-000001', 'plan'), { until: clock.now().toISOString() });
    await p.checkLocal();
    expect(p.locked).toBe(false);
    expect(p.purgedFamilies).toEqual([{ id: 'fam-000001', name: 'Familien Ahmed', reason: 'consent expired' }]);
  });

  it('a called-in specialist’s room whose grant ended says so, not that the consent expired', async () => {
    const db = freshDb();
    await indexed(db, 'fam-000001', 'Familien Ahmed');
    await indexed(db, 'fam-000002', 'Familien Berg');
    const { p, registry, clock } = purger(db);
    const onScreen = new FakeRoom(roomName('fam-000002', 'plan'));
    registry.addLive(onScreen);
    await db.meta.put({ key: 'leaseUntil', value: new Date(clock.now().getTime() + 86_400_000).toISOString() });
    const ended = clock.now().toISOString();
    await db.rooms.update(roomName('fam-000001', 'plan'), { until: ended, untilBy: 'grant' });
    await db.rooms.update(roomName('fam-000002', 'plan'), { until: ended, untilBy: 'grant' });
    await p.checkLocal();
    expect(p.purgedFamilies).toEqual([{ id: 'fam-000001', name: 'Familien Ahmed', reason: 'grant ended' }]);
    expect(onScreen.ended).toBe('grant ended'); // the plan's own screen: AccessEnded's grant text
    expect(await db.rooms.count()).toBe(0);
  });

  it('takes the relay’s reason where the notice has words for it, else "access ended"', () => {
    expect(['consent withdrawn', 'grant ended', 'family transferred'].map(purgeReasonOf)).toEqual(['consent withdrawn', 'grant ended', 'family transferred']);
    expect(['access ended', 'case closed', 'lease expired', '', 'anything'].map(purgeReasonOf)).toEqual(Array(5).fill('access ended'));
  });
});

describe('SweepManager', () => {
  const me: Me = { id: 'u-anna', username: 'anna', name: 'Anna', role: 'worker', sector: 'social', teamIds: ['gellerup'] } as unknown as Me;

  /**
   * `roomCode`: what opening a background room waits for first (the room code loading); `settles`: whether an
   * opened room settles at once (a relay that answers) or never (a socket the relay turns away).
   */
  function setup(manifest: () => Manifest, families: () => FamilySummary[], roomCode: Promise<void> = Promise.resolve(), settles = true) {
    const db = freshDb();
    const clock = new ManualClock();
    const registry = new RoomRegistry<LiveRoom>();
    const { p } = purger(db, clock);
    const api = fakeApi({ '/api/manifest': () => manifest(), '/api/families': () => ({ families: families() }) });
    const opened: FakeRoom[] = [];
    /** rooms the sweep asked for (before their room code is there) */
    const requested: string[] = [];
    const events: string[] = [];
    const indexer = new IndexScheduler({ db: () => db, engine: async () => ({ familyRows, indexStamp, reindexFamily, openStoredPlan: async () => ({ doc: new Y.Doc(), close: async () => {} }) }), onIndexed: () => {}, onError: (err) => {
        throw err;
      }, clock, today: () => '2026-06-15' });
    const sweeper = new SweepManager({
      db: () => db,
      me: () => me,
      api: api.call,
      browserOnline: () => true,
      backgroundRoom: async (room) => {
        requested.push(room);
        await roomCode;
        const r = new FakeRoom(room);
        opened.push(r);
        // Settles as soon as the test's microtasks run: a relay that answers at once.
        if (settles) queueMicrotask(() => r.settle());
        return r as unknown as LiveRoom;
      },
      registry,
      purge: p,
      indexer,
      reachable: () => events.push('reachable'),
      unreachable: () => events.push('unreachable'),
      flushOutboxes: async () => void events.push('outboxes'),
      onIndexed: () => events.push('indexed'),
      countPending: async () => {},
      today: () => '2026-06-15',
      clock
    });
    return { db, sweeper, api, opened, requested, events, registry, purge: p };
  }

  it('syncs only rooms whose seq moved, skips rooms on screen, purges what is no longer openable', async () => {
    const rooms = ['fam-000001', 'fam-000002', 'fam-000003'].map((id) => roomName(id, 'plan'));
    const s = setup(
      () => ({ rooms: rooms.slice(0, 3).map((room, i) => ({ room, access: 'write', seq: i === 0 ? 1 : 5 })), purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' }) as unknown as Manifest,
      () => [summary('fam-000001', 'A'), summary('fam-000002', 'B'), summary('fam-000003', 'C')]
    );
    await indexed(s.db, 'fam-000001', 'A'); // synced at seq 1: nothing to do
    await indexed(s.db, 'fam-000009', 'Z'); // no longer openable
    s.registry.addLive(new FakeRoom(rooms[2]) as unknown as LiveRoom); // on screen: stays live
    await s.sweeper.sweep();
    expect(s.opened.map((r) => r.room)).toEqual([rooms[1]]);
    expect(s.opened[0].destroyed).toBe(true);
    expect(await s.db.families.get('fam-000009')).toBeUndefined();
    expect(s.events.slice(0, 2)).toEqual(['reachable', 'outboxes']);
    expect((await s.db.meta.get('leaseUntil'))?.value).toBe('2026-07-15T00:00:00.000Z');
    expect((await s.db.rooms.get(rooms[1]))?.syncedSeq).toBe(5);
    expect(s.sweeper.syncing).toBeNull();
    expect(s.sweeper.lastSync).not.toBeNull();
  });

  it('concurrent callers share one pass; offline reports unreachable and changes nothing', async () => {
    let down = false;
    const s = setup(
      () => {
        if (down) throw offline();
        return { rooms: [], purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' } as unknown as Manifest;
      },
      () => []
    );
    const a = s.sweeper.sweep();
    expect(s.sweeper.sweep()).toBe(a);
    await a;
    expect(s.api.calls.filter((c) => c.path === '/api/manifest').length).toBe(1);
    down = true;
    await s.sweeper.sweep();
    expect(s.events).toContain('unreachable');
    s.sweeper.reset();
    expect(s.sweeper.lastSync).toBeNull();
  });

  it('a refresh does not wait for a room in flight that never settles: the sweep with the server\'s news follows at once', async () => {
    // The health journal's socket is refused after a withdrawal: without this, the purge waited for the settle timeout.
    const room = roomName('fam-000002', 'health');
    let withdrawn = false;
    const s = setup(
      () => ({ rooms: withdrawn ? [] : [{ room, access: 'read', seq: 5 }], purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' }) as unknown as Manifest,
      () => [summary('fam-000002', 'B')],
      Promise.resolve(),
      false
    );
    const first = s.sweeper.sweep();
    await vi.waitFor(() => expect(s.opened.map((r) => r.room)).toEqual([room]));
    withdrawn = true;
    await s.sweeper.refresh(); // the clock never moves: only the refresh itself can end the wait
    await first;
    expect(s.api.calls.filter((c) => c.path === '/api/manifest').length).toBe(2);
    expect(s.opened[0].destroyed).toBe(true);
    expect(s.registry.hasBackground(s.opened[0] as unknown as LiveRoom)).toBe(false);
    expect(await s.db.rooms.get(room)).toBeUndefined();
    expect(s.sweeper.syncing).toBeNull();
  });

  it('a stop while a room is being opened closes that room: nothing is left holding its database', async () => {
    const room = roomName('fam-000002', 'plan');
    let loaded!: () => void;
    const s = setup(
      () => ({ rooms: [{ room, access: 'write', seq: 5 }], purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' }) as unknown as Manifest,
      () => [summary('fam-000002', 'B')],
      new Promise<void>((r) => (loaded = r))
    );
    const sweep = s.sweeper.sweep();
    // The sweep reaches the room and waits for the room code (asked for, not a fixed wait: CI may be slow).
    await vi.waitFor(() => expect(s.requested).toEqual([room]));
    // A deactivation: the sync stops and closes every registered room, then the room code arrives.
    s.sweeper.stop();
    await s.registry.closeAll();
    loaded();
    await sweep;
    expect(s.opened.map((r) => r.room)).toEqual([room]);
    expect(s.opened[0].destroyed).toBe(true);
    expect(s.registry.hasBackground(s.opened[0] as unknown as LiveRoom)).toBe(false);
    expect(await s.db.rooms.get(room)).toBeUndefined();
  });
});
