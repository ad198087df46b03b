// Faults: kill -9 under load, fuzzed frames, slow readers, memory soak.
// Each reports what it measured and whether the behaviour held ("ok").
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { login, logins, procSample, removeDir, sleep, startOurs, startReference, type Ours, type TargetKind } from './lib/proc.ts';
import { covers, fetchState, providerFor, synced, waitFor } from './lib/yclient.ts';
import { buildCorpus, mutate, prng } from './lib/fuzz.ts';
import { prepareRooms, runLoad, sessionsFor, specFor, startTarget, type LoadShape, type RunFigures } from './relay-load.ts';
import { mb, round } from './lib/stats.ts';
import { syncFrame, SYNC_STEP1 } from './lib/wire.ts';

// ---- kill -9 ----------------------------------------------------------------

export interface KillResult {
  target: TargetKind;
  devices: number;
  rooms: number;
  editsMade: number;
  editsBeforeKill: number;
  /** edits a device had received through the relay before the kill (so the relay had forwarded them) */
  forwardedBeforeKill: number;
  /** of those, missing from the relay's state right after the restart, before any device reconnected (persistence before broadcast: must be 0) */
  forwardedButNotPersisted: number;
  /** edits missing from the relay once every device reconnected and converged (must be 0) */
  lostEdits: number;
  restartMs: number;
  /** from the last edit until every device of every room holds the same edits */
  convergeMs: number;
  converged: boolean;
  ok: boolean;
}

const ids = (doc: Y.Doc) => doc.getArray<string>('log').toArray();

export async function killNine(kind: 'ours' | 'reference-leveldb', log: (s: string) => void, opts: { rooms?: number; perRoom?: number; editsPerSecond?: number } = {}): Promise<KillResult> {
  const roomsN = opts.rooms ?? 10;
  const perRoom = opts.perRoom ?? 4;
  const every = 1000 / (opts.editsPerSecond ?? 10);
  const target = kind === 'ours' ? await startOurs() : await startReference({ leveldb: true });
  const providers: WebsocketProvider[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  try {
    const rooms = await prepareRooms(target, roomsN, 'Kill');
    const cookies = kind === 'ours' ? await logins(target.url, 'anna', roomsN) : [];
    const observerCookie = kind === 'ours' ? await login(target.url, 'anna') : undefined;
    const devices = Array.from({ length: roomsN * perRoom }, (_, d) => ({ d, room: d % roomsN, doc: new Y.Doc(), made: [] as string[] }));
    for (const dev of devices) {
      const p = providerFor(target, rooms[dev.room], dev.doc, { cookie: cookies[dev.d % cookies.length] });
      providers.push(p);
    }
    await Promise.all(providers.map((p) => synced(p)));
    let editing = true;
    for (const dev of devices) {
      timers.push(
        setInterval(() => {
          if (!editing) return;
          const id = `${dev.d}:${dev.made.length}`;
          dev.made.push(id);
          dev.doc.getArray<string>('log').push([id]);
        }, every)
      );
    }
    await sleep(3000);
    await target.kill9();
    for (const p of providers) p.disconnect();
    const editsBeforeKill = devices.reduce((n, dev) => n + dev.made.length, 0);
    const forwarded = new Set<string>();
    for (const dev of devices) for (const id of ids(dev.doc)) if (!id.startsWith(`${dev.d}:`)) forwarded.add(id);
    // Devices keep working offline while the relay is down.
    await sleep(1000);
    const t0 = performance.now();
    await target.restart();
    const restartMs = performance.now() - t0;
    const persisted = new Set<string>();
    for (const room of rooms) for (const id of ids(await fetchState(target, room, observerCookie))) persisted.add(id);
    let forwardedButNotPersisted = 0;
    for (const id of forwarded) if (!persisted.has(id)) forwardedButNotPersisted++;

    for (const p of providers) p.connect();
    await sleep(2000);
    editing = false;
    const t1 = performance.now();
    const converged = await waitFor(
      () => devices.every((a) => devices.every((b) => a.room !== b.room || covers(a.doc, b.doc))),
      20_000,
      10
    );
    const convergeMs = performance.now() - t1;
    const finalIds = new Set<string>();
    for (const room of rooms) for (const id of ids(await fetchState(target, room, observerCookie))) finalIds.add(id);
    const all = devices.flatMap((dev) => dev.made);
    const lostEdits = all.filter((id) => !finalIds.has(id)).length;
    const result: KillResult = {
      target: kind,
      devices: devices.length,
      rooms: roomsN,
      editsMade: all.length,
      editsBeforeKill,
      forwardedBeforeKill: forwarded.size,
      forwardedButNotPersisted,
      lostEdits,
      restartMs: round(restartMs),
      convergeMs: round(convergeMs),
      converged,
      ok: converged && lostEdits === 0 && forwardedButNotPersisted === 0
    };
    log(`kill -9 (${kind}): ${all.length} edits, ${forwarded.size} forwarded before the kill, ${forwardedButNotPersisted} of them not persisted, ${lostEdits} lost after convergence`);
    return result;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const p of providers) p.destroy();
    await target.stop();
    removeDir(kind === 'ours' ? (target as Ours).dataDir : ((target as { persistDir: string | null }).persistDir ?? null));
  }
}

// ---- fuzzed frames ----------------------------------------------------------

export interface FuzzResult {
  frames: number;
  textFrames: number;
  oversizedFrames: number;
  connections: number;
  closeCodes: Record<string, number>;
  durationMs: number;
  relaySurvived: boolean;
  /** updates the observers of untouched rooms received while the fuzzer ran (must be 0) */
  otherRoomUpdates: number;
  /** untouched rooms whose state differs from before (must be 0) */
  otherRoomsChanged: number;
  /** the fuzzed room's state equals itself after a restart (memory == store) */
  fuzzedRoomConsistent: boolean;
  serverErrorsLogged: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  ok: boolean;
}

function docJson(doc: Y.Doc): string {
  const out: Record<string, unknown> = {};
  for (const [name, type] of doc.share) out[name] = type.toJSON();
  return JSON.stringify(out);
}

export async function fuzz(frames: number, log: (s: string) => void): Promise<FuzzResult> {
  const target = await startOurs();
  const providers: WebsocketProvider[] = [];
  try {
    const [fuzzRoom, ...controls] = await prepareRooms(target, 4, 'Fuzz');
    const cookie = await login(target.url, 'anna');
    // Control rooms with content, and two observers each that count what they receive.
    const corpus = buildCorpus();
    let otherRoomUpdates = 0;
    let counting = false;
    const before: string[] = [];
    for (const room of controls) {
      const writer = new Y.Doc();
      for (const u of corpus.updates) Y.applyUpdate(writer, u);
      const wp = providerFor(target, room, writer, { cookie });
      await synced(wp);
      await sleep(200);
      wp.destroy();
      for (let o = 0; o < 2; o++) {
        const doc = new Y.Doc();
        const p = providerFor(target, room, doc, { cookie });
        providers.push(p);
        await synced(p);
        doc.on('update', (_u: Uint8Array, origin: unknown) => {
          if (counting && origin === p) otherRoomUpdates++;
        });
      }
      before.push(docJson(await fetchState(target, room, cookie)));
    }
    const rssBefore = procSample(target.pid).rssBytes;

    const workers = 8;
    const sessions = await logins(target.url, 'anna', 16);
    const rng = prng(20_251_124);
    const codes: Record<string, number> = {};
    let sent = 0;
    let textFrames = 0;
    let connections = 0;
    counting = true;
    const t0 = performance.now();

    const handshakeFailures: Record<string, number> = {};
    const openSocket = (w: number) =>
      new Promise<WebSocket>((res, rej) => {
        connections++;
        const ws = new WebSocket(target.roomUrl(fuzzRoom), { headers: { origin: target.url, cookie: sessions[(w + connections) % sessions.length] }, perMessageDeflate: false });
        ws.once('message', () => res(ws)); // the relay's greeting
        ws.once('error', rej);
        ws.once('unexpected-response', (_q, r) => rej(new Error(`HTTP ${r.statusCode}`)));
        ws.on('close', (code) => (codes[code] = (codes[code] ?? 0) + 1));
      });

    /** Send one frame and wait until the relay has read it: a ping sent after it is answered in order. */
    const sendOne = (ws: WebSocket, bytes: Uint8Array | string) =>
      new Promise<'open' | 'closed'>((res) => {
        const onClose = () => res('closed');
        ws.once('close', onClose);
        ws.send(bytes, { binary: typeof bytes !== 'string' });
        ws.ping();
        ws.once('pong', () => {
          ws.off('close', onClose);
          res('open');
        });
      });

    const worker = async (w: number) => {
      let ws: WebSocket | null = null;
      while (sent < frames) {
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          try {
            ws = await openSocket(w);
          } catch (err) {
            // A handshake the relay refused or cut (counted, then tried again): the fuzz is about the relay surviving.
            const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            // Nobody listens any more: the relay is gone, and trying again would only spin.
            if (why === 'ECONNREFUSED') throw new Error(`fuzz: the relay stopped listening after ${sent} frames: ${target.output().slice(-4000)}`);
            handshakeFailures[why] = (handshakeFailures[why] ?? 0) + 1;
            if (Object.values(handshakeFailures).reduce((a, b) => a + b, 0) > 2000) throw new Error(`fuzz: 2,000 handshakes refused or cut (${JSON.stringify(handshakeFailures)})`);
            ws = null;
            await sleep(20);
            continue;
          }
        }
        if (sent >= frames) break;
        const m = mutate(rng, corpus);
        sent++;
        if (m.text) textFrames++;
        if ((await sendOne(ws, m.bytes)) === 'closed') ws = null;
      }
      ws?.close();
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    // A few frames beyond the size limit (4 MiB): refused from the frame header.
    let oversized = 0;
    for (let i = 0; i < 3; i++) {
      const ws = await openSocket(i);
      oversized++;
      await sendOne(ws, syncFrame(SYNC_STEP1, new Uint8Array(4 * 1024 * 1024 + 16)));
      ws.terminate();
    }
    const durationMs = performance.now() - t0;
    await sleep(300);
    counting = false;

    const relaySurvived = target.child.exitCode === null && target.child.signalCode === null;
    let otherRoomsChanged = 0;
    for (let i = 0; i < controls.length; i++) if (docJson(await fetchState(target, controls[i], cookie)) !== before[i]) otherRoomsChanged++;
    const rssAfter = procSample(target.pid).rssBytes;
    const fuzzedBefore = docJson(await fetchState(target, fuzzRoom, cookie));
    for (const p of providers) p.destroy();
    providers.length = 0;
    await target.stop();
    await target.restart();
    const fuzzedAfter = docJson(await fetchState(target, fuzzRoom, await login(target.url, 'anna')));
    const errors = (target.output().match(/(TypeError|RangeError|ReferenceError|Uncaught|unhandled)/gi) ?? []).length;
    const result: FuzzResult = {
      frames: sent,
      textFrames,
      oversizedFrames: oversized,
      connections,
      closeCodes: codes,
      durationMs: round(durationMs),
      relaySurvived,
      otherRoomUpdates,
      otherRoomsChanged,
      fuzzedRoomConsistent: fuzzedBefore === fuzzedAfter,
      serverErrorsLogged: errors,
      rssBeforeMb: mb(rssBefore),
      rssAfterMb: mb(rssAfter),
      ok: relaySurvived && otherRoomUpdates === 0 && otherRoomsChanged === 0 && fuzzedBefore === fuzzedAfter
    };
    log(`fuzz: ${sent} frames over ${connections} connections in ${round(durationMs / 1000, 1)} s; survived ${relaySurvived}, other rooms changed ${otherRoomsChanged}, closes ${JSON.stringify(codes)}, handshakes refused or cut ${JSON.stringify(handshakeFailures)}`);
    return result;
  } finally {
    for (const p of providers) p.destroy();
    await target.stop();
    removeDir(target.dataDir);
  }
}

// ---- slow readers -----------------------------------------------------------

export interface SlowResult {
  target: TargetKind;
  readers: number;
  writerKbPerSecond: number;
  baseline: { fanoutP50Ms: number; fanoutP99Ms: number; missing: number };
  withSlowReaders: { fanoutP50Ms: number; fanoutP99Ms: number; missing: number };
  /** relay RSS growth during the window with slow readers vs without */
  rssGrowthMb: { baseline: number; withSlowReaders: number };
  /** slow readers the relay disconnected (its buffer for them is bounded when this equals readers) */
  slowReadersCutOff: number;
  closeCodes: Record<string, number>;
  /** other rooms kept going: every update delivered, p99 fan-out within the 25 ms bar */
  ok: boolean;
}

export async function slowReaders(kind: TargetKind, shape: LoadShape, log: (s: string) => void): Promise<SlowResult> {
  const target = await startTarget(kind);
  try {
    const rooms = await prepareRooms(target, shape.rooms + 1, 'Slow');
    const slowRoom = rooms.pop() as string;
    const sessions = await sessionsFor(target, shape.clients + 8, shape.rate);
    const slow = { room: slowRoom, readers: 3, writerBytes: 128 * 1024, writerRate: 50 };
    const base: RunFigures = await runLoad(target, specFor(target, rooms, shape, sessions));
    const withSlow: RunFigures = await runLoad(target, { ...specFor(target, rooms, shape, sessions), slow });
    const pick = (r: RunFigures) => ({ fanoutP50Ms: r.load.fanoutMs.p50, fanoutP99Ms: r.load.fanoutMs.p99, missing: r.load.deliveriesMissing });
    const b = pick(base);
    const s = pick(withSlow);
    const result: SlowResult = {
      target: kind,
      readers: slow.readers,
      writerKbPerSecond: (slow.writerBytes * slow.writerRate) / 1024,
      baseline: b,
      withSlowReaders: s,
      rssGrowthMb: { baseline: base.server.rssGrowthMb, withSlowReaders: withSlow.server.rssGrowthMb },
      slowReadersCutOff: withSlow.load.slow?.readersClosedByRelay ?? 0,
      closeCodes: withSlow.load.slow?.closeCodes ?? {},
      ok: s.missing === 0 && s.fanoutP99Ms <= 25
    };
    log(`slow readers (${kind}): other rooms p99 ${b.fanoutP99Ms} → ${s.fanoutP99Ms} ms; relay RSS +${result.rssGrowthMb.withSlowReaders} MB; readers cut off: ${result.slowReadersCutOff}`);
    return result;
  } finally {
    await target.stop();
    target.cleanup();
  }
}

// ---- a burst over the per-session rate limit ---------------------------------

export interface BurstResult {
  edits: number;
  rooms: number;
  closeCodes: Record<string, number>;
  /** providers that stopped reconnecting after a close (the app's policy reconnects after 4429) */
  providersGaveUp: number;
  /** every edit reached the other device within 10 s */
  recovered: boolean;
  /** from the first edit until the other device held every edit */
  deliveredMs: number;
  ok: boolean;
}

/**
 * One device makes 1,300 single edits at once (a bulk paste or import), more
 * than the per-session burst of 1,000 messages. The device's providers use the
 * app's reconnect policy (providerFor); every edit must reach the other device.
 */
export async function rateLimitBurst(log: (s: string) => void): Promise<BurstResult> {
  const target = await startOurs();
  const providers: WebsocketProvider[] = [];
  try {
    const rooms = await prepareRooms(target, 5, 'Burst');
    const [writerCookie, readerCookie] = await logins(target.url, 'anna', 2);
    const writers = rooms.map(() => new Y.Doc());
    const readers = rooms.map(() => new Y.Doc());
    const wp = rooms.map((r, i) => providerFor(target, r, writers[i], { cookie: writerCookie }));
    const rp = rooms.map((r, i) => providerFor(target, r, readers[i], { cookie: readerCookie }));
    providers.push(...wp, ...rp);
    await Promise.all(providers.map((p) => synced(p)));
    const codes: Record<string, number> = {};
    for (const p of wp) {
      p.on('connection-close', (e: CloseEvent | null) => {
        if (e) codes[e.code] = (codes[e.code] ?? 0) + 1;
      });
    }
    const edits = 1300;
    const t0 = performance.now();
    for (let i = 0; i < edits; i++) writers[i % writers.length].getArray<number>('log').push([i]);
    const recovered = await waitFor(() => readers.every((r, i) => covers(r, writers[i])), 10_000, 5);
    const deliveredMs = round(performance.now() - t0);
    const providersGaveUp = wp.filter((p) => !p.shouldConnect).length;
    log(`rate-limit burst: ${edits} edits, closes ${JSON.stringify(codes)}, ${providersGaveUp} providers gave up, recovered ${recovered} in ${deliveredMs} ms`);
    return { edits, rooms: rooms.length, closeCodes: codes, providersGaveUp, recovered, deliveredMs, ok: recovered };
  } finally {
    for (const p of providers) p.destroy();
    await target.stop();
    removeDir(target.dataDir);
  }
}

// ---- memory soak ------------------------------------------------------------

export interface SoakResult {
  minutes: number;
  roomIdleSeconds: number;
  cycles: { cycle: number; atSeconds: number; roomsLoadedAfterIdle: number; rssMb: number; heapUsedMb: number }[];
  rssFirstMb: number;
  rssLastMb: number;
  heapFirstMb: number;
  heapLastMb: number;
  /** least-squares slope over the cycles after the first two */
  rssSlopeMbPerMinute: number;
  heapSlopeMbPerMinute: number;
  everyRoomUnloaded: boolean;
  /** heap after GC within 5 MB and RSS within 10 % of the first measured cycle */
  flat: boolean;
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function soak(durationMs: number, log: (s: string) => void): Promise<SoakResult> {
  // Rooms unload 2 s after their last socket (production: 30 s) so that a
  // 2-minute soak sees many load/unload cycles.
  const idleSeconds = 2;
  const target = await startOurs({ env: { RELAY_ROOM_IDLE_SECONDS: String(idleSeconds) }, exposeGc: true });
  try {
    const pool = await prepareRooms(target, 400, 'Soak');
    const shape: LoadShape = { clients: 200, rooms: 50, rate: 200, warmupMs: 300, durationMs: 2500, drainMs: 300 };
    const sessions = await sessionsFor(target, shape.clients, shape.rate);
    const cycles: SoakResult['cycles'] = [];
    const t0 = performance.now();
    let everyRoomUnloaded = true;
    for (let cycle = 0; performance.now() - t0 < durationMs || cycles.length < 3; cycle++) {
      const rooms = Array.from({ length: shape.rooms }, (_, i) => pool[(cycle * shape.rooms + i) % pool.length]);
      await runLoad(target, specFor(target, rooms, shape, sessions));
      const unloaded = await (async () => {
        const deadline = performance.now() + (idleSeconds + 10) * 1000;
        while (performance.now() < deadline) {
          if ((await target.stats()).rooms === 0) return true;
          await sleep(250);
        }
        return false;
      })();
      everyRoomUnloaded &&= unloaded;
      const s = await target.request<{ rooms: number; rss: number; heapUsed: number }>({ type: 'gc' });
      cycles.push({ cycle, atSeconds: round((performance.now() - t0) / 1000, 1), roomsLoadedAfterIdle: s.rooms, rssMb: mb(s.rss), heapUsedMb: mb(s.heapUsed) });
    }
    const tail = cycles.slice(2);
    const xs = tail.map((c) => c.atSeconds / 60);
    const first = tail[0] ?? cycles[0];
    const last = cycles[cycles.length - 1];
    const result: SoakResult = {
      minutes: round(durationMs / 60_000, 2),
      roomIdleSeconds: idleSeconds,
      cycles,
      rssFirstMb: first.rssMb,
      rssLastMb: last.rssMb,
      heapFirstMb: first.heapUsedMb,
      heapLastMb: last.heapUsedMb,
      rssSlopeMbPerMinute: round(slope(xs, tail.map((c) => c.rssMb))),
      heapSlopeMbPerMinute: round(slope(xs, tail.map((c) => c.heapUsedMb))),
      everyRoomUnloaded,
      flat: last.heapUsedMb - first.heapUsedMb <= 5 && last.rssMb <= first.rssMb * 1.1
    };
    log(`soak: ${cycles.length} cycles in ${result.minutes} min; RSS ${result.rssFirstMb} → ${result.rssLastMb} MB, heap ${result.heapFirstMb} → ${result.heapLastMb} MB; flat ${result.flat}`);
    return result;
  } finally {
    await target.stop();
    removeDir(target.dataDir);
  }
}

// ---- all of them ------------------------------------------------------------

export async function faults(opts: { soakMs: number; fuzzFrames: number; quick: boolean; refs: TargetKind[] }, log: (s: string) => void) {
  const killRuns: KillResult[] = [await killNine('ours', log)];
  if (opts.refs.includes('reference-leveldb')) killRuns.push(await killNine('reference-leveldb', log));
  const fuzzResult = await fuzz(opts.fuzzFrames, log);
  const burst = await rateLimitBurst(log);
  const slowShape: LoadShape = { clients: opts.quick ? 60 : 200, rooms: opts.quick ? 15 : 50, rate: opts.quick ? 60 : 200, warmupMs: 1000, durationMs: opts.quick ? 3000 : 6000 };
  const slow: SlowResult[] = [];
  for (const kind of ['ours', ...opts.refs.filter((k) => k === 'reference')] as TargetKind[]) slow.push(await slowReaders(kind, slowShape, log));
  const soakResult = await soak(opts.soakMs, log);
  return { killNine: killRuns, fuzz: fuzzResult, rateLimitBurst: burst, slowReaders: slow, soak: soakResult };
}

