// What the plan page hands every section and card that shows the plan's goals,
// actions and meetings and edits them: one declaration, so that a new part of
// the page's context is added in one place.
import type { Action, NetworkParty } from '../domain/plan.ts';
import type { TeamWorker } from '../shared/api-types.ts';
import type { PlanCommands } from './plan-commands.ts';

export interface PlanScope {
  actions: Action[];
  /** the team's workers, as owners of actions (null until known) */
  workers: TeamWorker[] | null;
  network: NetworkParty[];
  cmd: PlanCommands;
  today: Date;
  /** today as a Copenhagen day (yyyy-MM-dd) */
  todayDay: string;
  /** field -> the names of the people editing it now */
  editing: Map<string, string[]>;
  /** reading only: no edit affordances */
  readonly?: boolean;
  onfocusfield: (field: string | null) => void;
}
