// Message templates, numbers and dates as a Danish reader expects them: decimal comma, "63 %",
// "3. feb. 2026", "feb. 26". One place, so tables, charts, print and CSV agree.
// Dates through the browser's Intl (no date-fns on a page's first load).
import type { Locale } from './index.ts';

export function fmt(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

/** A catalogue text with a count in it ({n}): its form for exactly one, and for any other count. */
export interface CountText {
  one: string;
  other: string;
}

/** The form of `text` for `n`, with {n} filled in (as `shown`, e.g. formatted): "1 medarbejder", "3 medarbejdere". */
export function fmtCount(text: CountText, n: number, shown: string | number = n): string {
  return fmt(n === 1 ? text.one : text.other, { n: shown });
}

/** The text as a sentence: a full stop after it unless it already ends in one (a date such as "15. dec."), or in ? or !. */
export function sentence(text: string): string {
  const s = text.trimEnd();
  return /[.?!…]$/.test(s) ? s : `${s}.`;
}

const integer = new Intl.NumberFormat('da-DK', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('da-DK', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('da-DK', { style: 'percent', maximumFractionDigits: 0 });

export const formatCount = (n: number) => integer.format(n);
/** A count text with its count formatted as figures are: "1.234 familier berørt". */
export const fmtCounted = (text: CountText, n: number) => fmtCount(text, n, formatCount(n));
/** 0.634 -> "63 %"; null -> "–" */
export const formatShare = (v: number | null) => (v === null ? '–' : percent.format(v));
/** 3.456 -> "3,5"; null -> "–" */
export const formatDecimal = (v: number | null) => (v === null ? '–' : oneDecimal.format(v));

/** The Intl locale of each catalogue. */
export const INTL_TAGS = { da: 'da-DK', en: 'en-GB' } as const satisfies Record<Locale, string>;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A calendar day (yyyy-MM-dd, or yyyy-MM for its first day) in `lang` with
 * Intl's `options`, read as a calendar day wherever the device is (UTC on both
 * sides); the text itself when it is not a date.
 */
export function dayFormat(day: string, lang: Locale, options: Intl.DateTimeFormatOptions): string {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(day);
  if (!m) return day;
  const key = `${lang} ${JSON.stringify(options)}`;
  let f = dayFormats.get(key);
  if (!f) dayFormats.set(key, (f = new Intl.DateTimeFormat(INTL_TAGS[lang], { ...options, timeZone: 'UTC' })));
  return f.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, m[3] ? Number(m[3]) : 1));
}

const unitFormats = new Map<string, Intl.NumberFormat>();

/** "3 dage", "1 uge", "2 år": a count of a unit (day, week, month, year, hour …), written out. */
export function unitFormat(lang: Locale, unit: string): Intl.NumberFormat {
  const key = `${lang} ${unit}`;
  let f = unitFormats.get(key);
  if (!f) unitFormats.set(key, (f = new Intl.NumberFormat(INTL_TAGS[lang], { style: 'unit', unit, unitDisplay: 'long' })));
  return f;
}

/** yyyy-MM-dd -> "3. feb. 2026"; null -> "–" */
export const formatDay = (d: string | null) => (d ? dayFormat(d, 'da', { day: 'numeric', month: 'short', year: 'numeric' }) : '–');
/** yyyy-MM-dd -> "3.2.2026"; null -> "–" */
export const formatDayShort = (d: string | null) => (d ? dayFormat(d, 'da', { day: 'numeric', month: 'numeric', year: 'numeric' }) : '–');
/** yyyy-MM -> "feb. 26" */
export const formatMonthShort = (m: string) => dayFormat(m, 'da', { month: 'short', year: '2-digit' });
/** yyyy-MM -> "februar 2026" */
export const formatMonthLong = (m: string) => dayFormat(m, 'da', { month: 'long', year: 'numeric' });
