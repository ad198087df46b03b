// The plan document as reactive, plain data for the screen. Each collection
// is re-read only when a transaction touched it (observeDeep per top-level
// type), so typing in a hope does not re-read 300 actions. Undo and redo are
// scoped to this person's own edits: the UndoManager tracks ORIGIN_LOCAL
// only, so a colleague's changes arriving through the relay are never undone.
// A view can start from a stored copy of its state (a seed, see
// storage/view-snapshot.ts) so the screen paints before the document is
// decoded; as the document loads, each collection read from it replaces the
// seed's, unless it holds the same data (the copy is only used when it shows
// exactly what is stored), so the screen is not rendered a second time.
import * as Y from 'yjs';
import {
  collection,
  meetingNotes,
  metaMap,
  readActions,
  readFeedback,
  readGoals,
  readHopes,
  readMeetings,
  readMembers,
  readMeta,
  readNetwork,
  readTovholderState,
  tovholderLog,
  tovholderMap,
  tovholderProposals,
  type Action,
  type Feedback,
  type Goal,
  type Hope,
  type Meeting,
  type Member,
  type NetworkParty,
  type PlanMeta,
  type TovholderState
} from '../domain/plan.ts';
import type { PlanFacts } from '../domain/invariants.ts';
import { ORIGIN_LOCAL } from '../domain/origins.ts';

/** Everything the screen shows, as plain data (what a view snapshot stores). */
export interface PlanViewState {
  meta: PlanMeta;
  tovholder: TovholderState;
  hopes: Hope[];
  goals: Goal[];
  actions: Action[];
  members: Member[];
  network: NetworkParty[];
  meetings: Meeting[];
  feedback: Feedback[];
}

type Part = keyof PlanViewState;

/** A view's state with the meetings' notes (which their editors read from the document), as a view snapshot stores it. */
export interface PlanSnapshot extends PlanViewState {
  notes: Record<string, string>;
}

const READERS: { [K in Part]: (doc: Y.Doc) => PlanViewState[K] } = {
  meta: readMeta,
  tovholder: readTovholderState,
  hopes: readHopes,
  goals: readGoals,
  actions: readActions,
  members: readMembers,
  network: readNetwork,
  meetings: readMeetings,
  feedback: readFeedback
};
const PARTS = Object.keys(READERS) as Part[];

/** Deep equality of plain data (what the readers return: strings, numbers, booleans, null, arrays, objects). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => sameData(x, bs[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && sameData((a as Record<string, unknown>)[k], bo[k]));
}

export class PlanView {
  meta = $state.raw<PlanMeta>({ name: '', district: '', teamId: '', status: 'aktiv' });
  tovholder = $state.raw<TovholderState>({ current: null, head: null, concurrent: [], history: [] });
  hopes = $state.raw<Hope[]>([]);
  goals = $state.raw<Goal[]>([]);
  actions = $state.raw<Action[]>([]);
  members = $state.raw<Member[]>([]);
  network = $state.raw<NetworkParty[]>([]);
  meetings = $state.raw<Meeting[]>([]);
  feedback = $state.raw<Feedback[]>([]);
  canUndo = $state(false);
  canRedo = $state(false);
  /** showing a stored copy until live() */
  seeded = $state(false);
  /** the view started from a stored copy */
  readonly fromCopy: boolean;
  /** while seeded: the meetings' notes from the copy */
  seedNotes = $state.raw<Record<string, string> | null>(null);

  readonly doc: Y.Doc;
  readonly #undo: Y.UndoManager;
  readonly #off: (() => void)[] = [];
  /** parts read from the document since a seed was shown */
  readonly #read = new Set<Part>();

  constructor(doc: Y.Doc, seed?: PlanSnapshot | null) {
    this.doc = doc;
    type Deep = (events: Y.YEvent<Y.AbstractType<unknown>>[], tr: Y.Transaction) => void;
    const watch = (type: { observeDeep(f: Deep): void; unobserveDeep(f: Deep): void }, read: Deep) => {
      type.observeDeep(read);
      this.#off.push(() => type.unobserveDeep(read));
    };
    watch(metaMap(doc), () => this.#readPart('meta'));
    watch(tovholderLog(doc), () => this.#readPart('tovholder'));
    watch(tovholderMap(doc), () => this.#readPart('tovholder'));
    watch(tovholderProposals(doc), () => this.#readPart('tovholder'));
    watch(collection(doc, 'hopes'), () => this.#readPart('hopes'));
    watch(collection(doc, 'goals'), () => this.#readPart('goals'));
    watch(collection(doc, 'actions'), () => this.#readPart('actions'));
    watch(collection(doc, 'members'), () => this.#readPart('members'));
    watch(collection(doc, 'network'), () => this.#readPart('network'));
    watch(collection(doc, 'feedback'), () => this.#readPart('feedback'));
    watch(collection(doc, 'meetings'), (events) => {
      // Typing in a meeting's notes changes only its Y.Text, which its editor shows itself.
      if (events.every((e) => e.target instanceof Y.Text)) return;
      this.#readPart('meetings');
    });
    this.fromCopy = !!seed;
    if (seed) {
      for (const part of PARTS) (this as PlanViewState)[part] = seed[part] as never;
      this.seedNotes = seed.notes;
      this.seeded = true;
    } else this.#readAll();

    this.#undo = new Y.UndoManager(
      [
        metaMap(doc),
        tovholderLog(doc),
        collection(doc, 'hopes'),
        collection(doc, 'goals'),
        collection(doc, 'actions'),
        collection(doc, 'members'),
        collection(doc, 'network'),
        collection(doc, 'meetings'),
        collection(doc, 'feedback')
      ],
      { trackedOrigins: new Set([ORIGIN_LOCAL]), captureTimeout: 600 }
    );
    const stacks = () => {
      this.canUndo = this.#undo.canUndo();
      this.canRedo = this.#undo.canRedo();
    };
    for (const e of ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const) this.#undo.on(e, stacks);
  }

  #readPart<K extends Part>(part: K) {
    const value = READERS[part](this.doc);
    if (this.seeded && !this.#read.has(part)) {
      this.#read.add(part);
      if (sameData(value, (this as PlanViewState)[part])) return;
    }
    (this as PlanViewState)[part] = value;
  }

  #readAll() {
    for (const part of PARTS) this.#readPart(part);
  }

  /**
   * The document has loaded: whatever its loading did not already re-read
   * is read now, and from here on the screen shows the document only.
   */
  live() {
    if (!this.seeded) return;
    for (const part of PARTS) if (!this.#read.has(part)) this.#readPart(part);
    this.seeded = false;
    this.seedNotes = null;
    this.#read.clear();
  }

  /** What the screen shows, as plain data (a view snapshot); only meaningful once live. */
  snapshot(): PlanSnapshot {
    const notes: Record<string, string> = {};
    for (const m of this.meetings) notes[m.id] = meetingNotes(this.doc, m.id)?.toString() ?? '';
    return {
      notes,
      meta: this.meta,
      tovholder: this.tovholder,
      hopes: this.hopes,
      goals: this.goals,
      actions: this.actions,
      members: this.members,
      network: this.network,
      meetings: this.meetings,
      feedback: this.feedback
    };
  }

  /** What the invariant check needs, from the already-read collections. */
  get facts(): PlanFacts {
    return {
      meta: this.meta,
      tovholder: this.tovholder,
      hopes: this.hopes,
      goals: this.goals,
      actions: this.actions,
      meetings: this.meetings,
      feedback: this.feedback
    };
  }

  undo() {
    this.#undo.undo();
  }

  redo() {
    this.#undo.redo();
  }

  /** Ends the current undo step, so the next edit is undone on its own. */
  stopCapturing() {
    this.#undo.stopCapturing();
  }

  destroy() {
    for (const off of this.#off.splice(0)) off();
    this.#undo.destroy();
  }
}
