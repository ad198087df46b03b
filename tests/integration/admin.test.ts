// The admin API (DESIGN §8 Administration, §10): admins only, bad input gets
// a Danish error and changes nothing, every change is audited, and a change
// of someone's access takes effect at once on their sockets and devices.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_ACCESS_ENDED, CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { EventStream, TestServer, closeCode, sleep } from './helpers.ts';
import { Browser } from './oidc-helpers.ts';

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await TestServer.start();
  admin = await server.login('admin');
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

const users = async () => (await server.api('/api/admin/users', { cookie: admin })).json.users as any[];

async function expectNothingChanged<T>(run: () => Promise<T>) {
  const before = JSON.stringify(await users());
  const teams = JSON.stringify((await server.api('/api/admin/teams', { cookie: admin })).json);
  const r = await run();
  expect(JSON.stringify(await users())).toBe(before);
  expect(JSON.stringify((await server.api('/api/admin/teams', { cookie: admin })).json)).toBe(teams);
  return r;
}

describe('who may administer', () => {
  it('refuses everyone but admins (403) and the signed-out (401), and checks the Origin', async () => {
    for (const who of ['anna', 'eva']) {
      const r = await server.api('/api/admin/users', { cookie: await server.login(who) });
      expect(r.status).toBe(403);
      expect(r.json).toMatchObject({ error: 'admins_only' });
    }
    expect((await server.api('/api/admin/teams')).status).toBe(401);
    const res = await fetch(`${server.url}/api/admin/users`, {
      method: 'POST',
      headers: { cookie: admin, origin: 'https://evil.test', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x1', name: 'X', role: 'admin' })
    });
    expect(res.status).toBe(403);
  });

  it('shows teams with family counts, never family names', async () => {
    const r = await server.api('/api/admin/teams', { cookie: admin });
    expect(r.status).toBe(200);
    const gellerup = r.json.teams.find((t: any) => t.id === 'gellerup');
    expect(gellerup).toMatchObject({ name: 'Gellerup', cluster: 'Vest', families: 22, leaders: ['Eva Mikkelsen'] });
    expect(JSON.stringify(r.json)).not.toMatch(/Familien/);
  });
});

describe('bad input changes nothing', () => {
  const cases: [string, string, string, Record<string, unknown>, number, string][] = [
    ['duplicate username', 'POST', '/api/admin/users', { username: 'anna', name: 'Anna To', role: 'worker', sector: 'social', teamIds: ['gellerup'] }, 409, 'admin_username_taken'],
    ['bad username', 'POST', '/api/admin/users', { username: 'Ø', name: 'X Y', role: 'admin' }, 400, 'admin_username'],
    ['unknown team', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'worker', sector: 'social', teamIds: ['gellerup', 'atlantis'] }, 400, 'admin_unknown_team'],
    ['worker without sector', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'worker', teamIds: ['gellerup'] }, 400, 'admin_sector'],
    ['worker without team', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'worker', sector: 'social', teamIds: [] }, 400, 'admin_teams'],
    ['unknown role', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'pending' }, 400, 'admin_role'],
    ['admin with teams', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'admin', teamIds: ['viby'] }, 400, 'admin_teams'],
    ['bad e-mail', 'POST', '/api/admin/users', { username: 'nyx', name: 'Ny X', role: 'admin', email: 'nope' }, 400, 'admin_email'],
    ['unknown team in a change', 'PATCH', '/api/admin/users/u-anna', { teamIds: ['gellerup', 'atlantis'] }, 400, 'admin_unknown_team'],
    ['last leader removed from a team', 'PATCH', '/api/admin/users/u-eva', { teamIds: ['gellerup'] }, 409, 'admin_last_leader'],
    ['last leader made a worker', 'PATCH', '/api/admin/users/u-eva', { role: 'worker', sector: 'social' }, 409, 'admin_last_leader'],
    ['last leader deactivated', 'POST', '/api/admin/users/u-eva/deactivate', {}, 409, 'admin_last_leader'],
    ['deactivating oneself', 'POST', '/api/admin/users/u-admin/deactivate', {}, 409, 'admin_self'],
    ['dropping one’s own admin role', 'PATCH', '/api/admin/users/u-admin', { role: 'leader', teamIds: ['viby'] }, 409, 'admin_self'],
    ['unknown user', 'POST', '/api/admin/users/u-nobody/deactivate', {}, 404, 'admin_user_not_found'],
    ['reactivating an active user', 'POST', '/api/admin/users/u-anna/reactivate', {}, 409, 'admin_already'],
    ['team with a taken name', 'POST', '/api/admin/teams', { name: 'gellerup', cluster: 'Vest', districts: ['Gellerup'] }, 409, 'admin_team_name_taken'],
    ['team with an unknown district', 'POST', '/api/admin/teams', { name: 'Hasle', cluster: 'Vest', districts: ['Atlantis'] }, 400, 'admin_unknown_district'],
    ['team without districts', 'POST', '/api/admin/teams', { name: 'Hasle', cluster: 'Vest', districts: [] }, 400, 'admin_districts'],
    ['team without cluster', 'PATCH', '/api/admin/teams/viby', { cluster: '' }, 400, 'admin_cluster'],
    ['unknown team changed', 'PATCH', '/api/admin/teams/atlantis', { name: 'Atlantis' }, 404, 'admin_team_not_found'],
    ['duplicate district', 'POST', '/api/admin/districts', { name: 'Gellerup', cluster: 'Vest' }, 409, 'admin_district_taken'],
    ['district without cluster', 'POST', '/api/admin/districts', { name: 'Hasle' }, 400, 'admin_cluster']
  ];
  for (const [what, method, path, body, status, code] of cases) {
    it(what, async () => {
      const r = await expectNothingChanged(() => server.api(path, { cookie: admin, method, body }));
      expect(r.status).toBe(status);
      expect(r.json.error).toBe(code);
      expect(r.json.message).toMatch(/[a-zæøå]/);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${server.url}/api/admin/users`, { method: 'POST', headers: { cookie: admin, origin: server.url, 'content-type': 'application/json' }, body: '{' });
    expect(res.status).toBe(400);
  });
});

describe('changes take effect at once', () => {
  it('creates a team from the district list and audits it', async () => {
    expect((await server.api('/api/admin/districts', { cookie: admin, method: 'POST', body: { name: 'Hasle', cluster: 'Vest' } })).status).toBe(201);
    const r = await server.api('/api/admin/teams', { cookie: admin, method: 'POST', body: { name: 'Hasle', cluster: 'Vest', districts: ['Hasle', 'Gellerup'] } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ id: 'hasle', districts: ['Hasle', 'Gellerup'], families: 0 });
    const audit = (await server.api('/api/admin/audit', { cookie: admin })).json.entries;
    expect(audit[0]).toMatchObject({ action: 'admin-team-created', actorName: 'Administrator', detail: { teamId: 'hasle' } });
    expect(audit[1]).toMatchObject({ action: 'admin-district-saved', detail: { name: 'Hasle', cluster: 'Vest' } });
  });

  it('a new employee waits, is assigned, and her open stream hears it without signing in again', async () => {
    const browser = new Browser(server.url);
    await browser.request((await browser.signInAtProvider('helle')).href);
    const cookie = browser.session();
    const me = (await server.api('/api/me', { cookie })).json;
    expect(me.role).toBe('pending');
    const stream = await EventStream.open(server.url, cookie);
    const r = await server.api(`/api/admin/users/${me.id}`, { cookie: admin, method: 'PATCH', body: { role: 'worker', sector: 'health', teamIds: ['gellerup'] } });
    expect(r.status).toBe(200);
    await expect.poll(() => stream.events).toContain('access');
    stream.close();
    expect((await server.api('/api/me', { cookie })).json).toMatchObject({ role: 'worker', sector: 'health', teams: [{ id: 'gellerup' }] });
    expect((await server.api('/api/manifest', { cookie })).json.rooms.length).toBeGreaterThan(0);
  });

  it('removal from a team closes her sockets with 4403 and puts the rooms in her purge list', async () => {
    const frida = await server.login('frida');
    await server.api('/api/admin/users/u-frida', { cookie: admin, method: 'PATCH', body: { teamIds: ['viby', 'gellerup'] } });
    const family = server.family('gel-01');
    const raw = await server.raw(roomName(family, 'social'), frida);
    const closed = closeCode(raw);
    const started = Date.now();
    const r = await server.api('/api/admin/users/u-frida', { cookie: admin, method: 'PATCH', body: { teamIds: ['viby'] } });
    expect(r.status).toBe(200);
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await server.api('/api/manifest', { cookie: frida })).json.purge).toContain(roomName(family, 'social'));
  });

  it('deactivation ends every session (4401), refuses the cookie, and reactivation lets her sign in again', async () => {
    const tablet = await server.login('cecilie');
    const laptop = await server.login('cecilie');
    const family = server.family('gel-01');
    const a = await server.raw(roomName(family, 'health'), tablet);
    const b = await server.raw(roomName(family, 'health'), laptop);
    const stream = await EventStream.open(server.url, tablet);
    const closes = Promise.all([closeCode(a), closeCode(b)]);
    const started = Date.now();
    const r = await server.api('/api/admin/users/u-cecilie/deactivate', { cookie: admin, method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.json.active).toBe(false);
    expect(await closes).toEqual([CLOSE_SESSION_ENDED, CLOSE_SESSION_ENDED]);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => stream.events).toContain('session-ended');
    const me = await server.api('/api/me', { cookie: tablet });
    expect(me.status).toBe(401);
    // The device is told why, so it wipes its family data (an expired session would only get `unauthenticated`).
    expect(me.json.error).toBe('account_deactivated');
    expect((await server.api('/api/auth/login', { method: 'POST', body: { username: 'cecilie', password: 'demo' } })).status).toBe(401);
    const audit = (await server.api('/api/admin/audit', { cookie: admin })).json.entries;
    expect(audit[0]).toMatchObject({ action: 'admin-user-deactivated', detail: { userId: 'u-cecilie' } });
    expect((await server.api('/api/admin/users/u-cecilie/reactivate', { cookie: admin, method: 'POST' })).status).toBe(200);
    expect(await server.login('cecilie')).toMatch(/^session=/);
    // The sessions from before the deactivation stay dead.
    expect((await server.api('/api/me', { cookie: tablet })).json.error).toBe('unauthenticated');
    await sleep(10);
  });

  it('a sector change closes the sockets of the old sector’s journal (4403)', async () => {
    const bo = await server.login('bo');
    const family = server.family('gel-01');
    const raw = await server.raw(roomName(family, 'school'), bo);
    const closed = closeCode(raw);
    expect((await server.api('/api/admin/users/u-bo', { cookie: admin, method: 'PATCH', body: { sector: 'employment' } })).status).toBe(200);
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    await server.api('/api/admin/users/u-bo', { cookie: admin, method: 'PATCH', body: { sector: 'school' } });
  });
});

describe('password sign-in', () => {
  it('is off without DEMO=1 or PASSWORD_LOGIN=1', async () => {
    const other = await TestServer.start({ config: { passwordLogin: false } });
    try {
      const r = await other.api('/api/auth/login', { method: 'POST', body: { username: 'anna', password: 'demo' } });
      expect(r.status).toBe(403);
      expect(r.json.error).toBe('password_login_disabled');
      expect((await other.api('/api/auth/methods')).json).toEqual({ oidc: true, password: false, citizen: true });
    } finally {
      await other.stop();
    }
  });
});
