// Municipal sign-in in Chromium (DESIGN §10, the issue's "Must show"): a new
// employee signs in at the local identity provider, waits, is assigned by the
// admin and sees her families without signing in again; deactivated while her
// plan is open, the plan closes within 2 s and her device holds no family
// data. A replayed state, and ID tokens with a wrong audience or expired, are
// refused with a Danish message.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { expect, test, login, startServer, type TestServer } from './fixtures.ts';
import { TestIssuer } from '../integration/oidc-helpers.ts';
import { familyDatabases } from './checks.ts';


async function signInAtProvider(page: Page, username: string, base = '') {
  await page.goto(`${base}/login`);
  await page.getByRole('link', { name: 'Log ind med kommunens login' }).click();
  await expect(page.getByRole('heading', { name: 'Kommunens login' })).toBeVisible();
  await page.getByLabel('Brugernavn').fill(username);
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind' }).click();
}

test.describe('sign-in at the local provider', () => {
  let server: TestServer;
  test.beforeAll(async () => {
    server = await startServer();
  });
  test.afterAll(async () => server?.stop());

  test('a new employee waits, is assigned, works, and is deactivated with her plan open', async ({ browser }) => {
    test.setTimeout(120_000);
    const helleContext = await browser.newContext({ baseURL: server.url, viewport: { width: 1024, height: 768 } });
    const helle = await helleContext.newPage();
    await signInAtProvider(helle, 'helle');
    await expect(helle.getByText('Du er logget ind, men har endnu ikke fået adgang. En administrator skal tildele dig et fagområde og et team.')).toBeVisible();
    await expect(helle.getByRole('heading', { name: 'Mine familier', exact: true })).toHaveCount(0);

    const { context: adminContext, page: admin } = await login(browser, server, 'admin');
    await admin.goto('/admin');
    await admin.getByRole('button', { name: 'Tildel adgang – Helle Nyborg' }).click();
    await admin.getByLabel('Fagområde').selectOption('health');
    await admin.getByRole('checkbox', { name: 'Gellerup' }).check();
    await admin.getByRole('button', { name: 'Gem' }).click();
    await expect(admin.getByRole('status')).toHaveText('Gemt.');

    // Her open page moves on by itself: no reload, no new sign-in.
    await expect(helle.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible({ timeout: 5000 });
    const family = helle.locator('a[href^="/familie/"]').first();
    await expect(family).toBeVisible();
    await family.click();
    await expect(helle).toHaveURL(/\/familie\//);
    await expect.poll(() => familyDatabases(helle)).toContainEqual(expect.stringMatching(/^f-.*\.plan$/));

    await admin.locator('tr[data-user="helle"]').getByRole('button', { name: 'Deaktivér Helle Nyborg' }).click();
    const question = admin.getByRole('alertdialog', { name: 'Deaktivér Helle Nyborg?' });
    await expect(question).toContainText('logget ud på alle enheder med det samme');
    await question.getByRole('button', { name: 'Ja, deaktivér' }).click();
    // Within 2 s of the admin's click: her plan has closed, and the device holds no family data.
    const deadline = Date.now() + 2000;
    await expect(helle).toHaveURL(/\/login\?error=oidc_deactivated/, { timeout: 2000 });
    await expect.poll(() => familyDatabases(helle), { timeout: Math.max(1, deadline - Date.now()), intervals: [50] }).toEqual([]);
    await expect(helle.getByText('Din adgang til Familiens Plan er lukket. Kontakt en administrator.')).toBeVisible();

    // She cannot come back in through the provider either (still signed in there: no form, straight back, refused).
    await helle.getByRole('link', { name: 'Log ind med kommunens login' }).click();
    await expect(helle).toHaveURL(/\/login\?error=oidc_deactivated/);
    await expect(helle.getByText('Din adgang til Familiens Plan er lukket. Kontakt en administrator.')).toBeVisible();
    await adminContext.close();
    await helleContext.close();
  });

  test('a replayed state is refused with a Danish message', async ({ page }) => {
    let callback = '';
    page.on('request', (r) => {
      if (r.url().includes('/auth/callback')) callback ||= r.url();
    });
    await signInAtProvider(page, 'anna', server.url);
    await expect(page.getByRole('heading', { name: 'Mine familier', exact: true })).toBeVisible();
    expect(callback).not.toBe('');
    // The same callback again, signed out (else the app would just send her home): the state is spent.
    await page.context().clearCookies();
    await page.goto(callback);
    await expect(page).toHaveURL(/\/login\?error=oidc_state/);
    await expect(page.getByText('Login kunne ikke gennemføres, fordi det var udløbet eller allerede brugt. Prøv igen.')).toBeVisible();
  });
});

test.describe('ID tokens the app must refuse', () => {
  let issuer: TestIssuer;
  let idp: Server;
  let server: TestServer;

  test.beforeAll(async () => {
    // A provider that signs whatever the test asks for and sends the browser straight back.
    idp = createServer((req, res) => {
      const url = new URL(req.url ?? '/', issuer.issuer);
      if (url.pathname === '/authorize') {
        issuer.nonce = url.searchParams.get('nonce') ?? '';
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', 'c0de');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      void issuer.fetch(url.href, { method: req.method ?? 'GET', headers: {}, body: undefined, redirect: 'manual' }).then(async (r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      });
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = new TestIssuer(`http://127.0.0.1:${(idp.address() as AddressInfo).port}`);
    server = await startServer({ env: { DEMO: '0', PASSWORD_LOGIN: '1', OIDC_ISSUER: issuer.issuer, OIDC_CLIENT_ID: issuer.clientId, OIDC_CLIENT_SECRET: 's3cret' } });
  });
  test.afterAll(async () => {
    await server?.stop();
    idp?.close();
  });

  const cases: [string, () => Record<string, unknown>][] = [
    ['a wrong audience', () => issuer.claims({ aud: 'another-app' })],
    ['an expired ID token', () => issuer.claims({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })]
  ];
  for (const [what, claims] of cases) {
    test(`refuses ${what}`, async ({ page }) => {
      issuer.nextClaims = claims;
      await page.goto(`${server.url}/login`);
      await page.getByRole('link', { name: 'Log ind med kommunens login' }).click();
      await expect(page).toHaveURL(/\/login\?error=oidc_token/);
      await expect(page.getByText('Svaret fra kommunens login kunne ikke godkendes.', { exact: false })).toBeVisible();
      expect((await page.context().cookies()).find((c) => c.name === 'session')).toBeUndefined();
    });
  }

  test('accepts a good one', async ({ page }) => {
    issuer.nextClaims = () => issuer.claims({ sub: 'new-1', name: 'Nina Ny' });
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Log ind med kommunens login' }).click();
    await expect(page.getByRole('heading', { name: 'Venter på adgang' })).toBeVisible();
  });
});
