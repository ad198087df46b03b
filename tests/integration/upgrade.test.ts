// The relay decides before the upgrade (DESIGN §7): no session → 401, a room
// name outside §5 → 400, no access or a missing/foreign Origin → 403.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { TestServer, upgradeStatus, auditCounts } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let plan: string;

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'frida', 'eva', 'admin']) cookies[u] = await server.login(u);
  plan = roomName(server.family('gel-02'), 'plan');
});
afterAll(() => server?.stop());

/** Sends a hand-written upgrade request (targets a WebSocket client would refuse to send) and returns the status line. */
function rawUpgrade(target: string, headers: Record<string, string>): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      const lines = [
        `GET ${target} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
      ];
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

const status = (path: string, headers: Record<string, string>) => upgradeStatus(server.url, path, headers);
const as = (user: string, origin = server.url) => ({ cookie: cookies[user], origin });

describe('upgrade', () => {
  it('accepts a worker with access (the control case)', async () => {
    expect(await status(`/sync/${plan}`, as('anna'))).toBe(101);
  });

  it('refuses an unauthenticated upgrade with 401', async () => {
    expect(await status(`/sync/${plan}`, { origin: server.url })).toBe(401);
    expect(await status(`/sync/${plan}`, { origin: server.url, cookie: 'session=not-a-real-token' })).toBe(401);
    expect(await status(`/sync/${plan}`, { origin: server.url, cookie: `session=${'x'.repeat(500)}` })).toBe(401);
  });

  it('refuses a room name outside the contract with 400', async () => {
    const id = server.family('gel-02');
    for (const room of [
      `f-${id}.notes`, // unknown part
      `f-${id}`, // no part
      `${id}.plan`, // no f- prefix
      `f-${id.toUpperCase()}.plan`, // upper case
      'f-abc.plan', // id too short
      `f-${'a'.repeat(41)}.plan`, // id too long
      `f-${id}.plan.plan`,
      `f-${id}.plan%00`,
      `f-..%2F${id}.plan`,
      ''
    ]) {
      expect(await status(`/sync/${room}`, as('anna')), room).toBe(400);
    }
  });

  it('answers 400 to a target or percent-encoding that does not parse, and keeps serving', async () => {
    expect(await rawUpgrade('/sync/f-%E0%A4%A.plan', as('anna'))).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawUpgrade('/sync/%zz', as('anna'))).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawUpgrade('http://[', { origin: server.url })).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawUpgrade('//[', {})).toBe('HTTP/1.1 400 Bad Request');
    expect(await status(`/sync/${plan}`, as('anna'))).toBe(101);
  });

  it('answers 403 to a well-formed name of a family that does not exist', async () => {
    expect(await status('/sync/f-gel-99-nobody.plan', as('anna'))).toBe(403);
  });

  it('refuses a worker of another team with 403', async () => {
    const id = server.family('gel-02');
    for (const part of ['plan', 'social', 'school', 'health', 'employment'] as const) {
      expect(await status(`/sync/${roomName(id, part)}`, as('frida')), part).toBe(403);
    }
  });

  it('refuses a missing or foreign Origin with 403, even with a valid session', async () => {
    expect(await status(`/sync/${plan}`, { cookie: cookies.anna })).toBe(403);
    expect(await status(`/sync/${plan}`, as('anna', 'https://evil.example'))).toBe(403);
    expect(await status(`/sync/${plan}`, as('anna', server.url.replace('127.0.0.1', 'localhost')))).toBe(403);
    expect(await status(`/sync/${plan}`, as('anna', server.url.replace('http:', 'https:')))).toBe(403);
    expect(await status(`/sync/${plan}`, as('anna', 'null'))).toBe(403);
  });

  it('refuses the leader and the admin on every part with 403', async () => {
    const id = server.family('gel-02');
    for (const user of ['eva', 'admin'])
      for (const part of ['plan', 'social', 'school', 'health', 'employment'] as const) {
        expect(await status(`/sync/${roomName(id, part)}`, as(user)), `${user} ${part}`).toBe(403);
      }
  });

  it('records refused openings in the family access log', async () => {
    const id = server.family('gel-02');
    const refused = await auditCounts(server.app.store, id, 'open-refused');
    expect(refused.get('u-frida')).toBeGreaterThan(0);
    expect(refused.get('u-eva')).toBeGreaterThan(0);
  });

  it('serves nothing but /sync/ on upgrade', async () => {
    expect(await status('/api/me', as('anna'))).toBe(404);
  });
});
