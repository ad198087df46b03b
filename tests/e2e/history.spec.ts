// Issue "Plan history": anna and bo change the same action's due date, anna
// offline; after sync the history lists both changes with their authors; anna
// deletes a goal and restores it from the history (a new change, itself in
// the history). Both see the in-plan notice of the concurrent edit.
import type { Browser, Page } from '@playwright/test';
import { addDays, format } from 'date-fns';
import { test, expect, login, startServer, type TestServer } from './fixtures.ts';
import { fieldDay, shortDay } from '../../src/lib/i18n/dates.ts';

const day = (d: Date) => format(d, 'yyyy-MM-dd');
/** "3. dec.": the app's short date (i18n/dates.ts shortDay). */
const shortDate = (d: Date) => shortDay(day(d));
const today = new Date();
let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

const tablet = (browser: Browser, username: string) => login(browser, server, username, { locale: 'da-DK', timezoneId: 'Europe/Copenhagen' });

const action = (page: Page, title: string) => page.locator('[data-action-id]').filter({ has: page.locator('[data-title]', { hasText: title }) });

async function setDue(page: Page, title: string, due: string) {
  await action(page, title).locator('[data-title]').click();
  await page.locator('[id^="action-editor-"]').getByLabel('Frist').fill(fieldDay(due));
  await page.locator('[id^="action-editor-"]').getByLabel('Frist').blur();
}

test('both due-date changes are in the history with their authors; a deleted goal is restored from it', async ({ browser }) => {
  test.setTimeout(240_000);
  const anna = await tablet(browser, 'anna');
  const page = anna.page;
  await page.getByRole('link', { name: 'Ny familie' }).click();
  await page.getByLabel('Familiens navn').fill('Familien Historik');
  await page.getByRole('button', { name: 'Opret' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Familien Historik' })).toBeVisible();
  const familyId = new URL(page.url()).pathname.split('/').at(-1) as string;
  // The school sector may see and write the plan.
  const consent = await page.request.post(`/api/families/${familyId}/consents`, {
    headers: { origin: server.url },
    data: { givenBy: 'Mor', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde', method: 'paper', reference: 'J.nr. 1' }
  });
  expect(consent.status()).toBe(201);

  const goal = 'Fast fremmøde';
  await page.getByRole('button', { name: '+ Tilføj mål' }).click();
  await page.getByLabel('Nyt mål').fill(goal);
  await page.getByRole('button', { name: 'Tilføj mål', exact: true }).click();
  await page.getByRole('button', { name: `Tilføj en handling til målet “${goal}”` }).click();
  const form = page.locator('[data-goal-id]').filter({ hasText: goal }).locator('form.action-form');
  await form.getByLabel('Ny handling').fill('Hjemmebesøg');
  await form.getByLabel('Frist').fill(fieldDay(day(addDays(today, 10))));
  await form.getByRole('button', { name: 'Tilføj handling' }).click();
  await expect(action(page, 'Hjemmebesøg')).toBeVisible();

  const bo = await tablet(browser, 'bo');
  await bo.page.goto(`/familie/${familyId}`);
  await expect(action(bo.page, 'Hjemmebesøg')).toBeVisible();

  // anna offline moves the due date; bo, online, moves it too.
  await anna.context.setOffline(true);
  await expect(page.locator('[data-sync="offline"]')).toBeVisible();
  await setDue(page, 'Hjemmebesøg', day(addDays(today, 12)));
  await setDue(bo.page, 'Hjemmebesøg', day(addDays(today, 14)));
  await expect(bo.page.locator('[data-sync="online"]').first()).toBeVisible();
  await anna.context.setOffline(false);
  // "online" means the relay holds every local change ("gemt"), anna's offline edit included.
  await expect(page.locator('[data-sync="online"]').first()).toBeVisible({ timeout: 30_000 });

  // Both see the concurrent change, naming the other and the two values, until one of them acknowledges it.
  const annaNotice = page.locator('[data-clash-field="due"]');
  const boNotice = bo.page.locator('[data-clash-field="due"]');
  await expect(annaNotice).toContainText('Bo Lindqvist ændrede også fristen for »Hjemmebesøg«', { timeout: 15_000 });
  await expect(boNotice).toContainText('Anna Holm ændrede også fristen for »Hjemmebesøg«', { timeout: 15_000 });
  for (const notice of [annaNotice, boNotice]) {
    await expect(notice).toContainText('Planen har nu');
    // A date ending in a full stop ("15. dec.") ends the sentence: no second one.
    await expect(notice).not.toContainText('..');
  }
  await expect(annaNotice).toContainText(`${shortDate(addDays(today, 12))} → ${shortDate(addDays(today, 14))}`);
  await expect(boNotice).toContainText(`${shortDate(addDays(today, 14))} → ${shortDate(addDays(today, 12))}`);
  await boNotice.getByRole('button', { name: 'Markér den samtidige ændring af »Hjemmebesøg« som set' }).click();
  await expect(annaNotice).toHaveCount(0);
  await expect(boNotice).toHaveCount(0);

  // The history lists both changes, each with its author.
  await page.goto(`/familie/${familyId}/historik`);
  const history = page.locator('[data-history]');
  await expect(history.locator('[data-author="u-bo"]').filter({ hasText: 'ændrede fristen for indsatsen »Hjemmebesøg«' })).toBeVisible({ timeout: 15_000 });
  await expect(history.locator('[data-author="u-anna"]').filter({ hasText: 'ændrede fristen for indsatsen »Hjemmebesøg«' })).toBeVisible();
  await expect(history.locator('[data-author="u-bo"]')).toContainText('Bo Lindqvist');

  // anna deletes the goal and restores it from the history.
  await page.goto(`/familie/${familyId}`);
  const card = page.locator('[data-goal-id]').filter({ hasText: goal });
  await card.getByRole('button', { name: /Redigér/ }).first().click();
  await page.getByRole('button', { name: 'Fjern målet' }).click();
  await page.getByRole('alertdialog', { name: 'Fjern målet?' }).getByRole('button', { name: 'Ja, fjern' }).click();
  await expect(page.locator('[data-goal-id]').filter({ hasText: goal })).toHaveCount(0);
  await page.goto(`/familie/${familyId}/historik`);
  const removal = history.locator('[data-history-change="removed"]').filter({ hasText: goal });
  await expect(removal).toBeVisible({ timeout: 15_000 });
  await removal.getByRole('button', { name: 'Gendan' }).click();
  await expect(page.locator('[data-history-notice]')).toContainText('Gendannet');
  await expect(history.locator('[data-history-change="restored"]').filter({ hasText: goal })).toBeVisible({ timeout: 15_000 });
  await page.goto(`/familie/${familyId}`);
  await expect(page.locator('[data-goal-id]').filter({ hasText: goal })).toBeVisible();
  await expect(action(page, 'Hjemmebesøg')).toBeVisible();
  await Promise.all([anna.context.close(), bo.context.close()]);
});
