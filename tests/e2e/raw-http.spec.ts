// Hardening against the production build: the same raw-HTTP cases as the
// integration fuzz test, here through SvelteKit's handler and adapter-node,
// in a process of its own, so a thrown exception would end it for real.
import { test, expect, startServer, type TestServer } from './fixtures.ts';
import { rawCases, randomCases, runRawCases } from '../integration/raw-http.ts';

let server: TestServer;

test.beforeAll(async () => {
  server = await startServer({ env: { ORIGIN: '' } });
});
test.afterAll(() => server.stop());

async function signIn(): Promise<string> {
  const r = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ username: 'anna', password: 'demo' })
  });
  expect(r.status).toBe(204);
  return (r.headers.get('set-cookie') ?? '').split(';')[0];
}

test('no malformed request ends the server or gets a 5xx', async () => {
  test.setTimeout(120_000);
  const cookie = await signIn();
  const misfits = [
    ...(await runRawCases(server.url, rawCases(server.url, cookie, 256 * 1024))),
    ...(await runRawCases(server.url, randomCases(server.url, cookie, 300, 0xfa11)))
  ];
  expect(misfits).toEqual([]);
  // Still alive: pages, the API and a fresh sign-in.
  expect((await fetch(`${server.url}/login`)).status).toBe(200);
  expect((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status).toBe(200);
  await signIn();
});

test('pages, assets and API responses carry nosniff', async () => {
  const page = await fetch(`${server.url}/login`);
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await page.text();
  const asset = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0];
  expect(asset).toBeTruthy();
  const js = await fetch(`${server.url}${asset}`);
  expect(js.status).toBe(200);
  expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  const api = await fetch(`${server.url}/api/me`);
  expect(api.status).toBe(401);
  expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  expect(api.headers.get('strict-transport-security')).toBeNull();
});

test('HSTS when the app is served over https', async () => {
  const https = await startServer({ env: { ORIGIN: 'https://plan.example.dk' } });
  try {
    const r = await fetch(`${https.url}/login`);
    expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  } finally {
    await https.stop();
  }
});
