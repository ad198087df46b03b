// Issue "Leader overview that does not mislead": on a freshly started demo
// server, the leader's overdue actions per team equal what the team's workers
// see on their own lists (one definition, one number); eva filters by
// profession and sees each profession's norm; a wrong period keeps the filters
// and says what is wrong beside them; the steering-group report names no
// employee unless she chooses to; and a worker sees on the plan the anonymous
// reference the leader sees in the drill-down.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { test, expect, login, startServer, signInLeader, type TestServer } from './fixtures.ts';
import type { Overview } from '../../src/lib/shared/overview-types.ts';

let server: TestServer;

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

const signInAsEva = (browser: Browser) => login(browser, server, 'eva', { sign: signInLeader, acceptDownloads: true });

/** The overview once every plan is summarised (right after a start some are still being counted). */
async function settledOverview(page: Page): Promise<Overview> {
  let o: Overview | null = null;
  await expect
    .poll(async () => {
      o = (await (await page.request.get('/api/overview')).json()) as Overview;
      return o.pending;
    })
    .toBe(0);
  return o as unknown as Overview;
}

/** Waits until every plan of the worker's list is on the device (no "never synced" pill left). */
async function settledList(page: Page) {
  await expect(page.locator('a.family[data-family-id]').first()).toBeVisible();
  await expect(page.locator('[data-never-synced]')).toHaveCount(0, { timeout: 60_000 });
}

/** Overdue actions per family as the worker's own caseload cards show them ("3 overskredet"). */
function overdueOnCards(page: Page): Promise<[string, number][]> {
  return page.locator('a.family[data-family-id]').evaluateAll((cards) =>
    cards.map((card) => {
      const pill = [...card.querySelectorAll('.pill.warn')].find((p) => p.textContent?.includes('overskredet'));
      return [card.getAttribute('data-family-id') as string, pill ? Number(pill.textContent?.trim().split(' ')[0]) : 0] as [string, number];
    })
  );
}

test('the leader’s overdue actions per team equal the sum over the team’s workers’ own lists, on a freshly started server', async ({ browser }) => {
  test.setTimeout(300_000);
  const eva = await signInAsEva(browser);
  const o = await settledOverview(eva.page);
  const teamOf = { viby: ['frida'], gellerup: ['anna', 'bo', 'cecilie', 'dennis'] } as const;
  for (const [team, usernames] of Object.entries(teamOf)) {
    const figures = o.teams.find((t) => t.id === team)!.figures;
    expect(figures.overdueActions, team).toBeGreaterThan(0);
    const workers: Awaited<ReturnType<typeof login>>[] = [];
    for (const username of usernames) {
      const w = await login(browser, server, username);
      await settledList(w.page);
      workers.push(w);
    }
    // Families are shared by several workers: compare like with like, the distinct families the team's workers see.
    const seen = async () => {
      const byFamily = new Map<string, number>();
      for (const w of workers) for (const [id, n] of await overdueOnCards(w.page)) byFamily.set(id, n);
      return byFamily;
    };
    await expect.poll(async () => [...(await seen()).values()].reduce((a, b) => a + b, 0), { timeout: 30_000, message: `${team}: the workers' cards against the leader's figure` }).toBe(figures.overdueActions);
    // Every family of the team is on some worker's list.
    expect((await seen()).size, team).toBe(figures.families + figures.closedFamilies);
    for (const w of workers) await w.context.close();
  }
  await eva.context.close();
});

test('eva filters by profession and sees each profession against its own norm', async ({ browser }) => {
  const { context, page } = await signInAsEva(browser);
  await settledOverview(page);
  // One tile per profession, each with its own norm; no "families per worker" across professions.
  await expect(page.locator('[data-figure="profession-social"]')).toContainText('norm 25');
  await expect(page.locator('[data-figure="profession-school"]')).toContainText('norm 30');
  await expect(page.locator('[data-figure="profession-health"]')).toContainText('norm 40');
  await expect(page.locator('[data-figure="profession-employment"]')).toContainText('norm 35');
  await expect(page.locator('[data-figure="perWorker"]')).toHaveCount(0);
  // The period figures carry their trend month by month, and an outcome measure.
  await expect(page.locator('[data-figure="goalsReached"]')).toBeVisible();
  await expect(page.locator('[data-figure="earlyShare"]')).toContainText('ikke angivet');
  await expect(page.locator('[data-figure="newActions"] [data-trend]')).toHaveCount(1);
  // One vocabulary with the workers' screens.
  await expect(page.getByTestId('teams-table').getByRole('button', { name: 'Overskredne handlinger' })).toBeVisible();
  await expect(page.locator('main')).not.toContainText('Forsinkede');
  await expect(page.locator('main')).not.toContainText('holdbar');
  await expect(page.locator('main')).not.toContainText('antal feedback-svar');

  await page.getByLabel('Faggruppe', { exact: true }).selectOption('school');
  await page.getByRole('button', { name: 'Vis' }).click();
  await expect(page).toHaveURL(/sector=school/);
  await expect(page.getByTestId('workers-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('workers-table')).toContainText('Bo Lindqvist');
  await expect(page.getByTestId('workers-table')).toContainText('/ 30');
  await expect(page.locator('[data-figure="profession-school"]')).toBeVisible();
  await expect(page.locator('[data-figure="profession-social"]')).toHaveCount(0);
  await expect(page.getByLabel('Faggruppe', { exact: true })).toHaveValue('school');
  await context.close();
});

test('a wrong period keeps the filters and the page, and says what is wrong beside the filters', async ({ browser }) => {
  const { context, page } = await signInAsEva(browser);
  await settledOverview(page);
  // The app's own Danish period picker: month and year lists, no <input type="month">.
  await expect(page.locator('input[type="month"]')).toHaveCount(0);
  await expect(page.locator('#ov-from-month option').first()).toHaveText('januar');

  // From the URL: the server's reason, beside the period; the team filter and the page stay.
  await page.goto('/overblik?team=viby&sector=social&from=2026-13');
  const error = page.getByTestId('filter-error');
  await expect(error).toHaveText(/Fra-måneden er ikke en gyldig måned/);
  await expect(page.getByRole('form', { name: 'Afgræns overblikket' }).getByTestId('filter-error')).toBeVisible();
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue('viby');
  await expect(page.getByLabel('Faggruppe', { exact: true })).toHaveValue('social');
  await expect(page.getByTestId('teams-table').locator('tbody tr')).toHaveCount(1);

  // In the form: a from month after the to month is said at once, and nothing is sent.
  await page.goto('/overblik?team=viby');
  const url = page.url();
  const thisYear = Number((await page.locator('#ov-to-year').inputValue()));
  await page.locator('#ov-from-year').selectOption(String(thisYear));
  await page.locator('#ov-from-month').selectOption('12');
  await page.locator('#ov-to-month').selectOption('01');
  await page.getByRole('button', { name: 'Vis' }).click();
  await expect(page.getByTestId('filter-error')).toHaveText('Fra-måneden ligger efter til-måneden. Vælg en fra-måned før eller lig med til-måneden.');
  expect(page.url()).toBe(url);
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue('viby');
  await context.close();
});

test('the steering-group report names no employee unless eva chooses to, with a warning', async ({ browser }) => {
  const { context, page } = await signInAsEva(browser);
  const o = await settledOverview(page);
  const names = o.teams.flatMap((t) => t.workers.map((w) => w.name));
  expect(names.length).toBe(5);
  await page.goto('/overblik/rapport');
  await expect(page.getByRole('heading', { name: 'Nøgletal til styregruppen' })).toBeVisible();
  await expect(page.getByTestId('report-professions')).toContainText('Socialrådgivere');
  await expect(page.getByTestId('report-professions')).toContainText('Lærere/PPR');
  await expect(page.getByTestId('report-workers')).toHaveCount(0);
  const html = await page.locator('main').innerText();
  for (const name of names) expect(html.includes(name), name).toBe(false);
  const [plain] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Hent CSV' }).click()]);
  const csv = readFileSync(await plain.path()).toString('utf8');
  expect(csv).toContain('Faggruppe;Gellerup;Socialrådgivere;');
  for (const name of names) expect(csv.includes(name), name).toBe(false);

  // Naming employees is an explicit choice, with a warning on screen and on paper.
  await page.getByLabel('Vis medarbejdernes navne i rapporten').check();
  await expect(page.getByTestId('report-workers')).toContainText('Anna Holm');
  await expect(page.locator('.print-warning')).toContainText('personoplysninger');
  const [named] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Hent CSV' }).click()]);
  expect(readFileSync(await named.path()).toString('utf8')).toContain(';Anna Holm;');
  await context.close();
});

test('a worker sees on the plan the anonymous reference the leader sees in the drill-down', async ({ browser }) => {
  const eva = await signInAsEva(browser);
  await settledOverview(eva.page);
  const drill = (await (await eva.page.request.get('/api/overview?worker=u-frida')).json()) as Overview;
  const ref = drill.drill!.families[0].ref;
  await eva.context.close();

  const frida = await login(browser, server, 'frida');
  const list = (await (await frida.page.request.get('/api/families')).json()) as { families: { id: string; ref: string }[] };
  const family = list.families.find((f) => f.ref === ref)!;
  expect(family, ref).toBeTruthy();
  await frida.page.goto(`/familie/${family.id}`);
  await expect(frida.page.getByTestId('case-reference').locator('code')).toHaveText(ref);
  await frida.context.close();
});
