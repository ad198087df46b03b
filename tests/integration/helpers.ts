// Integration harness (STYLE habit 8): a real app on port 0 with a fresh
// DATA_DIR and the demo seed, real y-websocket WebsocketProviders and raw `ws`
// clients that carry the session cookie and Origin, and one teardown. No
// socket mocks. Client helpers take a base URL, so they also work against a
// relay running in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { type RawData } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import * as awarenessProtocol from 'y-protocols/awareness';
import { createApp, type App } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { listen, type Running } from '../../server/http.ts';
import type { RelayLimits } from '../../server/relay.ts';
import { openStore } from '../../server/store/index.ts';
import type { AuditLog, RoomLog, Store } from '../../server/store/types.ts';
import { dropSchema, testSchemaFor } from '../../server/store/testing.ts';
import type { EventChannelLimits } from '../../server/event-channel.ts';
import * as protocol from '../../src/lib/shared/protocol.ts';
import { MESSAGE_SAVED, MESSAGE_SYNC, SYNC_PATH_PREFIX, closeIsTransient, encodeAwarenessEntries } from '../../src/lib/shared/protocol.ts';
import { RELAY_ACK_PARAMS, RelayState } from '../../src/lib/sync/relay-state.ts';
import { loginCookie } from '../support/server-access.ts';

// ---- HTTP ----------------------------------------------------------------------

export interface ApiResult<T = any> {
  status: number;
  json: T;
  headers: Headers;
}

export async function api<T = any>(
  url: string,
  path: string,
  opts: { cookie?: string; method?: string; body?: unknown } = {}
): Promise<ApiResult<T>> {
  const res = await fetch(url + path, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', origin: url, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body)
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Logs in (a new session every call) and returns the `session=<token>` cookie pair. */
export const login = loginCookie;

/**
 * A client of GET /api/events that keeps the raw text and parses it as
 * EventSource does: `events` in order of arrival, `comments` (heartbeats).
 */
export class EventStream {
  readonly status: number;
  readonly headers: Headers;
  /** the error body of a refused request */
  readonly json: any;
  text = '';
  readonly events: string[] = [];
  readonly comments: string[] = [];
  /** set once the server ended the stream */
  ended = false;
  readonly #abort: AbortController;
  #pending = '';
  readonly #listeners: ((event: string) => void)[] = [];

  private constructor(res: Response, json: unknown, abort: AbortController) {
    this.status = res.status;
    this.headers = res.headers;
    this.json = json;
    this.#abort = abort;
  }

  /** Resolves once the response's headers and (when 200) its first chunk have arrived: the stream is subscribed. */
  static async open(url: string, cookie: string | null): Promise<EventStream> {
    const abort = new AbortController();
    const res = await fetch(url + '/api/events', { headers: cookie ? { cookie } : {}, signal: abort.signal });
    if (res.status !== 200 || !res.body) return new EventStream(res, await res.json(), abort);
    const stream = new EventStream(res, null, abort);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    if (first.value) stream.#take(decoder.decode(first.value, { stream: true }));
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          stream.#take(decoder.decode(value, { stream: true }));
        }
        stream.ended = true;
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    })();
    return stream;
  }

  #take(chunk: string) {
    this.text += chunk;
    this.#pending += chunk;
    let end: number;
    while ((end = this.#pending.indexOf('\n\n')) >= 0) {
      const block = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event:')) {
          const event = line.slice(6).trim();
          this.events.push(event);
          for (const listener of this.#listeners) listener(event);
        }
      }
    }
  }

  /** Calls `listener` with each event as it is parsed (in the same turn as its chunk's arrival). */
  onEvent(listener: (event: string) => void) {
    this.#listeners.push(listener);
  }

  /** The client goes away. */
  close() {
    this.#abort.abort();
  }
}

export const wsBase = (url: string) => url.replace(/^http/, 'ws') + SYNC_PATH_PREFIX.slice(0, -1);

/**
 * The status of an upgrade request to `path` (e.g. `/sync/f-x.plan`): 101 when
 * the relay accepts it (the socket is closed again at once), else the HTTP status.
 */
export function upgradeStatus(url: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + path, { headers });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

// ---- wire messages ---------------------------------------------------------------

// Built with the one set of encoders (src/lib/shared/protocol.ts); these take documents for the tests' convenience.
export function syncStep1Message(doc: Y.Doc = new Y.Doc()): Uint8Array {
  return protocol.syncStep1Message(Y.encodeStateVector(doc));
}

export function syncStep2Message(doc: Y.Doc): Uint8Array {
  return protocol.syncStep2Message(Y.encodeStateAsUpdate(doc));
}

export const updateMessage = protocol.updateMessage;

/** An awareness message with raw (clientId, clock, state) entries, as a client could forge it. */
export function awarenessMessage(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  return protocol.awarenessMessage(encodeAwarenessEntries(entries.map((e) => ({ clientId: e.clientId, clock: e.clock, json: JSON.stringify(e.state) }))));
}

export function awarenessMessageOf(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  return protocol.awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
}

export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const isSyncStep2 = (b: Uint8Array) => b[0] === MESSAGE_SYNC && b[1] === protocol.SYNC_STEP2;

/**
 * Round trip on one socket: sends sync step 1 and waits for the relay's step 2
 * answer. The relay handles a socket's messages in order and sends in order,
 * so everything sent before has been handled (and everything the relay sent
 * to this socket before has arrived) when this resolves. Resolves false if the
 * socket closes first.
 */
export function barrier(ws: WebSocket, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve(false);
    const done = (v: boolean) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(v);
    };
    const onMessage = (data: RawData) => {
      if (isSyncStep2(toBytes(data))) done(true);
    };
    const onClose = () => done(false);
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      reject(new Error('barrier timed out'));
    }, timeoutMs);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    // The reply to a full state vector is tiny and changes nothing at a provider.
    ws.send(protocol.syncStep1Message(Y.encodeStateVector(new Y.Doc())));
  });
}

/** Resolves with the close code when the socket closes. */
export function closeCode(ws: WebSocket): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));
}

// ---- the store, as tests read it ------------------------------------------------------

/** The room's latest update sequence (0 for none). */
export async function latestSeq(store: Pick<RoomLog, 'latestSeqs'>, room: string): Promise<number> {
  return (await store.latestSeqs([room])).get(room) ?? 0;
}

/** Rows in the room's log (a compacted log: its snapshot and what came after). */
export async function updateCount(store: Pick<RoomLog, 'loadUpdates'>, room: string): Promise<number> {
  return (await store.loadUpdates(room)).length;
}

/** How many audit rows of `action` the family has, per user id. */
export async function auditCounts(store: Pick<AuditLog, 'auditGroupsOfFamily'>, familyId: string, action: string): Promise<Map<string | null, number>> {
  const out = new Map<string | null, number>();
  for (const g of await store.auditGroupsOfFamily(familyId, [action])) out.set(g.userId, (out.get(g.userId) ?? 0) + g.count);
  return out;
}

/** Appends one update (as the seed and tests write a plan straight to the store). */
export async function appendOne(store: Pick<RoomLog, 'appendUpdates'>, room: string, author: string, at: string, data: Uint8Array): Promise<number> {
  const [seq] = await store.appendUpdates([{ room, author, at, data }]);
  return seq;
}

/** The store of a test's data directory, as another process opens it: the SQLite file or, with DATABASE_URL, its schema. */
export function openTestStore(dataDir: string): Promise<Store> {
  return openStore({ dataDir, databaseUrl: process.env.DATABASE_URL || null, databaseSchema: testSchemaFor(dataDir) });
}

/** With DATABASE_URL: drops the schema of a test's data directory (the directory itself is the test's to remove). */
export async function dropTestSchema(dataDir: string): Promise<void> {
  if (process.env.DATABASE_URL) await dropSchema(process.env.DATABASE_URL, testSchemaFor(dataDir));
}

/** The room's document as the store holds it. */
export function docFromUpdates(updates: { data: Uint8Array }[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u.data);
  return doc;
}

// ---- clients -------------------------------------------------------------------------

/** A `ws` WebSocket class that sends the session cookie and an Origin, for WebsocketProvider. */
export function authedWebSocket(cookie: string, origin: string) {
  return class AuthedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie, origin } });
    }
  };
}

export interface TestClient {
  room: string;
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** What the relay holds, tracked as the app tracks it ("gemt"); null for a legacy client. */
  relay: RelayState | null;
  /** Message types this client received but has no handler for (a legacy client's MESSAGE_SAVED). */
  unexpected: number[];
  /** Every close code this client has seen, in order. */
  closes: number[];
  /** The live socket; call it while connected (between reconnects there is none). */
  ws(): WebSocket;
  /** Resolves once the provider has synced with the relay. */
  synced(): Promise<void>;
  /** Resolves with the code of the next close. */
  nextClose(): Promise<number>;
  destroy(): void;
}

export interface ProviderOptions {
  doc?: Y.Doc;
  /** Header value; default: the server's own origin. */
  origin?: string;
  maxBackoffTime?: number;
  params?: Record<string, string>;
  /**
   * A client as the app was before MESSAGE_SAVED (a tablet still running a
   * cached older version): it does not ask for the acknowledgement, keeps
   * y-websocket's own handlers and reconnect policy, and records a
   * MESSAGE_SAVED in `unexpected` instead of handling it.
   */
  legacy?: boolean;
}

/** Tracks every client a test opens so one call closes them all. */
export class Clients {
  readonly #open = new Set<{ close(): void }>();

  provider(url: string, room: string, cookie: string, opts: ProviderOptions = {}): TestClient {
    const doc = opts.doc ?? new Y.Doc();
    const provider = new WebsocketProvider(wsBase(url), room, doc, {
      WebSocketPolyfill: authedWebSocket(cookie, opts.origin ?? url) as unknown as typeof globalThis.WebSocket,
      // Several providers live in this one process: they must talk through the relay only.
      disableBc: true,
      maxBackoffTime: opts.maxBackoffTime ?? 2500,
      // As the app (LiveRoom) does, unless this is a client from before.
      params: { ...(opts.legacy ? {} : RELAY_ACK_PARAMS), ...opts.params },
      ...(opts.legacy ? {} : { shouldReconnect: (event: CloseEvent) => closeIsTransient(event.code) })
    });
    const relay = opts.legacy ? null : new RelayState(provider);
    // Deliberate: y-websocket would only log "Unable to compute message" for a
    // type it does not know; a test can see and assert it here.
    const unexpected: number[] = [];
    if (opts.legacy) provider.messageHandlers[MESSAGE_SAVED] = () => void unexpected.push(MESSAGE_SAVED);
    const closes: number[] = [];
    const waiters: ((code: number) => void)[] = [];
    provider.on('connection-close', (event) => {
      if (!event) return; // closed by ourselves
      closes.push(event.code);
      for (const w of waiters.splice(0)) w(event.code);
    });
    const client: TestClient = {
      room,
      doc,
      provider,
      relay,
      unexpected,
      closes,
      ws: () => provider.ws as unknown as WebSocket,
      synced: () =>
        provider.synced ? Promise.resolve() : new Promise((resolve) => provider.once('sync', (s: boolean) => s && resolve())),
      nextClose: () => new Promise((resolve) => waiters.push(resolve)),
      destroy: () => {
        provider.destroy();
        provider.awareness.destroy();
        doc.destroy();
        this.#open.delete(entry);
      }
    };
    const entry = { close: () => client.destroy() };
    this.#open.add(entry);
    return client;
  }

  /** Opens a raw socket; rejects with `HTTP <status>` when the upgrade is refused. */
  raw(url: string, room: string, cookie: string | null, opts: { origin?: string | null } = {}): Promise<WebSocket> {
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = cookie;
    const origin = opts.origin === undefined ? url : opts.origin;
    if (origin !== null) headers.origin = origin;
    const ws = new WebSocket(`${wsBase(url)}/${room}`, { headers });
    ws.binaryType = 'nodebuffer';
    const entry = { close: () => ws.terminate() };
    this.#open.add(entry);
    ws.on('close', () => this.#open.delete(entry));
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve(ws));
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      ws.on('error', reject);
    });
  }

  closeAll() {
    for (const c of [...this.#open]) c.close();
    this.#open.clear();
  }
}

/** A raw client that collects every message it receives. */
export function collect(ws: WebSocket): Uint8Array[] {
  const got: Uint8Array[] = [];
  ws.on('message', (data) => got.push(new Uint8Array(toBytes(data))));
  return got;
}

// ---- the server ----------------------------------------------------------------------

export interface TestServerOptions {
  /**
   * With DATABASE_URL set, the server runs on PostgreSQL in a schema of its
   * own, named after its data directory (a restart on the same directory
   * finds its data again); it is dropped when the server stops without keepData.
   */
  /** Reuse a data directory (persistence tests); default a fresh temp dir. */
  dataDir?: string;
  relay?: Partial<RelayLimits>;
  /** Login limits (server/config.ts `login`), for tests that exercise them. */
  login?: Partial<Config['login']>;
  /** Any other configuration (server/config.ts), applied last. */
  config?: Partial<Config>;
  events?: Partial<EventChannelLimits>;
  /** The app's clock (createApp's `now`), for tests that move time. */
  now?: () => Date;
}

export class TestServer {
  readonly app: App;
  readonly url: string;
  readonly dataDir: string;
  readonly clients = new Clients();
  readonly #running: Running;
  readonly #ownsDataDir: boolean;
  /** the seeded families' ids, read once at start */
  readonly #familyIds: string[];

  private constructor(app: App, running: Running, dataDir: string, ownsDataDir: boolean, familyIds: string[]) {
    this.app = app;
    this.#running = running;
    this.url = running.url;
    this.dataDir = dataDir;
    this.#ownsDataDir = ownsDataDir;
    this.#familyIds = familyIds;
  }

  /** createApp with demo data on a temp DATA_DIR, served by listen(app, null, 0). */
  static async start(opts: TestServerOptions = {}): Promise<TestServer> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fp-int-'));
    const base = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }, { port: 0, demo: true });
    const config = { ...base, dataDir, relay: { ...base.relay, ...opts.relay }, login: { ...base.login, ...opts.login }, events: { ...base.events, ...opts.events }, ...opts.config };
    const app = await createApp(config, { ...(opts.now ? { now: opts.now } : {}), databaseSchema: testSchemaFor(dataDir) });
    const running = await listen(app, null, 0);
    const teams = (await app.store.listTeams()).map((t) => t.id);
    const familyIds = (await app.store.familiesOfTeams(teams)).map((f) => f.id);
    return new TestServer(app, running, dataDir, opts.dataDir === undefined, familyIds);
  }

  login(username: string, password = 'demo') {
    return login(this.url, username, password);
  }

  api<T = any>(path: string, opts: { cookie?: string; method?: string; body?: unknown } = {}) {
    return api<T>(this.url, path, opts);
  }

  provider(room: string, cookie: string, opts: ProviderOptions = {}) {
    return this.clients.provider(this.url, room, cookie, opts);
  }

  raw(room: string, cookie: string | null, opts: { origin?: string | null } = {}) {
    return this.clients.raw(this.url, room, cookie, opts);
  }

  /** The id of the seeded family whose id starts with `prefix` (e.g. `gel-02`). */
  family(prefix: string): string {
    const found = this.#familyIds.filter((id) => id.startsWith(`${prefix}-`));
    if (found.length !== 1) throw new Error(`no single seeded family ${prefix}-*`);
    return found[0];
  }

  /** Closes every client and the server; the data directory stays when asked (to restart on it). */
  async stop(opts: { keepData?: boolean } = {}) {
    this.clients.closeAll();
    await this.#running.close();
    if (!opts.keepData) await dropTestSchema(this.dataDir);
    if (this.#ownsDataDir && !opts.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// ---- the relay in a process of its own (kill -9) ----------------------------------------

const RELAY_PROCESS = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url));

export interface RelayProcess {
  proc: ChildProcess;
  url: string;
  /** everything the process printed on stdout so far */
  stdout(): string;
}

/** Starts the app in a child process on `dataDir` and `port` (0 = any); resolves once it listens. */
export function startRelayProcess(dataDir: string, port: number, env: Record<string, string> = {}): Promise<RelayProcess> {
  const proc = spawn(process.execPath, [RELAY_PROCESS], {
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      DEMO: '1',
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, TEST_DATABASE_SCHEMA: testSchemaFor(dataDir) } : {}),
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let listening = false;
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m && !listening) {
        listening = true;
        resolve({ proc, url: m[1], stdout: () => out });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('exit', (code, signal) => reject(new Error(`relay exited (${code ?? signal}) before listening: ${err}`)));
  });
}

/** SIGKILL: no warning, no flush. */
export function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
