// Issue 14, "a new family, done right": anna opens a family on her tablet
// with no network — two adults' roles and two children with birth years, a
// warning because "Familien Jensen" is already in her caseload — it waits on
// the device, syncs when the network is back, and opens with its members,
// anna as tovholder and the consent prompt first. A teacher is not offered
// "Ny familie" (the social sector opens cases by default).
import { test, expect, login, startServer, workerReady, type TestServer } from './fixtures.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('anna opens a new family offline with two children; it syncs and opens with members, tovholder and the consent prompt', async ({ browser }) => {
  test.setTimeout(120_000);
  const anna = await login(browser, server, 'anna');
  const page = anna.page;
  await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  // The caseload's plans read, so the duplicate check knows their children too.
  await expect(page.locator('[data-never-synced]')).toHaveCount(0, { timeout: 30_000 });
  await workerReady(page);

  await anna.context.setOffline(true);
  await expect(page.locator('[data-global-sync="offline"]')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('link', { name: 'Ny familie' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ny familie' })).toBeVisible();
  await expect(page.locator('[data-new-family-offline]')).toBeVisible();

  // A name the caseload already holds: the form warns, and asks before creating another.
  await page.getByLabel('Familiens navn').fill('Familien Jensen');
  const warning = page.locator('[data-duplicate-warning]');
  await expect(warning).toContainText('Findes familien allerede?');
  await expect(warning.getByRole('link', { name: 'Familien Jensen' })).toHaveCount(1);
  await expect(warning).toContainText('samme navn');
  // Another name: the warning goes.
  await page.getByLabel('Familiens navn').fill('Familien Kjærsgaard-Ny');
  await expect(warning).toHaveCount(0);

  await page.getByRole('button', { name: '+ Tilføj voksen' }).click();
  await page.locator('[data-member="adult"]').nth(0).getByLabel('Navn').fill('Louise Kjærsgaard');
  await page.getByRole('button', { name: '+ Tilføj voksen' }).click();
  await page.locator('[data-member="adult"]').nth(1).getByLabel('Navn').fill('Martin Holt');
  await page.locator('[data-member="adult"]').nth(1).getByLabel('Rolle').selectOption('bonusfar');
  for (const [name, year] of [['Alma', '2016'], ['Viggo', '2020']]) {
    await page.getByRole('button', { name: '+ Tilføj barn' }).click();
    const row = page.locator('[data-member="child"]').last();
    await row.getByLabel('Fornavn').fill(name);
    await row.getByLabel('Fødselsår').fill(year);
  }
  await expect(page.getByLabel('Tovholder')).toHaveValue('');
  await expect(page.getByLabel('Tovholder').locator('option:checked')).toHaveText('Mig (Anna Holm)');
  await page.screenshot({ path: 'test-results/new-family-form.png', fullPage: true });
  await page.getByRole('button', { name: 'Opret' }).click();

  // It waits on the device, listed but not openable, and logout would warn about it.
  const pending = page.locator('[data-pending-families]');
  await expect(pending).toContainText('Familien Kjærsgaard-Ny');
  await expect(pending).toContainText('4 medlemmer');
  await expect(page.locator('[data-family-id]').filter({ hasText: 'Familien Kjærsgaard-Ny' })).toHaveCount(0);

  // Back online: it is sent without any action, and the caseload lists it.
  await anna.context.setOffline(false);
  const card = page.locator('[data-family-id]').filter({ hasText: 'Familien Kjærsgaard-Ny' });
  await expect(card).toHaveCount(1, { timeout: 30_000 });
  await expect(pending).toHaveCount(0);
  await expect(card).toContainText('Anna Holm');

  await card.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Familien Kjærsgaard-Ny' })).toBeVisible();
  await expect(page.locator('[data-header-tovholder]')).toHaveText('Anna Holm');
  await expect(page.locator('[data-consent-prompt]')).toBeVisible();
  await expect(page.locator('[data-consent-prompt]').getByRole('link', { name: 'Indhent samtykke' })).toHaveAttribute('href', /\/samtykke$/);
  await page.screenshot({ path: 'test-results/new-family-plan.png', fullPage: true });
  const family = page.locator('#family');
  for (const text of ['Louise Kjærsgaard', 'mor', 'Martin Holt', 'bonusfar', 'Alma', '2016', 'Viggo', '2020']) await expect(family).toContainText(text);

  // The same children under another name now warn as a likely duplicate, from the device's own caseload.
  await page.goto('/familie/ny');
  await page.getByLabel('Familiens navn').fill('Familien Holt');
  await page.getByRole('button', { name: '+ Tilføj barn' }).click();
  await page.locator('[data-member="child"]').getByLabel('Fornavn').fill('Viggo');
  await page.locator('[data-member="child"]').getByLabel('Fødselsår').fill('2020');
  await expect(page.locator('[data-duplicate-warning]')).toContainText('et barn med samme fornavn og fødselsår', { timeout: 15_000 });
  // Creating anyway needs the worker to say it is another family.
  await page.getByRole('button', { name: 'Opret' }).click();
  await expect(page.getByRole('alert')).toContainText('Er det en anden familie, så sæt flueben');
  await expect(page).toHaveURL(/\/familie\/ny$/);
  await anna.context.close();
});

test('a teacher is not offered "Ny familie", and the server refuses her the same', async ({ browser }) => {
  const bo = await login(browser, server, 'bo');
  await expect(bo.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await expect(bo.page.getByRole('link', { name: 'Ny familie' })).toHaveCount(0);
  await bo.page.goto('/familie/ny');
  await expect(bo.page.getByRole('alert')).toContainText('Dit fagområde kan ikke oprette nye sager');
  const r = await bo.page.request.post('/api/families', { headers: { origin: server.url }, data: { name: 'Familien Skole' } });
  expect(r.status()).toBe(403);
  expect((await r.json()).error).toBe('case_opening_not_allowed');
  await bo.context.close();
});
