// A history change in plain words (the catalogue's), for the timeline and the
// family's print: "ændrede fristen for indsatsen »Hjemmebesøg«: 3. dec. → 5. dec.".
import type { HistoryChange } from '#lib/domain/history.ts';
import { isValidDay } from '#lib/domain/day.ts';
import { t } from '#lib/i18n/index.ts';
import { hs } from '#lib/i18n/history.ts';
import { fmt } from '#lib/i18n/format.ts';
import { longDay, shortDay } from '#lib/i18n/dates.ts';

const DATE_FIELDS = new Set(['due', 'targetDate', 'date']);
/** the sections whose items the history may name by a day (domain/history.ts labelOf) */
const DAY_LABELLED = new Set(['feedback', 'meetings', 'entries']);

/** A field's value in words: a date as "3. dec.", a status or level by its name. */
export function fieldValue(section: string, field: string, v: string): string {
  if (v === '') return hs.historyEmptyValue;
  if (DATE_FIELDS.has(field) && isValidDay(v)) return shortDay(v);
  if (field === 'status') {
    const names: Record<string, string> = section === 'goals' ? t.goalStatuses : t.actionStatuses;
    return names[v] ?? v;
  }
  if (field === 'level') return (t.levels as Record<string, string>)[v] ?? v;
  if (field === 'sector') return (t.sectors as Record<string, string>)[v] ?? v;
  return v.length > 120 ? `${v.slice(0, 119)}…` : v;
}

/**
 * An item's label in words. The history names a meeting without a title, a
 * feedback and a journal entry by their calendar day ("Far 2026-11-29",
 * "samtale 2026-11-29"): the day as text writes it, an entry's kind by its name.
 */
export function labelText(section: string, label: string): string {
  if (!DAY_LABELLED.has(section)) return label; // a title the user wrote is shown as written
  const m = /^(.*?) ?(\d{4}-\d{2}-\d{2})$/.exec(label);
  if (!m || !isValidDay(m[2])) return label;
  const head = section === 'entries' ? ((t.entryKinds as Record<string, string>)[m[1]] ?? m[1]) : m[1];
  return head ? `${head} ${longDay(m[2])}` : longDay(m[2]);
}

const value = (change: Extract<HistoryChange, { kind: 'changed' }>, v: string) => fieldValue(change.section, change.field, v);

export function describeChange(c: HistoryChange): string {
  const item = (hs.historyItem as Record<string, string>)[c.section] ?? c.section;
  const label = labelText(c.section, c.label);
  if (c.kind === 'removed') return fmt(hs.historyRemoved, { item, label });
  if (c.kind !== 'changed') return fmt(c.kind === 'added' ? hs.historyAdded : hs.historyRestoredChange, { item, label });
  const field = hs.historyFields[c.field] ?? c.field;
  const params = { field, item, label, from: value(c, c.from), to: value(c, c.to) };
  const text = c.label ? fmt(hs.historyChanged, params) : fmt(hs.historyChangedPlain, params);
  return c.overridden ? `${text} (${hs.historyOverridden})` : text;
}

/** The name shown for a session's author. */
export function personName(author: string, people: Record<string, string>): string {
  if (author === '') return hs.historyHiddenPerson;
  if (author === 'seed') return hs.historySeedPerson;
  return people[author] ?? hs.historyUnknownPerson;
}
