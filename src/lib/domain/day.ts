// Calendar days in the plan are `yyyy-MM-dd` strings: they sort as text, need
// no time zone, and are what <input type="date"> produces. This is the one
// definition of "a valid date" used by the writers and the invariant check.
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Throws on a date a writer must not store; '' and null mean "no date". */
export function assertDay(field: string, value: string | null | undefined) {
  if (value === null || value === undefined || value === '') return;
  if (!isValidDay(value)) throw new RangeError(`${field}: invalid date ${JSON.stringify(value)}`);
}
