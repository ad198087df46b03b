// The relay load generator, forked as its own process so that its CPU is not
// counted as the relay's. It opens N clients over M rooms with the `ws`
// library, speaks the y-websocket protocol as the browser client does (answers
// every sync step 1 with a step 2, sends its own step 1 on open, asks for the
// relay's "saved" acknowledgements and takes them without answering, as
// src/lib/sync/relay-state.ts does), and makes each
// client a Yjs writer: one Y.Map key set per update, at a fixed total rate.
// Fan-out latency is the time from a writer's send to each other client's
// receipt of that update, on this process's one clock.
//
// Protocol with the parent (IPC): the parent sends { type: 'run', spec }; this
// process answers { type: 'connected' }, { type: 'window-start' },
// { type: 'window-end' } (so the parent can sample the relay's CPU over exactly
// the measured window) and finally { type: 'result', result }.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { firstStructKey, MESSAGE_SAVED, MESSAGE_SYNC, peek, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE, syncFrame } from './lib/wire.ts';
import { round, summarize, type Summary } from './lib/stats.ts';

export interface LoadSpec {
  /** ws URL per room: `template.replace('{room}', room)` */
  urlTemplate: string;
  origin: string;
  /**
   * Several nodes (bench/multi-node.ts): client i (in room i mod rooms)
   * connects to targets[(i + floor(i / rooms)) % targets.length]: each room's
   * clients are spread over the nodes, so every fan-out crosses between them,
   * and each node holds an equal share of the clients, as a load balancer
   * would give it.
   */
  targets?: { urlTemplate: string; origin: string }[];
  /** session cookies; client i uses cookies[floor(i / clientsPerSession) % length]; empty for the reference */
  cookies: string[];
  clientsPerSession: number;
  rooms: string[];
  clients: number;
  /** total updates per second over all clients */
  rate: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  connectConcurrency: number;
  /** optional: readers that never drain, in their own room, fed by one heavy writer */
  slow?: { room: string; readers: number; writerBytes: number; writerRate: number };
}

export interface LoadResult {
  clients: number;
  rooms: number;
  connected: number;
  connectFailures: Record<string, number>;
  /** wall time until every client had finished its first sync */
  connectAllMs: number;
  /** per client: from `new WebSocket` to the relay's sync step 2 */
  connectMs: Summary;
  fanoutMs: Summary;
  windowMs: number;
  updatesSent: number;
  updatesPerSecond: number;
  deliveriesExpected: number;
  deliveriesReceived: number;
  deliveriesPerSecond: number;
  /** deliveries that had not arrived drainMs after the last send */
  deliveriesMissing: number;
  closedDuringRun: Record<string, number>;
  generator: { cpuSeconds: number; eventLoopDelayP99Ms: number };
  slow?: { readersClosedByRelay: number; closeCodes: Record<string, number>; writerBytesSent: number; writerUpdates: number };
}

interface Client {
  i: number;
  room: number;
  ws: WebSocket | null;
  doc: Y.Doc;
  synced: boolean;
  t0: number;
  seq: number;
}

// Yjs client ids of this run's writers: fresh for every run, or the relay would
// take a second run's updates for ones it already has and drop them. They stay
// below 2^29 so that (client, clock) packs into one safe integer (wire.ts).
const CLIENT_BASE = (1 + Math.floor(Math.random() * 250_000)) * 2000;

function run(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolveRun) => {
    const clients: Client[] = [];
    const roomsOf: Client[][] = spec.rooms.map(() => []);
    const connectSamples: number[] = [];
    const connectFailures: Record<string, number> = {};
    const closed: Record<string, number> = {};
    const fanout: number[] = [];
    // BENCH_FANOUT_TRACE=<prefix>: every delivery in the window, one line each (send time in ms
    // since the epoch, latency ms, writer's and reader's client index, room index), written to
    // <prefix>.<now> at the end: where in time a tail comes from, and between which nodes.
    const TRACE = process.env.BENCH_FANOUT_TRACE;
    const trace: string[] = [];
    // update key -> [sentAt, sender index, in window]
    const sent = new Map<number, { at: number; from: number; measured: boolean }>();
    let recording = false;
    let receivedInWindow = 0;
    let expectedInWindow = 0;
    let sentInWindow = 0;
    let stopping = false;

    const send = (c: Client, frame: Uint8Array) => {
      if (c.ws && c.ws.readyState === WebSocket.OPEN) c.ws.send(frame);
    };

    const onMessage = (c: Client, data: Buffer) => {
      const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const m = peek(frame);
      if (m.type === MESSAGE_SAVED && m.payload) {
        // The app compares this with its own state vector to show "gemt"; nothing is sent back.
        Y.decodeStateVector(m.payload);
        return;
      }
      if (m.type !== MESSAGE_SYNC || !m.payload) return;
      if (m.subtype === SYNC_STEP1) {
        // What every y-websocket client does: answer with what the other side lacks.
        send(c, syncFrame(SYNC_STEP2, Y.encodeStateAsUpdate(c.doc, m.payload)));
      } else if (m.subtype === SYNC_STEP2) {
        if (!c.synced) {
          c.synced = true;
          connectSamples.push(performance.now() - c.t0);
        }
      } else if (m.subtype === SYNC_UPDATE) {
        const key = firstStructKey(m.payload);
        const s = sent.get(key);
        // The reference echoes every update to its sender too; that is not fan-out.
        if (!s || s.from === c.i) return;
        if (s.measured) {
          fanout.push(performance.now() - s.at);
          if (TRACE) trace.push(`${Math.round(s.at + performance.timeOrigin)} ${(performance.now() - s.at).toFixed(2)} ${s.from} ${c.i} ${c.room}`);
          receivedInWindow++;
        }
      }
    };

    const open = (c: Client) =>
      new Promise<void>((res) => {
        const room = spec.rooms[c.room];
        const cookie = spec.cookies.length ? spec.cookies[Math.floor(c.i / spec.clientsPerSession) % spec.cookies.length] : undefined;
        const target = spec.targets?.length ? spec.targets[(c.i + Math.floor(c.i / spec.rooms.length)) % spec.targets.length] : spec;
        c.t0 = performance.now();
        const ws = new WebSocket(target.urlTemplate.replace('{room}', room), {
          headers: { origin: target.origin, ...(cookie ? { cookie } : {}) },
          perMessageDeflate: false
        });
        c.ws = ws;
        let done = false;
        const finish = (failure: string | null) => {
          if (done) return;
          done = true;
          if (failure) connectFailures[failure] = (connectFailures[failure] ?? 0) + 1;
          res();
        };
        ws.on('open', () => send(c, syncFrame(SYNC_STEP1, Y.encodeStateVector(c.doc))));
        ws.on('message', (data: Buffer) => {
          onMessage(c, data);
          if (c.synced) finish(null);
        });
        ws.on('unexpected-response', (_req, resp) => {
          finish(`http-${resp.statusCode}`);
          ws.terminate();
        });
        ws.on('error', (err) => finish(`error-${(err as NodeJS.ErrnoException).code ?? err.message}`));
        ws.on('close', (code) => {
          if (!done) finish(`close-${code}`);
          else if (!stopping) closed[code] = (closed[code] ?? 0) + 1;
        });
        setTimeout(() => finish('timeout'), 30_000).unref();
      });

    for (let i = 0; i < spec.clients; i++) {
      const doc = new Y.Doc();
      doc.clientID = CLIENT_BASE + i;
      const c: Client = { i, room: i % spec.rooms.length, ws: null, doc, synced: false, t0: 0, seq: 0 };
      clients.push(c);
      roomsOf[c.room].push(c);
    }

    const connectAll = async () => {
      const t = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < clients.length) await open(clients[next++]);
      };
      await Promise.all(Array.from({ length: spec.connectConcurrency }, worker));
      return performance.now() - t;
    };

    // Slow room: readers that stop reading after their first sync, one heavy writer.
    const slowReaders: WebSocket[] = [];
    const slowCodes: Record<string, number> = {};
    let slowClosed = 0;
    let slowBytes = 0;
    let slowUpdates = 0;
    const startSlow = async () => {
      const s = spec.slow;
      if (!s) return null;
      const mk = (i: number) => {
        const doc = new Y.Doc();
        doc.clientID = CLIENT_BASE + spec.clients + i;
        return { i: spec.clients + i, room: -1, ws: null, doc, synced: false, t0: 0, seq: 0 } as Client;
      };
      const openSlow = (c: Client) =>
        new Promise<WebSocket>((res, rej) => {
          const cookie = spec.cookies.length ? spec.cookies[(Math.floor(c.i / spec.clientsPerSession) + 1) % spec.cookies.length] : undefined;
          const ws = new WebSocket(spec.urlTemplate.replace('{room}', s.room), {
            headers: { origin: spec.origin, ...(cookie ? { cookie } : {}) },
            perMessageDeflate: false
          });
          c.ws = ws;
          ws.on('open', () => {
            send(c, syncFrame(SYNC_STEP1, Y.encodeStateVector(c.doc)));
            res(ws);
          });
          ws.on('error', rej);
          ws.on('message', (data: Buffer) => onMessage(c, data));
        });
      for (let r = 0; r < s.readers; r++) {
        const reader = mk(r);
        const ws = await openSlow(reader);
        await new Promise((r2) => setTimeout(r2, 50));
        // Never drain again: the relay's writes pile up in the kernel, then in its own buffers.
        (ws as unknown as { _socket: Socket })._socket.pause();
        ws.on('close', (code) => {
          slowClosed++;
          slowCodes[code] = (slowCodes[code] ?? 0) + 1;
        });
        slowReaders.push(ws);
      }
      const writer = mk(s.readers);
      await openSlow(writer);
      const big = 'x'.repeat(s.writerBytes);
      const map = writer.doc.getMap('m');
      const timer = setInterval(() => {
        if (writer.ws?.readyState !== WebSocket.OPEN) return;
        let update: Uint8Array | null = null;
        const h = (u: Uint8Array) => (update = u);
        writer.doc.on('update', h);
        map.set('big', `${writer.seq++}${big}`);
        writer.doc.off('update', h);
        if (update) {
          slowBytes += (update as Uint8Array).byteLength;
          slowUpdates++;
          send(writer, syncFrame(SYNC_UPDATE, update));
        }
      }, 1000 / s.writerRate);
      return { timer, writer };
    };

    const elu = monitorEventLoopDelay({ resolution: 5 });

    void (async () => {
      const connectAllMs = await connectAll();
      process.send?.({ type: 'connected' });
      const slow = await startSlow();

      // Writers in round-robin at the total rate, in 10 ms ticks.
      const live = clients.filter((c) => c.synced);
      let rr = 0;
      let issued = 0;
      const tStart = performance.now();
      const tick = () => {
        const due = Math.floor((spec.rate * (performance.now() - tStart)) / 1000);
        // After a stall, catch up by at most one tick's worth beyond the usual share.
        if (due - issued > spec.rate / 50) issued = due - Math.ceil(spec.rate / 50);
        while (issued < due && live.length > 0) {
          issued++;
          const c = live[rr++ % live.length];
          if (!c.ws || c.ws.readyState !== WebSocket.OPEN) continue;
          let update: Uint8Array | null = null;
          const h = (u: Uint8Array) => (update = u);
          c.doc.on('update', h);
          c.doc.getMap('m').set('v', c.seq++);
          c.doc.off('update', h);
          if (!update) continue;
          const key = firstStructKey(update);
          const at = performance.now();
          sent.set(key, { at, from: c.i, measured: recording });
          if (recording) {
            sentInWindow++;
            expectedInWindow += roomsOf[c.room].length - 1;
          }
          c.ws.send(syncFrame(SYNC_UPDATE, update));
        }
      };
      const ticker = setInterval(tick, 10);
      await new Promise((r) => setTimeout(r, spec.warmupMs));

      const cpu0 = process.cpuUsage();
      elu.enable();
      recording = true;
      const w0 = performance.now();
      process.send?.({ type: 'window-start' });
      await new Promise((r) => setTimeout(r, spec.durationMs));
      recording = false;
      const windowMs = performance.now() - w0;
      process.send?.({ type: 'window-end' });
      elu.disable();
      const cpu = process.cpuUsage(cpu0);
      clearInterval(ticker);
      if (slow) clearInterval(slow.timer);
      await new Promise((r) => setTimeout(r, spec.drainMs));

      // A relay that cut a slow reader off shows it once the reader reads again.
      for (const ws of slowReaders) (ws as unknown as { _socket: Socket })._socket.resume();
      if (slowReaders.length) await new Promise((r) => setTimeout(r, 1500));
      stopping = true;
      for (const c of clients) c.ws?.terminate();
      for (const ws of slowReaders) ws.terminate();
      slow?.writer.ws?.terminate();

      if (TRACE) (await import('node:fs')).writeFileSync(`${TRACE}.${Date.now()}`, trace.join('\n'));
      resolveRun({
        clients: spec.clients,
        rooms: spec.rooms.length,
        connected: connectSamples.length,
        connectFailures,
        connectAllMs: round(connectAllMs),
        connectMs: summarize(connectSamples),
        fanoutMs: summarize(fanout),
        windowMs: round(windowMs),
        updatesSent: sentInWindow,
        updatesPerSecond: round(sentInWindow / (windowMs / 1000), 1),
        deliveriesExpected: expectedInWindow,
        deliveriesReceived: receivedInWindow,
        deliveriesPerSecond: round(receivedInWindow / (windowMs / 1000), 1),
        deliveriesMissing: expectedInWindow - receivedInWindow,
        closedDuringRun: closed,
        generator: { cpuSeconds: round((cpu.user + cpu.system) / 1e6, 3), eventLoopDelayP99Ms: round(elu.percentile(99) / 1e6) },
        slow: spec.slow
          ? { readersClosedByRelay: slowClosed, closeCodes: slowCodes, writerBytesSent: slowBytes, writerUpdates: slowUpdates }
          : undefined
      });
    })();
  });
}

process.on('message', (m: { type: string; spec: LoadSpec }) => {
  if (m.type !== 'run') return;
  void run(m.spec).then((result) => {
    process.send?.({ type: 'result', result }, () => process.exit(0));
  });
});
process.on('disconnect', () => process.exit(0));
