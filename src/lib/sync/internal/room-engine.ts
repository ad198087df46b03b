// What the sync managers need of Yjs, y-websocket and the sealed room store, in one
// module the sync facade loads on demand: the login page never needs it, and
// a worker's pages get it after their first paint. Tests pass their own.
import * as Y from 'yjs';
import { SealedPersistence } from '../../storage/sealed-persistence.ts';
import { roomName } from '../../shared/rooms.ts';
import { familyRows, indexStamp, reindexFamily } from '../../storage/indexer.ts';
import { LiveRoom } from '../live-room.svelte.ts';

/** A family's plan as stored on this device, for indexing without opening a socket. */
async function openStoredPlan(familyId: string): Promise<{ doc: Y.Doc; close(): Promise<void> }> {
  const doc = new Y.Doc();
  const idb = new SealedPersistence(roomName(familyId, 'plan'), doc);
  await idb.whenSynced;
  return {
    doc,
    close: async () => {
      await idb.destroy();
      doc.destroy();
    }
  };
}

export const roomEngine = {
  LiveRoom,
  openStoredPlan,
  familyRows,
  indexStamp,
  reindexFamily
};

export type RoomEngine = typeof roomEngine;
