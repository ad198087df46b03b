// Servers under test as child processes: ours (bench/server.ts) and the
// reference y-websocket server (y-websocket@1.5.4's bin/server.js, loopback
// only, persistence off or on with y-leveldb). CPU and RSS come from /proc, the
// same way for both.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerRequest, ServerStats } from '../server.ts';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../server/runtime-tuning.ts';

import { freePort, loginCookie } from '../../tests/support/server-access.ts';

export { freePort };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const CLK_TCK = 100; // Linux USER_HZ; `getconf CLK_TCK` is 100 on every x86-64 distribution

export interface ProcSample {
  /** user + system CPU seconds since the process started */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, rssBytes: rssKb * 1024, at: performance.now() };
}

/** Samples RSS every `everyMs` until stopped; returns peak and last. */
export function rssSampler(pid: number, everyMs = 250) {
  let peak = 0;
  let last = 0;
  const tick = () => {
    try {
      last = procSample(pid).rssBytes;
      peak = Math.max(peak, last);
    } catch {
      /* the process is gone */
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peakBytes: peak, lastBytes: last };
    }
  };
}

export type TargetKind = 'ours' | 'reference' | 'reference-leveldb';

export interface Target {
  kind: TargetKind;
  url: string;
  pid: number;
  child: ChildProcess;
  /** ws:// URL of a room */
  roomUrl(room: string): string;
  /** ws:// base for a y-websocket WebsocketProvider (it appends /<room>) */
  providerBase: string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  output(): string;
}

function collect(child: ChildProcess) {
  let out = '';
  const add = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}

/** Sends the signal unless the process has ended, and resolves once it has. */
async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await waitExit(child);
}

async function waitExit(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

/** A request to bench/server.ts without its id (distributed over the union). */
export type ServerRequestBody = ServerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface Ours extends Target {
  kind: 'ours';
  dataDir: string;
  request<T>(req: ServerRequestBody): Promise<T>;
  stats(): Promise<ServerStats>;
  /** Restart on the same port and data dir (after kill9 or stop). */
  restart(): Promise<void>;
}

export interface OursOptions {
  env?: Record<string, string>;
  ui?: boolean;
  exposeGc?: boolean;
  dataDir?: string;
  port?: number;
}

/**
 * Our server starts as production does (server/runtime-tuning.ts); BENCH_OURS_UNTUNED=1 leaves that out, to measure what it is worth,
 * and BENCH_OURS_FLAGS='--max-semi-space-size=2 …' starts it with other V8 flags instead (the malloc setting stays), to compare tunings.
 */
const untuned = () => process.env.BENCH_OURS_UNTUNED === '1';
const oursFlags = (): readonly string[] => {
  if (untuned()) return [];
  const given = process.env.BENCH_OURS_FLAGS;
  return given === undefined ? SERVER_NODE_FLAGS : given.split(/\s+/).filter(Boolean);
};

export async function startOurs(opts: OursOptions = {}): Promise<Ours> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fp-bench-'));
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let child!: ChildProcess;
  let output: () => string = () => '';
  let nextId = 1;
  const pending = new Map<number, { res: (body: unknown) => void; rej: (err: Error) => void }>();

  const boot = async () => {
    child = fork(resolve('bench/server.ts'), [], {
      env: {
        ...process.env,
        ...(untuned() ? {} : SERVER_ENV),
        DEMO: '1',
        // The bench's own data dir on SQLite unless the section says otherwise: a
        // DATABASE_URL or REDIS_URL in the shell (set for --only=multinode) would
        // otherwise send this server to a shared PostgreSQL schema that holds none
        // of what the section generated into dataDir (the overview's 401 for byleder).
        DATABASE_URL: '',
        REDIS_URL: '',
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        BENCH_UI: opts.ui ? '1' : '0',
        ...opts.env
      },
      execArgv: [...(opts.exposeGc ? ['--expose-gc'] : []), ...oursFlags()],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    });
    output = collect(child);
    const ready = new Promise<void>((res, rej) => {
      const onMsg = (m: { id: number; body?: unknown; error?: string }) => {
        if (m.id === 0) return res();
        const waiting = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) waiting?.rej(new Error(`bench server: ${m.error}`));
        else waiting?.res(m.body);
      };
      child.on('message', onMsg);
      child.once('exit', (code, signal) => {
        const err = new Error(`bench server exited (${code ?? signal}): ${output()}`);
        rej(err);
        // Requests in flight get no answer from this process: they fail rather than wait for ever.
        for (const waiting of pending.values()) waiting.rej(err);
        pending.clear();
      });
    });
    await Promise.race([ready, sleep(30_000).then(() => Promise.reject(new Error(`bench server did not start: ${output()}`)))]);
  };
  await boot();

  const target: Ours = {
    kind: 'ours',
    url,
    dataDir,
    get pid() {
      return child.pid ?? -1;
    },
    get child() {
      return child;
    },
    roomUrl: (room) => `ws://127.0.0.1:${port}/sync/${room}`,
    providerBase: `ws://127.0.0.1:${port}/sync`,
    request<T>(req: ServerRequestBody) {
      const id = nextId++;
      return new Promise<T>((res, rej) => {
        pending.set(id, { res: res as (b: unknown) => void, rej });
        // A server that has exited (killed by a fault check, not restarted yet) cannot take it: the request fails.
        child.send({ ...req, id }, (err) => {
          if (!err) return;
          pending.delete(id);
          rej(new Error(`bench server: ${req.type} not sent (${err.message})`));
        });
      });
    },
    stats() {
      return target.request<ServerStats>({ type: 'stats' });
    },
    stop: () => stopChild(child, 'SIGTERM'),
    kill9: () => stopChild(child, 'SIGKILL'),
    restart: boot,
    output: () => output()
  };
  return target;
}

export async function startReference(opts: { leveldb: boolean; port?: number; persistDir?: string }): Promise<Target & { persistDir: string | null; restart(): Promise<void> }> {
  const port = opts.port ?? (await freePort());
  const persistDir = opts.leveldb ? (opts.persistDir ?? mkdtempSync(join(tmpdir(), 'fp-bench-ldb-'))) : null;
  let child!: ChildProcess;
  let output: () => string = () => '';
  const boot = async () => {
    // Its defaults (bin/server.js + bin/utils.js): HOST=localhost, PORT=1234, GC on,
    // no auth, ws@6 with permessage-deflate off and maxPayload 100 MiB, a 30 s ping;
    // YPERSISTENCE=<dir> turns on y-leveldb, which stores each update as it comes.
    const env: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: String(port) };
    delete env.YPERSISTENCE;
    delete env.CALLBACK_URL;
    if (persistDir) env.YPERSISTENCE = persistDir;
    child = spawn(process.execPath, [resolve('node_modules/y-websocket-ref/bin/server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    output = collect(child);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`reference server exited: ${output()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(50);
    }
    throw new Error(`reference server did not start: ${output()}`);
  };
  await boot();
  return {
    kind: opts.leveldb ? 'reference-leveldb' : 'reference',
    url: `http://127.0.0.1:${port}`,
    persistDir,
    get pid() {
      return child.pid ?? -1;
    },
    get child() {
      return child;
    },
    roomUrl: (room) => `ws://127.0.0.1:${port}/${room}`,
    providerBase: `ws://127.0.0.1:${port}`,
    stop: () => stopChild(child, 'SIGTERM'),
    kill9: () => stopChild(child, 'SIGKILL'),
    restart: boot,
    output: () => output()
  };
}

export function removeDir(dir: string | null) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** POST /api/auth/login; returns the `session=…` cookie pair. */
export const login = loginCookie;

export async function logins(url: string, username: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await login(url, username));
  return out;
}

/** Families created through the API (as the UI does); returns their ids. */
export async function createFamilies(url: string, cookie: string, teamId: string, n: number, prefix = 'Bench'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/api/families`, {
      method: 'POST',
      headers: { origin: url, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${prefix} ${i}`, teamId })
    });
    if (!r.ok) throw new Error(`create family: HTTP ${r.status} ${await r.text()}`);
    ids.push(((await r.json()) as { id: string }).id);
  }
  return ids;
}
