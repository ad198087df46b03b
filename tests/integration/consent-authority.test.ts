// Consent laundering (finding 4 of the hardening review, DESIGN §6): only the
// case-owning sector's workers, the family's tovholder or the family itself
// may record or withdraw a consent; nobody may widen their own sector's
// access; a consent cannot start before today; and the case owner and the
// tovholder see every consent change, refused attempts included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTovholder } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { ConsentList } from '../../src/lib/shared/api-types.ts';
import { TestServer, waitFor, latestSeq } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;
let planConsentId: string;

const consent = (over: Record<string, unknown> = {}) => ({
  givenBy: 'Mor',
  categories: ['plan'],
  recipients: ['health'],
  purpose: 'Samarbejde',
  method: 'paper',
  reference: 'J.nr. 27.12.04-P20-1-25',
  ...over
});
const record = (user: string, body: unknown) => server.api(`/api/families/${familyId}/consents`, { cookie: cookies[user], body });
const revoke = (user: string, id: string) => server.api(`/api/families/${familyId}/consents/${id}/revoke`, { cookie: cookies[user], body: {} });
const list = async (user: string): Promise<ConsentList> => (await server.api(`/api/families/${familyId}/consents`, { cookie: cookies[user] })).json;

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'cecilie']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Samtykke' } })).json.id;
  // The case is social's (anna); a consent gives health (cecilie) the plan.
  const r = await record('anna', consent());
  expect(r.status).toBe(201);
  planConsentId = r.json.id;
});
afterAll(() => server?.stop());

describe('who may record and withdraw consents', () => {
  it('a worker whose plan access rests on a consent may not record one, documented or not', async () => {
    const widening = consent({ categories: ['plan', 'social', 'school', 'employment'], recipients: ['health'], method: 'oral', reference: undefined, validUntil: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() });
    for (const body of [widening, consent({ recipients: ['school'] })]) {
      const r = await record('cecilie', body);
      expect(r.status).toBe(403);
      expect(r.json.error).toBe('consent_not_authorised');
      expect(r.json.message).toMatch(/fagområde, der har sagen, familiens tovholder eller familien selv/);
    }
    expect((await list('anna')).consents).toHaveLength(1);
  });

  it('nor withdraw a colleague’s consent', async () => {
    const r = await revoke('cecilie', planConsentId);
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('consent_not_authorised');
    expect((await list('anna')).consents[0].revokedAt).toBeNull();
  });

  it('the case-owning sector may share with others, but never widen its own sector', async () => {
    const own = await record('anna', consent({ categories: ['school'], recipients: ['social'] }));
    expect(own.status).toBe(403);
    expect(own.json.error).toBe('consent_widens_own');
    expect(own.json.message).toMatch(/eget fagområde.*\(school\)/);
    const mixed = await record('anna', consent({ categories: ['plan', 'health'], recipients: ['social', 'school'] }));
    expect(mixed.json.error).toBe('consent_widens_own');
    // The plan and its own journal it holds anyway: naming social for them widens nothing.
    const harmless = await record('anna', consent({ categories: ['plan', 'social'], recipients: ['social', 'school'] }));
    expect(harmless.status).toBe(201);
  });

  it('the tovholder of another sector may record and withdraw, but not widen her own sector', async () => {
    const plan = roomName(familyId, 'plan');
    const client = server.provider(plan, cookies.anna);
    await client.synced();
    const before = (await latestSeq(server.app.store, plan));
    setTovholder(client.doc, { userId: 'u-cecilie', name: 'Cecilie Dam', since: '2026-01-01', note: 'Overdraget', setBy: 'u-anna' });
    await waitFor(async () => (await latestSeq(server.app.store, plan)) > before, 5000, 'tovholder persisted');
    expect((await list('cecilie')).authority).toBe('tovholder');

    const forSchool = await record('cecilie', consent({ categories: ['plan', 'health'], recipients: ['school'] }));
    expect(forSchool.status).toBe(201);
    // Renewing the consent her own plan access rests on widens her own sector: the family or social must.
    const renewal = await record('cecilie', consent({ renewsId: planConsentId }));
    expect(renewal.status).toBe(403);
    expect(renewal.json.error).toBe('consent_widens_own');
    expect((await revoke('cecilie', forSchool.json.id)).status).toBe(200);
  });

  it('a consent cannot start before today (Danish day), and may start today', async () => {
    const yesterday = await record('anna', consent({ recipients: ['school'], validFrom: new Date(Date.now() - 86_400_000).toISOString() }));
    expect(yesterday.status).toBe(400);
    expect(yesterday.json.error).toBe('consent_from_past');
    expect(yesterday.json.message).toMatch(/før i dag/);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen' }).format(new Date());
    const offset = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Copenhagen', timeZoneName: 'longOffset' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')!.value.replace('GMT', '') || '+00:00';
    const today = await record('anna', consent({ recipients: ['school'], validFrom: `${day}T00:00:00${offset}` }));
    expect(today.status).toBe(201);
  });

  it('the case owner and the tovholder see every change, refused attempts included; others see none', async () => {
    const history = (await list('anna')).history!;
    expect(history).toBeDefined();
    const kinds = history.map((e) => `${e.userId} ${e.action}${e.reason ? ` ${e.reason}` : ''}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'u-anna recorded',
        'u-cecilie refused consent_not_authorised',
        'u-anna refused consent_widens_own',
        'u-cecilie recorded',
        'u-cecilie refused consent_widens_own',
        'u-cecilie revoked'
      ])
    );
    const recorded = history.find((e) => e.action === 'recorded' && e.userId === 'u-cecilie')!;
    expect(recorded).toMatchObject({ userName: 'Cecilie Dam', categories: ['plan', 'health'], recipients: ['school'] });
    expect([...history.map((e) => e.at)].sort().reverse()).toEqual(history.map((e) => e.at));
    expect((await list('cecilie')).history).toHaveLength(history.length);
    // bo (school) now has the plan by anna's consent, but records nothing and sees no history.
    const bo = await list('bo');
    expect(bo.authority).toBeNull();
    expect(bo.history).toBeUndefined();
  });
});
