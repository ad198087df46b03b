// The relay: y-websocket protocol at /sync/<room>, one room per socket.
// It authorises before the upgrade and again on every message (from cached
// access that is recomputed whenever users, teams or consents change), commits
// every update to the store before forwarding it, and owns awareness identity.
// Message handling is a table keyed by the protocol's message type.
//
// Rate limit: two token buckets per session, one for messages and one for
// their bytes (so 200 frames of 4 MiB a second are not "200 messages"). A session over either rate is not
// disconnected but slowed down: the relay stops reading its sockets (TCP
// back-pressure) until the bucket has refilled a little, so a bulk paste
// arrives a little later and a hostile session gets no more than the rate.
// Only a session that stays over its rate for `rateLimitCloseAfterMs` is
// closed with 4429 (clients reconnect later; its bucket outlives the socket).
//
// Group commit: an accepted update is applied to the room's document at once
// but committed together with the other updates of the same event-loop turn
// (one transaction, one `appendUpdates`), and only then forwarded. While a
// commit is in flight, new updates collect into the next batch. Until its
// commit a document holds state the store does not, so everything that tells
// a client about a document's state (sync answers, state vectors, snapshots)
// waits until the room has nothing uncommitted (#settled).
//
// The store is asynchronous: a room loads in the background, and a socket's
// messages that arrive before the room is loaded and the socket greeted wait
// in its queue, in order. Access is cached per socket and recomputed (with a
// generation, so a slower older answer never overwrites a newer one) when
// users, teams or consents change.
//
// Several nodes (DESIGN §11): the relay holds one `Fanout` and never knows
// which. After the group commit each committed update is published with its
// room seq; a loaded room is subscribed, and what other nodes committed is
// applied through the room's `RoomSequencer` (in seq order, gaps filled from
// the store) with ORIGIN_RELAY_REMOTE, so it is forwarded to this node's
// sockets but never stored again. Awareness crosses nodes as stamped by the
// node whose socket sent it; a client id owned by a socket on one node is never
// taken over from another. Control messages (recheck, session end) arrive
// through the composition root (app.ts), which calls recheck() / endSession().
import type { AuditAction } from './audit-actions.ts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as decoding from 'lib0/decoding';
import type { Access } from '../src/lib/shared/access.ts';
import { parseRoom, type RoomRef } from '../src/lib/shared/rooms.ts';
import {
  CLOSE_ACCESS_ENDED,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_RATE_LIMITED,
  CLOSE_SESSION_ENDED,
  CLOSE_TOO_LARGE,
  awarenessMessage,
  encodeAwarenessEntries,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SAVED_ACK_PARAM,
  SAVED_ACK_VERSION,
  SAVED_ACK_WHOLE,
  savedMessage,
  SYNC_PATH_PREFIX,
  SYNC_STEP1,
  SYNC_STEP2,
  SYNC_UPDATE,
  syncStep1Message,
  syncStep2Message,
  updateMessage,
  type AwarenessEntry
} from '../src/lib/shared/protocol.ts';
import { ORIGIN_RELAY_LOAD, ORIGIN_RELAY_REMOTE } from '../src/lib/domain/origins.ts';
import type { AuditLog, RoomLog, UserRow } from './store/types.ts';
import type { AccessAsk } from './access-of.ts';
import { WriteRefused, type WriteRefusal } from './store/write-access.ts';
import { RoomSequencer, type Fanout, type RoomEvent } from './fanout/index.ts';
import { code, errorFields, id, silentLogger, type Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { TokenBucket } from './limits/token-bucket.ts';

export interface RelayLimits {
  maxMessageBytes: number;
  maxConnectionsPerSession: number;
  /** token bucket per session: sustained messages per second and burst; beyond it, reading pauses */
  messagesPerSecond: number;
  messageBurst: number;
  /**
   * token bucket per session for the bytes of its frames, beside the message
   * bucket: sustained bytes per second and burst (at least maxMessageBytes, or
   * a largest frame could never pass); beyond it, reading pauses as for messages
   */
  bytesPerSecond: number;
  byteBurst: number;
  /** a session over its rate for this long without a break is closed with 4429 */
  rateLimitCloseAfterMs: number;
  maxAwarenessStatesPerRoom: number;
  maxAwarenessStateBytes: number;
  maxClientIdsPerConnection: number;
  roomIdleUnloadMs: number;
  compactAfterUpdates: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxConnectionsPerSession: 64,
  messagesPerSecond: 200,
  messageBurst: 1000,
  bytesPerSecond: 1024 * 1024,
  byteBurst: 16 * 1024 * 1024,
  rateLimitCloseAfterMs: 30_000,
  maxAwarenessStatesPerRoom: 100,
  maxAwarenessStateBytes: 4096,
  maxClientIdsPerConnection: 4,
  roomIdleUnloadMs: 30_000,
  compactAfterUpdates: 500
};

export interface RelaySession {
  user: UserRow;
  sessionHash: string;
  expiresAt: string;
}

/** A loaded room as the relay holds it (Relay.loadedRoom). */
export interface LoadedRoom {
  doc: Y.Doc;
  /** every committed update with a seq up to this one is in the document */
  seq: number;
  /** the document may also hold committed updates past seq (this node's own, beyond a gap the fan-out has yet to fill) */
  pastSeq: boolean;
  /** when this node last applied a committed change to it, ms since the epoch; null if none since it loaded */
  changedAt: number | null;
}

export interface RelayDeps {
  store: RoomLog & AuditLog;
  limits: RelayLimits;
  /** Resolves the upgrade request's cookie to a session. */
  authenticate(req: IncomingMessage): Promise<RelaySession | null>;
  /** True when the request's Origin is the app's own. */
  originAllowed(req: IncomingMessage): boolean;
  /** The access rule for each user and room asked (in that order), with fresh facts read from the store in one go. */
  accessOf(asks: readonly AccessAsk[]): Promise<Access[]>;
  /** Called (after persisting) when a room's document changed; `at` is when its latest change arrived. */
  onRoomUpdated?(room: string, at: string): void;
  /** The fan-out to the other nodes (server/fanout): LocalFanout in one process. */
  fanout: Fanout;
  /** The session as the store holds it now: still there, not expired, its user active (a recheck after a Redis reconnect). */
  sessionLive(sessionHash: string): Promise<boolean>;
  metrics?: Metrics;
  log?: Logger;
  now?(): Date;
}

interface Conn {
  ws: WebSocket;
  room: Room;
  session: RelaySession;
  access: Access;
  /** the access recheck generation `access` was computed in */
  accessGen: number;
  deviceId: string | null;
  /** a device's background sync rather than a person opening the room on screen (audited as sync-*) */
  background: boolean;
  clientIds: Set<number>;
  /**
   * How the client asked to be acknowledged (protocol.ts MESSAGE_SAVED): the
   * entries of the Yjs clients it wrote for (`authored`), the room's whole
   * state vector, or (a client that did not ask) a sync step 1
   */
  ack: 'authored' | 'whole' | 'step1';
  /** the Yjs client ids of the updates this socket sent (acknowledged as 'authored'); null past MAX_AUTHORED_CLIENTS: the whole state vector then */
  authored: Set<number> | null;
  ackTimer: ReturnType<typeof setTimeout> | null;
  /** performance.now() of the last acknowledgement sent (at most one per ACK_INTERVAL_MS) */
  ackedAt: number;
  /** while reading is paused for the rate limit: frames received but not yet handled, in order */
  backlog: Frame[] | null;
  /** until the room is loaded and the socket greeted (or while the room reloads): messages to handle then, in order */
  queue: Uint8Array[] | null;
  greeted: boolean;
}

interface Frame {
  data: RawData;
  isBinary: boolean;
}

interface Room {
  name: string;
  ref: RoomRef;
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  conns: Set<Conn>;
  /** the document is loaded from the store and may take updates */
  ready: boolean;
  /** the (re)load under way, if any; resolves when it has ended, either way */
  loading: Promise<void> | null;
  /** unloaded or failed: no longer in the relay's map */
  dead: boolean;
  /** the highest committed seq the document holds */
  seq: number;
  /** when this node last applied a committed change (its sockets' at receipt, other nodes' on arrival), ms since the epoch; null since the load */
  changedAt: number | null;
  /** updates applied to the document and not yet committed */
  uncommitted: number;
  compacting: boolean;
  updatesSinceCompact: number;
  unloadTimer: ReturnType<typeof setTimeout> | null;
  /** applies what other nodes committed, in seq order; null until the room is loaded (and while it reloads) */
  sequencer: RoomSequencer | null;
  /** other nodes' updates and head notices that arrived while the room (re)loaded, handed to the new sequencer */
  early: RoomEvent[];
  /** resolves once the room's fan-out subscription is in place (before its first load reads the store) */
  subscribed: Promise<void>;
  /** awareness client ids owned by sockets on other nodes (id -> node id) */
  remoteClients: Map<number, string>;
}

/** Other nodes' events kept per room while it loads; beyond it the sequencer's gap fill reads them from the store. */
const MAX_EARLY_EVENTS = 1024;
/** A writer's acknowledgements ("gemt") come at most this often per socket. */
const ACK_INTERVAL_MS = 30;
/** Yjs client ids a socket's acknowledgements name one by one; a socket that wrote for more gets the whole state vector. */
const MAX_AUTHORED_CLIENTS = 16;
/** Users' rooms whose access facts one read of a recheck asks for (bounds one statement's size). */
const RECHECK_CHUNK = 500;

/** Applied to its room's document, not yet committed to the store. */
interface PendingUpdate {
  room: Room;
  author: Conn | null;
  /** the user a change the server made on someone's behalf is recorded under (author is null then) */
  authorId?: string;
  at: string;
  update: Uint8Array;
}

interface Bucket {
  tokens: TokenBucket;
  /** the session's byte budget (frames' payload bytes) */
  bytes: TokenBucket;
  /** sockets of the session whose reading is paused, in the order they ran dry */
  paused: Set<Conn>;
  resumeTimer: ReturnType<typeof setTimeout> | null;
  /** start of the current stretch over the rate */
  overSince: number | null;
  /** when the last paused socket was resumed */
  drainedAt: number | null;
}

type Handler = (conn: Conn, decoder: decoding.Decoder) => void | Promise<void>;

class ProtocolError extends Error {}

/** WebSocket 1011: the server met a condition it cannot handle (the store failed); clients reconnect. */
const CLOSE_INTERNAL_ERROR = 1011;

/** A socket of this node as a transaction / awareness origin (remote and load origins are strings). */
/** The origin of a change the server makes itself, on a user's behalf (Relay.change). */
class ServerChange {
  readonly userId: string;
  constructor(userId: string) {
    this.userId = userId;
  }
}

/** Whether a transaction changed the document: Yjs' own test before it emits 'update'. */
function changedDocument(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
}

function isConn(origin: unknown): origin is Conn {
  return typeof origin === 'object' && origin !== null && 'session' in origin;
}

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** True for an update that inserts and deletes nothing; throws (→ 4400) if it does not decode. */
function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}

export class Relay {
  readonly #deps: RelayDeps;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #rooms = new Map<string, Room>();
  readonly #bySession = new Map<string, Set<Conn>>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #handlers: Record<number, Handler>;
  readonly #sweep: ReturnType<typeof setInterval>;
  #pending: PendingUpdate[] = [];
  /**
   * The bytes being applied (a writer's update, or another node's): stored and
   * forwarded as they came, so the document never encodes a transaction again
   * (see #onTransaction). A writer's bytes as sent matter beyond the cost: a
   * re-encoding is written after garbage collection, so a write that lost a
   * concurrent write to the same field (integrated already deleted) would reach
   * the store without its value, and the history could not tell that the
   * author changed it.
   */
  #applying: Uint8Array | null = null;
  /** time of receipt of the pending batch: its updates arrived in one event-loop turn */
  #pendingAt: string | null = null;
  #flushScheduled: ReturnType<typeof setImmediate> | null = null;
  /** the commit in flight; it never rejects */
  #inflight: Promise<void> | null = null;
  readonly #compactions = new Set<Promise<void>>();
  /** generation of access rechecks: a newer recheck's answer wins over an older, slower one */
  #accessGen = 0;
  /** sessions ended lately (hash -> when), so a socket whose upgrade was under way is closed too */
  readonly #endedSessions = new Map<string, number>();
  #closed = false;

  constructor(deps: RelayDeps) {
    this.#deps = deps;
    this.#log = (deps.log ?? silentLogger).child({ component: code('relay'), nodeId: id(deps.fanout.nodeId) });
    // ws refuses an oversized frame from its header, before buffering it, and
    // closes with 1009; #connect maps that close to the contract's 4413.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.maxMessageBytes, perMessageDeflate: false });
    this.#handlers = {
      [MESSAGE_SYNC]: (c, d) => this.#onSync(c, d),
      [MESSAGE_AWARENESS]: (c, d) => this.#onAwareness(c, d),
      [MESSAGE_QUERY_AWARENESS]: (c) => this.#sendAwareness(c, [...c.room.awareness.getStates().keys()]),
      [MESSAGE_AUTH]: () => {
        /* clients never send auth messages; ignore */
      }
    };
    // Time-based ends (session expiry, consent expiry) are found by a slow sweep;
    // changes made through the API call recheck() at once.
    this.#sweep = setInterval(() => {
      this.recheck().catch((err) => this.#log.error('relay.sweep_failed', errorFields(err)));
      for (const hash of [...this.#buckets.keys()]) this.#dropBucketIfFull(hash);
      const old = Date.now() - 60_000;
      for (const [hash, at] of this.#endedSessions) if (at < old) this.#endedSessions.delete(hash);
    }, 15_000);
    this.#sweep.unref();
  }

  #now() {
    return this.#deps.now?.() ?? new Date();
  }

  get roomCount() {
    return this.#rooms.size;
  }

  get connectionCount() {
    let n = 0;
    for (const r of this.#rooms.values()) n += r.conns.size;
    return n;
  }

  /** For tests: the live doc of a loaded room, once everything it holds is committed. */
  async loadedDoc(name: string): Promise<Y.Doc | undefined> {
    return (await this.loadedRoom(name))?.doc;
  }

  /** For the summariser: a loaded room's document once everything it holds is committed, with the seq it holds and when it last changed. */
  async loadedRoom(name: string): Promise<LoadedRoom | undefined> {
    const room = this.#rooms.get(name);
    if (!room) return undefined;
    await this.#settled(room);
    return room.dead ? undefined : { doc: room.doc, seq: room.seq, pastSeq: (room.sequencer?.buffered ?? 0) > 0, changedAt: room.changedAt };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const reject = (status: number, text: string) => {
      if (socket.destroyed) return;
      // Ended, not destroyed at once: destroying with the answer still in flight can reset the
      // connection, and the client then sees ECONNRESET instead of the status and its reason.
      socket.once('finish', () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref(); // a client that never takes the answer
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
      );
    };
    // The store failing (PostgreSQL away) is the server's condition, not the client's: 503, and the process lives on.
    this.#upgrade(req, socket, head, reject).catch((err) => {
      this.#log.error('relay.upgrade_failed', errorFields(err));
      reject(503, 'Service Unavailable');
    });
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, reject: (status: number, text: string) => void) {
    if (this.#closed) return reject(503, 'Service Unavailable');
    // A request target that does not parse is the client's error: 400, never a throw
    // (an exception here would escape the server's 'upgrade' listener and end the process).
    const url = URL.parse(req.url ?? '/', 'http://relay.invalid');
    if (!url) return reject(400, 'Bad Request');
    if (!url.pathname.startsWith(SYNC_PATH_PREFIX)) return reject(404, 'Not Found');
    if (!this.#deps.originAllowed(req)) return reject(403, 'Forbidden');
    const session = await this.#deps.authenticate(req);
    if (socket.destroyed) return;
    if (!session) return reject(401, 'Unauthorized');
    // An upgrade costs the session a token like a message does: reconnecting in
    // a loop (each attempt audited) is held to the same rate as a flood.
    if (!this.#takeToken(session.sessionHash)) return reject(429, 'Too Many Requests');
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice(SYNC_PATH_PREFIX.length));
    } catch {
      return reject(400, 'Bad Request'); // malformed percent-encoding
    }
    const ref = parseRoom(name);
    if (!ref) return reject(400, 'Bad Request');
    const accessGen = this.#accessGen;
    const [access] = await this.#deps.accessOf([{ userId: session.user.id, room: ref }]);
    if (socket.destroyed || this.#closed) return reject(503, 'Service Unavailable');
    if (access === 'none') {
      this.#audit(session, name, 'open-refused', null);
      return reject(403, 'Forbidden');
    }
    const open = this.#bySession.get(session.sessionHash);
    if (open && open.size >= this.#deps.limits.maxConnectionsPerSession) return reject(429, 'Too Many Requests');
    const deviceId = (url.searchParams.get('device') ?? '').slice(0, 64) || null;
    // The client's own word; it only changes how the family's log words the
    // opening ("hentede en kopi" vs "åbnede"), never what the socket may do.
    const background = url.searchParams.get('sync') === '1';
    const asked = url.searchParams.get(SAVED_ACK_PARAM);
    const ack = asked === SAVED_ACK_VERSION ? 'authored' : asked === SAVED_ACK_WHOLE ? 'whole' : 'step1';
    this.#wss.handleUpgrade(req, socket, head, (ws) =>
      this.#connect(ws, session, name, ref, { access, accessGen }, { deviceId, background, ack })
    );
  }

  #connect(
    ws: WebSocket,
    session: RelaySession,
    name: string,
    ref: RoomRef,
    { access, accessGen }: { access: Exclude<Access, 'none'>; accessGen: number },
    { deviceId, background, ack }: { deviceId: string | null; background: boolean; ack: Conn['ack'] }
  ) {
    ws.binaryType = 'nodebuffer';
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) => close(code === 1009 ? CLOSE_TOO_LARGE : code, reason);
    const room = this.#room(name, ref);
    const conn: Conn = {
      ws,
      room,
      session,
      access,
      accessGen,
      deviceId,
      background,
      clientIds: new Set(),
      ack,
      authored: new Set(),
      ackTimer: null,
      ackedAt: -Infinity,
      backlog: null,
      queue: [],
      greeted: false
    };
    room.conns.add(conn);
    this.#deps.metrics?.openSockets.inc();
    if (room.unloadTimer) clearTimeout(room.unloadTimer);
    room.unloadTimer = null;
    let mine = this.#bySession.get(session.sessionHash);
    if (!mine) this.#bySession.set(session.sessionHash, (mine = new Set()));
    mine.add(conn);
    this.#audit(session, name, `${background ? 'sync' : 'open'}-${access}` as const, deviceId);

    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    ws.on('close', () => this.#disconnect(conn));
    ws.on('error', () => {
      /* the close event follows; nothing else to do */
    });

    // The session ended, or access changed, while the upgrade awaited the store.
    if (this.#endedSessions.has(session.sessionHash)) return this.#close(conn, CLOSE_SESSION_ENDED, 'session ended');
    if (this.#accessGen !== accessGen) void this.#recheckConns([conn], {});
    void this.#greet(conn);
  }

  /**
   * Greet with our state vector (sync step 1) and the room's awareness once the
   * room is loaded and holds nothing uncommitted; then handle what the client
   * sent meanwhile. The client answers the step 1 with what we lack: its
   * offline edits.
   */
  async #greet(conn: Conn) {
    const room = conn.room;
    await this.#settled(room);
    if (!room.conns.has(conn)) return;
    this.#send(conn, syncStep1Message(Y.encodeStateVector(room.doc)));
    const states = room.awareness.getStates();
    if (states.size > 0) this.#sendAwareness(conn, [...states.keys()]);
    conn.greeted = true;
    this.#drain(conn);
  }

  /** Handles the messages that waited for the room, in order (a reload starting meanwhile queues the rest again). */
  #drain(conn: Conn) {
    const queue = conn.queue;
    if (!queue || !conn.greeted || !conn.room.ready) return;
    conn.queue = null;
    for (const bytes of queue) this.#handle(conn, bytes);
  }

  #onMessage(conn: Conn, data: RawData, isBinary: boolean) {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // Reading is paused, but ws still hands over the frames it had already read: keep their order.
    if (conn.backlog) conn.backlog.push({ data, isBinary });
    else if (!this.#receive(conn, data, isBinary)) this.#pause(conn, { data, isBinary });
  }

  /** Handles one frame; false (and nothing done) when the session has no token left for it. */
  #receive(conn: Conn, data: RawData, isBinary: boolean): boolean {
    const bytes = rawToBytes(data);
    if (bytes.byteLength > this.#deps.limits.maxMessageBytes) {
      this.#close(conn, CLOSE_TOO_LARGE, 'message too large');
      return true;
    }
    if (!isBinary) {
      this.#close(conn, CLOSE_PROTOCOL_ERROR, 'binary frames only');
      return true;
    }
    if (!this.#takeToken(conn.session.sessionHash, bytes.byteLength)) return false;
    this.#handle(conn, bytes);
    return true;
  }

  #handle(conn: Conn, bytes: Uint8Array) {
    if (!conn.room.conns.has(conn)) return;
    if (conn.queue) {
      conn.queue.push(bytes);
      return;
    }
    // Authorise every message against the cached, event-maintained access.
    if (conn.access === 'none') return this.#close(conn, CLOSE_ACCESS_ENDED, 'access ended');
    try {
      const decoder = decoding.createDecoder(bytes);
      const type = decoding.readVarUint(decoder);
      const handler = this.#handlers[type];
      if (!handler) throw new ProtocolError(`unknown message type ${type}`);
      handler(conn, decoder)?.catch((err: unknown) => this.#protocolError(conn, err));
    } catch (err) {
      this.#protocolError(conn, err);
    }
  }

  #protocolError(conn: Conn, err: unknown) {
    this.#log.warn('relay.protocol_error', { room: id(conn.room.name), userId: id(conn.session.user.id), ...errorFields(err) });
    this.#audit(conn.session, conn.room.name, 'protocol-error', conn.deviceId, String((err as Error).message).slice(0, 200));
    this.#close(conn, CLOSE_PROTOCOL_ERROR, 'protocol error');
  }

  #onSync(conn: Conn, decoder: decoding.Decoder) {
    const room = conn.room;
    const subtype = decoding.readVarUint(decoder);
    if (subtype === SYNC_STEP1) {
      const sv = decoding.readVarUint8Array(decoder);
      return this.#answerStep1(conn, sv);
    }
    if (subtype !== SYNC_STEP2 && subtype !== SYNC_UPDATE) {
      throw new ProtocolError(`unknown sync message ${subtype}`);
    }
    const update = decoding.readVarUint8Array(decoder);
    if (conn.access !== 'write') {
      // A reader's sync step 2 carries an empty update when it has nothing the
      // relay lacks: that is the protocol, not an attempt to write, and the
      // family's log must not call it one.
      if (!isEmptyUpdate(update)) {
        this.#audit(conn.session, room.name, 'update-dropped', conn.deviceId, `${update.byteLength} bytes, access ${conn.access}`);
      }
      return;
    }
    // A writer's answer to a sync step 1 — the greeting, or a client without
    // MESSAGE_SAVED answering its acknowledgement (#scheduleAck) — is almost
    // always an update with no structs and no deletions: nothing to validate,
    // apply or store.
    if (update.byteLength === 2 && update[0] === 0 && update[1] === 0) return;
    // Structural validation before the update touches the document; its clients are the socket's to acknowledge.
    const { structs } = Y.decodeUpdate(update);
    if (conn.ack === 'authored' && conn.authored) {
      for (const s of structs) conn.authored.add(s.id.client);
      if (conn.authored.size > MAX_AUTHORED_CLIENTS) conn.authored = null;
    }
    try {
      this.#apply(room, update, conn);
    } catch (err) {
      // The document may hold part of a broken update: commit what it did
      // apply (as an unbatched relay did), then rebuild it from the store.
      void this.#load(room);
      throw err;
    }
  }

  /** Applies bytes to a room's document with #applying set, so that #onTransaction stores and forwards exactly them. */
  #apply(room: Room, data: Uint8Array, origin: unknown) {
    this.#applying = data;
    try {
      Y.applyUpdate(room.doc, data, origin);
    } finally {
      this.#applying = null;
    }
  }

  /** Sync step 2: what the client lacks, from a document that holds nothing uncommitted. */
  async #answerStep1(conn: Conn, sv: Uint8Array) {
    await this.#settled(conn.room);
    if (!conn.room.conns.has(conn)) return;
    this.#send(conn, syncStep2Message(Y.encodeStateAsUpdate(conn.room.doc, sv)));
  }

  /**
   * After a write, tell the writer what we hold, so it can show "gemt" (saved):
   * once everything applied is committed, the state of the Yjs clients it wrote
   * for (or the room's whole state vector, as it asked), at most once
   * per 30 ms per socket: at the commit itself when it left nothing of the room
   * uncommitted and the last one is 30 ms old, else when the 30 ms are up and
   * the room has settled. As MESSAGE_SAVED, which the client does not answer;
   * to a client that has not asked for it, as a sync step 1, which it answers
   * with a sync step 2 (usually empty).
   */
  #scheduleAck(conn: Conn, sv: () => Uint8Array) {
    if (conn.ackTimer) return;
    const wait = conn.ackedAt + ACK_INTERVAL_MS - performance.now();
    // Nothing uncommitted in the room and none sent lately: now, with the state vector the commit's other acks share.
    if (wait <= 0 && conn.room.ready && conn.room.uncommitted === 0) return this.#ack(conn, sv);
    conn.ackTimer = setTimeout(() => void this.#sendAck(conn), Math.max(wait, 0) || ACK_INTERVAL_MS);
  }

  async #sendAck(conn: Conn) {
    conn.ackTimer = null;
    await this.#settled(conn.room);
    if (!conn.room.conns.has(conn) || conn.ws.readyState !== WebSocket.OPEN) return;
    this.#ack(conn, () => Y.encodeStateVector(conn.room.doc));
  }

  /** `whole`: the room's state vector (encoded once per commit for all its writers). */
  #ack(conn: Conn, whole: () => Uint8Array) {
    conn.ackedAt = performance.now();
    if (conn.ack === 'step1') return this.#send(conn, syncStep1Message(whole()));
    const authored = conn.ack === 'authored' ? conn.authored : null;
    if (!authored) return this.#send(conn, savedMessage(whole()));
    const store = conn.room.doc.store;
    this.#send(conn, savedMessage(Y.encodeStateVector(new Map([...authored].map((client) => [client, Y.getState(store, client)])))));
  }

  /**
   * Awareness ownership: y-websocket clients echo every awareness change they
   * receive, other people's included. A socket therefore owns only the client
   * ids it was first to announce with a live (non-null) state; entries for ids
   * owned by another socket are echoes and are ignored, as are removals of ids
   * it does not own. Every accepted state carries the session's identity.
   */
  #onAwareness(conn: Conn, decoder: decoding.Decoder) {
    const limits = this.#deps.limits;
    const update = decoding.readVarUint8Array(decoder);
    const d = decoding.createDecoder(update);
    const count = decoding.readVarUint(d);
    if (count > limits.maxAwarenessStatesPerRoom * 2) throw new ProtocolError('too many awareness states');
    const states = conn.room.awareness.getStates();
    const accepted: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const json = decoding.readVarString(d);
      if (json.length > limits.maxAwarenessStateBytes) continue;
      let state: unknown = JSON.parse(json);
      if (!conn.clientIds.has(clientId)) {
        if (state === null) continue;
        // Owned by another socket here, or by a socket on another node (an echo of its state).
        const ownedElsewhere = conn.room.remoteClients.has(clientId) || [...conn.room.conns].some((c) => c !== conn && c.clientIds.has(clientId));
        if (ownedElsewhere || conn.clientIds.size >= limits.maxClientIdsPerConnection) continue;
        if (!states.has(clientId) && states.size >= limits.maxAwarenessStatesPerRoom) continue;
        conn.clientIds.add(clientId);
      }
      if (state !== null) {
        if (typeof state !== 'object' || Array.isArray(state)) continue;
        const u = conn.session.user;
        state = { ...(state as object), user: { id: u.id, name: u.name, sector: u.sector } };
      }
      accepted.push({ clientId, clock, json: JSON.stringify(state) });
    }
    if (accepted.length === 0) return;
    awarenessProtocol.applyAwarenessUpdate(conn.room.awareness, encodeAwarenessEntries(accepted), conn);
  }

  #sendAwareness(conn: Conn, clientIds: number[]) {
    if (clientIds.length === 0) return;
    this.#send(conn, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(conn.room.awareness, clientIds)));
  }

  /**
   * Awareness from another node: its states carry the identity that node
   * stamped from its own session (frames from other nodes are validated by the
   * fan-out; Redis is private, docs/security.md). A client id owned by a socket
   * on this node is never taken over; the room's limits apply as to a socket.
   */
  #onRemoteAwareness(room: Room, data: Uint8Array, nodeId: string) {
    const limits = this.#deps.limits;
    const states = room.awareness.getStates();
    const accepted: AwarenessEntry[] = [];
    try {
      const d = decoding.createDecoder(data);
      const count = decoding.readVarUint(d);
      if (count > limits.maxAwarenessStatesPerRoom * 2) throw new ProtocolError('too many awareness states');
      for (let i = 0; i < count; i++) {
        const clientId = decoding.readVarUint(d);
        const clock = decoding.readVarUint(d);
        const json = decoding.readVarString(d);
        if (json.length > limits.maxAwarenessStateBytes) continue;
        if ([...room.conns].some((c) => c.clientIds.has(clientId))) continue;
        const state: unknown = JSON.parse(json);
        if (state === null) {
          if (room.remoteClients.get(clientId) !== nodeId) continue;
        } else {
          if (typeof state !== 'object' || Array.isArray(state)) continue;
          if (!states.has(clientId) && states.size >= limits.maxAwarenessStatesPerRoom) continue;
          room.remoteClients.set(clientId, nodeId);
        }
        accepted.push({ clientId, clock, json });
      }
    } catch (err) {
      this.#deps.metrics?.fanoutRejected.inc({ reason: 'awareness' });
      this.#log.warn('relay.remote_awareness_rejected', { room: id(room.name), node: id(nodeId), ...errorFields(err) });
      return;
    }
    if (accepted.length > 0) awarenessProtocol.applyAwarenessUpdate(room.awareness, encodeAwarenessEntries(accepted), ORIGIN_RELAY_REMOTE);
  }

  /** What another node published on a loaded room. */
  #onRoomEvent(room: Room, event: RoomEvent) {
    if (room.dead) return;
    if (event.kind === 'awareness') {
      if (room.ready) this.#onRemoteAwareness(room, event.data, event.nodeId);
      return;
    }
    const sequencer = room.sequencer;
    if (!sequencer) {
      if (room.early.length < MAX_EARLY_EVENTS) room.early.push(event);
      return;
    }
    if (event.kind === 'update') sequencer.receive(event.seq, event.update);
    else sequencer.noteHead(event.seq);
  }

  /** After the room's document was (re)built from the store at `seq`: a sequencer that continues from there. */
  #startSequencer(room: Room, seq: number) {
    room.sequencer?.close();
    const sequencer = new RoomSequencer({
      room: room.name,
      lastApplied: seq,
      loadSince: (name, after) => this.#deps.store.loadSince(name, after),
      apply: (data, appliedSeq) => {
        this.#apply(room, data, ORIGIN_RELAY_REMOTE);
        room.seq = Math.max(room.seq, appliedSeq);
        room.changedAt = this.#now().getTime();
        this.#deps.metrics?.updates.inc({ source: 'remote' });
      },
      log: this.#log,
      onFill: (cause) => this.#deps.metrics?.sequencerFills.inc({ cause }),
      // A remote update that does not apply: rebuild the document from the store.
      onApplyError: () => void this.#load(room)
    });
    room.sequencer = sequencer;
    const early = room.early;
    room.early = [];
    for (const e of early) this.#onRoomEvent(room, e);
  }

  /** After the fan-out came back: read what every loaded room missed meanwhile from the store. */
  resyncRooms(): Promise<void> {
    return Promise.all([...this.#rooms.values()].map((room) => room.sequencer?.resync())).then(() => undefined);
  }

  /** The room, created (and loading in the background) if it is not in memory. */
  #room(name: string, ref: RoomRef): Room {
    const existing = this.#rooms.get(name);
    if (existing) return existing;
    const doc = new Y.Doc({ gc: true });
    const room: Room = {
      name,
      ref,
      doc,
      awareness: new awarenessProtocol.Awareness(doc),
      conns: new Set(),
      ready: false,
      loading: null,
      dead: false,
      seq: 0,
      changedAt: null,
      uncommitted: 0,
      compacting: false,
      updatesSinceCompact: 0,
      unloadTimer: null,
      sequencer: null,
      early: [],
      subscribed: Promise.resolve(),
      remoteClients: new Map()
    };
    this.#rooms.set(name, room);
    this.#deps.metrics?.roomsLoaded.set(this.#rooms.size);
    // Subscribed before the first load reads the store: whatever is committed
    // elsewhere after that read arrives through the fan-out.
    room.subscribed = this.#deps.fanout.subscribeRoom(name, (event) => this.#onRoomEvent(room, event));
    void this.#load(room);
    return room;
  }

  /**
   * (Re)builds the room's document from the store: after what it holds is
   * committed, a fresh document from the room's log. Meanwhile the room's
   * sockets queue their messages. If the store fails, the room's sockets are
   * closed (1011; clients reconnect) and the room is dropped.
   */
  #load(room: Room): Promise<void> {
    if (room.loading) return room.loading;
    room.ready = false;
    room.sequencer?.close();
    room.sequencer = null;
    for (const c of room.conns) c.queue ??= [];
    room.loading = (async () => {
      await room.subscribed;
      while (room.uncommitted > 0) await this.#flush();
      let updates: { seq: number; data: Uint8Array }[];
      try {
        updates = await this.#deps.store.loadUpdates(room.name);
      } catch (err) {
        room.loading = null;
        this.#roomFailed(room, err);
        return;
      }
      room.loading = null;
      if (room.dead) return;
      room.awareness.destroy();
      room.doc.destroy();
      room.doc = new Y.Doc({ gc: true });
      room.awareness = new awarenessProtocol.Awareness(room.doc);
      room.awareness.setLocalState(null); // the relay itself has no presence
      for (const c of room.conns) c.clientIds.clear();
      room.remoteClients.clear();
      if (updates.length > 0) {
        Y.transact(
          room.doc,
          () => {
            for (const u of updates) {
              // A stored update Yjs cannot replay (a hostile one that applied to the live
              // document without an error) costs its own content, never the room or the process.
              try {
                Y.applyUpdate(room.doc, u.data, ORIGIN_RELAY_LOAD);
              } catch (err) {
                this.#log.error('relay.stored_update_unreadable', { room: id(room.name), seq: u.seq, ...errorFields(err) });
              }
            }
          },
          ORIGIN_RELAY_LOAD
        );
      }
      room.seq = updates.at(-1)?.seq ?? 0;
      room.updatesSinceCompact = updates.length;
      this.#wire(room);
      this.#startSequencer(room, room.seq);
      room.ready = true;
      for (const c of [...room.conns]) this.#drain(c);
    })().catch((err: unknown) => {
      // Whatever else fails while the room is rebuilt: its sockets are closed (1011), the process lives on.
      room.loading = null;
      this.#roomFailed(room, err);
    });
    return room.loading;
  }

  #roomFailed(room: Room, err: unknown) {
    this.#log.error('relay.load_failed', { room: id(room.name), sockets: room.conns.size, ...errorFields(err) });
    room.dead = true;
    room.sequencer?.close();
    if (this.#rooms.get(room.name) === room) {
      this.#rooms.delete(room.name);
      this.#deps.fanout.unsubscribeRoom(room.name);
      this.#deps.metrics?.roomsLoaded.set(this.#rooms.size);
    }
    if (room.unloadTimer) clearTimeout(room.unloadTimer);
    for (const c of [...room.conns]) this.#close(c, CLOSE_INTERNAL_ERROR, 'store unavailable');
    room.awareness.destroy();
    room.doc.destroy();
  }

  /** Resolves once the room is loaded and its document holds nothing uncommitted (or the room is gone). */
  async #settled(room: Room): Promise<void> {
    while (!room.dead && (!room.ready || room.uncommitted > 0)) {
      if (!room.ready) await room.loading;
      else await this.#flush();
    }
  }

  #wire(room: Room) {
    room.doc.on('afterTransactionCleanup', (tr: Y.Transaction) => this.#onTransaction(room, tr));
    // Awareness goes to every socket, the sender's too: the echo is what keeps a
    // lone client's "no message received" watchdog from reconnecting.
    room.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      for (const clientId of removed) room.remoteClients.delete(clientId);
      const payload = awarenessProtocol.encodeAwarenessUpdate(room.awareness, changed);
      const msg = awarenessMessage(payload);
      for (const c of room.conns) this.#send(c, msg);
      // Only what this node's own sockets said goes to the other nodes; each node times out stale states itself.
      if (isConn(origin)) this.#deps.fanout.publishAwareness(room.name, payload);
    });
  }

  /**
   * Every transaction on a room's document, once Yjs has integrated it, where
   * its 'update' event would come. No 'update' listener stays on the document:
   * Yjs would encode every transaction for it (≈ 5 µs for a typical edit,
   * ≈ 360 µs for 128 KiB), and the bytes are at hand (#applying). A change the
   * server makes itself brings its own encoding (change()). What changed
   * nothing (a duplicate, or an update still waiting for what it builds on) is
   * neither stored nor forwarded, as Yjs would not have emitted it.
   */
  #onTransaction(room: Room, tr: Y.Transaction) {
    const origin = tr.origin;
    if (origin === ORIGIN_RELAY_LOAD || origin instanceof ServerChange || !changedDocument(tr)) return;
    const data = this.#applying;
    if (!data) {
      // Nothing else writes to a room's document; should something, the store must not miss it: rebuild from the store.
      this.#log.error('relay.unencoded_change', { room: id(room.name) });
      void this.#load(room);
      return;
    }
    if (origin === ORIGIN_RELAY_REMOTE) {
      // Committed on another node already: forwarded, never stored again.
      const msg = updateMessage(data);
      for (const c of room.conns) this.#send(c, msg);
      return;
    }
    this.#queue(room, isConn(origin) ? origin : null, data);
  }

  /** An update for the group commit: committed (and only then forwarded) by #flush. */
  #queue(room: Room, author: Conn | null, update: Uint8Array, authorId?: string) {
    // Time of receipt: the batch's updates arrived in one event-loop turn.
    this.#pendingAt ??= this.#now().toISOString();
    this.#pending.push({ room, author, at: this.#pendingAt, update, ...(authorId ? { authorId } : {}) });
    room.uncommitted++;
    this.#flushScheduled ??= setImmediate(() => {
      this.#flushScheduled = null;
      void this.#flush();
    });
  }

  /**
   * Group commit: commits every pending update in one `appendUpdates` (after
   * the commit in flight, if any) and resolves when that commit has ended.
   */
  async #flush(): Promise<void> {
    if (this.#flushScheduled) clearImmediate(this.#flushScheduled);
    this.#flushScheduled = null;
    while (this.#inflight) await this.#inflight;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingAt = null;
    this.#inflight = this.#commit(batch);
    try {
      await this.#inflight;
    } finally {
      this.#inflight = null;
    }
    // What arrived during the commit is the next batch: commit it now.
    if (this.#pending.length > 0) void this.#flush();
  }

  /**
   * One batch: stored, then forwarded in the order its updates were applied.
   * Persistence before broadcast: if the commit fails, nothing of the batch
   * is forwarded. Never rejects.
   */
  async #commit(batch: PendingUpdate[]): Promise<void> {
    let seqs: number[];
    const started = performance.now();
    try {
      seqs = await this.#deps.store.appendUpdates(
        batch.map((p) => ({
          room: p.room.name,
          author: p.author?.session.user.id ?? p.authorId ?? 'system',
          at: p.at,
          data: p.update,
          ...(p.author ? { writer: p.author.session.sessionHash } : {})
        }))
      );
    } catch (err) {
      if (err instanceof WriteRefused) return this.#writeRefused(batch, err.refused);
      this.#commitFailed(batch, err);
      return;
    }
    this.#deps.metrics?.commitSeconds.observe((performance.now() - started) / 1000);
    this.#deps.metrics?.updates.inc({ source: 'local' }, batch.length);
    const touched = new Map<Room, string>();
    // One state vector per room for the writers acknowledged now (encoded on first use, after the batch is applied).
    const svs = new Map<Room, Uint8Array>();
    const pendingAcks: Conn[] = [];
    const svOf = (room: Room) => () => {
      let sv = svs.get(room);
      if (!sv) svs.set(room, (sv = Y.encodeStateVector(room.doc)));
      return sv;
    };
    batch.forEach(({ room, author, at, update }, i) => {
      room.uncommitted--;
      room.updatesSinceCompact++;
      touched.set(room, at);
      // Committed: now (and only now) it goes to this node's sockets and to the other nodes.
      this.#deps.fanout.publishUpdate({ room: room.name, seq: seqs[i], update, author: author?.session.user.id ?? batch[i].authorId ?? 'system' });
      if (room.sequencer) {
        room.sequencer.markApplied(seqs[i]);
        room.seq = room.sequencer.lastApplied;
      } else room.seq = Math.max(room.seq, seqs[i]);
      const msg = updateMessage(update);
      for (const c of room.conns) if (c !== author) this.#send(c, msg);
      // Only an update that changed something is acknowledged; an empty reply to a
      // sync step 1 must not start another round.
      if (author && room.conns.has(author)) pendingAcks.push(author);
    });
    // After the whole batch: a room's state vector then holds every update of it that was committed.
    for (const author of pendingAcks) if (author.room.conns.has(author)) this.#scheduleAck(author, svOf(author.room));
    for (const [room, at] of touched) {
      room.changedAt = Date.parse(at);
      if (room.updatesSinceCompact >= this.#deps.limits.compactAfterUpdates) this.#compact(room);
      this.#deps.onRoomUpdated?.(room.name, at);
    }
  }

  /**
   * The store refused the batch: the rooms' documents hold updates that were
   * neither stored nor forwarded. Updates of those rooms still waiting for
   * their commit built on them: they are dropped too. Rebuild the documents
   * from the store and close the writers' sockets; their providers reconnect
   * and send the edits again (they still hold them), so nothing is lost.
   */
  #commitFailed(batch: PendingUpdate[], err: unknown) {
    this.#log.error('relay.commit_failed', { updates: batch.length, ...errorFields(err) });
    const rooms = new Set(batch.map((p) => p.room));
    const later = this.#pending.filter((p) => rooms.has(p.room));
    this.#pending = this.#pending.filter((p) => !rooms.has(p.room));
    for (const p of [...batch, ...later]) p.room.uncommitted--;
    for (const room of rooms) if (!room.dead) void this.#load(room);
    for (const p of [...batch, ...later]) if (p.author) this.#close(p.author, CLOSE_INTERNAL_ERROR, 'store unavailable');
  }

  /**
   * The store's append transaction found writers whose session or access had
   * ended (a logout, withdrawal or team change that committed while their
   * updates were on the way, maybe on another node): nothing of the batch was
   * stored. The refused writers' sockets close at once (4401 / 4403, as the
   * recheck would); the rooms whose documents hold a refused update are rebuilt
   * from the store, and the other writers of those rooms reconnect (1011) and
   * send their edits again. Everything else is committed again, without them.
   */
  #writeRefused(batch: PendingUpdate[], refused: ReadonlyMap<string, WriteRefusal>): Promise<void> {
    const isRefused = (p: PendingUpdate) => p.author !== null && refused.has(p.author.session.sessionHash);
    const tainted = new Set(batch.filter(isRefused).map((p) => p.room));
    const dropped = [...batch, ...this.#pending].filter((p) => tainted.has(p.room));
    this.#pending = this.#pending.filter((p) => !tainted.has(p.room));
    this.#log.warn('relay.write_refused', { sessions: refused.size, rooms: tainted.size, updates: dropped.length });
    for (const p of dropped) p.room.uncommitted--;
    for (const room of tainted) if (!room.dead) void this.#load(room);
    const closed = new Set<Conn>();
    for (const p of dropped) {
      if (!p.author || closed.has(p.author)) continue;
      closed.add(p.author);
      const why = refused.get(p.author.session.sessionHash);
      if (why === undefined) {
        this.#close(p.author, CLOSE_INTERNAL_ERROR, 'reload');
        continue;
      }
      this.#audit(p.author.session, p.room.name, 'update-refused', p.author.deviceId, why);
      if (why === 'session-ended') this.#close(p.author, CLOSE_SESSION_ENDED, 'session ended');
      else this.#close(p.author, CLOSE_ACCESS_ENDED, 'access ended');
    }
    // The same sessions' other sockets learn it now too, not at the next access event.
    for (const [hash, why] of refused) {
      if (why === 'session-ended') this.endSession(hash);
      else {
        const userId = [...(this.#bySession.get(hash) ?? [])][0]?.session.user.id;
        if (userId) void this.recheck({ userId }).catch((err) => this.#log.error('relay.recheck_failed', errorFields(err)));
      }
    }
    const rest = batch.filter((p) => !tainted.has(p.room));
    return rest.length > 0 ? this.#commit(rest) : Promise.resolve();
  }

  /**
   * Replaces the room's log up to what its document holds by one snapshot.
   * The snapshot is taken when the document holds nothing uncommitted, so it
   * holds the log up to `room.seq` — with several nodes, the sequencer's mark:
   * every seq up to it is in the document (an own commit past a gap may be
   * too; the rows after the snapshot re-apply idempotently).
   */
  #compact(room: Room): Promise<void> {
    if (room.compacting || room.dead) return Promise.resolve();
    room.compacting = true;
    const run = (async () => {
      try {
        await this.#settled(room);
        if (room.dead) return;
        const seq = room.seq;
        const snapshot = Y.encodeStateAsUpdate(room.doc);
        room.updatesSinceCompact = 1;
        await this.#deps.store.compact(room.name, seq, snapshot, this.#now().toISOString());
      } catch (err) {
        // The log stays as it was (compaction is one transaction); the next compaction tries again.
        this.#log.error('relay.compact_failed', { room: id(room.name), ...errorFields(err) });
      } finally {
        room.compacting = false;
      }
    })();
    this.#compactions.add(run);
    void run.finally(() => this.#compactions.delete(run));
    return run;
  }

  #send(conn: Conn, msg: Uint8Array) {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // A reader that stops draining would make us buffer its messages without
    // bound. Cut it off (a close frame could not reach it); on reconnect it
    // re-syncs from its state vector, so it loses nothing.
    if (conn.ws.bufferedAmount > 4 * this.#deps.limits.maxMessageBytes) {
      conn.ws.terminate();
      return;
    }
    // No callback: a failed write destroys the socket, and ws reports that as a close.
    conn.ws.send(msg);
  }

  #close(conn: Conn, code: number, reason: string) {
    // A paused socket would not read the client's closing frame, and the client
    // would learn of the close (4403, 4401 …) only when ws gives up after 30 s.
    if (conn.backlog) conn.ws.resume();
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) conn.ws.close(code, reason);
    this.#disconnect(conn);
  }

  #disconnect(conn: Conn) {
    const room = conn.room;
    if (!room.conns.delete(conn)) return;
    this.#deps.metrics?.openSockets.dec();
    if (conn.ackTimer) clearTimeout(conn.ackTimer);
    conn.backlog = null;
    conn.queue = null;
    const hash = conn.session.sessionHash;
    const bucket = this.#buckets.get(hash);
    bucket?.paused.delete(conn);
    const mine = this.#bySession.get(hash);
    mine?.delete(conn);
    if (mine && mine.size === 0) {
      this.#bySession.delete(hash);
      // A bucket outlives the session's last socket until it has refilled:
      // closing and reopening a socket must not buy a fresh burst.
      this.#dropBucketIfFull(hash);
    }
    if (conn.clientIds.size > 0) awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.clientIds], conn);
    if (room.conns.size === 0 && !this.#closed) {
      room.unloadTimer = setTimeout(() => void this.#unload(room), this.#deps.limits.roomIdleUnloadMs);
      room.unloadTimer.unref();
    }
  }

  async #unload(room: Room) {
    const idle = () => room.conns.size === 0 && this.#rooms.get(room.name) === room;
    if (!idle()) return;
    await this.#settled(room);
    if (room.ready && room.updatesSinceCompact > 1) await this.#compact(room);
    // A socket may have opened the room while it was being compacted: then it stays.
    if (!idle() || room.uncommitted > 0) return;
    this.#rooms.delete(room.name);
    this.#deps.metrics?.roomsLoaded.set(this.#rooms.size);
    this.#deps.fanout.unsubscribeRoom(room.name);
    room.sequencer?.close();
    room.dead = true;
    room.awareness.destroy();
    room.doc.destroy();
  }

  #bucket(sessionHash: string): Bucket {
    let b = this.#buckets.get(sessionHash);
    if (!b) {
      const { messagesPerSecond, messageBurst, bytesPerSecond, byteBurst, maxMessageBytes } = this.#deps.limits;
      b = {
        tokens: new TokenBucket(messagesPerSecond, messageBurst),
        bytes: new TokenBucket(bytesPerSecond, Math.max(byteBurst, maxMessageBytes)),
        paused: new Set(),
        resumeTimer: null,
        overSince: null,
        drainedAt: null
      };
      this.#buckets.set(sessionHash, b);
    }
    return b;
  }

  /** One message (and its bytes) from the session's budgets, or nothing when either is short. */
  #takeToken(sessionHash: string, byteLength = 0): boolean {
    const b = this.#bucket(sessionHash);
    if (!b.tokens.take()) return false;
    if (b.bytes.takeMany(byteLength)) return true;
    b.tokens.refund(1);
    return false;
  }

  #dropBucketIfFull(sessionHash: string) {
    if (this.#bySession.has(sessionHash) || !this.#buckets.has(sessionHash)) return;
    const b = this.#bucket(sessionHash);
    if (!b.tokens.full() || !b.bytes.full()) return;
    if (b.resumeTimer) clearTimeout(b.resumeTimer);
    this.#buckets.delete(sessionHash);
  }

  /**
   * The session is out of tokens: stop reading this socket (its client's
   * writes back up in TCP) and hold the frame until tokens are back. A session
   * that has been over its rate without a break (no second of normal reading)
   * for rateLimitCloseAfterMs is closed with 4429 instead.
   */
  #pause(conn: Conn, frame: Frame) {
    const { rateLimitCloseAfterMs } = this.#deps.limits;
    const b = this.#bucket(conn.session.sessionHash);
    const now = Date.now();
    if (b.overSince === null || (b.paused.size === 0 && b.drainedAt !== null && now - b.drainedAt > 1000)) b.overSince = now;
    if (now - b.overSince >= rateLimitCloseAfterMs) return this.#close(conn, CLOSE_RATE_LIMITED, 'rate limit');
    conn.backlog = [frame];
    conn.ws.pause();
    b.paused.add(conn);
    b.resumeTimer ??= setTimeout(() => this.#resume(conn.session.sessionHash), this.#resumeDelayMs);
  }

  /** Resume once a twentieth of a second's tokens are back (at 200/s: every 50 ms, 10 frames). */
  get #resumeDelayMs() {
    return Math.ceil(1000 / Math.min(20, this.#deps.limits.messagesPerSecond));
  }

  /** Tokens are back: handle held frames in order, socket by socket, and resume the sockets that caught up. */
  #resume(sessionHash: string) {
    const b = this.#bucket(sessionHash);
    b.resumeTimer = null;
    for (const conn of b.paused) {
      const backlog = conn.backlog ?? [];
      let i = 0;
      while (i < backlog.length && conn.backlog && this.#receive(conn, backlog[i].data, backlog[i].isBinary)) i++;
      if (!conn.backlog) continue; // closed while handling its frames
      if (i < backlog.length) {
        conn.backlog = backlog.slice(i);
        break; // out of tokens again
      }
      conn.backlog = null;
      b.paused.delete(conn);
      conn.ws.resume();
    }
    if (b.paused.size > 0) {
      b.resumeTimer = setTimeout(() => this.#resume(sessionHash), this.#resumeDelayMs);
    } else {
      b.drainedAt = Date.now();
      this.#dropBucketIfFull(sessionHash);
    }
  }

  #audit(session: RelaySession, room: string, action: AuditAction, deviceId: string | null, detail: string | null = null) {
    const ref = parseRoom(room);
    const entry = { at: this.#now().toISOString(), userId: session.user.id, familyId: ref?.familyId ?? null, room, action, detail, deviceId };
    // The relay does not wait for its audit rows; a failure is logged loudly (the row is lost, the edit is not).
    this.#deps.store.audit(entry).catch((err) => this.#log.error('relay.audit_failed', { room: id(room), action: code(action), ...errorFields(err) }));
  }

  /**
   * Recompute access of open connections (all, or one user's / one family's)
   * after users, teams or consents changed, or time passed. Lost access closes
   * the socket with 4403 (and `reason`, e.g. "consent withdrawn", so the
   * device can say why); an ended session with 4401; write→read downgrades.
   * Resolves when every affected socket has its new access.
   */
  async recheck(filter: { userId?: string; familyId?: string; reason?: string } = {}) {
    const conns: Conn[] = [];
    for (const room of this.#rooms.values()) {
      if (filter.familyId && room.ref.familyId !== filter.familyId) continue;
      for (const conn of room.conns) if (!filter.userId || conn.session.user.id === filter.userId) conns.push(conn);
    }
    await this.#recheckConns(conns, filter);
  }

  /**
   * Every open socket against the store (after the fan-out came back: a
   * logout or revocation published meanwhile may have been missed): its
   * session must still be there and live, and its access must hold. Fail
   * closed: a question the store cannot answer closes the socket (1011).
   */
  async recheckAll(reason = 'recheck'): Promise<void> {
    const conns = [...this.#rooms.values()].flatMap((room) => [...room.conns]);
    await this.#recheckConns(conns, { sessions: true });
    this.#log.info('relay.rechecked', { sockets: conns.length, reason: code(reason) });
  }

  async #recheckConns(conns: Conn[], { reason, sessions = false }: { reason?: string; sessions?: boolean }) {
    const gen = ++this.#accessGen;
    const now = this.#now().getTime();
    // One question per session, however many sockets it has open.
    const live = new Map<string, Promise<boolean>>();
    const sessionHolds = async (conn: Conn): Promise<boolean> => {
      if (Date.parse(conn.session.expiresAt) <= now) {
        this.#close(conn, CLOSE_SESSION_ENDED, 'session ended');
        return false;
      }
      if (!sessions) return true;
      const hash = conn.session.sessionHash;
      let question = live.get(hash);
      if (!question) live.set(hash, (question = this.#deps.sessionLive(hash)));
      let alive: boolean;
      try {
        alive = await question;
      } catch (err) {
        this.#log.error('relay.recheck_failed', errorFields(err));
        this.#close(conn, CLOSE_INTERNAL_ERROR, 'store unavailable');
        return false;
      }
      if (!alive) {
        this.#endedSessions.set(hash, Date.now());
        this.#close(conn, CLOSE_SESSION_ENDED, 'session ended');
      }
      return alive;
    };
    const held = (await Promise.all(conns.map(async (conn) => ((await sessionHolds(conn)) ? conn : null)))).filter((c): c is Conn => c !== null);
    // One question per user and room, however many sockets they have open on it;
    // the facts for all of them read together, a bounded number of rooms at a time.
    const asks = new Map<string, AccessAsk>();
    for (const conn of held) asks.set(`${conn.session.user.id} ${conn.room.name}`, { userId: conn.session.user.id, room: conn.room.ref });
    const keys = [...asks.keys()];
    const answers = new Map<string, Access>();
    try {
      for (let i = 0; i < keys.length; i += RECHECK_CHUNK) {
        const chunk = keys.slice(i, i + RECHECK_CHUNK);
        const access = await this.#deps.accessOf(chunk.map((k) => asks.get(k) as AccessAsk));
        chunk.forEach((k, j) => answers.set(k, access[j]));
      }
    } catch (err) {
      // Fail closed: without an answer a socket cannot keep its access; the client reconnects and is asked again.
      this.#log.error('relay.recheck_failed', errorFields(err));
      for (const conn of held) if (conn.room.conns.has(conn) && conn.accessGen <= gen) this.#close(conn, CLOSE_INTERNAL_ERROR, 'store unavailable');
      return;
    }
    for (const conn of held) {
      if (!conn.room.conns.has(conn) || conn.accessGen > gen) continue;
      conn.accessGen = gen;
      const access = answers.get(`${conn.session.user.id} ${conn.room.name}`) ?? 'none';
      if (access === 'none') {
        this.#audit(conn.session, conn.room.name, 'access-ended', conn.deviceId, reason ?? null);
        this.#close(conn, CLOSE_ACCESS_ENDED, reason ?? 'access ended');
      } else {
        conn.access = access;
      }
    }
  }

  /**
   * A change the server makes to a room itself, on `userId`'s behalf (a case
   * closed or moved to another team writes the plan's meta): applied to the
   * room's document like a socket's update, committed with its author before
   * it is forwarded; resolves once committed. An idle room unloads again.
   */
  async change(name: string, userId: string, fn: (doc: Y.Doc) => void): Promise<void> {
    const ref = parseRoom(name);
    if (!ref) throw new Error(`not a room: ${name}`);
    const room = this.#room(name, ref);
    await this.#settled(room);
    if (room.dead) throw new Error(`room ${name} could not be loaded`);
    // The one transaction the relay encodes through Yjs: its 'update' event, listened to for this change only.
    const origin = new ServerChange(userId);
    const onUpdate = (update: Uint8Array, o: unknown) => {
      if (o === origin) this.#queue(room, null, update, userId);
    };
    room.doc.on('update', onUpdate);
    try {
      Y.transact(room.doc, () => fn(room.doc), origin);
    } finally {
      room.doc.off('update', onUpdate);
    }
    await this.#settled(room);
    if (room.conns.size === 0 && !this.#closed && !room.unloadTimer) {
      room.unloadTimer = setTimeout(() => void this.#unload(room), this.#deps.limits.roomIdleUnloadMs);
      room.unloadTimer.unref();
    }
  }

  /** Close every socket of a session (logout): 4401. */
  endSession(sessionHash: string) {
    this.#endedSessions.set(sessionHash, Date.now());
    for (const conn of [...(this.#bySession.get(sessionHash) ?? [])]) this.#close(conn, CLOSE_SESSION_ENDED, 'session ended');
  }

  async close() {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const b of this.#buckets.values()) if (b.resumeTimer) clearTimeout(b.resumeTimer);
    while (this.#pending.length > 0 || this.#inflight) await this.#flush();
    for (const room of this.#rooms.values()) {
      for (const conn of [...room.conns]) this.#close(conn, 1001, 'server shutting down');
      if (room.unloadTimer) clearTimeout(room.unloadTimer);
    }
    while (this.#pending.length > 0 || this.#inflight) await this.#flush();
    for (const room of this.#rooms.values()) if (room.ready && room.updatesSinceCompact > 1) void this.#compact(room);
    while (this.#compactions.size > 0) await Promise.all([...this.#compactions]);
    for (const room of this.#rooms.values()) {
      room.dead = true;
      room.sequencer?.close();
      this.#deps.fanout.unsubscribeRoom(room.name);
      room.awareness.destroy();
      room.doc.destroy();
    }
    this.#rooms.clear();
    this.#deps.metrics?.roomsLoaded.set(0);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
