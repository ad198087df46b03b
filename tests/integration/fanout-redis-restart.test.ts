// A Redis restart in the middle of a stream of updates, on a private
// redis-server (a child process on a free port, so the shared one is not
// disturbed): node B's `onReconnect` fires once its subscriptions are back,
// updates flow again, and its sequencer fills from the store what node A
// committed while Redis was down. Skipped without REDIS_URL (the marker that Redis is installed here).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisFanout } from '../../server/fanout/redis.ts';
import { RoomSequencer } from '../../server/fanout/sequencer.ts';
import type { RoomEvent } from '../../server/fanout/types.ts';
import { createLogger } from '../../server/log.ts';
import { createMetrics } from '../../server/metrics.ts';
import { freePort } from '../support/server-access.ts';
import { startRedis } from './fixtures/nodes.ts';
import { kill9, sleep, waitFor } from './helpers.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

const until = (cond: () => boolean, ms = 5000) => waitFor(cond, ms);
const kill = async (child: ChildProcess | null) => {
  if (child) await kill9(child);
};

describe.skipIf(!process.env.REDIS_URL)('fan-out across a Redis restart', () => {
  let redis: ChildProcess | null = null;
  const nodes: RedisFanout[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await kill(redis);
  });

  it('reconnects, resubscribes, fires onReconnect and fills what was missed from the store', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const lines: string[] = [];
    const metricsB = createMetrics();
    const a = await RedisFanout.connect({ url, nodeId: 'node-a', maxFrameBytes: 4096, reconnectMaxMs: 100 });
    const b = await RedisFanout.connect({ url, nodeId: 'node-b', maxFrameBytes: 4096, reconnectMaxMs: 100, metrics: metricsB, log: createLogger({ write: (l) => lines.push(l) }) });
    nodes.push(a, b);

    const room = roomName(randomBytes(6).toString('hex'), 'plan');
    // The store: what node A committed, in seq order.
    const store: Array<{ seq: number; data: Uint8Array }> = [];
    const applied: Array<[number, string]> = [];
    const seqB = new RoomSequencer({
      room,
      lastApplied: 0,
      gapTimeoutMs: 100,
      loadSince: async (_r, after) => store.filter((u) => u.seq > after),
      apply: (_d, seq, source) => applied.push([seq, source])
    });
    const events: RoomEvent[] = [];
    b.subscribeRoom(room, (e) => {
      events.push(e);
      if (e.kind === 'update') seqB.receive(e.seq, e.update);
      else if (e.kind === 'head') seqB.noteHead(e.seq);
    });
    let reconnects = 0;
    let disconnects = 0;
    b.onReconnect(() => {
      reconnects++;
      void seqB.resync(); // what the relay does for every loaded room
    });
    b.onDisconnect(() => disconnects++);
    const controlAtB: string[] = [];
    b.onControl((m) => controlAtB.push(m.kind));
    await sleep(50);

    let next = 1;
    const commit = () => {
      const u = { seq: next++, data: new Uint8Array([next]) };
      store.push(u);
      a.publishUpdate({ room, seq: u.seq, author: 'u-anna', update: u.data });
    };
    for (let i = 0; i < 5; i++) commit();
    await until(() => seqB.lastApplied === 5);

    await kill(redis);
    await until(() => disconnects === 1 && !b.connected);
    // Committed while Redis is down: the publishes fail, the store has them.
    for (let i = 0; i < 5; i++) commit();
    await sleep(100);
    expect(seqB.lastApplied).toBe(5);
    await expect(a.ping()).rejects.toThrow();
    // A room loaded while Redis is down is subscribed once it is back.
    const later = roomName(randomBytes(6).toString('hex'), 'plan');
    const atLater: RoomEvent[] = [];
    b.subscribeRoom(later, (e) => atLater.push(e));

    redis = await startRedis(port);
    await until(() => reconnects === 1);
    expect(b.connected).toBe(true);
    await until(() => seqB.lastApplied === 10);
    expect(applied.slice(5).every(([, src]) => src === 'store')).toBe(true);

    // Subscriptions are back: new updates and control messages flow through Redis again.
    // (Once A's own connection is back too: what A publishes before that reaches B through the store.)
    for (let ok = false; !ok; ) ok = await a.ping().then(() => true, () => sleep(20).then(() => false));
    for (let i = 0; i < 3; i++) commit();
    a.publishControl({ kind: 'session-ended', sessionHash: 'abc' });
    a.publishAwareness(later, new Uint8Array([1]));
    await until(() => seqB.lastApplied === 13 && controlAtB.length === 1 && atLater.length === 1);
    expect(controlAtB).toEqual(['session-ended']);
    expect(applied.map(([s]) => s)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(applied.slice(10).every(([, src]) => src === 'fanout')).toBe(true);
    // (A also announces the room's head once it can publish again, but B may resubscribe after
    // that; B's own resync covers it. fanout-redis.test.ts tests the head with B never cut off.)
    expect(await metricsB.registry.getSingleMetricAsString('fp_redis_reconnects_total')).toContain('fp_redis_reconnects_total 1');
    const logged = lines.map((l) => JSON.parse(l).event);
    expect(logged).toContain('fanout.disconnected');
    expect(logged).toContain('fanout.reconnected');
    seqB.close();
  });
});
