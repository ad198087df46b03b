// Real y-websocket clients (WebsocketProvider, as the app uses) in Node,
// with the session cookie and Origin our relay requires, and the app's
// protocol choices: "saved" acknowledgements that need no answer (RelayState)
// and the app's reconnect policy after a relay close (closeIsTransient).
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { closeIsTransient } from '../../src/lib/shared/protocol.ts';
import { RELAY_ACK_PARAMS, RelayState } from '../../src/lib/sync/relay-state.ts';
import type { Target } from './proc.ts';
import { sleep } from './proc.ts';

// Each WebsocketProvider adds a process 'exit' listener; the benches run dozens.
process.setMaxListeners(0);

export interface BenchProvider extends WebsocketProvider {
  /** what the relay holds of the document, as the app tracks it for "gemt" */
  relay: RelayState;
}

export function providerFor(target: Target, room: string, doc: Y.Doc, opts: { cookie?: string; connect?: boolean } = {}): BenchProvider {
  const headers: Record<string, string> = { origin: target.url };
  if (opts.cookie) headers.cookie = opts.cookie;
  class HeaderWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers, perMessageDeflate: false });
    }
  }
  const provider = new WebsocketProvider(target.providerBase, room, doc, {
    WebSocketPolyfill: HeaderWebSocket as unknown as typeof globalThis.WebSocket,
    // Several "devices" live in this one process: they must talk through the
    // relay, not through a BroadcastChannel shortcut.
    disableBc: true,
    connect: opts.connect ?? true,
    maxBackoffTime: 1000,
    params: { ...RELAY_ACK_PARAMS },
    shouldReconnect: (event: CloseEvent) => closeIsTransient(event.code)
  });
  // A background sync is not a person in the plan.
  provider.awareness.setLocalState(null);
  return Object.assign(provider, { relay: new RelayState(provider) });
}

export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

export function synced(p: WebsocketProvider, timeoutMs = 20_000): Promise<void> {
  if (p.synced) return Promise.resolve();
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      p.off('sync', h);
      rej(new Error(`${p.roomname}: not synced within ${timeoutMs} ms`));
    }, timeoutMs);
    const h = (s: boolean) => {
      if (!s) return;
      clearTimeout(timer);
      p.off('sync', h);
      res();
    };
    p.on('sync', h);
  });
}

/** True when `a` holds everything `b` has (per client clock). */
export function covers(a: Y.Doc, b: Y.Doc): boolean {
  const sa = Y.decodeStateVector(Y.encodeStateVector(a));
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(b))) if ((sa.get(client) ?? 0) < clock) return false;
  return true;
}

/** The relay's current state of a room, as a fresh client sees it. */
export async function fetchState(target: Target, room: string, cookie?: string, timeoutMs = 10_000): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const p = providerFor(target, room, doc, { cookie });
  try {
    await synced(p, timeoutMs);
    // The reference server loads a persisted room from LevelDB asynchronously,
    // after it has already answered the first sync; give it time to follow up.
    if (target.kind === 'reference-leveldb') await sleep(500);
  } finally {
    p.destroy();
  }
  return doc;
}
