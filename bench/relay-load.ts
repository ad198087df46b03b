// Relay load: the same load (bench/load-gen.ts, its own process) against our
// relay and the reference y-websocket server, persistence off and on, in one
// invocation; the relay's CPU and RSS are read from /proc over exactly the
// measured window.
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { LoadResult, LoadSpec } from './load-gen.ts';
import {
  createFamilies,
  login,
  logins,
  procSample,
  type ProcSample,
  removeDir,
  rssSampler,
  startOurs,
  startReference,
  type Ours,
  type Target,
  type TargetKind
} from './lib/proc.ts';
import { mb, ratio, round } from './lib/stats.ts';
import { RELAY_ACK_PARAMS } from '../src/lib/sync/relay-state.ts';
import { roomName } from '../src/lib/shared/rooms.ts';

export interface LoadShape {
  clients: number;
  rooms: number;
  /** total updates per second */
  rate: number;
  warmupMs: number;
  durationMs: number;
  drainMs?: number;
}

export interface ServerFigures {
  cpuSeconds: number;
  cpuPercent: number;
  cpuMicrosPerUpdate: number;
  cpuMicrosPerDelivery: number;
  rssBeforeMb: number;
  rssAfterConnectMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** peak during the window minus before the clients connected */
  rssGrowthMb: number;
}

export interface RunFigures {
  target: TargetKind;
  load: LoadResult;
  server: ServerFigures;
}

/** The family rooms the load uses; on our relay they are created through the API first. */
export async function prepareRooms(target: Target, n: number, prefix = 'Bench'): Promise<string[]> {
  if (target.kind !== 'ours') return Array.from({ length: n }, (_, i) => roomName(`bench-${String(i).padStart(5, '0')}`, 'plan'));
  const cookie = await login(target.url, 'anna');
  const ids = await createFamilies(target.url, cookie, 'gellerup', n, prefix);
  return ids.map((id) => roomName(id, 'plan'));
}

/**
 * Sessions for the load on our relay. The relay limits each session to 64
 * sockets and 200 messages/s (burst 1,000); real tablets are one session each,
 * so the load uses many sessions (repeated logins; only failed logins are rate
 * limited) rather than raising the production limits.
 */
export async function sessionsFor(target: Target, clients: number, rate: number): Promise<{ cookies: string[]; perSession: number }> {
  if (target.kind !== 'ours') return { cookies: [], perSession: clients };
  // Each update costs the writer one message (the relay's acknowledgement,
  // MESSAGE_SAVED, is not answered); keep every session at ≤ 100 messages/s.
  const perClientMsgs = rate / clients;
  const perSession = Math.max(1, Math.min(50, Math.floor(100 / Math.max(perClientMsgs, 0.001))));
  const n = Math.ceil(clients / perSession);
  return { cookies: await logins(target.url, 'anna', n), perSession };
}

export async function runLoad(target: Target, spec: LoadSpec): Promise<RunFigures> {
  return { target: target.kind, ...(await runLoadOn([target.pid], spec)) };
}

/** The load against one or more server processes; CPU and RSS are summed over them. */
export async function runLoadOn(pids: number[], spec: LoadSpec): Promise<Omit<RunFigures, 'target'>> {
  const sample = (): ProcSample => {
    const all = pids.map((pid) => procSample(pid));
    return { cpuSeconds: all.reduce((s, x) => s + x.cpuSeconds, 0), rssBytes: all.reduce((s, x) => s + x.rssBytes, 0), at: performance.now() };
  };
  const child = fork(resolve('bench/load-gen.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const before = sample();
  let afterConnect = before;
  let w0 = before;
  let w1 = before;
  let sampler: ReturnType<typeof rssSampler>[] | null = null;
  let rss = { peakBytes: 0, lastBytes: 0 };
  const result = await new Promise<LoadResult>((res, rej) => {
    child.on('message', (m: { type: string; result?: LoadResult }) => {
      if (m.type === 'connected') afterConnect = sample();
      else if (m.type === 'window-start') {
        w0 = sample();
        sampler = pids.map((pid) => rssSampler(pid));
      } else if (m.type === 'window-end') {
        w1 = sample();
        // The sum of each process' peak: an upper bound of the peak of the sum.
        if (sampler) rss = sampler.map((x) => x.stop()).reduce((a, b) => ({ peakBytes: a.peakBytes + b.peakBytes, lastBytes: a.lastBytes + b.lastBytes }), { peakBytes: 0, lastBytes: 0 });
      } else if (m.type === 'result' && m.result) res(m.result);
    });
    child.on('exit', (code) => rej(new Error(`load generator exited with ${code}`)));
    child.send({ type: 'run', spec });
  });
  const cpuSeconds = w1.cpuSeconds - w0.cpuSeconds;
  const wallSeconds = (w1.at - w0.at) / 1000;
  return {
    load: result,
    server: {
      cpuSeconds: round(cpuSeconds, 3),
      cpuPercent: round((100 * cpuSeconds) / wallSeconds, 1),
      cpuMicrosPerUpdate: round((cpuSeconds * 1e6) / Math.max(1, result.updatesSent), 1),
      cpuMicrosPerDelivery: round((cpuSeconds * 1e6) / Math.max(1, result.deliveriesReceived), 1),
      rssBeforeMb: mb(before.rssBytes),
      rssAfterConnectMb: mb(afterConnect.rssBytes),
      rssPeakMb: mb(rss.peakBytes),
      rssEndMb: mb(rss.lastBytes),
      rssGrowthMb: mb(rss.peakBytes - before.rssBytes)
    }
  };
}

export function specFor(target: Target, rooms: string[], shape: LoadShape, sessions: { cookies: string[]; perSession: number }): LoadSpec {
  return {
    // As the app does: ask for acknowledgements that need no answer (the reference ignores the query).
    urlTemplate: `${target.roomUrl('{room}')}?${new URLSearchParams(RELAY_ACK_PARAMS)}`,
    origin: target.url,
    cookies: sessions.cookies,
    clientsPerSession: sessions.perSession,
    rooms,
    clients: shape.clients,
    rate: shape.rate,
    warmupMs: shape.warmupMs,
    durationMs: shape.durationMs,
    drainMs: shape.drainMs ?? 2000,
    connectConcurrency: 50
  };
}

export async function startTarget(kind: TargetKind, env: Record<string, string> = {}): Promise<Target & { cleanup(): void }> {
  if (kind === 'ours') {
    const t: Ours = await startOurs({ env });
    return Object.assign(t, { cleanup: () => removeDir(t.dataDir) });
  }
  const t = await startReference({ leveldb: kind === 'reference-leveldb' });
  return Object.assign(t, { cleanup: () => removeDir(t.persistDir) });
}

export interface RelayLoadReport {
  shape: LoadShape;
  sessions: string;
  runs: RunFigures[];
  /** ours / reference for each figure (lower is better for all but throughput) */
  ratios: Record<string, Record<string, number | null>>;
}

export function headline(r: RunFigures) {
  return {
    connectAllMs: r.load.connectAllMs,
    connectP95Ms: r.load.connectMs.p95,
    fanoutP50Ms: r.load.fanoutMs.p50,
    fanoutP95Ms: r.load.fanoutMs.p95,
    fanoutP99Ms: r.load.fanoutMs.p99,
    updatesPerSecond: r.load.updatesPerSecond,
    deliveriesPerSecond: r.load.deliveriesPerSecond,
    cpuPercent: r.server.cpuPercent,
    cpuMicrosPerUpdate: r.server.cpuMicrosPerUpdate,
    rssPeakMb: r.server.rssPeakMb,
    rssGrowthMb: r.server.rssGrowthMb
  };
}

export function ratiosOf(runs: RunFigures[]): Record<string, Record<string, number | null>> {
  const ours = runs.find((r) => r.target === 'ours');
  const out: Record<string, Record<string, number | null>> = {};
  if (!ours) return out;
  const h = headline(ours);
  for (const ref of runs.filter((r) => r.target !== 'ours')) {
    const hr = headline(ref);
    out[`ours/${ref.target}`] = Object.fromEntries(
      Object.keys(h).map((k) => [k, ratio(h[k as keyof typeof h], hr[k as keyof typeof hr])])
    );
  }
  return out;
}

export async function relayLoad(shape: LoadShape, kinds: TargetKind[], log: (s: string) => void): Promise<RelayLoadReport> {
  const runs: RunFigures[] = [];
  let sessionsNote = '';
  for (const kind of kinds) {
    const target = await startTarget(kind);
    try {
      const rooms = await prepareRooms(target, shape.rooms);
      const sessions = await sessionsFor(target, shape.clients, shape.rate);
      if (kind === 'ours') {
        sessionsNote = `${sessions.cookies.length} sessions (logins as anna) of ≤ ${sessions.perSession} clients each; production relay limits unchanged`;
      }
      log(`relay load: ${kind}, ${shape.clients} clients / ${shape.rooms} rooms / ${shape.rate} updates/s`);
      const r = await runLoad(target, specFor(target, rooms, shape, sessions));
      log(`  fan-out p50/p95/p99 ${r.load.fanoutMs.p50}/${r.load.fanoutMs.p95}/${r.load.fanoutMs.p99} ms, CPU ${r.server.cpuPercent} %, ${r.server.cpuMicrosPerUpdate} µs/update, RSS ${r.server.rssPeakMb} MB`);
      runs.push(r);
    } finally {
      await target.stop();
      target.cleanup();
    }
  }
  return { shape, sessions: sessionsNote, runs, ratios: ratiosOf(runs) };
}
