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

export const GOAL_STATUSES = ['aaben', 'naaet', 'droppet'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

/** Where an action sits: a sector, a network party (netværk), or neither recorded. */
export const ACTION_AREAS = [...SECTORS, 'netvaerk', 'uden'] as const;
export type ActionArea = (typeof ACTION_AREAS)[number];
