// yyyy-MM-dd of a date in its own calendar: the time zone of a TZDate
// (@date-fns/tz), the runtime's for a plain Date — what date-fns'
// `format(d, 'yyyy-MM-dd')` prints. Not date-fns/format: its locale and token
// machinery costs the server ≈ 40 MB RSS once loaded (docs/performance.md,
// "Relay memory"), for four digits and two dashes.
export function formatDay(d: Date): string {
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (yyyy-MM-dd) in `timeZone` at an instant, from Intl's time zone data (en-CA writes yyyy-MM-dd). */
export function calendarDayIn(instant: Date, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) dayFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = f.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
