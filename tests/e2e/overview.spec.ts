// Issue "Team leader overview": eva sees both teams' figures, sorts, drills
// down to a worker's families, prints and exports for the steering group; no
// family name, family id or plan text appears on any of those pages, in any
// /api/overview response or in the CSV; and her browser cannot open a family
// room. Screenshots at 1280×800 and 768×1024 go to test-results/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Response } from '@playwright/test';
import WebSocket from 'ws';
import { test, expect, login, signInLeader, startServer, sessionCookie, type TestServer } from './fixtures.ts';
import { textPastItsBox, wcagViolations } from './checks.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { readActions, readFeedback, readGoals, readHopes, readMeetings } from '../../src/lib/domain/plan.ts';
import { PARTS, roomName } from '../../src/lib/shared/rooms.ts';
import type { Overview } from '../../src/lib/shared/overview-types.ts';
import * as Y from 'yjs';

let server: TestServer;
/** Every seeded family's name ("Familien <surname>") and id, and the texts of their plans. */
let familyContent: string[] = [];
let familyIds: string[] = [];

test.beforeAll(async () => {
  server = await startServer();
  // Read the seed's families and plans from the server's own store (the seed is deterministic,
  // but reading it keeps this test right when the seed's texts change).
  const store = new SqliteStore(join(server.dataDir, 'familiens-plan.sqlite'));
  try {
    const families = await store.familiesOfTeams(['gellerup', 'viby']);
    familyIds = families.map((f) => f.id);
    const content = new Set<string>();
    for (const f of families) {
      content.add(f.name);
      content.add(f.id);
      const doc = new Y.Doc();
      for (const u of await store.loadUpdates(roomName(f.id, 'plan'))) Y.applyUpdate(doc, u.data);
      for (const h of readHopes(doc)) content.add(h.text);
      for (const g of readGoals(doc)) content.add(g.title);
      for (const a of readActions(doc)) content.add(a.title);
      for (const m of readMeetings(doc)) for (const d of m.decisions) content.add(d.text);
      for (const fb of readFeedback(doc)) content.add(fb.comment);
    }
    content.delete('');
    familyContent = [...content];
  } finally {
    await store.close();
  }
  expect(familyContent.filter((c) => c.startsWith('Familien ')).length).toBe(44);
  // The check below must be able to fail: it finds a seeded name and a seeded hope.
  const hope = familyContent.find((c) => c.length > 30 && !c.startsWith('Familien '))!;
  expect(() => expectNoFamilyContent(`<p>${hope}</p>`, 'self-check')).toThrow();
  expect(() => expectNoFamilyContent('{"name":"Familien Nielsen"}', 'self-check')).toThrow();
});
test.afterAll(async () => {
  await server?.stop();
});

function expectNoFamilyContent(text: string, where: string) {
  const leaks = familyContent.filter((c) => text.includes(c));
  expect(leaks, `family content in ${where}`).toEqual([]);
}

async function signInAsEva(page: Page) {
  await signInLeader(page);
  await expect(page).toHaveURL(/\/overblik$/);
}

/** Collects the body of every /api/overview response the page receives. */
function recordOverviewResponses(page: Page): { url: string; body: string }[] {
  const seen: { url: string; body: string }[] = [];
  page.on('response', async (r: Response) => {
    if (!new URL(r.url()).pathname.startsWith('/api/overview')) return;
    seen.push({ url: r.url(), body: await r.text().catch(() => '') });
  });
  return seen;
}

const cellText = (page: Page, table: string, row: string, column: number) =>
  page.getByTestId(table).locator('tbody tr').filter({ has: page.locator('th', { hasText: row }) }).locator('td').nth(column).innerText();

test('eva sees both teams, sorts, drills down, prints and exports, and nothing of the families leaks', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const responses = recordOverviewResponses(page);
  const pages: { where: string; html: string }[] = [];
  const keep = async (where: string) => {
    await page.waitForLoadState('networkidle');
    pages.push({ where, html: await page.content() });
  };

  await signInAsEva(page);
  await expect(page.getByRole('link', { name: 'Overblik' })).toHaveAttribute('aria-current', 'page');
  const api = (await (await page.request.get('/api/overview')).json()) as Overview;
  expect(api.pending).toBe(0);

  // Both teams' figures, as the API computes them.
  const teams = page.getByTestId('teams-table');
  await expect(teams.locator('tbody tr')).toHaveCount(2);
  for (const team of api.teams) {
    expect(await cellText(page, 'teams-table', team.name, 0)).toBe(String(team.figures.families));
    expect(await cellText(page, 'teams-table', team.name, 3)).toBe(String(team.figures.withoutTovholder));
    expect(await cellText(page, 'teams-table', team.name, 4)).toBe(String(team.figures.overdueActions));
    expect(await cellText(page, 'teams-table', team.name, 5)).toBe(String(team.figures.consentsExpiring));
  }
  expect(api.teams.find((t) => t.id === 'gellerup')!.figures.families).toBeGreaterThan(15);
  expect(api.teams.find((t) => t.id === 'viby')!.figures.families).toBeGreaterThan(15);
  await expect(page.locator('[data-figure="families"]')).toContainText(String(api.totals.families));
  await expect(page.locator('[data-figure="withoutTovholder"]')).toContainText(String(api.totals.withoutTovholder));
  // Every worker of both teams has a row and a bar.
  const names = api.teams.flatMap((t) => t.workers.map((w) => w.name));
  expect(names.sort()).toEqual(['Anna Holm', 'Bo Lindqvist', 'Cecilie Dam', 'Dennis Vang', 'Frida Krogh']);
  for (const name of names) await expect(page.getByTestId('caseload-chart')).toContainText(name);
  await expect(page.getByTestId('level-chart').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/overview-1280x800.png', fullPage: true });

  // Tables sort: overdue actions, high first, then low first.
  const overdueHeader = teams.getByRole('button', { name: 'Overskredne handlinger' });
  await overdueHeader.click();
  await expect(teams.locator('th[aria-sort="descending"]')).toHaveCount(1);
  const byOverdue = [...api.teams].sort((a, b) => b.figures.overdueActions - a.figures.overdueActions).map((t) => t.name);
  await expect(teams.locator('tbody th')).toHaveText(byOverdue);
  await overdueHeader.click();
  await expect(teams.locator('th[aria-sort="ascending"]')).toHaveCount(1);
  await expect(teams.locator('tbody th')).toHaveText([...byOverdue].reverse());
  await keep('overview');

  // No serious accessibility problems (WCAG 2.1 AA rules).
  expect(await wcagViolations(page)).toEqual([]);

  // Filters: one team, one district, another period.
  await page.getByLabel('Team', { exact: true }).selectOption('viby');
  await page.getByRole('button', { name: 'Vis' }).click();
  await expect(page).toHaveURL(/team=viby/);
  await expect(teams.locator('tbody tr')).toHaveCount(1);
  await keep('overview ?team=viby');
  await page.goto('/overblik?district=Gellerup&from=2025-06&to=2026-05');
  await expect(page.getByLabel('Skoledistrikt')).toHaveValue('Gellerup');
  await keep('overview ?district=Gellerup&period');
  await page.goto('/overblik');

  // Drill-down: Anna's families, by reference only.
  const anna = api.teams.flatMap((t) => t.workers).find((w) => w.userId === 'u-anna')!;
  await page.getByTestId('workers-table').getByRole('link', { name: 'Anna Holm' }).click();
  await expect(page.getByRole('heading', { name: 'Familier hos Anna Holm' })).toBeVisible();
  const rows = page.getByTestId('drill-table').locator('tbody tr');
  await expect(rows).toHaveCount(anna.caseload);
  for (const ref of await rows.locator('th').allInnerTexts()) expect(ref).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  await expect(page.locator('[data-figure="caseload"]')).toContainText(`${anna.caseload} / 25`);
  await keep('drill-down anna');
  for (const w of api.teams.flatMap((t) => t.workers)) {
    if (w.userId === 'u-anna') continue;
    await page.goto(`/overblik/medarbejder/${w.userId}`);
    await expect(page.getByRole('heading', { name: `Familier hos ${w.name}` })).toBeVisible();
    await keep(`drill-down ${w.userId}`);
  }

  // The print view and the CSV for the steering group.
  await page.goto('/overblik?from=2026-01&to=2026-06');
  await page.getByRole('link', { name: 'Rapport til styregruppen' }).click();
  await expect(page.getByRole('heading', { name: 'Nøgletal til styregruppen' })).toBeVisible();
  await expect(page).toHaveURL(/\/overblik\/rapport\?from=2026-01&to=2026-06/);
  await expect(page.getByTestId('report-today')).toContainText('Gellerup');
  await expect(page.getByTestId('report-today')).toContainText('Viby');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Udskriv' })).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  await keep('report');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Hent CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('noegletal_2026-01_2026-06.csv');
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const csv = bytes.toString('utf8');
  expect(csv).toContain('Niveau;Team;Faggruppe;Medarbejder;Periode fra;Periode til');
  expect(csv).toContain('Team;Gellerup;');
  // No employee names in a steering-group document unless the leader chooses them.
  expect(csv).toContain('Faggruppe;Gellerup;Socialrådgivere;');
  expect(csv).not.toContain('Anna Holm');
  await page.getByLabel('Vis medarbejdernes navne i rapporten').check();
  await expect(page.getByTestId('report-workers')).toContainText('Anna Holm');
  await keep('report with names');

  // The leak check over everything eva was shown or sent.
  expect(responses.length).toBeGreaterThanOrEqual(8);
  for (const p of pages) expectNoFamilyContent(p.html, p.where);
  for (const r of responses) expectNoFamilyContent(r.body, r.url);
  expectNoFamilyContent(csv, 'the CSV');
  for (const id of familyIds) expect(csv.includes(id)).toBe(false);
  await context.close();
});

test('the overview at 768×1024 (tablet portrait) works and stays within the screen', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 768, height: 1024 } });
  const page = await context.newPage();
  await signInAsEva(page);
  await expect(page.getByTestId('teams-table').locator('tbody tr')).toHaveCount(2);
  // Wide tables scroll inside their card; the page itself does not scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
  // Nor does any text run past its box (a key figure's label, "Sundhedsplejersker:", did past its tile, by 12 px).
  expect(await textPastItsBox(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/overview-768x1024.png', fullPage: true });
  await page.getByTestId('workers-table').getByRole('link', { name: 'Frida Krogh' }).click();
  await expect(page.getByRole('heading', { name: 'Familier hos Frida Krogh' })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
  await context.close();
});

test('a full load of the overview asks the server once for the figures and once for the user: the shell\'s early requests are the page\'s own', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await signInAsEva(page);
  const asked: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/api/overview' || path === '/api/me') asked.push(new URL(r.url()).pathname + new URL(r.url()).search);
  });
  await page.goto('/overblik?team=viby&from=2026-01');
  await expect(page.getByTestId('teams-table').locator('tbody tr')).toHaveCount(1);
  await page.waitForLoadState('networkidle');
  expect(asked.sort()).toEqual(['/api/me', '/api/overview?team=viby&from=2026-01']);
  await context.close();
});

test('a team leader signing in never sees the caseload’s “Mine familier” on the way to the overview', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url });
  // Every main heading the document ever shows, from the first script on.
  await context.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __headings: string[] }).__headings = []);
    new MutationObserver(() => {
      for (const h of document.querySelectorAll('h1')) if (!seen.includes(h.textContent ?? '')) seen.push(h.textContent ?? '');
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const page = await context.newPage();
  await signInAsEva(page);
  await page.goto('/', { waitUntil: 'commit' });
  await expect(page).toHaveURL(/\/overblik$/);
  await expect(page.getByRole('heading', { name: 'Overblik over teams' })).toBeVisible();
  const headings = await page.evaluate(() => (window as unknown as { __headings: string[] }).__headings);
  expect(headings).toContain('Overblik over teams');
  expect(headings).not.toContain('Mine familier');
  await context.close();
});

test('eva’s browser cannot open a family room, and a worker cannot open the overview', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await signInAsEva(page);
  const gellerup = familyIds.find((id) => id.startsWith('gel-02-'))!;
  const viby = familyIds.find((id) => id.startsWith('vib-02-'))!;
  const rooms = [gellerup, viby].flatMap((id) => PARTS.map((part) => roomName(id, part)));
  // From her browser, with her session cookie: no socket to any part of either family opens.
  const outcomes = await page.evaluate(
    (paths) =>
      Promise.all(
        paths.map(
          (path) =>
            new Promise<string>((resolve) => {
              const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}${path}`);
              ws.onopen = () => resolve(`${path} open`);
              ws.onclose = (e) => resolve(`${path} closed ${e.code}`);
            })
        )
      ),
    rooms.map((r) => `/sync/${r}`)
  );
  expect(outcomes).toEqual(rooms.map((r) => `/sync/${r} closed 1006`));
  const room = roomName(gellerup, 'plan');
  // The same request with her cookie, seen from outside the browser: refused with 403 before the upgrade.
  const cookie = await sessionCookie(context);
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync/${room}`, { headers: { cookie, origin: server.url } });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', reject);
  });
  expect(status).toBe(403);
  await context.close();

  // A worker asking for the overview gets the server's refusal, not figures.
  const { context: anna, page: annaPage } = await login(browser, server, 'anna');
  await expect(annaPage.getByRole('link', { name: 'Overblik' })).toHaveCount(0);
  await annaPage.goto('/overblik');
  await expect(annaPage.getByRole('alert')).toHaveText('Overblikket er kun for teamledere.');
  expect((await annaPage.request.get('/api/overview')).status()).toBe(403);
  await anna.close();
});
