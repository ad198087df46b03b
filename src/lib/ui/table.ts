// The column description of SortableTable.svelte.
export interface Column<R> {
  key: string;
  label: string;
  /** a shorter heading to show; `label` stays the accessible name */
  short?: string;
  /** what the column sorts by */
  value: (row: R) => string | number | null;
  /** what the cell shows; default: value */
  text?: (row: R) => string;
  href?: (row: R) => string;
  /** a meter behind the text: value against a limit (e.g. caseload against 25) */
  meter?: (row: R) => { value: number; limit: number };
  numeric?: boolean;
  /** a row heading (th scope=row): the first column, kept at the left edge while the table scrolls sideways */
  rowHeader?: boolean;
}
