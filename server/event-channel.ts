// GET /api/events: one Server-Sent Events stream per open app (DESIGN §8,
// "access changes reach open devices at once"). It carries no content: an
// `access` event with an empty body when the user's access may have changed
// (the device then re-fetches /api/manifest and /api/families with its own
// session, which decide what it may see), a comment as heartbeat, and a final
// `session-ended` when the session ends. Streams per session are bounded.
import type { SessionUser } from './auth.ts';
import type { AccessEvents } from './access-events.ts';

export interface EventChannelLimits {
  /** open streams per session; one more is refused (HTTP 429) */
  maxStreamsPerSession: number;
  /** a comment this often keeps proxies and NATs from closing an idle stream */
  heartbeatMs: number;
  /** EventSource's reconnection delay after a dropped stream (its `retry` field) */
  retryMs: number;
}

export const DEFAULT_EVENT_LIMITS: EventChannelLimits = {
  maxStreamsPerSession: 8,
  heartbeatMs: 25_000,
  retryMs: 5_000
};

/**
 * Chunks a stream may have queued, unread, before it is ended: a client that
 * stopped reading (one heartbeat per 25 s) holds at most this much memory.
 */
const MAX_QUEUED_CHUNKS = 32;

export const EVENT_ACCESS = 'access';
export const EVENT_SESSION_ENDED = 'session-ended';

const encoder = new TextEncoder();
// An event is dispatched by EventSource only when it has a data line; this one is empty.
const frame = (event: string) => encoder.encode(`event: ${event}\ndata:\n\n`);
const ACCESS_FRAME = frame(EVENT_ACCESS);
const SESSION_ENDED_FRAME = frame(EVENT_SESSION_ENDED);
const HEARTBEAT_FRAME = encoder.encode(': heartbeat\n\n');

interface Stream {
  sessionHash: string;
  expiresAt: number;
  controller: ReadableStreamDefaultController<Uint8Array>;
  unsubscribe: () => void;
  ended: boolean;
}

export class EventChannel {
  readonly #events: AccessEvents;
  readonly #limits: EventChannelLimits;
  readonly #now: () => Date;
  readonly #bySession = new Map<string, Set<Stream>>();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(deps: { events: AccessEvents; limits: EventChannelLimits; now?: () => Date }) {
    this.#events = deps.events;
    this.#limits = deps.limits;
    this.#now = deps.now ?? (() => new Date());
    this.#heartbeat = setInterval(() => this.#beat(), deps.limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Open streams (tests and metrics). */
  get streamCount(): number {
    let n = 0;
    for (const set of this.#bySession.values()) n += set.size;
    return n;
  }

  /**
   * The streaming response for a signed-in session, or null when the session
   * already has its maximum of streams open. `signal` aborts when the client
   * goes away; a cancelled body does the same.
   */
  open(session: SessionUser, signal?: AbortSignal): Response | null {
    if (this.#closed) return null;
    const open = this.#bySession.get(session.sessionHash);
    if (open && open.size >= this.#limits.maxStreamsPerSession) return null;
    let stream!: Stream;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = {
          sessionHash: session.sessionHash,
          expiresAt: Date.parse(session.expiresAt),
          controller,
          unsubscribe: () => undefined,
          ended: false
        };
      },
      cancel: () => this.#drop(stream)
    }, new CountQueuingStrategy({ highWaterMark: 0 })); // desiredSize is then minus the chunks queued
    // The first chunk flushes the headers, so the client knows at once that it is subscribed.
    stream.controller.enqueue(encoder.encode(`retry: ${this.#limits.retryMs}\n: open\n\n`));
    stream.unsubscribe = this.#events.subscribe(session.user.id, () => this.#send(stream, ACCESS_FRAME));
    const set = open ?? new Set<Stream>();
    set.add(stream);
    this.#bySession.set(session.sessionHash, set);
    if (signal?.aborted) this.#drop(stream);
    else signal?.addEventListener('abort', () => this.#drop(stream), { once: true });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        // no-transform: a proxy must neither compress nor buffer the stream.
        'cache-control': 'no-store, no-transform',
        'x-accel-buffering': 'no'
      }
    });
  }

  /** Logout or a session otherwise ended: a final `session-ended`, then the stream closes. */
  endSession(sessionHash: string) {
    for (const stream of [...(this.#bySession.get(sessionHash) ?? [])]) this.#end(stream, SESSION_ENDED_FRAME);
  }

  close() {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const set of [...this.#bySession.values()]) for (const stream of [...set]) this.#end(stream, null);
  }

  #beat() {
    const now = this.#now().getTime();
    for (const set of [...this.#bySession.values()]) {
      for (const stream of [...set]) {
        if (stream.expiresAt <= now) this.#end(stream, SESSION_ENDED_FRAME);
        else this.#send(stream, HEARTBEAT_FRAME);
      }
    }
  }

  #send(stream: Stream, chunk: Uint8Array) {
    if (stream.ended) return;
    if (-(stream.controller.desiredSize ?? 0) >= MAX_QUEUED_CHUNKS) {
      // Not reading: end it rather than buffer without bound (EventSource reconnects if it is alive).
      this.#end(stream, null);
      return;
    }
    stream.controller.enqueue(chunk);
  }

  #end(stream: Stream, last: Uint8Array | null) {
    if (stream.ended) return;
    if (last) stream.controller.enqueue(last);
    stream.controller.close();
    this.#drop(stream);
  }

  /** Forget a stream; its body is closed or cancelled already (or is being closed by #end). */
  #drop(stream: Stream) {
    if (stream.ended) return;
    stream.ended = true;
    stream.unsubscribe();
    const set = this.#bySession.get(stream.sessionHash);
    set?.delete(stream);
    if (set?.size === 0) this.#bySession.delete(stream.sessionHash);
  }
}
