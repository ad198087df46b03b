// Consent withdrawal ends access at once (DESIGN §6): anna records a consent,
// bo opens the plan (and reads the social journal); anna revokes → bo's
// sockets close with 4403 within 1 s, anna's stay open, bo cannot reopen.
// Expiry equals revocation: once the clock passes validUntil, the relay's
// periodic recheck closes the same way. That recheck reads the facts of all
// its sockets in one go, not once per socket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_ACCESS_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { barrier, closeCode, sleep, TestServer, upgradeStatus } from './helpers.ts';

let server: TestServer;
/** Added to the app's clock by the expiry test. */
let clockOffsetMs = 0;
let anna: string;
let bo: string;

beforeAll(async () => {
  server = await TestServer.start({ now: () => new Date(Date.now() + clockOffsetMs) });
  [anna, bo] = await Promise.all([server.login('anna'), server.login('bo')]);
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

async function recordConsent(familyId: string, categories: string[], recipients: string[]) {
  const r = await server.api(`/api/families/${familyId}/consents`, {
    cookie: anna,
    body: { givenBy: 'Far', categories, recipients, purpose: 'Samarbejde med skolen', method: 'paper', reference: 'Journalnr. 27.12.04-P20-1-25' }
  });
  expect(r.status).toBe(201);
  return r.json.id as string;
}

describe('revocation', () => {
  it('closes bo’s plan socket with 4403 within 1 s of anna revoking', async () => {
    const familyId = server.family('gel-01'); // opened by social, no consent: bo has no plan access yet
    const plan = roomName(familyId, 'plan');
    expect(await upgradeStatus(server.url, `/sync/${plan}`, { cookie: bo, origin: server.url })).toBe(403);

    const consentId = await recordConsent(familyId, ['plan'], ['school']);
    const b = server.provider(plan, bo);
    const a = server.provider(plan, anna);
    await Promise.all([b.synced(), a.synced()]);
    const closed = b.nextClose();
    let terminal: { code: number } | null = null;
    b.provider.on('closed', (e: { code: number }) => (terminal = e));

    const started = Date.now();
    const r = await server.api(`/api/families/${familyId}/consents/${consentId}/revoke`, { cookie: anna, method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.json.revokedAt).toBeTruthy();
    const code = await Promise.race([closed, sleep(1000).then(() => 'timeout' as const)]);
    expect(code).toBe(CLOSE_ACCESS_ENDED);
    expect(Date.now() - started).toBeLessThan(1000);

    // 4403 is final for y-websocket: no reconnect loop; and the relay refuses a new attempt.
    // The reason lets the device say why ("samtykket er trukket tilbage").
    await sleep(300);
    expect(terminal).toMatchObject({ code: CLOSE_ACCESS_ENDED, reason: 'consent withdrawn' });
    expect(b.provider.shouldConnect).toBe(false);
    expect(await upgradeStatus(server.url, `/sync/${plan}`, { cookie: bo, origin: server.url })).toBe(403);

    // The opening sector keeps its connection.
    expect(a.closes).toEqual([]);
    expect(await barrier(a.ws())).toBe(true);
  });

  it('closes a read connection on another sector’s journal too, and only the rooms the consent covered', async () => {
    const familyId = server.family('gel-01');
    const consentId = await recordConsent(familyId, ['plan', 'social'], ['school']);
    const social = await server.raw(roomName(familyId, 'social'), bo);
    const plan = await server.raw(roomName(familyId, 'plan'), bo);
    const school = await server.raw(roomName(familyId, 'school'), bo); // own journal: rule 3, not consent
    const codes = Promise.all([closeCode(social), closeCode(plan)]);
    const started = Date.now();
    expect((await server.api(`/api/families/${familyId}/consents/${consentId}/revoke`, { cookie: anna, method: 'POST' })).status).toBe(200);
    expect(await codes).toEqual([CLOSE_ACCESS_ENDED, CLOSE_ACCESS_ENDED]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await barrier(school)).toBe(true);
  });

  it('a second revocation of the same consent is refused and closes nothing', async () => {
    const familyId = server.family('gel-01');
    const consentId = await recordConsent(familyId, ['plan'], ['school']);
    expect((await server.api(`/api/families/${familyId}/consents/${consentId}/revoke`, { cookie: anna, method: 'POST' })).status).toBe(200);
    const school = await server.raw(roomName(familyId, 'school'), bo);
    const again = await server.api(`/api/families/${familyId}/consents/${consentId}/revoke`, { cookie: anna, method: 'POST' });
    expect(again.status).toBe(409);
    expect(await barrier(school)).toBe(true);
  });

  it('closes with 4403 when a consent expires, at the relay’s next recheck', async () => {
    const familyId = server.family('gel-01');
    const r = await server.api(`/api/families/${familyId}/consents`, {
      cookie: anna,
      body: {
        givenBy: 'Mor',
        categories: ['plan'],
        recipients: ['school'],
        purpose: 'Kort samarbejde',
        method: 'oral',
        reference: 'Mundtligt ved møde på skolen',
        validUntil: new Date(Date.now() + 3_600_000).toISOString()
      }
    });
    expect(r.status).toBe(201);
    const plan = await server.raw(roomName(familyId, 'plan'), bo);
    const closed = closeCode(plan);
    try {
      await server.app.relay.recheck(); // still valid: nothing happens
      expect(await barrier(plan)).toBe(true);
      clockOffsetMs = 2 * 3_600_000;
      await server.app.relay.recheck(); // what the relay's sweep timer runs
      expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('rechecks every open socket with one read of the store, and keeps those whose access holds', async () => {
    const families = ['gel-01', 'gel-02', 'gel-03'].map((p) => server.family(p));
    const sockets = await Promise.all(families.flatMap((f) => [server.raw(roomName(f, 'plan'), anna), server.raw(roomName(f, 'plan'), anna), server.raw(roomName(f, 'social'), anna)]));
    const store = server.app.store;
    const read = store.accessFacts;
    const asked: number[] = [];
    store.accessFacts = (keys) => {
      asked.push(keys.familyIds.length);
      return read.call(store, keys);
    };
    try {
      await server.app.relay.recheck();
    } finally {
      store.accessFacts = read;
    }
    expect(asked).toEqual([3]);
    for (const ws of sockets) expect(await barrier(ws)).toBe(true);
  });
});
