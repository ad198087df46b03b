// yyyy-MM-dd of a date in its own calendar: the time zone of a TZDate
// (@date-fns/tz), the runtime's for a plain Date — what date-fns'
// `format(d, 'yyyy-MM-dd')` prints. Not date-fns/format: its locale and token
// machinery costs the server ≈ 40 MB RSS once loaded (docs/performance.md,
// "Relay memory"), for four digits and two dashes.
export function formatDay(d: Date): string {
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
