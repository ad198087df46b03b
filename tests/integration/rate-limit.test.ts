// The per-session rate limit (token buckets: 200 messages/s, burst 1,000, and
// 1 MiB/s, burst 16 MiB of frame bytes by default) slows a session down instead of disconnecting it: over its rate the
// relay stops reading the session's sockets until tokens are back. A bulk
// paste from a tablet therefore arrives, a little later, on the same socket; a
// hostile flood gets no more than the rate, and only a session that stays over
// its rate is closed (4429). Closing and reopening a socket buys no new burst,
// and a paused socket still hears at once that its session or access ended.
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type WebSocket from 'ws';
import { CLOSE_RATE_LIMITED, CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { RelayLimits } from '../../server/relay.ts';
import { closeCode, sleep, TestServer, updateMessage, upgradeStatus, waitFor, latestSeq, auditCounts } from './helpers.ts';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function start(relay: Partial<RelayLimits> = {}) {
  server = await TestServer.start({ relay });
  const [anna, bo] = await Promise.all(['anna', 'bo'].map((u) => server!.login(u)));
  const room = roomName(server.family('gel-02'), 'plan'); // anna opened the case; bo writes by consent
  return { server, anna, bo, room };
}

/** n update frames, each one edit of one writer. */
function edits(n: number, key: string): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(updateMessage(u)));
  for (let i = 0; i < n; i++) doc.getMap('rate').set(`${key}-${i}`, i);
  return out;
}

/** Sends `perTick` frames every 10 ms until the relay closes the socket: its close code, and how long that took. */
async function sendUntilClosed(ws: WebSocket, frames: Uint8Array[], perTick: number): Promise<{ code: number; ms: number }> {
  const closed = closeCode(ws);
  let i = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    for (let k = 0; k < perTick && i < frames.length && ws.readyState === ws.OPEN; k++) ws.send(frames[i++]);
  }, 10);
  try {
    return { code: await closed, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

/** n update frames of about `size` bytes each. */
function big(n: number, key: string, size: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(updateMessage(u)));
  for (let i = 0; i < n; i++) doc.getMap('bytes').set(`${key}-${i}`, String(i % 10).repeat(size));
  return out;
}

/** Updates the relay has committed to the room since `from`. */
const committed = async (s: TestServer, room: string, from: number) => (await latestSeq(s.app.store, room)) - from;

describe('rate limit', () => {
  it('1,300 single edits at once from one device all reach another device within seconds, on the same socket', async () => {
    const { server, anna, bo, room } = await start(); // production limits
    const writer = server.provider(room, anna);
    const reader = server.provider(room, bo);
    await Promise.all([writer.synced(), reader.synced()]);
    const t0 = performance.now();
    for (let i = 0; i < 1300; i++) writer.doc.getArray<number>('paste').push([i]); // 1,300 transactions, 1,300 messages
    await waitFor(() => reader.doc.getArray('paste').length === 1300, 5000, 'every edit at the other device');
    const ms = performance.now() - t0;
    expect(reader.doc.getArray<number>('paste').toArray()).toEqual(Array.from({ length: 1300 }, (_, i) => i));
    // Slowed down (≈ 300 frames over the burst at 200/s), not cut off.
    expect(ms).toBeGreaterThan(1000);
    expect(writer.closes).toEqual([]);
    await waitFor(() => writer.relay!.holds(writer.doc), 5000, '"gemt" for the whole paste');
  });

  it('a flood gets no more than burst + rate through, and then all of it, in order', async () => {
    const { server, anna, room } = await start({ messagesPerSecond: 500, messageBurst: 100 });
    const ws = await server.raw(room, anna);
    await sleep(50); // the greeting
    const from = (await latestSeq(server.app.store, room));
    const frames = edits(600, 'flood');
    const t0 = performance.now();
    for (const f of frames) ws.send(f);
    await sleep(200);
    const early = await committed(server, room, from);
    const elapsed = (performance.now() - t0) / 1000;
    expect(early).toBeLessThanOrEqual(100 + Math.ceil(500 * elapsed) + 10);
    expect(early).toBeGreaterThanOrEqual(100);
    await waitFor(async () => (await committed(server, room, from)) === 600, 5000, 'the whole flood');
    expect(ws.readyState).toBe(ws.OPEN);
    const stored = new Y.Doc();
    for (const u of (await server.app.store.loadUpdates(room))) Y.applyUpdate(stored, u.data);
    expect(stored.getMap('rate').get('flood-599')).toBe(599);
  });

  it('closes a session that stays over its rate with 4429', async () => {
    const { server, anna, room } = await start({ messagesPerSecond: 100, messageBurst: 50, rateLimitCloseAfterMs: 500 });
    const ws = await server.raw(room, anna);
    const { code, ms } = await sendUntilClosed(ws, edits(4000, 'sustained'), 20); // 2,000/s
    expect(code).toBe(CLOSE_RATE_LIMITED);
    expect(ms).toBeGreaterThan(500);
    expect(ms).toBeLessThan(3000);
  });

  it('does not refill the bucket when a socket is closed and reopened', async () => {
    const { server, anna, room } = await start({ messagesPerSecond: 20, messageBurst: 50 });
    const from = (await latestSeq(server.app.store, room));
    const first = await server.raw(room, anna);
    const t0 = performance.now(); // the bucket runs dry after this
    for (const f of edits(50, 'first')) first.send(f);
    await waitFor(async () => (await committed(server, room, from)) === 50, 2000, 'the first burst');
    first.close();
    await closeCode(first);
    // The upgrade costs a token too: it is refused (429) until one is back.
    let second: WebSocket | null = null;
    while (!second) {
      second = await server.raw(room, anna).catch(() => null);
      if (!second) await sleep(10);
    }
    for (const f of edits(50, 'second')) second.send(f);
    await sleep(300);
    const n = await committed(server, room, from);
    // At most what 20/s gave back since the first burst ran dry — not another 50 at once.
    expect(n).toBeLessThanOrEqual(50 + Math.ceil((20 * (performance.now() - t0)) / 1000) + 5);
    expect(n).toBeLessThan(100);
  });

  it('a socket paused for the rate limit still hears at once that its session ended', async () => {
    const { server, anna, room } = await start({ messagesPerSecond: 10, messageBurst: 20 });
    const ws: WebSocket = await server.raw(room, anna);
    for (const f of edits(500, 'paused')) ws.send(f);
    await sleep(200); // over the burst: reading is paused
    const closed = closeCode(ws);
    const t0 = performance.now();
    expect((await server.api('/api/auth/logout', { method: 'POST', cookie: anna })).status).toBe(204);
    expect(await closed).toBe(CLOSE_SESSION_ENDED);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('counts bytes too: large frames get no more than the byte burst + rate through, and then all of it, in order', async () => {
    const { server, anna, room } = await start({ bytesPerSecond: 512 * 1024, byteBurst: 256 * 1024, maxMessageBytes: 128 * 1024 });
    const ws = await server.raw(room, anna);
    await sleep(50); // the greeting
    const from = await latestSeq(server.app.store, room);
    const frames = big(30, 'bytes', 50_000); // ≈ 1.5 MB in 30 frames: far under the message rate
    const t0 = performance.now();
    for (const f of frames) ws.send(f);
    const frameBytes = frames[0].byteLength;
    // The burst (5 frames) goes through at once; what follows no faster than the byte rate.
    await waitFor(async () => (await committed(server, room, from)) >= 5, 5000, 'the byte burst');
    const early = await committed(server, room, from);
    const elapsed = (performance.now() - t0) / 1000;
    expect(early).toBeLessThanOrEqual(Math.ceil((256 * 1024 + 512 * 1024 * elapsed) / frameBytes) + 1);
    expect(early).toBeLessThan(30);
    await waitFor(async () => (await committed(server, room, from)) === 30, 10_000, 'every large frame');
    expect(ws.readyState).toBe(ws.OPEN);
    const stored = new Y.Doc();
    for (const u of await server.app.store.loadUpdates(room)) Y.applyUpdate(stored, u.data);
    expect((stored.getMap('bytes').get('bytes-29') as string).length).toBe(50_000);
  });

  it('closes a session that stays over its byte rate with 4429', async () => {
    const { server, anna, room } = await start({ bytesPerSecond: 128 * 1024, byteBurst: 128 * 1024, maxMessageBytes: 64 * 1024, rateLimitCloseAfterMs: 500 });
    const ws = await server.raw(room, anna);
    const { code, ms } = await sendUntilClosed(ws, big(200, 'sustained-bytes', 40_000), 2); // ≈ 8 MB/s, 200 frames/s
    expect(code).toBe(CLOSE_RATE_LIMITED);
    expect(ms).toBeGreaterThan(500);
    expect(ms).toBeLessThan(3000);
  });

  it('counts upgrades against the same bucket: a reconnect loop gets HTTP 429, not an audit row per attempt', async () => {
    // A refill slow enough that the 30 upgrades (each awaiting the store) earn no more than one token back.
    const { server, anna, room } = await start({ messagesPerSecond: 0.2, messageBurst: 20 });
    const headers = { cookie: anna, origin: server.url };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await upgradeStatus(server.url, `/sync/${room}`, headers));
    expect(statuses.filter((s) => s === 101).length).toBeLessThanOrEqual(21);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
    const opened = (await auditCounts(server.app.store, room.slice(2, room.indexOf('.')), 'open-write')).get('u-anna') ?? 0;
    expect(opened).toBeLessThanOrEqual(21);
  });
});
