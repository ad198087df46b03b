// Hardening: no request, however malformed, ends the server or earns a 5xx
// where a 4xx fits. Raw bytes on a TCP socket against a real server; after
// every case the next one needs the process alive, and a final sign-in and
// room sync show it still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from './helpers.ts';
import { rawCases, randomCases, runRawCases, sendRaw } from './raw-http.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

let server: TestServer;
let cookie: string;

beforeAll(async () => {
  server = await TestServer.start();
  cookie = await server.login('anna');
});
afterAll(() => server.stop());

describe('raw HTTP fuzz', () => {
  it('a malformed session cookie on an upgrade is refused, and the server lives on', async () => {
    const request = Buffer.from(
      `GET /sync/f-abcdef.plan HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${server.url}\r\nCookie: session=%E0%A4%A\r\n\r\n`
    );
    expect((await sendRaw(server.url, request)).status).toBe(401);
    expect((await server.api('/api/me', { cookie: 'session=%E0%A4%A' })).status).toBe(401);
    expect((await server.api('/api/me', { cookie })).status).toBe(200);
  });

  it('fixed cases: every answer is the fitting 4xx', async () => {
    const misfits = await runRawCases(server.url, rawCases(server.url, cookie, server.app.config.maxBodyBytes));
    expect(misfits).toEqual([]);
  });

  it('seeded random cases: no 5xx, no silence', async () => {
    const misfits = await runRawCases(server.url, randomCases(server.url, cookie, 300, 0x5eed));
    expect(misfits).toEqual([]);
  });

  it('afterwards the server still signs in and serves', async () => {
    const fresh = await server.login('anna');
    expect((await server.api('/api/manifest', { cookie: fresh })).status).toBe(200);
    const family = server.family('gel-01');
    const ws = await server.raw(roomName(family, 'plan'), fresh);
    ws.close();
  });

  it('API responses say nosniff', async () => {
    const r = await server.api('/api/me', { cookie });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
