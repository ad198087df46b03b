// A room's document stored sealed (src/lib/storage/sealed-persistence.ts):
// nothing readable in IndexedDB, the document back on the next opening,
// records merged beyond COMPACT_AFTER with the view copy's mark moved along,
// y-indexeddb's plain records from before rewritten sealed, and nothing
// readable without the data key.
import 'fake-indexeddb/auto';
import './support/device-key.ts';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { addHope, collection, readHopes } from '../../src/lib/domain/plan.ts';
import { COMPACT_AFTER, SealedPersistence } from '../../src/lib/storage/sealed-persistence.ts';
import { readViewSnapshot, writeViewSnapshot } from '../../src/lib/storage/view-snapshot.ts';
import { unseal } from '../../src/lib/storage/device-key.ts';

let n = 0;
const freshRoom = () => `f-sealed-${++n}.plan`;

async function open(room: string) {
  const doc = new Y.Doc();
  const p = new SealedPersistence(room, doc);
  await p.whenSynced;
  return { doc, p, close: () => p.destroy().then(() => doc.destroy()) };
}

/** Every value of the room's database, as stored. */
function raw(room: string): Promise<{ updates: unknown[]; custom: unknown[] }> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(room);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['updates', 'custom'], 'readonly');
      const u = tx.objectStore('updates').getAll();
      const c = tx.objectStore('custom').getAll();
      tx.oncomplete = () => {
        req.result.close();
        resolve({ updates: u.result, custom: c.result });
      };
    };
  });
}

const text = (x: unknown): string => Buffer.from(JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))).toString();

describe('sealed room persistence', () => {
  it('loads what the device held without an update event, and keeps every listener for the edits after', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'Egen have', saidBy: 'far', createdAt: '2026-01-01T10:00:00Z' });
    await a.p.settled();
    await a.close();

    const doc = new Y.Doc();
    const updates: unknown[] = [];
    const deep: number[] = [];
    doc.on('update', (_u: Uint8Array, origin: unknown) => updates.push(origin));
    collection(doc, 'hopes').observeDeep((events) => deep.push(events.length));
    const p = new SealedPersistence(room, doc);
    await p.whenSynced;
    // Loaded, seen by observers, but not encoded for the update listeners.
    expect(readHopes(doc).map((h) => h.text)).toEqual(['Egen have']);
    expect(updates).toEqual([]);
    expect(deep.length).toBeGreaterThan(0);
    // A local edit afterwards reaches the earlier listener and is stored.
    addHope(doc, { text: 'Ferie ved vandet', saidBy: 'mor', createdAt: '2026-01-02T10:00:00Z' });
    expect(updates).toHaveLength(1);
    await p.settled();
    await p.destroy();
    doc.destroy();
    const b = await open(room);
    expect(readHopes(b.doc).map((h) => h.text).sort()).toEqual(['Egen have', 'Ferie ved vandet']);
    await b.close();
  });

  it('stores nothing readable and gives the document back', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'Kolonihave ved søen', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await a.p.settled();
    await writeViewSnapshot(room, { hopes: readHopes(a.doc) });
    await a.close();
    const stored = await raw(room);
    expect(stored.updates.length).toBeGreaterThan(0);
    expect(text(stored)).not.toMatch(/Kolonihave|mor/);
    const b = await open(room);
    expect(readHopes(b.doc).map((h) => h.text)).toEqual(['Kolonihave ved søen']);
    expect(await readViewSnapshot<{ hopes: { text: string }[] }>(room)).toMatchObject({ hopes: [{ text: 'Kolonihave ved søen' }] });
    await b.close();
  });

  it('a sealed record opens only in its own room (the room is bound in)', async () => {
    const room = freshRoom();
    const a = await open(room);
    addHope(a.doc, { text: 'x', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await a.close();
    const [record] = (await raw(room)).updates as { s: Uint8Array }[];
    await expect(unseal(record.s, `fp-room:${room}`)).resolves.toBeInstanceOf(Uint8Array);
    await expect(unseal(record.s, 'fp-room:f-other.plan')).rejects.toThrow();
  });

  it('merges records beyond COMPACT_AFTER into one, and the view copy stays usable', async () => {
    const room = freshRoom();
    const a = await open(room);
    for (let i = 0; i < COMPACT_AFTER + 20; i++) addHope(a.doc, { text: `Håb ${i}`, saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await a.p.settled();
    const state = { hopes: readHopes(a.doc) };
    await writeViewSnapshot(room, state);
    await a.p.compact();
    expect((await raw(room)).updates).toHaveLength(1);
    expect(await readViewSnapshot(room)).toEqual(state);
    await a.close();
    const b = await open(room);
    expect(readHopes(b.doc)).toHaveLength(COMPACT_AFTER + 20);
    await b.close();
  });

  it('rewrites a database y-indexeddb wrote before (plain updates) sealed at its first opening', async () => {
    const room = freshRoom();
    const doc = new Y.Doc();
    const old = new IndexeddbPersistence(room, doc);
    await old.whenSynced;
    addHope(doc, { text: 'Gammelt klartekst-håb', saidBy: 'far', createdAt: '2026-01-01T10:00:00Z' });
    await new Promise((r) => setTimeout(r, 50));
    await old.destroy();
    expect(text(await raw(room))).toContain('klartekst');
    const a = await open(room);
    await a.p.settled();
    expect(readHopes(a.doc).map((h) => h.text)).toEqual(['Gammelt klartekst-håb']);
    expect(text(await raw(room))).not.toContain('klartekst');
    await a.close();
  });

  it('a purge deletes the database of a room still open at once, and nothing writes it again', async () => {
    const room = freshRoom();
    const doc = new Y.Doc();
    const errors: unknown[] = [];
    const p = new SealedPersistence(room, doc, { onError: (err) => errors.push(err) });
    await p.whenSynced;
    addHope(doc, { text: 'Før sletningen', saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
    await p.settled();
    // An edit handed over just before the deletion, still being sealed when it arrives.
    addHope(doc, { text: 'Under sletningen', saidBy: 'mor', createdAt: '2026-01-01T10:01:00Z' });
    const outcome = await new Promise<string>((resolve) => {
      const req = indexedDB.deleteDatabase(room);
      req.onsuccess = () => resolve('deleted');
      req.onerror = () => resolve('error');
      req.onblocked = () => resolve('blocked');
    });
    expect(outcome).toBe('deleted');
    addHope(doc, { text: 'Efter sletningen', saidBy: 'mor', createdAt: '2026-01-01T10:02:00Z' });
    await p.settled();
    await p.destroy();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(room);
    expect(errors).toEqual([]);
    doc.destroy();
  });
});
