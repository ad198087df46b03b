// Logout ends the session everywhere (DESIGN §8): every relay socket of that
// session closes with 4401; the same user's other session is untouched; the
// old cookie no longer opens a room.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { barrier, closeCode, sleep, TestServer, upgradeStatus } from './helpers.ts';

let server: TestServer;

beforeAll(async () => {
  server = await TestServer.start();
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

describe('logout', () => {
  it('closes that session’s sockets with 4401 and leaves other sessions open', async () => {
    const id = server.family('gel-02');
    const tablet = await server.login('anna');
    const laptop = await server.login('anna');
    const bo = await server.login('bo');

    const plan = server.provider(roomName(id, 'plan'), tablet);
    const social = server.provider(roomName(id, 'social'), tablet);
    const raw = await server.raw(roomName(id, 'plan'), tablet);
    const other = server.provider(roomName(id, 'plan'), laptop);
    const bos = server.provider(roomName(id, 'plan'), bo);
    await Promise.all([plan, social, other, bos].map((c) => c.synced()));

    const closes = Promise.all([plan.nextClose(), social.nextClose(), closeCode(raw)]);
    const started = Date.now();
    const r = await server.api('/api/auth/logout', { cookie: tablet, method: 'POST' });
    expect(r.status).toBe(204);
    expect(r.headers.get('set-cookie')).toMatch(/^session=;.*Max-Age=0/);
    expect(await closes).toEqual([CLOSE_SESSION_ENDED, CLOSE_SESSION_ENDED, CLOSE_SESSION_ENDED]);
    expect(Date.now() - started).toBeLessThan(1000);

    // 4401 is final for y-websocket: the providers do not try again.
    await sleep(300);
    expect(plan.provider.shouldConnect).toBe(false);
    expect(plan.closes).toEqual([CLOSE_SESSION_ENDED]);

    // The laptop session and bo are untouched.
    expect(other.closes).toEqual([]);
    expect(bos.closes).toEqual([]);
    expect(await barrier(other.ws())).toBe(true);
    expect(await barrier(bos.ws())).toBe(true);

    // The dead cookie opens nothing and reads nothing.
    expect(await upgradeStatus(server.url, `/sync/${roomName(id, 'plan')}`, { cookie: tablet, origin: server.url })).toBe(401);
    expect((await server.api('/api/me', { cookie: tablet })).status).toBe(401);
    expect((await server.api('/api/me', { cookie: laptop })).status).toBe(200);
  });

  it('is idempotent: a device retrying a logout whose answer it lost (or sending one without a live session) gets 204 and a cleared cookie', async () => {
    // The app keeps a logout made offline pending and sends it at the next contact, perhaps more than once.
    const cookie = await server.login('anna');
    for (const c of [cookie, cookie, undefined]) {
      const r = await server.api('/api/auth/logout', { cookie: c, method: 'POST' });
      expect(r.status).toBe(204);
      expect(r.headers.get('set-cookie')).toMatch(/^session=;.*Max-Age=0/);
    }
    expect((await server.api('/api/me', { cookie })).status).toBe(401);
  });

  it('a logout without Origin is refused and closes nothing', async () => {
    const cookie = await server.login('bo');
    const ws = await server.raw(roomName(server.family('gel-02'), 'school'), cookie);
    const res = await fetch(server.url + '/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(res.status).toBe(403);
    expect(await barrier(ws)).toBe(true);
  });
});
