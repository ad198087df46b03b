// The start page's writes into a family's plan (issue #16: tick off or
// reassign an action in place). Loaded on the first click only: the desk
// paints from the index without Yjs. The plan room is opened as the plan page
// opens it (its local copy first, then the relay), the change is written
// through the domain writer (validated, ORIGIN_LOCAL, so the plan's history
// names this worker), and the room is closed once the relay holds the change
// — or at once offline: the change waits in the sealed local copy and is sent
// at the next sync, as any offline edit is. Closing re-indexes the family, so
// the start page shows the change.
import { updateItem, readItem } from '../domain/plan.ts';
import { roomName } from '../shared/rooms.ts';
import { session } from '../sync/session.svelte.ts';
import { planDecision } from '../sync/plan-opening.ts';
import { sync } from '../sync/sync-manager.svelte.ts';

const SETTLE_MS = 5000;

const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

export class DeskWriteError extends Error {}

/** Changes one action of a family's plan; resolves once written (and, online, saved by the relay or timed out). */
export async function changeAction(familyId: string, actionId: string, fields: { status?: string; ownerId?: string; ownerName?: string }): Promise<void> {
  const me = session.me;
  if (!me) throw new DeskWriteError('not signed in');
  if ((await planDecision(familyId, me)) === 'denied') throw new DeskWriteError('no access');
  const live = sync.openRoom(roomName(familyId, 'plan'));
  try {
    await live.idb.whenSynced;
    // A plan this device has not stored yet comes from the relay first.
    if (!readItem(live.doc, 'actions', actionId) && sync.online) {
      await within(new Promise<void>((resolve) => {
        const check = () => {
          if (readItem(live.doc, 'actions', actionId) || live.closed) {
            live.doc.off('update', check);
            resolve();
          }
        };
        live.doc.on('update', check);
        check();
      }), SETTLE_MS);
    }
    if (live.closed) throw new DeskWriteError('access ended');
    if (!updateItem(live.doc, 'actions', actionId, fields)) throw new DeskWriteError('action not found');
    if (sync.online) await within(live.whenSettled(), SETTLE_MS);
  } finally {
    sync.closeRoom(live);
  }
}
