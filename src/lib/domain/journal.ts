// A sector journal (room `<sector>`): dated entries, append-mostly. Sensitive
// and never part of the plan: only the sector itself writes; others read it
// with the family's consent (DESIGN §6).
import * as Y from 'yjs';
import { assertDay } from './day.ts';
import { newId } from './plan.ts';
import { ORIGIN_LOCAL, type Origin } from './origins.ts';

export const ENTRY_KINDS = ['note', 'underretning', 'fravaer', 'samtale', 'andet'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface JournalEntry {
  id: string;
  date: string; // yyyy-MM-dd
  kind: EntryKind;
  text: string;
  authorId: string;
  authorName: string;
  createdAt: string;
}

export function entriesMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap('entries');
}

export function readEntries(doc: Y.Doc): JournalEntry[] {
  return [...entriesMap(doc).values()]
    .filter((m) => m.get('deleted') !== true)
    .map(toEntry)
    .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt));
}

export function addEntry(doc: Y.Doc, e: Omit<JournalEntry, 'id'> & { id?: string }, origin: Origin = ORIGIN_LOCAL): string {
  const id = e.id ?? newId();
  assertDay('date', e.date);
  if (!e.date) throw new RangeError('date: an entry needs a date');
  if (!(ENTRY_KINDS as readonly string[]).includes(e.kind)) throw new RangeError(`kind: ${e.kind}`);
  if (!e.text.trim()) throw new RangeError('text: an entry needs text');
  // Who made an underretning is never shown outside the social sector (DESIGN §5), and
  // anyone reading this journal with consent receives the whole document: its author
  // stays off it (the server keeps the update's author, and the reporter, for the sector).
  const fields = e.kind === 'underretning' ? { ...e, authorId: '', authorName: '' } : e;
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    entriesMap(doc).set(id, m);
    for (const [k, v] of Object.entries({ ...fields, id })) m.set(k, v);
  }, origin);
  return id;
}

/** One entry as readEntries returns it; null when it is not there or deleted. */
export function readEntry(doc: Y.Doc, id: string): JournalEntry | null {
  const m = entriesMap(doc).get(id);
  if (!(m instanceof Y.Map) || m.get('deleted') === true) return null;
  return toEntry(m);
}

function toEntry(m: Y.Map<unknown>): JournalEntry {
  return {
    id: String(m.get('id') ?? ''),
    date: String(m.get('date') ?? ''),
    kind: (ENTRY_KINDS as readonly unknown[]).includes(m.get('kind')) ? (m.get('kind') as EntryKind) : 'note',
    text: String(m.get('text') ?? ''),
    authorId: String(m.get('authorId') ?? ''),
    authorName: String(m.get('authorName') ?? ''),
    createdAt: String(m.get('createdAt') ?? '')
  };
}
