// Issue #20, "The plan you can put in front of a family": the plan opens as
// a page to read; each section opens its form in place ("Redigér"/"Tilføj")
// and goes back to reading after saving or closing. Dates are typed as
// dd.mm.åååå whatever the browser's locale (this tablet runs in en-US), the
// plan can be shown to the family without anything internal, presence is
// said in words and pending changes are counted as a person counts them.
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, login, startServer, openPlanOnline, type TestServer } from './fixtures.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** Reading mode: nothing to type in or choose on the plan (ticking an action off stays a checkbox). */
async function expectReading(page: Page) {
  await expect(page.locator('#part-panel').locator('textarea, select, input:not([type="checkbox"])')).toHaveCount(0);
}

const shotsDir = () => {
  const dir = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : test.info().outputPath('screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
};

test('the plan reads first; every section edits in place and returns to reading', async ({ browser }) => {
  test.setTimeout(240_000);
  const { context, page } = await login(browser, server, 'anna', { viewport: { width: 768, height: 1024 }, locale: 'en-US', timezoneId: 'Europe/Copenhagen' });
  await openPlanOnline(page, 'gel-02-nielsen');
  await expect(page.locator('[data-action-id]').first()).toBeVisible();
  await expectReading(page);
  // One level of navigation; presence in words.
  await expect(page.getByRole('tab')).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Familiens sider' }).getByRole('link', { name: 'Familiens plan', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('group', { name: 'Hvem har planen åben' })).toHaveText('Ingen andre har planen åben');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shotsDir()}/plan-reading-768x1024.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${shotsDir()}/plan-reading-1280x800.png`, fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });

  // Hopes: add one (the form closes after saving), then edit them and finish.
  await page.getByRole('button', { name: '+ Tilføj håb' }).click();
  await page.getByRole('form', { name: 'Tilføj håb eller drøm' }).getByLabel('Tilføj håb eller drøm').fill('At vi kan spise aftensmad sammen.');
  await page.getByRole('form', { name: 'Tilføj håb eller drøm' }).getByLabel('Sagt af').fill('mor');
  await page.getByRole('form', { name: 'Tilføj håb eller drøm' }).getByRole('button', { name: 'Gem' }).click();
  await expect(page.locator('[data-voice="family"] [data-hope-text]').last()).toHaveText('At vi kan spise aftensmad sammen.');
  await expect(page.getByRole('button', { name: '+ Tilføj håb' })).toBeFocused();
  await expectReading(page);
  await page.getByRole('button', { name: 'Redigér håb og drømme' }).click();
  await expect(page.locator('[data-voice="family"] textarea')).toHaveCount(3);
  await page.getByRole('button', { name: 'Færdig' }).click();
  await expectReading(page);

  // The child's own words: an age that is not one gets a Danish message; then it is kept apart from the hopes.
  await page.getByRole('button', { name: '+ Tilføj barnets ord' }).click();
  await page.getByLabel('Det siger barnet').fill('Jeg vil gerne have en hund.');
  await page.getByLabel('Barnets navn').fill('Emil');
  await page.getByLabel('Alder').fill('ti');
  await page.getByRole('form', { name: 'Tilføj barnets ord' }).getByRole('button', { name: 'Gem' }).click();
  await expect(page.locator('#new-child-age-error')).toHaveText('Skriv alderen som et tal fra 0 til 25.');
  await page.getByLabel('Alder').fill('9');
  await page.getByRole('form', { name: 'Tilføj barnets ord' }).getByRole('button', { name: 'Gem' }).click();
  await expect(page.locator('[data-voice="child"]')).toContainText('Jeg vil gerne have en hund.');
  await expect(page.locator('[data-voice="child"]')).toContainText('Emil, 9 år');
  await expect(page.locator('[data-voice="family"]')).not.toContainText('Jeg vil gerne have en hund.');
  await expectReading(page);

  // Tovholder: the handover form opens and closes.
  await page.locator('#tovholder-open').click();
  await expect(page.locator('#tovholder-who')).toBeVisible();
  await page.locator('#tovholder').getByRole('button', { name: 'Annuller' }).click();
  await expectReading(page);

  // A goal, with a date typed the Danish way in an English browser; a US date is refused in Danish.
  await page.getByRole('button', { name: '+ Tilføj mål' }).click();
  await page.getByLabel('Nyt mål').fill('Emil har en fast voksen i SFO');
  const target = page.getByLabel('Måldato');
  await expect(target).toHaveAttribute('placeholder', 'dd.mm.åååå');
  await target.fill('11/30/2027');
  await target.blur();
  await expect(page.locator('#new-goal-target-error')).toHaveText('Skriv datoen som dd.mm.åååå, fx 30.11.2026.');
  await expect(target).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Tilføj mål', exact: true }).click();
  await expect(page.locator('[data-goal-id]').filter({ hasText: 'Emil har en fast voksen i SFO' })).toHaveCount(0);
  await target.fill('30.11.2027');
  await target.blur();
  await expect(page.locator('#new-goal-target-error')).toHaveCount(0);
  await page.getByRole('button', { name: 'Tilføj mål', exact: true }).click();
  const goal = page.locator('[data-goal-id]').filter({ hasText: 'Emil har en fast voksen i SFO' });
  await expect(goal).toContainText('Måldato: 30. nov. 2027');
  await expectReading(page);
  // Its editor shows the date as dd.mm.åååå.
  await goal.getByRole('button', { name: /Redigér/ }).click();
  await expect(goal.getByLabel('Måldato')).toHaveValue('30.11.2027');
  await goal.getByRole('button', { name: 'Luk' }).first().click();
  await expectReading(page);

  // An action's editor says it edits an existing action, and closes.
  const first = page.locator('[data-action-id]').first();
  await first.locator('[data-title]').click();
  await expect(first.getByRole('heading', { name: /Redigér handling/ })).toBeVisible();
  await expect(first.getByText('Ny handling')).toHaveCount(0);
  await first.getByRole('button', { name: 'Færdig' }).click();
  await expectReading(page);

  // An action without a goal: the form opens on demand and closes after saving.
  await page.getByRole('button', { name: '+ Tilføj handling uden mål' }).click();
  await expect(page.getByRole('heading', { name: 'Ny handling' })).toBeVisible();
  await page.getByPlaceholder('Ny handling').fill('Ring til SFO om en fast voksen');
  await page.getByRole('button', { name: 'Tilføj handling', exact: true }).click();
  await expect(page.locator('[data-action-id]').filter({ hasText: 'Ring til SFO om en fast voksen' })).toBeVisible();
  await expectReading(page);

  // A meeting: its minutes and decisions open with "Redigér".
  const meeting = page.locator('[data-meeting-id]').first();
  await meeting.getByRole('button', { name: /Redigér mødet/ }).click();
  await expect(meeting.locator('textarea')).toBeVisible();
  await meeting.getByRole('button', { name: 'Færdig' }).click();
  await expectReading(page);

  // Feedback and the family open and close the same way.
  await page.getByRole('button', { name: '+ Tilføj tilbagemelding' }).click();
  await expect(page.getByRole('form', { name: 'Gem tilbagemelding' })).toBeVisible();
  await page.getByRole('form', { name: 'Gem tilbagemelding' }).getByRole('button', { name: 'Annuller' }).click();
  await page.getByRole('button', { name: 'Redigér familien og netværket' }).click();
  await expect(page.getByLabel('Familiens sprog')).toBeVisible();
  await page.locator('#family').getByRole('button', { name: 'Færdig' }).click();
  await expectReading(page);

  // Shown to the family: only the plan, large, without journals, warnings, case reference or intervention levels.
  await page.getByRole('button', { name: 'Vis for familien' }).click();
  const shown = page.getByRole('article', { name: 'Planen vist for familien' });
  await expect(shown.getByRole('heading', { level: 1 })).toHaveText('Vores plan · Familien Nielsen');
  await expect(shown).toContainText('Jeg vil gerne have en rigtig ven i klassen.');
  await expect(shown).toContainText('Det siger Emil');
  for (const internal of ['Journal', 'Sagsreference', 'Råd og vejledning', 'Tidligt forebyggende', 'overskredet', 'Fortryd']) {
    await expect(page.locator('main')).not.toContainText(internal);
  }
  await expect(page.locator('.topbar')).toBeHidden();
  expect(await shown.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(22);
  await page.screenshot({ path: `${shotsDir()}/plan-family-view-768x1024.png`, fullPage: true });
  await page.getByRole('button', { name: /Luk visningen for familien/ }).click();
  await expect(page.getByRole('button', { name: 'Vis for familien' })).toBeFocused();
  await expectReading(page);

  // Pending changes as a person counts them: offline, one action and one typed sentence are not 30-odd changes.
  await context.setOffline(true);
  await expect(page.locator('[data-sync="offline"]')).toBeVisible();
  await page.getByRole('button', { name: '+ Tilføj handling uden mål' }).click();
  await page.getByPlaceholder('Ny handling').fill('Skriv til skolen');
  await page.getByRole('button', { name: 'Tilføj handling', exact: true }).click();
  await page.getByRole('button', { name: 'Redigér håb og drømme' }).click();
  const hope = page.locator('[data-voice="family"] textarea').first();
  await hope.click();
  await hope.press('End');
  await hope.pressSequentially(' Og mere tid sammen i weekenden.');
  await page.getByRole('button', { name: 'Færdig' }).click();
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', /^[12]$/);
  await expect(page.locator('[data-global-sync]')).toContainText(/[12] ændring(er)? venter/);
  await context.setOffline(false);
  await expect(page.locator('[data-global-sync]')).toHaveAttribute('data-pending', '0', { timeout: 30_000 });
  await context.close();
});
