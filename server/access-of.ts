// One server-side answer to "what may this user do in this room" (issue "One
// rule in one place"): the relay (upgrade, rechecks) and the API (manifest,
// consents, access log) both ask here. The rule itself is the pure `access()`
// in src/lib/shared/access.ts, the one the UI mirrors; this module only
// gathers its facts the same way for every caller, including the server-side
// fact the pure rule does not see: a deactivated user opens nothing.
import { access, type Access, type AccessGrant, type AccessLink } from '../src/lib/shared/access.ts';
import type { RoomRef } from '../src/lib/shared/rooms.ts';
import type { Consent } from '../src/lib/shared/api-types.ts';
import type { Consents, Families, FamilyLinks, FamilyRow, Identity, Lifecycle, UserRow } from './store/types.ts';

/** The rule over facts already read (the API reads them in bulk for many families). */
export function accessFromFacts(
  user: UserRow | undefined,
  room: RoomRef,
  family: FamilyRow | undefined,
  consents: readonly Consent[],
  at: Date,
  grants: readonly AccessGrant[] = [],
  links: readonly AccessLink[] = []
): Access {
  if (!user || !user.active || !family || family.id !== room.familyId) return 'none';
  return access(user, room, family, consents, at, grants, links);
}

export type AccessFacts = Pick<Identity, 'userById'> & Pick<Families, 'familyById'> & Pick<Consents, 'consentsOfFamily'> & Pick<Lifecycle, 'grantsOfFamily'> & Pick<FamilyLinks, 'linksOfFamily'>;

/** The rule with fresh facts from the store. */
export async function accessOf(store: AccessFacts, userId: string, room: RoomRef, at: Date): Promise<Access> {
  const [user, family, consents, grants] = await Promise.all([
    store.userById(userId),
    store.familyById(room.familyId),
    store.consentsOfFamily(room.familyId),
    store.grantsOfFamily(room.familyId)
  ]);
  // Only a citizen's access rests on links (rule 7): a worker's check asks the store nothing more than before.
  const links = user?.role === 'citizen' ? await store.linksOfFamily(room.familyId) : [];
  return accessFromFacts(user, room, family, consents, at, grants, links);
}
