// The stored copy of a plan's view (src/lib/storage/view-snapshot.ts), beside a
// real sealed room persistence in fake-indexeddb: used only while it shows
// exactly what the stored document holds; never creates a database.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SealedPersistence } from '../../src/lib/storage/sealed-persistence.ts';
import { addHope, readHopes } from '../../src/lib/domain/plan.ts';
import { readViewSnapshot, writeViewSnapshot } from '../../src/lib/storage/view-snapshot.ts';

let n = 0;
const freshRoom = () => `f-snapshot-${++n}.plan`;

/** Opens the room's stored copy into a new Y.Doc, as a screen or a background sync does. */
async function open(room: string) {
  const doc = new Y.Doc();
  const idb = new SealedPersistence(room, doc);
  await idb.whenSynced;
  return { doc, idb, close: () => idb.destroy().then(() => doc.destroy()) };
}

/** The provider seals and stores an update in its own transaction, shortly after the change. */
const stored = () => new Promise((r) => setTimeout(r, 20));

const databases = async () => (await indexedDB.databases()).map((d) => d.name);

describe('view snapshot', () => {
  it('is read back while the document has not changed, also after more openings', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'At vi har det godt', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await stored();
    const state = { hopes: readHopes(a.doc) };
    await writeViewSnapshot(room, state);
    expect(await readViewSnapshot(room)).toEqual(state);
    await a.close();
    // Each opening stores one empty update; the copy still shows exactly what is stored.
    for (let i = 0; i < 3; i++) await (await open(room)).close();
    expect(await readViewSnapshot(room)).toEqual(state);
  });

  it('is not used once a real change has been stored after it (a background sync, another tab)', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'Første håb', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await stored();
    await writeViewSnapshot(room, { hopes: readHopes(a.doc) });
    await a.close();
    const b = await open(room);
    addHope(b.doc, { text: 'Et håb fra en anden enhed', saidBy: 'barnet', createdAt: '2026-01-02T10:00:00Z' });
    await stored();
    expect(await readViewSnapshot(room)).toBeNull();
    // Written again from the document that holds the change, it is good again.
    const state = { hopes: readHopes(b.doc) };
    await writeViewSnapshot(room, state);
    expect(await readViewSnapshot(room)).toEqual(state);
    await b.close();
  });

  it('neither reads nor writes a room the device does not hold, and creates no database for it', async () => {
    const room = freshRoom();
    expect(await readViewSnapshot(room)).toBeNull();
    await writeViewSnapshot(room, { hopes: [] });
    expect(await readViewSnapshot(room)).toBeNull();
    expect(await databases()).not.toContain(room);
  });

  it('ignores a copy in another format', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'Håb', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await stored();
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(room);
      req.onsuccess = () => {
        const tx = req.result.transaction('custom', 'readwrite');
        tx.objectStore('custom').put({ v: 0, key: 99, state: {} }, 'fp-view');
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
      req.onerror = () => reject(req.error);
    });
    expect(await readViewSnapshot(room)).toBeNull();
    await a.close();
  });
});
