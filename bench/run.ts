// `npm run bench`: every figure of DESIGN §9 measured on this machine, ours
// side by side with the reference y-websocket server where one exists. Prints
// the results as JSON on stdout (progress goes to stderr) and writes them to
// bench/results/<time>.json. Never part of `npm test`.
//
//   npm run bench                       the full run (< 10 minutes on 2 cores)
//   npm run bench -- --quick            small N and short windows, for development
//   npm run bench -- --only=relay,faults   sections: relay, client, catchup, faults, overview, history, multinode, logins
//   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench -- --only=multinode   (skipped without both)
//   npm run bench -- --clients=1000 --rooms=250 --rate=1000 --duration=15
//   npm run bench -- --soak-minutes=30  the long memory soak
//   npm run bench -- --only=faults --assert   exit 1 when a fault check fails (a test)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { relayLoad, type LoadShape } from './relay-load.ts';
import { catchUp } from './catch-up.ts';
import { clientBench } from './client.ts';
import { overviewBench } from './overview.ts';
import { historyBench } from './history.ts';
import { faults } from './faults.ts';
import { multiNode } from './multi-node.ts';
import { loginMemory } from './logins.ts';
import { verdicts } from './bars.ts';
import type { TargetKind } from './lib/proc.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  })
);
const quick = args.get('quick') === 'true';
const num = (k: string, full: number, small: number) => Number(args.get(k) ?? (quick ? small : full));
const only = new Set((args.get('only') ?? 'relay,client,catchup,faults,overview,history,multinode,logins').split(','));
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const shape: LoadShape = {
  clients: num('clients', 1000, 100),
  rooms: num('rooms', 250, 25),
  rate: num('rate', 1000, 100),
  warmupMs: num('warmup', 3, 1) * 1000,
  durationMs: num('duration', 15, 4) * 1000
};
const refs: TargetKind[] = args.get('reference') === 'false' ? [] : ['reference', 'reference-leveldb'];

const started = Date.now();
const results: Record<string, unknown> = {
  startedAt: new Date(started).toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  options: { quick, only: [...only], shape, soakMinutes: num('soak-minutes', 2, 0.5) }
};

// The machine's 1-minute load average before and after each section: the cores
// are shared, and a busy neighbour shows here before it shows as a bad figure.
const load: Record<string, [number, number]> = {};
results.loadAverage = load;
async function section<T>(name: string, run: () => Promise<T>): Promise<T> {
  const before = loadavg()[0];
  const out = await run();
  load[name] = [Math.round(before * 100) / 100, Math.round(loadavg()[0] * 100) / 100];
  return out;
}

if (only.has('relay')) results.relay = await section('relay', () => relayLoad(shape, ['ours', ...refs], log));
if (only.has('catchup')) results.catchUp = await section('catchUp', () => catchUp({ families: 25, edits: 500, kinds: ['ours', ...refs] }, log));
if (only.has('faults')) {
  results.faults = await section('faults', () => faults(
    {
      soakMs: num('soak-minutes', 2, 0.5) * 60_000,
      fuzzFrames: num('fuzz-frames', 10_000, 2_000),
      quick,
      refs
    },
    log
  ));
}
if (only.has('client')) results.client = await section('client', () => clientBench({ quick }, log));
if (only.has('overview')) results.overview = await section('overview', () => overviewBench({ quick }, log));
if (only.has('history')) results.history = await section('history', () => historyBench({ quick }, log));
if (only.has('logins')) results.logins = await section('logins', () => loginMemory({ logins: num('logins', 50, 20) }, log));
if (only.has('multinode')) {
  // The bench process itself runs on SQLite: the store's URL is for the nodes it starts.
  results.multiNode = await section('multiNode', () => multiNode(shape, log));
}
results.bars = [...verdicts(results), ...((results.multiNode as Awaited<ReturnType<typeof multiNode>> | undefined)?.bars ?? [])];
results.durationSeconds = Math.round((Date.now() - started) / 1000);

const json = JSON.stringify(results, null, 2);
mkdirSync('bench/results', { recursive: true });
const file = join('bench/results', `${new Date(started).toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(file, json);
writeFileSync(join('bench/results', quick ? 'latest-quick.json' : 'latest.json'), json);
process.stdout.write(`${json}\n`);
log(`done in ${results.durationSeconds} s; written to ${file}`);
const f = results.faults as Awaited<ReturnType<typeof faults>> | undefined;
const failed = f
  ? [
      ...f.killNine.filter((k) => k.target === 'ours' && !k.ok).map(() => 'kill -9'),
      ...(f.fuzz.ok ? [] : ['fuzz']),
      ...(f.rateLimitBurst.ok ? [] : ['rate-limit burst']),
      ...f.slowReaders.filter((s) => s.target === 'ours' && (!s.ok || s.slowReadersCutOff !== s.readers)).map(() => 'slow readers'),
      ...(f.soak.flat && f.soak.everyRoomUnloaded ? [] : ['soak'])
    ]
  : [];
if (failed.length) log(`fault checks failed: ${failed.join(', ')}`);
// Providers' reconnect timers and the like would keep the process alive.
process.exit(args.get('assert') === 'true' && failed.length ? 1 : 0);
