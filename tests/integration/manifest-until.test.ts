// The manifest tells each device when a room's access ends by itself
// (`until`: the end of the consents that grant it), so a device purges the
// room at that instant even while offline; access that does not rest on a
// consent (own journal, the case-owning sector) has no end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/lib/shared/api-types.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;
const DAY = 86_400_000;

const consent = (validUntil: Date, categories: string[], extra: Record<string, unknown> = {}) =>
  server.api(`/api/families/${familyId}/consents`, {
    cookie: cookies.anna,
    body: { givenBy: 'Mor', categories, recipients: ['school'], purpose: 'Samarbejde', method: 'oral', reference: 'Ved møde', validUntil: validUntil.toISOString(), ...extra }
  });

const roomsOf = async (user: string) => {
  const m = (await server.api('/api/manifest', { cookie: cookies[user] })).json as Manifest;
  return new Map(m.rooms.map((r) => [r.room, r]));
};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Udløb' } })).json.id;
});
afterAll(() => server?.stop());

describe('manifest until', () => {
  it('is the consent’s end for consent-based rooms and null otherwise', async () => {
    const end = new Date(Date.now() + 40 * DAY);
    expect((await consent(end, ['plan', 'social'])).status).toBe(201);
    const bo = await roomsOf('bo');
    expect(bo.get(roomName(familyId, 'plan'))).toMatchObject({ access: 'write', until: end.toISOString() });
    expect(bo.get(roomName(familyId, 'social'))).toMatchObject({ access: 'read', until: end.toISOString() });
    expect(bo.get(roomName(familyId, 'school'))).toMatchObject({ access: 'write', until: null });
    const anna = await roomsOf('anna');
    expect(anna.get(roomName(familyId, 'plan'))).toMatchObject({ until: null });
  });

  it('moves to the latest end when a renewal overlaps, and per part', async () => {
    const first = (await server.api(`/api/families/${familyId}/consents`, { cookie: cookies.anna })).json.consents[0];
    const later = new Date(Date.now() + 400 * DAY);
    expect((await consent(later, ['plan'], { renewsId: first.id })).status).toBe(201);
    const bo = await roomsOf('bo');
    expect(bo.get(roomName(familyId, 'plan'))?.until).toBe(later.toISOString());
    // The renewal did not cover the social journal: its end stays.
    expect(bo.get(roomName(familyId, 'social'))?.until).toBe(first.validUntil);
  });
});
