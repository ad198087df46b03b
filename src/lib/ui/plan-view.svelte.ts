// The plan document as reactive, plain data for the screen. Each collection
// is re-read only when a transaction touched it (observeDeep per top-level
// type), so typing in a hope does not re-read 300 actions. Undo and redo are
// scoped to this person's own edits: the UndoManager tracks ORIGIN_LOCAL
// only, so a colleague's changes arriving through the relay are never undone.
import * as Y from 'yjs';
import {
  collection,
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

  readonly doc: Y.Doc;
  readonly #undo: Y.UndoManager;
  readonly #off: (() => void)[] = [];

  constructor(doc: Y.Doc) {
    this.doc = doc;
    type Deep = (events: Y.YEvent<Y.AbstractType<unknown>>[], tr: Y.Transaction) => void;
    const watch = (type: { observeDeep(f: Deep): void; unobserveDeep(f: Deep): void }, read: Deep) => {
      type.observeDeep(read);
      this.#off.push(() => type.unobserveDeep(read));
    };
    const readTov = () => (this.tovholder = readTovholderState(doc));
    watch(metaMap(doc), () => (this.meta = readMeta(doc)));
    watch(tovholderLog(doc), readTov);
    watch(tovholderMap(doc), readTov);
    watch(collection(doc, 'hopes'), () => (this.hopes = readHopes(doc)));
    watch(collection(doc, 'goals'), () => (this.goals = readGoals(doc)));
    watch(collection(doc, 'actions'), () => (this.actions = readActions(doc)));
    watch(collection(doc, 'members'), () => (this.members = readMembers(doc)));
    watch(collection(doc, 'network'), () => (this.network = readNetwork(doc)));
    watch(collection(doc, 'feedback'), () => (this.feedback = readFeedback(doc)));
    watch(collection(doc, 'meetings'), (events) => {
      // Typing in a meeting's notes changes only its Y.Text, which its editor shows itself.
      if (events.every((e) => e.target instanceof Y.Text)) return;
      this.meetings = readMeetings(doc);
    });
    this.#readAll();

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

  #readAll() {
    const doc = this.doc;
    this.meta = readMeta(doc);
    this.tovholder = readTovholderState(doc);
    this.hopes = readHopes(doc);
    this.goals = readGoals(doc);
    this.actions = readActions(doc);
    this.members = readMembers(doc);
    this.network = readNetwork(doc);
    this.meetings = readMeetings(doc);
    this.feedback = readFeedback(doc);
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
