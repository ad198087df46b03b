// Sign-in through the demo's local provider (DESIGN §10), the whole redirect
// flow over HTTP: a new employee signs in, waits without access, and a
// replayed or foreign callback is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './oidc-helpers.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;

beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server?.stop());

describe('OpenID Connect sign-in at the local provider', () => {
  it('signs a known demo user in by issuer + sub with the same session cookie', async () => {
    const browser = new Browser(server.url);
    const callback = await browser.signInAtProvider('anna');
    const res = await browser.request(callback.href);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    expect(res.headers.getSetCookie().find((c) => c.startsWith('session='))).toMatch(/HttpOnly; SameSite=Strict/);
    const me = await server.api('/api/me', { cookie: browser.session() });
    expect(me.json).toMatchObject({ id: 'u-anna', role: 'worker', sector: 'social' });
  });

  it('creates a new employee as pending: signed in, no access', async () => {
    const browser = new Browser(server.url);
    await browser.request((await browser.signInAtProvider('helle')).href);
    const me = await server.api('/api/me', { cookie: browser.session() });
    expect(me.json).toMatchObject({ name: 'Helle Nyborg', role: 'pending', sector: null, teams: [] });
    const manifest = await server.api('/api/manifest', { cookie: browser.session() });
    expect(manifest.json.rooms).toEqual([]);
    expect((await server.api('/api/families', { cookie: browser.session() })).json.families).toEqual([]);
    expect((await server.api('/api/admin/users', { cookie: browser.session() })).status).toBe(403);
    // Signing in again finds the same user, not a second one.
    const again = new Browser(server.url);
    await again.request((await again.signInAtProvider('helle')).href);
    expect((await server.api('/api/me', { cookie: again.session() })).json.id).toBe(me.json.id);
  });

  it('refuses a replayed state', async () => {
    const browser = new Browser(server.url);
    const callback = await browser.signInAtProvider('bo');
    const state = browser.cookies.get('fp_oidc');
    expect((await browser.request(callback.href)).status).toBe(302);
    // The same callback again, even with the state cookie put back: the state is spent.
    browser.cookies.set('fp_oidc', state!);
    browser.cookies.delete('session');
    const replay = await browser.request(callback.href);
    expect(replay.headers.get('location')).toBe('/login?error=oidc_state');
    expect(browser.cookies.has('session')).toBe(false);
  });

  it('refuses a callback this browser did not start (login CSRF) and spends its state', async () => {
    const victim = new Browser(server.url);
    const attacker = new Browser(server.url);
    const callback = await attacker.signInAtProvider('bo');
    const res = await victim.request(callback.href);
    expect(res.headers.get('location')).toBe('/login?error=oidc_state');
    expect(victim.cookies.has('session')).toBe(false);
    // …and the attacker cannot use it afterwards either.
    expect((await attacker.request(callback.href)).headers.get('location')).toBe('/login?error=oidc_state');
  });

  it('refuses an unknown state and a callback without one', async () => {
    const browser = new Browser(server.url);
    for (const q of ['?code=x&state=made-up', '?code=x', '?error=access_denied']) {
      browser.cookies.set('fp_oidc', 'made-up');
      const res = await browser.request(`/auth/callback${q}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login?error=oidc_state');
    }
  });

  it('refuses a deactivated user at the callback', async () => {
    const user = await server.app.store.userById('u-dennis');
    await server.app.store.upsertUser({ ...user!, active: false });
    const browser = new Browser(server.url);
    const res = await browser.request((await browser.signInAtProvider('dennis')).href);
    expect(res.headers.get('location')).toBe('/login?error=oidc_deactivated');
    await server.app.store.upsertUser({ ...user! });
  });

  it('says which sign-in methods the login page offers, and ends the provider session on logout', async () => {
    expect((await server.api('/api/auth/methods')).json).toEqual({ oidc: true, password: true, citizen: true });
    const browser = new Browser(server.url);
    await browser.request((await browser.signInAtProvider('anna')).href);
    const res = await browser.request('/auth/logout');
    const location = new URL(res.headers.get('location')!);
    expect(location.pathname).toBe('/idp/session/end');
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/login`);
    const page = await browser.request(location.href);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Vil du også logge ud af kommunens login?');
  });
});
