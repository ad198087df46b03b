// Caseload filter + sort over index rows, in memory: the whole caseload of a
// city (5,000 families) filters and sorts within a frame.
import type { FamilyRow } from './db.ts';

export type CaseloadSort = 'name' | 'due' | 'overdue' | 'activity';
export type CaseloadFilter = 'all' | 'overdue' | 'no-tovholder' | 'consent-expiring';

/** A key whose plain string order is Danish alphabetical order (… z, æ, ø, å). Intl.Collator is too slow for 5,000 rows per keystroke. */
export function danishKey(name: string): string {
  return name.toLowerCase().replace(/[æøå]/g, (c) => (c === 'æ' ? '{' : c === 'ø' ? '|' : '}'));
}

export function filterAndSort(
  rows: readonly FamilyRow[],
  opts: { query: string; filter: CaseloadFilter; sort: CaseloadSort; today: string }
): FamilyRow[] {
  const q = opts.query.trim().toLowerCase();
  const out = rows.filter((f) => {
    if (q && !f.search.includes(q) && !f.district.toLowerCase().includes(q)) return false;
    switch (opts.filter) {
      case 'overdue':
        return f.overdueCount > 0;
      case 'no-tovholder':
        return !f.tovholderId;
      case 'consent-expiring':
        return f.consentStatus === 'udloeber';
      default:
        return true;
    }
  });
  const keys = new Map<FamilyRow, string>();
  for (const f of out) keys.set(f, danishKey(f.name));
  const byName = (a: FamilyRow, b: FamilyRow) => {
    const ka = keys.get(a) as string;
    const kb = keys.get(b) as string;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  switch (opts.sort) {
    case 'due':
      return out.sort((a, b) => (a.nextDue || '9999').localeCompare(b.nextDue || '9999') || byName(a, b));
    case 'overdue':
      return out.sort((a, b) => b.overdueCount - a.overdueCount || byName(a, b));
    case 'activity':
      return out.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity) || byName(a, b));
    default:
      return out.sort(byName);
  }
}
