// Two real WebsocketProviders (anna, social; bo, school) on a plan both may
// write converge on concurrent edits, and the relay's store holds the result.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { docFromUpdates, sameState, TestServer, waitFor } from './helpers.ts';
import { withWriters } from './fixtures-writers.ts';
import { mulberry32 } from '../../src/lib/shared/prng.ts';

let server: TestServer;
let anna: string;
let bo: string;
let cecilie: string;

withWriters({ users: ['anna', 'bo', 'cecilie'] }, (w) => ({ server, cookies: [anna, bo, cecilie] } = w));


/** One random edit on shared types that the plan does not use, so seeded content stays intact. */
function randomEdit(doc: Y.Doc, random: () => number, who: string, n: number) {
  const text = doc.getText('test-text');
  const map = doc.getMap('test-map');
  const list = doc.getArray<string>('test-list');
  const r = random();
  if (r < 0.4) text.insert(Math.floor(random() * (text.length + 1)), `${who}${n} `);
  else if (r < 0.55 && text.length > 2) text.delete(Math.floor(random() * (text.length - 1)), 1);
  else if (r < 0.8) map.set(`k${Math.floor(random() * 8)}`, `${who}${n}`);
  else list.insert(Math.floor(random() * (list.length + 1)), [`${who}${n}`]);
}

describe('convergence', () => {
  it('anna and bo converge on concurrent edits of a plan both may write', async () => {
    const familyId = server.family('gel-02'); // opened by social; consent plan → school, health, employment
    const room = roomName(familyId, 'plan');
    const a = server.provider(room, anna);
    const b = server.provider(room, bo);
    await Promise.all([a.synced(), b.synced()]);
    expect(a.doc.getMap('meta').get('name')).toBeTruthy(); // the seeded plan arrived
    expect(sameState(a.doc, b.doc)).toBe(true);

    // Interleaved, concurrent edits: neither waits for the other's to arrive.
    const random = mulberry32(7);
    for (let n = 0; n < 200; n++) {
      const [doc, who] = random() < 0.5 ? [a.doc, 'a'] : [b.doc, 'b'];
      randomEdit(doc, random, who, n);
      if (n % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    // Edits at the very same position from both sides.
    a.doc.getText('test-text').insert(0, 'ANNA');
    b.doc.getText('test-text').insert(0, 'BO');
    a.doc.getMap('test-map').set('same', 'anna');
    b.doc.getMap('test-map').set('same', 'bo');

    await waitFor(
      () => sameState(a.doc, b.doc) && a.doc.getText('test-text').toString() === b.doc.getText('test-text').toString(),
      5000,
      'the two documents to converge'
    );
    expect(a.doc.getText('test-text').toString()).toContain('ANNA');
    expect(a.doc.getText('test-text').toString()).toContain('BO');
    expect(a.doc.getMap('test-map').toJSON()).toEqual(b.doc.getMap('test-map').toJSON());
    expect(a.doc.getArray('test-list').toJSON()).toEqual(b.doc.getArray('test-list').toJSON());
    expect(a.doc.getMap('test-map').get('same')).toBe(b.doc.getMap('test-map').get('same'));

    // The relay persisted every edit: its store alone rebuilds the same document.
    const stored = docFromUpdates((await server.app.store.loadUpdates(room)));
    expect(sameState(stored, a.doc)).toBe(true);
    expect(stored.getText('test-text').toString()).toBe(a.doc.getText('test-text').toString());

    // A third worker who joins later gets the same state from the relay.
    const c = server.provider(room, cecilie);
    await c.synced();
    await waitFor(() => sameState(c.doc, a.doc), 5000, 'the late joiner to catch up');
    expect(c.doc.getText('test-text').toString()).toBe(a.doc.getText('test-text').toString());
  });

  it('edits made while one side is offline merge on reconnect', async () => {
    const room = roomName(server.family('gel-02'), 'plan');
    const a = server.provider(room, anna);
    const b = server.provider(room, bo, { maxBackoffTime: 200 });
    await Promise.all([a.synced(), b.synced()]);
    b.provider.disconnect();
    for (let n = 0; n < 50; n++) {
      a.doc.getArray<string>('offline-list').push([`a${n}`]);
      b.doc.getArray<string>('offline-list').push([`b${n}`]);
    }
    b.provider.connect();
    await waitFor(() => sameState(a.doc, b.doc), 5000, 'convergence after reconnect');
    const list = a.doc.getArray<string>('offline-list').toJSON();
    expect(list).toHaveLength(100);
    expect(b.doc.getArray<string>('offline-list').toJSON()).toEqual(list);
  });
});
