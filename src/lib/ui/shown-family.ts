// Which family a family member's page shows (member-families.svelte.ts): a
// plain function, so that the rule is tested without a browser.
import type { CitizenFamily } from '../shared/family-types.ts';

export interface ShownFamily {
  /** the families the member may see, for a choice between them */
  families: { id: string; name: string }[];
  /** the one the page shows; '' when there is none (or none known yet) */
  familyId: string;
  /** the member's own entry for it (its name for the member, among others), once the server has answered */
  info: CitizenFamily | null;
  /** whether an empty `familyId` means the member has no family (rather than that nothing has been read yet) */
  known: boolean;
}

/**
 * The family the page's address names (`?familie=`), else the member's first:
 * of the server's list once it has answered (`mine`), of the device's index
 * until then or when offline (`indexed`).
 */
export function shownFamily(named: string | null, mine: readonly CitizenFamily[] | null, indexed: readonly { id: string; name: string }[]): ShownFamily {
  const families = mine ? mine.map((f) => ({ id: f.familyId, name: f.name })) : [...indexed];
  const familyId = named || families[0]?.id || '';
  return { families, familyId, info: mine?.find((f) => f.familyId === familyId) ?? null, known: mine !== null || indexed.length > 0 };
}
