// POST /api/access-log (finding 3 of the hardening review): a device uploads
// the openings it made offline, and the family reads them as "åbnede og
// læste". They must not be forgeable: only rooms the user could open at that
// time (the consents as they stood then, today's team), from a named device,
// within the lease and not in the future, all or nothing, stored once however
// often a device retries, and a bounded number per session and hour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { TestServer } from './helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_PER_HOUR = 12;

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;
let plan: string;
const device = '3f0c9a52-7d1e-4b8a-9c61-0d2f5e8a4b17';
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

const upload = (cookie: string, body: unknown) => server.api('/api/access-log', { cookie, body });
const offlineRows = async () => (await server.app.store.auditOfFamilyActions(familyId, ['open-offline'], 10_000)).filter((r) => r.action === 'open-offline');

beforeAll(async () => {
  server = await TestServer.start({ config: { accessLogMaxPerHour: MAX_PER_HOUR } });
  for (const u of ['anna', 'bo', 'cecilie', 'eva']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Upload' } })).json.id;
  plan = roomName(familyId, 'plan');
  // cecilie (health) had the plan by consent from 3 days ago until it was withdrawn yesterday.
  const consent: Consent = {
    id: 'c-upload-1',
    familyId,
    givenBy: 'Mor',
    categories: ['plan'],
    recipients: ['health'],
    purpose: 'Samarbejde',
    validFrom: ago(3 * DAY),
    validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
    method: 'paper',
    signature: null,
    reference: 'J.nr. 1',
    renewsId: null,
    recordedBy: 'u-anna',
    recordedAt: ago(3 * DAY),
    revokedAt: null,
    revokedBy: null
  };
  await server.app.store.insertConsent(consent);
  await server.app.store.revokeConsent(consent.id, ago(DAY), 'u-anna');
});
afterAll(() => server?.stop());

describe('uploading offline openings', () => {
  it('accepts an opening of a room the user could open at that time, from a named device', async () => {
    const r = await upload(cookies.cecilie, { deviceId: device, entries: [{ at: ago(2 * DAY), room: plan, action: 'open-offline' }] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: 1 });
    expect((await offlineRows())).toEqual([expect.objectContaining({ userId: 'u-cecilie', room: plan, deviceId: device })]);
  });

  it('refuses a room the user could not open at that time: before the consent, after its withdrawal, never', async () => {
    const cases: [string, unknown][] = [
      ['before the consent', { deviceId: device, entries: [{ at: ago(4 * DAY), room: plan, action: 'open-offline' }] }],
      ['after the withdrawal', { deviceId: device, entries: [{ at: ago(HOUR), room: plan, action: 'open-offline' }] }]
    ];
    for (const [what, body] of cases) {
      const r = await upload(cookies.cecilie, body);
      expect(r.status, what).toBe(400);
      expect(r.json.error, what).toBe('access_log_no_access');
      expect(r.json.message).toMatch(/ikke havde adgang/);
    }
    // bo (school) never had the plan; a leader opens nothing.
    expect((await upload(cookies.bo, { deviceId: device, entries: [{ at: ago(HOUR), room: plan }] })).json.error).toBe('access_log_no_access');
    expect((await upload(cookies.eva, { deviceId: device, entries: [{ at: ago(HOUR), room: plan }] })).json.error).toBe('access_log_no_access');
    // Another team's family reads the same as one that does not exist.
    const viby = server.family('vib-01');
    const other = await upload(cookies.anna, { deviceId: device, entries: [{ at: ago(HOUR), room: roomName(viby, 'plan') }] });
    const none = await upload(cookies.anna, { deviceId: device, entries: [{ at: ago(HOUR), room: roomName('no-such-family', 'plan') }] });
    expect(other.json).toEqual(none.json);
    expect((await offlineRows())).toHaveLength(1);
  });

  it('refuses times outside the lease window or in the future, and malformed entries', async () => {
    const entry = (over: Record<string, unknown>) => ({ deviceId: device, entries: [{ at: ago(HOUR), room: roomName(familyId, 'social'), action: 'open-offline', ...over }] });
    const cases: [string, unknown, string][] = [
      ['year 0001', entry({ at: '0001-01-01T00:00:00.000Z' }), 'access_log_time'],
      ['older than the lease', entry({ at: ago(8 * DAY) }), 'access_log_time'],
      ['an hour in the future', entry({ at: new Date(Date.now() + HOUR).toISOString() }), 'access_log_time'],
      ['not an ISO instant', entry({ at: '2026' }), 'invalid_access_log'],
      ['another action', entry({ action: 'open-write' }), 'invalid_access_log'],
      ['no device', { entries: [{ at: ago(HOUR), room: roomName(familyId, 'social') }] }, 'access_log_device'],
      ['a malformed device', { ...entry({}), deviceId: '../../etc/passwd' }, 'access_log_device'],
      ['a device id of 65 characters', { ...entry({}), deviceId: 'a'.repeat(65) }, 'access_log_device']
    ];
    for (const [what, body, code] of cases) {
      const r = await upload(cookies.anna, body);
      expect(r.status, what).toBe(400);
      expect(r.json.error, what).toBe(code);
      expect(r.json.message, what).toMatch(/[æøå]|enhed|tidspunkt|ugyldig/i);
    }
    expect((await offlineRows())).toHaveLength(1);
  });

  it('is all or nothing: one bad entry and nothing of the batch is kept', async () => {
    const good = { at: ago(2 * HOUR), room: roomName(familyId, 'social'), action: 'open-offline' };
    const bad = { at: ago(2 * HOUR), room: roomName(familyId, 'school'), action: 'open-offline' }; // anna (social) cannot open the school journal
    const r = await upload(cookies.anna, { deviceId: device, entries: [good, good, bad] });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/post 3/);
    expect((await offlineRows())).toHaveLength(1);
  });

  it('stores an opening once, however often a device sends it (a retry after a lost answer)', async () => {
    const at = ago(3 * HOUR);
    const batch = { deviceId: device, entries: [{ at, room: roomName(familyId, 'social'), action: 'open-offline' }, { at: ago(4 * HOUR), room: plan }] };
    expect((await upload(cookies.anna, batch)).json).toEqual({ accepted: 2 });
    expect((await upload(cookies.anna, batch)).json).toEqual({ accepted: 2 });
    // The same instant written differently is the same opening.
    const same = { deviceId: device, entries: [{ at: at.replace('Z', '+00:00'), room: roomName(familyId, 'social') }] };
    expect((await upload(cookies.anna, same)).status).toBe(200);
    const anna = (await offlineRows()).filter((r) => r.userId === 'u-anna');
    expect(anna).toHaveLength(2);
    // The same opening from another device is another opening.
    expect((await upload(cookies.anna, { ...batch, deviceId: 'b7d1e2f0-0000-4000-8000-000000000001' })).status).toBe(200);
    expect((await offlineRows()).filter((r) => r.userId === 'u-anna')).toHaveLength(4);
  });

  it('limits the entries per session and hour (429 with a Danish message), without keeping part of the refused batch', async () => {
    const session = await server.login('anna');
    const batch = (n: number, offsetMin: number) => ({
      deviceId: device,
      entries: Array.from({ length: n }, (_, i) => ({ at: ago((offsetMin + i) * 60_000), room: roomName(familyId, 'social') }))
    });
    expect((await upload(session, batch(8, 100))).status).toBe(200);
    const before = (await offlineRows()).length;
    const over = await upload(session, batch(8, 200));
    expect(over.status).toBe(429);
    expect(over.json.error).toBe('access_log_rate_limited');
    expect(over.json.message).toMatch(/For mange/);
    expect((await offlineRows())).toHaveLength(before);
    expect((await upload(session, batch(4, 300))).status).toBe(200);
    // Another session of another user has its own budget.
    expect((await upload(cookies.cecilie, { deviceId: device, entries: [{ at: ago(2 * DAY + HOUR), room: plan }] })).status).toBe(200);
  });
});
