// The family's own access (DESIGN §6 rules 7–8, §12, issue #15) against a real
// relay and API: maria (citizen, linked to gel-02 by the seed) opens her
// family's plan (read) and its own room (write), never a journal or another
// family; invitation codes are single-use, expire and can be revoked; a
// withdrawal by the family closes a colleague's open plan at once; ending the
// link or closing the case closes her sockets (4403) and her manifest purges.
import { readTovholder } from '../../src/lib/domain/plan.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { addNote, readNotes } from '../../src/lib/domain/family.ts';
import { hashPassword } from '../../server/auth.ts';
import { hashCode } from '../../server/family-access.ts';
import { barrier, latestSeq, TestServer, upgradeStatus, waitFor } from './helpers.ts';

let server: TestServer;
let family: string;
let other: string;
let maria: string;
let anna: string;

async function citizen(username: string): Promise<string> {
  await server.app.store.upsertUser({
    id: `u-${username}`,
    username,
    name: username[0].toUpperCase() + username.slice(1),
    role: 'citizen',
    sector: null,
    teamIds: [],
    passwordHash: await hashPassword('demo'),
    active: true
  });
  return server.login(username);
}

beforeAll(async () => {
  server = await TestServer.start();
  family = server.family('gel-02');
  other = server.family('gel-01');
  maria = await server.login('maria');
  anna = await server.login('anna');
});
afterAll(async () => {
  await server?.stop();
});

describe('rule 7 at the relay', () => {
  it('refuses maria’s upgrade to every journal and to another family (403), lets her open her plan and her family room', async () => {
    const headers = { cookie: maria, origin: server.url };
    for (const part of ['social', 'school', 'health', 'employment'] as const) {
      expect(await upgradeStatus(server.url, `/sync/${roomName(family, part)}`, headers), part).toBe(403);
    }
    expect(await upgradeStatus(server.url, `/sync/${roomName(other, 'plan')}`, headers)).toBe(403);
    expect(await upgradeStatus(server.url, `/sync/${roomName(other, 'family')}`, headers)).toBe(403);
    expect(await upgradeStatus(server.url, `/sync/${roomName(family, 'plan')}`, headers)).toBe(101);
    expect(await upgradeStatus(server.url, `/sync/${roomName(family, 'family')}`, headers)).toBe(101);
  });

  it('her manifest names her plan (read) and family room (write) only', async () => {
    const m = await server.api('/api/manifest', { cookie: maria });
    expect(m.status).toBe(200);
    expect(m.json.rooms.map((r: { room: string; access: string }) => [r.room, r.access]).sort()).toEqual(
      [
        [roomName(family, 'family'), 'write'],
        [roomName(family, 'plan'), 'read']
      ].sort()
    );
  });

  it('she writes the family room and anna reads it live; anna’s writes there and maria’s plan updates are dropped', async () => {
    const planRoom = roomName(family, 'plan');
    const famRoom = roomName(family, 'family');
    const m = server.provider(famRoom, maria);
    const a = server.provider(famRoom, anna);
    await Promise.all([m.synced(), a.synced()]);
    expect(readNotes(a.doc).some((n) => n.by === 'Maria (mor)')).toBe(true); // the seeded wish
    addNote(m.doc, { kind: 'question', text: 'Hvornår er næste møde?', by: 'Maria (mor)', score: null, createdAt: new Date().toISOString() });
    await waitFor(() => readNotes(a.doc).some((n) => n.text === 'Hvornår er næste møde?'), 5000, 'maria’s question to reach anna');
    // The family's tovholder is told in the inbox (issue 16), once a day: ids and a kind, no text of the family's.
    const tovholder = await server.app.summaries.readPlan(family, (doc) => readTovholder(doc)?.userId ?? null);
    expect(tovholder).toBeTruthy();
    const wishes = async () => (await server.app.store.notificationsOf(tovholder as string, 20)).filter((n) => n.kind === 'family-wish' && n.familyId === family);
    await waitFor(async () => (await wishes()).length === 1, 5000, 'a family-wish notice for the tovholder');
    addNote(m.doc, { kind: 'hope', text: 'Vi vil gerne på ferie', by: 'Maria (mor)', score: null, createdAt: new Date().toISOString() });
    await waitFor(() => readNotes(a.doc).some((n) => n.text === 'Vi vil gerne på ferie'), 5000, 'maria’s wish to reach anna');
    expect(await wishes()).toHaveLength(1);
    expect(JSON.stringify(await wishes())).not.toMatch(/møde|ferie/);

    const famSeq = await latestSeq(server.app.store, famRoom);
    addNote(a.doc, { kind: 'hope', text: 'Skrevet af en fagperson', by: 'Anna', score: null, createdAt: new Date().toISOString() });
    expect(await barrier(a.ws())).toBe(true);
    expect(await latestSeq(server.app.store, famRoom)).toBe(famSeq);

    const plan = server.provider(planRoom, maria);
    await plan.synced();
    const planSeq = await latestSeq(server.app.store, planRoom);
    plan.doc.getMap('meta').set('name', 'Ændret af familien');
    expect(await barrier(plan.ws())).toBe(true);
    expect(await latestSeq(server.app.store, planRoom)).toBe(planSeq);
    const b = server.provider(planRoom, anna);
    await b.synced();
    expect(b.doc.getMap('meta').get('name')).not.toBe('Ændret af familien');
  });

  it('workers without plan access do not open the family room either (rule 8)', async () => {
    // gel-01 has no consent: only the case-owning sector (social) sees its plan.
    const bo = await server.login('bo');
    expect(await upgradeStatus(server.url, `/sync/${roomName(other, 'family')}`, { cookie: bo, origin: server.url })).toBe(403);
    expect(await upgradeStatus(server.url, `/sync/${roomName(other, 'family')}`, { cookie: anna, origin: server.url })).toBe(101);
  });
});

describe('worker-only APIs refuse a citizen', () => {
  it('403 or 404 on every one of them', async () => {
    const refused = [
      ['GET', `/api/families/${family}/case`],
      ['GET', `/api/families/${family}/history`],
      ['GET', `/api/families/${family}/invitations`],
      ['GET', `/api/families/${family}/underretninger`],
      ['GET', '/api/overview'],
      ['GET', '/api/admin/users'],
      ['GET', '/api/transfers'],
      ['POST', '/api/families'],
      ['POST', `/api/families/${family}/close`],
      ['POST', `/api/families/${family}/invitations`],
      ['POST', `/api/families/${family}/grants`]
    ];
    for (const [method, path] of refused) {
      const r = await server.api(path, { cookie: maria, method, body: method === 'POST' ? { name: 'x', memberName: 'x', relation: 'mor' } : undefined });
      expect([403, 404], `${method} ${path}`).toContain(r.status);
      expect(typeof r.json.message).toBe('string');
    }
    // Her own family's consents and access log she does see; another family's she does not.
    expect((await server.api(`/api/families/${family}/consents`, { cookie: maria })).status).toBe(200);
    expect((await server.api(`/api/families/${family}/access-log`, { cookie: maria })).status).toBe(200);
    expect((await server.api(`/api/families/${other}/consents`, { cookie: maria })).status).toBe(404);
    expect((await server.api(`/api/families/${other}/access-log`, { cookie: maria })).status).toBe(404);
  });

  it('the console never makes her staff', async () => {
    const admin = await server.login('admin');
    const r = await server.api('/api/admin/users/u-maria', { cookie: admin, method: 'PATCH', body: { role: 'worker', sector: 'social', teamIds: ['gellerup'] } });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('admin_citizen');
    expect((await server.app.store.userById('u-maria'))?.role).toBe('citizen');
    expect((await server.api('/api/me', { cookie: maria })).json).toMatchObject({ role: 'citizen', sector: null, teams: [] });
  });

  it('the families list shows her family without the team’s roster', async () => {
    const r = await server.api('/api/families', { cookie: maria });
    expect(r.status).toBe(200);
    expect(r.json.families.map((f: { id: string }) => f.id)).toEqual([family]);
    expect(r.json.families[0].workers).toEqual([]);
    const mine = await server.api('/api/vores-plan', { cookie: maria });
    expect(mine.json.families[0]).toMatchObject({ familyId: family, memberName: 'Maria Nielsen', relation: 'mor' });
    expect(mine.json.families[0].tovholder?.name).toBeTruthy();
  });
});

describe('invitations', () => {
  it('only the case-owning sector or the tovholder invites; a code is single use', async () => {
    const bo = await server.login('bo');
    expect((await server.api(`/api/families/${family}/invitations`, { cookie: bo, body: { memberName: 'Ali Nielsen', relation: 'far' } })).status).toBe(403);
    expect((await server.api(`/api/families/${family}/invitations`, { cookie: anna, body: { memberName: '', relation: 'far' } })).status).toBe(400);
    expect((await server.api(`/api/families/${family}/invitations`, { cookie: anna, body: { memberName: 'Ali', relation: 'onkel' } })).status).toBe(400);
    const created = await server.api(`/api/families/${family}/invitations`, { cookie: anna, body: { memberName: 'Ali Nielsen', relation: 'far' } });
    expect(created.status).toBe(201);
    expect(created.json.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // Only the hash is stored.
    const stored = (await server.app.store.invitationsOfFamily(family)).find((i) => i.id === created.json.id);
    expect(stored?.codeHash).toBe(hashCode(created.json.code));
    expect(JSON.stringify(await server.app.store.invitationsOfFamily(family))).not.toContain(created.json.code);
    const list = await server.api(`/api/families/${family}/invitations`, { cookie: anna });
    expect(JSON.stringify(list.json)).not.toContain(created.json.code);
    expect(list.json.invitations[0]).toMatchObject({ memberName: 'Ali Nielsen', status: 'open' });

    const ali = await citizen('ali');
    // A worker cannot accept.
    expect((await server.api('/api/invitations/accept', { cookie: anna, body: { code: created.json.code } })).status).toBe(403);
    const ok = await server.api('/api/invitations/accept', { cookie: ali, body: { code: created.json.code.toLowerCase() } });
    expect(ok.status).toBe(200);
    expect(ok.json.familyId).toBe(family);
    expect(await upgradeStatus(server.url, `/sync/${roomName(family, 'plan')}`, { cookie: ali, origin: server.url })).toBe(101);
    const again = await server.api('/api/invitations/accept', { cookie: await citizen('ib2'), body: { code: created.json.code } });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('invitation_used');
  });

  it('a revoked code and an expired one are refused', async () => {
    const created = await server.api(`/api/families/${family}/invitations`, { cookie: anna, body: { memberName: 'Sara Nielsen', relation: 'ung' } });
    expect((await server.api(`/api/families/${family}/invitations/${created.json.id}/revoke`, { cookie: anna, body: {} })).status).toBe(200);
    const sara = await citizen('sara');
    const revoked = await server.api('/api/invitations/accept', { cookie: sara, body: { code: created.json.code } });
    expect(revoked.status).toBe(410);
    expect(revoked.json.error).toBe('invitation_revoked');

    const past = new Date(Date.now() - 15 * 86_400_000);
    await server.app.store.insertInvitation({
      id: 'inv-expired',
      familyId: family,
      codeHash: hashCode('ABCD-EFGH-JKMN'),
      memberName: 'Sara Nielsen',
      relation: 'ung',
      invitedBy: 'u-anna',
      createdAt: past.toISOString(),
      expiresAt: new Date(past.getTime() + 14 * 86_400_000).toISOString(),
      usedAt: null,
      usedBy: null,
      revokedAt: null,
      revokedBy: null
    });
    const expired = await server.api('/api/invitations/accept', { cookie: sara, body: { code: 'abcd efgh jkmn' } });
    expect(expired.status).toBe(410);
    expect(expired.json.error).toBe('invitation_expired');
    expect((await server.api('/api/invitations/accept', { cookie: sara, body: { code: 'ZZZZ-ZZZZ-ZZZZ' } })).status).toBe(404);
  });

  it('accepting is rate limited', async () => {
    const guess = await citizen('gaetter');
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await server.api('/api/invitations/accept', { cookie: guess, body: { code: `QQQQ-QQQQ-QQ${i}A` } })).status;
    expect(last).toBe(429);
  });
});

describe('consents by the family', () => {
  it('maria may not record a paper consent; a signed one is recorded', async () => {
    const base = { givenBy: 'Maria Nielsen', categories: ['plan'], recipients: ['employment'], purpose: 'Samarbejde med jobcentret om familiens plan' };
    const paper = await server.api(`/api/families/${family}/consents`, { cookie: maria, body: { ...base, method: 'paper', reference: 'x' } });
    expect(paper.status).toBe(400);
    const signed = await server.api(`/api/families/${family}/consents`, {
      cookie: maria,
      body: { ...base, method: 'signed', signature: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg==' }
    });
    expect(signed.status, JSON.stringify(signed.json)).toBe(201);
    expect(signed.json.recordedBy).toBe('u-maria');
  });

  it('her withdrawal closes cecilie’s open plan at once (4403)', async () => {
    const cecilie = await server.login('cecilie');
    const c = server.provider(roomName(family, 'plan'), cecilie);
    await c.synced();
    const closed = c.nextClose();
    const list = await server.api(`/api/families/${family}/consents`, { cookie: maria });
    const health = list.json.consents.find((x: { recipients: string[]; revokedAt: string | null }) => x.recipients.includes('health') && x.revokedAt === null);
    expect(health).toBeTruthy();
    const t0 = Date.now();
    const r = await server.api(`/api/families/${family}/consents/${health.id}/revoke`, { cookie: maria, body: {} });
    expect(r.status).toBe(200);
    expect(await closed).toBe(4403);
    expect(Date.now() - t0).toBeLessThan(2000);
    const manifest = await server.api('/api/manifest', { cookie: cecilie });
    expect(manifest.json.purge).toContain(roomName(family, 'plan'));
  });
});

describe('the link ends', () => {
  it('ending ali’s link closes his sockets (4403) and his manifest purges the family', async () => {
    const ali = await server.login('ali');
    const p = server.provider(roomName(family, 'family'), ali);
    await p.synced();
    const closed = p.nextClose();
    const list = await server.api(`/api/families/${family}/invitations`, { cookie: anna });
    const link = list.json.links.find((l: { memberName: string; active: boolean }) => l.memberName === 'Ali Nielsen' && l.active);
    expect((await server.api(`/api/families/${family}/links/${link.id}/end`, { cookie: anna, body: {} })).status).toBe(200);
    expect(await closed).toBe(4403);
    const m = await server.api('/api/manifest', { cookie: ali });
    expect(m.json.rooms).toEqual([]);
    expect(m.json.purge).toEqual(expect.arrayContaining([roomName(family, 'family')]));
  });

  it('closing the case closes maria’s sockets (4403)', async () => {
    const p = server.provider(roomName(family, 'plan'), maria);
    await p.synced();
    const closed = p.nextClose();
    const r = await server.api(`/api/families/${family}/close`, { cookie: anna, body: { reason: 'Forløbet er afsluttet efter aftale med familien.' } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await closed).toBe(4403);
    expect((await server.api('/api/manifest', { cookie: maria })).json.rooms).toEqual([]);
    expect(await upgradeStatus(server.url, `/sync/${roomName(family, 'family')}`, { cookie: maria, origin: server.url })).toBe(403);
  });
});

// Keep Y referenced for editors that strip unused imports of types only.
void Y;
