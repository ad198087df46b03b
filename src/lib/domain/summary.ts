// Plan summaries for team leaders (DESIGN §6 rule 1, §8): a family plan reduced
// to counts and dates, never text written by or about the family. Two steps:
//
//  - summarisePlan(doc, now) reads the document once into a PlanSummary: the
//    counts, plus the few dates from which "today's" figures follow (due dates
//    of open actions per owner, meeting dates). The server stores it.
//  - figuresOn(summary, today) turns a stored summary into the day's figures
//    (overdue actions, next meeting, last activity), so a summary stays right
//    as days pass without re-reading every plan at midnight.
//
// "Today", "overdue" and months are calendar days in Europe/Copenhagen whatever
// the server's TZ: a due date is a day in Denmark, not an instant.
import type * as Y from 'yjs';
import { isValid } from 'date-fns/isValid';
import { parseISO } from 'date-fns/parseISO';
import { subDays } from 'date-fns/subDays';
import { formatDay } from '../shared/calendar-day.ts';
import { ACTION_AREAS, GOAL_OUTCOMES, SUMMARY_LEVELS, type ActionArea, type CaseStatus, type GoalOutcome, type SummaryLevel } from '../shared/plan-terms.ts';
import { SECTORS, type Sector } from '../shared/rooms.ts';
import {
  ACTION_STATUSES,
  GOAL_STATUSES,
  readActions,
  readFeedback,
  readGoals,
  readMeetings,
  readMeta,
  readTovholder,
  type ActionStatus,
  type GoalStatus,
  type InterventionLevel
} from './plan.ts';
import { PLAN_TIME_ZONE, copenhagenDay, isOpenAction, isOverdueDue } from './today.ts';

export { PLAN_TIME_ZONE, copenhagenDay };
/** Bump when summarisePlan changes what it derives: stored summaries of an older version are derived again. */
// 2: action owners and the tovholder count only when they are the family's team's workers.
// 3: an action without a chosen level counts as 'ikke_angivet' (never as early); goal
//    outcomes by target month; a closed case has no overdue actions.
export const SUMMARY_VERSION = 3;
/** A family with no activity for this many calendar days counts as inactive. */
export const INACTIVE_AFTER_DAYS = 30;
/** Early interventions (råd og vejledning, forebyggende) versus intrusive ones (støttende, anbringelse). */
export const EARLY_LEVELS = ['raad', 'forebyggende'] as const satisfies readonly InterventionLevel[];
export const INTRUSIVE_LEVELS = ['stoettende', 'anbringelse'] as const satisfies readonly InterventionLevel[];
export { ACTION_AREAS, GOAL_OUTCOMES, SUMMARY_LEVELS, type ActionArea, type GoalOutcome, type SummaryLevel } from '../shared/plan-terms.ts';

export type Tally<K extends string> = Record<K, number>;

export interface PlanSummary {
  version: number;
  /** the Copenhagen day the summary was taken */
  takenOn: string;
  status: CaseStatus;
  goals: Tally<GoalStatus>;
  actions: Tally<ActionStatus>;
  actionsByArea: Record<ActionArea, Tally<ActionStatus>>;
  /** actions not dropped, by intervention level ('ikke_angivet' where nobody chose one) */
  levels: Tally<SummaryLevel>;
  /** actions not dropped, by the Copenhagen month (yyyy-MM) they were created in */
  levelsByMonth: Record<string, Tally<SummaryLevel>>;
  /** goals that were reached, partly reached or dropped, by the month (yyyy-MM) of their target date */
  outcomesByMonth: Record<string, Tally<GoalOutcome>>;
  /** target dates of open goals, sorted: past ones are "not reached" on the day they are read */
  openGoalTargets: string[];
  /**
   * Due dates of open (aaben, igang) actions per owner user id ('' for no
   * owner); '' for an open action without a due date. Sorted.
   */
  openDue: Record<string, string[]>;
  tovholder: { userId: string; since: string | null } | null;
  /** the latest day something happened in the plan, as far as the document shows (≤ takenOn) */
  lastActivity: string | null;
  /** meeting dates after takenOn, sorted (they become past meetings, i.e. activity, as days pass) */
  upcomingMeetings: string[];
  lastFeedback: { date: string; score: number } | null;
  /** family feedback by Copenhagen month (yyyy-MM): number of answers and the sum of their 1–5 scores */
  feedbackByMonth: Record<string, { n: number; sum: number }>;
}

/** A summary as it stands on a given day. */
export interface DayFigures {
  status: CaseStatus;
  openActions: number;
  overdueActions: number;
  /** per owner user id ('' for no owner) */
  openByOwner: Record<string, number>;
  overdueByOwner: Record<string, number>;
  nextMeeting: string | null;
  lastActivity: string | null;
  inactive: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A plain calendar day string, or null when it is not one (bad input in a document is ignored, not trusted). */
function validDay(v: string | null | undefined): string | null {
  if (!v || !DAY.test(v)) return null;
  return isValid(parseISO(v)) ? v : null;
}

/** The Copenhagen day of an ISO instant, or null when it does not parse. */
function dayOfInstant(iso: string): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : copenhagenDay(d);
}

function tally<K extends string>(keys: readonly K[]): Tally<K> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Tally<K>;
}

const latest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/**
 * The plan reduced to counts and dates. `lastUpdateAt` is the server's time of
 * the last change it persisted to the room (an ISO instant), when it knows it;
 * the document's own dates (items created, meetings held, feedback given) count
 * as activity as well.
 */
export function summarisePlan(
  doc: Y.Doc,
  now: Date,
  opts: {
    lastUpdateAt?: string | null;
    /**
     * Whether a user id in the plan is an active worker of the family's team.
     * Any plan writer can put any string in an action's owner or the
     * tovholder; leaders must not see made-up people, so anyone else counts
     * as no owner / no tovholder. Without it every id is taken as written.
     */
    isTeamWorker?: (userId: string) => boolean;
  } = {}
): PlanSummary {
  const today = copenhagenDay(now);
  const meta = readMeta(doc);
  const person = (id: string | null | undefined) => (id && (opts.isTeamWorker?.(id) ?? true) ? id : '');
  const readTov = readTovholder(doc);
  const tov = readTov && person(readTov.userId) ? readTov : null;
  const goals = tally(GOAL_STATUSES);
  const actions = tally(ACTION_STATUSES);
  const actionsByArea = Object.fromEntries(ACTION_AREAS.map((a) => [a, tally(ACTION_STATUSES)])) as Record<ActionArea, Tally<ActionStatus>>;
  const levels = tally(SUMMARY_LEVELS);
  const levelsByMonth: Record<string, Tally<SummaryLevel>> = {};
  const outcomesByMonth: Record<string, Tally<GoalOutcome>> = {};
  const openGoalTargets: string[] = [];
  const openDue: Record<string, string[]> = {};
  let lastActivity = opts.lastUpdateAt ? dayOfInstant(opts.lastUpdateAt) : null;
  const noteActivity = (day: string | null) => {
    if (day !== null && day <= today) lastActivity = latest(lastActivity, day);
  };

  for (const g of readGoals(doc)) {
    goals[g.status]++;
    noteActivity(dayOfInstant(g.createdAt));
    const target = validDay(g.targetDate);
    if (target === null) continue;
    if (g.status === 'aaben') openGoalTargets.push(target);
    else (outcomesByMonth[target.slice(0, 7)] ??= tally(GOAL_OUTCOMES))[g.status]++;
  }
  openGoalTargets.sort();
  for (const a of readActions(doc)) {
    actions[a.status]++;
    const area: ActionArea = a.sector && (SECTORS as readonly string[]).includes(a.sector) ? (a.sector as Sector) : a.party ? 'netvaerk' : 'uden';
    actionsByArea[area][a.status]++;
    const created = dayOfInstant(a.createdAt);
    noteActivity(created);
    if (a.status !== 'droppet') {
      const level: SummaryLevel = a.level ?? 'ikke_angivet';
      levels[level]++;
      if (created) (levelsByMonth[created.slice(0, 7)] ??= tally(SUMMARY_LEVELS))[level]++;
    }
    if (isOpenAction(a.status)) (openDue[person(a.ownerId)] ??= []).push(validDay(a.due) ?? '');
  }
  for (const list of Object.values(openDue)) list.sort();

  const upcomingMeetings: string[] = [];
  for (const m of readMeetings(doc)) {
    const day = validDay(m.date);
    if (day === null) continue;
    if (day <= today) noteActivity(day);
    else upcomingMeetings.push(day);
  }
  upcomingMeetings.sort();

  const feedbackByMonth: Record<string, { n: number; sum: number }> = {};
  let lastFeedback: PlanSummary['lastFeedback'] = null;
  for (const f of readFeedback(doc)) {
    const day = validDay(f.date);
    if (day === null || day > today) continue; // feedback is given, not planned: a future date is a typo
    const m = (feedbackByMonth[day.slice(0, 7)] ??= { n: 0, sum: 0 });
    m.n++;
    m.sum += f.score;
    if (lastFeedback === null || day > lastFeedback.date) lastFeedback = { date: day, score: f.score };
    noteActivity(day);
  }

  return {
    version: SUMMARY_VERSION,
    takenOn: today,
    status: meta.status,
    goals,
    actions,
    actionsByArea,
    levels,
    levelsByMonth,
    outcomesByMonth,
    openGoalTargets,
    openDue,
    tovholder: tov ? { userId: tov.userId, since: validDay(tov.since) } : null,
    lastActivity,
    upcomingMeetings,
    lastFeedback,
    feedbackByMonth
  };
}

/**
 * The latest last-activity day that counts as inactive on `today`: the day
 * INACTIVE_AFTER_DAYS calendar days before it. Callers summing many families
 * compute it once and pass it to figuresOn.
 */
export function inactiveCutoff(today: string): string {
  return formatDay(subDays(parseISO(today), INACTIVE_AFTER_DAYS));
}

/**
 * The figures of a stored summary on `today` (a Copenhagen day, yyyy-MM-dd;
 * see copenhagenDay). An open action is overdue from the day after its due
 * date, and a closed case has none (today.ts: the definition the workers'
 * caseload cards use too); a family is inactive when its last activity lies INACTIVE_AFTER_DAYS or
 * more calendar days back (or it has none).
 */
export function figuresOn(s: PlanSummary, today: string, inactiveFrom: string = inactiveCutoff(today)): DayFigures {
  const openByOwner: Record<string, number> = {};
  const overdueByOwner: Record<string, number> = {};
  let openActions = 0;
  let overdueActions = 0;
  for (const [owner, dues] of Object.entries(s.openDue)) {
    const overdue = s.status === 'aktiv' ? dues.filter((d) => isOverdueDue(d, today)).length : 0;
    openByOwner[owner] = dues.length;
    openActions += dues.length;
    if (overdue > 0) overdueByOwner[owner] = overdue;
    overdueActions += overdue;
  }
  let lastActivity = s.lastActivity;
  let nextMeeting: string | null = null;
  for (const d of s.upcomingMeetings) {
    if (d <= today) lastActivity = latest(lastActivity, d);
    else if (nextMeeting === null) nextMeeting = d;
  }
  const inactive = lastActivity === null || lastActivity <= inactiveFrom;
  return { status: s.status, openActions, overdueActions, openByOwner, overdueByOwner, nextMeeting, lastActivity, inactive };
}

/** The months (yyyy-MM) from `from` to `to` inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}
