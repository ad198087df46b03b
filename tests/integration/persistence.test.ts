// Edits survive the app: close it (which compacts loaded rooms) and create a
// new one on the same DATA_DIR; a fresh client gets every edit, sessions
// survive, and the demo seed is not applied twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { barrier, docFromUpdates, sameState, TestServer, updateCount, waitFor } from './helpers.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fp-persist-'));
let server: TestServer | null = null;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('persistence', () => {
  it('keeps every edit across closing and re-creating the app', async () => {
    server = await TestServer.start({ dataDir });
    const anna = await server.login('anna');
    const id = server.family('gel-02');
    const plan = roomName(id, 'plan');
    const social = roomName(id, 'social');
    const families = (await server.app.store.familyCount());

    const p = server.provider(plan, anna);
    const s = server.provider(social, anna);
    await Promise.all([p.synced(), s.synced()]);
    // More single edits than the compaction threshold (500), so the log is compacted on the way.
    const list = p.doc.getArray<number>('persist-list');
    for (let n = 0; n < 620; n++) {
      list.push([n]);
      if (n % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    p.doc.getText('persist-text').insert(0, 'Familien ønsker ro omkring sengetid.');
    s.doc.getMap('persist-map').set('note', 'Journalnotat efter hjemmebesøg');
    expect(await barrier(p.ws())).toBe(true);
    expect(await barrier(s.ws())).toBe(true);
    // Compacted while running (compaction runs beside the relay's commits, after the threshold's).
    const running = server;
    await waitFor(async () => (await updateCount(running.app.store, plan)) < 200, 5000, 'compaction');

    const want = { plan: Y.encodeStateVector(p.doc), social: Y.encodeStateVector(s.doc) };
    await server.stop({ keepData: true });
    server = null;

    server = await TestServer.start({ dataDir });
    expect((await server.app.store.familyCount())).toBe(families); // not seeded twice
    // Both the plan and the journal rebuild from the store alone...
    const storedPlan = docFromUpdates((await server.app.store.loadUpdates(plan)));
    expect(Buffer.from(Y.encodeStateVector(storedPlan))).toEqual(Buffer.from(want.plan));
    expect(storedPlan.getArray('persist-list').toJSON()).toEqual(Array.from({ length: 620 }, (_, n) => n));

    // ...and the session made before the restart still opens them.
    const p2 = server.provider(plan, anna);
    const s2 = server.provider(social, anna);
    await Promise.all([p2.synced(), s2.synced()]);
    expect(sameState(p2.doc, storedPlan)).toBe(true);
    expect(p2.doc.getArray('persist-list').length).toBe(620);
    expect(p2.doc.getText('persist-text').toString()).toBe('Familien ønsker ro omkring sengetid.');
    expect(p2.doc.getMap('meta').get('name')).toBeTruthy(); // the seeded plan is still there
    expect(Buffer.from(Y.encodeStateVector(s2.doc))).toEqual(Buffer.from(want.social));
    expect(s2.doc.getMap('persist-map').get('note')).toBe('Journalnotat efter hjemmebesøg');
    expect(s2.doc.getMap('entries').size).toBeGreaterThan(0);
  });
});
