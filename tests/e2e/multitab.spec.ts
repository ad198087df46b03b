// Two tabs of one tablet, and one user on two tablets: edits converge, nothing
// is duplicated, and the local index stays consistent.
import type { Page } from '@playwright/test';
import { test, expect, addLooseAction, login, readyForOffline, startServer, actionTitles, type TestServer } from './fixtures.ts';

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

test('two tabs of one tablet offline see each other\'s edits live, and a tab opened offline joins them', async ({ browser }) => {
  const tablet = await login(browser, server, 'anna');
  const family = 'gel-02-nielsen';
  await readyForOffline(tablet.page);
  const tab2 = await tablet.context.newPage();
  for (const p of [tablet.page, tab2]) {
    await p.goto(`/familie/${family}`);
    await expect(p.locator('[data-sync="online"]')).toBeVisible();
  }

  await tablet.context.setOffline(true);
  for (const p of [tablet.page, tab2]) await expect(p.locator('[data-sync="offline"]')).toBeVisible();
  // Each tab still knows the other has the plan open (presence goes between tabs too).
  for (const p of [tablet.page, tab2]) await expect(p.locator('[data-peer="u-anna"]')).toBeVisible({ timeout: 5_000 });
  await addLooseAction(tablet.page, 'Offline i fane 1');
  await expect.poll(() => actionTitles(tab2), { timeout: 5_000 }).toContain('Offline i fane 1');
  await addLooseAction(tab2, 'Offline i fane 2');
  await expect.poll(() => actionTitles(tablet.page), { timeout: 5_000 }).toContain('Offline i fane 2');

  // A third tab opened without a network (from the service worker) loads the device's copy and joins the two.
  const tab3 = await tablet.context.newPage();
  await tab3.goto(`/familie/${family}`);
  await expect(tab3.locator('[data-sync="offline"]')).toBeVisible();
  await expect.poll(() => actionTitles(tab3), { timeout: 5_000 }).toEqual(expect.arrayContaining(['Offline i fane 1', 'Offline i fane 2']));
  await addLooseAction(tab3, 'Offline i fane 3');
  for (const p of [tablet.page, tab2]) await expect.poll(() => actionTitles(p), { timeout: 5_000 }).toContain('Offline i fane 3');

  // Back online, the relay gets every edit once: a second tablet sees the three, each once.
  await tablet.context.setOffline(false);
  for (const p of [tablet.page, tab2, tab3]) await expect(p.locator('[data-sync="online"]')).toBeVisible({ timeout: 20_000 });
  const other = await login(browser, server, 'anna');
  await other.page.goto(`/familie/${family}`);
  await expect
    .poll(async () => (await actionTitles(other.page)).filter((t) => t.startsWith('Offline i ')).sort(), { timeout: 15_000 })
    .toEqual(['Offline i fane 1', 'Offline i fane 2', 'Offline i fane 3']);
  await Promise.all([tablet.context.close(), other.context.close()]);
});
