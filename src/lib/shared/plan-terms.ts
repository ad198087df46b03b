// The plan's fixed vocabularies (DESIGN §5), as the API, the server's overview
// and the domain model all name them. Here, not in domain/, because shared
// code (API and overview types) needs them and must not import the domain.
import { SECTORS } from './rooms.ts';

/** Whether a family's case is open or closed. */
export const CASE_STATUSES = ['aktiv', 'afsluttet'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const INTERVENTION_LEVELS = ['raad', 'forebyggende', 'stoettende', 'anbringelse', 'andet'] as const;
export type InterventionLevel = (typeof INTERVENTION_LEVELS)[number];

export const ACTION_STATUSES = ['aaben', 'igang', 'udfoert', 'droppet'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const GOAL_STATUSES = ['aaben', 'naaet', 'delvist', 'droppet'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

/** Where an action sits: a sector, a network party (netværk), or neither recorded. */
export const ACTION_AREAS = [...SECTORS, 'netvaerk', 'uden'] as const;
export type ActionArea = (typeof ACTION_AREAS)[number];

/** The levels the figures count: the chosen ones, and actions where nobody chose one. */
export const SUMMARY_LEVELS = [...INTERVENTION_LEVELS, 'ikke_angivet'] as const;
export type SummaryLevel = (typeof SUMMARY_LEVELS)[number];

/**
 * A goal's outcome, counted in the month of its target date: reached, partly
 * reached, not reached (its target date has passed and it is still open), or
 * dropped. A goal still open before its target date has no outcome yet.
 */
export const GOAL_OUTCOMES = ['naaet', 'delvist', 'ikke_naaet', 'droppet'] as const;
export type GoalOutcome = (typeof GOAL_OUTCOMES)[number];
