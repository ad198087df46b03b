// Opening a family's plan for the screen (the room-opening lifecycle): the
// access decision and the stored copy of the view are read first (started by
// the navigation with the family's index row, plan-opening.ts); a plan the user may not open
// gets no socket — the relay would refuse it, and every retry is a refused
// opening in the family's log. Otherwise the view is built at once (from the
// stored copy when there is one, so a large plan paints before its document is
// decoded) and the room opens after that copy has been painted.
import type { RoomDecision } from '../sync/room-access.ts';

/** What the screen builds before the room opens: its view, over a document of its own. */
export interface Closable {
  doc: { destroy(): void };
  destroy(): void;
}

/** The reads the first frame needs: the access decision and the stored copy (and whatever else the screen shows with them). */
export interface FirstReads {
  decision: RoomDecision;
  copy: unknown;
}

export interface PlanRoomSeams<V, R> {
  reads: Promise<FirstReads>;
  /** the reads when they are already in (read since the link was pressed): the view is built at once */
  settled?: FirstReads | null;
  /** the view over a fresh document, seeded with the copy when there is one */
  newView: (copy: unknown) => V & Closable;
  openRoom: (view: V) => R;
  closeRoom: (room: R) => void;
  /** the index does not list the room yet (just created, consent just arrived): bring it up to date */
  sweep: () => void;
  /** runs after the next frame; returns a cancel */
  afterNextFrame: (run: () => void) => () => void;
}

export interface PlanRoomEvents<V, R> {
  denied(): void;
  view(view: V): void;
  room(room: R): void;
}

/** Starts opening; the returned function undoes whatever happened so far (the screen left, or showed another family). */
export function openPlanRoom<V, R>(s: PlanRoomSeams<V, R>, on: PlanRoomEvents<V, R>): () => void {
  let cancelled = false;
  let view: (V & Closable) | null = null;
  let room: R | null = null;
  let cancelOpen: (() => void) | null = null;
  const begin = ({ decision, copy }: FirstReads) => {
    if (cancelled) return;
    if (decision === 'denied') {
      on.denied();
      return;
    }
    if (decision === 'listed') s.sweep();
    const v = s.newView(copy);
    view = v;
    on.view(v);
    const open = () => {
      cancelOpen = null;
      room = s.openRoom(v);
      on.room(room);
    };
    // With a stored copy on screen, the room (and the decoding of its document) waits until that copy has been painted.
    if (copy) cancelOpen = s.afterNextFrame(open);
    else open();
  };
  // Already in: in the caller's render (one render and one layout for the first frame, not the page's frame and then the plan).
  if (s.settled) begin(s.settled);
  else void s.reads.then(begin);
  return () => {
    cancelled = true;
    if (!view) return;
    cancelOpen?.();
    view.destroy();
    // The room owns the document once open (it indexes it as it closes); before that the screen does.
    if (room) s.closeRoom(room);
    else view.doc.destroy();
  };
}
