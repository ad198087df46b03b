// Client figures in Chromium (Playwright, Debian's /usr/bin/chromium) against
// the built app (vite build) served by bench/server.ts with demo data:
//  - a large plan (2 years: 60 goals, 300 actions, 150 meetings) opened from
//    IndexedDB with the relay unreachable, by in-app navigation and by a full
//    page load: (a) first paint, the first frame with the plan's header and
//    everything the finished page shows in the first viewport, and (b) the
//    first frame after the whole plan is in the DOM;
//  - the caseload with 5,000 families in the local index: first list paint,
//    and search / filter / sort to paint;
//  - initial JavaScript (gzip) of the login and caseload pages (initial-js.ts);
//  - the large plan and the caseload again on a "tablet": Chromium's CPU
//    throttled 4× (DESIGN §9's tablet bars).
// "Painted" = the DOM holds the content and one frame has been produced after
// it (requestAnimationFrame, then a task).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as Y from 'yjs';
import type { Browser, Page } from '@playwright/test';
import { addAction, addDecision, addGoal, addHope, addMeeting, collection, updateItem } from '../src/lib/domain/plan.ts';
import { VIEW_SNAPSHOT_KEY, VIEW_SNAPSHOT_STORE } from '../src/lib/storage/view-snapshot.ts';
import { initialJs, kib, launchChromium, signedIn, type InitialJs } from './initial-js.ts';
import { createFamilies, login, removeDir, startOurs } from './lib/proc.ts';
import { providerFor, synced } from './lib/yclient.ts';
import { PAINT_WATCH } from './lib/paint.ts';
import { round, summarize, type Summary } from './lib/stats.ts';
import { roomName } from '../src/lib/shared/rooms.ts';

const NOT_YET = 'not yet measurable';

/** Field tablets are several times slower than this machine's cores (DESIGN §9). */
export const TABLET_CPU_THROTTLING = 4;

export interface ClientResult {
  build: { ok: boolean; seconds: number; error?: string };
  largePlan?: LargePlanFigures;
  caseload?: CaseloadFigures;
  initialJs?: InitialJs;
  /** the large plan and caseload figures again with Chromium's CPU throttled (CDP Emulation.setCPUThrottlingRate) */
  tablet?: { cpuThrottling: number; largePlan: LargePlanFigures; caseload: CaseloadFigures };
  error?: string;
}

export interface LargePlanFigures {
  goals: number;
  actions: number;
  meetings: number;
  updateBytes: number;
  rendered: string;
  /** what (a) waits for: every element the finished page shows in the first viewport (1280×800), as selectors */
  firstScreen: string[];
  /** (a) navigation start → the first frame in which the header shows the family and every `firstScreen` element is in the DOM, inside the viewport (DESIGN §9's bar) */
  firstPaint: { inAppNavigationMs: Summary; fullPageLoadMs: Summary; inAppWithoutCopyMs: Summary };
  /** (b) navigation start → the first frame after every action row, every goal, the meetings shown, the feedback and the family sections are in the DOM */
  wholePlan: { inAppNavigationMs: Summary; fullPageLoadMs: Summary; inAppWithoutCopyMs: Summary };
  /** repetitions whose page was painted from the stored copy of the view (out of all, the cold first one included) */
  fromCopy: { inApp: number; fullPageLoad: number; inAppWithoutCopy: number; of: number };
  /** every repetition in order, the cold first one included: [first paint, whole plan] */
  samplesMs: { inApp: [number, number][]; fullPageLoad: [number, number][]; inAppWithoutCopy: [number, number][] };
  /** opening the plan's sealed room store in the page (decrypt + apply every record), from the in-app openings of this series */
  sealedRoomLoad?: { ms: Summary; records: number[] };
  note: string;
}

export interface CaseloadFigures {
  families: number;
  indexFillSeconds: number;
  firstListPaintMs: Summary;
  /** the same loads back to back: each starts while the previous load's sweep still runs on the server */
  firstListPaintBackToBackMs?: Summary;
  /** quiet loads without the caseload's sealed copy (every row read) */
  firstListPaintWithoutCopyMs?: Summary;
  /** quiet loads after a change synced in (one family's row written by the previous load's sweep) */
  firstListPaintAfterChangeMs?: Summary;
  /** every load of both series, in order (the first of each is dropped from the summaries: cold) */
  firstListPaintSamplesMs?: { quiet: number[]; backToBack: number[]; withoutCopy?: number[]; afterChange?: number[] };
  /** full page load → the start page painted: the tovholder's desk and my actions (issue #16) and the first 60 rows; absent in results from before */
  startPagePaintMs?: Summary;
  /** items the desk listed in that paint */
  deskItems?: number;
  /** event → filterAndSort over every row, DOM updated, style and layout done: what must fit in one 16 ms frame */
  filterSortWorkMs: Summary;
  /** event → the next frame after it (includes waiting for that frame) */
  filterSortToPaintMs: Summary;
  /** each step's work samples, by `control=value` (absent in results from before) */
  filterSortWorkByStepMs?: Record<string, number[]>;
  note: string;
}

const PAINT_HELPERS = `${PAINT_WATCH}  window.__watch = (selector, n) => window.__watchFor(() => document.querySelectorAll(selector).length >= n);
  // (a): the header names the family and every element of the finished page's first viewport is there, in the viewport.
  window.__firstScreen = (name, selectors) => () => {
    const h1 = document.querySelector('.planhead h1');
    if (!h1 || h1.textContent !== name) return false;
    const els = selectors.map((q) => document.querySelector(q));
    if (els.some((el) => !el)) return false;
    return els.every((el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; });
  };
  // (b): the whole plan is in the DOM.
  window.__wholePlan = (e) => () =>
    document.querySelectorAll('[data-action-id]').length >= e.actions &&
    document.querySelectorAll('[data-goal-id]').length >= e.goals &&
    document.querySelectorAll('[data-meeting-id]').length >= e.meetingsShown &&
    !!document.getElementById('feedback') && !!document.getElementById('family');
  window.__planTimes = (e) => Promise.all([window.__watchFor(window.__firstScreen(e.name, e.firstScreen)), window.__watchFor(window.__wholePlan(e))]);
`;

/** The elements a page shows in its first viewport (at scroll 0), as selectors; run in the page once the whole plan is there. */
function firstScreenSelectors(): string[] {
  const out: string[] = [];
  const attrs = ['data-warning', 'data-hope-id', 'data-goal-id', 'data-action-id', 'data-meeting-id', 'data-feedback-id'];
  for (const el of document.querySelectorAll<HTMLElement>(`${attrs.map((a) => `[${a}]`).join(', ')}, #tovholder, #goals-h, #meetings, #feedback, #family`)) {
    const r = el.getBoundingClientRect();
    if (r.bottom <= 0 || r.top >= innerHeight) continue;
    const attr = attrs.find((a) => el.hasAttribute(a));
    out.push(attr ? `[${attr}="${el.getAttribute(attr)}"]` : `#${el.id}`);
  }
  return out;
}

/**
 * 60 goals, 300 actions and 150 meetings written as two years of separate edits, with status changes.
 * `onDay` runs at the start of each of the 730 days, before that day's edits (bench/history.ts stamps each edit with a day and an author).
 */
export function largePlan(doc: Y.Doc, onDay?: (day: number) => void) {
  const start = Date.parse('2024-01-08T09:00:00Z');
  const at = (day: number) => new Date(start + day * 86_400_000).toISOString();
  const hopes = [0, 1, 2, 3].map((h) => addHope(doc, { text: `Familiens ønske nummer ${h + 1}: at hverdagen hænger sammen.`, saidBy: h % 2 ? 'mor' : 'barnet', createdAt: at(h) }));
  const goals: string[] = [];
  const actions: string[] = [];
  const sectors = ['social', 'school', 'health', 'employment'] as const;
  for (let day = 0, g = 0, a = 0, m = 0; day < 730; day++) {
    onDay?.(day);
    if (g < 60 && day % 12 === 0) goals.push(addGoal(doc, { title: `Mål ${++g}: fast rytme i hverdagen`, hopeId: hopes[g % 4], targetDate: at(day + 90).slice(0, 10), createdAt: at(day) }));
    if (a < 300 && day % 2 === 0 && goals.length) {
      actions.push(
        addAction(doc, {
          title: `Indsats ${++a}: samtale og opfølgning`,
          goalId: goals[a % goals.length],
          sector: sectors[a % 4],
          ownerName: 'Anna Holm',
          due: at(day + 30).slice(0, 10),
          status: 'aaben',
          level: 'raad',
          createdAt: at(day),
          createdBy: 'u-frida'
        })
      );
    }
    if (m < 150 && day % 4 === 0) {
      m++;
      const meeting = addMeeting(doc, {
        date: at(day).slice(0, 10),
        title: `Netværksmøde ${m}`,
        participants: ['Familien', 'rådgiver', 'lærer', 'sundhedsplejerske'],
        notes: 'Vi talte om hvordan det går i skolen og derhjemme. Aftalt: næste møde om en måned.',
        createdAt: at(day),
        createdBy: 'u-frida'
      });
      addDecision(doc, meeting, { text: 'Næste møde om en måned', createdAt: at(day) });
    }
    // Two years of changes: actions start and finish, goals are reached.
    if (day % 3 === 1 && actions.length > 4) updateItem(doc, 'actions', actions[(day * 7) % actions.length], { status: day % 2 ? 'igang' : 'udfoert' });
    if (day % 40 === 39 && goals.length) updateItem(doc, 'goals', goals[day % goals.length], { status: 'naaet' });
  }
}

/** Slows the page's CPU as a field tablet's would be (1: no throttling). Applies to the page's renderer until it is closed. */
async function throttleCpu(page: Page, rate: number) {
  if (rate === 1) return;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

const profileLabel = (cpuRate: number) => (cpuRate === 1 ? '' : ` (tablet, CPU ${cpuRate}× slower)`);

/** What the caseload's init script adds to the page (see measureCaseload). */
type OpenIndex = { __openIndex: (userId: string) => Promise<IDBDatabase> };

async function repeat<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

/** A CPU profile of `f` (Chrome DevTools' format: open it in the Performance panel), written to `file`. */
async function profiled(page: Page, file: string, f: () => Promise<unknown>) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await f();
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  await cdp.detach();
}

/** A Chromium performance trace of `f` (for DevTools or chrome://tracing), written to `file`. */
async function traced(browser: Browser, page: Page, file: string, f: () => Promise<unknown>) {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing', 'loading', 'blink'] });
  await f();
  writeFileSync(file, await browser.stopTracing());
}

/**
 * Whether profiles and traces (BENCH_CLIENT_PROFILE, BENCH_CLIENT_TRACE) are taken in a series
 * run at `cpuRate`: the unthrottled one, or the one BENCH_CLIENT_CPU names.
 */
const diagnosed = (cpuRate: number) => cpuRate === (Number(process.env.BENCH_CLIENT_CPU) || 1);

export async function clientBench(opts: { quick: boolean }, log: (s: string) => void): Promise<ClientResult> {
  const reps = Number(process.env.BENCH_CLIENT_REPS) || (opts.quick ? 4 : 20);
  const t0 = performance.now();
  const build = spawnSync(process.execPath, ['scripts/build-if-needed.ts'], { encoding: 'utf8' });
  const result: ClientResult = { build: { ok: build.status === 0, seconds: round((performance.now() - t0) / 1000, 1) } };
  if (build.status !== 0) {
    result.build.error = `${build.stdout}\n${build.stderr}`.trim().slice(-2000);
    result.error = `the app does not build: client figures ${NOT_YET}`;
    log(result.error);
    return result;
  }
  const server = await startOurs({ ui: true });
  let browser: Browser | null = null;
  try {
    // BENCH_CLIENT_FAMILIES: the caseload's size in a quick run (the 5,000-family bars with few repetitions).
    const families = Number(process.env.BENCH_CLIENT_FAMILIES) || (opts.quick ? 1000 : 5000);
    await server.request<string[]>({ type: 'families', teamId: 'gellerup', district: 'Gellerup', createdBy: 'u-anna', sector: 'social', count: families, prefix: 'city' });

    // The large plan, in Frida's team (Viby) so her caseload stays small.
    const frida = await login(server.url, 'frida');
    const [planId] = await createFamilies(server.url, frida, 'viby', 1, 'Familien Stor');
    const doc = new Y.Doc();
    largePlan(doc);
    const updateBytes = Y.encodeStateAsUpdate(doc).byteLength;
    const p = providerFor(server, roomName(planId, 'plan'), doc, { cookie: frida });
    await synced(p);
    await new Promise((r) => setTimeout(r, 500));
    p.destroy();
    const actions = collection(doc, 'actions').size;

    browser = await launchChromium();
    const chromium = browser;

    // ---- large plan from IndexedDB ----
    const measureLargePlan = async (cpuRate: number, reps: number): Promise<LargePlanFigures> => {
      const context = await signedIn(chromium, server, 'frida');
      await context.addInitScript({ content: PAINT_HELPERS });
      const page = await context.newPage();
      const meetingsShown = 4; // the page shows the upcoming and latest meetings four at a time
      const planTimes = { name: '', actions, goals: collection(doc, 'goals').size, meetingsShown, firstScreen: [] as string[] };
      // First visit online: the plan syncs from the relay into IndexedDB.
      await page.goto(`/familie/${planId}`);
      await page.waitForFunction((e) => (window as unknown as { __wholePlan: (e: unknown) => () => boolean }).__wholePlan(e)(), planTimes);
      // The page stores a copy of its view once the document has been quiet for a moment; give it time, then record what the first viewport holds.
      await page.waitForTimeout(2500);
      planTimes.firstScreen = await page.evaluate(firstScreenSelectors);
      planTimes.name = (await page.locator('.planhead h1').textContent()) ?? '';
      // From now on the relay is unreachable: whatever shows comes from the device.
      await context.routeWebSocket(/\/sync\//, () => {});
      // The profile's CPU from here on: the setup above ran at full speed.
      await throttleCpu(page, cpuRate);
      // Each full page load starts timing at navigation start (performance.now() is 0 there).
      await context.addInitScript({
        content: `if (location.pathname.startsWith('/familie/')) window.__planTimesLoad = window.__planTimes(${JSON.stringify(planTimes)});`
      });
      const fromCopy = () => page.evaluate(() => document.querySelector('.planhead')?.hasAttribute('data-from-copy') ?? false);
      const counts = { inApp: 0, fullPageLoad: 0, inAppWithoutCopy: 0, of: reps };
      const full = await repeat(reps, async () => {
        await page.goto(`/familie/${planId}`, { waitUntil: 'commit' });
        const t = await page.evaluate(() => (window as unknown as { __planTimesLoad: Promise<[number, number]> }).__planTimesLoad);
        if (await fromCopy()) counts.fullPageLoad++;
        return t;
      });
      // In-app navigation with the device offline (as in the field): caseload → plan,
      // back by the page's own link, again. Offline also keeps the app's background
      // sweep quiet, which would otherwise open rooms between the clicks.
      await page.goto('/', { waitUntil: 'commit' });
      await page.locator(`a[data-family-id="${planId}"]`).waitFor();
      await context.setOffline(true);
      let rendered = { actions: 0, goals: 0, meetings: 0 };
      /** Removes the stored copy of the plan's view, as a change made elsewhere would make it unusable (true when there was one). */
      const dropCopy = () =>
        page.evaluate(
          ({ room, store, key }) =>
            new Promise<boolean>((resolve, reject) => {
              const open = indexedDB.open(room);
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const db = open.result;
                const tx = db.transaction(store, 'readwrite');
                const had = tx.objectStore(store).count(key);
                tx.objectStore(store).delete(key);
                tx.oncomplete = () => {
                  db.close();
                  resolve(had.result > 0);
                };
                tx.onerror = () => reject(tx.error);
              };
            }),
          { room: roomName(planId, 'plan'), store: VIEW_SNAPSHOT_STORE, key: VIEW_SNAPSHOT_KEY }
        );
      const openInApp = async (withoutCopy: boolean): Promise<[number, number]> => {
        await page.locator(`a[data-family-id="${planId}"]`).waitFor();
        // Leaving the plan may still be storing its copy: let it finish.
        await page.waitForTimeout(300);
        if (withoutCopy) await dropCopy();
        const t = await page.evaluate(
          async ({ id, e }) => {
            const w = window as unknown as { __planTimes: (e: unknown) => Promise<[number, number]> };
            const link = document.querySelector<HTMLAnchorElement>(`a[data-family-id="${id}"]`);
            if (!link) throw new Error('no link to the plan');
            const start = performance.now();
            const times = w.__planTimes(e);
            link.click();
            const [first, whole] = await times;
            return [first - start, whole - start] as [number, number];
          },
          { id: planId, e: planTimes }
        );
        if (await fromCopy()) counts[withoutCopy ? 'inAppWithoutCopy' : 'inApp']++;
        await page.waitForTimeout(200);
        rendered = await page.evaluate(() => ({
          actions: document.querySelectorAll('[data-action-id]').length,
          goals: document.querySelectorAll('[data-goal-id]').length,
          meetings: document.querySelectorAll('[data-meeting-id]').length
        }));
        await page.evaluate(() => document.querySelector<HTMLAnchorElement>('a[href="/"]')?.click());
        return t;
      };
      const inApp = await repeat(reps, () => openInApp(false));
      // BENCH_CLIENT_TRACE=<dir>: three in-app openings as Chromium performance traces (plan-N.json, for chrome://tracing or DevTools).
      if (process.env.BENCH_CLIENT_TRACE && diagnosed(cpuRate)) {
        for (let i = 0; i < 3; i++) await traced(chromium, page, `${process.env.BENCH_CLIENT_TRACE}/plan-${i}.json`, () => openInApp(false));
      }
      if (process.env.BENCH_CLIENT_PROFILE && diagnosed(cpuRate)) await profiled(page, `${process.env.BENCH_CLIENT_PROFILE}/plan.cpuprofile`, () => openInApp(false));
      // The first opening after a change made elsewhere (a background sync, another tab): no usable copy, the document decides.
      const noCopy = await repeat(reps, () => openInApp(true));
      await context.setOffline(false);
      const first = (xs: [number, number][]) => summarize(xs.slice(1).map((x) => x[0]));
      const whole = (xs: [number, number][]) => summarize(xs.slice(1).map((x) => x[1]));
      const samples = (xs: [number, number][]) => xs.map(([a, b]) => [round(a, 1), round(b, 1)] as [number, number]);
      const out: LargePlanFigures = {
        goals: planTimes.goals,
        actions,
        meetings: collection(doc, 'meetings').size,
        updateBytes,
        rendered: `${rendered.actions} actions, ${rendered.goals} goals, ${rendered.meetings} meetings on the page`,
        firstScreen: planTimes.firstScreen,
        firstPaint: { inAppNavigationMs: first(inApp), fullPageLoadMs: first(full), inAppWithoutCopyMs: first(noCopy) },
        wholePlan: { inAppNavigationMs: whole(inApp), fullPageLoadMs: whole(full), inAppWithoutCopyMs: whole(noCopy) },
        fromCopy: counts,
        samplesMs: { inApp: samples(inApp), fullPageLoad: samples(full), inAppWithoutCopy: samples(noCopy) },
        note:
          'Viewport 1280×800. (a) first paint: from navigation start (the click, or the full load\'s navigation start) to the first frame (requestAnimationFrame, then a task) in which the header shows the family\'s name and every element that the finished page shows in the first viewport (firstScreen, recorded once the whole plan was there) is in the DOM and inside the viewport. ' +
          '(b) whole plan: to the first frame after all action rows, all goals, the meetings shown (4 of 150; the rest behind "vis flere"), the feedback and the family sections are in the DOM. Both are timed in the same openings. ' +
          'In-app navigation (caseload → plan) runs with the browser offline; full page loads with HTTP up but the relay unreachable (WebSocket routed nowhere); either way the plan comes from IndexedDB. ' +
          '"Without copy": the stored copy of the view is removed before each opening, as a change made elsewhere makes it unusable; then the page waits for the document. First repetition of each series dropped (cold).'
      };
      if (cpuRate !== 1) out.note += ` Tablet profile: Chromium's CPU throttled ${cpuRate}× (CDP Emulation.setCPUThrottlingRate) after the plan was synced and its copy stored.`;
      log(
        `client${profileLabel(cpuRate)}: large plan first paint p95: in-app ${out.firstPaint.inAppNavigationMs.p95} ms, full load ${out.firstPaint.fullPageLoadMs.p95} ms, in-app without copy ${out.firstPaint.inAppWithoutCopyMs.p95} ms; ` +
          `whole plan p95: in-app ${out.wholePlan.inAppNavigationMs.p95} ms, full load ${out.wholePlan.fullPageLoadMs.p95} ms`
      );
      // The sealed room store (DESIGN §13): each opening decrypts and applies the room's records (fp-room-load).
      const loads = await page.evaluate(() =>
        performance.getEntriesByName('fp-room-load').map((e) => [e.duration, (e as PerformanceMeasure).detail?.records ?? 0] as [number, number])
      );
      out.sealedRoomLoad = { ms: summarize(loads.map((x) => x[0])), records: [...new Set(loads.map((x) => x[1]))] };
      await context.close();
      return out;
    };

    // ---- caseload of 5,000 families, from the local index ----
    /** Consents renewed so far by the "after a change" series: the tablet's series renews other families, for other lengths (a change its rows have not seen). */
    let renewals = 0;
    const measureCaseload = async (cpuRate: number, reps: number): Promise<CaseloadFigures> => {
      const context = await signedIn(chromium, server, 'anna');
      const total = families + 22;
      // Background room syncs would compete with the measurement: the relay is
      // unreachable, so the index holds the rows the sweep wrote from /api/families.
      await context.routeWebSocket(/\/sync\//, () => {});
      await context.addInitScript({
        content: `${PAINT_HELPERS}
          // The user's local index, opened as the bench changes it behind the app's back.
          window.__openIndex = (userId) => new Promise((res, rej) => {
            const r = indexedDB.open('fp-index-' + userId);
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
          if (location.pathname === '/') {
            window.__listPainted = window.__watch('ul.families [data-family-id]', ${Math.min(60, total)});
            // The start page (issue #16): the desk and "Mine handlinger" computed from the index, and the first rows.
            window.__startPainted = window.__watchFor(() =>
              document.querySelectorAll('ul.families [data-family-id]').length >= ${Math.min(60, total)} &&
              document.querySelectorAll('[data-desk] li').length > 0 && !!document.querySelector('[data-my-actions]'));
          }`
      });
      const page = await context.newPage();
      const tFill = performance.now();
      await page.goto('/');
      /** The page says how many families it lists: all of them, once the index holds every row. */
      const allListed = (timeout?: number) => page.getByText(new RegExp(`\\b${total}\\b`)).first().waitFor({ timeout });
      await allListed(300_000);
      const indexFillMs = performance.now() - tFill;
      // Give the rows what two years of plans would: due dates, overdue counts,
      // activity, tovholders; so each sort has real work to do.
      await page.evaluate(async (userId) => {
        const db = await (window as unknown as OpenIndex).__openIndex(userId);
        const tx = db.transaction(['families', 'bundles'], 'readwrite');
        const store = tx.objectStore('families');
        // As every write of the app's own (src/lib/storage/sealed-rows.ts) does: the caseload's
        // sealed copy of the rows goes and its fence moves, so the next read sees these rows.
        tx.objectStore('bundles').delete('caseload');
        tx.objectStore('bundles').put({ id: 'caseload-fence', kind: 'caseload', s: crypto.getRandomValues(new Uint8Array(16)) });
        const rows = await new Promise<Record<string, unknown>[]>((res) => {
          const q = store.getAll();
          q.onsuccess = () => res(q.result as Record<string, unknown>[]);
        });
        rows.forEach((row, i) => {
          const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();
          row.nextDue = i % 9 === 0 ? '' : day((i * 37) % 500).slice(0, 10);
          row.overdueCount = (i * 13) % 7 === 0 ? (i % 5) + 1 : 0;
          row.openActions = (i * 7) % 12;
          row.lastActivity = day((i * 53) % 700);
          row.tovholderId = i % 11 === 0 ? '' : 'u-anna';
          row.tovholderName = i % 11 === 0 ? '' : 'Anna Holm';
          // What the desk reads (issue #16): goals without actions, the next meeting. (The consent's end
          // is the server's, bench/server.ts: set here, the first load's sweep set it back on every row.)
          row.goalsWithoutActions = i % 4;
          row.nextMeeting = i % 3 === 0 ? '' : day(400 + ((i * 11) % 60)).slice(0, 10);
          row.handoverTo = '';
          store.put(row);
        });
        await new Promise((res) => (tx.oncomplete = res));
        db.close();
      }, 'u-anna');
      // The profile's CPU from here on: filling the index ran at full speed.
      await throttleCpu(page, cpuRate);
      let deskItems = 0;
      const startPaint: number[] = [];
      /** A full page load of the caseload until its first rows are painted (ms from navigation start). */
      const loadPainted = async () => {
        await page.goto('/', { waitUntil: 'commit' });
        return page.evaluate(() => (window as unknown as { __listPainted: Promise<number> }).__listPainted);
      };
      /**
       * Every page load starts a sweep that fetches the caseload's lists from the server
       * (GET /api/manifest and /api/families: 4 MB for 5,022 families) and compares each
       * family's index row; wait until it reaches the room syncs ("done/total"), which the
       * unreachable relay leaves idle, so that it does not compete with what is measured next.
       */
      const sweepSettled = async () => {
        await page.waitForFunction(() => /\d+\/\d+/.test(document.querySelector('[data-global-sync]')?.textContent ?? ''), null, { timeout: 180_000 });
        await page.waitForTimeout(500);
      };
      // BENCH_CLIENT_LOADS: how many loads each load series takes (more for an A/B of a few ms).
      const loads = Number(process.env.BENCH_CLIENT_LOADS) || Math.max(3, Math.floor(reps / 2));
      const firstPaint = await repeat(loads, async () => {
        await page.goto('/', { waitUntil: 'commit' });
        const [t, start] = await page.evaluate(() => {
          const w = window as unknown as { __listPainted: Promise<number>; __startPainted: Promise<number> };
          return Promise.all([w.__listPainted, w.__startPainted]);
        });
        startPaint.push(start);
        deskItems = await page.locator('[data-desk] [data-group-list] li').count();
        await allListed();
        // The next load starts from a quiet server, as a worker's morning load does (a trace
        // showed the next page's HTML waiting 60-120 ms behind this load's lists).
        await sweepSettled();
        return t;
      });
      const backToBack = await repeat(loads, async () => {
        const t = await loadPainted();
        await allListed();
        return t;
      });
      await sweepSettled();
      /** A quiet load's first list paint: it lists every family, and its sweep has finished. */
      const quietLoad = async () => {
        const t = await loadPainted();
        await allListed();
        await sweepSettled();
        return t;
      };
      /**
       * Loads without the caseload's sealed copy, as after a purge or a change of more rows than
       * its delta keeps (src/lib/storage/sealed-rows.ts): every row read and opened. Removed as
       * the app removes it (the copy and its delta gone, the fence moved).
       */
      const withoutCopy = await repeat(3, async () => {
        await page.evaluate(async (userId) => {
          const db = await (window as unknown as OpenIndex).__openIndex(userId);
          const tx = db.transaction('bundles', 'readwrite');
          tx.objectStore('bundles').delete('caseload');
          tx.objectStore('bundles').delete('caseload-delta');
          tx.objectStore('bundles').put({ id: 'caseload-fence', kind: 'caseload', s: crypto.getRandomValues(new Uint8Array(16)) });
          await new Promise((res) => (tx.oncomplete = res));
          db.close();
        }, 'u-anna');
        return quietLoad();
      });
      /**
       * Loads after a change that synced in: a family's consent renewed on the server (as a colleague
       * records it), which the sweep of the load before this one writes into that family's row.
       */
      const afterChange = await repeat(3, async () => {
        await server.request({ type: 'renewConsent', familyId: `city-${String(renewals * 7).padStart(5, '0')}`, recordedBy: 'u-anna', days: 400 + renewals++ });
        await quietLoad(); // its sweep writes the renewed consent into the family's row
        return quietLoad();
      });
      // BENCH_CLIENT_TRACE=<dir>: two page loads as Chromium performance traces (caseload-N.json).
      if (process.env.BENCH_CLIENT_TRACE && diagnosed(cpuRate)) {
        for (let i = 0; i < 2; i++) {
          await traced(chromium, page, `${process.env.BENCH_CLIENT_TRACE}/caseload-${i}.json`, loadPainted);
          await sweepSettled();
        }
      }
      if (process.env.BENCH_CLIENT_PROFILE && diagnosed(cpuRate)) await profiled(page, `${process.env.BENCH_CLIENT_PROFILE}/caseload.cpuprofile`, loadPainted);
      await sweepSettled();
      const steps: [string, string][] = [
        ['#family-search', 'han'],
        ['#family-sort', 'due'],
        ['#family-filter', 'overdue'],
        ['#family-sort', 'activity'],
        ['#family-search', ''],
        ['#family-filter', 'all'],
        ['#family-sort', 'overdue'],
        ['#family-search', 'familien nielsen 12'],
        ['#family-search', ''],
        ['#family-sort', 'name']
      ];
      const workTimes: number[] = [];
      const paintTimes: number[] = [];
      /** each step's work times, by its control and value (which step costs what) */
      const workByStep = new Map<string, number[]>();
      /** One round of the steps; `count`: their times go into the figures. */
      const runSteps = async (count: boolean) => {
        for (const [selector, value] of steps) {
          const t = await page.evaluate(
            async ({ selector, value }) => {
              const w = window as unknown as { __paint: () => Promise<number> };
              const el = document.querySelector<HTMLInputElement | HTMLSelectElement>(selector);
              if (!el) throw new Error(`no ${selector}`);
              // Start at a frame boundary so that "to paint" is not skewed by where in a frame the event fell.
              await w.__paint();
              const start = performance.now();
              el.value = value;
              el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
              // Svelte flushes in a microtask queued by the handler, before this one.
              await new Promise<void>((res) => queueMicrotask(res));
              document.body.getBoundingClientRect(); // style + layout of the new rows
              const work = performance.now() - start;
              return { work, paint: (await w.__paint()) - start };
            },
            { selector, value }
          );
          if (!count) continue;
          const label = `${selector.slice(1)}=${value}`;
          workByStep.set(label, [...(workByStep.get(label) ?? []), round(t.work, 1)]);
          workTimes.push(t.work);
          paintTimes.push(t.paint);
        }
      };
      for (let r = 0; r < Math.max(2, Math.floor(reps / 3)); r++) await runSteps(true);
      // BENCH_CLIENT_PROFILE: one more round, profiled and not counted.
      if (process.env.BENCH_CLIENT_PROFILE && diagnosed(cpuRate)) await profiled(page, `${process.env.BENCH_CLIENT_PROFILE}/caseload-filter.cpuprofile`, () => runSteps(false));
      // BENCH_CLIENT_TRACE: one more round as a Chromium performance trace (style, layout and script per step), not counted.
      if (process.env.BENCH_CLIENT_TRACE && diagnosed(cpuRate)) await traced(chromium, page, `${process.env.BENCH_CLIENT_TRACE}/caseload-filter.json`, () => runSteps(false));
      const out: CaseloadFigures = {
        families: total,
        indexFillSeconds: round(indexFillMs / 1000, 1),
        firstListPaintMs: summarize(firstPaint.slice(1)),
        firstListPaintBackToBackMs: summarize(backToBack.slice(1)),
        firstListPaintWithoutCopyMs: summarize(withoutCopy),
        firstListPaintAfterChangeMs: summarize(afterChange),
        firstListPaintSamplesMs: { quiet: firstPaint.map((x) => round(x, 1)), backToBack: backToBack.map((x) => round(x, 1)), withoutCopy: withoutCopy.map((x) => round(x, 1)), afterChange: afterChange.map((x) => round(x, 1)) },
        startPagePaintMs: summarize(startPaint.slice(1)),
        deskItems,
        filterSortWorkMs: summarize(workTimes),
        filterSortToPaintMs: summarize(paintTimes),
        filterSortWorkByStepMs: Object.fromEntries(workByStep),
        note:
          'From the local index (Dexie) as the caseload page reads it: a full page load until the first page of rows (60) is painted, ' +
          "each load once the previous load's sweep (GET /api/manifest and /api/families, 4 MB at 5,000 families) has finished on the server " +
          '(firstListPaintBackToBackMs: the same loads back to back, each while the previous one\'s sweep still runs; ' +
          'firstListPaintWithoutCopyMs: quiet loads without the sealed copy of the rows, as after a purge, every row read and opened; ' +
          "firstListPaintAfterChangeMs: quiet loads after one family's consent was renewed on the server and the previous load's sweep wrote its row); " +
          'then search, filter and sort changes (filterAndSort over every row + rendering 60 cards), timed from the event to DOM-updated-and-laid-out (work) and to the next frame (to paint). ' +
          `The index was filled by the app's own sweep from GET /api/families (indexFillSeconds, with the relay unreachable), then given varied due dates, overdue counts and activity. ` +
          'startPagePaintMs: the same load until the tovholder desk (anna is tovholder of 10 of 11 families: consents ending, meetings this week or none planned, goals without actions — family-level needs only, as no plan rooms synced, so no action rows), "Mine handlinger" and the first 60 rows are painted.'
      };
      if (cpuRate !== 1) out.note += ` Tablet profile: Chromium's CPU throttled ${cpuRate}× (CDP Emulation.setCPUThrottlingRate) after the index was filled.`;
      log(`client${profileLabel(cpuRate)}: caseload ${total} families: index filled in ${out.indexFillSeconds} s; first list paint p95 ${out.firstListPaintMs.p95} ms (back to back, the previous load's sweep still running: ${out.firstListPaintBackToBackMs?.p95} ms; without the rows' copy: ${out.firstListPaintWithoutCopyMs?.p95} ms; after a change synced in: ${out.firstListPaintAfterChangeMs?.p95} ms); start page (desk + list) p95 ${out.startPagePaintMs?.p95} ms (${deskItems} desk rows shown); filter/sort work p95 ${out.filterSortWorkMs.p95} ms, to paint p95 ${out.filterSortToPaintMs.p95} ms`);
      await context.close();
          return out;
    };

    // BENCH_CLIENT_ONLY=plan|caseload: one part, without initial JS and the tablet profile (for profiling work);
    // BENCH_CLIENT_CPU=4 runs that part with the CPU throttled as on a tablet.
    const only = process.env.BENCH_CLIENT_ONLY;
    const onlyRate = (only && Number(process.env.BENCH_CLIENT_CPU)) || 1;
    if (only !== 'caseload') result.largePlan = await measureLargePlan(onlyRate, reps);
    if (only !== 'plan') result.caseload = await measureCaseload(onlyRate, reps);
    if (only) return result;

    // ---- initial JavaScript ----
    {
      result.initialJs = await initialJs(browser, server);
      const { login: l, caseload: c } = result.initialJs;
      log(`client: initial JS gzip: login ${kib(l.initial.gzipBytes)} KiB (+${kib(l.deferred.gzipBytes)} after paint), caseload ${kib(c.initial.gzipBytes)} KiB (+${kib(c.deferred.gzipBytes)} after paint)`);
    }

    // ---- the same figures on a field tablet: Chromium's CPU throttled ----
    {
      const tabletReps = Number(process.env.BENCH_CLIENT_TABLET_REPS) || reps;
      log(`client: tablet profile (CPU throttled ${TABLET_CPU_THROTTLING}×), ${tabletReps} repetitions`);
      result.tablet = {
        cpuThrottling: TABLET_CPU_THROTTLING,
        largePlan: await measureLargePlan(TABLET_CPU_THROTTLING, tabletReps),
        caseload: await measureCaseload(TABLET_CPU_THROTTLING, tabletReps)
      };
    }
  } catch (err) {
    result.error = String((err as Error).stack ?? err).slice(0, 2000);
    log(`client: failed: ${result.error}`);
  } finally {
    await browser?.close();
    await server.stop();
    removeDir(server.dataDir);
  }
  return result;
}
