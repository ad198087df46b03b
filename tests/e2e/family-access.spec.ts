// The family's own access, "Vores plan" (issue #15, DESIGN §12): anna invites
// a father from the plan (a code shown once); he signs in at the family's
// sign-in on a phone and uses it. maria (seeded, linked to gel-02) signs in
// through the local provider on a phone, sees the plan, adds a wish and
// feedback, and anna sees them live beside the plan. maria's raw WebSocket
// to a journal or another family is refused. maria withdraws the health
// consent: cecilie's open plan closes within 2 s and her device purges. Every
// family page is axe clean.
import type { Browser, Page } from '@playwright/test';
import { test, expect, login, startServer, type TestServer } from './fixtures.ts';
import { expectAxeClean, localCopy as localCopyOf, socketFromPage } from './checks.ts';
import { PARTS, roomName } from '../../src/lib/shared/rooms.ts';

const PHONE = { width: 360, height: 740 };
const FAMILY = 'gel-02-nielsen';
const FAMILY_NAME = 'Familien Nielsen';
const WITHDRAWN = 'Data for familien er fjernet fra denne enhed, fordi samtykket er trukket tilbage.';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function familySignIn(browser: Browser, username: string) {
  const context = await browser.newContext({ baseURL: server.url, viewport: PHONE, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Er du forælder? Log ind med MitID' }).click();
  await expect(page.getByRole('heading', { name: 'Kommunens login' })).toBeVisible();
  await page.getByLabel('Brugernavn').fill(username);
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await expect(page).toHaveURL(/\/vores-plan/);
  await expect(page.getByRole('heading', { name: 'Vores plan', level: 1 })).toBeVisible();
  return { context, page };
}

/** What a tablet's browser profile holds of the family (its journals and the family's own room included). */
const localCopy = (page: Page, userId: string) =>
  localCopyOf(page, userId, FAMILY, [...PARTS, 'family' as const].map((p) => roomName(FAMILY, p)));

test('anna invites, the family signs in on a phone, writes to the team, and withdraws a consent', async ({ browser }) => {
  test.setTimeout(180_000);
  const anna = await login(browser, server, 'anna');
  await anna.page.goto(`/familie/${FAMILY}`);
  await expect(anna.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();

  // anna invites a father from the plan: the code is shown once.
  const invitations = anna.page.locator('[data-invitations]');
  await expect(invitations.getByRole('heading', { name: 'Inviter familien' })).toBeVisible({ timeout: 15_000 });
  await invitations.getByRole('button', { name: 'Inviter et familiemedlem' }).click();
  await invitations.getByLabel('Navn').fill('Jonas Nielsen');
  await invitations.getByLabel('Hvem er det?').selectOption('far');
  await invitations.getByRole('button', { name: 'Lav kode' }).click();
  const code = (await invitations.locator('[data-invitation-code]').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await expect(invitations.locator('[data-invitation="open"]')).toContainText('Jonas Nielsen');

  // He signs in at the family's sign-in on his phone (new here: a citizen without a plan) and uses the code.
  const jonas = await familySignIn(browser, 'jonas');
  await expect(jonas.page.getByRole('heading', { name: 'Du kan ikke se en plan endnu.' })).toBeVisible();
  await jonas.page.getByLabel('Har du fået en kode fra jeres tovholder? Skriv den her.').fill(code.toLowerCase());
  await jonas.page.getByRole('button', { name: 'Brug koden' }).click();
  await expect(jonas.page.locator('[data-family-name]')).toHaveText(FAMILY_NAME, { timeout: 15_000 });
  await jonas.context.close();
  // anna's card shows the code used and the father among those with access.
  await anna.page.reload();
  await expect(invitations.locator('[data-invitation="used"]').filter({ hasText: 'Jonas Nielsen' })).toHaveCount(1, { timeout: 15_000 });
  await expect(invitations.locator('[data-family-link]').filter({ hasText: 'Jonas Nielsen' })).toHaveCount(1);

  // maria (seeded) signs in on her phone and sees the plan in plain words.
  const maria = await familySignIn(browser, 'maria');
  const m = maria.page;
  await expect(m.locator('[data-family-name]')).toHaveText(FAMILY_NAME, { timeout: 15_000 });
  for (const h of ['Det håber vi på', 'Vores mål', 'Hvem gør hvad – og hvornår', 'Jeres tovholder', 'Næste møde', 'Skriv til jeres team']) {
    await expect(m.getByRole('heading', { name: h })).toBeVisible();
  }
  await expect(m.locator('[data-vp-tovholder]')).toHaveText('Anna Holm');
  // Journals are never offered, nor staff pages.
  await expect(m.locator('[data-journal]')).toHaveCount(0);
  await expect(m.getByRole('link', { name: /journal|notater/i })).toHaveCount(0);
  await m.goto(`/familie/${FAMILY}`);
  await expect(m).toHaveURL(/\/vores-plan/);
  await expect(m.locator('[data-family-name]')).toHaveText(FAMILY_NAME, { timeout: 15_000 });
  await expectAxeClean(m, 'vores plan');
  await m.screenshot({ path: 'test-results/vores-plan-phone.png', fullPage: true });

  // Her raw WebSocket to a journal or another family is refused; her own rooms open.
  for (const part of ['social', 'school', 'health', 'employment'] as const) expect(await socketFromPage(m, roomName(FAMILY, part)), part).toBe('refused');
  expect(await socketFromPage(m, roomName('gel-01-hansen', 'plan'))).toBe('refused');
  expect(await socketFromPage(m, roomName('gel-01-hansen', 'family'))).toBe('refused');
  expect(await socketFromPage(m, roomName(FAMILY, 'family'))).toBe('open');

  // She adds a wish and feedback; anna sees them live, marked as the family's.
  const voice = anna.page.locator('[data-family-voice]');
  await expect(voice).toContainText('Vi vil gerne have mere ro om morgenen'); // the seeded wish
  await m.getByLabel('Et håb eller ønske').check();
  await m.getByLabel('Skriv her').fill('Vi ønsker, at Sara får en fast voksen i skolen.');
  await m.getByRole('button', { name: 'Send' }).click();
  await expect(m.getByRole('status').filter({ hasText: 'Tak. Jeres team kan nu se det.' })).toBeVisible();
  await m.getByLabel('Hvordan går det med hjælpen?').check();
  await m.getByText('4', { exact: true }).click();
  await m.getByLabel('Vil du sige mere? (kan springes over)').fill('Møderne hjælper os.');
  await m.getByRole('button', { name: 'Send' }).click();
  await expect(voice.locator('[data-family-note="hope"]').filter({ hasText: 'Vi ønsker, at Sara får en fast voksen i skolen.' })).toBeVisible({ timeout: 5_000 });
  await expect(voice.locator('[data-family-note="feedback"]')).toContainText('4 ud af 5');
  await expect(voice.locator('[data-family-note="feedback"]')).toContainText('Møderne hjælper os.');

  // Offline on her phone: the plan opens from the device, and a question waits until she is back online.
  await maria.context.setOffline(true);
  await m.reload();
  await expect(m.locator('[data-family-name]')).toHaveText(FAMILY_NAME, { timeout: 15_000 });
  await expect(m.locator('[data-vp="written"]')).toContainText('Vi ønsker, at Sara får en fast voksen i skolen.');
  await m.getByLabel('Et spørgsmål til teamet').check();
  await m.getByLabel('Skriv her').fill('Kan mødet flyttes til om eftermiddagen?');
  await m.getByRole('button', { name: 'Send' }).click();
  await expect(m.locator('[data-vp="written"]')).toContainText('Kan mødet flyttes til om eftermiddagen?');
  await maria.context.setOffline(false);
  await expect(voice.locator('[data-family-note="question"]')).toContainText('Kan mødet flyttes til om eftermiddagen?', { timeout: 15_000 });

  // "Hvem har set vores oplysninger": openings apart from background copies.
  await m.getByRole('link', { name: 'Hvem har set vores oplysninger' }).click();
  await expect(m.getByRole('heading', { name: 'Hvem har set vores oplysninger' })).toBeVisible();
  // anna and cecilie opened the plan on screen; colleagues' devices copied it in the background: two kinds of line.
  await expect(m.locator('[data-log-action="open"][data-log-user="u-anna"]').first()).toContainText('Åbnede og læste', { timeout: 10_000 });
  await expect(m.locator('[data-log-action="sync"]').first()).toContainText('Enheden hentede automatisk en kopi af');
  await expectAxeClean(m, 'adgangslog');
  // On her phone the columns share the width: no line of the log runs past the edge of the screen.
  const rightmost = await m.locator('[data-log-action] td').evaluateAll((cells) => Math.max(...cells.map((td) => td.getBoundingClientRect().right)));
  expect(rightmost).toBeLessThanOrEqual(PHONE.width);
  // Reached without the family in the address (a bookmark, a shortened link), the log and the consents are still
  // her family's (they showed nothing at all), and the way back leads to its plan.
  await m.goto('/vores-plan/log');
  await expect(m.locator('[data-log-action="open"][data-log-user="u-anna"]').first()).toBeVisible({ timeout: 10_000 });
  await m.goto('/vores-plan/samtykke');
  await expect(m.locator('[data-consent-id][data-active]').filter({ hasText: 'Sundhedsplejen' })).toHaveCount(1, { timeout: 10_000 });
  await expect(m.getByRole('link', { name: 'Tilbage til vores plan' })).toHaveAttribute('href', `/vores-plan?familie=${FAMILY}`);
  // Another family's address: not hers, so "not found" — not "your access has ended" (she never had any).
  await m.goto('/vores-plan?familie=gel-01-hansen');
  await expect(m.locator('[data-not-found]')).toHaveText('Familien findes ikke, eller du har ikke adgang.', { timeout: 10_000 });
  await expect(m.locator('[data-access-ended]')).toHaveCount(0);
  await m.goto(`/vores-plan/log?familie=${FAMILY}`);
  await expect(m.locator('[data-log-action="open"]').first()).toBeVisible({ timeout: 10_000 });

  // cecilie (health, with the family's consent) has the plan open.
  const cecilie = await login(browser, server, 'cecilie', { viewport: { width: 768, height: 1024 } });
  await cecilie.page.goto(`/familie/${FAMILY}`);
  await expect(cecilie.page.getByRole('heading', { name: FAMILY_NAME })).toBeVisible();
  await expect.poll(async () => (await localCopy(cecilie.page, 'u-cecilie')).databases, { timeout: 30_000 }).toContain(roomName(FAMILY, 'plan'));

  // maria withdraws the consent that lets health see the plan.
  await m.getByRole('link', { name: 'Tilbage til vores plan' }).click();
  await m.getByRole('link', { name: 'Jeres samtykker' }).click();
  await expect(m.getByRole('heading', { name: 'Jeres samtykker' })).toBeVisible();
  const health = m.locator('[data-consent-id][data-active]').filter({ hasText: 'Sundhedsplejen' });
  await expect(health).toHaveCount(1);
  await expectAxeClean(m, 'samtykker');
  const healthId = await health.getAttribute('data-consent-id');
  // Offline, the withdrawal waits for the network, and the page says so (the button was greyed out without a word).
  await m.context().setOffline(true);
  await expect(m.locator('[data-consents-offline]')).toHaveText('Du er ikke på nettet. Når du er på nettet igen, kan du trække et samtykke tilbage eller give et nyt.');
  await expect(health.getByRole('button', { name: 'Træk samtykket tilbage' })).toBeDisabled();
  await m.context().setOffline(false);
  await expect(m.locator('[data-consents-offline]')).toHaveCount(0, { timeout: 10_000 });
  // The page asks in the consent's card, in the family's words (it was the browser's confirm()), at its safe answer.
  const withdraw = health.getByRole('button', { name: 'Træk samtykket tilbage' });
  await withdraw.click();
  const question = health.getByRole('alertdialog', { name: 'Vil du trække samtykket tilbage?' });
  await expect(question).toContainText(
    'Så kan skole og PPR, sundhedsplejen og jobcentret ikke længere se familiens plan og notater fra socialområdet. Det gælder med det samme'
  );
  await expect(health.getByRole('button', { name: 'Fortryd' })).toBeFocused();
  await expectAxeClean(m, 'samtykker, spørgsmålet');
  await question.screenshot({ path: 'test-results/vores-plan-withdraw-question.png' });
  await health.getByRole('button', { name: 'Fortryd' }).press('Enter');
  await expect(question).toHaveCount(0);
  await expect(withdraw).toBeFocused();
  await withdraw.press('Enter');
  const started = Date.now();
  await health.getByRole('button', { name: 'Ja, træk det tilbage' }).click();
  await cecilie.page.locator('[data-access-ended]').waitFor({ timeout: 2000 });
  const closedAfterMs = Date.now() - started;
  console.log(`cecilie's view closed ${closedAfterMs} ms after maria withdrew the consent`);
  expect(closedAfterMs).toBeLessThanOrEqual(2000);
  await expect(cecilie.page.locator('[data-access-ended]')).toHaveText(WITHDRAWN);
  await expect(m.getByRole('status').filter({ hasText: 'Samtykket er trukket tilbage. Det gælder fra nu.' })).toBeVisible();
  await expect(m.locator('[data-consent-id][data-active]').filter({ hasText: 'Sundhedsplejen' })).toHaveCount(0);
  await expect(m.locator('[data-consent-id]').filter({ hasText: 'Gælder ikke mere' })).toContainText('Sundhedsplejen');
  await expect
    .poll(() => localCopy(cecilie.page, 'u-cecilie'), { timeout: 10_000 })
    .toMatchObject({ databases: [], families: 0, rooms: [] });
  await m.screenshot({ path: 'test-results/vores-plan-consents-phone.png', fullPage: true });
  // The withdrawn consent's button went with it: the focus stays on its card (it fell to the page's start).
  const focusedOn = () => m.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('data-consent-id') || '');
  await expect.poll(focusedOn).toBe(healthId);

  // She gives the health visitor the plan again, on her phone. Sent with something missing, the form says what and
  // takes her to the first thing to fill in (the focus stayed on the button).
  const give = m.getByRole('button', { name: 'Giv samtykke' });
  await give.press('Enter');
  await expect(m.getByRole('alert')).toHaveText('Vælg hvem og hvad, skriv hvorfor, og skriv under.');
  await expect.poll(focusedOn).toBe('vp-who-0');
  await expect(m.locator('#vp-who-0')).toHaveAttribute('aria-invalid', 'true');
  // Each missing part says what to do beside it (the one message sat below the form, out of sight on a phone).
  await expect(m.locator('.error:not([role])')).toHaveText(['Vælg mindst én.', 'Skriv et par ord om hvorfor.', 'Skriv under her.']);
  await m.getByRole('checkbox', { name: 'Sundhedsplejen', exact: true }).check();
  await expect(m.locator('#vp-who-missing')).toHaveCount(0);
  await give.press('Enter');
  await expect.poll(focusedOn).toBe('vp-why');
  await m.locator('#vp-why').fill('Sundhedsplejersken skal vide, hvordan det går med Sara.');
  await give.press('Enter');
  await expect.poll(focusedOn).toBe('vp-signature');
  const pad = await m.locator('#vp-signature').boundingBox();
  if (!pad) throw new Error('no signature pad');
  await m.mouse.move(pad.x + 20, pad.y + pad.height / 2);
  await m.mouse.down();
  await m.mouse.move(pad.x + pad.width / 2, pad.y + 10, { steps: 5 });
  await m.mouse.move(pad.x + pad.width - 20, pad.y + pad.height / 2, { steps: 5 });
  await m.mouse.up();
  await give.click();
  await expect(m.getByRole('status').filter({ hasText: 'Tak. Samtykket gælder nu.' })).toBeVisible();
  await expect(m.locator('[data-consent-id][data-active]').filter({ hasText: 'Sundhedsplejen' })).toHaveCount(1);
  await expect(m.getByRole('alert')).toHaveCount(0);

  await anna.context.close();
  await cecilie.context.close();
  await maria.context.close();
});
