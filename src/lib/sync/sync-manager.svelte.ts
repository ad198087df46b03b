// The sync facade the routes import (`sync`): it starts and stops the
// managers below for the signed-in worker and wires them together; each does
// one job (docs/client.md):
//
//   ReachabilityManager  online / offline, probing the server while offline
//   SweepManager         the background sync pass (GET /api/manifest)
//   PurgeManager         removing family data; lease and consent-end checks
//   ConsentOutbox        consents recorded offline
//   FamilyOutbox         families opened offline
//   AccessLogOutbox      openings the relay could not see
//   PendingEdits         local edits the server does not hold yet
//   IndexScheduler       the local index kept in step with the plans
//   RoomRegistry         which rooms are open, on screen or in the background
//
// Yjs, y-websocket and y-indexeddb come in through one module loaded on
// demand (internal/room-engine.ts), so a page that opens no room (the login
// page) never loads them. Logout calls reset(): every manager forgets the
// session and the family data is purged.
import { holdsFamilyData } from '../shared/access.ts';
import type * as Y from 'yjs';
import { copenhagenDay } from '../domain/today.ts';
import type { Me } from '../shared/api-types.ts';
import { parseRoom } from '../shared/rooms.ts';
import { openDb, type ConsentOutboxRow, type LocalDb } from '../storage/db.ts';
import { purgeAll, purgeAllButUnsynced } from '../storage/purge.ts';
import { forgetDeviceKey, lockDeviceKey, useDeviceKey } from '../storage/device-key.ts';
import { renewDeviceKey, type DeviceAnswer } from './device-lock.ts';
import { AccessLogOutbox } from './access-log-outbox.ts';
import { watchAccess } from './access-events.ts';
import { api, ApiFailure, pendingLogout } from './api.ts';
import { ConsentOutbox, type ConsentInput, type SubmitResult } from './consent-outbox.svelte.ts';
import { FamilyOutbox, type OpenResult } from './family-outbox.svelte.ts';
import type { NewFamilyRequest } from '../shared/api-types.ts';
import { deviceId } from './device.ts';
import { IndexScheduler } from './index-scheduler.ts';
import { realClock, type Clock } from './internal/clock.ts';
import type { ApiCall } from './internal/seams.ts';
import type { RoomEngine } from './internal/room-engine.ts';
import type { ClosedReason, LiveRoom, LiveRoomHooks } from './live-room.svelte.ts';
import { PendingEdits } from './pending-edits.svelte.ts';
import { PurgeManager, purgeReasonOf, type PurgedFamily } from './purge-manager.svelte.ts';
import { ReachabilityManager } from './reachability.svelte.ts';
import { manifestListsRoom } from './room-access.ts';
import { RoomRegistry } from './room-registry.ts';
import { SweepManager } from './sweep-manager.svelte.ts';
import { whenIdle } from './when-idle.ts';

export type { ConsentInput } from './consent-outbox.svelte.ts';

const SWEEP_INTERVAL_MS = 60_000;
/** How often the device checks, with or without network, whether its lease or a consent has run out. */
const LOCAL_CHECK_INTERVAL_MS = 30_000;
/** An opening whose socket has not connected after this long is logged on the device. */
const OFFLINE_OPEN_AFTER_MS = 5_000;

/** The browser around the managers; tests pass their own. */
export interface SyncSeams {
  api: ApiCall;
  clock: Clock;
  engine: () => Promise<RoomEngine>;
  openDb: (userId: string) => LocalDb;
  browserOnline: () => boolean;
  deviceId: () => string;
  /** subscribes to "your access changed" (GET /api/events); returns the unsubscribe */
  watchAccess: (onChange: () => void) => () => void;
  /** online/offline events of the window; returns the unsubscribe */
  watchNetwork: (onOnline: () => void, onOffline: () => void) => () => void;
  pendingLogout: () => unknown;
  purgeAll: (db: LocalDb, userId: string) => Promise<void>;
  /** logout keeping what the server does not have yet; resolves with how much was kept (0: everything went) */
  purgeAllButUnsynced?: (db: LocalDb, userId: string) => Promise<number>;
  /**
   * The device's data key (DESIGN §13): which user's key seals from now on,
   * asking the server for its key at a contact, and locking it when the lease
   * runs out. Absent (unit tests of other jobs): the key is the test's business.
   */
  deviceKey?: {
    use: (userId: string) => void;
    renew: (me: Me, db: LocalDb | null) => Promise<DeviceAnswer>;
    lock: (userId: string) => Promise<void>;
    forget: (userId: string) => Promise<void>;
  };
  /** the removed families' notice between this user's tabs (they share the device's data) */
  purgeNotices?: Notices<PurgeNotice>;
  /**
   * "The index changed" between this user's tabs. They share the index, so a
   * tab whose sweep or indexer finds that another tab has already written what
   * it fetched writes nothing, and would otherwise never re-read.
   */
  indexNotices?: Notices<IndexNotice>;
  /**
   * Runs work that nothing on screen waits for once the page is idle
   * (whenIdle); returns the cancel. Absent (unit tests): at once.
   */
  idle?: (run: () => void) => () => void;
}

/** Messages between this user's tabs: `hear` returns the unsubscribe. */
interface Notices<T> {
  tell: (notice: T) => void;
  hear: (f: (notice: T) => void) => () => void;
}

interface IndexNotice {
  userId: string;
  /** the telling SyncManager (a tab hears its own channel's messages too) */
  from: string;
}

export interface PurgeNotice {
  userId: string;
  families: PurgedFamily[];
}

const PURGE_NOTICES = 'fp-purged';
const INDEX_NOTICES = 'fp-index-changed';

/** A BroadcastChannel's messages as tell/hear (each tell on a channel of its own, so this page's listener hears it too). */
function broadcast<T>(name: string): Notices<T> | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined;
  return {
    tell: (notice) => {
      const channel = new BroadcastChannel(name);
      channel.postMessage(notice);
      channel.close();
    },
    hear: (f) => {
      const channel = new BroadcastChannel(name);
      channel.onmessage = (e: MessageEvent<T>) => f(e.data);
      return () => channel.close();
    }
  };
}

const browserSeams: SyncSeams = {
  api,
  clock: realClock,
  engine: () => import('./internal/room-engine.ts').then((m) => m.roomEngine),
  openDb,
  browserOnline: () => typeof navigator === 'undefined' || navigator.onLine,
  deviceId,
  watchAccess,
  watchNetwork: (onOnline, onOffline) => {
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    return () => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
    };
  },
  pendingLogout,
  purgeAll,
  purgeAllButUnsynced,
  deviceKey: {
    use: (userId) => void useDeviceKey(userId),
    renew: renewDeviceKey,
    lock: lockDeviceKey,
    forget: forgetDeviceKey
  },
  purgeNotices: broadcast<PurgeNotice>(PURGE_NOTICES),
  indexNotices: broadcast<IndexNotice>(INDEX_NOTICES),
  idle: whenIdle
};

const runNow = (run: () => void) => {
  run();
  return () => undefined;
};

/** A contact renews the device key at most this often (a sweep runs every minute, and on many events). */
const KEY_RENEW_MS = 20_000;

export class SyncManager {
  db = $state.raw<LocalDb | null>(null);
  /** bumps whenever the local index changed, so pages can re-query */
  indexVersion = $state(0);
  /** bumps on every access event (the inbox fetches again: issue #16) */
  accessEvents = $state(0);

  readonly reachability: ReachabilityManager;
  readonly rooms = new RoomRegistry<LiveRoom>();
  readonly pending: PendingEdits;
  readonly consents: ConsentOutbox;
  readonly families: FamilyOutbox;
  readonly accessLog: AccessLogOutbox;
  readonly purger: PurgeManager;
  readonly indexer: IndexScheduler;
  readonly sweeper: SweepManager;

  readonly #s: SyncSeams;
  #me: Me | null = null;
  #engine: RoomEngine | null = null;
  #engineLoading: Promise<RoomEngine> | null = null;
  #engineReady: () => void = () => {};
  readonly #engineLoaded = new Promise<void>((resolve) => (this.#engineReady = resolve));
  #timers: unknown[] = [];
  #unwatch: (() => void)[] = [];
  /** names this tab's index notices, so it does not count its own */
  readonly #instance = Math.random().toString(36).slice(2);

  constructor(seams: SyncSeams = browserSeams) {
    this.#s = seams;
    const db = () => this.db;
    const clock = seams.clock;
    const today = () => copenhagenDay(clock.now());
    const indexed = () => {
      this.indexVersion++;
      const userId = this.#me?.id;
      if (userId) this.#s.indexNotices?.tell({ userId, from: this.#instance });
    };
    this.reachability = new ReachabilityManager(clock);
    this.reachability.online = seams.browserOnline();
    this.pending = new PendingEdits({ db, now: () => clock.now() });
    this.consents = new ConsentOutbox({ db, api: seams.api, browserOnline: seams.browserOnline, onAccepted: () => this.#background(() => this.sweep()), now: () => clock.now() });
    this.families = new FamilyOutbox({ db, api: seams.api, browserOnline: seams.browserOnline, onCreated: () => this.#background(() => this.sweep()), now: () => clock.now() });
    this.accessLog = new AccessLogOutbox({ api: seams.api, deviceId: seams.deviceId });
    this.indexer = new IndexScheduler({ db, engine: () => this.loadEngine(), onIndexed: indexed, onError: (err) => this.#backgroundFailed(err, null), clock, today });
    this.purger = new PurgeManager({
      db,
      registry: this.rooms,
      clock,
      onLeaseLocked: async () => {
        const me = this.#me;
        this.#keyRenewedAt = 0;
        if (me) await this.#s.deviceKey?.lock(me.id);
      },
      onPurged: async () => {
        this.indexVersion++;
        await this.#count();
      },
      told: (families) => {
        const userId = this.#me?.id;
        if (userId) this.#s.purgeNotices?.tell({ userId, families });
      }
    });
    this.sweeper = new SweepManager({
      db,
      me: () => this.#me,
      api: seams.api,
      browserOnline: seams.browserOnline,
      backgroundRoom: async (room, me) => {
        const { LiveRoom } = await this.loadEngine();
        return new LiveRoom(room, {
          deviceId: seams.deviceId(),
          user: { id: me.id, name: me.name, sector: me.sector },
          hooks: this.#hooks,
          presence: false,
          // A socket refused after the manifest was read (access changed meanwhile) ends as 'denied', not a retry loop until the settle timeout.
          verify: () => manifestListsRoom(room, seams.api)
        });
      },
      registry: this.rooms,
      purge: this.purger,
      indexer: this.indexer,
      reachable: () => this.reachability.markReachable(),
      unreachable: () => this.#onOffline(),
      deactivated: () => this.onDeactivated?.(),
      flushOutboxes: async (d) => {
        await this.accessLog.upload(d);
        await this.consents.flush();
        await this.families.flush();
      },
      onIndexed: indexed,
      countPending: () => this.#count(),
      today,
      clock
    });
  }

  // ---- the state pages read -------------------------------------------------
  get online() {
    return this.reachability.online;
  }
  get offlineSince() {
    return this.reachability.offlineSince;
  }
  get pendingEdits() {
    return this.pending.total;
  }
  get pendingConsents() {
    return this.consents.pending;
  }
  get pendingFamilies() {
    return this.families.pending;
  }
  get syncing() {
    return this.sweeper.syncing;
  }
  get lastSync() {
    return this.sweeper.lastSync;
  }
  get locked() {
    return this.purger.locked;
  }
  get purgedFamilies() {
    return this.purger.purgedFamilies;
  }
  get keptUnsynced() {
    return this.purger.keptUnsynced;
  }

  // ---- lifecycle ------------------------------------------------------------
  start(me: Me) {
    // After a logout nothing of the old session syncs, not even from a tab that has not noticed yet.
    if (this.#s.pendingLogout()) return;
    if (this.#me?.id === me.id && this.db) return;
    void this.stop();
    this.#me = me;
    if (!holdsFamilyData(me.role)) return;
    this.db = this.#s.openDb(me.id);
    this.#s.deviceKey?.use(me.id);
    this.#unwatch.push(this.#s.watchNetwork(this.#onOnline, this.#onOffline));
    const notices = this.#s.purgeNotices?.hear((n) => {
      if (n.userId === this.#me?.id) this.purger.heard(n.families);
    });
    if (notices) this.#unwatch.push(notices);
    const indexNotices = this.#s.indexNotices?.hear((n) => {
      if (n.userId === this.#me?.id && n.from !== this.#instance) this.indexVersion++;
    });
    if (indexNotices) this.#unwatch.push(indexNotices);
    if (!this.#s.browserOnline()) this.#onOffline();
    const clock = this.#s.clock;
    this.#timers.push(clock.every(() => this.#background(() => this.sweep()), SWEEP_INTERVAL_MS));
    this.#timers.push(clock.every(() => this.#background(() => this.purger.checkLocal()), LOCAL_CHECK_INTERVAL_MS));
    this.#unwatch.push(
      this.#s.watchAccess(() => {
        this.accessEvents++;
        this.#background(() => this.refresh());
      })
    );
    this.#background(() => this.#count());
    // What ran out on the device goes at once; the first sweep (the server's news) waits until the page has
    // painted what it shows from the device. A locked device has nothing to paint: it is idle at once.
    const idle = this.#s.idle ?? runNow;
    this.#background(() =>
      this.purger
        .checkLocal()
        .then(() => new Promise<void>((resolve) => this.#unwatch.push(idle(resolve))))
        .then(() => (this.#me === me ? this.sweep() : undefined))
    );
  }

  /**
   * Work nobody awaits. A logout or a user switch closes the index under it
   * (Dexie's DatabaseClosedError): expected then, and not worth a report; any
   * other failure is logged.
   */
  #background(run: () => Promise<unknown>) {
    const db = this.db;
    run().catch((err: unknown) => this.#backgroundFailed(err, db));
  }

  /** `db`: the index the work started with (null: not known, e.g. a scheduled run). */
  #backgroundFailed(err: unknown, db: LocalDb | null) {
    const closedMeanwhile = db === null ? !this.db?.isOpen() : this.db !== db;
    if (closedMeanwhile && err instanceof Error && err.name === 'DatabaseClosedError') return;
    console.error('sync: background work failed', err);
  }

  stop(): Promise<void> {
    this.sweeper.stop();
    for (const t of this.#timers) this.#s.clock.cancel(t);
    this.#timers = [];
    this.reachability.stop();
    for (const off of this.#unwatch) off();
    this.#unwatch = [];
    this.indexer.reset();
    const closing = this.rooms.closeAll();
    this.db?.close({ disableAutoOpen: true });
    this.db = null;
    this.#me = null;
    return closing;
  }

  /**
   * Logout: forget this user's family data on this device, and every
   * manager's state. `keepUnsynced`: edits, consents and families the server
   * does not have yet stay, sealed, with the data key locked rather than
   * forgotten — the same user's next sign-in here sends them (DESIGN §13).
   */
  async reset(opts: { keepUnsynced?: boolean } = {}) {
    const me = this.#me;
    const running = this.sweeper.running;
    await this.stop();
    await running?.catch(() => undefined);
    if (me && holdsFamilyData(me.role)) {
      const db = this.#s.openDb(me.id);
      const kept = opts.keepUnsynced && this.#s.purgeAllButUnsynced ? await this.#s.purgeAllButUnsynced(db, me.id) : (await this.#s.purgeAll(db, me.id), 0);
      if (kept > 0) await this.#s.deviceKey?.lock(me.id);
      else await this.#s.deviceKey?.forget(me.id);
    }
    this.#keyRenewedAt = 0;
    this.pending.reset();
    this.consents.reset();
    this.families.reset();
    this.sweeper.reset();
    this.purger.reset();
  }

  /** Yjs and the room code, loaded once (a worker's session starts it). */
  loadEngine(): Promise<RoomEngine> {
    this.#engineLoading ??= this.#s.engine().then((e) => {
      this.#engine = e;
      this.#engineReady();
      return e;
    });
    return this.#engineLoading;
  }

  /** Resolves once the room code is loaded, by whatever needed it first (after a worker's first paint); does not load it. */
  get engineLoaded(): Promise<void> {
    return this.#engineLoaded;
  }

  // ---- reachability ---------------------------------------------------------
  #onOnline = () => {
    this.reachability.markReachable();
    this.#background(() => this.sweep());
  };

  #onOffline = () => {
    this.reachability.markOffline(this.#me ? () => this.#background(() => this.sweep()) : null);
  };

  #hooks: LiveRoomHooks = {
    onConnected: () => {
      if (this.reachability.online) return;
      this.reachability.markReachable();
      this.#background(() => this.sweep());
    },
    onLocalEdits: (room, count) => this.#background(() => this.#setPending(room, count)),
    onSaved: (room) => this.#background(() => this.#setPending(room, 0)),
    onClosed: (room: string, reason: ClosedReason, closeReason = '') => {
      if (reason === 'access' && this.db) this.#background(() => this.purger.purge([room], purgeReasonOf(closeReason)));
      // The index or the manifest listed a room the server refused: access changed. A sweep under way read the
      // manifest before that and waits for this room, so it stops; a fresh one brings the index up to date (and purges).
      if (reason === 'denied') this.#background(() => this.refresh());
      // The session ended (4401): ask the server why at once (a sweep may be busy); a deactivation wipes the device.
      if (reason === 'session') this.#background(() => this.#checkDeactivated().then(() => this.renewKey(true)));
    }
  };

  /** Set by the layout: the server said this user was deactivated (it logs out and wipes). */
  onDeactivated: (() => void) | null = null;
  /** Set by the layout: this device was reported lost (it signs out and wipes everything). */
  onDeviceLost: (() => void) | null = null;

  #keyRenewedAt = 0;
  #keyRenewing: Promise<DeviceAnswer> | null = null;

  /** Asks the server for the device key (renewing the lease); a lost device wipes. */
  renewKey(force = false): Promise<DeviceAnswer | null> {
    const me = this.#me;
    const seam = this.#s.deviceKey;
    if (!me || !holdsFamilyData(me.role) || !seam) return Promise.resolve(null);
    if (this.#keyRenewing) return this.#keyRenewing;
    if (!force && this.#s.clock.now().getTime() - this.#keyRenewedAt < KEY_RENEW_MS) return Promise.resolve('unlocked');
    this.#keyRenewing = seam
      .renew(me, this.db)
      .then((answer) => {
        if (answer === 'unlocked') this.#keyRenewedAt = this.#s.clock.now().getTime();
        if (answer === 'lost') this.onDeviceLost?.();
        return answer;
      })
      .finally(() => {
        this.#keyRenewing = null;
      });
    return this.#keyRenewing;
  }

  #checkingDeactivated: Promise<void> | null = null;
  /** Asks the server why the session ended: one question at a time (every room's socket closes 4401 at once). */
  #checkDeactivated(): Promise<void> {
    this.#checkingDeactivated ??= this.#s
      .api('/api/me')
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof ApiFailure && err.code === 'account_deactivated') this.onDeactivated?.();
        }
      )
      .finally(() => {
        this.#checkingDeactivated = null;
      });
    return this.#checkingDeactivated;
  }

  /**
   * Deactivated: wipe this user's family data now, not after the sweep in
   * flight (reset(), which the logout runs next, waits for it and wipes again).
   */
  async purgeNow() {
    const me = this.#me;
    await this.stop();
    if (me && holdsFamilyData(me.role)) {
      await purgeAll(openDb(me.id), me.id);
      await this.#s.deviceKey?.forget(me.id);
    }
  }

  async #setPending(room: string, count: number) {
    await this.pending.set(room, count);
    await this.consents.count();
    const ref = parseRoom(room);
    if (ref?.part === 'plan') this.indexer.schedule(ref.familyId);
  }

  async #count() {
    await this.pending.count();
    await this.consents.count();
    await this.families.count();
  }

  // ---- rooms on screen ------------------------------------------------------
  /**
   * Opens a room for the screen: live, with presence, recorded in the offline
   * access log when offline. `doc`: an empty Y.Doc the screen already shows.
   * The room code must be loaded: every family screen asks planDecision()
   * first, which waits for it.
   */
  openRoom(room: string, doc?: Y.Doc): LiveRoom {
    const me = this.#me;
    if (!me) throw new Error('not signed in');
    if (!this.#engine) throw new Error('room code not loaded yet (await sync.loadEngine())');
    const at = this.#s.clock.now().toISOString();
    let connected = false;
    const live = new this.#engine.LiveRoom(room, {
      deviceId: this.#s.deviceId(),
      user: { id: me.id, name: me.name, sector: me.sector },
      verify: () => manifestListsRoom(room, this.#s.api),
      doc,
      hooks: {
        ...this.#hooks,
        onConnected: (r) => {
          connected = true;
          this.#hooks.onConnected?.(r);
        }
      }
    });
    this.rooms.addLive(live);
    // The relay logs an opening when the socket connects. An opening it cannot
    // see (offline, or the relay unreachable for a while) is logged here and
    // uploaded on reconnect — but only when the device holds a copy to show:
    // a refused socket on a device without the room disclosed nothing.
    const db = this.db;
    const logLocally = () => {
      if (connected || !db || this.db !== db || live.closed) return;
      void live.idb.whenSynced.then(() => {
        if (!connected && this.db === db && live.doc.store.clients.size > 0) this.#background(() => this.accessLog.record(db, { at, room }));
      });
    };
    if (!this.#s.browserOnline() || !this.reachability.online) logLocally();
    else this.#s.clock.after(logLocally, OFFLINE_OPEN_AFTER_MS);
    const ref = parseRoom(room);
    if (ref?.part === 'plan') {
      const schedule = () => this.indexer.schedule(ref.familyId, live.doc);
      live.doc.on('update', schedule);
      // What the device held comes in without an update event (sealed-persistence.ts).
      void live.idb.whenSynced.then(() => {
        if (live.doc.store.clients.size > 0) schedule();
      }, () => undefined);
    }
    return live;
  }

  closeRoom(live: LiveRoom) {
    this.rooms.removeLive(live);
    const ref = parseRoom(live.room);
    if (ref?.part === 'plan' && !live.closed) this.#background(() => this.indexer.index(ref.familyId, live.doc).finally(() => live.destroy()));
    else this.#background(() => live.destroy());
  }

  // ---- sync passes ----------------------------------------------------------
  sweep(): Promise<void> {
    // The key first: a device reported lost wipes instead of syncing, and a locked one is unlocked.
    if (holdsFamilyData(this.#me?.role) && this.#s.deviceKey) {
      return this.renewKey().then((answer) => (answer === 'lost' ? undefined : this.sweeper.sweep()));
    }
    return this.sweeper.sweep();
  }

  refresh(): Promise<void> {
    return this.sweeper.refresh();
  }

  // ---- families opened on this device ---------------------------------------
  /** Opens a family now, or — without a connection — on this device until the next contact. */
  openFamily(input: NewFamilyRequest): Promise<OpenResult> {
    return this.families.open(input);
  }

  // ---- consents -------------------------------------------------------------
  submitConsent(familyId: string, input: Omit<ConsentInput, 'id'>): Promise<SubmitResult> {
    return this.consents.submit(familyId, input);
  }

  queuedConsents(familyId: string): Promise<ConsentOutboxRow[]> {
    return this.consents.queued(familyId);
  }

  discardQueuedConsent(localId: number) {
    return this.consents.discard(localId);
  }

  dismissPurged() {
    this.purger.dismiss();
  }
}

export const sync = new SyncManager();
