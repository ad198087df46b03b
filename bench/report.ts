// Markdown tables from a bench results file, for docs/performance.md:
//   node bench/report.ts [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import type { RelayLoadReport, RunFigures } from './relay-load.ts';
import type { CatchUpRun } from './catch-up.ts';
import type { ClientResult } from './client.ts';
import type { faults } from './faults.ts';
import type { Bar } from './bars.ts';
import type { OverviewBenchResult } from './overview.ts';
import type { HistoryBenchResult } from './history.ts';

const file = process.argv[2] ?? 'bench/results/latest.json';
const r = JSON.parse(readFileSync(file, 'utf8')) as {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string };
  relay?: RelayLoadReport;
  catchUp?: CatchUpRun[];
  faults?: Awaited<ReturnType<typeof faults>>;
  client?: ClientResult;
  overview?: OverviewBenchResult;
  history?: HistoryBenchResult;
  bars: Bar[];
  loadAverage?: Record<string, [number, number]>;
};
const out: string[] = [];
const row = (...cells: (string | number | null | undefined)[]) => out.push(`| ${cells.map((c) => (c === null || c === undefined ? '–' : String(c))).join(' | ')} |`);

const loads = Object.entries(r.loadAverage ?? {})
  .map(([k, [a, b]]) => `${k} ${a}→${b}`)
  .join(', ');
out.push(`Run of ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.durationSeconds} s, ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}.${loads ? ` Load average (1 min) before→after each section: ${loads}.` : ''}`, '');

if (r.relay) {
  const s = r.relay.shape;
  out.push(`**Relay load**: ${s.clients} clients over ${s.rooms} rooms, ${s.rate} updates/s in total, ${s.durationMs / 1000} s measured after ${s.warmupMs / 1000} s warm-up. ${r.relay.sessions}.`, '');
  const runs = r.relay.runs;
  const by = (k: string) => runs.find((x) => x.target === k);
  const kinds = ['ours', 'reference', 'reference-leveldb'].filter((k) => by(k));
  out.push(`| figure | ${kinds.join(' | ')} | ${kinds.filter((k) => k !== 'ours').map((k) => `ours / ${k}`).join(' | ')} |`);
  out.push(`|---|${kinds.map(() => '---:').join('|')}|${kinds.filter((k) => k !== 'ours').map(() => '---:').join('|')}|`);
  const fig = (label: string, key: string, get: (x: RunFigures) => number) => {
    const ratios = kinds.filter((k) => k !== 'ours').map((k) => r.relay?.ratios[`ours/${k}`]?.[key] ?? null);
    row(label, ...kinds.map((k) => get(by(k) as RunFigures)), ...ratios);
  };
  fig('connect all clients (ms)', 'connectAllMs', (x) => x.load.connectAllMs);
  fig('connect, per client p95 (ms)', 'connectP95Ms', (x) => x.load.connectMs.p95);
  fig('fan-out p50 (ms)', 'fanoutP50Ms', (x) => x.load.fanoutMs.p50);
  fig('fan-out p95 (ms)', 'fanoutP95Ms', (x) => x.load.fanoutMs.p95);
  fig('fan-out p99 (ms)', 'fanoutP99Ms', (x) => x.load.fanoutMs.p99);
  fig('updates/s accepted', 'updatesPerSecond', (x) => x.load.updatesPerSecond);
  fig('deliveries/s', 'deliveriesPerSecond', (x) => x.load.deliveriesPerSecond);
  fig('relay CPU (% of one core)', 'cpuPercent', (x) => x.server.cpuPercent);
  fig('relay CPU per update (µs)', 'cpuMicrosPerUpdate', (x) => x.server.cpuMicrosPerUpdate);
  fig('relay RSS peak (MB)', 'rssPeakMb', (x) => x.server.rssPeakMb);
  fig('relay RSS growth under load (MB)', 'rssGrowthMb', (x) => x.server.rssGrowthMb);
  row('deliveries missing', ...kinds.map((k) => by(k)?.load.deliveriesMissing), ...kinds.filter((k) => k !== 'ours').map(() => ''));
  row('generator event-loop delay p99 (ms)', ...kinds.map((k) => by(k)?.load.generator.eventLoopDelayP99Ms), ...kinds.filter((k) => k !== 'ours').map(() => ''));
  out.push('');
}

if (r.catchUp) {
  out.push('**Sync catch-up** (25 families, 500 offline edits on the tablet + 500 by a colleague, 25 WebsocketProviders reconnecting):', '');
  out.push('| target | fully synced, median (ms) | worst of 3 (ms) | rooms not synced |', '|---|---:|---:|---:|');
  for (const c of r.catchUp) row(c.target, c.fullySyncedMs.p50, c.fullySyncedMs.max, c.unsyncedRooms);
  out.push('');
}

if (r.client) {
  const c = r.client;
  out.push('**Client** (Chromium, built app):', '');
  out.push('| figure | p50 | p95 | n |', '|---|---:|---:|---:|');
  if (c.largePlan) {
    const lp = c.largePlan;
    row(`large plan from IndexedDB, in-app navigation to first paint (ms)`, lp.firstPaint.inAppNavigationMs.p50, lp.firstPaint.inAppNavigationMs.p95, lp.firstPaint.inAppNavigationMs.n);
    row(`large plan, in-app navigation without a stored copy to first paint (ms)`, lp.firstPaint.inAppWithoutCopyMs.p50, lp.firstPaint.inAppWithoutCopyMs.p95, lp.firstPaint.inAppWithoutCopyMs.n);
    row(`large plan, full page load to first paint (ms)`, lp.firstPaint.fullPageLoadMs.p50, lp.firstPaint.fullPageLoadMs.p95, lp.firstPaint.fullPageLoadMs.n);
    row(`large plan, in-app navigation to the whole plan in the DOM (ms)`, lp.wholePlan.inAppNavigationMs.p50, lp.wholePlan.inAppNavigationMs.p95, lp.wholePlan.inAppNavigationMs.n);
    row(`large plan, without a stored copy to the whole plan in the DOM (ms)`, lp.wholePlan.inAppWithoutCopyMs.p50, lp.wholePlan.inAppWithoutCopyMs.p95, lp.wholePlan.inAppWithoutCopyMs.n);
    row(`large plan, full page load to the whole plan in the DOM (ms)`, lp.wholePlan.fullPageLoadMs.p50, lp.wholePlan.fullPageLoadMs.p95, lp.wholePlan.fullPageLoadMs.n);
  }
  if (c.caseload) {
    row(`caseload ${c.caseload.families} families: first list paint (ms)`, c.caseload.firstListPaintMs.p50, c.caseload.firstListPaintMs.p95, c.caseload.firstListPaintMs.n);
    row(`caseload: search/filter/sort, DOM updated + laid out (ms)`, c.caseload.filterSortWorkMs.p50, c.caseload.filterSortWorkMs.p95, c.caseload.filterSortWorkMs.n);
    row(`caseload: search/filter/sort to next frame (ms)`, c.caseload.filterSortToPaintMs.p50, c.caseload.filterSortToPaintMs.p95, c.caseload.filterSortToPaintMs.n);
  }
  if (c.initialJs) {
    out.push('', '| page | scripts | JS files | raw (KiB) | gzip -9 (KiB) | as transferred (KiB) |', '|---|---|---:|---:|---:|---:|');
    for (const [page, p] of Object.entries(c.initialJs)) {
      for (const [which, j] of [['before first paint', p.initial], ['after it (background sync)', p.deferred]] as const) {
        row(page, which, j.files, (j.rawBytes / 1024).toFixed(1), (j.gzipBytes / 1024).toFixed(1), (j.transferredBytes / 1024).toFixed(1));
      }
    }
  }
  if (c.error) out.push('', `Client error: ${c.error.split('\n')[0]}`);
  out.push('');
}

if (r.faults) {
  const f = r.faults;
  out.push('**Faults**:', '');
  out.push('| check | target | result |', '|---|---|---|');
  for (const k of f.killNine) {
    row('kill -9 under load, restart', k.target, `${k.editsMade} edits by ${k.devices} devices; ${k.forwardedBeforeKill} forwarded before the kill, ${k.forwardedButNotPersisted} of them not persisted; **${k.lostEdits} lost**; converged in ${k.convergeMs} ms after the last edit; restart ${k.restartMs} ms`);
  }
  const z = f.fuzz;
  row('fuzzed frames', 'ours', `${z.frames} frames (+${z.oversizedFrames} oversized) over ${z.connections} connections in ${(z.durationMs / 1000).toFixed(1)} s; survived: ${z.relaySurvived}; other rooms changed: ${z.otherRoomsChanged}, updates seen there: ${z.otherRoomUpdates}; fuzzed room same after restart: ${z.fuzzedRoomConsistent}; closes ${JSON.stringify(z.closeCodes)}`);
  const b = f.rateLimitBurst;
  row('burst over the rate limit', 'ours', `${b.edits} single edits at once from one session over ${b.rooms} rooms: closes ${JSON.stringify(b.closeCodes)}; providers that gave up: ${b.providersGaveUp}; **recovered: ${b.recovered}**${b.deliveredMs === undefined ? '' : ` (every edit at the other device after ${b.deliveredMs} ms)`}`);
  for (const s of f.slowReaders) {
    row('slow readers', s.target, `${s.readers} readers that never drain, writer ${s.writerKbPerSecond} KiB/s: other rooms p99 ${s.baseline.fanoutP99Ms} → ${s.withSlowReaders.fanoutP99Ms} ms, ${s.withSlowReaders.missing} missing; relay RSS growth ${s.rssGrowthMb.baseline} → ${s.rssGrowthMb.withSlowReaders} MB; readers cut off by the relay: ${s.slowReadersCutOff}`);
  }
  const k = f.soak;
  row('memory soak', 'ours', `${k.cycles.length} load/unload cycles in ${k.minutes} min (rooms unload after ${k.roomIdleSeconds} s): RSS ${k.rssFirstMb} → ${k.rssLastMb} MB (${k.rssSlopeMbPerMinute} MB/min), heap after GC ${k.heapFirstMb} → ${k.heapLastMb} MB (${k.heapSlopeMbPerMinute} MB/min); every room unloaded: ${k.everyRoomUnloaded}; flat: ${k.flat}`);
  out.push('');
}

const o = r.overview;
if (o?.city && o.api && o.page) {
  out.push(
    `**Leader overview** (${o.city.families} families, ${o.city.teams} teams, ${o.city.workers} workers; summaries backfilled in ${o.backfill?.seconds ?? '–'} s at start):`,
    ''
  );
  out.push('| figure | p50 | p95 | n |', '|---|---:|---:|---:|');
  row('GET /api/overview, all teams (ms)', o.api.allTeams.p50, o.api.allTeams.p95, o.api.allTeams.n);
  row('GET /api/overview, one team (ms)', o.api.oneTeam.p50, o.api.oneTeam.p95, o.api.oneTeam.n);
  row(`GET /api/overview, drill-down to one worker's ${o.api.drillDown.families} families (ms)`, o.api.drillDown.p50, o.api.drillDown.p95, o.api.drillDown.n);
  row('overview page, full load until usable (ms)', o.page.usableMs.p50, o.page.usableMs.p95, o.page.usableMs.n);
  row(`sort ${o.page.workersShown} workers to paint (ms)`, o.page.sortToPaintMs.p50, o.page.sortToPaintMs.p95, o.page.sortToPaintMs.n);
  out.push('');
}

const h = r.history;
if (h?.plan && h.api) {
  out.push(`**History of the large plan** (${h.plan.updates} updates over ${h.plan.days} days by ${h.plan.authors} authors; ${h.plan.sessions} sessions, ${h.plan.changes} changes, ${Math.round(h.plan.responseBytes / 1024)} KiB as JSON):`, '');
  out.push('| figure | p50 | p95 | n |', '|---|---:|---:|---:|');
  row(`GET …/history, first request after start (ms; server CPU ${h.api.coldCpuMs.join(', ')} ms)`, h.api.coldMs.p50, h.api.coldMs.p95, h.api.coldMs.n);
  row(`GET …/history, a second such plan's first request (ms; server CPU ${h.api.coldRoomCpuMs.join(', ')} ms)`, h.api.coldRoomMs.p50, h.api.coldRoomMs.p95, h.api.coldRoomMs.n);
  row('GET …/history, warm (ms)', h.api.warmMs.p50, h.api.warmMs.p95, h.api.warmMs.n);
  if (h.page) {
    row('history page, full load to the timeline painted (ms)', h.page.fullPageLoadMs.p50, h.page.fullPageLoadMs.p95, h.page.fullPageLoadMs.n);
    row('history page, in-app from the plan to the timeline painted (ms)', h.page.inAppNavigationMs.p50, h.page.inAppNavigationMs.p95, h.page.inAppNavigationMs.n);
  }
  out.push('');
}

out.push('**DESIGN §9 bars** (and the leader overview\'s, issue 7):', '', '| bar | verdict | measured |', '|---|---|---|');
for (const b of [...r.bars, ...(o?.bars ?? [])]) row(b.bar, b.verdict === 'met' ? 'met' : `**${b.verdict}**`, b.measured);
process.stdout.write(`${out.join('\n')}\n`);
