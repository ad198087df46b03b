// JSON shapes of the HTTP API (DESIGN §8), shared by server and browser.
import type { Access, Role } from './access.ts';
import type { CaseStatus } from './plan-terms.ts';
import type { Part, Sector } from './rooms.ts';

export interface ApiError {
  error: string;
  message: string;
}

export interface Me {
  id: string;
  username: string;
  name: string;
  role: Role;
  sector: Sector | null;
  /** `districts`: the team's skoledistrikter, the first the default for a new family (absent from servers before the district list) */
  teams: { id: string; name: string; districts?: string[] }[];
}

/** GET /api/auth/methods: what the login page offers. */
export interface AuthMethods {
  oidc: boolean;
  password: boolean;
}

/** A user as the administrator sees them (DESIGN §8 Administration). */
export interface AdminUser {
  id: string;
  username: string;
  name: string;
  email: string | null;
  role: Role;
  sector: Sector | null;
  teamIds: string[];
  active: boolean;
  signIn: 'oidc' | 'password';
}

/** A team for the administrator: where it works and how many families it holds — never which. */
export interface AdminTeam {
  id: string;
  name: string;
  cluster: string;
  districts: string[];
  families: number;
  workers: number;
  leaders: string[];
}

export interface AdminDistrict {
  name: string;
  cluster: string;
}

export interface AdminAuditEntry {
  at: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  detail: Record<string, unknown>;
}

export interface ManifestRoom {
  room: string;
  access: Exclude<Access, 'none'>;
  seq: number;
  /** ISO instant when access ends by consent expiry, unless renewed; null when it does not rest on a consent */
  until?: string | null;
}

export interface Manifest {
  rooms: ManifestRoom[];
  purge: string[];
  leaseUntil: string;
}

/** A worker in the family's team, and whether the access rule lets them into the plan. */
export interface TeamWorker {
  id: string;
  name: string;
  sector: Sector;
  planAccess: boolean;
}

export interface FamilySummary {
  id: string;
  name: string;
  district: string;
  teamId: string;
  teamName: string;
  status: CaseStatus;
  parts: { part: Part; access: Exclude<Access, 'none'> }[];
  /** ISO instant when the last active consent ends; null when none is active */
  consentUntil: string | null;
  /** the team's workers (owners and tovholder are chosen among them, offline too); absent from servers before issue 4 */
  workers?: TeamWorker[];
  /** the sector that opened the case: its workers may record consents (offline too); absent from older servers */
  openedBySector?: Sector;
  /** the anonymous case reference leaders see in the overview (XXXXX-XXXXX); absent from older servers */
  ref?: string;
  /** a called-in specialist's view: when their grant ends (DESIGN §6 rule 6); absent for the team's own workers */
  grantUntil?: string | null;
}

export type ConsentMethod = 'signed' | 'paper' | 'oral';

export interface Consent {
  id: string;
  familyId: string;
  givenBy: string;
  categories: Part[];
  recipients: Sector[];
  purpose: string;
  validFrom: string;
  validUntil: string;
  method: ConsentMethod;
  /** `signed`: the drawn signature as a data:image/png URL; otherwise null */
  signature: string | null;
  /** `paper`: where the signed paper is filed; `oral`: how the oral consent was given and documented */
  reference: string | null;
  /** the earlier consent this one renews, if any */
  renewsId: string | null;
  recordedBy: string;
  recordedAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface ConsentList {
  consents: Consent[];
  /** user id -> name, for recordedBy / revokedBy */
  people: Record<string, string>;
  /** the sector that opened the family's case (its workers may record consents) */
  openedBySector?: Sector;
  /** why this user may record and withdraw consents ('case-owner' | 'tovholder'), or null: they may only read */
  authority?: 'case-owner' | 'tovholder' | null;
  /** every consent change, refused attempts included, newest first; for the case owner and the tovholder only */
  history?: ConsentEvent[];
}

/** One change to a family's consents, as the case owner and the tovholder see it. */
export interface ConsentEvent {
  at: string;
  userId: string;
  userName: string;
  action: 'recorded' | 'revoked' | 'refused';
  /** the consent recorded or withdrawn; null for a refused attempt */
  consentId: string | null;
  categories: Part[];
  recipients: Sector[];
  /** for a refused attempt: the error code */
  reason: string | null;
}

/**
 * What the family's access log says someone did. `open`: opened on screen;
 * `open-offline`: opened on a device without connection (uploaded later);
 * `sync`: the person's device fetched a copy in the background; `change`:
 * accepted edits; `change-refused`: edits dropped because the access was read-only;
 * `open-refused`: tried to open without access.
 */
export type AccessLogAction =
  | 'open'
  | 'open-offline'
  | 'sync'
  | 'change'
  | 'change-refused'
  | 'open-refused'
  | 'access-ended'
  | 'consent-recorded'
  | 'consent-revoked'
  | 'family-created';

/** One line of the family's access log: one person, one part, one kind of access, one day (Danish time). */
export interface AccessLogEntry {
  /** the latest time in the group */
  at: string;
  /** the earliest time in the group */
  firstAt: string;
  /** yyyy-MM-dd in Danish time */
  day: string;
  userId: string;
  userName: string;
  userSector: Sector | null;
  /** the room, '' for family-wide events (consents) */
  room: string;
  part: Part | null;
  action: AccessLogAction;
  /** how many openings / edits the line stands for */
  count: number;
}

/** A device a user signed in on (DESIGN §13), as its user and an admin see it. */
export interface DeviceInfo {
  deviceId: string;
  /** what the device calls itself (browser and platform), set by the device */
  name: string;
  createdAt: string;
  lastSeenAt: string;
  leaseUntil: string;
  lostAt: string | null;
  lostBy: string | null;
  /** when the lost device confirmed it had wiped its data */
  wipedAt: string | null;
  /** the device of the session asking */
  current?: boolean;
  /** for the admin's list */
  userId?: string;
  userName?: string;
}

/** POST /api/device/key → the server-held key that unwraps this device's data key (base64url, 32 bytes) and the lease. */
export interface DeviceKey {
  key: string;
  leaseUntil: string;
}

/** Why a worker may administer a case (close, reopen, transfer, call in a specialist): DESIGN §8 Case lifecycle. */
export type CaseAuthority = 'case-owner' | 'tovholder';

/** A family's move to another team, as both teams see it. */
export interface CaseTransfer {
  id: string;
  familyId: string;
  /** the family's name: shown to the receiving team, which must know whom it takes over */
  familyName: string;
  fromTeamId: string;
  fromTeamName: string;
  toTeamId: string;
  toTeamName: string;
  note: string;
  /** the proposed first meeting, yyyy-MM-ddTHH:mm (Danish time), or null */
  meetingAt: string | null;
  requestedBy: string;
  requestedByName: string;
  requestedAt: string;
  decidedAt: string | null;
  decidedByName: string | null;
  outcome: 'accepted' | 'declined' | 'cancelled' | null;
}

/** A called-in specialist's grant (DESIGN §6 rule 6). */
export interface CaseGrant {
  id: string;
  familyId: string;
  userId: string;
  userName: string;
  userSector: Sector | null;
  parts: Part[];
  purpose: string;
  validFrom: string;
  validUntil: string;
  grantedByName: string;
  grantedAt: string;
  endedAt: string | null;
  endedByName: string | null;
  renewsId: string | null;
  /** active now (not ended, not expired) */
  active: boolean;
}

/** One step in the case's life, from the audit log. */
export interface CaseEvent {
  at: string;
  userName: string;
  action: 'case-closed' | 'case-reopened' | 'transfer-requested' | 'transfer-accepted' | 'transfer-declined' | 'transfer-cancelled' | 'grant-given' | 'grant-ended';
  /** the reason, the team, the specialist …: free text written by the server */
  detail: string;
}

/** GET /api/families/:id/case: the case's administration (workers with plan access). */
export interface CaseInfo {
  familyId: string;
  name: string;
  status: CaseStatus;
  closedAt: string | null;
  teamId: string;
  teamName: string;
  openedBySector: Sector;
  /** why this user may administer the case, or null: they may only read */
  authority: CaseAuthority | null;
  events: CaseEvent[];
  transfers: CaseTransfer[];
  grants: CaseGrant[];
  /** teams a transfer may go to */
  teams: { id: string; name: string }[];
  /** active workers outside the family's team, who may be called in */
  specialists: { id: string; name: string; sector: Sector; teams: string }[];
}

/** GET /api/families/:id/underretninger: who made each underretning, by journal entry id (the social sector only). */
export interface UnderretningReporters {
  reporters: Record<string, { reporter: string; recordedByName: string; recordedAt: string }>;
}

/** What a notification is about (issue #16). */
export const NOTIFICATION_KINDS = [
  'handover-proposed',
  'handover-accepted',
  'handover-declined',
  'action-assigned',
  'action-overdue',
  'consent-expiring',
  'access-given',
  'access-ended',
  /** the family's own room (f-<id>.family): a new wish; no producer yet */
  'family-wish'
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One message in a worker's inbox: ids and a kind, never family content (the device names the family from its own index). */
export interface Notification {
  id: string;
  kind: NotificationKind;
  familyId: string | null;
  /** who caused it, '' for reminders */
  actorName: string;
  createdAt: string;
  read: boolean;
}
