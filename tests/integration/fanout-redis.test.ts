// Two fan-out instances ("nodes") on the shared Redis: updates and awareness of
// a room reach the other node and not the publisher itself, control messages
// reach every node, frames that are malformed or for another room are refused,
// and a node's sequencer applies what arrives out of order in order, fills a
// gap from the store and ignores duplicates. Skipped without REDIS_URL. Rooms
// are random per run so parallel runs on the shared Redis do not meet.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUpdateFrame, roomChannel } from '../../server/fanout/frame.ts';
import { createFanout } from '../../server/fanout/index.ts';
import { RoomSequencer } from '../../server/fanout/sequencer.ts';
import type { ControlMessage, ControlOrigin, Fanout, RoomEvent } from '../../server/fanout/types.ts';
import { createLogger } from '../../server/log.ts';
import { createMetrics } from '../../server/metrics.ts';
import { sleep, waitFor } from './helpers.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

const REDIS_URL = process.env.REDIS_URL;
const room = () => roomName(randomBytes(6).toString('hex'), 'plan');
const until = (cond: () => boolean, ms = 3000) => waitFor(cond, ms);

describe.skipIf(!REDIS_URL)('fan-out over Redis', () => {
  let a: Fanout;
  let b: Fanout;
  const logB: string[] = [];
  const metricsB = createMetrics();

  beforeAll(async () => {
    const run = randomBytes(3).toString('hex');
    a = await createFanout({ redisUrl: REDIS_URL!, nodeId: `a-${run}`, maxMessageBytes: 64 * 1024 });
    b = await createFanout(
      { redisUrl: REDIS_URL!, nodeId: `b-${run}`, maxMessageBytes: 64 * 1024 },
      { log: createLogger({ level: 'debug', write: (l) => logB.push(l) }), metrics: metricsB }
    );
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('exchanges updates and awareness on a room; a node never gets its own', async () => {
    const r = room();
    const atA: RoomEvent[] = [];
    const atB: RoomEvent[] = [];
    a.subscribeRoom(r, (e) => atA.push(e));
    b.subscribeRoom(r, (e) => atB.push(e));
    await sleep(50); // SUBSCRIBE round trip
    a.publishUpdate({ room: r, seq: 1, author: 'u-anna', update: new Uint8Array([1, 2, 3]) });
    a.publishAwareness(r, new Uint8Array([7, 7]));
    b.publishUpdate({ room: r, seq: 2, author: 'u-bo', update: new Uint8Array([4]) });
    await until(() => atB.length === 2 && atA.length === 1);
    expect(atB[0]).toMatchObject({ kind: 'update', nodeId: a.nodeId, room: r, seq: 1, author: 'u-anna', update: new Uint8Array([1, 2, 3]) });
    expect(atB[1]).toMatchObject({ kind: 'awareness', nodeId: a.nodeId, room: r, data: new Uint8Array([7, 7]) });
    expect(atA[0]).toMatchObject({ kind: 'update', nodeId: b.nodeId, seq: 2, author: 'u-bo' });
    await sleep(50);
    expect(atA).toHaveLength(1);
    expect(atB).toHaveLength(2);
    expect((await metricsB.registry.getSingleMetricAsString('fp_fanout_lag_seconds')).includes('fp_fanout_lag_seconds_count 1')).toBe(true);
    // Unsubscribed: nothing more arrives.
    b.unsubscribeRoom(r);
    await sleep(50);
    a.publishUpdate({ room: r, seq: 3, author: 'u-anna', update: new Uint8Array([5]) });
    await sleep(100);
    expect(atB).toHaveLength(2);
    a.unsubscribeRoom(r);
  });

  it('control messages reach every node: the publisher at once, the others through Redis', async () => {
    const got: Record<string, Array<[ControlMessage, ControlOrigin]>> = { a: [], b: [] };
    const offA = a.onControl((m, o) => got.a.push([m, o]));
    const offB = b.onControl((m, o) => got.b.push([m, o]));
    const msgs: ControlMessage[] = [
      { kind: 'recheck', familyId: 'fam-123456', reason: 'consent withdrawn' },
      { kind: 'session-ended', sessionHash: 'abcDEF123-_' },
      { kind: 'access-events', userIds: ['u-anna', 'u-bo'] }
    ];
    for (const m of msgs) a.publishControl(m);
    // Delivered to A's own handlers synchronously, before any network round trip.
    expect(got.a.map(([m]) => m)).toEqual(msgs);
    expect(got.a.every(([, o]) => o.local && o.nodeId === a.nodeId)).toBe(true);
    await until(() => got.b.length === 3);
    expect(got.b.map(([m]) => m)).toEqual(msgs);
    expect(got.b.every(([, o]) => !o.local && o.nodeId === a.nodeId)).toBe(true);
    await sleep(50);
    expect(got.a).toHaveLength(3); // its own echo from Redis is ignored
    offA();
    offB();
  });

  it('refuses frames that are malformed or were published on another room’s channel', async () => {
    const r = room();
    const other = room();
    const atB: RoomEvent[] = [];
    b.subscribeRoom(r, (e) => atB.push(e));
    await sleep(50);
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    try {
      await raw.publish(roomChannel(r), Buffer.from([1, 1, 255, 255, 255]));
      await raw.publish(roomChannel(r), Buffer.from(encodeUpdateFrame('evil', { room: other, seq: 1, author: 'u-x', update: new Uint8Array([1]) }, Date.now())));
      await raw.publish(roomChannel(r), Buffer.alloc(70 * 1024, 1));
      await raw.publish('fp:control', '{"v":1,"nodeId":"evil","msg":{"kind":"recheck","familyId":"../../x"}}');
      await raw.publish(roomChannel(r), Buffer.from(encodeUpdateFrame('evil', { room: r, seq: 1, author: 'u-x', update: new Uint8Array([1]) }, Date.now())));
    } finally {
      await raw.close();
    }
    await until(() => atB.length === 1);
    expect(atB[0]).toMatchObject({ kind: 'update', nodeId: 'evil', seq: 1 });
    const events = logB.map((l) => JSON.parse(l)).filter((l) => l.event === 'fanout.frame_rejected' || l.event === 'fanout.control_rejected');
    expect(events.map((e) => e.reason).sort()).toEqual(['family_id', 'malformed', 'room', 'too_large']);
    b.unsubscribeRoom(r);
  });

  it('a sequencer fed by the fan-out applies out-of-order arrivals in order, fills a gap from the store, ignores duplicates', async () => {
    const r = room();
    // The store's committed log of the room (seq 1..6); node A publishes only some, out of order, one twice.
    const log = [1, 2, 3, 4, 5, 6].map((seq) => ({ seq, data: new Uint8Array([seq]) }));
    const reads: number[] = [];
    const applied: Array<[number, string]> = [];
    const seqB = new RoomSequencer({
      room: r,
      lastApplied: 0,
      gapTimeoutMs: 100,
      loadSince: async (_room, after) => {
        reads.push(after);
        return log.filter((u) => u.seq > after);
      },
      apply: (data, seq, source) => {
        expect(data[0]).toBe(seq);
        applied.push([seq, source]);
      }
    });
    b.subscribeRoom(r, (e) => {
      if (e.kind === 'update') seqB.receive(e.seq, e.update);
      else if (e.kind === 'head') seqB.noteHead(e.seq);
    });
    await sleep(50);
    for (const seq of [2, 1, 3, 3, 5, 6]) a.publishUpdate({ room: r, seq, author: 'u-anna', update: log[seq - 1].data });
    await until(() => seqB.lastApplied === 6);
    await seqB.idle();
    expect(applied.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(applied.find(([s]) => s === 4)?.[1]).toBe('store');
    expect(reads).toEqual([3]);
    seqB.close();
    b.unsubscribeRoom(r);
  });

  it('when only the publisher’s connection is cut, its control messages are resent in order and its unpublished updates announced by a head notice', async () => {
    const run = randomBytes(3).toString('hex');
    const metricsC = createMetrics();
    const c = await createFanout({ redisUrl: REDIS_URL!, nodeId: `c-${run}`, maxMessageBytes: 1024 }, { metrics: metricsC });
    const r = room();
    const store: Array<{ seq: number; data: Uint8Array }> = [];
    const seqB = new RoomSequencer({
      room: r,
      lastApplied: 0,
      gapTimeoutMs: 5000, // long: the head notice, not the gap timer, must bring B up to date
      loadSince: async (_room, after) => store.filter((u) => u.seq > after),
      apply: () => {}
    });
    const heads: number[] = [];
    b.subscribeRoom(r, (e) => {
      if (e.kind === 'update') seqB.receive(e.seq, e.update);
      else if (e.kind === 'head') {
        heads.push(e.seq);
        seqB.noteHead(e.seq);
      }
    });
    await sleep(50);
    const got: string[] = [];
    const off = b.onControl((m) => {
      if (m.kind === 'recheck' && m.userId?.startsWith(`u-${run}-`)) got.push(m.userId);
    });
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    try {
      // Cut only C's publishing connection (B stays subscribed, so B has no reason to re-check anything itself).
      const list = String(await raw.sendCommand(['CLIENT', 'LIST']));
      const line = list.split('\n').find((l) => l.includes(`name=fp-pub-c-${run} `));
      const clientId = /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1];
      expect(clientId).toBeDefined();
      await raw.sendCommand(['CLIENT', 'KILL', 'ID', clientId!]);
      const failed = async () => (await metricsC.fanoutPublishFailed.get()).values.some((v) => v.labels.kind === 'control' && v.value > 0);
      let n = 0;
      const end = Date.now() + 3000;
      while (!(await failed())) {
        if (Date.now() > end) throw new Error('no publish failed after the connection was killed');
        store.push({ seq: n + 1, data: new Uint8Array([1]) });
        c.publishUpdate({ room: r, seq: n + 1, author: 'u-anna', update: new Uint8Array([1]) });
        c.publishControl({ kind: 'recheck', userId: `u-${run}-${n++}` });
        await sleep(2);
      }
      for (let i = 0; i < 3; i++) c.publishControl({ kind: 'recheck', userId: `u-${run}-${n++}` });
      await until(() => seqB.lastApplied === store.length);
      expect(heads).toEqual([store.length]);
      // A message whose reply was lost with the connection may arrive twice (rechecks are idempotent); none is lost, none overtakes.
      await until(() => new Set(got).size === n);
      expect([...new Set(got)]).toEqual(Array.from({ length: n }, (_, i) => `u-${run}-${i}`));
    } finally {
      off();
      seqB.close();
      b.unsubscribeRoom(r);
      await raw.close();
      await c.close();
    }
  });

  it('ping answers while Redis is reachable', async () => {
    await expect(a.ping()).resolves.toBeUndefined();
    expect(a.connected).toBe(true);
  });
});

describe.skipIf(!REDIS_URL)('fan-out over Redis with FANOUT_SECRET', () => {
  it('delivers signed messages between nodes sharing the secret and refuses the others’, counted', async () => {
    const run = randomBytes(3).toString('hex');
    const secret = randomBytes(32).toString('base64');
    const metrics = createMetrics();
    const opts = (nodeId: string, s: string | null) => ({ redisUrl: REDIS_URL!, nodeId, maxMessageBytes: 64 * 1024, secret: s });
    const a = await createFanout(opts(`sa-${run}`, secret));
    const b = await createFanout(opts(`sb-${run}`, secret), { metrics });
    const stranger = await createFanout(opts(`sx-${run}`, null));
    const forger = await createFanout(opts(`sf-${run}`, randomBytes(32).toString('base64')));
    try {
      const r = room();
      const atB: RoomEvent[] = [];
      const controlAtB: ControlMessage[] = [];
      b.subscribeRoom(r, (e) => atB.push(e));
      b.onControl((m, o) => {
        if (!o.local) controlAtB.push(m);
      });
      await sleep(50);
      stranger.publishUpdate({ room: r, seq: 1, author: 'u-x', update: new Uint8Array([9]) });
      forger.publishUpdate({ room: r, seq: 1, author: 'u-x', update: new Uint8Array([8]) });
      stranger.publishControl({ kind: 'recheck', userId: 'u-x' });
      a.publishUpdate({ room: r, seq: 1, author: 'u-anna', update: new Uint8Array([1]) });
      a.publishControl({ kind: 'recheck', userId: 'u-anna' });
      await until(() => atB.length === 1 && controlAtB.length === 1);
      await sleep(100);
      expect(atB).toHaveLength(1);
      expect(atB[0]).toMatchObject({ kind: 'update', nodeId: a.nodeId, update: new Uint8Array([1]) });
      expect(controlAtB).toEqual([{ kind: 'recheck', userId: 'u-anna' }]);
      expect(await metrics.fanoutRejected.get()).toMatchObject({ values: [expect.objectContaining({ labels: { reason: 'signature' } })] });
      expect((await metrics.fanoutRejected.get()).values.find((v) => v.labels.reason === 'signature')?.value).toBeGreaterThanOrEqual(3);
    } finally {
      for (const f of [a, b, stranger, forger]) await f.close();
    }
  });
});
