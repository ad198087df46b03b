// Several nodes (DESIGN §9, §11): three relay nodes on one PostgreSQL + Redis,
// the clients spread over them so that every room has clients on different
// nodes and every fan-out crosses Redis. Measured in one invocation:
// - 3 nodes × N clients: p99 fan-out across nodes (bar ≤ 25 ms), CPU per
//   update summed over the three node processes;
// - one node on PostgreSQL (fan-out on Redis, as deployed) against the
//   reference y-websocket server with its own persistence (y-leveldb), the
//   same load: CPU per update (bar ≤ 1.0×).
// The CPU of PostgreSQL and Redis themselves is not counted (they are other
// processes, as a managed database would be); y-leveldb runs inside the
// reference's process and is. Needs DATABASE_URL and REDIS_URL; each run uses
// a PostgreSQL schema of its own and drops it.
import { randomBytes } from 'node:crypto';
import { dropSchema } from '../server/store/testing.ts';
import { headline, prepareRooms, runLoadOn, sessionsFor, specFor, type LoadShape, type RunFigures } from './relay-load.ts';
import { removeDir, startOurs, startReference, type Ours, type Target } from './lib/proc.ts';
import { ratio } from './lib/stats.ts';

/** Counters and histogram sums of one node's GET /metrics (the bench runs on loopback, so no token is needed). */
async function nodeMetrics(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((l) => (name.includes('{') ? l.startsWith(name) : l.startsWith(`${name}{`) || l.startsWith(`${name} `)))
      .reduce((acc, l) => acc + Number(l.split(' ').at(-1)), 0);
  const mean = (name: string) => Math.round((1e5 * sum(`${name}_sum`)) / Math.max(1, sum(`${name}_count`))) / 100;
  return {
    sequencerFills: sum('fp_sequencer_fills_total'),
    fanoutLagMeanMs: mean('fp_fanout_lag_seconds'),
    commitMeanMs: mean('fp_commit_seconds'),
    remoteUpdates: sum('fp_updates_total{source="remote"'),
    publishFailed: sum('fp_fanout_publish_failed_total')
  };
}

export interface MultiNodeReport {
  skipped?: string;
  nodes: number;
  shape: LoadShape;
  sessions?: string;
  threeNodes?: ReturnType<typeof headline> & { deliveriesMissing: number; connected: number; cpuMicrosPerUpdatePerNode: number };
  /** per node, from its /metrics after the run */
  nodeMetrics?: Awaited<ReturnType<typeof nodeMetrics>>[];
  singleNodePostgres?: ReturnType<typeof headline>;
  referenceLeveldb?: ReturnType<typeof headline>;
  /** single node on PostgreSQL / reference with y-leveldb, CPU per update (bar ≤ 1.0) */
  cpuPerUpdateRatio?: number | null;
  bars?: { bar: string; verdict: 'met' | 'not met'; measured: string }[];
}

async function startNodes(n: number, env: Record<string, string>): Promise<Ours[]> {
  // Together, as a deployment starts: the demo seed runs once, under its advisory lock.
  return Promise.all(Array.from({ length: n }, (_, i) => startOurs({ env: { ...env, NODE_ID: `bench-${String.fromCharCode(97 + i)}` } })));
}

async function stopAll(targets: (Target & { dataDir?: string; persistDir?: string | null })[]) {
  for (const t of targets) {
    await t.stop();
    removeDir(t.dataDir ?? t.persistDir ?? null);
  }
}

export async function multiNode(shape: LoadShape, log: (s: string) => void, nodes = 3): Promise<MultiNodeReport> {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) return { skipped: 'needs DATABASE_URL and REDIS_URL', nodes, shape };
  const report: MultiNodeReport = { nodes, shape };
  const runs: Record<string, Omit<RunFigures, 'target'>> = {};

  // 1. N nodes, clients spread over them.
  {
    const schema = `t_bench_${randomBytes(6).toString('hex')}`;
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, BENCH_DATABASE_SCHEMA: schema, RELAY_NODES: String(nodes), LOG_LEVEL: 'warn' };
    const started = await startNodes(nodes, env);
    try {
      const rooms = await prepareRooms(started[0], shape.rooms, 'Multi');
      const sessions = await sessionsFor(started[0], shape.clients, shape.rate);
      report.sessions = `${sessions.cookies.length} sessions of ≤ ${sessions.perSession} clients, spread over ${nodes} nodes (RELAY_NODES=${nodes}: each node's bucket is the rate / ${nodes})`;
      const spec = specFor(started[0], rooms, shape, sessions);
      spec.targets = started.map((t) => ({ urlTemplate: spec.urlTemplate.replace(started[0].url.replace('http', 'ws'), t.url.replace('http', 'ws')), origin: t.url }));
      log(`multi-node: ${nodes} nodes, ${shape.clients} clients / ${shape.rooms} rooms / ${shape.rate} updates/s`);
      runs.threeNodes = await runLoadOn(
        started.map((t) => t.pid),
        spec
      );
      report.nodeMetrics = await Promise.all(started.map((t) => nodeMetrics(t.url)));
      const r = runs.threeNodes;
      log(`  fan-out p50/p95/p99 ${r.load.fanoutMs.p50}/${r.load.fanoutMs.p95}/${r.load.fanoutMs.p99} ms, CPU (sum) ${r.server.cpuMicrosPerUpdate} µs/update`);
      report.threeNodes = {
        ...headline({ target: 'ours', ...r }),
        deliveriesMissing: r.load.deliveriesMissing,
        connected: r.load.connected,
        cpuMicrosPerUpdatePerNode: Math.round((r.server.cpuMicrosPerUpdate / nodes) * 10) / 10
      };
    } finally {
      await stopAll(started);
      await dropSchema(databaseUrl, schema);
    }
  }

  // 2. One node on PostgreSQL (+ Redis) against the reference with y-leveldb, the same load.
  {
    const schema = `t_bench_${randomBytes(6).toString('hex')}`;
    const [node] = await startNodes(1, { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, BENCH_DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' });
    try {
      const rooms = await prepareRooms(node, shape.rooms, 'Single');
      const sessions = await sessionsFor(node, shape.clients, shape.rate);
      log(`multi-node: one node on PostgreSQL, ${shape.clients} clients`);
      runs.single = await runLoadOn([node.pid], specFor(node, rooms, shape, sessions));
      log(`  fan-out p99 ${runs.single.load.fanoutMs.p99} ms, ${runs.single.server.cpuMicrosPerUpdate} µs/update`);
      report.singleNodePostgres = headline({ target: 'ours', ...runs.single });
    } finally {
      await stopAll([node]);
      await dropSchema(databaseUrl, schema);
    }
    const ref = await startReference({ leveldb: true });
    try {
      const rooms = await prepareRooms(ref, shape.rooms);
      log(`multi-node: reference y-websocket + y-leveldb, ${shape.clients} clients`);
      runs.ref = await runLoadOn([ref.pid], specFor(ref, rooms, shape, await sessionsFor(ref, shape.clients, shape.rate)));
      log(`  fan-out p99 ${runs.ref.load.fanoutMs.p99} ms, ${runs.ref.server.cpuMicrosPerUpdate} µs/update`);
      report.referenceLeveldb = headline({ target: 'reference-leveldb', ...runs.ref });
    } finally {
      await stopAll([ref]);
    }
  }

  const three = report.threeNodes!;
  report.cpuPerUpdateRatio = ratio(report.singleNodePostgres!.cpuMicrosPerUpdate, report.referenceLeveldb!.cpuMicrosPerUpdate);
  report.bars = [
    {
      bar: `Three nodes on one PostgreSQL + Redis, ${shape.clients} clients spread over them: p99 fan-out across nodes ≤ 25 ms`,
      verdict: three.fanoutP99Ms <= 25 && three.connected === shape.clients && three.deliveriesMissing === 0 ? 'met' : 'not met',
      measured: `p99 ${three.fanoutP99Ms} ms, ${three.connected}/${shape.clients} connected, ${three.deliveriesMissing} deliveries missing`
    },
    {
      bar: 'With PostgreSQL, per update at least as cheap as the reference server with y-leveldb (≤ 1.0×)',
      verdict: report.cpuPerUpdateRatio !== null && report.cpuPerUpdateRatio <= 1 ? 'met' : 'not met',
      measured: `${report.singleNodePostgres!.cpuMicrosPerUpdate} µs vs ${report.referenceLeveldb!.cpuMicrosPerUpdate} µs per update (${report.cpuPerUpdateRatio}×)`
    }
  ];
  return report;
}
