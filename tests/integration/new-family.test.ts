// Issue 14, "a new family, done right": members and tovholder in the plan's
// first update, a device-chosen id so an offline opening is sent once, and
// who may open a case as a setting per sector (by default the social sector).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTovholderProposal, readMembers, readTovholder } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { TestServer, docFromUpdates } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'frida', 'admin', 'eva']) cookies[u] = await server.login(u);
});
afterAll(() => server?.stop());

const create = (who: string, body: Record<string, unknown>) => server.api('/api/families', { cookie: cookies[who], body });
const planOf = async (id: string) => docFromUpdates(await server.app.store.loadUpdates(roomName(id, 'plan')));
const TWO_CHILDREN = [
  { kind: 'adult', name: 'Maria Ny', relation: 'mor', birthYear: '' },
  { kind: 'child', name: 'Emma', relation: 'barn', birthYear: '2015' },
  { kind: 'child', name: 'Oliver', relation: 'barn', birthYear: '2019' }
];

describe('opening a new family', () => {
  it('writes the members and the creator as tovholder into the plan’s first update', async () => {
    const r = await create('anna', { name: 'Familien Ny', members: TWO_CHILDREN });
    expect(r.status).toBe(201);
    const doc = await planOf(r.json.id);
    expect(readMembers(doc).map((m) => [m.name, m.relation, m.birthYear])).toEqual([
      ['Maria Ny', 'mor', ''],
      ['Emma', 'barn', '2015'],
      ['Oliver', 'barn', '2019']
    ]);
    expect(readTovholder(doc)).toMatchObject({ userId: 'u-anna', name: expect.any(String) });
    // The first update is the creator's, as the history shows it.
    const updates = await server.app.store.loadUpdates(roomName(r.json.id, 'plan'));
    expect(updates).toHaveLength(1);
  });

  it('takes the device’s id, and the same request again answers 200 with the same id (a lost answer retried)', async () => {
    const id = 'dev-chosen-1234';
    const body = { id, name: 'Familien Offline', members: TWO_CHILDREN };
    expect((await create('anna', body)).status).toBe(201);
    const again = await create('anna', body);
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(id);
    expect((await server.app.store.loadUpdates(roomName(id, 'plan')))).toHaveLength(1);
    // Someone else's request with that id, or another name: a conflict, nothing changed.
    const clash = await create('anna', { ...body, name: 'Familien Anden' });
    expect(clash.status).toBe(409);
    expect(clash.json.error).toBe('family_exists');
    expect((await server.app.store.familyById(id))?.name).toBe('Familien Offline');
  });

  it('refuses a malformed id or member with a Danish message, creating nothing', async () => {
    const before = await server.app.store.familyCount();
    for (const [body, code] of [
      [{ id: 'A!', name: 'Familien X' }, 'invalid_family_id'],
      [{ id: 42, name: 'Familien X' }, 'invalid_family_id'],
      [{ name: 'Familien X', members: [{ kind: 'child', name: 'Emma', birthYear: '' }] }, 'invalid_member'],
      [{ name: 'Familien X', members: [{ kind: 'adult', name: '', relation: 'mor' }] }, 'invalid_member'],
      [{ name: 'Familien X', members: 'Emma' }, 'invalid_member'],
      [{ name: 'Familien X', members: Array.from({ length: 21 }, () => ({ kind: 'adult', name: 'A', relation: 'mor' })) }, 'too_many_members'],
      [{ name: 'Familien X', tovholderId: 'u-bo' }, 'invalid_tovholder'],
      [{ name: 'Familien X', tovholderId: 'u-frida' }, 'invalid_tovholder'],
      [{ name: 'Familien X', tovholderId: 'u-nobody' }, 'invalid_tovholder']
    ] as const) {
      const r = await create('anna', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toBe(code);
      expect(r.json.message).toMatch(/[æøåÆØÅ]|skal|Udfyld|Tovholder|ugyldigt|medlem/);
    }
    expect(await server.app.store.familyCount()).toBe(before);
  });

  it('makes a chosen colleague of the same sector in the team tovholder', async () => {
    // A second social worker in Gellerup for this test (the demo has one).
    const anna = await server.app.store.userById('u-anna');
    if (!anna) throw new Error('no anna');
    const colleague = { ...anna, id: 'u-sofie', username: 'sofie', name: 'Sofie Kollega', issuer: null, subject: null };
    await server.app.store.upsertUser(colleague);
    const r = await create('anna', { name: 'Familien Kollega', tovholderId: colleague.id });
    expect(r.status).toBe(201);
    // anna holds the family until the colleague accepts the handover (issue 16).
    const doc = await planOf(r.json.id);
    expect(readTovholder(doc)?.userId).toBe('u-anna');
    expect(openTovholderProposal(doc)).toMatchObject({ userId: colleague.id, proposedBy: 'u-anna' });
  });
});

describe('who may open a case', () => {
  it('is the social sector by default: a teacher gets 403 with the reason, and /api/me says so', async () => {
    const r = await create('bo', { name: 'Familien Skole' });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('case_opening_not_allowed');
    expect((await server.api('/api/me', { cookie: cookies.bo })).json.mayOpenCase).toBe(false);
    expect((await server.api('/api/me', { cookie: cookies.anna })).json.mayOpenCase).toBe(true);
    expect((await server.api('/api/me', { cookie: cookies.eva })).json.mayOpenCase).toBe(false);
  });

  it('an admin changes it per sector (audited); workers outside it are refused again when it is taken back', async () => {
    expect((await server.api('/api/admin/case-openers', { cookie: cookies.anna })).status).toBe(403);
    const get = await server.api('/api/admin/case-openers', { cookie: cookies.admin });
    expect(get.json).toEqual({ openers: { social: true, school: false, health: false, employment: false }, defaults: { social: true, school: false, health: false, employment: false } });
    const put = await server.api('/api/admin/case-openers', { cookie: cookies.admin, method: 'PUT', body: { openers: { school: true } } });
    expect(put.status).toBe(200);
    expect(put.json.openers.school).toBe(true);
    expect((await create('bo', { name: 'Familien Skole' })).status).toBe(201);
    const audit = await server.app.store.auditOfActions(['case-openers-changed'], 10);
    expect(audit[0]?.detail).toBe('school: false -> true');
    await server.api('/api/admin/case-openers', { cookie: cookies.admin, method: 'PUT', body: { openers: { school: false } } });
    expect((await create('bo', { name: 'Familien Skole 2' })).status).toBe(403);
  });

  it('refuses a bad setting, and never leaves no sector at all', async () => {
    for (const body of [{}, { openers: [] }, { openers: {} }, { openers: { social: 'yes' } }, { openers: { police: true } }]) {
      const r = await server.api('/api/admin/case-openers', { cookie: cookies.admin, method: 'PUT', body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toBe('invalid_case_openers');
    }
    const none = await server.api('/api/admin/case-openers', { cookie: cookies.admin, method: 'PUT', body: { openers: { social: false } } });
    expect(none.status).toBe(400);
    expect(none.json.error).toBe('case_openers_none');
    expect((await create('anna', { name: 'Familien Stadig' })).status).toBe(201);
  });
});
