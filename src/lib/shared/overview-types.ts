// JSON shapes of GET /api/overview (DESIGN §8), shared by server and browser.
// Counts and dates only: no family names, no family ids, no text from a plan.
// Families in a drill-down are named by an opaque, stable reference.
import type { FamilyConsentStatus } from './consent.ts';
import type { ActionArea, ActionStatus, CaseStatus, GoalOutcome, GoalStatus, SummaryLevel } from './plan-terms.ts';
import type { Sector } from './rooms.ts';

/** About 25 families per worker is the workable caseload (DESIGN §1): the social workers' norm. */
export const WORKABLE_CASELOAD = 25;
/**
 * The workable caseload per profession until an admin sets it (PUT
 * /api/admin/norms). Families are shared by four professions, and a teacher,
 * a health visitor or a job consultant carries a family differently from its
 * social worker; these are the project's assumptions, not measured figures
 * (docs/performance.md, "Caseload norms").
 */
export const DEFAULT_CASELOAD_NORMS: Record<Sector, number> = { social: 25, school: 30, health: 40, employment: 35 };
/** The range an admin may set a norm to. */
export const CASELOAD_NORM_MIN = 1;
export const CASELOAD_NORM_MAX = 500;
/** The longest period the overview accepts, in months. */
export const MAX_PERIOD_MONTHS = 36;
/** The default period: the last six months including the current one (a half-yearly report). */
export const DEFAULT_PERIOD_MONTHS = 6;

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface OverviewFilters {
  /** a team id among the leader's own teams; null = all of them */
  team: string | null;
  district: string | null;
  /** a profession: only its workers' rows and caseloads; null = all */
  sector: Sector | null;
  /** yyyy-MM, inclusive */
  from: string;
  to: string;
}

export interface LevelMonth {
  month: string;
  levels: Record<SummaryLevel, number>;
}

/** The period's figures month by month: the trend lines beside the key figures. */
export interface TrendMonth {
  month: string;
  /** actions created in the month (not dropped) */
  newActions: number;
  /** early / (early + intrusive) among the month's actions with a chosen level; null when none */
  earlyShare: number | null;
  /** the month's actions without a chosen level */
  notChosen: number;
  feedbackCount: number;
  feedbackAverage: number | null;
  /** goals whose target date fell in the month, by outcome */
  outcomes: Record<GoalOutcome, number>;
}

/** A profession's workers in a team (or in everything in scope) against its norm. */
export interface ProfessionFigures {
  sector: Sector;
  norm: number;
  workers: number;
  /** the sum of the profession's workers' caseloads (a family shared by two of them counts twice) */
  caseloadSum: number;
  /** caseloadSum / workers; null without workers */
  averageCaseload: number | null;
  /** workers above the norm */
  overNorm: number;
}

/** Figures of a set of families: a team, a worker's families, or everything in scope. */
export interface KeyFigures {
  /** active families */
  families: number;
  closedFamilies: number;
  /**
   * Closed cases deleted by retention (RETENTION_YEARS after closing): not
   * families any more, but what happened in them in past months (new actions
   * by level, goal outcomes, feedback) still counts in the period's figures.
   */
  deletedFamilies?: number;
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
  /** actions created within the period (not dropped), by intervention level; 'ikke_angivet' where nobody chose one */
  levels: Record<SummaryLevel, number>;
  /**
   * (råd og vejledning + forebyggende) / (those + støttende + anbringelse) in
   * the period, among actions whose level someone chose; null when none
   */
  earlyShare: number | null;
  levelsByMonth: LevelMonth[];
  /** goals whose target date fell within the period, by outcome */
  outcomes: Record<GoalOutcome, number>;
  /** month by month within the period */
  trend: TrendMonth[];
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
  /** active families the worker is tovholder for or owns an open action in, against `norm` */
  caseload: number;
  /** the workable caseload of the worker's profession */
  norm: number;
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
  /** per profession present in the team (after the profession filter) */
  professions: ProfessionFigures[];
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
  levels: Record<SummaryLevel, number>;
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
  options: { teams: { id: string; name: string }[]; districts: string[]; sectors: Sector[] };
  period: { from: string; to: string; months: string[] };
  /** the social workers' norm (DESIGN §1's 25 unless an admin changed it) */
  workableCaseload: number;
  /** the workable caseload per profession */
  norms: Record<Sector, number>;
  /** per profession over every team in scope */
  professions: ProfessionFigures[];
  /** families in scope whose plan has not been summarised yet (right after a start) */
  pending: number;
  totals: KeyFigures;
  teams: TeamFigures[];
  /** with ?worker=<user id>: that worker's families */
  drill?: { worker: { userId: string; name: string; sector: Sector | null }; families: FamilyFigures[] };
}
