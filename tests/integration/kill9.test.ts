// A crashed relay loses nothing (DESIGN §9): the relay runs in a child
// process; three clients send a burst of edits, the relay is killed with
// SIGKILL mid-burst, the clients keep editing their local documents, the relay
// restarts on the same DATA_DIR and port, the providers reconnect on their own,
// and every client — and a fresh one — ends with every edit. Between crash
// and restart the test reads the dead relay's SQLite file: everything the
// relay forwarded to a silent witness before dying must be in it (persistence
// before broadcast), and the burst must be cut (some edits stored, not all).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { Clients, dropTestSchema, kill9, login, openTestStore, sameState, sleep, startRelayProcess, waitFor, type TestClient } from './helpers.ts';

const EDITS = 300; // per client
const KILL_AT = 150;

const dataDir = mkdtempSync(join(tmpdir(), 'fp-kill9-'));
const clients = new Clients();
let child: ChildProcess | null = null;

const startRelay = (port: number) => startRelayProcess(dataDir, port);

afterAll(async () => {
  clients.closeAll();
  if (child) await kill9(child);
  rmSync(dataDir, { recursive: true, force: true });
  await dropTestSchema(dataDir);
});

const tags = (c: TestClient) => new Set(c.doc.getArray<string>('burst').toArray());

describe('kill -9', () => {
  it('every client converges with every edit after the relay is killed mid-burst and restarted', async () => {
    const first = await startRelay(0);
    child = first.proc;
    const url = first.url;
    const port = Number(new URL(url).port);
    const room = roomName('gel-02-nielsen', 'plan'); // the seed's ids are deterministic

    const writers = await Promise.all(
      ['anna', 'bo', 'cecilie'].map(async (user) => ({ user, client: clients.provider(url, room, await login(url, user), { maxBackoffTime: 250 }) }))
    );
    const witness = clients.provider(url, room, await login(url, 'dennis'), { maxBackoffTime: 250 });
    await Promise.all([...writers.map((w) => w.client.synced()), witness.synced()]);

    let killed: Promise<void> | null = null;
    for (let n = 0; n < EDITS; n++) {
      for (const { user, client } of writers) client.doc.getArray<string>('burst').push([`${user}-${n}`]);
      if (n === KILL_AT) {
        // Mid-burst: once part of it has come back through the relay (on a loaded machine the
        // first frames can still be in flight after 150 edits), and while the writers go on.
        await waitFor(() => witness.doc.getArray<string>('burst').length > 0, 5000, 'the witness to see part of the burst');
        killed = kill9(child); // no warning, no flush: SIGKILL
      }
      if (n % 10 === 0) await sleep(2); // let frames go out, so the kill lands mid-stream
    }
    await killed;
    expect(child.signalCode).toBe('SIGKILL');
    // Everyone is offline now and holds only the own edits past the kill.
    await waitFor(() => writers.every((w) => !w.client.provider.wsconnected), 5000, 'clients to notice the crash');

    // What the dead relay left on disk.
    const disk = await openTestStore(dataDir);
    const stored = new Y.Doc();
    for (const u of await disk.loadUpdates(room)) Y.applyUpdate(stored, u.data);
    await disk.close();
    const storedCount = stored.getArray('burst').length;
    expect(storedCount).toBeGreaterThan(0);
    expect(storedCount).toBeLessThan(writers.length * EDITS);
    const storedSv = Y.decodeStateVector(Y.encodeStateVector(stored));
    const forwarded = [...Y.decodeStateVector(Y.encodeStateVector(witness.doc))].filter(([client, clock]) => (storedSv.get(client) ?? 0) < clock);
    expect(forwarded).toEqual([]); // nothing was forwarded that is not on disk
    expect(witness.doc.getArray('burst').length).toBeGreaterThan(0);

    child = (await startRelay(port)).proc; // same DATA_DIR, same port: the providers reconnect by themselves

    const all = new Set(writers.flatMap(({ user }) => Array.from({ length: EDITS }, (_, n) => `${user}-${n}`)));
    await waitFor(
      () => writers.every((w) => tags(w.client).size === all.size) && sameState(writers[0].client.doc, writers[1].client.doc) && sameState(writers[1].client.doc, writers[2].client.doc),
      20_000,
      'all clients to converge after the restart'
    );
    for (const { client } of writers) {
      expect(tags(client)).toEqual(all);
      expect(client.doc.getArray('burst').length).toBe(all.size); // nothing doubled
    }
    const order = writers[0].client.doc.getArray<string>('burst').toArray();
    for (const { client } of writers) expect(client.doc.getArray<string>('burst').toArray()).toEqual(order);

    // The relay itself holds everything: a device with an empty document gets it all.
    await waitFor(() => tags(witness).size === all.size, 5000, 'the witness to catch up');
    const fresh = clients.provider(url, room, await login(url, 'dennis'));
    await fresh.synced();
    await waitFor(() => tags(fresh).size === all.size, 5000, 'a fresh client to receive every edit');
    expect(fresh.doc.getArray<string>('burst').toArray()).toEqual(order);
    expect(fresh.doc.getMap('meta').get('name')).toBe('Familien Nielsen');
  }, 45_000);
});
