// The stored copy of a plan's view (src/lib/storage/view-snapshot.ts), beside a
// real sealed room persistence in fake-indexeddb: used only while it shows
// exactly what the stored document holds; never creates a database.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { SealedPersistence } from '../../src/lib/storage/sealed-persistence.ts';
import { addHope, readHopes } from '../../src/lib/domain/plan.ts';
import { readViewSnapshot, writeViewSnapshot } from '../../src/lib/storage/view-snapshot.ts';
import { forgetKeptValues } from '../../src/lib/storage/device-key.ts';

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

afterEach(() => {
  vi.restoreAllMocks();
  forgetKeptValues();
});

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
  it('opens the copy read last only once: back to the same plan it is not decrypted again; another plan, a new copy or a purge opens it anew', async () => {
    const room = freshRoom();
    const other = freshRoom();
    const a = await open(room);
    const b = await open(other);
    addHope(a.doc, { text: 'Et hjem med ro', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    addHope(b.doc, { text: 'En ven i klassen', saidBy: 'barnet', createdAt: '2026-01-01T10:00:00Z' });
    await stored();
    await writeViewSnapshot(room, { hopes: readHopes(a.doc) });
    await writeViewSnapshot(other, { hopes: readHopes(b.doc) });
    const decrypts = vi.spyOn(crypto.subtle, 'decrypt');
    const first = await readViewSnapshot(room);
    expect(await readViewSnapshot(room)).toBe(first);
    expect(decrypts).toHaveBeenCalledTimes(1);
    // One plan's copy is kept, not every plan's: the other plan's opening takes its place.
    await readViewSnapshot(other);
    await readViewSnapshot(room);
    expect(decrypts).toHaveBeenCalledTimes(3);
    // A copy written again (a new IV) is opened again, and read from what is stored, not from memory.
    addHope(a.doc, { text: 'Arbejde til far', saidBy: 'far', createdAt: '2026-01-02T10:00:00Z' });
    await stored();
    const state = { hopes: readHopes(a.doc) };
    await writeViewSnapshot(room, state);
    expect(await readViewSnapshot(room)).toEqual(state);
    expect(decrypts).toHaveBeenCalledTimes(4);
    // A purge (family rows deleted, the user's data removed) forgets it.
    forgetKeptValues();
    expect(await readViewSnapshot(room)).toEqual(state);
    expect(decrypts).toHaveBeenCalledTimes(5);
    await a.close();
    await b.close();
  });
});
