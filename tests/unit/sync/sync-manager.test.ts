// The sync facade: starting and stopping the managers for a session, the
// pending-logout guard, and what reset() (logout) leaves behind.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { familyRows, reindexFamily, writeFamily } from '../../../src/lib/storage/indexer.ts';
import { familySummary } from '../support/family-summary.ts';
import { openDb } from '../../../src/lib/storage/db.ts';
import type { Manifest, Me } from '../../../src/lib/shared/api-types.ts';
import { roomName } from '../../../src/lib/shared/rooms.ts';
import { SyncManager, type PurgeNotice, type SyncSeams } from '../../../src/lib/sync/sync-manager.svelte.ts';
import type { RoomEngine } from '../../../src/lib/sync/internal/room-engine.ts';
import type { ClosedReason } from '../../../src/lib/sync/live-room.svelte.ts';
import { FakeRoom, fakeApi, offline } from '../support/sync-fakes.ts';
import { ApiFailure } from '../../../src/lib/sync/api.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** what LiveRoom's constructor is given */
type RoomOpts = { presence?: boolean; verify?: () => Promise<boolean | null>; hooks: { onClosed?: (room: string, reason: ClosedReason, closeReason?: string) => void } };

let n = 0;
const worker = (): Me => ({ id: `u-sync-${++n}`, username: 'anna', name: 'Anna', role: 'worker', sector: 'social', teamIds: ['gellerup'] }) as unknown as Me;

function seams(over: Partial<SyncSeams> = {}) {
  const clock = new ManualClock();
  const purged: string[] = [];
  let online = true;
  const network = { on: 0, off: 0 };
  const access = { on: 0, off: 0 };
  const api = fakeApi({
    '/api/manifest': () => ({ rooms: [], purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' }) as unknown as Manifest,
    '/api/families': () => ({ families: [] })
  });
  /** every room the manager opened, with what it was opened with */
  const opened: Room[] = [];
  class Room extends FakeRoom {
    readonly idb = { whenSynced: Promise.resolve() };
    readonly opts: RoomOpts;
    constructor(room: string, opts: RoomOpts) {
      super(room);
      this.opts = opts;
      opened.push(this);
    }
  }
  const engine = { LiveRoom: Room, familyRows, reindexFamily, openStoredPlan: async () => ({ doc: new Y.Doc(), close: async () => {} }) } as unknown as RoomEngine;
  const s: SyncSeams = {
    api: api.call,
    clock,
    engine: async () => engine,
    openDb: (id) => openDb(id),
    browserOnline: () => online,
    deviceId: () => 'dev-1',
    watchAccess: () => {
      access.on++;
      return () => void access.off++;
    },
    watchNetwork: () => {
      network.on++;
      return () => void network.off++;
    },
    pendingLogout: () => null,
    purgeAll: async (_db, userId) => void purged.push(userId),
    ...over
  };
  return { s, clock, api, purged, network, access, opened, setOnline: (v: boolean) => (online = v) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
async function until(ok: () => boolean) {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

/** A signed-in worker's manager after its first sweep, with the room code loaded: rooms can be opened. */
async function roomsReady() {
  const t = seams();
  const sync = new SyncManager(t.s);
  sync.start(worker());
  await until(() => sync.lastSync !== null);
  await sync.loadEngine();
  return { t, sync };
}

describe('SyncManager (facade)', () => {
  it('waits with the first sweep until the page is idle, and a stop cancels the wait', async () => {
    const waiting: (() => void)[] = [];
    let cancelled = 0;
    const t = seams({
      idle: (run) => {
        waiting.push(run);
        return () => void cancelled++;
      }
    });
    const sync = new SyncManager(t.s);
    sync.start(worker());
    await until(() => waiting.length === 1);
    await settle();
    // Nothing of the sweep has gone to the server yet.
    expect(t.api.calls).toEqual([]);
    waiting[0]();
    await until(() => sync.lastSync !== null);
    expect(t.api.calls.map((c) => c.path)).toContain('/api/manifest');
    await sync.stop();

    // Stopped (a logout) before the page was idle: the wait is cancelled, and a late call sweeps nothing.
    const sync2 = new SyncManager(t.s);
    sync2.start(worker());
    await until(() => waiting.length === 2);
    const before = t.api.calls.length;
    const cancelledBefore = cancelled;
    await sync2.stop();
    expect(cancelled).toBe(cancelledBefore + 1);
    waiting[1]();
    await settle();
    expect(t.api.calls.length).toBe(before);
  });

  it('starts the managers for a worker: index, watchers, timers, a first sweep', async () => {
    const t = seams();
    const sync = new SyncManager(t.s);
    sync.start(worker());
    expect(sync.db).not.toBeNull();
    expect(t.network.on).toBe(1);
    expect(t.access.on).toBe(1);
    await until(() => sync.lastSync !== null);
    expect(t.api.calls.map((c) => c.path)).toContain('/api/manifest');
    await sync.stop();
    expect(sync.db).toBeNull();
    expect(t.network.off).toBe(1);
    expect(t.access.off).toBe(1);
    expect(t.clock.pending).toBe(0);
  });

  it('a purge in one tab shows in the notice of the same user’s other tabs, not another user’s', async () => {
    const listeners = new Set<(n: PurgeNotice) => void>();
    const purgeNotices: SyncSeams['purgeNotices'] = {
      tell: (n) => listeners.forEach((f) => f(n)),
      hear: (f) => (listeners.add(f), () => void listeners.delete(f))
    };
    const me = worker();
    const [a, b, c] = [new SyncManager(seams({ purgeNotices }).s), new SyncManager(seams({ purgeNotices }).s), new SyncManager(seams({ purgeNotices }).s)];
    a.start(me);
    b.start(me);
    c.start(worker());
    const db = a.db;
    if (!db) throw new Error('no index');
    await writeFamily(db, familyRows(familySummary('fam-t1', { name: 'Familien Tab' }), new Y.Doc(), '2026-06-15', '2026-06-15T10:00:00.000Z'));
    await a.purger.purge([roomName('fam-t1', 'plan')], 'access ended');
    expect(a.purger.purgedFamilies.map((f) => f.name)).toEqual(['Familien Tab']);
    expect(b.purger.purgedFamilies.map((f) => f.name)).toEqual(['Familien Tab']);
    expect(c.purger.purgedFamilies).toEqual([]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    expect(listeners.size).toBe(0);
  });

  it('an index write in one tab makes the same user’s other tabs re-read it (they would find nothing to write themselves), not its own twice nor another user’s', async () => {
    const listeners = new Set<(n: { userId: string; from: string }) => void>();
    const indexNotices: SyncSeams['indexNotices'] = {
      tell: (n) => listeners.forEach((f) => f(n)),
      hear: (f) => (listeners.add(f), () => void listeners.delete(f))
    };
    const me = worker();
    const family = familySummary('fam-t2', { name: 'Familien Ny' });
    const writer = seams({ indexNotices });
    writer.api.routes['/api/families'] = () => ({ families: [family] });
    const reader = seams({ indexNotices });
    reader.setOnline(false); // no sweep of its own: only the notice can tell it
    const other = seams({ indexNotices });
    other.setOnline(false);
    const [a, b, c] = [new SyncManager(writer.s), new SyncManager(reader.s), new SyncManager(other.s)];
    b.start(me);
    c.start(worker());
    a.start(me);
    await until(() => a.lastSync !== null);
    expect([a.indexVersion, b.indexVersion, c.indexVersion]).toEqual([1, 1, 0]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    expect(listeners.size).toBe(0);
  });

  it('engineLoaded waits for the room code without loading it, and resolves once something loads it', async () => {
    let loads = 0;
    const t = seams();
    const engine = t.s.engine;
    const sync = new SyncManager({ ...t.s, engine: () => (loads++, engine()) });
    let loaded = false;
    void sync.engineLoaded.then(() => (loaded = true));
    await settle();
    expect([loads, loaded]).toEqual([0, false]);
    await sync.loadEngine();
    await settle();
    expect([loads, loaded]).toEqual([1, true]);
  });

  it('does nothing for a session whose logout is pending, nor keeps an index for a leader', () => {
    const blocked = new SyncManager(seams({ pendingLogout: () => ({ at: '', userId: null }) }).s);
    blocked.start(worker());
    expect(blocked.db).toBeNull();
    const t = seams();
    const leader = new SyncManager(t.s);
    leader.start({ ...worker(), role: 'leader' } as Me);
    expect(leader.db).toBeNull();
    expect(t.network.on).toBe(0);
  });

  it('offline at start: says so and probes the server; the probe that gets through ends it', async () => {
    const t = seams();
    t.setOnline(false);
    const sync = new SyncManager(t.s);
    sync.start(worker());
    expect(sync.online).toBe(false);
    expect(sync.offlineSince).not.toBeNull();
    t.setOnline(true);
    t.clock.advance(5_000);
    await until(() => sync.online);
    await sync.stop();
  });

  it('a failed request counts as offline even when the browser says online', async () => {
    const t = seams();
    t.api.routes['/api/manifest'] = () => {
      throw offline();
    };
    const sync = new SyncManager(t.s);
    sync.start(worker());
    await until(() => !sync.online);
    await sync.stop();
  });

  it('opens rooms only once the room code is loaded, and logs an opening made offline', async () => {
    const t = seams();
    t.setOnline(false);
    const sync = new SyncManager(t.s);
    const me = worker();
    const fresh = new SyncManager(seams().s);
    fresh.start(me);
    expect(() => fresh.openRoom(roomName('fam-000001', 'plan'))).toThrow(/not loaded/);
    await fresh.stop();

    sync.start(me);
    await sync.loadEngine();
    const room = roomName('fam-000001', 'plan');
    const live = sync.openRoom(room);
    // The fake room holds content, as a device copy would.
    (live.doc as Y.Doc).getMap('meta').set('name', 'Familien Test');
    expect(sync.rooms.isLive(room)).toBe(true);
    let logged: string[] = [];
    for (let i = 0; i < 100 && logged.length === 0; i++) {
      await settle();
      logged = ((await sync.db?.accessOutbox.toArray()) ?? []).map((e) => e.room);
    }
    expect(logged).toEqual([room]);
    sync.closeRoom(live);
    expect(sync.rooms.isLive(room)).toBe(false);
    await sync.stop();
  });

  it('tells the index scheduler of a plan loaded from the device, which comes without an update event', async () => {
    const { sync } = await roomsReady();
    const scheduled: string[] = [];
    sync.indexer.schedule = (familyId: string) => void scheduled.push(familyId);
    // The device's copy is in the document by the time the load resolves (a microtask later here).
    const plan = sync.openRoom(roomName('fam-000001', 'plan'));
    (plan.doc as Y.Doc).getMap('meta').set('name', 'Familien Test');
    scheduled.length = 0; // that was an edit's update event; the load is what this test is about
    const empty = sync.openRoom(roomName('fam-000002', 'plan'));
    const journal = sync.openRoom(roomName('fam-000003', 'social'));
    (journal.doc as Y.Doc).getMap('entries').set('e', 'x');
    scheduled.length = 0;
    await settle();
    // The plan with content is indexed; an empty one (nothing on the device) and a journal are not.
    expect(scheduled).toEqual(['fam-000001']);
    for (const live of [plan, empty, journal]) sync.closeRoom(live);
    await sync.stop();
  });

  it('a background room refused after the manifest was read asks the server, and ends the sweep waiting for it: a fresh sweep purges it', async () => {
    // A consent withdrawn between the sweep's manifest and the room's socket, and no access event in this tab:
    // before, the refused socket retried until the 20 s settle timeout, and the room's copy stayed until the next sweep.
    const t = seams();
    const room = roomName('fam-000002', 'health');
    let listed = true;
    t.api.routes['/api/manifest'] = () => ({ rooms: listed ? [{ room, access: 'read', seq: 5 }] : [], purge: [], leaseUntil: '2026-07-15T00:00:00.000Z' }) as unknown as Manifest;
    const sync = new SyncManager(t.s);
    sync.start(worker());
    await until(() => t.opened.length === 1);
    const background = t.opened[0];
    expect(background.opts.presence).toBe(false);
    await sync.db?.rooms.put({ room, familyId: 'fam-000002', part: 'health', access: 'read', syncedSeq: 1, lastSynced: '2026-06-14T10:00:00.000Z', pendingEdits: 0 });
    listed = false;
    // The socket failed without opening: LiveRoom asks before its first retry, and the answer closes the room.
    expect(await background.opts.verify?.()).toBe(false);
    background.opts.hooks.onClosed?.(room, 'denied');
    // The clock never moves: only the refresh can end the wait.
    await until(() => sync.lastSync !== null);
    expect(background.destroyed).toBe(true);
    expect(await sync.db?.rooms.get(room)).toBeUndefined();
    expect(t.opened.length).toBe(1);
    await sync.stop();
  });

  it('a room the relay closed for access goes from the device with the relay’s reason, and the notice gives it', async () => {
    const { sync } = await roomsReady();
    const db = sync.db;
    if (!db) throw new Error('no index');
    await writeFamily(db, familyRows(familySummary('fam-t2', { name: 'Familien Flyt' }), new Y.Doc(), '2026-06-15', '2026-06-15T10:00:00.000Z'));
    await writeFamily(db, familyRows(familySummary('fam-t3', { name: 'Familien Lukket' }), new Y.Doc(), '2026-06-15', '2026-06-15T10:00:00.000Z'));
    // Rooms share the manager's hooks: one open room stands in for the background ones the relay closed.
    const { opts } = sync.openRoom(roomName('fam-000001', 'plan')) as unknown as { opts: RoomOpts };
    opts.hooks.onClosed?.(roomName('fam-t2', 'plan'), 'access', 'family transferred');
    opts.hooks.onClosed?.(roomName('fam-t3', 'plan'), 'access', 'case closed');
    await until(() => sync.purgedFamilies.length === 2);
    expect(sync.purgedFamilies.map((f) => [f.name, f.reason]).sort()).toEqual([
      ['Familien Flyt', 'family transferred'],
      ['Familien Lukket', 'access ended']
    ]);
    await sync.stop();
  });

  it('sockets closed 4401 together ask the server once why the session ended; a deactivation is reported', async () => {
    const { t, sync } = await roomsReady();
    const rooms = ['fam-000001', 'fam-000002', 'fam-000003'].map((id) => sync.openRoom(roomName(id, 'plan')) as unknown as { room: string; opts: RoomOpts });
    let deactivated = 0;
    sync.onDeactivated = () => void deactivated++;
    t.api.routes['/api/me'] = () => {
      throw new ApiFailure(401, 'account_deactivated', 'Din adgang til Familiens Plan er lukket.');
    };
    const asked = () => t.api.calls.filter((c) => c.path === '/api/me').length;
    for (const r of rooms) r.opts.hooks.onClosed?.(r.room, 'session');
    await until(() => deactivated > 0);
    await settle();
    expect([asked(), deactivated]).toEqual([1, 1]);
    await sync.stop();
  });

  it('reset (logout) stops everything, purges the user’s data and zeroes every manager', async () => {
    const t = seams();
    const sync = new SyncManager(t.s);
    const me = worker();
    sync.start(me);
    await until(() => sync.lastSync !== null);
    sync.pending.total = 3;
    sync.consents.pending = 1;
    sync.purger.purgedFamilies = [{ id: 'fam-000001', name: 'A', reason: 'access ended' }];
    sync.purger.locked = true;
    await sync.reset();
    expect(t.purged).toEqual([me.id]);
    expect([sync.pendingEdits, sync.pendingConsents, sync.syncing, sync.lastSync, sync.locked, sync.purgedFamilies]).toEqual([0, 0, null, null, false, []]);
    expect(sync.db).toBeNull();
    expect(t.clock.pending).toBe(0);
  });
});
