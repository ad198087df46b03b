// Dates as people read them, in the catalogue's language: calendar days
// relative to today ("i dag", "om 3 dage", "for 2 uger siden") and plain
// dates ("12. marts 2026"). Numbers, units and month names come from the
// browser's own Intl (`da-DK` or `en-GB`), not date-fns: its token machinery
// and locales were ≈ 7 KiB gzip of every page's first load; the frame
// ("om …", "for … siden") comes from the catalogue.
import { dayFormat, fmt, INTL_TAGS, unitFormat } from './format.ts';
import { catalogue, locale, type Locale } from './index.ts';
import { formatDay } from '../shared/calendar-day.ts';
import { TIME } from '../domain/day.ts';

const DAY_MS = 86_400_000;

/**
 * Calendar days from `today` to `day` (yyyy-MM-dd). Plain UTC arithmetic on
 * the date parts: a plan renders hundreds of due dates at once, and this is
 * the same count as date-fns' differenceInCalendarDays without parsing.
 */
export function daysFromToday(day: string, today: Date = new Date()): number {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  if (!y || !m || !d) return NaN;
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) / DAY_MS);
}

/**
 * A relative text from what was written before: the caseload writes one per
 * card at every search or new order, and Intl's formatting costs more than a
 * lookup. At most 4,096 texts per cache; past that it starts again.
 */
function kept(cache: Map<string, string>, key: string, write: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    if (cache.size >= 4096) cache.clear();
    cache.set(key, (text = write()));
  }
  return text;
}

/** relativeDay's texts, by language and count of days */
const relativeDays = new Map<string, string>();

/** `day` (yyyy-MM-dd) relative to `today`, in whole calendar days, weeks beyond two weeks, months beyond two months. */
export function relativeDay(day: string, today: Date = new Date(), lang: Locale = locale): string {
  const n = daysFromToday(day, today);
  return kept(relativeDays, `${lang} ${n}`, () => daysText(n, lang));
}

function daysText(n: number, lang: Locale): string {
  const t = catalogue(lang);
  if (n === 0) return t.relToday;
  if (n === 1) return t.relTomorrow;
  if (n === -1) return t.relYesterday;
  const abs = Math.abs(n);
  const span =
    abs <= 14
      ? unitFormat(lang, 'day').format(abs)
      : abs < 60
        ? unitFormat(lang, 'week').format(Math.round(abs / 7))
        : abs < 730
          ? unitFormat(lang, 'month').format(Math.round(abs / 30.44))
          : unitFormat(lang, 'year').format(Math.round(abs / 365.25));
  return fmt(n > 0 ? t.relFuture : t.relPast, { x: span });
}

/** "30. nov. 2026" / "30 Nov 2026": the one way a date is written in text. */
export function longDay(day: string, lang: Locale = locale): string {
  return dayFormat(day, lang, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "12. mar." / "12 Mar" — for dense rows where the year is plain from the context (this year's history). */
export function shortDay(day: string, lang: Locale = locale): string {
  return dayFormat(day, lang, { day: 'numeric', month: 'short' });
}

/** A calendar day (yyyy-MM-dd) as a date field shows it: "30.11.2026", whatever the browser's locale. */
export function fieldDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : day;
}

/**
 * What a person typed in a date field, as yyyy-MM-dd: "30.11.2026",
 * "30/11/2026", "30-11-26", "3.1.2027", "30112026" and (pasted from another
 * system) "2026-11-30". '' when the field is empty; null when it is not a
 * date (wrong form, or a day that does not exist, such as 31.11.2026).
 */
export function parseFieldDay(text: string): string | null {
  const s = text.trim();
  if (!s) return '';
  let d: number, m: number, y: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})[.\/\- ]\s*(\d{1,2})[.\/\- ]\s*(\d{2}|\d{4})$/.exec(s))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{2})(\d{2})(\d{4})$/.exec(s))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else return null;
  if (y < 100) y += 2000;
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * What a person typed in a time field, as HH:mm: "14:30", "14.30", "9:05".
 * '' when the field is empty; null when it is not a time of day.
 */
export function parseFieldTime(text: string): string | null {
  const s = text.trim().replace('.', ':');
  if (!s) return '';
  const hhmm = s.padStart(5, '0');
  return TIME.test(hhmm) ? hhmm : null;
}

/** Today as yyyy-MM-dd in the device's time zone. */
export function todayDay(now: Date = new Date()): string {
  return formatDay(now);
}

// An instant relative to now ("for 5 minutter siden") and a stretch of time
// ("3 timer"), from the browser's own Intl: no date-fns on the start page.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365.25 * DAY_MS],
  ['month', 30.44 * DAY_MS],
  ['week', 7 * DAY_MS],
  ['day', DAY_MS],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000]
];

function largestUnit(ms: number): [Intl.RelativeTimeFormatUnit, number] {
  const abs = Math.abs(ms);
  for (const [unit, size] of UNITS) if (abs >= size || unit === 'second') return [unit, Math.round(ms / size)];
  return ['second', 0];
}

const relativeFormats = new Map<Locale, Intl.RelativeTimeFormat>();
/** relativeInstant's texts, by language, unit and count */
const relativeInstants = new Map<string, string>();

/** `iso` relative to `now`: "for 5 minutter siden", "om 2 dage". */
export function relativeInstant(iso: string, now: Date = new Date(), lang: Locale = locale): string {
  const [unit, n] = largestUnit(Date.parse(iso) - now.getTime());
  return kept(relativeInstants, `${lang} ${unit} ${n}`, () => {
    // One formatter per language: making one costs more than formatting.
    let f = relativeFormats.get(lang);
    if (!f) relativeFormats.set(lang, (f = new Intl.RelativeTimeFormat(INTL_TAGS[lang], { numeric: 'auto' })));
    return f.format(n, unit);
  });
}

/** How long since `iso`, without a frame: "3 timer", "2 dage". */
export function durationSince(iso: string, now: Date = new Date(), lang: Locale = locale): string {
  const [unit, n] = largestUnit(now.getTime() - Date.parse(iso));
  return unitFormat(lang, unit.replace(/s$/, '')).format(Math.max(0, n));
}
