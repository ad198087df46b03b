// Who may see, record and withdraw a family's consents and see its access log
// (DESIGN §8: workers with `write` on the family's plan). Outside the
// family's team — another team, a leader, the admin — the answer is the same
// 404 as for a family that does not exist, so ids cannot be probed; a worker
// of the team without plan access is told why with 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;

const body = {
  givenBy: 'Mor',
  categories: ['plan'],
  recipients: ['health'],
  purpose: 'Samarbejde med sundhedsplejen',
  method: 'oral',
  reference: 'Mundtligt ved hjemmebesøg 3. marts, noteret af Anna'
};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'cecilie', 'frida', 'eva', 'admin']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Adgang' } })).json.id;
});
afterAll(() => server?.stop());

const endpoints = (id: string, consentId = 'c-x') => [
  { what: 'list', path: `/api/families/${id}/consents`, body: undefined, code: 'consent_plan_access_required' },
  { what: 'record', path: `/api/families/${id}/consents`, body, code: 'consent_plan_access_required' },
  { what: 'revoke', path: `/api/families/${id}/consents/${consentId}/revoke`, body: {}, code: 'consent_plan_access_required' },
  { what: 'access log', path: `/api/families/${id}/access-log`, body: undefined, code: 'access_log_plan_access_required' }
];

describe('consent and access-log permissions', () => {
  it('outside the team (another team, leader, admin): the same 404 as a family that does not exist', async () => {
    const missing = await server.api('/api/families/no-such-family/consents', { cookie: cookies.frida });
    expect(missing.status).toBe(404);
    for (const user of ['frida', 'eva', 'admin']) {
      for (const e of endpoints(familyId)) {
        const r = await server.api(e.path, { cookie: cookies[user], body: e.body });
        expect({ user, what: e.what, status: r.status, json: r.json }).toEqual({ user, what: e.what, status: 404, json: missing.json });
      }
    }
  });

  it('a worker of the team without plan access is told why (403), and nothing is recorded', async () => {
    for (const user of ['bo', 'cecilie']) {
      for (const e of endpoints(familyId)) {
        const r = await server.api(e.path, { cookie: cookies[user], body: e.body });
        expect(r.status, `${user} ${e.what}`).toBe(403);
        expect(r.json.error).toBe(e.code);
        expect(r.json.message).toMatch(/Kun fagpersoner med adgang til familiens plan/);
      }
    }
    const list = await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.anna });
    expect(list.json.consents).toEqual([]);
  });

  it('without a session: 401; from a foreign origin: 403', async () => {
    expect((await server.api(`/api/families/${familyId}/consents`)).status).toBe(401);
    const res = await fetch(`${server.url}/api/families/${familyId}/consents`, {
      method: 'POST',
      headers: { cookie: cookies.anna, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('bad_origin');
  });

  it('once a consent gives cecilie (health) the plan, she may see and record consents too; bo still may not', async () => {
    const given = await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.anna, body });
    expect(given.status).toBe(201);
    const list = await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.cecilie });
    expect(list.status).toBe(200);
    expect(list.json.consents.map((c: { id: string }) => c.id)).toEqual([given.json.id]);
    expect(list.json.people).toEqual({ 'u-anna': 'Anna Holm' });
    const log = await server.api(`/api/families/${familyId}/access-log`, { cookie: cookies.cecilie });
    expect(log.status).toBe(200);
    const bo = await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.bo });
    expect(bo.status).toBe(403);
  });

  it('a consent id of another family is not found through this family', async () => {
    const other = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Anden' } })).json.id;
    const c = await server.api(`/api/families/${other}/consents`, { cookie: cookies.anna, body });
    const r = await server.api(`/api/families/${familyId}/consents/${c.json.id}/revoke`, { cookie: cookies.anna, body: {} });
    expect(r.status).toBe(404);
    const still = await server.api(`/api/families/${other}/consents`, { cookie: cookies.anna });
    expect(still.json.consents[0].revokedAt).toBeNull();
  });
});
