// The one access rule (DESIGN §6). Pure: the relay, the HTTP API and the UI all
// call this function with the facts they hold, so they can never disagree.
import type { Part, RoomRef, Sector } from './rooms.ts';
import { isPart } from './rooms.ts';
import type { CaseStatus } from './plan-terms.ts';

export type Access = 'none' | 'read' | 'write';
/**
 * `pending`: signed in at the municipality's provider, waiting for an administrator to assign a role (DESIGN §10).
 * `citizen`: a family member with their own sign-in, linked to families by accepted invitations (DESIGN §12).
 */
export type Role = 'worker' | 'leader' | 'admin' | 'pending' | 'citizen';

/** Roles whose devices hold family data (rooms, index, device key): workers and family members (DESIGN §13). */
export function holdsFamilyData(role: Role | null | undefined): boolean {
  return role === 'worker' || role === 'citizen';
}

export interface AccessUser {
  id: string;
  role: Role;
  sector: Sector | null;
  teamIds: readonly string[];
}

export interface AccessFamily {
  id: string;
  teamId: string;
  openedBySector: Sector;
  /** a closed case (`afsluttet`) is read-only for everyone; absent reads as open */
  status?: CaseStatus;
}

/**
 * A called-in specialist's grant (DESIGN §6 rule 6): one worker outside the
 * family's team, some parts, for a period; ended early by `endedAt`.
 */
export interface AccessGrant {
  familyId: string;
  userId: string;
  parts: readonly Part[];
  validFrom: string; // ISO instant
  validUntil: string; // ISO instant
  endedAt: string | null;
}

/** A grant is active from validFrom until validUntil (exclusive) unless ended; expiry equals ending. */
export function grantActive(g: AccessGrant, now: Date): boolean {
  const t = now.getTime();
  if (g.endedAt !== null && Date.parse(g.endedAt) <= t) return false;
  return Date.parse(g.validFrom) <= t && t < Date.parse(g.validUntil);
}

function activeGrantFor(grants: readonly AccessGrant[], user: AccessUser, family: AccessFamily, part: Part, now: Date): AccessGrant | undefined {
  return grants.find((g) => g.familyId === family.id && g.userId === user.id && g.parts.includes(part) && grantActive(g, now));
}

/** Rule 6's condition: some active consent of the family names the specialist's sector as a recipient. */
function consentNamesSector(consents: readonly AccessConsent[], family: AccessFamily, sector: Sector, now: Date) {
  return consents.some((c) => c.familyId === family.id && c.recipients.includes(sector) && consentActive(c, now));
}

/**
 * A citizen's link to a family (DESIGN §6 rule 7): made when the citizen
 * accepts an invitation, ended by the tovholder or the case-owning sector.
 */
export interface AccessLink {
  familyId: string;
  userId: string;
  endedAt: string | null;
}

/** A link is active until it is ended. */
export function linkActive(l: AccessLink, now: Date): boolean {
  return l.endedAt === null || Date.parse(l.endedAt) > now.getTime();
}

export interface AccessConsent {
  familyId: string;
  categories: readonly Part[];
  recipients: readonly Sector[];
  validFrom: string; // ISO instant
  validUntil: string; // ISO instant
  revokedAt: string | null;
}

/** A consent is active from validFrom until validUntil (exclusive) unless revoked; expiry equals revocation. */
export function consentActive(c: AccessConsent, now: Date): boolean {
  if (c.revokedAt !== null && Date.parse(c.revokedAt) <= now.getTime()) return false;
  const t = now.getTime();
  return Date.parse(c.validFrom) <= t && t < Date.parse(c.validUntil);
}

function consentCovers(consents: readonly AccessConsent[], family: AccessFamily, part: Part, sector: Sector, now: Date) {
  return consents.some(
    (c) => c.familyId === family.id && c.categories.includes(part) && c.recipients.includes(sector) && consentActive(c, now)
  );
}

export function access(
  user: AccessUser,
  room: RoomRef,
  family: AccessFamily | undefined,
  consents: readonly AccessConsent[],
  now: Date,
  grants: readonly AccessGrant[] = [],
  links: readonly AccessLink[] = []
): Access {
  // Rule 7: a citizen linked to the family, while the link and the case last.
  if (user.role === 'citizen') return citizenAccess(user, room, family, now, links);
  // Rule 8: a worker with plan access reads what the family writes; never writes it.
  if (room.part === 'family') {
    return access(user, { familyId: room.familyId, part: 'plan' }, family, consents, now, grants) === 'none' ? 'none' : 'read';
  }
  const a = openAccess(user, room, family, consents, now, grants);
  // A closed case is read-only for everyone (issue #14): the relay drops every write.
  return a === 'write' && family?.status === 'afsluttet' ? 'read' : a;
}

function citizenAccess(user: AccessUser, room: RoomRef, family: AccessFamily | undefined, now: Date, links: readonly AccessLink[]): Access {
  if (!family || family.id !== room.familyId || family.status === 'afsluttet') return 'none';
  if (!links.some((l) => l.familyId === family.id && l.userId === user.id && linkActive(l, now))) return 'none';
  if (room.part === 'plan') return 'read';
  if (room.part === 'family') return 'write';
  // Journals: never.
  return 'none';
}

/** Whether the case is closed: the one place screens ask before offering to edit. */
export function caseClosed(family: Pick<AccessFamily, 'status'> | null | undefined): boolean {
  return family?.status === 'afsluttet';
}

function openAccess(
  user: AccessUser,
  room: RoomRef,
  family: AccessFamily | undefined,
  consents: readonly AccessConsent[],
  now: Date,
  grants: readonly AccessGrant[]
): Access {
  // Rule 1: admins and leaders never open family rooms.
  if (user.role !== 'worker' || user.sector === null) return 'none';
  if (!family || family.id !== room.familyId) return 'none';
  const part = room.part;
  if (!isPart(part)) return 'none';
  // Rule 2: outside the family's team, unless called in (rule 6): rules 3–5
  // within the grant's parts and period, while a consent names the sector.
  if (!user.teamIds.includes(family.teamId)) {
    if (!activeGrantFor(grants, user, family, part, now) || !consentNamesSector(consents, family, user.sector, now)) return 'none';
  }
  // Rule 3: own sector's journal.
  if (part === user.sector) return 'write';
  // Rule 4: the plan.
  if (part === 'plan') {
    return family.openedBySector === user.sector || consentCovers(consents, family, 'plan', user.sector, now)
      ? 'write'
      : 'none';
  }
  // Rule 5: another sector's journal: read with consent, never write.
  return consentCovers(consents, family, part, user.sector, now) ? 'read' : 'none';
}

/** When access ends by itself, and whether a consent's end or a specialist's grant's end ends it. */
export interface AccessEnd {
  at: string;
  by: 'consent' | 'grant';
}

/**
 * When the user's current access to the room ends by itself if nothing
 * changes, and what ends it: the latest end of the active consents that grant
 * it, or for a called-in specialist the grant's end if that comes first; null
 * when the access does not rest on a consent (own sector, the case-owning
 * sector) or there is none. Devices purge a room at this instant even while
 * offline, and say which of the two ended.
 */
export function accessEnd(
  user: AccessUser,
  room: RoomRef,
  family: AccessFamily | undefined,
  consents: readonly AccessConsent[],
  now: Date,
  grants: readonly AccessGrant[] = [],
  links: readonly AccessLink[] = []
): AccessEnd | null {
  // A citizen's link has no end date of its own: it lasts until it is ended.
  if (user.role === 'citizen') return null;
  // Rule 8: what the family writes is read as long as the plan is.
  if (room.part === 'family') return accessEnd(user, { familyId: room.familyId, part: 'plan' }, family, consents, now, grants);
  if (access(user, room, family, consents, now, grants, links) === 'none' || !family || user.sector === null) return null;
  const part = room.part;
  const sector = user.sector;
  if (!user.teamIds.includes(family.teamId)) {
    // A specialist: the grant's end, or the end of the consents naming the sector, whichever comes first.
    const grantEnd = Math.max(
      ...grants
        .filter((g) => g.familyId === family.id && g.userId === user.id && g.parts.includes(part) && grantActive(g, now))
        .map((g) => Math.min(Date.parse(g.validUntil), g.endedAt === null ? Infinity : Date.parse(g.endedAt)))
    );
    const consentEnd = Math.max(
      ...consents
        .filter((c) => c.familyId === family.id && c.recipients.includes(sector) && consentActive(c, now))
        .map((c) => Math.min(Date.parse(c.validUntil), c.revokedAt === null ? Infinity : Date.parse(c.revokedAt)))
    );
    const ruleEnd = accessUntilInTeam(user, room, family, consents, now);
    const end = Math.min(grantEnd, consentEnd, ruleEnd === null ? Infinity : Date.parse(ruleEnd));
    if (!Number.isFinite(end)) return null;
    // Both ending at the same instant: the grant is the specialist's own reason to be here.
    return { at: new Date(end).toISOString(), by: end === grantEnd ? 'grant' : 'consent' };
  }
  const at = accessUntilInTeam(user, room, family, consents, now);
  return at === null ? null : { at, by: 'consent' };
}

function accessUntilInTeam(user: AccessUser, room: RoomRef, family: AccessFamily, consents: readonly AccessConsent[], now: Date): string | null {
  const part = room.part;
  if (!isPart(part)) return null;
  if (part === user.sector) return null;
  if (room.part === 'plan' && family.openedBySector === user.sector) return null;
  const sector = user.sector;
  if (sector === null) return null;
  const ends = consents
    .filter((c) => c.familyId === family.id && c.categories.includes(part) && c.recipients.includes(sector) && consentActive(c, now))
    .map((c) => Math.min(Date.parse(c.validUntil), c.revokedAt === null ? Infinity : Date.parse(c.revokedAt)));
  return ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : null;
}
