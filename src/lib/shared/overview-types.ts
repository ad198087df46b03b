// JSON shapes of GET /api/overview (DESIGN §8), shared by server and browser.
// Counts and dates only: no family names, no family ids, no text from a plan.
// Families in a drill-down are named by an opaque, stable reference.
import type { FamilyConsentStatus } from './consent.ts';
import type { ActionArea, ActionStatus, CaseStatus, GoalStatus, InterventionLevel } from './plan-terms.ts';
import type { Sector } from './rooms.ts';

/** About 25 families per worker is the workable caseload (DESIGN §1; the demo seed's figure). */
export const WORKABLE_CASELOAD = 25;
/** The longest period the overview accepts, in months. */
export const MAX_PERIOD_MONTHS = 36;
/** The default period: the last six months including the current one (a half-yearly report). */
export const DEFAULT_PERIOD_MONTHS = 6;

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface OverviewFilters {
  /** a team id among the leader's own teams; null = all of them */
  team: string | null;
  district: string | null;
  /** yyyy-MM, inclusive */
  from: string;
  to: string;
}

export interface LevelMonth {
  month: string;
  levels: Record<InterventionLevel, number>;
}

/** Figures of a set of families: a team, a worker's families, or everything in scope. */
export interface KeyFigures {
  /** active families */
  families: number;
  closedFamilies: number;
  withoutTovholder: number;
  overdueActions: number;
  familiesWithOverdue: number;
  openActions: number;
  /** families whose active consent ends within 30 days */
  consentsExpiring: number;
  /** families with no active consent */
  withoutConsent: number;
  /** active families without activity for 30 days */
  inactive: number;
  goals: Record<GoalStatus, number>;
  actions: Record<ActionStatus, number>;
  actionsByArea: Record<ActionArea, Record<ActionStatus, number>>;
  /** actions created within the period (not dropped), by intervention level */
  levels: Record<InterventionLevel, number>;
  /** (råd og vejledning + forebyggende) / (those + støttende + anbringelse) in the period; null when none */
  earlyShare: number | null;
  levelsByMonth: LevelMonth[];
  /** family feedback given within the period */
  feedback: { count: number; average: number | null };
  lastFeedbackDate: string | null;
}

/** A worker's row: the families they carry and how stretched they are. */
export interface WorkerFigures {
  userId: string;
  /** '' when the user is not known (any more) */
  name: string;
  sector: Sector | null;
  /** active families the worker is tovholder for or owns an open action in, against WORKABLE_CASELOAD */
  caseload: number;
  tovholderFor: number;
  /** open actions the worker owns */
  ownOpenActions: number;
  /** overdue actions the worker owns */
  ownOverdueActions: number;
  /** among the worker's families */
  familiesWithOverdue: number;
  consentsExpiring: number;
  inactive: number;
  /** family feedback within the period, in the worker's families */
  feedback: { count: number; average: number | null };
  /** early share of the actions created within the period in the worker's families */
  earlyShare: number | null;
}

export interface TeamFigures {
  id: string;
  name: string;
  district: string;
  cluster: string;
  figures: KeyFigures;
  workers: WorkerFigures[];
}

/** One family in a worker's drill-down: summary fields only. */
export interface FamilyFigures {
  /** opaque and stable; not the family id */
  ref: string;
  teamId: string;
  teamName: string;
  district: string;
  status: CaseStatus;
  /** the drilled-down worker's role in the family */
  role: 'tovholder' | 'handlinger';
  tovholder: { userId: string; name: string; since: string | null } | null;
  openActions: number;
  ownOpenActions: number;
  overdueActions: number;
  ownOverdueActions: number;
  goals: Record<GoalStatus, number>;
  actions: Record<ActionStatus, number>;
  levels: Record<InterventionLevel, number>;
  nextMeeting: string | null;
  lastActivity: string | null;
  inactive: boolean;
  lastFeedback: { date: string; score: number } | null;
  consent: { status: FamilyConsentStatus; until: string | null };
}

export interface Overview {
  generatedAt: string;
  /** the Copenhagen day the figures are for */
  today: string;
  filters: OverviewFilters;
  /** what the filters may be set to */
  options: { teams: { id: string; name: string }[]; districts: string[] };
  period: { from: string; to: string; months: string[] };
  workableCaseload: number;
  /** families in scope whose plan has not been summarised yet (right after a start) */
  pending: number;
  totals: KeyFigures;
  teams: TeamFigures[];
  /** with ?worker=<user id>: that worker's families */
  drill?: { worker: { userId: string; name: string; sector: Sector | null }; families: FamilyFigures[] };
}
