// The inbox (issue #16): GET /api/notifications and POST /api/notifications/read.
// A worker only ever sees their own; a notification carries ids and a kind,
// never family content; a handover proposed in the plan document reaches the
// proposed worker (and the answer the proposer) through the summariser, and
// their open devices hear of it on the access event channel.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { answerTovholderProposal, proposeTovholder, readMeta, readTovholder } from '../../src/lib/domain/plan.ts';
import type { Notification } from '../../src/lib/shared/api-types.ts';
import { EventStream, TestServer, waitFor } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'frida', 'eva']) cookies[u] = await server.login(u);
  // The start-up backfill sets every plan's notice baseline: old facts notify nobody.
  await server.app.summaries.idle();
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

type Inbox = { notifications: Notification[]; unread: number };
const inbox = async (who: string) => (await server.api<Inbox>('/api/notifications', { cookie: cookies[who] })).json;

describe('notifications', () => {
  it('needs a session', async () => {
    const res = await server.api('/api/notifications');
    expect(res.status).toBe(401);
    expect(typeof res.json.message).toBe('string');
  });

  it('a handover proposed in the plan reaches the proposed worker only, without family content, and the answer reaches the proposer', async () => {
    const familyId = server.family('gel-07');
    const plan = roomName(familyId, 'plan');
    const anna = server.provider(plan, cookies.anna);
    await anna.synced();
    const familyName = readMeta(anna.doc).name;
    expect(familyName.length).toBeGreaterThan(2);
    const boBefore = await inbox('bo');
    expect(boBefore.notifications.some((n) => n.kind === 'handover-proposed')).toBe(false);

    const events = await EventStream.open(server.url, cookies.bo);
    const seen = events.events.length;
    const id = proposeTovholder(anna.doc, { userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-01-05', note: 'Mor vil helst ringes op om formiddagen', by: 'u-anna', byName: 'Anna Holm', at: new Date().toISOString() });

    let proposed: Notification | undefined;
    await waitFor(async () => {
      proposed = (await inbox('bo')).notifications.find((n) => n.kind === 'handover-proposed' && n.familyId === familyId);
      return !!proposed;
    }, 10_000, 'bo is told of the proposal');
    expect(proposed).toMatchObject({ actorName: 'Anna Holm', read: false });
    // bo's open device heard of it at once.
    await waitFor(() => events.events.length > seen, 5000, 'an access event for bo');
    events.close();

    // Nothing of the family in the list: not its name, not the handover note.
    const raw = JSON.stringify(await inbox('bo'));
    expect(raw).not.toContain(familyName);
    expect(raw).not.toContain('formiddagen');
    // Nobody else sees bo's notification; another team's worker and a leader see none of it.
    for (const who of ['anna', 'frida', 'eva']) {
      const other = await inbox(who);
      expect(other.notifications.some((n) => n.id === proposed!.id)).toBe(false);
    }

    // Only bo can mark bo's notification read.
    expect((await server.api('/api/notifications/read', { cookie: cookies.anna, method: 'POST', body: { ids: [proposed!.id] } })).json.changed).toBe(0);
    const unread = (await inbox('bo')).unread;
    expect((await server.api('/api/notifications/read', { cookie: cookies.bo, method: 'POST', body: { ids: [proposed!.id] } })).json.changed).toBe(1);
    expect((await inbox('bo')).unread).toBe(unread - 1);

    // bo accepts: he becomes tovholder, and anna hears of it.
    const bo = server.provider(plan, cookies.bo);
    await bo.synced();
    await waitFor(() => bo.doc.getMap('tovholderProposals').has(id), 5000, 'bo sees the proposal');
    expect(answerTovholderProposal(bo.doc, id, { outcome: 'accepted', by: 'u-bo', at: new Date().toISOString(), today: '2026-01-05' })).toBe(true);
    await waitFor(() => readTovholder(anna.doc)?.userId === 'u-bo', 5000, 'anna sees bo as tovholder');
    await waitFor(async () => (await inbox('anna')).notifications.some((n) => n.kind === 'handover-accepted' && n.familyId === familyId && n.actorName === 'Bo Lindqvist'), 10_000, 'anna is told');
    // Deriving again adds nothing twice.
    await server.app.summaries.summarise(familyId);
    expect((await inbox('anna')).notifications.filter((n) => n.kind === 'handover-accepted' && n.familyId === familyId)).toHaveLength(1);
  });

  it('refuses a malformed read request with a Danish message', async () => {
    for (const body of [{}, { ids: 'x' }, { ids: [1] }, { ids: Array.from({ length: 201 }, (_, i) => `n${i}`) }]) {
      const res = await server.api('/api/notifications/read', { cookie: cookies.bo, method: 'POST', body });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_notification_read');
      expect(res.json.message).toMatch(/beskeder/);
    }
    expect((await server.api('/api/notifications/read', { cookie: cookies.bo, method: 'POST', body: { all: true } })).status).toBe(200);
    expect((await inbox('bo')).unread).toBe(0);
  });

  it('reminds a worker of an overdue action of theirs, once', async () => {
    // The seed gives anna overdue actions in her families (the demo's start page shows them).
    const list = await inbox('anna');
    const overdue = list.notifications.filter((n) => n.kind === 'action-overdue');
    expect(overdue.length).toBeGreaterThan(0);
    expect((await inbox('anna')).notifications.filter((n) => n.kind === 'action-overdue')).toHaveLength(overdue.length);
  });

  it('reminds the tovholder of a consent ending within 30 days', async () => {
    // gel-04: anna is tovholder, the consent ends in about two weeks (seed).
    const list = await inbox('anna');
    expect(list.notifications.some((n) => n.kind === 'consent-expiring' && n.familyId === server.family('gel-04'))).toBe(true);
    expect((await inbox('bo')).notifications.some((n) => n.kind === 'consent-expiring' && n.familyId === server.family('gel-04'))).toBe(false);
  });

  it('tells a specialist when access is given and when it ends', async () => {
    const familyId = server.family('gel-04');
    cookies.gitte = await server.login('gitte');
    const given = await server.api('/api/families/' + familyId + '/grants', {
      cookie: cookies.anna,
      method: 'POST',
      body: { userId: 'u-gitte', parts: ['plan'], purpose: 'PPR-vurdering', validUntil: new Date(Date.now() + 10 * 86_400_000).toISOString() }
    });
    expect(given.status).toBe(201);
    const list = await inbox('gitte');
    expect(list.notifications.find((n) => n.kind === 'access-given')).toMatchObject({ familyId, actorName: 'Anna Holm', read: false });
    expect((await server.api(`/api/families/${familyId}/grants/${given.json.id}/end`, { cookie: cookies.anna, method: 'POST', body: {} })).status).toBe(200);
    expect((await inbox('gitte')).notifications.some((n) => n.kind === 'access-ended' && n.familyId === familyId)).toBe(true);
    // Nothing of the family: gitte's device names it only while it may open it.
    expect(JSON.stringify(await inbox('gitte'))).not.toContain('PPR-vurdering');
  });
});
