// Message templates, numbers and dates as a Danish reader expects them: decimal comma, "63 %",
// "3. feb. 2026", "feb. 26". One place, so tables, charts, print and CSV agree.
import { format, parseISO } from 'date-fns';
import { da } from 'date-fns/locale';

export function fmt(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

const integer = new Intl.NumberFormat('da-DK', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('da-DK', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('da-DK', { style: 'percent', maximumFractionDigits: 0 });

export const formatCount = (n: number) => integer.format(n);
/** 0.634 -> "63 %"; null -> "–" */
export const formatShare = (v: number | null) => (v === null ? '–' : percent.format(v));
/** 3.456 -> "3,5"; null -> "–" */
export const formatDecimal = (v: number | null) => (v === null ? '–' : oneDecimal.format(v));
/** yyyy-MM-dd -> "3. feb. 2026"; null -> "–" */
export const formatDay = (d: string | null) => (d ? format(parseISO(d), 'd. MMM yyyy', { locale: da }) : '–');
/** yyyy-MM-dd -> "3.2.2026"; null -> "–" */
export const formatDayShort = (d: string | null) => (d ? format(parseISO(d), 'd.M.yyyy') : '–');
/** yyyy-MM -> "feb. 26" */
export const formatMonthShort = (m: string) => format(parseISO(`${m}-01`), 'MMM yy', { locale: da });
/** yyyy-MM -> "februar 2026" */
export const formatMonthLong = (m: string) => format(parseISO(`${m}-01`), 'MMMM yyyy', { locale: da });
