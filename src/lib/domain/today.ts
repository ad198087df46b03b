// "Today" and "overdue", once for the whole app (issue "Leader overview that
// does not mislead"): the leader's figures (server, from plan summaries) and a
// worker's caseload cards (browser, from the device's index) must count the
// same actions as overdue on the same day, or a leader and a worker argue about
// two numbers. A due date is a calendar day in Denmark, not an instant, so
// "today" is the Europe/Copenhagen day whatever the server's TZ or the
// tablet's clock zone; an action is overdue from the day after its due date
// while it is open; a closed case has no overdue actions (nobody works it).
import { calendarDayIn } from '../shared/calendar-day.ts';
import { isValidDay } from './day.ts';
import type { ActionStatus } from './plan.ts';
import type { CaseStatus } from '../shared/plan-terms.ts';

export const PLAN_TIME_ZONE = 'Europe/Copenhagen';

/** The calendar day (yyyy-MM-dd) in Copenhagen at an instant (Intl, not @date-fns/tz: ≈ 5 KiB gzip of every page's first load). */
export function copenhagenDay(instant: Date): string {
  return calendarDayIn(instant, PLAN_TIME_ZONE);
}

/** The calendar day `n` days after `day` (yyyy-MM-dd; `n` may be negative). */
export function addDaysToDay(day: string, n: number): string {
  const d = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)) + n));
  return d.toISOString().slice(0, 10);
}

/** Statuses of an action someone still has to do. */
export const OPEN_ACTION_STATUSES = ['aaben', 'igang'] as const satisfies readonly ActionStatus[];

export function isOpenAction(status: ActionStatus): boolean {
  return status === 'aaben' || status === 'igang';
}

/** An open action's due date makes it overdue on `today` (a Copenhagen day); no or an invalid date never does. */
export function isOverdueDue(due: string | null | undefined, today: string): boolean {
  return isValidDay(due) && due < today;
}

/**
 * A family's overdue actions on `today`: open actions whose valid due date
 * lies before it, and none at all for a closed case.
 */
export function overdueActions(
  familyStatus: CaseStatus,
  actions: Iterable<{ status: ActionStatus; due: string | null }>,
  today: string
): number {
  if (familyStatus !== 'aktiv') return 0;
  let n = 0;
  for (const a of actions) if (isOpenAction(a.status) && isOverdueDue(a.due, today)) n++;
  return n;
}
