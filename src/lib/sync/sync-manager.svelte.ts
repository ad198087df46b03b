// Background sync driven by GET /api/manifest. On login, on reconnect, when
// the server says access changed (access-events.ts) and every minute while online: fetch the manifest, purge what the server says
// to purge, then sync only rooms whose server seq moved or that hold unsent
// local edits, a few sockets at a time, closing each when settled. Rooms on
// screen stay live (openRoom) and are skipped by the sweep. Also owns the
// device lease, the consent outbox and the offline access log.
import { format } from 'date-fns';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import type { Consent, FamilySummary, Manifest, Me } from '../shared/api-types.ts';
import { parseRoom } from '../shared/rooms.ts';
import { openDb, type ConsentOutboxRow, type LocalDb, type RoomRow } from '../storage/db.ts';
import { familyRows, indexSummaries, writeFamily } from '../storage/indexer.ts';
import { localRoomDatabases, purgeAll, purgeRooms } from '../storage/purge.ts';
import { watchAccess } from './access-events.ts';
import { api, ApiFailure, pendingLogout } from './api.ts';
import { deviceId } from './device.ts';
import { LiveRoom, type ClosedReason } from './live-room.svelte.ts';
import { manifestListsRoom } from './room-access.ts';

/** Offline openings per upload (the server takes at most 1,000). */
const ACCESS_UPLOAD_BATCH = 200;

const SWEEP_INTERVAL_MS = 60_000;
const CONCURRENCY = 3;
const RETRY_INTERVAL_MS = 5_000;
/** How often the device checks, with or without network, whether its lease or a consent has run out. */
const LOCAL_CHECK_INTERVAL_MS = 30_000;
/** An opening whose socket has not connected after this long is logged on the device. */
const OFFLINE_OPEN_AFTER_MS = 5_000;

export type ConsentInput = ConsentOutboxRow['payload'];

class SyncManager {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  offlineSince = $state<string | null>(null);
  pendingEdits = $state(0);
  pendingConsents = $state(0);
  syncing = $state<{ done: number; total: number } | null>(null);
  lastSync = $state<string | null>(null);
  /** the device lease ran out: family data was removed and stays locked until the server is reached */
  locked = $state(false);
  /** families whose data was removed from this device since the user last dismissed the notice */
  purgedFamilies = $state<{ id: string; name: string }[]>([]);
  /** bumps whenever the local index changed, so pages can re-query */
  indexVersion = $state(0);

  db = $state.raw<LocalDb | null>(null);
  #me: Me | null = null;
  #live = new Map<string, LiveRoom>();
  /** rooms the sweep has open in the background */
  #background = new Set<LiveRoom>();
  /** bumped by stop() and refresh(): a sweep from an earlier generation stops at its next step */
  #generation = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #retry: ReturnType<typeof setInterval> | null = null;
  #localCheck: ReturnType<typeof setInterval> | null = null;
  #running: Promise<void> | null = null;
  #indexTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #unwatchAccess: (() => void) | null = null;

  /** Set by the layout: the server said this user was deactivated (it logs out and wipes). */
  onDeactivated: (() => void) | null = null;

  async #checkDeactivated() {
    try {
      await api('/api/me');
    } catch (err) {
      if (err instanceof ApiFailure && err.code === 'account_deactivated') this.onDeactivated?.();
    }
  }

  start(me: Me) {
    // After a logout nothing of the old session syncs, not even from a tab that has not noticed yet.
    if (pendingLogout()) return;
    if (this.#me?.id === me.id && this.db) return;
    this.stop();
    this.#me = me;
    if (me.role !== 'worker') return;
    this.db = openDb(me.id);
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
    if (!navigator.onLine) this.#onOffline();
    this.#timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.#localCheck = setInterval(() => void this.#checkLocal(), LOCAL_CHECK_INTERVAL_MS);
    this.#unwatchAccess = watchAccess(() => void this.refresh());
    void this.#refreshCounts();
    void this.#checkLocal().then(() => this.sweep());
  }

  stop(): Promise<void> {
    this.#generation++;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#retry) clearInterval(this.#retry);
    this.#retry = null;
    if (this.#localCheck) clearInterval(this.#localCheck);
    this.#localCheck = null;
    this.#unwatchAccess?.();
    this.#unwatchAccess = null;
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    const closing = [...this.#live.values(), ...this.#background].map((r) => r.destroy());
    this.#live.clear();
    this.#background.clear();
    this.db?.close({ disableAutoOpen: true });
    this.db = null;
    this.#me = null;
    return Promise.all(closing).then(() => undefined);
  }

  /**
   * Deactivated: wipe this user's family data now, not after the sweep in
   * flight (reset(), which the logout runs next, waits for it and wipes again).
   */
  async purgeNow() {
    const me = this.#me;
    await this.stop();
    if (me?.role === 'worker') await purgeAll(openDb(me.id), me.id);
  }

  /** Logout: forget this user's family data on this device. */
  async reset() {
    const me = this.#me;
    const running = this.#running;
    await this.stop();
    await running?.catch(() => undefined);
    if (me?.role === 'worker') await purgeAll(openDb(me.id), me.id);
    this.pendingEdits = 0;
    this.pendingConsents = 0;
    this.syncing = null;
    this.lastSync = null;
    this.locked = false;
    this.purgedFamilies = [];
  }

  #onOnline = () => {
    this.#markReachable();
    void this.sweep();
  };

  /**
   * The browser's online flag is only a hint: a tablet on a dead access point
   * says "online" and reaches nothing. Failing to reach the server counts as
   * offline too, and then the server is probed every few seconds.
   */
  #onOffline = () => {
    this.online = false;
    this.offlineSince ??= new Date().toISOString();
    if (!this.#retry && this.#me) this.#retry = setInterval(() => void this.sweep(), RETRY_INTERVAL_MS);
  };

  #markReachable() {
    if (this.#retry) clearInterval(this.#retry);
    this.#retry = null;
    if (this.online) return;
    this.online = true;
    this.offlineSince = null;
  }

  #hooks = {
    onConnected: (_room: string) => {
      if (this.online) return;
      this.#markReachable();
      void this.sweep();
    },
    onLocalEdits: (room: string, count: number) => void this.#setPending(room, count),
    onSaved: (room: string) => void this.#setPending(room, 0),
    onClosed: (room: string, reason: ClosedReason) => {
      if (reason === 'access' && this.db) void this.#purge([room], 'access ended');
      // The session ended (4401): ask the server why at once (a sweep may be busy); a deactivation wipes the device.
      if (reason === 'session') void this.#checkDeactivated();
      // The index listed a room the server refused: bring the index up to date (and purge what it held).
      if (reason === 'denied') void this.sweep();
    }
  };

  async #setPending(room: string, count: number) {
    const db = this.db;
    const ref = parseRoom(room);
    if (!db || !ref) return;
    const existing = await db.rooms.get(room);
    // `count` is per LiveRoom session; keep edits from earlier sessions counted until saved.
    const changes: Partial<RoomRow> =
      count === 0 ? { pendingEdits: 0, lastSynced: new Date().toISOString() } : { pendingEdits: Math.max(existing?.pendingEdits ?? 0, count) };
    if (existing) await db.rooms.update(room, changes);
    else await db.rooms.put({ room, familyId: ref.familyId, part: ref.part, access: 'write', syncedSeq: 0, lastSynced: '', pendingEdits: 0, ...changes });
    await this.#refreshCounts();
    if (ref.part === 'plan') this.#scheduleIndex(ref.familyId);
  }

  async #refreshCounts() {
    const db = this.db;
    if (!db) return;
    const rooms = await db.rooms.where('pendingEdits').above(0).toArray();
    this.pendingEdits = rooms.reduce((n, r) => n + r.pendingEdits, 0);
    this.pendingConsents = await db.consentOutbox.where('state').equals('afventer').count();
  }

  /** Opens a room for the screen: live, with presence, recorded in the offline access log when offline. `doc`: an empty Y.Doc the screen already shows. */
  openRoom(room: string, doc?: Y.Doc): LiveRoom {
    const me = this.#me;
    if (!me) throw new Error('not signed in');
    const at = new Date().toISOString();
    let connected = false;
    const live = new LiveRoom(room, {
      deviceId: deviceId(),
      user: { id: me.id, name: me.name, sector: me.sector },
      verify: () => manifestListsRoom(room),
      doc,
      hooks: {
        ...this.#hooks,
        onConnected: (r) => {
          connected = true;
          this.#hooks.onConnected(r);
        }
      }
    });
    this.#live.set(room, live);
    // The relay logs an opening when the socket connects. An opening it cannot
    // see (offline, or the relay unreachable for a while) is logged here and
    // uploaded on reconnect — but only when the device holds a copy to show:
    // a refused socket on a device without the room disclosed nothing.
    const db = this.db;
    const logLocally = () => {
      if (connected || !db || this.db !== db || live.closed) return;
      void live.idb.whenSynced.then(() => {
        if (!connected && this.db === db && live.doc.store.clients.size > 0) void db.accessOutbox.add({ at, room, action: 'open-offline' });
      });
    };
    if (!navigator.onLine || !this.online) logLocally();
    else setTimeout(logLocally, OFFLINE_OPEN_AFTER_MS);
    const ref = parseRoom(room);
    if (ref?.part === 'plan') {
      live.doc.on('update', () => this.#scheduleIndex(ref.familyId, live.doc));
    }
    return live;
  }

  closeRoom(live: LiveRoom) {
    if (this.#live.get(live.room) === live) this.#live.delete(live.room);
    const ref = parseRoom(live.room);
    if (ref?.part === 'plan' && !live.closed) void this.#index(ref.familyId, live.doc).finally(() => live.destroy());
    else live.destroy();
  }

  #scheduleIndex(familyId: string, doc?: Y.Doc) {
    const t = this.#indexTimers.get(familyId);
    if (t) clearTimeout(t);
    this.#indexTimers.set(
      familyId,
      setTimeout(() => {
        this.#indexTimers.delete(familyId);
        void this.#index(familyId, doc);
      }, 400)
    );
  }

  /** Re-index one family from a live doc, or from its y-indexeddb copy. */
  async #index(familyId: string, doc?: Y.Doc) {
    const db = this.db;
    if (!db) return;
    const existing = await db.families.get(familyId);
    if (!existing) return;
    const summary: FamilySummary = {
      id: existing.id,
      name: existing.name,
      district: existing.district,
      teamId: existing.teamId,
      teamName: existing.teamName,
      status: existing.status,
      parts: existing.parts,
      consentUntil: null,
      workers: existing.workers,
      openedBySector: existing.openedBySector
    };
    let owned: { doc: Y.Doc; idb: IndexeddbPersistence } | null = null;
    if (!doc) {
      const d = new Y.Doc();
      const idb = new IndexeddbPersistence(`f-${familyId}.plan`, d);
      await idb.whenSynced;
      owned = { doc: d, idb };
      doc = d;
    }
    try {
      const rows = familyRows(summary, doc, format(new Date(), 'yyyy-MM-dd'), new Date().toISOString());
      rows.family.consentStatus = existing.consentStatus;
      await writeFamily(db, rows);
      this.indexVersion++;
    } finally {
      if (owned) {
        await owned.idb.destroy();
        owned.doc.destroy();
      }
    }
  }

  /**
   * Deletes the rooms' local copies. A room open on screen or in a background
   * sync is closed first (its IndexedDB connection would block the deletion),
   * and a screen showing it is told why.
   */
  async #purge(rooms: string[], reason: string) {
    const db = this.db;
    if (!db || rooms.length === 0) return;
    const names = new Map((await db.families.bulkGet(rooms.map((r) => parseRoom(r)?.familyId ?? ''))).filter((f) => !!f).map((f) => [f.id, f.name]));
    const closing: Promise<void>[] = [];
    const shown = new Set<string>();
    for (const room of rooms) {
      const live = this.#live.get(room);
      if (live) {
        shown.add(room);
        this.#live.delete(room);
        live.markEnded(reason);
        closing.push(live.destroy());
      }
      for (const bg of this.#background) {
        if (bg.room !== room) continue;
        this.#background.delete(bg);
        closing.push(bg.destroy());
      }
    }
    await Promise.all(closing);
    const families = await purgeRooms(db, rooms);
    // A family whose plan was on screen is told about there (AccessEnded); no second notice.
    const known = new Set([...this.purgedFamilies.map((f) => f.id), ...[...shown].map((r) => parseRoom(r)?.familyId)]);
    const added = families.filter((id) => !known.has(id)).map((id) => ({ id, name: names.get(id) ?? '' }));
    // A lease lock says why itself; the notice is about consents.
    if (added.length > 0 && reason !== 'lease expired') this.purgedFamilies = [...this.purgedFamilies, ...added];
    this.indexVersion++;
    await this.#refreshCounts();
  }

  /**
   * What the device enforces without the server: a lease that ran out locks
   * and purges all family data; a room whose consent ended (its manifest
   * `until`) is purged even while offline.
   */
  async #checkLocal() {
    const db = this.db;
    if (!db) return;
    const now = Date.now();
    const lease = (await db.meta.get('leaseUntil'))?.value;
    if (lease && Date.parse(lease) < now) {
      this.locked = true;
      const rooms = await db.rooms.toCollection().primaryKeys();
      await this.#purge([...new Set([...rooms, ...this.#live.keys(), ...(await localRoomDatabases())])], 'lease expired');
      await db.families.clear();
      await db.actions.clear();
      this.indexVersion++;
      return;
    }
    const expired = await db.rooms.filter((r) => !!r.until && Date.parse(r.until) <= now).primaryKeys();
    if (expired.length > 0) await this.#purge(expired, 'consent expired');
  }

  /** One sync pass; concurrent callers share it. */
  sweep(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#sweep().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * The server said this user's access changed: sweep now. A sweep already
   * under way read the manifest before the change, and syncing a whole
   * caseload can take a while: it stops after the rooms in flight, and a
   * fresh one follows at once.
   */
  refresh(): Promise<void> {
    if (!this.#running) return this.sweep();
    this.#generation++;
    return this.#running.then(() => this.sweep());
  }

  async #sweep() {
    const db = this.db;
    const me = this.#me;
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    if (!db || !me || !navigator.onLine) return;
    let manifest: Manifest;
    let families: FamilySummary[];
    try {
      [manifest, { families }] = await Promise.all([
        api<Manifest>('/api/manifest'),
        api<{ families: FamilySummary[] }>('/api/families')
      ]);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 0) this.#onOffline();
      // A deactivated user never syncs again: the device keeps nothing of theirs.
      if (err instanceof ApiFailure && err.code === 'account_deactivated') this.onDeactivated?.();
      return;
    }
    if (!current()) return;
    this.#markReachable();
    this.locked = false;
    await db.meta.put({ key: 'leaseUntil', value: manifest.leaseUntil });
    await this.#flushOutboxes();

    // Purge: what the server names, and anything held here that is no longer openable.
    const openable = new Set(manifest.rooms.map((r) => r.room));
    const held = await db.rooms.toCollection().primaryKeys();
    const heldFamilies = await db.families.toCollection().primaryKeys();
    const gone = [
      ...new Set([
        ...manifest.purge,
        ...held.filter((r) => !openable.has(r)),
        ...heldFamilies.map((id) => `f-${id}.plan`).filter((r) => !openable.has(r))
      ])
    ];
    await this.#purge(gone, 'access ended');
    const roomRows = new Map((await db.rooms.bulkGet(manifest.rooms.map((r) => r.room))).filter((r): r is RoomRow => !!r).map((r) => [r.room, r]));
    // When access ends by itself (a consent's end) may move with a renewal; only changed rows are written.
    const untilMoved = manifest.rooms.filter((r) => {
      const local = roomRows.get(r.room);
      return local && (local.until ?? null) !== (r.until ?? null);
    });
    if (untilMoved.length > 0) await db.rooms.bulkUpdate(untilMoved.map((r) => ({ key: r.room, changes: { until: r.until ?? null } })));

    // Index rows for every family (names and access), even before its plan is
    // synced: one transaction, and pages re-read the index only when it changed.
    if ((await indexSummaries(db, families, format(new Date(), 'yyyy-MM-dd'))) > 0) this.indexVersion++;

    const todo = manifest.rooms.filter((r) => {
      if (this.#live.has(r.room)) return false;
      const local = roomRows.get(r.room);
      return !local || local.syncedSeq !== r.seq || local.pendingEdits > 0 || !local.lastSynced;
    });
    this.syncing = { done: 0, total: todo.length };
    const queue = [...todo];
    const worker = async () => {
      for (let next = queue.shift(); next && current(); next = queue.shift()) {
        await this.#syncRoom(db, me, next.room, next.access, next.seq, next.until ?? null, roomRows.get(next.room));
        if (this.syncing) this.syncing = { done: this.syncing.done + 1, total: this.syncing.total };
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (!current()) return;
    this.syncing = null;
    this.lastSync = new Date().toISOString();
    await this.#refreshCounts();
  }

  async #syncRoom(db: LocalDb, me: Me, room: string, access: 'read' | 'write', seq: number, until: string | null, local: RoomRow | undefined) {
    const ref = parseRoom(room);
    if (!ref || !navigator.onLine) return;
    const live = new LiveRoom(room, {
      deviceId: deviceId(),
      user: { id: me.id, name: me.name, sector: me.sector },
      hooks: this.#hooks,
      presence: false
    });
    this.#background.add(live);
    try {
      const settled = await Promise.race([
        live.whenSettled().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))
      ]);
      if (live.closed === 'access') return; // purged by the hook
      if (!settled || !this.#background.has(live)) return; // timed out, or stopped meanwhile
      await db.rooms.put({
        room,
        familyId: ref.familyId,
        part: ref.part,
        access,
        syncedSeq: Math.max(seq, local?.syncedSeq ?? 0),
        lastSynced: new Date().toISOString(),
        pendingEdits: 0,
        until
      });
      if (ref.part === 'plan') await this.#index(ref.familyId, live.doc);
    } finally {
      this.#background.delete(live);
      await live.destroy();
    }
  }

  async #flushOutboxes() {
    const db = this.db;
    if (!db) return;
    await this.#uploadOfflineOpenings(db);
    for (const row of await db.consentOutbox.where('state').equals('afventer').toArray()) {
      try {
        await api<Consent>(`/api/families/${row.familyId}/consents`, { method: 'POST', body: row.payload });
        await db.consentOutbox.delete(row.localId as number);
      } catch (err) {
        if (err instanceof ApiFailure && err.status !== 0) {
          await db.consentOutbox.update(row.localId as number, { state: 'afvist', error: err.message });
        }
      }
    }
    await this.#refreshCounts();
  }

  /**
   * Sends the openings made offline. The server takes a batch whole or not at
   * all and stores an opening once however often it is sent, so a batch is
   * deleted only after it was accepted. A batch it refuses (400: an opening
   * it will never accept, e.g. older than the lease) is sent again one by
   * one, so the others still arrive and only the refused ones are dropped;
   * no connection or too many for now (429): everything stays for the next sweep.
   */
  async #uploadOfflineOpenings(db: LocalDb) {
    const offline = await db.accessOutbox.toArray();
    const send = (rows: typeof offline) =>
      api('/api/access-log', { method: 'POST', body: { deviceId: deviceId(), entries: rows.map(({ at, room, action }) => ({ at, room, action })) } });
    const done = (rows: typeof offline) => db.accessOutbox.bulkDelete(rows.map((e) => e.localId as number));
    for (let i = 0; i < offline.length; i += ACCESS_UPLOAD_BATCH) {
      const batch = offline.slice(i, i + ACCESS_UPLOAD_BATCH);
      try {
        await send(batch);
        await done(batch);
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 400) return; // stays queued for the next sweep
        for (const row of batch) {
          try {
            await send([row]);
            await done([row]);
          } catch (one) {
            if (!(one instanceof ApiFailure) || one.status !== 400) return;
            console.warn(`the server refused an offline opening of ${row.room} at ${row.at}: ${one.message}`);
            await done([row]);
          }
        }
      }
    }
  }

  /**
   * Records a consent: straight to the server when online; otherwise it waits
   * in the outbox as "afventer" and widens nobody's access until accepted.
   */
  async submitConsent(familyId: string, input: Omit<ConsentInput, 'id'>): Promise<{ state: 'accepted'; consent: Consent } | { state: 'afventer' }> {
    const db = this.db;
    // The device names the consent, so an upload retried after a lost answer is not recorded twice.
    const payload: ConsentInput = { ...input, id: crypto.randomUUID() };
    if (navigator.onLine) {
      try {
        const consent = await api<Consent>(`/api/families/${familyId}/consents`, { method: 'POST', body: payload });
        void this.sweep();
        return { state: 'accepted', consent };
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 0) throw err;
      }
    }
    if (!db) throw new Error('no local store');
    await db.consentOutbox.add({ familyId, payload, createdAt: new Date().toISOString(), state: 'afventer', error: '' });
    await this.#refreshCounts();
    return { state: 'afventer' };
  }

  /** Consents of a family still waiting in this device's outbox. */
  async queuedConsents(familyId: string): Promise<ConsentOutboxRow[]> {
    return this.db ? this.db.consentOutbox.where('familyId').equals(familyId).toArray() : [];
  }

  /** Drops a queued consent the server refused (the person has seen why). */
  async discardQueuedConsent(localId: number) {
    await this.db?.consentOutbox.delete(localId);
    await this.#refreshCounts();
  }

  dismissPurged() {
    this.purgedFamilies = [];
  }
}

export const sync = new SyncManager();
