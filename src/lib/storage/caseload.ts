// Caseload filter + sort over index rows, in memory: the whole caseload of a
// city (5,000 families) filters and sorts within a frame. A CaseloadIndex is
// built once per set of rows (each time the page reads the index): it keeps
// each row's sort key and search text, and each sort order once computed, so a
// keystroke in the search field only filters an already sorted list.
import type { FamilyRow } from './db.ts';

export const CASELOAD_SORTS = ['name', 'due', 'overdue', 'activity'] as const;
export type CaseloadSort = (typeof CASELOAD_SORTS)[number];
export type CaseloadFilter = 'all' | 'overdue' | 'no-tovholder' | 'consent-expiring' | 'active' | 'closed' | 'mine-tovholder';

export interface CaseloadQuery {
  query: string;
  filter: CaseloadFilter;
  sort: CaseloadSort;
  today: string;
  /** the signed-in worker's id, for 'mine-tovholder' */
  me?: string;
}

/** A key whose plain string order is Danish alphabetical order (… z, æ, ø, å). Intl.Collator is too slow for 5,000 rows per keystroke. */
export function danishKey(name: string): string {
  return name.toLowerCase().replace(/[æøå]/g, (c) => (c === 'æ' ? '{' : c === 'ø' ? '|' : '}'));
}

// Dates are ISO strings ("yyyy-MM-dd", instants): their code-unit order is
// their time order, so plain comparison does (localeCompare would ask ICU).
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows in the caseload's order by name (its first order): the caseload's copy is stored so. */
export function inNameOrder<T extends { name: string }>(rows: readonly T[]): T[] {
  return rows
    .map((row) => ({ row, key: danishKey(row.name) }))
    .sort((a, b) => cmp(a.key, b.key))
    .map((e) => e.row);
}

interface Entry {
  row: FamilyRow;
  nameKey: string;
  district: string;
  /** "9999" for no open action: those sort last */
  due: string;
}

export class CaseloadIndex {
  readonly #entries: Entry[];
  readonly #sorted = new Map<CaseloadSort, Entry[]>();

  /** The rows are read, never changed; build a new index when they change. */
  constructor(rows: readonly FamilyRow[]) {
    this.#entries = rows.map((row) => ({
      row,
      nameKey: danishKey(row.name),
      district: row.district.toLowerCase(),
      due: row.nextDue || '9999'
    }));
  }

  get size() {
    return this.#entries.length;
  }

  #sortedBy(sort: CaseloadSort): Entry[] {
    let out = this.#sorted.get(sort);
    if (out) return out;
    const byName = (a: Entry, b: Entry) => cmp(a.nameKey, b.nameKey);
    out = [...this.#entries];
    switch (sort) {
      case 'due':
        out.sort((a, b) => cmp(a.due, b.due) || byName(a, b));
        break;
      case 'overdue':
        out.sort((a, b) => b.row.overdueCount - a.row.overdueCount || byName(a, b));
        break;
      case 'activity':
        out.sort((a, b) => cmp(b.row.lastActivity, a.row.lastActivity) || byName(a, b));
        break;
      default:
        out.sort(byName);
    }
    this.#sorted.set(sort, out);
    return out;
  }

  /** Computes every sort order now (in idle time after the first paint), so that a person's first change of order is a filter pass. */
  prepareSorts() {
    for (const sort of CASELOAD_SORTS) this.#sortedBy(sort);
  }

  /** Rows that match the search and filter, in the chosen order (a stable sort, so filtering after sorting gives the same list). */
  query(opts: CaseloadQuery): FamilyRow[] {
    const q = opts.query.trim().toLowerCase();
    const out: FamilyRow[] = [];
    for (const e of this.#sortedBy(opts.sort)) {
      const f = e.row;
      if (q && !f.search.includes(q) && !e.district.includes(q)) continue;
      switch (opts.filter) {
        case 'overdue':
          if (f.overdueCount > 0) out.push(f);
          break;
        case 'no-tovholder':
          if (!f.tovholderId) out.push(f);
          break;
        case 'consent-expiring':
          if (f.consentStatus === 'udloeber') out.push(f);
          break;
        case 'active':
          if (f.status === 'aktiv') out.push(f);
          break;
        case 'closed':
          if (f.status === 'afsluttet') out.push(f);
          break;
        case 'mine-tovholder':
          if (opts.me && f.tovholderId === opts.me) out.push(f);
          break;
        default:
          out.push(f);
      }
    }
    return out;
  }
}

export function filterAndSort(rows: readonly FamilyRow[], opts: CaseloadQuery): FamilyRow[] {
  return new CaseloadIndex(rows).query(opts);
}
