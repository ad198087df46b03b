// Each spec starts its own production server (node server/index.ts on the
// built app) with a fresh DATA_DIR and demo data, so it can also restart it.
//
// Two things the specs have learnt:
// - Close every browser context a test opens (or use serverWithTablets): one
//   left open lives on in the worker, and its pages keep calling the stopped
//   server's port, which a later spec's server may be given. Specs take `test`
//   from here: it fails when a spec file leaves a context open (and closes it).
// - `context.setOffline(true)` is Chromium's emulation, and closing one of the
//   context's pages lifts it for a moment in the others too (logout.spec): set
//   it again after a close, or stop the server where nothing may reach it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test as base, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

import { freePort } from '../support/server-access.ts';

/** What the context check knows in a worker: the spec file under way, the contexts open at the end of its last test, and whether one of its tests failed. */
interface ContextWatch {
  file: string | null;
  openAtLastEnd: Set<BrowserContext>;
  failed: boolean;
}

/**
 * Contexts open at the end of the last file's last test that are still open now: its afterAll did not close them.
 * After a failed test they are only closed (a test that failed half-way did not get to close what it opened).
 */
async function closeLeftOver(browser: Browser, watch: ContextWatch) {
  const left = browser.contexts().filter((c) => watch.openAtLastEnd.has(c));
  await Promise.all(left.map((c) => c.close()));
  if (left.length > 0 && !watch.failed) throw new Error(`${watch.file} left ${left.length} browser context(s) open: close them in the test or its afterAll (or use serverWithTablets)`);
}

/**
 * Playwright's `test`, with a check that a spec file closes every browser
 * context it opens (in its tests, or in an afterAll for contexts its tests
 * share). It runs when the next file starts, and when the worker ends; the
 * contexts left over are closed.
 */
export const test = base.extend<{ contextsClosed: void }, { contextWatch: ContextWatch }>({
  contextWatch: [
    async ({ browser }, use) => {
      const watch: ContextWatch = { file: null, openAtLastEnd: new Set(), failed: false };
      await use(watch);
      await closeLeftOver(browser, watch);
    },
    { scope: 'worker', auto: true }
  ],
  contextsClosed: [
    async ({ browser, contextWatch }, use, testInfo) => {
      if (contextWatch.file !== testInfo.file) {
        // Those the new file's beforeAll opened were not open at the last end, so they do not count.
        await closeLeftOver(browser, contextWatch);
        contextWatch.file = testInfo.file;
        contextWatch.failed = false;
      }
      await use();
      contextWatch.openAtLastEnd = new Set(browser.contexts());
      if (testInfo.status !== testInfo.expectedStatus) contextWatch.failed = true;
    },
    { auto: true }
  ]
});
export { expect };

export interface TestServer {
  url: string;
  dataDir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

export async function startServer(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fp-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const boot = async () => {
    child = spawn(process.execPath, ['server/index.ts'], {
      // Each spec's server on a SQLite file of its own: the PostgreSQL store is covered by the
      // contract suite and the integration tests (one schema per server); here, a shared
      // DATABASE_URL would make every spec's server share one database; each
      // spec's server is one embedded node (the integration tests cover several).
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DEMO: '1', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${url}/login`);
        if (r.ok) return;
      } catch {
        /* not up yet */
      }
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not start: ${output}`);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };

  await boot();
  return {
    url,
    dataDir,
    stop,
    async restart() {
      await stop();
      await boot();
    }
  };
}

/** How a tablet is set up: its screen, how the person lands, and the browser's own settings. */
export interface TabletOptions extends Pick<BrowserContextOptions, 'locale' | 'timezoneId' | 'acceptDownloads'> {
  viewport?: { width: number; height: number };
  /** signInLeader for a team leader, whose start page is the overview. */
  sign?: (page: Page, username: string) => Promise<void>;
}

/** `username` signed in on a tablet of their own (a browser context). */
export async function login(browser: Browser, server: TestServer, username: string, { viewport = { width: 1280, height: 800 }, sign = signIn, ...settings }: TabletOptions = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport, ...settings });
  const page = await context.newPage();
  await sign(page, username);
  return { context, page };
}

/**
 * A spec's own server and its signed-in tablets: the server starts before the
 * spec's tests and stops after them; each tablet opened in a test is closed
 * after that test. Call at the spec's top level.
 */
export function serverWithTablets(viewport: { width: number; height: number }) {
  let server: TestServer | null = null;
  const open: BrowserContext[] = [];
  test.beforeAll(async () => {
    server = await startServer();
  });
  test.afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  test.afterAll(async () => {
    await server?.stop();
  });
  const running = () => {
    if (!server) throw new Error('serverWithTablets: the server starts in beforeAll');
    return server;
  };
  return {
    get server() {
      return running();
    },
    /** `who` signed in on a tablet of the spec's size. */
    async tablet(browser: Browser, who: string) {
      const t = await login(browser, running(), who, { viewport });
      open.push(t.context);
      return t;
    },
    /** A team leader signed in on a tablet of the spec's size, on the overview. */
    async leaderTablet(browser: Browser, who: string) {
      const t = await login(browser, running(), who, { viewport, sign: signInLeader });
      open.push(t.context);
      return t;
    }
  };
}

/** Fills in and sends the login page's form; where it leads is the caller's to check. */
export async function submitLogin(page: Page, username: string, password = 'demo') {
  await page.goto('/login');
  await page.getByLabel('Brugernavn').fill(username);
  await page.getByLabel('Adgangskode').fill(password);
  await page.getByRole('button', { name: 'Log ind' }).click();
}

/** Signs a worker in on the login page: they land on their caseload. */
export async function signIn(page: Page, username: string, password = 'demo') {
  await submitLogin(page, username, password);
  await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
}

/** Signs a team leader in on the login page: they land on the overview, not on a caseload. */
export async function signInLeader(page: Page, username = 'eva') {
  await submitLogin(page, username, 'demo');
  // The start page shows the same heading until its redirect lands: wait for the overview itself.
  await expect(page).toHaveURL(/\/overblik/);
  await expect(page.getByRole('heading', { name: 'Overblik over teams' })).toBeVisible();
}

export async function sessionCookie(context: BrowserContext): Promise<string> {
  const c = (await context.cookies()).find((x) => x.name === 'session');
  if (!c) throw new Error('no session cookie');
  return `session=${c.value}`;
}

/**
 * A y-websocket client in the test process, signed in with a tablet's session cookie: what another of that person's
 * devices would write to the room, or read from it.
 */
export async function roomClient(server: TestServer, context: BrowserContext, room: string) {
  const cookie = await sessionCookie(context);
  const origin = server.url;
  class Authed extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie, origin } });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${server.url.replace(/^http/, 'ws')}/sync`, room, doc, {
    WebSocketPolyfill: Authed as unknown as typeof globalThis.WebSocket,
    disableBc: true
  });
  await new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', (s: boolean) => s && resolve())));
  return {
    doc,
    close: () => {
      provider.destroy();
      doc.destroy();
    }
  };
}

/** Waits until the service worker is ready, so that the app's pages load with the browser offline. */
export async function workerReady(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
}

/** The caseload's first sync has finished and the service worker is ready: the tablet may go offline now. */
export async function readyForOffline(page: Page) {
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await workerReady(page);
}

/** Opens a family's plan and waits until its room is synced with the relay. */
export async function openPlanOnline(page: Page, familyId: string) {
  await page.goto(`/familie/${familyId}`);
  await expect(page.locator('[data-sync="online"]')).toBeVisible({ timeout: 30_000 });
}

/** The plan's action titles, in the order shown. */
export function actionTitles(page: Page): Promise<string[]> {
  return page.locator('[data-action-id] [data-title]').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
}

// The plan reads first and opens its forms on demand (issue #20): helpers for specs that edit it.

/** Adds an action without a goal: "+ Tilføj handling uden mål" opens the form, which closes after saving. */
export async function addLooseAction(page: Page, title: string) {
  await page.getByRole('button', { name: '+ Tilføj handling uden mål' }).click();
  await page.getByPlaceholder('Ny handling').fill(title);
  await page.getByRole('button', { name: 'Tilføj handling', exact: true }).click();
}

/** The i-th of the family's hopes as a text field: opens the hopes' editors when they are not open yet. */
export async function editHope(page: Page, i: number) {
  const field = page.locator('[data-voice="family"] textarea').nth(i);
  if (!(await field.isVisible())) await page.getByRole('button', { name: 'Redigér håb og drømme' }).click();
  return field;
}

/** The family's hopes as shown, whether read or open in their editors. */
export function hopeValues(page: Page): Promise<string[]> {
  return page.locator('[data-voice="family"] li[data-hope-id]').evaluateAll((items) =>
    items.map((li) => li.querySelector('textarea')?.value ?? li.querySelector('[data-hope-text]')?.textContent ?? '')
  );
}
