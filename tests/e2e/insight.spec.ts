// Aktindsigt on a tablet (issue #14): from the case page anna opens the
// insight page of a family; it shows the plan, the journals she may read,
// consents, the access log and the case's events in plain Danish, and prints
// without the app's chrome (a print-media screenshot is looked at).
import { test, expect, login, startServer, type TestServer } from './fixtures.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('anna opens the insight page from the case page; it renders every section and prints', async ({ browser }) => {
  test.setTimeout(90_000);
  const family = 'gel-07'; // opened by social; consent plan + social -> the other sectors
  const { context, page } = await login(browser, server, 'anna', { viewport: { width: 900, height: 1100 } });
  try {
    await page.goto('/');
    const link = page.locator(`a[href^="/familie/${family}-"]`).first();
    await expect(link).toBeVisible({ timeout: 30_000 });
    const href = (await link.getAttribute('href'))!;
    const id = href.split('/')[2];
    await page.goto(`/familie/${id}/sag`);
    await page.locator('[data-insight-link]').click();
    await expect(page).toHaveURL(new RegExp(`/familie/${id}/indsigt$`));
    const article = page.locator('[data-insight]');
    await expect(article).toBeVisible({ timeout: 20_000 });
    await expect(article.locator('h1').first()).toContainText('Aktindsigt · Familien');
    await expect(article.getByRole('heading', { name: 'Familiens plan' })).toBeVisible();
    await expect(article.getByRole('heading', { name: 'Samtykker' })).toBeVisible();
    await expect(article.getByRole('heading', { name: 'Hvem har set og ændret oplysningerne' })).toBeVisible();
    await expect(article.locator('[data-insight-journal="social"]')).toBeVisible();
    await expect(page.locator('[data-insight-download]')).toHaveAttribute('href', `/api/families/${id}/insight?download=1`);

    // On paper: the export without buttons or the app's bar.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('[data-insight-print]')).toBeHidden();
    await expect(page.locator('.topbar')).toBeHidden();
    await expect(article).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('insight-print.png'), fullPage: false });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.byteLength).toBeGreaterThan(10_000);
  } finally {
    await context.close();
  }
});
