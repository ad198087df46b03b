// Initial JavaScript of the login and caseload pages (DESIGN §9: ≤ 120 KiB
// gzip each): a cold load in Chromium, every script response summed, raw and
// gzipped (level 9, as a server would send it) — those requested before the
// page's content was painted (initial) and those fetched after it until the
// network is idle (deferred: background sync's room code), reported apart. Called by bench/client.ts, and
// on its own, against a build that exists already:
//
//   node bench/initial-js.ts            prints JSON
//   BENCH_BUILD_DIR=/tmp/b node bench/initial-js.ts   another build (e.g. before a change)
import { gzipSync, constants as zlib } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext } from '@playwright/test';
import { removeDir, startOurs, type Ours } from './lib/proc.ts';
import { round } from './lib/stats.ts';
import { PAINT_WATCH } from './lib/paint.ts';

export const INITIAL_JS_BAR_KIB = 120;

export interface ScriptBytes {
  files: number;
  rawBytes: number;
  gzipBytes: number;
  transferredBytes: number;
}

/**
 * `initial`: the scripts requested before the page's content was painted (the
 * bar applies to these); `deferred`: those a cold load fetches after that,
 * until the network is idle — for a worker, the room code (Yjs, y-websocket,
 * y-indexeddb) that the background sync loads on demand; `total`: both.
 */
export interface PageScripts {
  initial: ScriptBytes;
  deferred: ScriptBytes;
  total: ScriptBytes;
  /** file names of the deferred scripts */
  deferredFiles: string[];
  /** file names of the initial scripts with their gzipped bytes, largest first */
  initialFiles?: [string, number][];
}

export type InitialJs = Record<'login' | 'caseload', PageScripts>;

/** What each page shows once it is usable: the login form, the caseload's heading and its list (or the empty caseload's message). */
export const PAINTED: Record<keyof InitialJs, string> = {
  login: 'form button[type="submit"]',
  caseload: 'main h1'
};

function sum(scripts: { body: Buffer; transferred: number }[]): ScriptBytes {
  return {
    files: scripts.length,
    rawBytes: scripts.reduce((n, s) => n + s.body.byteLength, 0),
    gzipBytes: scripts.reduce((n, s) => n + gzipSync(s.body, { level: zlib.Z_BEST_COMPRESSION }).byteLength, 0),
    transferredBytes: scripts.reduce((n, s) => n + s.transferred, 0)
  };
}

/**
 * In the page: window.__paintedAt resolves with the page's clock once a frame
 * has been produced after the DOM showed `selector` visible. Taken in the page,
 * not by polling over the DevTools protocol, whose round trips let scripts
 * requested just after the paint count as before it.
 */
const PAINTED_AT = (selector: string) => `${PAINT_WATCH}
  performance.setResourceTimingBufferSize(1000);
  window.__paintedAt = window.__watchFor(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  });`;

export async function scriptBytes(context: BrowserContext, path: string, painted: string): Promise<PageScripts> {
  const page = await context.newPage();
  await page.addInitScript({ content: PAINTED_AT(painted) });
  const scripts: { url: string; body: Buffer; transferred: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (!/\.m?js(\?|$)/.test(url)) return;
    pending.push(
      (async () => {
        const r = await req.response();
        const body = (await r?.body().catch(() => null)) ?? Buffer.alloc(0);
        const sizes = await req.sizes().catch(() => ({ responseBodySize: body.byteLength }));
        scripts.push({ url, body, transferred: sizes.responseBodySize });
      })()
    );
  });
  await page.goto(path);
  await page.waitForSelector(painted, { state: 'visible' });
  const paintedAt = await page.evaluate(() => (window as unknown as { __paintedAt: Promise<number> }).__paintedAt);
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  // When each script was asked for, on the page's clock: one asked for after the paint was not needed for it.
  const started = new Map(
    await page.evaluate(() => performance.getEntriesByType('resource').map((e): [string, number] => [e.name, e.startTime]))
  );
  await page.close();
  // A script without a timing entry counts as initial: the figure errs on the heavy side.
  const deferredScript = (s: { url: string }) => (started.get(s.url) ?? -Infinity) >= paintedAt;
  const initial = scripts.filter((s) => !deferredScript(s));
  const deferred = scripts.filter(deferredScript);
  const name = (s: { url: string }) => s.url.split('/').pop() ?? s.url;
  return {
    initial: sum(initial),
    deferred: sum(deferred),
    total: sum(scripts),
    deferredFiles: deferred.map(name),
    initialFiles: initial.map((s): [string, number] => [name(s), sum([s]).gzipBytes]).sort((a, b) => b[1] - a[1])
  };
}

export async function signedIn(browser: Browser, server: Pick<Ours, 'url'>, username: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
  const r = await context.request.post('/api/auth/login', { headers: { origin: server.url }, data: { username, password: 'demo' } });
  if (r.status() !== 204) throw new Error(`login ${username}: HTTP ${r.status()}`);
  return context;
}

/** The login page anonymously, the caseload signed in as a worker (anna). */
export async function initialJs(browser: Browser, server: Pick<Ours, 'url'>): Promise<InitialJs> {
  const anon = await browser.newContext({ baseURL: server.url });
  const login = await scriptBytes(anon, '/login', PAINTED.login);
  await anon.close();
  const anna = await signedIn(browser, server, 'anna');
  const caseload = await scriptBytes(anna, '/', PAINTED.caseload);
  await anna.close();
  return { login, caseload };
}

export function launchChromium(): Promise<Browser> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [...(isRoot ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
}

export const kib = (bytes: number) => round(bytes / 1024, 1);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startOurs({ ui: true });
  const browser = await launchChromium();
  try {
    const js = await initialJs(browser, server);
    const out = {
      build: process.env.BENCH_BUILD_DIR ?? 'build',
      barKiB: INITIAL_JS_BAR_KIB,
      initialGzipKiB: { login: kib(js.login.initial.gzipBytes), caseload: kib(js.caseload.initial.gzipBytes) },
      totalGzipKiB: { login: kib(js.login.total.gzipBytes), caseload: kib(js.caseload.total.gzipBytes) },
      ok: Math.max(js.login.initial.gzipBytes, js.caseload.initial.gzipBytes) <= INITIAL_JS_BAR_KIB * 1024,
      ...js
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await browser.close();
    await server.stop();
    removeDir(server.dataDir);
  }
}
