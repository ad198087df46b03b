// Failed logins must not let an attacker lock a colleague out (finding 7 of the
// hardening review): the hard limit counts per username *and* address, the
// per-address limit stays, and a username under attack gets a growing, capped
// delay instead of a lockout. An unknown username behaves exactly like a known
// one. Addresses differ by the client's loopback source address (127.0.0.x).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from './helpers.ts';

let server: TestServer;

/** POST /api/auth/login from a given local address; resolves with status, error code and the time it took. */
function loginFrom(address: string, username: string, password: string): Promise<{ status: number; error: string | null; ms: number }> {
  const url = new URL('/api/auth/login', server.url);
  const body = JSON.stringify({ username, password });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress: address, headers: { 'content-type': 'application/json', origin: server.url, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, error: text ? (JSON.parse(text) as { error: string }).error : null, ms: performance.now() - started }));
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ATTACKER = '127.0.0.2';

beforeAll(async () => {
  // Small numbers, so the test runs fast; the defaults are in the README.
  server = await TestServer.start({ login: { maxPerUsernameAddress: 4, maxPerAddress: 12, delayAfter: 2, delayBaseMs: 100, delayMaxMs: 400 } });
});
afterAll(() => server?.stop());

describe('login limits', () => {
  it('an attacker who exhausts a username from one address gets 429, and the colleague still signs in from her own', async () => {
    for (let i = 0; i < 4; i++) expect((await loginFrom(ATTACKER, 'bo', `wrong-${i}`)).status).toBe(401);
    const blocked = await loginFrom(ATTACKER, 'bo', 'demo');
    expect(blocked).toMatchObject({ status: 429, error: 'rate_limited' });
    const bo = await loginFrom('127.0.0.3', 'bo', 'demo');
    expect(bo.status).toBe(204);
  });

  it('a username under attack answers after a growing delay, capped, while the right password still works', async () => {
    const times: number[] = [];
    // cecilie: failures from several addresses (none reaches its own limit).
    for (const [i, addr] of ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'].entries()) {
      const r = await loginFrom(addr, 'cecilie', `wrong-${i}`);
      expect(r.status).toBe(401);
      times.push(r.ms);
    }
    // After two failures: 100, 200, 400, 400 ms (capped) on top of the scrypt.
    expect(Math.min(...times.slice(2))).toBeGreaterThanOrEqual(95);
    expect(times[4]).toBeGreaterThanOrEqual(390);
    expect(times[5]).toBeGreaterThanOrEqual(390);
    expect(times[5]).toBeLessThan(400 + 1500);
    const ok = await loginFrom('127.0.0.10', 'cecilie', 'demo');
    expect(ok.status).toBe(204);
    expect(ok.ms).toBeGreaterThanOrEqual(390);
  });

  it('an unknown username is limited and delayed exactly like a known one', async () => {
    const known: { status: number; error: string | null }[] = [];
    const unknown: { status: number; error: string | null }[] = [];
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const k = await loginFrom('127.0.0.11', 'dennis', `wrong-${i}`);
      const u = await loginFrom('127.0.0.12', 'nobody-here', `wrong-${i}`);
      known.push({ status: k.status, error: k.error });
      unknown.push({ status: u.status, error: u.error });
      knownMs.push(k.ms);
      unknownMs.push(u.ms);
    }
    expect(unknown).toEqual(known);
    expect(known.map((k) => k.status)).toEqual([401, 401, 401, 401, 429]);
    // The same delay schedule (within scheduling noise): the third and fourth attempts waited for both.
    for (const i of [2, 3]) expect(Math.abs(knownMs[i] - unknownMs[i])).toBeLessThan(250);
  });

  it('the per-address limit stays: one address cannot spray many usernames', async () => {
    const spray = '127.0.0.13';
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await loginFrom(spray, `user-${i}`, 'wrong')).status);
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses[12]).toBe(429);
    expect((await loginFrom(spray, 'frida', 'demo')).status).toBe(429);
    expect((await loginFrom('127.0.0.14', 'frida', 'demo')).status).toBe(204);
  });
});
