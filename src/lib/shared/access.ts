// The one access rule (DESIGN §6). Pure: the relay, the HTTP API and the UI all
// call this function with the facts they hold, so they can never disagree.
import type { Part, RoomRef, Sector } from './rooms.ts';

export type Access = 'none' | 'read' | 'write';
/** `pending`: signed in at the municipality's provider, waiting for an administrator to assign a role (DESIGN §10). */
export type Role = 'worker' | 'leader' | 'admin' | 'pending';

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
  now: Date
): Access {
  // Rule 1: admins and leaders never open family rooms.
  if (user.role !== 'worker' || user.sector === null) return 'none';
  if (!family || family.id !== room.familyId) return 'none';
  // Rule 2: outside the family's team.
  if (!user.teamIds.includes(family.teamId)) return 'none';
  // Rule 3: own sector's journal.
  if (room.part === user.sector) return 'write';
  // Rule 4: the plan.
  if (room.part === 'plan') {
    return family.openedBySector === user.sector || consentCovers(consents, family, 'plan', user.sector, now)
      ? 'write'
      : 'none';
  }
  // Rule 5: another sector's journal: read with consent, never write.
  return consentCovers(consents, family, room.part, user.sector, now) ? 'read' : 'none';
}

/**
 * When the user's current access to the room ends by itself if nothing
 * changes: the latest end of the active consents that grant it, or null when
 * the access does not rest on a consent (own sector, the case-owning sector)
 * or there is none. Devices purge a room at this instant even while offline.
 */
export function accessUntil(
  user: AccessUser,
  room: RoomRef,
  family: AccessFamily | undefined,
  consents: readonly AccessConsent[],
  now: Date
): string | null {
  if (access(user, room, family, consents, now) === 'none' || !family || user.sector === null) return null;
  if (room.part === user.sector) return null;
  if (room.part === 'plan' && family.openedBySector === user.sector) return null;
  const sector = user.sector;
  const ends = consents
    .filter((c) => c.familyId === family.id && c.categories.includes(room.part) && c.recipients.includes(sector) && consentActive(c, now))
    .map((c) => Math.min(Date.parse(c.validUntil), c.revokedAt === null ? Infinity : Date.parse(c.revokedAt)));
  return ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : null;
}
