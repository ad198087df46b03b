// Devices and their keys (DESIGN §13): the wrapping key only for a signed-in
// session bound to that device; a device reported lost (by its user or an
// admin) is refused the key — with or without a session — and its sessions
// end at once (sockets close 4401); nobody else may report it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;

beforeAll(async () => {
  server = await TestServer.start();
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

const TABLET = '11111111-aaaa-4bbb-8ccc-000000000001';
const LAPTOP = '11111111-aaaa-4bbb-8ccc-000000000002';

describe('device keys', () => {
  it('hands a session the same key for its device each time, renews the lease, and binds the session to that device', async () => {
    const cookie = await server.login('anna');
    const a = await server.api('/api/device/key', { cookie, body: { deviceId: TABLET, name: 'Chrome på Android' } });
    expect(a.status).toBe(200);
    expect(a.json.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(a.json.leaseUntil)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const b = await server.api('/api/device/key', { cookie, body: { deviceId: TABLET } });
    expect(b.json.key).toBe(a.json.key);
    // The session belongs to the tablet now: it cannot fetch another device's key.
    const other = await server.api('/api/device/key', { cookie, body: { deviceId: LAPTOP } });
    expect(other.status).toBe(403);
    expect(other.json.error).toBe('device_mismatch');
    // Another user on the same tablet has a key of their own.
    const bo = await server.api('/api/device/key', { cookie: await server.login('bo'), body: { deviceId: TABLET } });
    expect(bo.status).toBe(200);
    expect(bo.json.key).not.toBe(a.json.key);
    const list = await server.api('/api/devices', { cookie });
    expect(list.json.devices).toEqual([expect.objectContaining({ deviceId: TABLET, name: 'Chrome på Android', current: true, lostAt: null })]);
    expect(JSON.stringify(list.json)).not.toContain(a.json.key);
  });

  it('refuses bad input with a clear error and no session with 401', async () => {
    const cookie = await server.login('anna');
    for (const body of [{}, { deviceId: 'x' }, { deviceId: 'a'.repeat(65) }, { deviceId: 42 }, { deviceId: '../../etc' }]) {
      const r = await server.api('/api/device/key', { cookie, body });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: 'device_id', message: expect.stringContaining('Enheden') });
    }
    expect((await server.api('/api/device/key', { cookie, body: { deviceId: LAPTOP, name: 'x'.repeat(81) } })).status).toBe(400);
    expect((await server.api('/api/device/key', { body: { deviceId: LAPTOP } })).status).toBe(401);
  });

  it('a device reported lost by its user: sessions end at once (4401), the key is refused with or without a session, the list says so', async () => {
    const user = 'cecilie';
    const tablet = await server.login(user);
    const office = await server.login(user);
    const id = '22222222-aaaa-4bbb-8ccc-000000000001';
    expect((await server.api('/api/device/key', { cookie: tablet, body: { deviceId: id } })).status).toBe(200);
    const family = server.family('gel-02');
    const plan = server.provider(roomName(family, 'plan'), tablet);
    await plan.synced();
    const closed = plan.nextClose();

    // Someone else cannot report it (it is not theirs), and bad ids are refused.
    expect((await server.api(`/api/devices/${id}/lost`, { cookie: await server.login('dennis'), method: 'POST', body: {} })).status).toBe(404);
    expect((await server.api(`/api/devices/nope/lost`, { cookie: office, method: 'POST', body: {} })).status).toBe(400);

    const r = await server.api(`/api/devices/${id}/lost`, { cookie: office, method: 'POST', body: {} });
    expect(r.status).toBe(200);
    expect(r.json.lostAt).toBeTruthy();
    expect(await closed).toBe(CLOSE_SESSION_ENDED);
    expect((await server.api('/api/me', { cookie: tablet })).status).toBe(401);
    expect((await server.api('/api/me', { cookie: office })).status).toBe(200);

    // No session, a new session: either way the device hears it is lost.
    const signedOut = await server.api('/api/device/key', { body: { deviceId: id } });
    expect(signedOut.status).toBe(410);
    expect(signedOut.json.error).toBe('device_lost');
    const again = await server.api('/api/device/key', { cookie: await server.login(user), body: { deviceId: id } });
    expect(again.status).toBe(410);
    expect((await server.api(`/api/devices/${id}/lost`, { cookie: office, method: 'POST', body: {} })).status).toBe(409);

    const list = await server.api('/api/devices', { cookie: office });
    expect(list.json.devices).toEqual([expect.objectContaining({ deviceId: id, lostBy: 'u-cecilie', wipedAt: expect.any(String) })]);
  });

  it('an admin lists every device (no keys) and can report one lost; others cannot', async () => {
    const frida = await server.login('frida');
    const id = '33333333-aaaa-4bbb-8ccc-000000000001';
    const key = await server.api('/api/device/key', { cookie: frida, body: { deviceId: id, name: 'Safari på iPadOS' } });
    const admin = await server.login('admin');
    const list = await server.api('/api/admin/devices', { cookie: admin });
    expect(list.status).toBe(200);
    expect(list.json.devices).toContainEqual(expect.objectContaining({ deviceId: id, userId: 'u-frida', userName: 'Frida Krogh', name: 'Safari på iPadOS' }));
    expect(JSON.stringify(list.json)).not.toContain(key.json.key);
    expect((await server.api('/api/admin/devices', { cookie: frida })).status).toBe(403);
    expect((await server.api(`/api/admin/users/u-frida/devices/${id}/lost`, { cookie: frida, method: 'POST', body: {} })).status).toBe(403);
    const r = await server.api(`/api/admin/users/u-frida/devices/${id}/lost`, { cookie: admin, method: 'POST', body: {} });
    expect(r.status).toBe(200);
    expect(r.json.lostBy).toBe('u-admin');
    expect((await server.api('/api/me', { cookie: frida })).status).toBe(401);
  });
});
