// Relative dates for due dates (calendar days, Danish): "i dag", "om 3 dage", "for 2 dage siden".
import { differenceInCalendarDays, parseISO } from 'date-fns';

export function relativeDay(day: string, today: Date = new Date()): string {
  const n = differenceInCalendarDays(parseISO(day), today);
  if (n === 0) return 'i dag';
  if (n === 1) return 'i morgen';
  if (n === -1) return 'i går';
  return n > 0 ? `om ${n} dage` : `for ${-n} dage siden`;
}
