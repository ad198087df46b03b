// Fan-out between relay nodes over Redis pub/sub (node-redis 6). Two
// connections: one publishes, a duplicate subscribes (a subscribed connection
// cannot publish). Per room a channel `fp:room:<room>` with binary frames
// (frame.ts), one `fp:control` channel for every node.
//
// Failure model (DESIGN §11): pub/sub is at-most-once. While Redis is
// unreachable, publishes fail fast (no offline queue that could grow without
// bound or replay stale awareness); the rooms whose updates could not be
// published are remembered and, once the publisher is back, announced with a
// `head` frame so the other nodes read them from the store. When the subscriber
// comes back, node-redis has resubscribed its channels before it reports
// ready; then this node's reconnect handlers run: the relay re-reads every
// loaded room from the store and re-checks every open socket (fail closed).
// Nothing here throws into the Redis client's event loop or the caller's.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createClient } from 'redis';
import { code, errorFields, id, silentLogger, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import {
  CONTROL_CHANNEL,
  NODE_ID_PATTERN,
  ROOM_CHANNEL_PREFIX,
  controlToSend,
  decodeControl,
  decodeRoomFrame,
  encodeAwarenessFrame,
  encodeControl,
  encodeHeadFrame,
  encodeUpdateFrame,
  ownFrameTest,
} from './frame.ts';
import { Listeners } from './listeners.ts';
import type { CommittedUpdate, ControlHandler, ControlMessage, ControlOrigin, Fanout, RoomHandler } from './types.ts';

type Client = ReturnType<typeof createClient>;
type FanoutMetrics = Pick<Metrics, 'redisReconnects' | 'fanoutConnected' | 'fanoutPublishFailed' | 'fanoutRejected' | 'fanoutLagSeconds'>;

export interface RedisFanoutOptions {
  url: string;
  nodeId: string;
  /** Largest room frame accepted from another node; the relay's max message size plus header room. */
  maxFrameBytes: number;
  /**
   * FANOUT_SECRET: every message carries an HMAC-SHA256 over its channel and
   * body under this shared secret, and one without a valid tag is refused, so a
   * client that can reach Redis but not the secret cannot inject anything.
   */
  secret?: string | null;
  /**
   * Channels are `fp:<namespace>:room:<room>` and `fp:<namespace>:control`:
   * only nodes of one deployment (one store) meet; without it `fp:room:…`.
   */
  namespace?: string;
  /** Cap of the reconnect backoff (ms); attempts start at 50 ms and double up to it. */
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  /** Rooms remembered for a `head` notice while publishing fails; beyond it the oldest are forgotten. */
  maxUnpublishedRooms?: number;
  /** Control messages kept for a retry while publishing fails; beyond it the oldest are dropped (logged as an error). */
  maxPendingControl?: number;
  log?: Logger;
  metrics?: FanoutMetrics;
  now?: () => number;
}

const DEFAULT_RECONNECT_MAX_MS = 2000;
const DEFAULT_MAX_UNPUBLISHED_ROOMS = 10_000;
const DEFAULT_MAX_PENDING_CONTROL = 10_000;
/** How long a room's first load waits for its subscription to be confirmed. */
const SUBSCRIBE_WAIT_MS = 1000;
const TAG_BYTES = 32;
const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** Exponential backoff with jitter, capped; never gives up (a node without Redis serves its own sockets and keeps trying). */
export function reconnectDelay(retries: number, maxMs: number): number {
  const base = Math.min(50 * 2 ** Math.min(retries, 20), maxMs);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export class RedisFanout implements Fanout {
  readonly kind = 'redis';
  readonly nodeId: string;
  readonly #o: RedisFanoutOptions & { now: () => number };
  readonly #log: Logger;
  readonly #pub: Client;
  readonly #sub: Client;
  readonly #rooms = new Map<string, RoomHandler>();
  readonly #control: Listeners<[ControlMessage, ControlOrigin]>;
  readonly #reconnect: Listeners<[]>;
  readonly #disconnect: Listeners<[]>;
  /** Highest seq per room that could not be published; announced as `head` once publishing works again. */
  readonly #unpublished = new Map<string, number>();
  /**
   * Control messages that could not be published, in order. Unlike updates they are not in
   * the store, and a node whose own connection never dropped has no reason to re-check its
   * sockets: a revocation lost here would leave sockets open on other nodes.
   */
  #pendingControl: string[] = [];
  /** Channel names: `fp:` or, with a namespace, `fp:<namespace>:` (deployments sharing one Redis never meet). */
  readonly #roomPrefix: string;
  readonly #controlChannel: string;
  /** whether a room frame is one this node published (Redis hands those back too) */
  readonly #isOwn: (frame: Uint8Array) => boolean;
  #subReadyOnce = false;
  #subConnected = false;
  #pubLost = false;
  #closed = false;

  private constructor(opts: RedisFanoutOptions) {
    if (!NODE_ID_PATTERN.test(opts.nodeId)) throw new Error(`NODE_ID must match ${NODE_ID_PATTERN}, got "${opts.nodeId}"`);
    this.nodeId = opts.nodeId;
    this.#isOwn = ownFrameTest(opts.nodeId);
    if (opts.namespace !== undefined && !NAMESPACE_PATTERN.test(opts.namespace)) throw new Error(`fan-out namespace must match ${NAMESPACE_PATTERN}`);
    this.#roomPrefix = opts.namespace ? `fp:${opts.namespace}:room:` : ROOM_CHANNEL_PREFIX;
    this.#controlChannel = opts.namespace ? `fp:${opts.namespace}:control` : CONTROL_CHANNEL;
    this.#o = { now: Date.now, ...opts };
    this.#log = (opts.log ?? silentLogger).child({ component: code('fanout'), nodeId: id(opts.nodeId) });
    this.#control = new Listeners(this.#log, 'control');
    this.#reconnect = new Listeners(this.#log, 'reconnect');
    this.#disconnect = new Listeners(this.#log, 'disconnect');
    const maxMs = opts.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS;
    this.#pub = createClient({
      url: opts.url,
      name: `fp-pub-${opts.nodeId}`,
      disableOfflineQueue: true,
      socket: { connectTimeout: opts.connectTimeoutMs ?? 5000, reconnectStrategy: (retries) => reconnectDelay(retries, maxMs) }
    });
    this.#sub = this.#pub.duplicate({ name: `fp-sub-${opts.nodeId}`, disableOfflineQueue: false });
    this.#watch(this.#pub, 'publisher');
    this.#watch(this.#sub, 'subscriber');
    this.#pub.on('ready', () => this.#onPublisherReady());
    this.#sub.on('ready', () => this.#onSubscriberReady());
  }

  /** Connects both connections and subscribes to the control channel; resolves when ready (it keeps retrying while Redis is down). */
  static async connect(opts: RedisFanoutOptions): Promise<RedisFanout> {
    const f = new RedisFanout(opts);
    try {
      await Promise.all([f.#pub.connect(), f.#sub.connect()]);
      await f.#sub.subscribe(f.#controlChannel, f.#onControlMessage, true);
    } catch (err) {
      await f.close();
      throw err;
    }
    return f;
  }

  get connected(): boolean {
    return this.#subConnected && this.#sub.isReady;
  }

  publishUpdate(u: CommittedUpdate): void {
    if (this.#closed) return;
    const frame = encodeUpdateFrame(this.nodeId, u, this.#o.now());
    this.#publish(this.#roomChannel(u.room), frame, 'update', () => this.#rememberUnpublished(u.room, u.seq));
  }

  publishAwareness(room: string, data: Uint8Array): void {
    if (this.#closed) return;
    // Presence lost in an outage is not worth replaying: the next awareness update (≤ 30 s) replaces it.
    this.#publish(this.#roomChannel(room), encodeAwarenessFrame(this.nodeId, room, data, this.#o.now()), 'awareness');
  }

  subscribeRoom(room: string, handler: RoomHandler): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const had = this.#rooms.has(room);
    this.#rooms.set(room, handler);
    if (had) return Promise.resolve();
    const subscribing = this.#subscribe(room);
    // While Redis is away a room must still load: the subscription completes on
    // reconnect, and the reconnect resync reads what was missed.
    if (!this.#sub.isReady) return Promise.resolve();
    return Promise.race([subscribing, new Promise<void>((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref())]);
  }

  unsubscribeRoom(room: string): void {
    if (this.#closed || !this.#rooms.delete(room)) return;
    this.#sub.unsubscribe(this.#roomChannel(room), this.#onRoomMessage, true).catch((err: unknown) => {
      this.#log.warn('fanout.unsubscribe_failed', { room: id(room), ...errorFields(err) });
    });
  }

  publishControl(msg: ControlMessage): void {
    if (this.#closed) return;
    const checked = controlToSend(msg, this.#log);
    if (!checked) return;
    // This node acts at once, whether or not Redis is reachable.
    this.#control.emit(checked, { nodeId: this.nodeId, local: true });
    this.#publishControlFrame(encodeControl(this.nodeId, checked));
  }

  #publishControlFrame(frame: string) {
    // Behind ones still waiting, so the other nodes see control messages in order.
    if (this.#pendingControl.length > 0) this.#keepControl(frame);
    else this.#publish(this.#controlChannel, frame, 'control', () => this.#keepControl(frame));
  }

  #keepControl(frame: string) {
    this.#pendingControl.push(frame);
    const max = this.#o.maxPendingControl ?? DEFAULT_MAX_PENDING_CONTROL;
    if (this.#pendingControl.length > max) {
      this.#pendingControl.shift();
      this.#log.error('fanout.control_overflow', { pending: this.#pendingControl.length });
    }
  }

  onControl(handler: ControlHandler): () => void {
    return this.#control.add(handler);
  }

  onReconnect(handler: () => void): () => void {
    return this.#reconnect.add(handler);
  }

  onDisconnect(handler: () => void): () => void {
    return this.#disconnect.add(handler);
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('fan-out closed');
    await this.#pub.ping();
    if (!this.#sub.isReady) throw new Error('Redis subscriber not ready');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rooms.clear();
    this.#control.clear();
    this.#reconnect.clear();
    this.#disconnect.clear();
    for (const c of [this.#pub, this.#sub]) {
      // A connected client drains its queue; one still retrying is cut off.
      if (c.isReady) {
        await c.close().catch((err: unknown) => {
          this.#log.warn('fanout.close_failed', errorFields(err));
          c.destroy();
        });
      } else c.destroy();
    }
  }

  /** HMAC-SHA256 over channel, a zero byte and body. */
  #tag(channel: string, body: Buffer): Buffer {
    return createHmac('sha256', this.#o.secret as string).update(channel).update(Buffer.from([0])).update(body).digest();
  }

  /** The body of a received message whose tag is valid (or the message itself without a secret); null when refused. */
  #verified(channel: string, message: Buffer): Buffer | null {
    if (!this.#o.secret) return message;
    if (message.byteLength < TAG_BYTES) return null;
    const body = message.subarray(0, message.byteLength - TAG_BYTES);
    return timingSafeEqual(this.#tag(channel, body), message.subarray(message.byteLength - TAG_BYTES)) ? body : null;
  }

  #refuseUnsigned(channel: string, bytes: number) {
    this.#o.metrics?.fanoutRejected.inc({ reason: 'signature' });
    this.#log.warn('fanout.signature_rejected', { channel: id(channel.startsWith(this.#roomPrefix) ? 'room' : 'control'), bytes });
  }

  #publish(channel: string, message: Uint8Array | string, kind: 'update' | 'awareness' | 'control', onFail?: () => void) {
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    const payload = this.#o.secret ? Buffer.concat([body, this.#tag(channel, body)]) : body;
    this.#pub.publish(channel, payload).catch((err: unknown) => {
      if (this.#closed) return;
      this.#pubLost = true;
      this.#o.metrics?.fanoutPublishFailed.inc({ kind });
      this.#log.warn('fanout.publish_failed', { kind: code(kind), ...errorFields(err) });
      onFail?.();
    });
  }

  #rememberUnpublished(room: string, seq: number) {
    const prev = this.#unpublished.get(room) ?? 0;
    this.#unpublished.delete(room);
    this.#unpublished.set(room, Math.max(prev, seq));
    const max = this.#o.maxUnpublishedRooms ?? DEFAULT_MAX_UNPUBLISHED_ROOMS;
    if (this.#unpublished.size > max) {
      // The other nodes still catch up after their own reconnect or at the room's next update.
      const oldest = this.#unpublished.keys().next().value;
      if (oldest !== undefined) this.#unpublished.delete(oldest);
      this.#log.warn('fanout.unpublished_overflow', { rooms: this.#unpublished.size });
    }
  }

  #roomChannel(room: string): string {
    return this.#roomPrefix + room;
  }

  #subscribe(room: string): Promise<void> {
    // One listener function for every room channel: node-redis keeps listeners in a Set, so a
    // subscription issued twice (a retry after a reconnect) still delivers each message once.
    return this.#sub.subscribe(this.#roomChannel(room), this.#onRoomMessage, true).catch((err: unknown) => {
      // The subscription is retried when the subscriber is ready again (#onSubscriberReady).
      this.#log.warn('fanout.subscribe_failed', { room: id(room), ...errorFields(err) });
    });
  }

  #watch(client: Client, role: 'publisher' | 'subscriber') {
    // node-redis emits 'error' on every failed attempt while it retries; without a listener
    // an EventEmitter 'error' would end the process.
    client.on('error', (err: unknown) => {
      if (this.#closed) return;
      this.#log.warn('fanout.redis_error', { role: code(role), ...errorFields(err) });
      this.#lost(role);
    });
    client.on('reconnecting', () => {
      if (!this.#closed) this.#lost(role);
    });
  }

  #lost(role: 'publisher' | 'subscriber') {
    if (role === 'publisher') {
      this.#pubLost = true;
      return;
    }
    if (!this.#subConnected) return;
    this.#subConnected = false;
    this.#o.metrics?.fanoutConnected.set(0);
    this.#log.warn('fanout.disconnected', { rooms: this.#rooms.size });
    this.#disconnect.emit();
  }

  #onPublisherReady() {
    if (this.#closed || !this.#pubLost) return;
    this.#pubLost = false;
    const control = this.#pendingControl;
    this.#pendingControl = [];
    for (const frame of control) this.#publishControlFrame(frame);
    if (control.length) this.#log.info('fanout.control_resent', { messages: control.length });
    const heads = [...this.#unpublished];
    this.#unpublished.clear();
    for (const [room, seq] of heads) {
      this.#publish(this.#roomChannel(room), encodeHeadFrame(this.nodeId, room, seq, this.#o.now()), 'update', () => this.#rememberUnpublished(room, seq));
    }
    if (heads.length) this.#log.info('fanout.heads_announced', { rooms: heads.length });
  }

  #onSubscriberReady() {
    if (this.#closed) return;
    const first = !this.#subReadyOnce;
    this.#subReadyOnce = true;
    this.#subConnected = true;
    this.#o.metrics?.fanoutConnected.set(1);
    if (first) return;
    void this.#afterReconnect();
  }

  async #afterReconnect() {
    // node-redis resubscribed every channel whose SUBSCRIBE had been confirmed; one that was in
    // flight when the connection dropped was rejected, so it is issued again (the Set of
    // listeners keeps this idempotent).
    const active = this.#sub.getPubSubListeners('CHANNELS');
    const missing = [...this.#rooms.keys()].filter((room) => !active.has(this.#roomChannel(room)));
    const resubscribes = missing.map((room) => this.#sub.subscribe(this.#roomChannel(room), this.#onRoomMessage, true));
    if (!active.has(this.#controlChannel)) resubscribes.push(this.#sub.subscribe(this.#controlChannel, this.#onControlMessage, true));
    const failed = (await Promise.allSettled(resubscribes)).filter((r) => r.status === 'rejected').length;
    if (this.#closed) return;
    if (failed) {
      // Lost again while resubscribing: the next 'ready' runs this again.
      this.#log.warn('fanout.resubscribe_failed', { channels: failed });
      return;
    }
    this.#o.metrics?.redisReconnects.inc();
    this.#log.info('fanout.reconnected', { rooms: this.#rooms.size, resubscribed: missing.length });
    this.#reconnect.emit();
  }

  readonly #onRoomMessage = (message: Buffer, channel: Buffer): void => {
    if (this.#closed) return;
    const name = channel.toString('latin1');
    if (!name.startsWith(this.#roomPrefix)) return;
    const room = name.slice(this.#roomPrefix.length);
    const handler = this.#rooms.get(room);
    if (!handler || this.#isOwn(message)) return;
    const body = this.#verified(name, message);
    if (!body) return this.#refuseUnsigned(name, message.byteLength);
    const decoded = decodeRoomFrame(body, room, { maxFrameBytes: this.#o.maxFrameBytes });
    if (!decoded.ok) {
      this.#o.metrics?.fanoutRejected.inc({ reason: decoded.reason });
      this.#log.warn('fanout.frame_rejected', { room: id(room), reason: code(decoded.reason), bytes: message.byteLength });
      return;
    }
    const event = decoded.value;
    if (event.nodeId === this.nodeId) return;
    if (event.kind === 'update') this.#o.metrics?.fanoutLagSeconds.observe(Math.max(0, this.#o.now() - event.publishedAt) / 1000);
    try {
      handler(event);
    } catch (err) {
      this.#log.error('fanout.handler_failed', { handler: code('room'), room: id(room), ...errorFields(err) });
    }
  };

  readonly #onControlMessage = (message: Buffer): void => {
    if (this.#closed) return;
    const body = this.#verified(this.#controlChannel, message);
    if (!body) return this.#refuseUnsigned(this.#controlChannel, message.byteLength);
    const decoded = decodeControl(body.toString('utf8'));
    if (!decoded.ok) {
      this.#o.metrics?.fanoutRejected.inc({ reason: `control_${decoded.reason}` });
      this.#log.warn('fanout.control_rejected', { reason: code(decoded.reason), bytes: message.byteLength });
      return;
    }
    if (decoded.value.nodeId === this.nodeId) return;
    this.#control.emit(decoded.value.msg, { nodeId: decoded.value.nodeId, local: false });
  };
}
