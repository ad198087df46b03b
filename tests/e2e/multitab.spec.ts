// Two tabs of one tablet, and one user on two tablets: edits converge, nothing
// is duplicated, and the local index stays consistent.
import type { Page } from '@playwright/test';
import { test, expect, addLooseAction, login, startServer, actionTitles, type TestServer } from './fixtures.ts';

const FAMILY = 'gel-01-hansen';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});


test('two tabs and a second tablet of the same user converge without duplicates', async ({ browser }) => {
  const tablet = await login(browser, server, 'anna');
  const tab2 = await tablet.context.newPage();
  const other = await login(browser, server, 'anna');
  // The two tabs greet each other over BroadcastChannel (tab-provider.ts): each understands the other's greeting.
  const unanswered: string[] = [];
  for (const p of [tablet.page, tab2]) p.on('console', (m) => m.text().includes('Unable to compute message') && unanswered.push(m.text()));
  for (const p of [tablet.page, tab2, other.page]) await p.goto(`/familie/${FAMILY}`);
  await expect(tab2.locator('[data-sync="online"]')).toBeVisible();

  const add = async (page: Page, title: string) => {
    await addLooseAction(page, title);
  };
  await Promise.all([add(tablet.page, 'Fra fane 1'), add(tab2, 'Fra fane 2'), add(other.page, 'Fra anden tablet')]);

  for (const p of [tablet.page, tab2, other.page]) {
    await expect
      .poll(async () => (await actionTitles(p)).filter((t) => t.startsWith('Fra ')).sort(), { timeout: 10_000 })
      .toEqual(['Fra anden tablet', 'Fra fane 1', 'Fra fane 2']);
  }
  const all = await actionTitles(tablet.page);
  expect(new Set(all).size).toBe(all.length);
  expect(unanswered).toEqual([]);
  expect(await actionTitles(tab2)).toEqual(all);
  expect(await actionTitles(other.page)).toEqual(all);
  await Promise.all([tablet.context.close(), other.context.close()]);
});
