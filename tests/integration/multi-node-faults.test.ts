// Faults on several nodes lose no edit (DESIGN §9, §11). Three node processes
// behind a round-robin balancer (no sticky sessions), clients spread over them:
// - kill -9 of one node mid-burst: its clients reconnect through the balancer
//   to a surviving node and every client ends with every edit;
// - a Redis restart mid-burst (a private redis-server on a free port, not the
//   shared one): the nodes keep serving their own sockets, reconnect, read what
//   they missed from PostgreSQL, and every client ends with every edit.
// Skipped without DATABASE_URL and REDIS_URL.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { hashToken } from '../../server/auth.ts';
import { barrier, Clients, closeCode, kill9, login, openTestStore, sameState, sleep, waitFor, type TestClient } from './helpers.ts';
import { freePort } from '../support/server-access.ts';
import { Cluster, multiNodeEnv, startRedis } from './fixtures/nodes.ts';

const EDITS = 150; // per client
const WRITERS = ['anna', 'anna', 'anna', 'bo', 'cecilie', 'dennis'] as const; // plan writers of gel-02 (consent covers the others)
const ROOM = roomName('gel-02-nielsen', 'plan');

const clients = new Clients();
let cluster: Cluster | null = null;
let redis: ChildProcess | null = null;

afterEach(async () => {
  clients.closeAll();
  await cluster?.stop();
  cluster = null;
  if (redis) await kill9(redis);
  redis = null;
});

const tags = (c: TestClient) => new Set(c.doc.getArray<string>('burst').toArray());

/** One client per writer, each through the balancer (so spread over the nodes), all synced. */
async function openWriters(url: string): Promise<TestClient[]> {
  const writers = await Promise.all(WRITERS.map(async (user) => clients.provider(url, ROOM, await login(url, user), { maxBackoffTime: 200 })));
  await Promise.all(writers.map((w) => w.synced()));
  return writers;
}

/** A counter or gauge of a node's GET /metrics (loopback: allowed without a token), summed over its label sets. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function burst(writers: TestClient[], at: number, fault: () => Promise<void>) {
  let faulted: Promise<void> | null = null;
  for (let n = 0; n < EDITS; n++) {
    writers.forEach((w, i) => w.doc.getArray<string>('burst').push([`${i}-${n}`]));
    if (n === at) faulted = fault();
    if (n % 5 === 0) await sleep(5);
  }
  await faulted;
}

async function converged(writers: TestClient[], timeoutMs: number) {
  const all = writers.length * EDITS;
  await waitFor(() => writers.every((w) => tags(w).size === all) && writers.every((w) => sameState(w.doc, writers[0].doc)), timeoutMs, 'every client to hold every edit');
}

describe.skipIf(!multiNodeEnv)('faults on three nodes', () => {
  it('kill -9 of one node mid-burst: every client converges with every edit through the survivors', async () => {
    cluster = await Cluster.start(3);
    const writers = await openWriters(cluster.url);
    const victim = cluster.nodes[1];
    expect(await metric(victim.url, 'fp_open_sockets')).toBeGreaterThan(0); // some writers are on the node that dies
    await burst(writers, EDITS / 2, () => kill9(victim.proc));
    expect(victim.proc.signalCode).toBe('SIGKILL');
    await converged(writers, 20_000);
    // A fresh client on a survivor reads every edit from the store.
    const fresh = clients.provider(cluster.url, ROOM, await login(cluster.url, 'anna'));
    await fresh.synced();
    await waitFor(() => tags(fresh).size === writers.length * EDITS, 10_000, 'a fresh client to hold every edit');
  }, 90_000);

  it('a Redis restart mid-burst: every client converges with every edit', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    cluster = await Cluster.start(3, { REDIS_URL: `redis://127.0.0.1:${port}` });
    const writers = await openWriters(cluster.url);
    await burst(writers, EDITS / 3, async () => {
      await kill9(redis!);
      await sleep(300);
      redis = await startRedis(port);
    });
    await converged(writers, 20_000);
    // Every node came back to Redis and read what it missed from the store. Convergence can come
    // first (the sequencer's timeout reads the store without Redis), so each node gets time to
    // finish its resubscription on a loaded machine.
    for (const node of cluster.nodes) {
      await waitFor(async () => (await metric(node.url, 'fp_redis_reconnects_total')) > 0, 20_000, `${node.url} to count its Redis reconnect`);
      expect(await metric(node.url, 'fp_fanout_connected')).toBe(1);
    }
    // Nothing closed a writer for good: they stayed on their nodes or came back.
    expect(writers.every((w) => w.provider.wsconnected)).toBe(true);
  }, 90_000);

  it('after a Redis outage a node re-checks every open socket against the store: a session that ended meanwhile is closed (4401)', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    cluster = await Cluster.start(2, { REDIS_URL: `redis://127.0.0.1:${port}` });
    const [A, B] = cluster.nodes.map((n) => n.url);
    const cookie = await login(A, 'anna');
    const keepCookie = await login(A, 'bo');
    const ws = await clients.raw(B, ROOM, cookie);
    const keep = await clients.raw(B, ROOM, keepCookie);
    expect(await barrier(ws)).toBe(true);
    const closed = closeCode(ws);
    await kill9(redis);
    redis = null;
    // The session ends while B cannot hear of it: straight in the store, as a logout whose
    // control message never reached B would leave it.
    const store = await openTestStore(cluster.dataDir);
    try {
      await store.deleteSession(hashToken(cookie.slice('session='.length)));
    } finally {
      await store.close();
    }
    await sleep(300);
    expect(ws.readyState).toBe(ws.OPEN); // B has not heard: nothing told it
    redis = await startRedis(port);
    const cap = sleep(15_000).then(() => 'still open after Redis came back');
    expect(await Promise.race([closed, cap])).toBe(CLOSE_SESSION_ENDED);
    expect(await barrier(keep)).toBe(true); // a live session stays
  }, 90_000);
});

