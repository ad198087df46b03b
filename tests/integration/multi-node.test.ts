// Three relay nodes on one PostgreSQL + Redis (DESIGN §11): each node a
// process of its own with its own PORT and NODE_ID, sharing DATABASE_URL (a
// fresh schema for this file) and REDIS_URL. Clients talk to the nodes
// directly here, each to a different one. Skipped without both URLs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { addAction } from '../../src/lib/domain/plan.ts';
import { CLOSE_ACCESS_ENDED, CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { api, awarenessMessage, barrier, Clients, closeCode, latestSeq, login, openTestStore, sleep, upgradeStatus, waitFor } from './helpers.ts';
import { Cluster, multiNodeEnv } from './fixtures/nodes.ts';

const ANNA = { id: 'u-anna', name: 'Anna Holm', sector: 'social' };
const BO = { id: 'u-bo', name: 'Bo Lindqvist', sector: 'school' };

describe.skipIf(!multiNodeEnv)('three nodes on one PostgreSQL + Redis', () => {
  let cluster: Cluster;
  const clients = new Clients();
  let A: string, B: string, C: string;

  beforeAll(async () => {
    // Without the per-username delay the shared login limit is reached in a second.
    cluster = await Cluster.start(3, { LOGIN_DELAY_AFTER: '1000' });
    [A, B, C] = cluster.nodes.map((n) => n.url);
  }, 120_000);
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('seeds the demo data once although three nodes started together with DEMO=1', async () => {
    const store = await openTestStore(cluster.dataDir);
    try {
      const teams = (await store.listTeams()).map((t) => t.id);
      const families = await store.familiesOfTeams(teams);
      expect(new Set(families.map((f) => f.id)).size).toBe(families.length);
      // Each seeded plan was written once: its log starts at seq 1 and has no second seed.
      const plan = roomName('gel-02-nielsen', 'plan');
      const authors = await store.updateAuthors(plan);
      expect(authors.filter((a) => a.seq === 1)).toHaveLength(1);
      expect(families.filter((f) => f.id === 'gel-02-nielsen')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('a session created on one node works on the others', async () => {
    const cookie = await login(A, 'anna');
    for (const url of [B, C]) expect((await api(url, '/api/me', { cookie })).json).toMatchObject({ id: 'u-anna' });
    const plan = roomName('gel-02-nielsen', 'plan');
    expect(await upgradeStatus(C, `/sync/${plan}`, { cookie, origin: C })).toBe(101);
  });

  it('two WebsocketProviders on different nodes converge', async () => {
    const room = roomName('gel-03-jensen', 'plan');
    const a = clients.provider(A, room, await login(A, 'anna'));
    const b = clients.provider(B, room, await login(B, 'anna'));
    await Promise.all([a.synced(), b.synced()]);
    for (let i = 0; i < 20; i++) {
      a.doc.getArray<string>('multi').push([`a-${i}`]);
      b.doc.getArray<string>('multi').push([`b-${i}`]);
    }
    await waitFor(() => a.doc.getArray('multi').length === 40 && b.doc.getArray('multi').length === 40, 5000, 'both to hold all 40');
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
    // A third client on the third node, fresh, gets the same state from its node.
    const c = clients.provider(C, room, await login(C, 'anna'));
    await c.synced();
    await waitFor(() => c.doc.getArray('multi').length === 40, 5000, 'the fresh client on C');
  });

  it('a read-only connection’s update is neither stored nor reaches another node', async () => {
    const room = roomName('gel-02-nielsen', 'social'); // bo (school) reads it by consent; anna writes
    const a = clients.provider(A, room, await login(A, 'anna'));
    const b = clients.provider(B, room, await login(B, 'bo'));
    await Promise.all([a.synced(), b.synced()]);
    const store = await openTestStore(cluster.dataDir);
    try {
      const before = await latestSeq(store, room);
      b.doc.getMap('dropped').set('from', 'bo');
      expect(await barrier(b.ws())).toBe(true);
      // Anna's own edit crosses from A to B after bo's: the link works, and it is ordered behind what bo sent.
      a.doc.getMap('kept').set('from', 'anna');
      await waitFor(() => b.doc.getMap('kept').get('from') === 'anna', 5000, 'anna’s edit at bo');
      const c = clients.provider(C, room, await login(C, 'anna'));
      await c.synced();
      await waitFor(() => c.doc.getMap('kept').get('from') === 'anna', 5000, 'anna’s edit at C');
      expect(a.doc.getMap('dropped').get('from')).toBeUndefined();
      expect(c.doc.getMap('dropped').get('from')).toBeUndefined();
      expect(await latestSeq(store, room)).toBe(before + 1);
    } finally {
      await store.close();
    }
  });

  it('awareness crosses nodes with the originating session’s user, and cannot be spoofed from another node', async () => {
    const room = roomName('gel-02-nielsen', 'plan');
    const a = clients.provider(A, room, await login(A, 'anna'));
    const b = clients.provider(B, room, await login(B, 'bo'));
    await Promise.all([a.synced(), b.synced()]);
    a.provider.awareness.setLocalState({ user: { id: 'u-bo', name: 'Someone else' }, cursor: { anchor: 7 } });
    const annaAtB = () => b.provider.awareness.getStates().get(a.doc.clientID) as { user?: unknown; cursor?: { anchor: number } } | undefined;
    await waitFor(() => annaAtB()?.cursor?.anchor === 7, 5000, 'anna’s state at B');
    expect(annaAtB()).toEqual({ user: ANNA, cursor: { anchor: 7 } });
    // Bo's state reaches A stamped by B.
    b.provider.awareness.setLocalStateField('cursor', { anchor: 2 });
    await waitFor(() => (a.provider.awareness.getStates().get(b.doc.clientID) as { cursor?: unknown } | undefined)?.cursor !== undefined, 5000, 'bo’s state at A');
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toMatchObject({ user: BO });

    // Cecilie, on node C, claims anna's client id (owned by a socket on A): C refuses it, so B never sees it.
    const ws = await clients.raw(C, room, await login(C, 'cecilie'));
    const clock = a.provider.awareness.meta.get(a.doc.clientID)?.clock ?? 0;
    ws.send(awarenessMessage([{ clientId: a.doc.clientID, clock: clock + 50, state: { cursor: { anchor: 999 } } }, { clientId: 616161, clock: 1, state: { cursor: { anchor: 1 } } }]));
    expect(await barrier(ws)).toBe(true);
    await waitFor(() => b.provider.awareness.getStates().has(616161), 5000, 'cecilie’s own state at B');
    expect(b.provider.awareness.getStates().get(616161)).toMatchObject({ user: { id: 'u-cecilie' } });
    await sleep(200);
    expect(annaAtB()).toEqual({ user: ANNA, cursor: { anchor: 7 } });
  });

  it('a plan edited through two nodes gets a summary of all of it, though each node heard only of its own edits', async () => {
    const familyId = 'gel-02-nielsen';
    const room = roomName(familyId, 'plan');
    const a = clients.provider(A, room, await login(A, 'anna'));
    const b = clients.provider(B, room, await login(B, 'bo'));
    await Promise.all([a.synced(), b.synced()]);
    const store = await openTestStore(cluster.dataDir);
    try {
      const before = JSON.parse((await store.planSummary(familyId))?.data ?? '{"actions":{"aaben":0}}').actions.aaben as number;
      addAction(a.doc, { title: 'Møde med skolen', createdAt: new Date().toISOString(), createdBy: 'u-anna', status: 'aaben' });
      // A second later through B: A's turn (quiet for 2 s) comes first, with B's edit in its document.
      await sleep(1000);
      addAction(b.doc, { title: 'Samtale med klasselæreren', createdAt: new Date().toISOString(), createdBy: 'u-bo', status: 'aaben' });
      await waitFor(() => a.doc.getMap('actions').size === b.doc.getMap('actions').size, 5000, 'both edits on both nodes');
      let latest: { seq: number; data: string } | undefined;
      await waitFor(async () => {
        const seq = await latestSeq(store, room);
        latest = await store.planSummary(familyId);
        return latest?.seq === seq;
      }, 15_000, 'a summary at the room’s latest seq');
      expect(JSON.parse(latest!.data).actions.aaben).toBe(before + 2);
    } finally {
      await store.close();
    }
  });

  it('a consent withdrawal recorded through node A closes the socket on node C within 1 s', async () => {
    const familyId = 'gel-01-hansen';
    const plan = roomName(familyId, 'plan');
    const anna = await login(A, 'anna');
    const bo = await login(C, 'bo');
    expect(await upgradeStatus(C, `/sync/${plan}`, { cookie: bo, origin: C })).toBe(403);
    const recorded = await api(A, `/api/families/${familyId}/consents`, {
      cookie: anna,
      body: { givenBy: 'Far', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde med skolen', method: 'paper', reference: 'Journalnr. 1' }
    });
    expect(recorded.status).toBe(201);
    // The grant reached C too: bo may open the plan there now.
    const b = clients.provider(C, plan, bo);
    await b.synced();
    const closed = b.nextClose();
    const started = Date.now();
    const r = await api(A, `/api/families/${familyId}/consents/${recorded.json.id}/revoke`, { cookie: anna, method: 'POST' });
    expect(r.status).toBe(200);
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('failed logins count on every node (shared through Redis), so more nodes do not multiply the limit', async () => {
    const attempt = (url: string) => api(url, '/api/auth/login', { method: 'POST', body: { username: 'frida', password: 'wrong' } });
    // The default limit is 10 per username and address; spread over three nodes each saw at most 4.
    for (let i = 0; i < 10; i++) expect((await attempt([A, B, C][i % 3])).status).toBe(401);
    for (const url of [A, B, C]) expect((await attempt(url)).status).toBe(429);
  });

  it('logout on one node closes the session’s sockets on the others with 4401', async () => {
    const cookie = await login(A, 'anna');
    const other = await login(A, 'anna');
    const onB = await clients.raw(B, roomName('gel-02-nielsen', 'plan'), cookie);
    const onC = await clients.raw(C, roomName('gel-02-nielsen', 'social'), cookie);
    const keep = await clients.raw(C, roomName('gel-02-nielsen', 'plan'), other);
    expect(await barrier(onB)).toBe(true);
    expect(await barrier(onC)).toBe(true);
    const closes = Promise.all([closeCode(onB), closeCode(onC)]);
    const started = Date.now();
    expect((await api(A, '/api/auth/logout', { cookie, method: 'POST' })).status).toBe(204);
    expect(await closes).toEqual([CLOSE_SESSION_ENDED, CLOSE_SESSION_ENDED]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await barrier(keep)).toBe(true); // the same user's other session stays
    expect((await api(B, '/api/me', { cookie })).status).toBe(401);
  });
});
