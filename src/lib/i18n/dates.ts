// Dates as people read them, in the catalogue's language: calendar days
// relative to today ("i dag", "om 3 dage", "for 2 uger siden") and plain
// dates ("12. marts 2026"). Numbers and units come from the date-fns locale
// (`da` or `en-GB`); the frame ("om …", "for … siden") from the catalogue.
import { differenceInCalendarDays, format, parseISO } from 'date-fns';
import { da as daLocale, enGB } from 'date-fns/locale';
import { da } from './da.ts';
import { en } from './en.ts';
import { fmt } from './format.ts';
import { locale, type Locale } from './index.ts';

const LOCALES = { da: { dates: daLocale, t: da }, en: { dates: enGB, t: en } } as const;

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
  if (!y || !m || !d) return differenceInCalendarDays(parseISO(day), today);
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) / DAY_MS);
}

/** `day` (yyyy-MM-dd) relative to `today`, in whole calendar days, weeks beyond two weeks, months beyond two months. */
export function relativeDay(day: string, today: Date = new Date(), lang: Locale = locale): string {
  const { dates, t } = LOCALES[lang];
  const n = daysFromToday(day, today);
  if (n === 0) return t.relToday;
  if (n === 1) return t.relTomorrow;
  if (n === -1) return t.relYesterday;
  const abs = Math.abs(n);
  const span =
    abs <= 14
      ? dates.formatDistance('xDays', abs)
      : abs < 60
        ? dates.formatDistance('xWeeks', Math.round(abs / 7))
        : abs < 730
          ? dates.formatDistance('xMonths', Math.round(abs / 30.44))
          : dates.formatDistance('xYears', Math.round(abs / 365.25));
  return fmt(n > 0 ? t.relFuture : t.relPast, { x: span });
}

/** "12. marts 2026" / "12 March 2026". */
export function longDay(day: string, lang: Locale = locale): string {
  return format(parseISO(day), lang === 'da' ? 'd. MMMM yyyy' : 'd MMMM yyyy', { locale: LOCALES[lang].dates });
}

/** "12. mar." / "12 Mar" — for dense rows. */
export function shortDay(day: string, lang: Locale = locale): string {
  return format(parseISO(day), lang === 'da' ? 'd. MMM' : 'd MMM', { locale: LOCALES[lang].dates });
}

/** Today as yyyy-MM-dd in the device's time zone. */
export function todayDay(now: Date = new Date()): string {
  return format(now, 'yyyy-MM-dd');
}
