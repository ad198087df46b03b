// Who may open a new case (issue 14): a setting per sector, by default only
// the social sector (the sector that carries a case under the Barnets Lov).
// The server refuses the others (403 case_opening_not_allowed); the start
// page hides "Ny familie" for them.
import { SECTORS, type Sector } from './rooms.ts';

export const DEFAULT_CASE_OPENERS: Readonly<Record<Sector, boolean>> = { social: true, school: false, health: false, employment: false };

/** The admin's settings over the defaults. */
export function caseOpeners(stored: Partial<Record<Sector, boolean>>): Record<Sector, boolean> {
  return Object.fromEntries(SECTORS.map((s) => [s, stored[s] ?? DEFAULT_CASE_OPENERS[s]])) as Record<Sector, boolean>;
}
