// The tovholder's desk (issue #16). anna proposes bo as tovholder of
// Familien Nielsen: nothing changes until bo accepts; bo hears of it in his
// inbox (the header's badge), accepts on the plan, and both tablets show him
// as tovholder with both steps on record. bo's start page then lists anna's
// overdue action in his new family, and he reassigns it in place. An expiring
// consent shows on the tovholder's own start page (anna, Familien Pedersen).
import { test, expect, serverWithTablets, openPlanOnline } from './fixtures.ts';

const TABLET = { width: 1024, height: 900 };
const AT_ONCE = { timeout: 15_000 };
const OPENED = { timeout: 30_000 };
const NIELSEN = 'gel-02-nielsen'; // anna is tovholder; an overdue action of hers (seed)
const PEDERSEN = 'gel-04-pedersen'; // anna is tovholder; the consent ends in about two weeks (seed)

const spec = serverWithTablets(TABLET);
const tablet = spec.tablet;

test('anna proposes bo as tovholder: bo is told, accepts, both see it; his desk lists her overdue action and he reassigns it', async ({ browser }) => {
  test.setTimeout(150_000);
  const anna = await tablet(browser, 'anna');
  const bo = await tablet(browser, 'bo');

  await openPlanOnline(anna.page, NIELSEN);
  await expect(anna.page.locator('[data-tovholder="u-anna"]')).toBeVisible(OPENED);
  await anna.page.locator('#tovholder-open').click();
  await anna.page.locator('#tovholder-who').selectOption('u-bo');
  await anna.page.getByLabel('Overdragelsesnote').fill('Mor vil helst ringes op om formiddagen.');
  await anna.page.getByRole('button', { name: 'Foreslå som tovholder' }).click();
  // Until bo accepts, anna stays tovholder, and the plan says it waits for him.
  await expect(anna.page.locator('[data-proposed="u-bo"]')).toContainText('Venter på, at Bo Lindqvist siger ja. Indtil da er Anna Holm stadig tovholder.');
  await expect(anna.page.locator('[data-tovholder="u-anna"]')).toBeVisible();

  // bo's header shows a new message; the inbox names the family and leads to the plan.
  await bo.page.goto('/');
  await expect(bo.page.locator('[data-inbox] [data-unread]')).toBeVisible({ timeout: 30_000 });
  await bo.page.locator('[data-inbox]').click();
  const note = bo.page.locator(`[data-notification="handover-proposed"][data-notification-family="${NIELSEN}"]`);
  await expect(note).toContainText('Anna Holm foreslår dig som tovholder for Familien Nielsen', AT_ONCE);
  await note.getByRole('link').click();
  await expect(bo.page.locator('[data-proposed="u-bo"]')).toContainText('Du er foreslået som tovholder', OPENED);
  await expect(bo.page.locator('[data-proposed="u-bo"]')).toContainText('Mor vil helst ringes op om formiddagen.');
  await bo.page.locator('#tovholder').screenshot({ path: test.info().outputPath('handover-bo.png') });
  await bo.page.locator('#handover-accept').click();

  // Both tablets show bo as tovholder, and the handover's two steps.
  for (const p of [bo.page, anna.page]) {
    await expect(p.locator('[data-tovholder="u-bo"]')).toBeVisible(AT_ONCE);
    await expect(p.locator('[data-proposed]')).toHaveCount(0);
    await expect(p.locator('[data-handover-log] [data-handover="accepted"]')).toContainText('Anna Holm foreslog Bo Lindqvist');
    await expect(p.locator('[data-handover-log] [data-handover="accepted"]')).toContainText('Bo Lindqvist sagde ja');
  }
  // anna is told that bo accepted.
  await anna.page.locator('#tovholder').screenshot({ path: test.info().outputPath('handover-anna-after.png') });
  await anna.page.goto('/beskeder');
  await expect(anna.page.locator(`[data-notification="handover-accepted"][data-notification-family="${NIELSEN}"]`)).toContainText('Bo Lindqvist har sagt ja', { timeout: 30_000 });
  // Offline, the inbox is the device's sealed copy: still there after a reload.
  await anna.context.setOffline(true);
  await anna.page.reload();
  await expect(anna.page.locator(`[data-notification="handover-accepted"][data-notification-family="${NIELSEN}"]`)).toContainText('Bo Lindqvist har sagt ja til at blive tovholder for Familien Nielsen', OPENED);
  await expect(anna.page.getByText('Du er offline: her er beskederne')).toBeVisible();
  await anna.context.setOffline(false);

  // bo's start page: anna's overdue action in his new family, under "Overskredet".
  await bo.page.goto('/');
  const desk = bo.page.locator('[data-desk]');
  const overdue = desk.locator(`[data-group-list="overdue"] [data-kind="action-overdue"][data-desk-family="${NIELSEN}"]`);
  await expect(overdue.first()).toBeVisible(OPENED);
  await expect(overdue.first()).toContainText('Anna Holm:');
  const row = overdue.filter({ hasText: 'Anna Holm:' }).first();
  const actionId = await row.getAttribute('data-desk-action');
  expect(actionId).toBeTruthy();
  await bo.page.screenshot({ path: test.info().outputPath('desk-bo.png'), fullPage: true });

  // He reassigns it to Cecilie, there on the start page.
  await row.getByRole('button', { name: 'Giv til' }).click();
  await row.getByRole('combobox').selectOption('u-cecilie');
  await row.locator('form').getByRole('button', { name: 'Giv til' }).click();
  const moved = desk.locator(`[data-desk-action="${actionId}"]`);
  await expect(moved).toContainText('Cecilie Dam:', OPENED);
  // anna's plan shows the new owner.
  await anna.page.goto(`/familie/${NIELSEN}#action-${actionId}`);
  await expect(anna.page.locator(`#action-${actionId}`)).toContainText('Cecilie Dam', OPENED);
});

test('an expiring consent appears on the tovholder’s start page; the caseload search finds a family by its tovholder', async ({ browser }) => {
  test.setTimeout(90_000);
  const anna = await tablet(browser, 'anna');
  await anna.page.goto('/');
  const consent = anna.page.locator(`[data-desk] [data-kind="consent-expiring"][data-desk-family="${PEDERSEN}"]`);
  await expect(consent).toBeVisible(OPENED);
  await expect(consent).toContainText('Samtykket udløber');
  await expect(consent).toContainText('Familien Pedersen');
  await anna.page.screenshot({ path: test.info().outputPath('desk-anna.png'), fullPage: true });
  // A card whose earliest open deadline has passed says so (it read "Næste frist for 7 dage siden").
  await expect(anna.page.locator(`ul.families a[data-family-id="${NIELSEN}"]`)).toContainText(/Frist overskredet for .+ siden/);
  await expect(anna.page.locator('ul.families a[data-family-id]').filter({ hasText: /Næste frist for .+ siden/ })).toHaveCount(0);

  // Search by a colleague's name finds the families where they are tovholder or own an action.
  await anna.page.locator('#family-search').fill('bo lindqvist');
  await expect(anna.page.locator('ul.families a[data-family-id="gel-03-jensen"]')).toBeVisible(AT_ONCE);
  await anna.page.locator('#family-search').fill('');
  await anna.page.locator('#family-filter').selectOption('mine-tovholder');
  await expect(anna.page.locator(`ul.families a[data-family-id="${PEDERSEN}"]`)).toBeVisible(AT_ONCE);
  await expect(anna.page.locator('ul.families a[data-family-id="gel-03-jensen"]')).toHaveCount(0);

  // The meeting this week (Familien Hansen) leads to the plan; its calendar invitation leaves the family's name out unless ticked.
  await anna.page.locator('#family-filter').selectOption('all');
  await anna.page.locator('[data-desk] [data-kind="meeting-this-week"][data-desk-family="gel-01-hansen"] a').first().click();
  const ics = anna.page.locator('[data-ics]').first();
  await expect(ics).toBeVisible(OPENED);
  const read = async () => {
    const [download] = await Promise.all([anna.page.waitForEvent('download'), ics.getByRole('button', { name: 'Hent kalenderinvitation (.ics)' }).click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
  };
  const plain = await read();
  expect(plain.name).toMatch(/^netvaerksmoede-\d{4}-\d{2}-\d{2}\.ics$/);
  expect(plain.text).toContain('BEGIN:VEVENT');
  expect(plain.text).toContain('SUMMARY:Netværksmøde');
  expect(plain.text).not.toContain('Hansen');
  await ics.getByLabel('Medtag familiens navn i titlen').check();
  expect((await read()).text).toContain('Familien Hansen');
});
