// DESIGN §9's bars, judged from one run's results: met, not met, or not yet
// measurable (with what was measured instead, when something was).
import type { RelayLoadReport } from './relay-load.ts';
import type { CatchUpRun } from './catch-up.ts';
import type { ClientResult } from './client.ts';
import type { KillResult } from './faults.ts';
import { historyBars, type HistoryBenchResult } from './history.ts';

export type Verdict = 'met' | 'not met' | 'not yet measurable' | 'not run';

export interface Bar {
  bar: string;
  verdict: Verdict;
  measured: string;
}

const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'not met');

export function verdicts(r: Record<string, unknown>): Bar[] {
  const client = r.client as ClientResult | undefined;
  const relay = r.relay as RelayLoadReport | undefined;
  const catchUp = r.catchUp as CatchUpRun[] | undefined;
  const faults = r.faults as { killNine: KillResult[] } | undefined;
  const bars: Bar[] = [];

  const plan = client?.largePlan;
  bars.push(
    plan
      ? {
          bar: 'Large plan (60 goals, 300 actions, 150 meetings) from the device to first paint ≤ 50 ms p95 in Chromium',
          verdict: verdict(plan.firstPaint.inAppNavigationMs.p95 <= 50),
          measured:
            `first paint (header + first screenful) by in-app navigation p95 ${plan.firstPaint.inAppNavigationMs.p95} ms ` +
            `(without a stored copy of the view ${plan.firstPaint.inAppWithoutCopyMs.p95} ms; full page load ${plan.firstPaint.fullPageLoadMs.p95} ms); ` +
            `whole plan in the DOM p95 ${plan.wholePlan.inAppNavigationMs.p95} ms in-app; page shows ${plan.rendered}`
        }
      : { bar: 'Large plan to first paint ≤ 50 ms p95', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );

  const caseload = client?.caseload;
  bars.push(
    caseload
      ? {
          bar: 'Caseload of 5,000 families: filter + sort from the local index ≤ 16 ms',
          verdict: verdict(caseload.filterSortWorkMs.p95 <= 16),
          measured: `search/filter/sort change until the DOM is updated and laid out: p95 ${caseload.filterSortWorkMs.p95} ms (p50 ${caseload.filterSortWorkMs.p50}); to the next frame p95 ${caseload.filterSortToPaintMs.p95} ms; ${caseload.families} families`
        }
      : { bar: 'Caseload filter + sort ≤ 16 ms', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );
  bars.push(
    caseload
      ? {
          bar: 'Caseload of 5,000 families: first list paint ≤ 300 ms',
          verdict: verdict(caseload.firstListPaintMs.p95 <= 300),
          measured: `full page load to the first 60 rows painted p95 ${caseload.firstListPaintMs.p95} ms (loads back to back, each while the previous load's sweep still runs on the server: p95 ${caseload.firstListPaintBackToBackMs?.p95 ?? '–'} ms)`
        }
      : { bar: 'Caseload first list paint ≤ 300 ms', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );
  bars.push(
    caseload?.startPagePaintMs
      ? {
          bar: 'Start page with 5,000 families (tovholder desk, my actions, first rows) painted ≤ 300 ms',
          verdict: verdict(caseload.startPagePaintMs.p95 <= 300),
          measured: `full page load to the desk and the first 60 rows painted p95 ${caseload.startPagePaintMs.p95} ms (${caseload.deskItems ?? 0} desk rows)`
        }
      : { bar: 'Start page painted ≤ 300 ms', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );

  const tablet = client?.tablet;
  bars.push(
    tablet
      ? {
          bar: `Tablet (CPU throttled ${tablet.cpuThrottling}×): large plan first paint ≤ 100 ms p95`,
          verdict: verdict(tablet.largePlan.firstPaint.inAppNavigationMs.p95 <= 100),
          measured: `in-app p95 ${tablet.largePlan.firstPaint.inAppNavigationMs.p95} ms (without a stored copy ${tablet.largePlan.firstPaint.inAppWithoutCopyMs.p95} ms; full page load ${tablet.largePlan.firstPaint.fullPageLoadMs.p95} ms)`
        }
      : { bar: 'Tablet: large plan first paint ≤ 100 ms p95', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' },
    tablet
      ? {
          bar: `Tablet (CPU throttled ${tablet.cpuThrottling}×): caseload filter + sort ≤ 33 ms`,
          verdict: verdict(tablet.caseload.filterSortWorkMs.p95 <= 33),
          measured: `DOM updated and laid out p95 ${tablet.caseload.filterSortWorkMs.p95} ms; to the next frame p95 ${tablet.caseload.filterSortToPaintMs.p95} ms; ${tablet.caseload.families} families`
        }
      : { bar: 'Tablet: caseload filter + sort ≤ 33 ms', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' },
    tablet
      ? {
          bar: `Tablet (CPU throttled ${tablet.cpuThrottling}×): caseload first list paint ≤ 600 ms`,
          verdict: verdict(tablet.caseload.firstListPaintMs.p95 <= 600),
          measured: `full page load to the first 60 rows painted p95 ${tablet.caseload.firstListPaintMs.p95} ms (back to back: p95 ${tablet.caseload.firstListPaintBackToBackMs?.p95 ?? '–'} ms)`
        }
      : { bar: 'Tablet: caseload first list paint ≤ 600 ms', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );
  const js = client?.initialJs;
  bars.push(
    js
      ? {
          bar: 'Initial JavaScript of the login and caseload pages ≤ 120 KiB gzip',
          verdict: verdict(Math.max(js.login.initial.gzipBytes, js.caseload.initial.gzipBytes) <= 120 * 1024),
          measured:
            `before first paint: login ${(js.login.initial.gzipBytes / 1024).toFixed(1)} KiB, caseload ${(js.caseload.initial.gzipBytes / 1024).toFixed(1)} KiB; ` +
            `fetched after it by the background sync (room code): login ${(js.login.deferred.gzipBytes / 1024).toFixed(1)} KiB, caseload ${(js.caseload.deferred.gzipBytes / 1024).toFixed(1)} KiB`
        }
      : { bar: 'Initial JavaScript ≤ 120 KiB gzip', verdict: client ? 'not yet measurable' : 'not run', measured: client?.error ?? '' }
  );

  // Issue #17: the large plan's history (bench/history.ts).
  const history = r.history as HistoryBenchResult | undefined;
  if (history) bars.push(...historyBars(history));
  else bars.push({ bar: 'History of the large plan loads ≤ 300 ms (API and page)', verdict: 'not run', measured: '' });

  const ours = catchUp?.find((c) => c.target === 'ours');
  bars.push(
    ours
      ? {
          bar: 'Tablet back online (25 families, 500 edits) fully synced ≤ 3 s over loopback',
          verdict: verdict(ours.fullySyncedMs.max <= 3000 && ours.unsyncedRooms === 0),
          measured: `median ${ours.fullySyncedMs.p50} ms, worst ${ours.fullySyncedMs.max} ms of ${ours.rounds}`
        }
      : { bar: 'Catch-up ≤ 3 s', verdict: 'not run', measured: '' }
  );

  const load = relay?.runs.find((x) => x.target === 'ours');
  if (load && relay) {
    bars.push({
      bar: `Relay: ${relay.shape.clients} concurrent clients on 2 cores, p99 fan-out ≤ 25 ms`,
      verdict: verdict(load.load.fanoutMs.p99 <= 25 && load.load.connected === relay.shape.clients && load.load.deliveriesMissing === 0),
      measured: `p99 ${load.load.fanoutMs.p99} ms at ${load.load.updatesPerSecond} updates/s, ${load.load.connected} connected, ${load.load.deliveriesMissing} deliveries missing`
    });
    const refs = relay.runs.filter((x) => x.target !== 'ours');
    const cheaper = refs.map((ref) => `${ref.target} ${ref.server.cpuMicrosPerUpdate} µs`);
    bars.push({
      bar: 'Relay: per update at least as cheap as the reference y-websocket server (side by side, one run)',
      verdict: refs.length ? verdict(refs.every((ref) => load.server.cpuMicrosPerUpdate <= ref.server.cpuMicrosPerUpdate)) : 'not run',
      measured: `relay CPU per update: ours ${load.server.cpuMicrosPerUpdate} µs; ${cheaper.join('; ')}`
    });
  } else {
    bars.push({ bar: 'Relay: 1,000 clients, p99 fan-out ≤ 25 ms; per update as cheap as the reference', verdict: 'not run', measured: '' });
  }

  const kill = faults?.killNine.find((k) => k.target === 'ours');
  bars.push(
    kill
      ? {
          bar: 'kill -9 of the relay loses nothing: after restart all devices converge with every edit',
          verdict: verdict(kill.ok),
          measured: `${kill.editsMade} edits, ${kill.lostEdits} lost, ${kill.forwardedButNotPersisted} forwarded-but-not-persisted, converged ${kill.converged}`
        }
      : { bar: 'kill -9 loses nothing', verdict: 'not run', measured: '' }
  );
  return bars;
}
