// Row mappers shared by both stores: their tables have the same columns.
import type { Part, Sector } from '../../src/lib/shared/rooms.ts';
import type { Consent, ConsentMethod } from '../../src/lib/shared/api-types.ts';
import type { AccessGroup, AuditRow, DeviceRow, FamilyLinkRow, FamilyRow, GrantRow, InvitationRow, NotificationRow, ReporterRow, RetentionDeletion, TransferRow } from './types.ts';

type Row = Record<string, unknown>;

export function str(v: unknown): string {
  return String(v);
}
export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function toConsent(r: Row): Consent {
  return {
    id: str(r.id),
    familyId: str(r.family_id),
    givenBy: str(r.given_by),
    categories: JSON.parse(str(r.categories)) as Part[],
    recipients: JSON.parse(str(r.recipients)) as Sector[],
    purpose: str(r.purpose),
    validFrom: str(r.valid_from),
    validUntil: str(r.valid_until),
    method: str(r.method) as ConsentMethod,
    signature: strOrNull(r.signature),
    reference: strOrNull(r.reference),
    renewsId: strOrNull(r.renews_id),
    recordedBy: str(r.recorded_by),
    recordedAt: str(r.recorded_at),
    revokedAt: strOrNull(r.revoked_at),
    revokedBy: strOrNull(r.revoked_by)
  };
}

/** A consent as the parameters of both stores' `insertConsent` (their column order): toConsent's inverse. */
export function consentParams(c: Consent): (string | null)[] {
  return [
    c.id,
    c.familyId,
    c.givenBy,
    JSON.stringify(c.categories),
    JSON.stringify(c.recipients),
    c.purpose,
    c.validFrom,
    c.validUntil,
    c.method,
    c.signature,
    c.reference,
    c.renewsId,
    c.recordedBy,
    c.recordedAt,
    c.revokedAt,
    c.revokedBy
  ];
}

export function toFamily(r: Row): FamilyRow {
  return {
    id: str(r.id),
    name: str(r.name),
    district: str(r.district),
    teamId: str(r.team_id),
    openedBySector: str(r.opened_by_sector) as Sector,
    status: str(r.status) as FamilyRow['status'],
    closedAt: strOrNull(r.closed_at),
    createdAt: str(r.created_at),
    createdBy: str(r.created_by)
  };
}

export function toTransfer(r: Row): TransferRow {
  return {
    id: str(r.id),
    familyId: str(r.family_id),
    fromTeamId: str(r.from_team),
    toTeamId: str(r.to_team),
    note: str(r.note),
    meetingAt: strOrNull(r.meeting_at),
    requestedBy: str(r.requested_by),
    requestedAt: str(r.requested_at),
    decidedBy: strOrNull(r.decided_by),
    decidedAt: strOrNull(r.decided_at),
    outcome: strOrNull(r.outcome) as TransferRow['outcome']
  };
}

export function toGrant(r: Row): GrantRow {
  return {
    id: str(r.id),
    familyId: str(r.family_id),
    userId: str(r.user_id),
    parts: JSON.parse(str(r.parts)) as Part[],
    purpose: str(r.purpose),
    validFrom: str(r.valid_from),
    validUntil: str(r.valid_until),
    grantedBy: str(r.granted_by),
    grantedAt: str(r.granted_at),
    endedAt: strOrNull(r.ended_at),
    endedBy: strOrNull(r.ended_by),
    renewsId: strOrNull(r.renews_id)
  };
}

export function toAccessGroup(r: Row): AccessGroup {
  return {
    userId: strOrNull(r.user_id),
    userName: strOrNull(r.user_name),
    userSector: strOrNull(r.user_sector) as Sector | null,
    room: strOrNull(r.room),
    action: str(r.action),
    hour: str(r.hour),
    count: Number(r.n),
    firstAt: str(r.first_at),
    lastAt: str(r.last_at)
  };
}


export function toAuditRow(r: Row): AuditRow {
  return {
    id: Number(r.id),
    at: str(r.at),
    userId: strOrNull(r.user_id),
    familyId: strOrNull(r.family_id),
    room: strOrNull(r.room),
    action: str(r.action),
    detail: strOrNull(r.detail),
    deviceId: strOrNull(r.device_id),
    userName: strOrNull(r.user_name)
  };
}

export function toDevice(r: Row): DeviceRow {
  return {
    userId: str(r.user_id),
    deviceId: str(r.device_id),
    name: str(r.name),
    createdAt: str(r.created_at),
    lastSeenAt: str(r.last_seen_at),
    leaseUntil: str(r.lease_until),
    lostAt: strOrNull(r.lost_at),
    lostBy: strOrNull(r.lost_by),
    wipedAt: strOrNull(r.wiped_at)
  };
}

export function toReporter(r: Row): ReporterRow {
  return { familyId: str(r.family_id), entryId: str(r.entry_id), reporter: str(r.reporter), recordedBy: str(r.recorded_by), recordedAt: str(r.recorded_at) };
}

/** The deletion record both stores keep of a family deleted for retention (issue 14). */
export function retentionRecord(family: { id: string; teamId: string }, closedAt: string, run: { deletedAt: string; rule: string; deletedBy: string }, counts: Record<string, number>): RetentionDeletion {
  return { familyId: family.id, teamId: family.teamId, closedAt, deletedAt: run.deletedAt, rule: run.rule, deletedBy: run.deletedBy, counts };
}

export function toRetentionDeletion(r: Row): RetentionDeletion {
  return {
    familyId: str(r.family_id),
    teamId: str(r.team_id),
    closedAt: str(r.closed_at),
    deletedAt: str(r.deleted_at),
    rule: str(r.rule),
    deletedBy: str(r.deleted_by),
    counts: JSON.parse(str(r.counts)) as Record<string, number>
  };
}

/**
 * A family's rooms are the names f-<id>.<part>: exactly those in the range
 * [f-<id>. , f-<id>/) ('/' follows '.'), whatever parts exist, on the rooms' index.
 */
export function familyRoomRange(familyId: string): [string, string] {
  return [`f-${familyId}.`, `f-${familyId}/`];
}

/** The family a room f-<id>.<part> belongs to (the retention triggers' rule), or null for another name. */
export function familyOfRoom(room: string): string | null {
  const dot = room.indexOf('.');
  return room.startsWith('f-') && dot > 2 ? room.slice(2, dot) : null;
}

export function toInvitation(r: Row): InvitationRow {
  return {
    id: str(r.id),
    familyId: str(r.family_id),
    codeHash: str(r.code_hash),
    memberName: str(r.member_name),
    relation: str(r.relation),
    invitedBy: str(r.invited_by),
    createdAt: str(r.created_at),
    expiresAt: str(r.expires_at),
    usedAt: strOrNull(r.used_at),
    usedBy: strOrNull(r.used_by),
    revokedAt: strOrNull(r.revoked_at),
    revokedBy: strOrNull(r.revoked_by)
  };
}

export function toFamilyLink(r: Row): FamilyLinkRow {
  return {
    id: str(r.id),
    familyId: str(r.family_id),
    userId: str(r.user_id),
    invitationId: strOrNull(r.invitation_id),
    memberName: str(r.member_name),
    relation: str(r.relation),
    createdAt: str(r.created_at),
    endedAt: strOrNull(r.ended_at),
    endedBy: strOrNull(r.ended_by)
  };
}

export function notificationRow(r: Record<string, unknown>): NotificationRow {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    kind: str(r.kind),
    familyId: strOrNull(r.family_id),
    actorId: strOrNull(r.actor_id),
    key: str(r.key),
    createdAt: str(r.created_at),
    readAt: strOrNull(r.read_at)
  };
}
