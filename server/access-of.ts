// One server-side answer to "what may this user do in this room" (issue "One
// rule in one place"): the relay (upgrade, rechecks) and the API (manifest,
// consents, access log) both ask here. The rule itself is the pure `access()`
// in src/lib/shared/access.ts, the one the UI mirrors; this module only
// gathers its facts the same way for every caller, including the server-side
// fact the pure rule does not see: a deactivated user opens nothing. The relay
// reads the facts through the store's `accessFacts`, the read its append's
// writer check makes, for all the sockets it checks at once.
import { access, type Access, type AccessGrant, type AccessLink } from '../src/lib/shared/access.ts';
import type { Consent } from '../src/lib/shared/api-types.ts';
import { FAMILY_ID_PATTERN, type RoomRef } from '../src/lib/shared/rooms.ts';
import type { Consents, FamilyRow, Families, RoomLog, UserRow } from './store/types.ts';
import type { WriteFacts } from './store/write-access.ts';

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

/** The rule over the facts the store's writer check reads (`accessFacts`, the append's own read). */
export function accessInFacts(facts: WriteFacts, user: UserRow | undefined, room: RoomRef, at: Date): Access {
  const { familyId } = room;
  return accessFromFacts(user, room, facts.families.get(familyId), facts.consents.get(familyId) ?? [], at, facts.grants.get(familyId) ?? [], facts.links?.get(familyId) ?? []);
}

/** One user's question about one room. */
export interface AccessAsk {
  userId: string;
  room: RoomRef;
}

/**
 * The rule for many users and rooms with fresh facts read in one go (the
 * relay's upgrades and rechecks of its sockets): the read and the rule the
 * append's writer check uses.
 */
export async function accessOfAll(store: Pick<RoomLog, 'accessFacts'>, asks: readonly AccessAsk[], at: Date): Promise<Access[]> {
  if (asks.length === 0) return [];
  const facts = await store.accessFacts({
    sessionHashes: [],
    userIds: [...new Set(asks.map((a) => a.userId))].sort(),
    familyIds: [...new Set(asks.map((a) => a.room.familyId))].sort()
  });
  return asks.map(({ userId, room }) => accessInFacts(facts, facts.users.get(userId), room, at));
}

/**
 * The family a URL names, for a worker of its team who may see its plan
 * (closed cases included: they read); null for anyone else, a malformed id or
 * no such family alike, so that the caller's 404 lets no id be probed.
 */
export async function familyOfTeamWorker(store: Pick<Families, 'familyById'> & Pick<Consents, 'consentsOfFamily'>, user: UserRow, id: string, at: Date): Promise<FamilyRow | null> {
  if (!FAMILY_ID_PATTERN.test(id)) return null;
  const family = await store.familyById(id);
  if (!family || user.role !== 'worker' || !user.teamIds.includes(family.teamId)) return null;
  const consents = await store.consentsOfFamily(family.id);
  return accessFromFacts(user, { familyId: family.id, part: 'plan' }, family, consents, at) === 'none' ? null : family;
}
