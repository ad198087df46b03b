// One open room on this device: the Y.Doc persisted in IndexedDB, sealed
// under the device's data key (storage/sealed-persistence.ts),
// and synced through the relay (WebsocketProvider). It knows whether the
// server holds every local change: the relay acknowledges accepted writes with
// its state vector once they are committed (RelayState), which is compared
// with the local one.
import { EditBursts } from './edit-bursts.ts';
import * as Y from 'yjs';
import { TabProvider } from './tab-provider.ts';
import { SealedPersistence } from '../storage/sealed-persistence.ts';
import { CLOSE_ACCESS_ENDED, CLOSE_SESSION_ENDED, closeIsTransient } from '../shared/protocol.ts';
import type { Sector } from '../shared/rooms.ts';
import { RELAY_ACK_PARAMS, RelayState } from './relay-state.ts';
import { pendingLogout } from './api.ts';

export type RoomStatus = 'connecting' | 'online' | 'offline';

export interface Peer {
  clientId: number;
  userId: string;
  name: string;
  sector: Sector | null;
  field: string | null;
}

/** How long a first connection attempt may show "Forbinder …" before the room says offline. */
const CONNECT_GRACE_MS = 3000;
/** How long a device's own close waits for a close the relay has begun (see settleClose). */
const SETTLE_CLOSE_MS = 1000;

export interface LiveRoomHooks {
  /** A local edit happened; `count` edits are now unconfirmed in this room. */
  onLocalEdits?(room: string, count: number): void;
  /** The server holds every local change (count back to 0). */
  onSaved?(room: string): void;
  /** The socket is connected: the relay is reachable. */
  onConnected?(room: string): void;
  /**
   * The relay ended access (4403), the session (4401), refused the socket for good (4400, 4413), or the room is not the
   * user's to open. `closeReason`: the relay's words for it ("consent withdrawn", "grant ended", …), '' when it gave none.
   */
  onClosed?(room: string, reason: ClosedReason, closeReason?: string): void;
}

/** `denied`: a connection failed and the server confirmed the user may not open the room (an HTTP 403 on upgrade looks like any failed connection). */
export type ClosedReason = 'access' | 'session' | 'refused' | 'denied';

export class LiveRoom {
  readonly doc: Y.Doc;
  readonly provider: TabProvider;
  readonly idb: SealedPersistence;
  status = $state<RoomStatus>('connecting');
  loadedLocal = $state(false);
  synced = $state(false);
  pending = $state(false);
  closed = $state<null | ClosedReason>(null);
  /** why access ended: the relay's close reason ("consent withdrawn"), or the device's own ("consent expired", "lease expired") */
  closedReason = $state('');
  peers = $state<Peer[]>([]);
  readonly #relay: RelayState;
  /** local changes the relay does not hold yet, as a person counts them (edit-bursts.ts) */
  readonly #localEdits = new EditBursts();
  /** onSaved was reported since this room opened */
  #savedOnce = false;
  #hooks: LiveRoomHooks;
  #settledWaiters: (() => void)[] = [];
  #destroyed: Promise<void> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #verify: (() => Promise<boolean | null>) | null;
  /** the local copy is loaded (or could not be): the socket may open */
  #localSettled = false;
  /** the current connection attempt opened */
  #opened = false;
  /** the server was asked since the last successful connection */
  #verified = false;
  /** reconnecting waits for that answer */
  #verifying = false;

  readonly room: string;

  constructor(
    room: string,
    opts: {
      deviceId: string;
      user: { id: string; name: string; sector: Sector | null };
      hooks?: LiveRoomHooks;
      presence?: boolean;
      /** asks the server whether this user may open the room (true/false), null when it cannot tell */
      verify?: () => Promise<boolean | null>;
      /** an empty Y.Doc the screen already holds (a view of it is on screen before the room opens) */
      doc?: Y.Doc;
    }
  ) {
    this.room = room;
    this.doc = opts.doc ?? new Y.Doc();
    this.#hooks = opts.hooks ?? {};
    this.#verify = opts.verify ?? null;
    this.idb = new SealedPersistence(room, this.doc);
    void this.idb.whenSynced.then(() => {
      this.loadedLocal = true;
      this.#recompute();
    });
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.provider = new TabProvider(`${proto}//${location.host}/sync`, room, this.doc, {
      // `sync=1` tells the relay's audit this is a background copy, not a person opening the room;
      // RELAY_ACK_PARAMS asks for acknowledgements this client need not answer.
      params: { ...RELAY_ACK_PARAMS, device: opts.deviceId, ...(opts.presence === false ? { sync: '1' } : {}) },
      // Not yet: see #connectWhenLoaded.
      connect: false,
      // A background sync must not carry this tab's presence (or anything else) over BroadcastChannel.
      disableBc: opts.presence === false,
      // y-websocket gives up on every 44xx close; the relay's rate limit and
      // connection cap mean "later", so those reconnect with backoff.
      shouldReconnect: (event: CloseEvent) => closeIsTransient(event.code) && !this.#pauseToVerify()
    });
    void this.idb.whenSynced.then(this.#connectWhenLoaded, this.#connectWhenLoaded);
    if (!navigator.onLine) this.status = 'offline';
    // A dropped network can leave a socket half-open for a long time; the
    // browser's own offline/online events are the faster signal.
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
    // Before the 'status' listener below: it forgets the relay's state on a disconnect first.
    this.#relay = new RelayState(this.provider, () => this.#recompute());
    // "Forbinder" only for a first attempt that has not yet failed or taken long:
    // a device whose browser claims to be online but cannot reach the relay (a
    // captive portal, a dead access point) must say "offline", not spin.
    this.#connectTimer = setTimeout(() => {
      if (this.status === 'connecting') this.status = 'offline';
    }, CONNECT_GRACE_MS);
    this.provider.on('status', ({ status }) => {
      if (status === 'connected') {
        this.#opened = true;
        this.#verified = false;
        this.status = 'online';
        this.#hooks.onConnected?.(this.room);
      } else if (status === 'connecting') {
        // y-websocket reports 'disconnected' before it decides whether to retry, so only a new attempt resets this.
        this.#opened = false;
        if (this.status !== 'offline') this.status = 'connecting';
      } else {
        this.status = 'offline';
      }
      this.#recompute();
    });
    this.provider.on('sync', (synced: boolean) => {
      this.synced = synced;
      this.#recompute();
    });
    this.provider.on('closed', ({ code, reason }: { code: number; reason: string }) => {
      if (this.#verifying) return; // paused, not closed: see #pauseToVerify
      this.closedReason = reason;
      if (code === CLOSE_ACCESS_ENDED) this.closed = 'access';
      else if (code === CLOSE_SESSION_ENDED) this.closed = 'session';
      else this.closed = 'refused'; // too large or malformed: retrying would fail the same way
      this.status = 'offline';
      this.#hooks.onClosed?.(this.room, this.closed, reason);
    });
    this.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      // Updates loaded from IndexedDB or received from the relay are not new local edits.
      if (origin === this.provider || origin === this.idb) return;
      this.pending = true;
      if (this.#localEdits.edit()) this.#hooks.onLocalEdits?.(this.room, this.#localEdits.count);
      if (this.#relay.known) this.#recompute();
    });
    const awareness = this.provider.awareness;
    if (opts.presence === false) {
      // A background sync is not a person in the plan.
      awareness.setLocalState(null);
      return;
    }
    awareness.setLocalStateField('user', opts.user);
    awareness.setLocalStateField('field', null);
    awareness.on('change', () => {
      const peers: Peer[] = [];
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === this.doc.clientID) continue;
        const u = (state as { user?: { id?: string; name?: string; sector?: Sector | null } }).user;
        if (!u?.id) continue;
        peers.push({
          clientId,
          userId: u.id,
          name: u.name ?? '',
          sector: u.sector ?? null,
          field: typeof state.field === 'string' ? state.field : null
        });
      }
      this.peers = peers;
    });
  }

  /**
   * A socket that failed without ever opening may have been refused (the
   * browser reports an HTTP 403 on upgrade as a plain failed connection).
   * Before the first retry of such a streak, reconnecting pauses while the
   * server is asked: a room the user may not open ends as `denied`, with one
   * refused attempt instead of a retry loop; otherwise (or when the server
   * cannot tell) the socket carries on with its usual backoff.
   */
  #pauseToVerify(): boolean {
    const verify = this.#verify;
    if (!verify || this.#opened || this.#verified) return false;
    this.#verified = true;
    this.#verifying = true;
    void verify()
      .catch((err: unknown) => {
        console.error(`access check for ${this.room} failed`, err);
        return null;
      })
      .then((may) => {
        this.#verifying = false;
        if (this.#destroyed || this.closed) return;
        if (may === false) {
          this.closed = 'denied';
          this.status = 'offline';
          this.#hooks.onClosed?.(this.room, 'denied');
        } else if (navigator.onLine) {
          this.provider.connect();
        }
      });
    return true;
  }

  /**
   * The socket opens once the local copy is loaded (or failed to load). Opened
   * earlier, its sync step 1 would carry the empty document's state vector, so
   * the relay would send the whole document, and the load would then send the
   * whole document back to the relay (and to the other tabs) as one update.
   */
  #connectWhenLoaded = () => {
    this.#localSettled = true;
    // A socket carries the session cookie: none after a logout the server has not confirmed.
    if (this.#destroyed || this.closed || pendingLogout()) return;
    if (navigator.onLine) this.provider.connect();
    else this.#keepTabs();
  };

  /**
   * Without a network the socket closes, but the room's other tabs on this
   * device stay in step: the BroadcastChannel between them (disconnect() ends
   * both) is opened again, or for a room opened offline opened at all, once
   * the local copy is loaded (for the reason #connectWhenLoaded gives).
   */
  #keepTabs() {
    if (this.#destroyed || this.closed || !this.#localSettled) return;
    this.provider.connectBc();
  }

  #onOffline = () => {
    this.provider.disconnect();
    this.status = 'offline';
    this.#keepTabs();
  };

  #onOnline = () => {
    if (this.closed || pendingLogout() || !this.#localSettled) return;
    this.provider.connect();
  };

  /** Tell others which field this person is editing (presence per field). */
  focus(field: string | null) {
    this.provider.awareness.setLocalStateField('field', field);
  }

  #recompute() {
    if (!this.#relay.known || !this.loadedLocal) {
      // Offline, or before the first exchange: pending stays as local edits left it.
      return;
    }
    this.pending = !this.#relay.holds(this.doc);
    if (!this.pending && this.synced) {
      // Also the first time: edits of an earlier session (made offline before
      // a reload, or kept through a lease lock) are on the server now too.
      if (this.#localEdits.count > 0 || !this.#savedOnce) {
        this.#localEdits.reset();
        this.#savedOnce = true;
        this.#hooks.onSaved?.(this.room);
      }
      for (const w of this.#settledWaiters.splice(0)) w();
    }
  }

  /** Resolves once the local copy is loaded, synced with the relay, and nothing local is unsent. */
  whenSettled(): Promise<void> {
    return new Promise((resolve) => {
      this.#settledWaiters.push(resolve);
      this.#recompute();
    });
  }

  /** The device itself ended access (a consent's end passed, the lease ran out): the screen says so. */
  markEnded(reason: string) {
    if (this.closed) return;
    this.closedReason = reason;
    this.closed = 'access';
    this.status = 'offline';
  }

  /**
   * The relay's closing frame has arrived (the socket is closing) but its
   * close event has not: waits for it, briefly, so that the screen says why
   * the relay closed the room rather than the device's "access ended".
   */
  settleClose(): Promise<void> {
    const ws = this.provider.ws;
    if (this.closed || !ws || ws.readyState !== WebSocket.CLOSING) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.provider.off('connection-close', done);
        resolve(); // after this close's 'closed' event: y-websocket emits that last, in the same turn
      };
      const timer = setTimeout(done, SETTLE_CLOSE_MS);
      this.provider.on('connection-close', done);
    });
  }

  /** Resolves once the IndexedDB connection is closed (so the database can be deleted). */
  destroy(): Promise<void> {
    if (this.#destroyed) return this.#destroyed;
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    this.provider.destroy();
    this.#destroyed = this.idb.destroy();
    this.doc.destroy();
    return this.#destroyed;
  }
}
