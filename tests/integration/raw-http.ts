// Raw HTTP against a running server: requests no well-behaved client would
// send (broken escapes, odd WebSocket headers, invalid UTF-8, oversized
// headers and chunked bodies), written byte for byte on a TCP socket. Used by
// the integration fuzz test (API-only server) and the e2e one (the production
// build behind SvelteKit's handler), so both paths meet the same input.
import { connect } from 'node:net';
import { mulberry32 } from '../../src/lib/shared/prng.ts';

export interface RawCase {
  name: string;
  request: Buffer;
  /** statuses that fit; default any 4xx */
  expect?: (status: number) => boolean;
}

export interface RawAnswer {
  /** the response's status, or 0 when the server closed without answering */
  status: number;
  head: string;
}

/** Sends `request` and resolves with the status line's code (the socket is closed after the head). */
export function sendRaw(url: string, request: Buffer, timeoutMs = 5000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    const done = (answer: RawAnswer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      done({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head });
    });
    // A reset after the server answered and closed (it may not read the rest of a large body).
    socket.on('error', () => done({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(received.toString('latin1'))?.[1] ?? 0), head: '' }));
    socket.on('close', () => done({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(received.toString('latin1'))?.[1] ?? 0), head: '' }));
    socket.write(request);
  });
}

type Headers = [string, string | Buffer][];

function request(method: string, target: string | Buffer, host: string, headers: Headers, body?: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} `), Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'), Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\n`)];
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `), Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1'), Buffer.from('\r\n'));
  if (body && !headers.some(([k]) => k.toLowerCase() === 'transfer-encoding')) parts.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  parts.push(Buffer.from('Connection: close\r\n\r\n'));
  if (body) parts.push(body);
  return Buffer.concat(parts);
}

function upgradeHeaders(origin: string, extra: Headers = []): Headers {
  const base: Headers = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Origin', origin]
  ];
  const names = new Set(extra.map(([k]) => k.toLowerCase()));
  return [...base.filter(([k]) => !names.has(k.toLowerCase())), ...extra.filter(([, v]) => v !== '')];
}

/** A chunked body of `size` bytes in 16 KiB chunks. */
function chunked(size: number): Buffer {
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= 16384) {
    const n = Math.min(16384, left);
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), Buffer.alloc(n, 0x20), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22, 0x7d]);

const BAD_COOKIES = [
  'session=%E0%A4%A',
  'session=%',
  'session=%%%%',
  'session="unterminated',
  'session=' + 'a'.repeat(5000),
  'session=\u00ff\u00fe',
  'session=abc; session=%ZZ',
  ';;;;=;=;session',
  '=%E0',
  'session=' + encodeURIComponent('\u0000'),
  'session=💥'.replace('💥', '\u00f0\u009f\u0092\u00a5')
];

const BAD_ROOMS = [
  '%',
  '%E0%A4%A',
  'f-%2e%2e%2f%2e%2e.plan',
  '..%2F..%2Fetc%2Fpasswd',
  'f-abcdef.plan%00',
  'f-ABCDEF.plan',
  'f-abcdef.secret',
  'f-' + 'a'.repeat(4000) + '.plan',
  'f-abcdef.plan/extra',
  '%F0%9F%92%A5'
];

const BAD_IDS = ['%E0%A4%A', '%', '%ZZ', '..%2F..', 'a'.repeat(3000), '%00', "'%20OR%201=1--", '%F0%9F%92%A5'];

/**
 * The fixed cases. `cookie` is a live session's `session=…` pair (some cases
 * need to get past authentication to reach the parsing they test).
 */
export function rawCases(url: string, cookie: string, maxBodyBytes: number): RawCase[] {
  const host = new URL(url).host;
  const origin = url;
  const cases: RawCase[] = [];
  const is = (...codes: number[]) => (s: number) => codes.includes(s);

  for (const c of BAD_COOKIES) {
    cases.push({ name: `GET /api/me with cookie ${JSON.stringify(c.slice(0, 40))}`, request: request('GET', '/api/me', host, [['Cookie', c]]), expect: is(400, 401) });
    cases.push({
      name: `upgrade with cookie ${JSON.stringify(c.slice(0, 40))}`,
      request: request('GET', '/sync/f-abcdef.plan', host, upgradeHeaders(origin, [['Cookie', c]])),
      expect: is(400, 401)
    });
    cases.push({
      name: `POST /api/auth/logout with cookie ${JSON.stringify(c.slice(0, 40))}`,
      request: request('POST', '/api/auth/logout', host, [['Cookie', c], ['Origin', origin], ['Content-Type', 'application/json']], Buffer.from('{}')),
      expect: (s) => s >= 200 && s < 500
    });
  }
  for (const r of BAD_ROOMS) {
    cases.push({ name: `upgrade to room ${r.slice(0, 40)}`, request: request('GET', `/sync/${r}`, host, upgradeHeaders(origin, [['Cookie', cookie]])) });
    cases.push({ name: `upgrade to room ${r.slice(0, 40)} unauthenticated`, request: request('GET', `/sync/${r}`, host, upgradeHeaders(origin)) });
  }
  cases.push({ name: 'upgrade with a broken query escape', request: request('GET', '/sync/f-abcdef.plan?device=%ZZ&sync=%', host, upgradeHeaders(origin, [['Cookie', cookie]])) });
  cases.push({ name: 'upgrade to a path with raw high bytes', request: request('GET', Buffer.from([0x2f, 0x73, 0x79, 0x6e, 0x63, 0x2f, 0xff, 0xfe]), host, upgradeHeaders(origin, [['Cookie', cookie]])) });
  for (const id of BAD_IDS) {
    cases.push({ name: `GET consents of family ${id.slice(0, 40)}`, request: request('GET', `/api/families/${id}/consents`, host, [['Cookie', cookie]]), expect: is(400, 404) });
    cases.push({ name: `GET access log of family ${id.slice(0, 40)}`, request: request('GET', `/api/families/${id}/access-log`, host, [['Cookie', cookie]]), expect: is(400, 404) });
    cases.push({
      name: `revoke consent ${id.slice(0, 40)}`,
      request: request('POST', `/api/families/${id}/consents/${id}/revoke`, host, [['Cookie', cookie], ['Origin', origin], ['Content-Type', 'application/json']], Buffer.from('{}')),
      expect: is(400, 403, 404)
    });
  }
  // Odd Sec-WebSocket-* headers on an otherwise valid, authenticated upgrade.
  const odd: [string, string][] = [
    ['Sec-WebSocket-Key', ''],
    ['Sec-WebSocket-Key', 'short'],
    ['Sec-WebSocket-Key', '%%%%%%%%%%%%%%%%%%%%%%%%'],
    ['Sec-WebSocket-Version', '99'],
    ['Sec-WebSocket-Version', 'x'],
    ['Sec-WebSocket-Version', '-1'],
    ['Sec-WebSocket-Protocol', ',,,,'],
    ['Sec-WebSocket-Protocol', 'a b c'],
    ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=99; ;;'],
    ['Sec-WebSocket-Extensions', '"'],
    ['Upgrade', 'websocket, h2c'],
    ['Upgrade', 'h2c']
  ];
  for (const [k, v] of odd) {
    cases.push({
      name: `upgrade with ${k}: ${JSON.stringify(v)}`,
      request: request('GET', '/sync/f-abcdef.plan', host, upgradeHeaders(origin, [['Cookie', cookie], [k, v]])),
      // A header the relay ignores (extensions) may still get the room's answer: 403 for a family that does not exist.
      expect: (s) => s >= 400 && s < 500
    });
  }
  // Bodies.
  const json: Headers = [['Cookie', cookie], ['Origin', origin], ['Content-Type', 'application/json']];
  cases.push({ name: 'login with an invalid UTF-8 body', request: request('POST', '/api/auth/login', host, [['Origin', origin], ['Content-Type', 'application/json']], INVALID_UTF8), expect: is(400) });
  cases.push({ name: 'create family with an invalid UTF-8 body', request: request('POST', '/api/families', host, json, INVALID_UTF8), expect: is(400) });
  cases.push({ name: 'access-log upload with an invalid UTF-8 body', request: request('POST', '/api/access-log', host, json, INVALID_UTF8), expect: is(400) });
  cases.push({ name: 'a JSON body that is a string', request: request('POST', '/api/families', host, json, Buffer.from('"x"')), expect: is(400) });
  cases.push({ name: 'a deeply nested JSON body', request: request('POST', '/api/families', host, json, Buffer.from('['.repeat(5000) + ']'.repeat(5000))), expect: is(400) });
  cases.push({
    name: 'a chunked body over the limit',
    request: request('POST', '/api/families', host, [...json, ['Transfer-Encoding', 'chunked']], chunked(maxBodyBytes + 65536)),
    expect: is(413)
  });
  cases.push({
    name: 'a chunked login body over the limit, unauthenticated',
    request: request('POST', '/api/auth/login', host, [['Origin', origin], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], chunked(maxBodyBytes + 65536)),
    expect: is(413)
  });
  cases.push({
    name: 'a declared body over the limit',
    request: Buffer.concat([request('POST', '/api/families', host, [...json, ['Content-Length', String(maxBodyBytes + 1)]]), Buffer.alloc(1024, 0x20)]),
    expect: is(413)
  });
  // Headers and request lines.
  cases.push({ name: 'a 20 KB header', request: request('GET', '/api/me', host, [['X-Filler', 'a'.repeat(20_000)]]), expect: is(400, 431) });
  cases.push({ name: 'a 20 KB cookie on an upgrade', request: request('GET', '/sync/f-abcdef.plan', host, upgradeHeaders(origin, [['Cookie', 'session=' + 'a'.repeat(20_000)]])), expect: is(400, 431) });
  cases.push({ name: 'a header with a raw NUL', request: request('GET', '/api/me', host, [['X-Bad', Buffer.from([0x61, 0x00, 0x62])]]), expect: is(400) });
  cases.push({ name: 'a Host that is no host', request: Buffer.from('GET /api/me HTTP/1.1\r\nHost: [::zz\r\nConnection: close\r\n\r\n'), expect: is(400, 401) });
  cases.push({ name: 'an upgrade with a Host that is no host', request: Buffer.from(`GET /sync/f-abcdef.plan HTTP/1.1\r\nHost: [::zz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}\r\n\r\n`), expect: is(400, 403) });
  cases.push({ name: 'a request target of escapes', request: request('GET', '/api/%%%', host, [['Cookie', cookie]]), expect: is(400, 404) });
  cases.push({ name: 'an absolute-form request target', request: request('GET', 'http://elsewhere.invalid/api/me', host, [['Cookie', cookie]]) , expect: (s) => s === 200 || (s >= 400 && s < 500) });
  return cases;
}

const PIECES = ['%', '%E0', '%A4', '%ZZ', '%00', '%2F', '..', '/', ';', '=', '"', '\u00ff', 'f-', '.plan', 'session', 'a', '-', '?', '#', '&', ' '];

/** Seeded random requests: cookies and path segments built from hostile pieces. */
export function randomCases(url: string, cookie: string, count: number, seed: number): RawCase[] {
  const host = new URL(url).host;
  const rnd = mulberry32(seed);
  const piece = () => PIECES[Math.floor(rnd() * PIECES.length)];
  const junk = (n: number) => Array.from({ length: 1 + Math.floor(rnd() * n) }, piece).join('').replace(/ /g, '%20').replace(/#/g, '%23');
  const cases: RawCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const jar = rnd() < 0.5 ? cookie : `session=${junk(6)}`;
    if (kind === 0) cases.push({ name: `random upgrade ${i}`, request: request('GET', `/sync/${junk(8)}`, host, upgradeHeaders(url, [['Cookie', jar]])) });
    else if (kind === 1) cases.push({ name: `random consents ${i}`, request: request('GET', `/api/families/${junk(8)}/consents`, host, [['Cookie', jar]]), expect: (s) => s >= 400 && s < 500 });
    else if (kind === 2) cases.push({ name: `random cookie ${i}`, request: request('GET', '/api/manifest', host, [['Cookie', `session=${junk(10)}`]]), expect: (s) => s === 401 });
    else cases.push({ name: `random upgrade cookie ${i}`, request: request('GET', '/sync/f-abcdef.plan', host, upgradeHeaders(url, [['Cookie', `${junk(3)}=${junk(8)}`]])), expect: (s) => s === 400 || s === 401 || s === 403 });
  }
  return cases;
}

/** Runs every case in turn; returns the ones whose answer did not fit, and checks the server still answers after each. */
export async function runRawCases(url: string, cases: RawCase[]): Promise<string[]> {
  const misfits: string[] = [];
  for (const c of cases) {
    let answer: RawAnswer;
    try {
      answer = await sendRaw(url, c.request);
    } catch (err) {
      misfits.push(`${c.name}: ${(err as Error).message}`);
      continue;
    }
    const fits = c.expect ?? ((s: number) => s >= 400 && s < 500);
    if (!fits(answer.status)) misfits.push(`${c.name}: HTTP ${answer.status}`);
  }
  return misfits;
}
