// ID token validation at the callback (DESIGN §10) and the group-claim
// mapping, against a test issuer whose signing key the test holds: every
// token here is one a provider (or an attacker) could send.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { OidcSignIn, mapGroups, type ProviderSettings } from '../../server/identity/oidc.ts';
import { parseGroupMap, type GroupMap } from '../../server/config.ts';
import { TestIssuer } from './oidc-helpers.ts';

const ORIGIN = 'https://plan.test';
let store: SqliteStore;
let issuer: TestIssuer;
let groupMap: GroupMap;

function signIn() {
  const settings: ProviderSettings = {
    issuer: issuer.issuer,
    issuerKey: issuer.issuer,
    clientId: issuer.clientId,
    clientSecret: 'secret',
    groupsClaim: 'groups',
    groupMap,
    allowHttp: false,
    fetch: issuer.fetch
  };
  return new OidcSignIn(store, async () => settings);
}

/** Starts a sign-in and comes back with a code, as the provider would redirect the browser. */
async function roundTrip(oidc: OidcSignIn, opts: { cookieState?: string } = {}) {
  const { location, state } = await oidc.start(ORIGIN, new Date());
  const auth = new URL(location);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/auth/callback`);
  issuer.nonce = auth.searchParams.get('nonce')!;
  const callback = new URL(`${ORIGIN}/auth/callback?code=c0de&state=${state}`);
  return oidc.finish(callback, ORIGIN, opts.cookieState ?? state, new Date());
}

beforeEach(async () => {
  store = new SqliteStore(':memory:');
  await store.saveTeam({ id: 'gellerup', name: 'Gellerup', district: 'Gellerup', cluster: 'Vest' }, ['Gellerup']);
  await store.saveTeam({ id: 'viby', name: 'Viby', district: 'Viby', cluster: 'Syd' }, ['Viby']);
  issuer = new TestIssuer();
  groupMap = {};
});
afterEach(() => store.close());

describe('ID token validation', () => {
  it('accepts a valid token and creates the user as pending, keyed by issuer + sub', async () => {
    issuer.nextClaims = () => issuer.claims({ name: 'Helle Nyborg', email: 'helle@kommune.dk', preferred_username: 'helle@kommune.dk' });
    const r = await roundTrip(signIn());
    expect(r).toMatchObject({ ok: true, created: true, user: { role: 'pending', username: 'helle', name: 'Helle Nyborg', email: 'helle@kommune.dk', issuer: issuer.issuer, subject: 'sub-1' } });
    expect(await store.userBySubject(issuer.issuer, 'sub-1')).toBeDefined();
  });

  const bad: [string, (nonce: string) => Record<string, unknown>][] = [
    ['a wrong audience', () => issuer.claims({ aud: 'another-app' })],
    ['an expired token', () => issuer.claims({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['another nonce', () => issuer.claims({ nonce: 'not-the-one-we-sent' })],
    ['no nonce', () => { const c = issuer.claims(); delete c.nonce; return c; }],
    ['another issuer', () => issuer.claims({ iss: 'https://evil.test' })]
  ];
  for (const [what, claims] of bad) {
    it(`refuses ${what}`, async () => {
      issuer.nextClaims = claims;
      const r = await roundTrip(signIn());
      expect(r).toMatchObject({ ok: false, reason: 'oidc_token' });
      expect(await store.listUsers()).toEqual([]);
    });
  }

  it('refuses a token signed with another key', async () => {
    const other = new TestIssuer();
    const original = issuer.fetch;
    issuer.fetch = async (url, options) => {
      if (new URL(url).pathname !== '/token') return original(url, options);
      return new Response(JSON.stringify({ access_token: 'at', token_type: 'Bearer', id_token: other.sign(issuer.claims()) }), { headers: { 'content-type': 'application/json' } });
    };
    expect(await roundTrip(signIn())).toMatchObject({ ok: false, reason: 'oidc_token' });
  });

  it('refuses a replayed state, and a state from another browser', async () => {
    const oidc = signIn();
    const { state } = await oidc.start(ORIGIN, new Date());
    const callback = new URL(`${ORIGIN}/auth/callback?code=c0de&state=${state}`);
    expect(await oidc.finish(callback, ORIGIN, 'someone-else', new Date())).toMatchObject({ ok: false, reason: 'oidc_state' });
    // Spent by that refusal: the rightful browser cannot use it either.
    expect(await oidc.finish(callback, ORIGIN, state, new Date())).toMatchObject({ ok: false, reason: 'oidc_state' });
  });

  it('refuses a state older than ten minutes', async () => {
    const oidc = signIn();
    const { state } = await oidc.start(ORIGIN, new Date(Date.now() - 11 * 60_000));
    const callback = new URL(`${ORIGIN}/auth/callback?code=c0de&state=${state}`);
    expect(await oidc.finish(callback, ORIGIN, state, new Date())).toMatchObject({ ok: false, reason: 'oidc_state' });
  });

  it('reports the provider’s own refusal', async () => {
    const oidc = signIn();
    const { state } = await oidc.start(ORIGIN, new Date());
    const callback = new URL(`${ORIGIN}/auth/callback?error=access_denied&state=${state}`);
    expect(await oidc.finish(callback, ORIGIN, state, new Date())).toMatchObject({ ok: false, reason: 'oidc_refused' });
  });

  it('gives a second person with the same mailbox name a username of their own', async () => {
    await roundTrip(signIn());
    issuer.nextClaims = (nonce) => issuer.claims({ nonce, sub: 'sub-2' });
    const first = await store.userBySubject(issuer.issuer, 'sub-1');
    const r = await roundTrip(signIn());
    expect(r.ok && r.user.username).not.toBe(first?.username);
  });
});

describe('group-claim mapping', () => {
  const map = parseGroupMap(
    JSON.stringify({
      'g-health-gel': { role: 'worker', sector: 'health', teams: ['gellerup'] },
      'g-viby': { role: 'worker', teams: ['viby'] },
      'g-leader': { role: 'leader', teams: ['gellerup', 'viby'] },
      'g-admin': { role: 'admin' },
      'g-ghost': { role: 'worker', sector: 'social', teams: ['no-such-team'] }
    })
  );
  const teams = new Set(['gellerup', 'viby']);

  it('maps one group to role, sector and teams', () => {
    expect(mapGroups(['g-health-gel'], map, teams)).toEqual({ role: 'worker', sector: 'health', teamIds: ['gellerup'] });
  });
  it('combines groups: teams add up, the sector comes from the group that has one', () => {
    expect(mapGroups(['g-viby', 'g-health-gel'], map, teams)).toEqual({ role: 'worker', sector: 'health', teamIds: ['gellerup', 'viby'] });
  });
  it('the highest role wins; a leader has no sector, an admin no teams', () => {
    expect(mapGroups(['g-health-gel', 'g-leader'], map, teams)).toEqual({ role: 'leader', sector: null, teamIds: ['gellerup', 'viby'] });
    expect(mapGroups(['g-leader', 'g-admin'], map, teams)).toEqual({ role: 'admin', sector: null, teamIds: [] });
  });
  it('leaves an unmapped or incomplete user to the console', () => {
    expect(mapGroups(['other'], map, teams)).toBeNull();
    expect(mapGroups([], map, teams)).toBeNull();
    expect(mapGroups(['g-viby'], map, teams)).toBeNull(); // worker without a sector
    expect(mapGroups(['g-ghost'], map, teams)).toBeNull(); // only unknown teams
  });
  it('refuses a malformed map at start', () => {
    expect(() => parseGroupMap('{"g": {"role": "boss"}}')).toThrow(/role/);
    expect(() => parseGroupMap('{"g": {"role": "worker", "sector": "police"}}')).toThrow(/sector/);
    expect(() => parseGroupMap('{"g": {"role": "worker", "teams": "gellerup"}}')).toThrow(/teams/);
    expect(() => parseGroupMap('{nope')).toThrow(/JSON/);
  });

  it('applies the map at each sign-in, and reports a change of access', async () => {
    groupMap = map;
    issuer.nextClaims = (nonce) => issuer.claims({ nonce, groups: ['g-health-gel'] });
    const first = await roundTrip(signIn());
    expect(first).toMatchObject({ ok: true, created: true, accessChanged: false, user: { role: 'worker', sector: 'health', teamIds: ['gellerup'] } });
    issuer.nextClaims = (nonce) => issuer.claims({ nonce, groups: ['g-leader'] });
    const second = await roundTrip(signIn());
    expect(second).toMatchObject({ ok: true, created: false, accessChanged: true, user: { role: 'leader', sector: null, teamIds: ['gellerup', 'viby'] } });
  });

  it('keeps what the console assigned when no group of the user is mapped', async () => {
    groupMap = map;
    issuer.nextClaims = (nonce) => issuer.claims({ nonce, groups: ['unrelated'] });
    const r = await roundTrip(signIn());
    expect(r).toMatchObject({ ok: true, user: { role: 'pending' } });
    if (!r.ok) return;
    await store.upsertUser({ ...r.user, role: 'worker', sector: 'school', teamIds: ['viby'] });
    expect(await roundTrip(signIn())).toMatchObject({ ok: true, accessChanged: false, user: { role: 'worker', sector: 'school', teamIds: ['viby'] } });
  });
});
