// Access changes reach open devices at once (DESIGN §8): GET /api/events is a
// Server-Sent Events stream per session that says `access` (and nothing
// about what changed) to every affected user when a consent is recorded or
// withdrawn, ends with `session-ended` on logout or expiry, is bounded per
// session and forgets a client that went away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { CLOSE_ACCESS_ENDED } from '../../src/lib/shared/protocol.ts';
import { barrier, EventStream, sleep, TestServer, waitFor } from './helpers.ts';

let server: TestServer;
let clock = 0;
const DAY = 86_400_000;

const consent = {
  givenBy: 'Mor',
  categories: ['plan'],
  recipients: ['school'],
  purpose: 'Samarbejde med skolen om trivsel',
  method: 'paper',
  reference: 'Journalnr. 27.12.04-P20-6-25'
};

beforeAll(async () => {
  server = await TestServer.start({
    events: { maxStreamsPerSession: 3, heartbeatMs: 200 },
    now: () => new Date(Date.now() + clock)
  });
});
afterAll(() => server?.stop());

const manifestRooms = async (cookie: string) =>
  ((await server.api('/api/manifest', { cookie })).json.rooms as { room: string }[]).map((r) => r.room);

describe('GET /api/events', () => {
  it('refuses a request without a live session with 401 and JSON', async () => {
    for (const cookie of [null, 'session=not-a-session']) {
      const s = await EventStream.open(server.url, cookie);
      expect(s.status).toBe(401);
      expect(s.json).toEqual({ error: 'unauthenticated', message: 'Du er ikke logget ind.' });
    }
  });

  it('tells bo within 1 s that his access changed when anna records a consent for school, and again when she withdraws it', async () => {
    const familyId = server.family('gel-06');
    const plan = roomName(familyId, 'plan');
    const anna = await server.login('anna');
    const bo = await server.login('bo');
    const frida = await server.login('frida');
    expect(await manifestRooms(bo)).not.toContain(plan);

    const bos = await EventStream.open(server.url, bo);
    const fridas = await EventStream.open(server.url, frida);
    expect(bos.status).toBe(200);
    expect(bos.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(bos.headers.get('cache-control')).toContain('no-store');

    const recordedAt = Date.now();
    const r = await server.api(`/api/families/${familyId}/consents`, { cookie: anna, body: consent });
    expect(r.status).toBe(201);
    await waitFor(() => bos.events.length === 1, 1000, 'the access event');
    expect(Date.now() - recordedAt).toBeLessThan(1000);
    expect(bos.events).toEqual(['access']);
    // The event is only a nudge: the device learns what changed from its own manifest.
    expect(await manifestRooms(bo)).toContain(plan);

    const revoked = await server.api(`/api/families/${familyId}/consents/${r.json.id}/revoke`, { cookie: anna, body: {} });
    expect(revoked.status).toBe(200);
    await waitFor(() => bos.events.length === 2, 1000, 'the second access event');
    expect(await manifestRooms(bo)).not.toContain(plan);

    // Frida (Viby) is not in the family's team: nothing reaches her.
    await sleep(100);
    expect(fridas.events).toEqual([]);
    // No family, name or id on the wire: only the stream's own fields.
    for (const line of bos.text.split('\n').filter(Boolean)) {
      expect(line).toMatch(/^(retry: \d+|: (open|heartbeat)|event: access|data:)$/);
    }
    bos.close();
    fridas.close();
  });

  it('closes the open plan, with the reason, before it tells the device that its access changed', async () => {
    // A device told first fetches its manifest and closes the plan itself, and can say only
    // "access ended"; the relay's close says "consent withdrawn" (the banner the worker reads).
    const familyId = server.family('gel-11'); // no consent: bo sees the plan only while one is recorded
    const anna = await server.login('anna');
    const bo = await server.login('bo');
    expect(await manifestRooms(bo)).not.toContain(roomName(familyId, 'plan'));
    for (let round = 0; round < 5; round++) {
      const recorded = await server.api(`/api/families/${familyId}/consents`, { cookie: anna, body: consent });
      expect(recorded.status).toBe(201);
      const stream = await EventStream.open(server.url, bo);
      const ws = await server.raw(roomName(familyId, 'plan'), bo);
      expect(await barrier(ws)).toBe(true);
      // The relay's closing frame has arrived once the socket is CLOSING (the handshake's reply is still on its way).
      let stateWhenTold = -1;
      const told = new Promise<void>((resolve) => stream.onEvent(() => resolve(void (stateWhenTold = ws.readyState))));
      const closed = new Promise<string>((resolve) => ws.once('close', (code, reason) => resolve(`${code} ${reason.toString()}`)));
      expect((await server.api(`/api/families/${familyId}/consents/${recorded.json.id}/revoke`, { cookie: anna, body: {} })).status).toBe(200);
      await told;
      expect(await closed).toBe(`${CLOSE_ACCESS_ENDED} consent withdrawn`);
      expect(stateWhenTold).not.toBe(WebSocket.OPEN);
      stream.close();
    }
  });

  it('tells the team when a family is created (the creator’s other tablet lists it)', async () => {
    const annas = await EventStream.open(server.url, await server.login('anna'));
    const created = await server.api('/api/families', { cookie: await server.login('anna'), body: { name: 'Familien Ny' } });
    expect(created.status).toBe(201);
    await waitFor(() => annas.events.includes('access'), 1000, 'the access event');
    annas.close();
  });

  it('sends a heartbeat comment while idle', async () => {
    const s = await EventStream.open(server.url, await server.login('cecilie'));
    await waitFor(() => s.comments.includes('heartbeat'), 2000, 'a heartbeat');
    expect(s.events).toEqual([]);
    s.close();
  });

  it('ends the stream with session-ended at logout, and leaves the same user’s other session open', async () => {
    const tablet = await server.login('bo');
    const laptop = await server.login('bo');
    const a = await EventStream.open(server.url, tablet);
    const b = await EventStream.open(server.url, laptop);
    const started = Date.now();
    expect((await server.api('/api/auth/logout', { cookie: tablet, method: 'POST' })).status).toBe(204);
    await waitFor(() => a.ended, 1000, 'the stream to end');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(a.events).toEqual(['session-ended']);
    await sleep(300); // a heartbeat or two
    expect(b.ended).toBe(false);
    expect(b.events).toEqual([]);
    // The dead cookie opens no new stream.
    expect((await EventStream.open(server.url, tablet)).status).toBe(401);
    b.close();
  });

  it('ends the stream with session-ended when the session expires', async () => {
    const s = await EventStream.open(server.url, await server.login('dennis'));
    clock = 8 * DAY; // past SESSION_TTL_HOURS' 7 days
    try {
      await waitFor(() => s.ended, 2000, 'the stream to end');
      expect(s.events).toEqual(['session-ended']);
    } finally {
      clock = 0;
    }
  });

  it('bounds the streams of one session (429) and forgets a client that went away', async () => {
    const cookie = await server.login('anna');
    const before = server.app.events.streamCount;
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await EventStream.open(server.url, cookie));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await EventStream.open(server.url, cookie);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('too_many_streams');
    expect(refused.json.message).toMatch(/for mange vinduer/);
    // Another session of the same user is counted on its own.
    const other = await EventStream.open(server.url, await server.login('anna'));
    expect(other.status).toBe(200);

    open[0].close();
    await waitFor(() => server.app.events.streamCount === before + 3, 2000, 'the closed stream to be forgotten');
    const again = await EventStream.open(server.url, cookie);
    expect(again.status).toBe(200);
    for (const s of [...open, other, again]) s.close();
    await waitFor(() => server.app.events.streamCount === before, 2000, 'every stream to be forgotten');
  });
});
