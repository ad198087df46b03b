// What the family writes itself (room `family`, DESIGN §5, §12): its hopes
// and wishes in its own words, the child's own voice, questions to the team,
// and feedback (1–5 and a comment). Only the family writes it (rule 7);
// workers with plan access read it beside the plan (rule 8).
import * as Y from 'yjs';
import { newId } from './plan.ts';
import { ORIGIN_LOCAL, type Origin } from './origins.ts';

export const FAMILY_NOTE_KINDS = ['hope', 'voice', 'question', 'feedback'] as const;
export type FamilyNoteKind = (typeof FAMILY_NOTE_KINDS)[number];

export const FAMILY_TEXT_MAX = 2000;
export const FAMILY_NAME_MAX = 120;

export interface FamilyNote {
  id: string;
  kind: FamilyNoteKind;
  text: string;
  /** who in the family said it, in their own words ("Maria (mor)", "Sara, 11 år") */
  by: string;
  /** 1–5 for feedback, else null */
  score: number | null;
  createdAt: string;
}

export function notesMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap('notes');
}

/** Newest first. */
export function readNotes(doc: Y.Doc): FamilyNote[] {
  const out: FamilyNote[] = [];
  for (const m of notesMap(doc).values()) {
    if (!(m instanceof Y.Map) || m.get('deleted') === true) continue;
    const kind = m.get('kind');
    if (!(FAMILY_NOTE_KINDS as readonly unknown[]).includes(kind)) continue;
    const score = m.get('score');
    out.push({
      id: String(m.get('id') ?? ''),
      kind: kind as FamilyNoteKind,
      text: String(m.get('text') ?? '').slice(0, FAMILY_TEXT_MAX),
      by: String(m.get('by') ?? '').slice(0, FAMILY_NAME_MAX),
      score: typeof score === 'number' && Number.isInteger(score) && score >= 1 && score <= 5 ? score : null,
      createdAt: String(m.get('createdAt') ?? '')
    });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

export function addNote(doc: Y.Doc, n: Omit<FamilyNote, 'id'> & { id?: string }, origin: Origin = ORIGIN_LOCAL): string {
  if (!(FAMILY_NOTE_KINDS as readonly string[]).includes(n.kind)) throw new RangeError(`kind: ${n.kind}`);
  const text = n.text.trim();
  if (n.kind !== 'feedback' && !text) throw new RangeError('text: a note needs text');
  if (text.length > FAMILY_TEXT_MAX) throw new RangeError('text: too long');
  if (n.kind === 'feedback' && !(Number.isInteger(n.score) && (n.score as number) >= 1 && (n.score as number) <= 5)) throw new RangeError('score: 1–5');
  const id = n.id ?? newId();
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    notesMap(doc).set(id, m);
    for (const [k, v] of Object.entries({ id, kind: n.kind, text, by: n.by.trim().slice(0, FAMILY_NAME_MAX), score: n.kind === 'feedback' ? n.score : null, createdAt: n.createdAt })) m.set(k, v);
  }, origin);
  return id;
}
