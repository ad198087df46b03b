// GET /api/families names each family's team workers and whether the access
// rule lets them into the plan, so a device can offer owners and a tovholder
// offline; the answer follows consent as it changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FamilySummary } from '../../src/lib/shared/api-types.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;
const call = (path: string, opts: { cookie?: string; method?: string; body?: unknown } = {}) => server.api(path, opts);
const login = (username: string) => server.login(username);

async function families(cookie: string): Promise<Map<string, FamilySummary>> {
  const { json } = await call('/api/families', { cookie });
  return new Map((json.families as FamilySummary[]).map((f) => [f.id, f]));
}

const access = (f: FamilySummary | undefined) => Object.fromEntries((f?.workers ?? []).map((w) => [w.id, w.planAccess]));

beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server?.stop());

describe('team workers on GET /api/families', () => {
  it('lists the team workers (no leaders or admins) with plan access by the shared rule', async () => {
    const anna = await login('anna');
    const list = await families(anna);
    // gel-01: no consent → only the opening sector (social) is in the plan.
    expect(access(list.get('gel-01-hansen'))).toEqual({ 'u-anna': true, 'u-bo': false, 'u-cecilie': false, 'u-dennis': false });
    // gel-02: consent covers the plan for school, health and employment.
    expect(access(list.get('gel-02-nielsen'))).toEqual({ 'u-anna': true, 'u-bo': true, 'u-cecilie': true, 'u-dennis': true });
    expect(list.get('gel-02-nielsen')?.workers?.find((w) => w.id === 'u-bo')).toEqual({ id: 'u-bo', name: 'Bo Lindqvist', sector: 'school', planAccess: true });
  });

  it('follows consent: recorded → access, revoked → none', async () => {
    const anna = await login('anna');
    const { json: family } = await call('/api/families', { cookie: anna, method: 'POST', body: { name: 'Familien Ny' } });
    expect(access((await families(anna)).get(family.id))['u-bo']).toBe(false);
    const { json: consent } = await call(`/api/families/${family.id}/consents`, {
      cookie: anna,
      method: 'POST',
      body: { givenBy: 'Mor', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde', method: 'oral', reference: 'Noteret af Anna Holm' }
    });
    expect(access((await families(anna)).get(family.id))).toMatchObject({ 'u-bo': true, 'u-cecilie': false });
    await call(`/api/families/${family.id}/consents/${consent.id}/revoke`, { cookie: anna, method: 'POST' });
    expect(access((await families(anna)).get(family.id))['u-bo']).toBe(false);
  });
});
