// A history change in plain words (the catalogue's), for the timeline and the
// family's print: "ændrede fristen for indsatsen »Hjemmebesøg«: 3. dec. → 5. dec.".
import type { HistoryChange } from '#lib/domain/history.ts';
import { isValidDay } from '#lib/domain/day.ts';
import { t } from '#lib/i18n/index.ts';
import { fmt } from '#lib/i18n/format.ts';
import { shortDay } from '#lib/i18n/dates.ts';

const DATE_FIELDS = new Set(['due', 'targetDate', 'date']);

/** A field's value in words: a date as "3. dec.", a status or level by its name. */
export function fieldValue(section: string, field: string, v: string): string {
  if (v === '') return t.historyEmptyValue;
  if (DATE_FIELDS.has(field) && isValidDay(v)) return shortDay(v);
  if (field === 'status') {
    const names: Record<string, string> = section === 'goals' ? t.goalStatuses : t.actionStatuses;
    return names[v] ?? v;
  }
  if (field === 'level') return (t.levels as Record<string, string>)[v] ?? v;
  if (field === 'sector') return (t.sectors as Record<string, string>)[v] ?? v;
  return v.length > 120 ? `${v.slice(0, 119)}…` : v;
}

const value = (change: Extract<HistoryChange, { kind: 'changed' }>, v: string) => fieldValue(change.section, change.field, v);

export function describeChange(c: HistoryChange): string {
  const item = (t.historyItem as Record<string, string>)[c.section] ?? c.section;
  if (c.kind === 'removed') return fmt(t.historyRemoved, { item, label: c.label });
  if (c.kind !== 'changed') return fmt(c.kind === 'added' ? t.historyAdded : t.historyRestoredChange, { item, label: c.label });
  const field = t.historyFields[c.field] ?? c.field;
  const params = { field, item, label: c.label, from: value(c, c.from), to: value(c, c.to) };
  const text = c.label ? fmt(t.historyChanged, params) : fmt(t.historyChangedPlain, params);
  return c.overridden ? `${text} (${t.historyOverridden})` : text;
}

/** The name shown for a session's author. */
export function personName(author: string, people: Record<string, string>): string {
  if (author === '') return t.historyHiddenPerson;
  if (author === 'seed') return t.historySeedPerson;
  return people[author] ?? t.historyUnknownPerson;
}
