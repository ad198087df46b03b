// Logout with edits the server does not have yet (issue 21, DESIGN §13): the
// rooms of families with unsynced edits and the outboxes stay, everything
// else goes; on a shared tablet another user's logout leaves them.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { purgeAgain, purgeAll, purgeAllButUnsynced } from '../../../src/lib/storage/purge.ts';
import { openRoomDb } from '../../../src/lib/storage/sealed-persistence.ts';
import { openDb, type LocalDb } from '../../../src/lib/storage/db.ts';
import { roomName } from '../../../src/lib/shared/rooms.ts';

// localStorage as a browser has it (Node has none by default).
class MemoryStorage {
  #m = new Map<string, string>();
  getItem = (k: string) => this.#m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.#m.set(k, String(v));
  removeItem = (k: string) => void this.#m.delete(k);
  clear = () => this.#m.clear();
}
beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
});

const names = async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort();

async function holdRoom(db: LocalDb, familyId: string, part: 'plan' | 'social', pendingEdits: number) {
  const room = roomName(familyId, part);
  (await openRoomDb(room)).close();
  await db.rooms.put({ room, familyId, part, access: 'write', syncedSeq: 1, lastSynced: '2026-06-14T10:00:00.000Z', pendingEdits });
}

async function clean() {
  for (const n of await names()) {
    await new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase(n);
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  }
}

describe('purgeAllButUnsynced', () => {
  beforeEach(clean);

  it('keeps every room of a family with unsynced edits and the outboxes; the rest and the index go', async () => {
    const db = openDb('u-keep');
    await holdRoom(db, 'fam-edited', 'plan', 2);
    await holdRoom(db, 'fam-edited', 'social', 0);
    await holdRoom(db, 'fam-synced', 'plan', 0);
    await db.accessOutbox.add({ at: '2026-06-15T10:00:00.000Z', room: 'f-fam-edited.plan', action: 'open-offline' });
    await db.families.put({ id: 'fam-synced', bundle: 'b1' } as never);
    const kept = await purgeAllButUnsynced(db, 'u-keep');
    expect(kept).toBe(3); // two rooms and one offline opening
    expect(await names()).toEqual(['f-fam-edited.plan', 'f-fam-edited.social', 'fp-index-u-keep']);
    const again = openDb('u-keep');
    expect((await again.rooms.toArray()).map((r) => r.room).sort()).toEqual(['f-fam-edited.plan', 'f-fam-edited.social']);
    expect(await again.families.count()).toBe(0);
    expect(await again.accessOutbox.count()).toBe(1);
    again.close();
  });

  it('with nothing unsent it removes everything, like purgeAll', async () => {
    const db = openDb('u-nothing');
    await holdRoom(db, 'fam-synced', 'plan', 0);
    expect(await purgeAllButUnsynced(db, 'u-nothing')).toBe(0);
    expect(await names()).toEqual([]);
  });

  it('another user’s logout on the same tablet leaves the kept rooms; the owner’s own purge takes them', async () => {
    const anna = openDb('u-anna');
    await holdRoom(anna, 'fam-shared', 'plan', 1);
    expect(await purgeAllButUnsynced(anna, 'u-anna')).toBe(1);
    const bo = openDb('u-bo');
    await holdRoom(bo, 'fam-other', 'plan', 0);
    await purgeAll(bo, 'u-bo');
    expect(await names()).toEqual(['f-fam-shared.plan', 'fp-index-u-anna']);
    // anna signs in again, her edits are sent; her next plain logout removes it all.
    await purgeAll(openDb('u-anna'), 'u-anna');
    expect(await names()).toEqual([]);
    expect(localStorage.getItem('fp-kept-rooms')).toBeNull();
  });
});

describe('purgeAgain (a pending logout, at start-up)', () => {
  beforeEach(clean);

  it('after a finished purge creates nothing: no empty index is left behind', async () => {
    await purgeAll(openDb('u-gone'), 'u-gone');
    expect(await names()).toEqual([]);
    // Not even for a moment: a tab closed in between would keep it.
    const opened: string[] = [];
    const open = indexedDB.open.bind(indexedDB);
    indexedDB.open = (name: string, version?: number) => (opened.push(name), open(name, version));
    try {
      expect(await purgeAgain('u-gone', false)).toBe(0);
      expect(await purgeAgain('u-gone', true)).toBe(0);
    } finally {
      indexedDB.open = open;
    }
    expect(opened).toEqual([]);
    expect(await names()).toEqual([]);
  });

  it('removes a room left behind without opening the index', async () => {
    (await openRoomDb(roomName('fam-left', 'plan'))).close();
    expect(await purgeAgain('u-left', false)).toBe(0);
    expect(await names()).toEqual([]);
  });

  it('where the index is still there, does the purge again: what a keeping logout kept stays', async () => {
    const db = openDb('u-again');
    await holdRoom(db, 'fam-edited', 'plan', 1);
    await holdRoom(db, 'fam-synced', 'plan', 0);
    db.close();
    expect(await purgeAgain('u-again', true)).toBe(1);
    expect(await names()).toEqual(['f-fam-edited.plan', 'fp-index-u-again']);
    expect(await purgeAgain('u-again', false)).toBe(0);
    expect(await names()).toEqual([]);
  });
});
