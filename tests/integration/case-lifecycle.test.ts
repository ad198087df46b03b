// Access around every transition of a case's life (issue #14): closing makes
// every room read-only on the relay for everyone, reopening gives writes
// back; a transfer to another team closes the old team's sockets (4403) and
// names the rooms in their purge list while the receiving worker gets them;
// a specialist's grant opens the granted parts only while a consent names
// their sector, and its end (early or by date) closes like a withdrawal.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_ACCESS_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { readMeta, readTovholder, addHope } from '../../src/lib/domain/plan.ts';
import type { CaseInfo, CaseTransfer, Manifest } from '../../src/lib/shared/api-types.ts';
import { barrier, closeCode, EventStream, sleep, TestServer, upgradeStatus, waitFor } from './helpers.ts';

let server: TestServer;
let clockOffsetMs = 0;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  server = await TestServer.start({ now: () => new Date(Date.now() + clockOffsetMs) });
  for (const u of ['anna', 'bo', 'frida', 'eva', 'gitte']) cookies[u] = await server.login(u);
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

const manifest = async (who: string) => (await server.api<Manifest>('/api/manifest', { cookie: cookies[who] })).json;
const accessTo = async (who: string, room: string) => (await manifest(who)).rooms.find((r) => r.room === room)?.access ?? 'none';
const post = (who: string, path: string, body: unknown = {}) => server.api(path, { cookie: cookies[who], method: 'POST', body });

describe('closing and reopening a case', () => {
  it('makes every room read-only on the relay for everyone, and reopening gives writes back', async () => {
    const familyId = server.family('gel-07'); // opened by social; consent plan+social -> school, health, employment
    const plan = roomName(familyId, 'plan');
    const a = server.provider(plan, cookies.anna);
    const b = server.provider(plan, cookies.bo);
    await Promise.all([a.synced(), b.synced()]);
    expect(await accessTo('bo', plan)).toBe('write');

    // Only the case-owning sector or the tovholder; with a reason.
    expect((await post('bo', `/api/families/${familyId}/close`, { reason: 'Familien er flyttet' })).status).toBe(403);
    const noReason = await post('anna', `/api/families/${familyId}/close`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.json.error).toBe('case_reason');

    const closed = await post('anna', `/api/families/${familyId}/close`, { reason: 'Målene er nået, familien ønsker at afslutte' });
    expect(closed.status).toBe(200);
    expect((closed.json as CaseInfo).status).toBe('afsluttet');
    expect((closed.json as CaseInfo).events[0]).toMatchObject({ action: 'case-closed', detail: 'Målene er nået, familien ønsker at afslutte', userName: 'Anna Holm' });
    expect((await post('anna', `/api/families/${familyId}/close`, { reason: 'igen' })).status).toBe(409);

    // Every device learns it through the plan itself and the manifest.
    await waitFor(() => readMeta(a.doc).status === 'afsluttet' && readMeta(b.doc).status === 'afsluttet', 5000, 'status in the plan');
    expect(await accessTo('anna', plan)).toBe('read');
    expect(await accessTo('bo', plan)).toBe('read');
    expect(await accessTo('anna', roomName(familyId, 'social'))).toBe('read');
    const families = (await server.api('/api/families', { cookie: cookies.bo })).json.families as { id: string; status: string }[];
    expect(families.find((f) => f.id === familyId)?.status).toBe('afsluttet');

    // The sockets stay open, but the relay drops what they send: anna's edit, and bo's, reach nobody.
    addHope(a.doc, { text: 'Skrevet efter lukning', saidBy: 'mor', createdAt: new Date().toISOString() });
    addHope(b.doc, { text: 'Også skrevet efter lukning', saidBy: 'far', createdAt: new Date().toISOString() });
    expect(await barrier(a.ws())).toBe(true);
    expect(await barrier(b.ws())).toBe(true);
    const relayDoc = (await server.app.relay.loadedDoc(plan))!;
    const texts = [...(relayDoc.getMap('hopes') as Y.Map<Y.Map<unknown>>).values()].map((h) => String(h.get('text') ?? ''));
    expect(texts.join(' ')).not.toContain('lukning');
    // A new socket is read-only too.
    const fresh = server.provider(plan, cookies.anna);
    await fresh.synced();
    expect(JSON.stringify(fresh.doc.getMap('hopes').toJSON())).not.toContain('lukning');

    // Reopening: the tovholder or case-owning sector, with a reason.
    const reopened = await post('anna', `/api/families/${familyId}/reopen`, { reason: 'Ny bekymring fra skolen' });
    expect(reopened.status).toBe(200);
    expect(await accessTo('anna', plan)).toBe('write');
    expect(await accessTo('bo', plan)).toBe('write');
    await waitFor(() => readMeta(fresh.doc).status === 'aktiv', 5000, 'reopened in the plan');
    addHope(fresh.doc, { text: 'Efter genåbning', saidBy: 'mor', createdAt: new Date().toISOString() });
    await waitFor(() => JSON.stringify(b.doc.getMap('hopes').toJSON()).includes('Efter genåbning'), 5000, 'edit after reopening');
  });

  it('is refused to people outside the team as if the family did not exist', async () => {
    const familyId = server.family('gel-07');
    expect((await post('frida', `/api/families/${familyId}/close`, { reason: 'Forsøg' })).status).toBe(404);
    expect((await post('eva', `/api/families/${familyId}/close`, { reason: 'Forsøg' })).status).toBe(404);
    expect((await server.api(`/api/families/${familyId}/case`, { cookie: cookies.frida })).status).toBe(404);
  });
});

describe('transfer to another team', () => {
  it('closes the old team’s sockets with 4403, purges them, and gives the receiving worker the family', async () => {
    const familyId = server.family('gel-12'); // opened by social, consent to every sector, tovholder anna
    const plan = roomName(familyId, 'plan');
    const consentsBefore = (await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.anna })).json.consents;
    expect(await upgradeStatus(server.url, `/sync/${plan}`, { cookie: cookies.frida, origin: server.url })).toBe(403);

    // Only the case-owning sector chooses a transfer.
    expect((await post('bo', `/api/families/${familyId}/transfers`, { toTeamId: 'viby', note: 'Flytter' })).status).toBe(403);
    expect((await post('anna', `/api/families/${familyId}/transfers`, { toTeamId: 'gellerup', note: 'Flytter' })).json.error).toBe('transfer_team');
    expect((await post('anna', `/api/families/${familyId}/transfers`, { toTeamId: 'viby', note: 'Flytter', meetingAt: 'i morgen' })).json.error).toBe('transfer_meeting');
    const asked = await post('anna', `/api/families/${familyId}/transfers`, {
      toTeamId: 'viby',
      note: 'Familien flytter til Viby 1. december. Mor ønsker fortsat fokus på søvn.',
      meetingAt: '2026-12-03T10:00'
    });
    expect(asked.status).toBe(201);
    const transfer = asked.json as CaseTransfer;
    expect((await post('anna', `/api/families/${familyId}/transfers`, { toTeamId: 'viby', note: 'Igen' })).status).toBe(409);

    // The receiving team sees it waiting (a warm handoff: the note and the meeting proposal); nobody has access yet.
    const incoming = (await server.api('/api/transfers', { cookie: cookies.frida })).json.transfers as CaseTransfer[];
    expect(incoming.map((t) => t.id)).toContain(transfer.id);
    expect(incoming.find((t) => t.id === transfer.id)).toMatchObject({ familyName: expect.stringMatching(/^Familien /), fromTeamName: 'Gellerup', meetingAt: '2026-12-03T10:00' });
    expect(await accessTo('frida', plan)).toBe('none');
    expect((await server.api('/api/transfers', { cookie: cookies.bo })).json.transfers).toEqual([]);
    expect((await post('bo', `/api/transfers/${transfer.id}/accept`)).status).toBe(404);

    const b = await server.raw(plan, cookies.bo);
    const a = await server.raw(plan, cookies.anna);
    const codes = Promise.all([closeCode(b), closeCode(a)]);
    const started = Date.now();
    const accepted = await post('frida', `/api/transfers/${transfer.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.json.outcome).toBe('accepted');
    expect(await codes).toEqual([CLOSE_ACCESS_ENDED, CLOSE_ACCESS_ENDED]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await post('frida', `/api/transfers/${transfer.id}/accept`)).status).toBe(409);

    // The old team: nothing to open, everything to purge.
    for (const who of ['anna', 'bo']) {
      const m = await manifest(who);
      expect(m.rooms.some((r) => r.room.startsWith(`f-${familyId}.`))).toBe(false);
      expect(m.purge).toContain(plan);
    }
    expect(await upgradeStatus(server.url, `/sync/${plan}`, { cookie: cookies.bo, origin: server.url })).toBe(403);
    // The receiving worker: the family with write on the plan, as its tovholder; consents unchanged.
    expect(await accessTo('frida', plan)).toBe('write');
    const f = server.provider(plan, cookies.frida);
    await f.synced();
    expect(readMeta(f.doc).teamId).toBe('viby');
    expect(readTovholder(f.doc)).toMatchObject({ userId: 'u-frida', note: expect.stringContaining('Viby 1. december') });
    expect((await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.frida })).json.consents).toEqual(consentsBefore);
    const info = (await server.api<CaseInfo>(`/api/families/${familyId}/case`, { cookie: cookies.frida })).json;
    expect(info.teamName).toBe('Viby');
    expect(info.events.map((e) => e.action)).toEqual(['transfer-accepted', 'transfer-requested']);
  });

  it('a declined transfer changes nothing; a cancelled one can be asked again', async () => {
    const familyId = server.family('gel-17');
    const t1 = (await post('anna', `/api/families/${familyId}/transfers`, { toTeamId: 'viby', note: 'Måske flytning' })).json as CaseTransfer;
    // The receiving team's leader sees it by its case reference, never the name or the note (no family content for leaders).
    const evas = (await server.api('/api/transfers', { cookie: cookies.eva })).json.transfers as CaseTransfer[];
    const seen = evas.find((t) => t.id === t1.id);
    expect(seen).toMatchObject({ familyId, note: '' });
    expect(seen?.familyName).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(JSON.stringify(evas)).not.toMatch(/Måske flytning|Familien/);
    const declined = await post('eva', `/api/transfers/${t1.id}/decline`);
    expect(declined.status).toBe(200); // the receiving team's leader
    expect(JSON.stringify(declined.json)).not.toMatch(/Måske flytning|Familien/);
    expect(await accessTo('bo', roomName(familyId, 'plan'))).toBe('write');
    const t2 = (await post('anna', `/api/families/${familyId}/transfers`, { toTeamId: 'viby', note: 'Ny flytning' })).json as CaseTransfer;
    expect((await post('frida', `/api/transfers/${t2.id}/cancel`)).status).toBe(404);
    expect((await post('anna', `/api/transfers/${t2.id}/cancel`)).json.outcome).toBe('cancelled');
    expect((await server.api('/api/transfers', { cookie: cookies.frida })).json.transfers.some((t: CaseTransfer) => t.familyId === familyId)).toBe(false);
  });
});

describe('grants for called-in specialists', () => {
  it('the seeded grant gives gitte the Gellerup family’s plan and school journal, nothing else', async () => {
    const familyId = server.family('gel-02');
    const m = await manifest('gitte');
    // The family's own room follows the plan (DESIGN §6 rule 8): read, never write.
    expect(m.rooms.filter((r) => r.room.startsWith(`f-${familyId}.`)).map((r) => [r.room, r.access]).sort()).toEqual([
      [roomName(familyId, 'family'), 'read'],
      [roomName(familyId, 'plan'), 'write'],
      [roomName(familyId, 'school'), 'write']
    ]);
    expect(m.rooms.every((r) => r.room.startsWith(`f-${familyId}.`))).toBe(true);
    expect(m.rooms.find((r) => r.room === roomName(familyId, 'plan'))?.until).toBeTruthy();
    const list = (await server.api('/api/families', { cookie: cookies.gitte })).json.families as { id: string; grantUntil?: string }[];
    expect(list.map((f) => f.id)).toEqual([familyId]);
    expect(list[0].grantUntil).toBeTruthy();
    expect(await upgradeStatus(server.url, `/sync/${roomName(familyId, 'social')}`, { cookie: cookies.gitte, origin: server.url })).toBe(403);
    // Her writes pass the append's own check of the writer's access (write-access.ts) and reach the team.
    const g = server.provider(roomName(familyId, 'plan'), cookies.gitte);
    const a = server.provider(roomName(familyId, 'plan'), cookies.anna);
    await Promise.all([g.synced(), a.synced()]);
    addHope(g.doc, { text: 'Skrevet af PPR', saidBy: 'barnet', createdAt: new Date().toISOString() });
    await waitFor(() => JSON.stringify(a.doc.getMap('hopes').toJSON()).includes('Skrevet af PPR'), 5000, 'gitte’s edit at anna');
    expect(g.closes).toEqual([]);
  });

  it('gitte reads the family’s consents and access log like a team member with the plan, but not the team’s case administration', async () => {
    const familyId = server.family('gel-02');
    const consents = await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.gitte });
    expect(consents.status).toBe(200);
    expect(consents.json.authority).toBeNull(); // neither the case-owning sector nor tovholder: she may not record one
    expect((await server.api(`/api/families/${familyId}/access-log`, { cookie: cookies.gitte })).status).toBe(200);
    expect((await server.api(`/api/families/${familyId}/case`, { cookie: cookies.gitte })).status).toBe(404);
    // Another Gellerup family, no grant: she cannot tell it exists.
    const other = server.family('gel-03');
    for (const path of ['consents', 'access-log', 'case']) expect((await server.api(`/api/families/${other}/${path}`, { cookie: cookies.gitte })).status, path).toBe(404);
    // frida (Viby, no grant) cannot either.
    expect((await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.frida })).status).toBe(404);
  });

  it('opens at once, needs a consent for the specialist’s sector, and closes with 4403 when ended or expired', async () => {
    const familyId = server.family('gel-22'); // closed case in the seed
    const other = server.family('gel-04'); // opened by social, consent plan -> school, health, employment (expiring)
    const plan = roomName(other, 'plan');
    expect(await accessTo('gitte', plan)).toBe('none');

    const base = { userId: 'u-gitte', parts: ['plan'], purpose: 'PPR-vurdering' };
    const in30 = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect((await post('anna', `/api/families/${familyId}/grants`, { ...base, validUntil: in30 })).json.error).toBe('case_closed');
    expect((await post('anna', `/api/families/${other}/grants`, { ...base, userId: 'u-bo', validUntil: in30 })).json.error).toBe('grant_user');
    expect((await post('anna', `/api/families/${other}/grants`, { ...base, validUntil: new Date(Date.now() + 200 * 86_400_000).toISOString() })).json.error).toBe('grant_until');
    expect((await post('anna', `/api/families/${other}/grants`, { ...base, parts: ['journal'], validUntil: in30 })).json.error).toBe('grant_parts');
    expect((await post('anna', `/api/families/${server.family('gel-01')}/grants`, { ...base, validUntil: in30 })).json.error).toBe('grant_no_consent');
    expect((await post('bo', `/api/families/${other}/grants`, { ...base, validUntil: in30 })).status).toBe(403);

    const events = await EventStream.open(server.url, cookies.gitte);
    const given = await post('anna', `/api/families/${other}/grants`, { ...base, validUntil: in30 });
    expect(given.status).toBe(201);
    await waitFor(() => events.events.length > 0, 3000, 'gitte told at once');
    events.close();
    expect(await accessTo('gitte', plan)).toBe('write');
    expect(await accessTo('gitte', roomName(other, 'school'))).toBe('none'); // not in the grant's parts

    // Ended early: her socket closes like a withdrawal.
    let ws = await server.raw(plan, cookies.gitte);
    let closed = closeCode(ws);
    expect((await post('anna', `/api/families/${other}/grants/${given.json.id}/end`)).status).toBe(200);
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    expect((await manifest('gitte')).purge).toContain(plan);
    expect((await post('anna', `/api/families/${other}/grants/${given.json.id}/end`)).status).toBe(409);

    // Expired: the relay's sweep closes it once the clock passes the end.
    const shortUntil = new Date(Date.now() + 3_600_000).toISOString();
    const short = await post('anna', `/api/families/${other}/grants`, { ...base, validUntil: shortUntil });
    expect(short.status).toBe(201);
    // Her device purges at the grant's end, and says it was the grant that ended (the family's consent runs longer).
    expect((await manifest('gitte')).rooms.find((r) => r.room === plan)).toMatchObject({ until: shortUntil, untilBy: 'grant' });
    ws = await server.raw(plan, cookies.gitte);
    closed = closeCode(ws);
    try {
      await server.app.relay.recheck();
      expect(await barrier(ws)).toBe(true);
      clockOffsetMs = 2 * 3_600_000;
      await server.app.relay.recheck();
      expect(await closed).toBe(CLOSE_ACCESS_ENDED);
      expect(await accessTo('gitte', plan)).toBe('none');
    } finally {
      clockOffsetMs = 0;
    }
    await sleep(0);
  });
});
