// Opening a family's plan starts with the reads that decide what the screen
// shows first: whether this user may open the room at all (room-access.ts),
// the stored copy of the plan's view (view-snapshot.ts) and the family's row
// in the local index (team, parts, workers). The route's load
// starts them as the navigation begins, so they run while the previous page
// is taken down; the page picks them up (or starts them itself, e.g. on a
// full page load, before the session is known).
import type { Me } from '../shared/api-types.ts';
import { roomName } from '../shared/rooms.ts';
import type { FamilyRow } from '../storage/db.ts';
import { getFamily } from '../storage/sealed-rows.ts';
import { readViewSnapshot } from '../storage/view-snapshot.ts';
import { decideRoom, type RoomDecision } from './room-access.ts';
import { session } from './session.svelte.ts';
import { sync } from './sync-manager.svelte.ts';

/** What an opening reads before the plan is shown. */
export interface OpeningReads<T> {
  decision: RoomDecision;
  /** the stored copy of the view, null when there is none that is usable */
  copy: T | null;
  /** the family's row in the local index, null when it lists none */
  family: FamilyRow | null;
}

export interface PlanOpening<T> {
  room: string;
  reads: Promise<OpeningReads<T>>;
  /** the reads, once they are in: a page mounted after that shows the plan in the render that mounts it */
  settled: OpeningReads<T> | null;
  /** the local index's version when `family` was read (a later version is read again) */
  indexVersion: number;
}

/** Reads started by a navigation are picked up only this soon after. */
const FRESH_MS = 2000;

let prepared: { key: string; at: number; opening: PlanOpening<unknown> } | null = null;

/**
 * Whether `me` may see this family's plan on this device. Every screen that
 * shows the plan's content (the plan, its print, consents, the access log)
 * asks this first and shows the same "not found" message when denied.
 */
export function planDecision(familyId: string, me: Me): Promise<RoomDecision> {
  sync.start(me); // idempotent; the layout's effect may not have run yet
  // The screen opens the room next (sync.openRoom): the room code is loaded meanwhile.
  return Promise.all([decideRoom(sync.db, roomName(familyId, 'plan')), sync.loadEngine()]).then(([decision]) => decision);
}

function start<T>(familyId: string, me: Me): PlanOpening<T> {
  const room = roomName(familyId, 'plan');
  const decision = planDecision(familyId, me); // starts the sync manager: its index is open from here
  const db = sync.db;
  const reads = Promise.all([
    decision,
    readViewSnapshot<T>(room).catch((err: unknown) => {
      console.warn(`${room}: no view snapshot`, err);
      return null;
    }),
    db ? getFamily(db, familyId).then((row) => row ?? null, () => null) : null
  ]).then(([decision, copy, family]) => ({ decision, copy, family }));
  const opening: PlanOpening<T> = { room, reads, settled: null, indexVersion: sync.indexVersion };
  void reads.then(
    (r) => (opening.settled = r),
    () => undefined // the page, which awaits the same reads, reports it
  );
  return opening;
}

/** Starts the reads for a plan about to be shown (nothing before the session is known; reads already under way are kept). */
export function prepareOpening(familyId: string) {
  const me = session.me;
  if (!me || !familyId) return;
  const key = `${me.id}/${familyId}`;
  if (prepared && prepared.key === key && Date.now() - prepared.at < FRESH_MS) return;
  const at = Date.now();
  prepared = { key, at, opening: start(familyId, me) };
  // Not picked up (a touch that became a scroll): the plan's decrypted copy is not kept.
  setTimeout(() => {
    if (prepared?.at === at && prepared.key === key) prepared = null;
  }, FRESH_MS);
}

/** The reads for showing `familyId` to `me`: those a navigation started, or new ones. */
export function planOpening<T>(familyId: string, me: Me): PlanOpening<T> {
  const p = prepared;
  prepared = null;
  if (p && p.key === `${me.id}/${familyId}` && Date.now() - p.at < FRESH_MS) return p.opening as PlanOpening<T>;
  return start<T>(familyId, me);
}
