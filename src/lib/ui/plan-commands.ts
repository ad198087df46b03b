// Everything a person can do to the plan from the screen, bound to the open
// document and the signed-in worker. Components get this object as a prop and
// call it (callbacks out); every write goes through the domain writers with
// ORIGIN_LOCAL, so it is validated and undoable by its author only.
import type * as Y from 'yjs';
import { addDays, format, parseISO } from 'date-fns';
import {
  addAction,
  addDecision,
  addFeedback,
  addGoal,
  addHope,
  addMeeting,
  addMember,
  addNetworkParty,
  decisionToAction,
  hopeText,
  meetingNotes,
  removeItem,
  setMeta,
  setTovholder,
  proposeTovholder,
  answerTovholderProposal,
  softDelete,
  updateItem,
  updateMeeting,
  type Action,
  type Goal,
  type NewAction
} from '../domain/plan.ts';
import { resolveWarning, type PlanWarning } from '../domain/invariants.ts';
import type { Me, TeamWorker } from '../shared/api-types.ts';

export type ActionFields = Partial<Pick<Action, 'title' | 'goalId' | 'sector' | 'party' | 'ownerId' | 'ownerName' | 'due' | 'status' | 'level'>>;

export interface PlanCommands {
  readonly me: Me;
  hopeText(id: string): Y.Text | undefined;
  notesText(meetingId: string): Y.Text | undefined;
  addHope(text: string, saidBy: string): void;
  /** the child's own words, with the child's name and age */
  addChildVoice(text: string, name: string, age: string): void;
  setLanguage(language: string, interpreter: boolean): void;
  removeHope(id: string): void;
  addGoal(g: { title: string; hopeId: string | null; targetDate: string | null }): void;
  updateGoal(id: string, fields: Partial<Pick<Goal, 'title' | 'hopeId' | 'status' | 'targetDate'>>): void;
  removeGoal(id: string): void;
  addAction(a: ActionFields & { title: string }): string;
  updateAction(id: string, fields: ActionFields): void;
  removeAction(id: string): void;
  setTovholder(worker: TeamWorker | Me, since: string, note: string): void;
  /** Proposes another worker as tovholder: it takes effect when they accept (issue #16). */
  proposeTovholder(worker: TeamWorker | Me, since: string, note: string): void;
  /** The proposed worker accepts or declines (with a reason); anyone with write access may withdraw. */
  answerTovholderProposal(id: string, outcome: 'accepted' | 'declined' | 'withdrawn', reason?: string): void;
  resolve(w: PlanWarning): boolean;
  addMeeting(m: { date: string; time?: string; place?: string; agenda?: string[]; title: string; participants: string[]; notes: string }): string;
  updateMeeting(id: string, fields: { date?: string; time?: string; place?: string; title?: string; participants?: string[]; agenda?: string[] }): void;
  deleteMeeting(id: string): void;
  addDecision(meetingId: string, text: string): void;
  /** The decision becomes an action with the fields the person confirmed (owner, sector, due date, level). */
  decisionToAction(meetingId: string, decisionId: string, fields: ActionFields & { title: string }): string | null;
  /** What the decision form starts from: this worker, their sector, due in two weeks, no level (the person chooses). */
  decisionDefaults(text: string): ActionFields & { title: string };
  addFeedback(f: { date: string; who: string; score: number; comment: string }): void;
  /** Corrects a feedback's date (kept on record otherwise: only an unreadable date is put right). */
  updateFeedback(id: string, fields: { date: string }): void;
  deleteFeedback(id: string): void;
  addMember(m: { name: string; relation: string; birthYear: string }): void;
  removeMember(id: string): void;
  addNetworkParty(n: { name: string; relation: string; contact: string }): void;
  removeNetworkParty(id: string): void;
}

export function planCommands(doc: Y.Doc, me: Me, today: string): PlanCommands {
  const now = () => new Date().toISOString();
  // Absent fields are left alone; null clears a field ('' in the document).
  const toFields = (f: Record<string, string | null | undefined>) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) if (v !== undefined) out[k] = v ?? '';
    return out;
  };
  return {
    me,
    hopeText: (id) => hopeText(doc, id),
    notesText: (id) => meetingNotes(doc, id),
    addHope: (text, saidBy) => void addHope(doc, { text, saidBy, createdAt: now() }),
    addChildVoice: (text, name, age) => void addHope(doc, { text, saidBy: name, age, voice: 'child', createdAt: now() }),
    setLanguage: (language, interpreter) => setMeta(doc, { language, interpreter }),
    removeHope: (id) => removeItem(doc, 'hopes', id),
    addGoal: (g) => void addGoal(doc, { ...g, createdAt: now() }),
    updateGoal: (id, fields) => void updateItem(doc, 'goals', id, toFields(fields)),
    removeGoal: (id) => removeItem(doc, 'goals', id),
    addAction: (a) => {
      const fields: NewAction = {
        sector: me.sector,
        ownerId: me.id,
        ownerName: me.name,
        // No level unless the person chose one: a default would count as early in leaders' figures.
        ...a,
        createdAt: now(),
        createdBy: me.id
      };
      return addAction(doc, fields);
    },
    updateAction: (id, fields) => void updateItem(doc, 'actions', id, toFields(fields)),
    removeAction: (id) => removeItem(doc, 'actions', id),
    setTovholder: (w, since, note) => void setTovholder(doc, { userId: w.id, name: w.name, since, note, setBy: me.id, setAt: now() }),
    proposeTovholder: (w, since, note) =>
      void proposeTovholder(doc, { userId: w.id, name: w.name, since, note, by: me.id, byName: me.name, at: now() }),
    answerTovholderProposal: (id, outcome, reason) => void answerTovholderProposal(doc, id, { outcome, by: me.id, at: now(), today, reason }),
    resolve: (w) => resolveWarning(doc, w, { userId: me.id, at: now() }),
    addMeeting: (m) => addMeeting(doc, { ...m, createdAt: now(), createdBy: me.id }),
    updateMeeting: (id, fields) => void updateMeeting(doc, id, fields),
    deleteMeeting: (id) => softDelete(doc, 'meetings', id, me.id, now()),
    addDecision: (meetingId, text) => void addDecision(doc, meetingId, { text, createdAt: now() }),
    decisionToAction: (meetingId, decisionId, fields) => decisionToAction(doc, meetingId, decisionId, { ...fields, createdAt: now(), createdBy: me.id }),
    decisionDefaults: (text) => ({
      title: text,
      sector: me.sector,
      party: null,
      ownerId: me.id,
      ownerName: me.name,
      due: format(addDays(parseISO(today), 14), 'yyyy-MM-dd'),
      level: null
    }),
    addFeedback: (f) => void addFeedback(doc, { ...f, createdAt: now(), createdBy: me.id }),
    updateFeedback: (id, fields) => void updateItem(doc, 'feedback', id, fields),
    deleteFeedback: (id) => softDelete(doc, 'feedback', id, me.id, now()),
    addMember: (m) => void addMember(doc, { ...m, createdAt: now() }),
    removeMember: (id) => removeItem(doc, 'members', id),
    addNetworkParty: (n) => void addNetworkParty(doc, { ...n, createdAt: now() }),
    removeNetworkParty: (id) => removeItem(doc, 'network', id)
  };
}

/**
 * Every command reports a refused write (a writer's RangeError: a date that is
 * not a date, a goal deleted on another tablet a moment ago) to `onerror`
 * instead of breaking the screen; nothing reached the document. `before` runs
 * ahead of each command (the plan ends its undo step there, so one tap is one
 * undo while typing still merges).
 */
export function guarded(cmd: PlanCommands, hooks: { onerror: (err: unknown) => void; before?: () => void }): PlanCommands {
  const { onerror, before } = hooks;
  return new Proxy(cmd, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (key === 'hopeText' || key === 'notesText' || key === 'decisionDefaults') return value;
      return (...args: unknown[]) => {
        before?.();
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          onerror(err);
          return undefined;
        }
      };
    }
  });
}
