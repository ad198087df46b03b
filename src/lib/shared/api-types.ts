// JSON shapes of the HTTP API (DESIGN §8), shared by server and browser.
import type { Access, Role } from './access.ts';
import type { CaseStatus } from './plan-terms.ts';
import type { Part, RoomPart, Sector } from './rooms.ts';
import type { Action, Feedback, Goal, Hope, Meeting, Member, NetworkParty, PlanMeta, Tovholder, TovholderTenure } from '../domain/plan.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { HistorySession } from '../domain/history.ts';

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
  /** may open a new case (a setting per sector, DEFAULT_CASE_OPENERS); absent from older servers */
  mayOpenCase?: boolean;
}

/** POST /api/families: a new family with its members (issue 14); `id` chosen by the device so an offline opening is sent once. */
export interface NewFamilyRequest {
  id: string;
  name: string;
  teamId?: string;
  district?: string;
  members: { kind: 'adult' | 'child'; name: string; relation: string; birthYear: string }[];
  /** the creator when absent */
  tovholderId?: string;
}

/** GET /api/auth/methods: what the login page offers. */
export interface AuthMethods {
  oidc: boolean;
  password: boolean;
  /** the family's own sign-in (DESIGN §12: CITIZEN_OIDC_*, or the demo's local provider) */
  citizen?: boolean;
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
  /** ISO instant when access ends by itself (a consent's or a grant's end), unless renewed; null when it does not rest on one */
  until?: string | null;
  /** what ends it at `until`: a consent's end, or a called-in specialist's grant's end (absent: consent) */
  untilBy?: 'consent' | 'grant';
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
  authority?: 'case-owner' | 'tovholder' | 'family' | null;
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
  part: RoomPart | null;
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
  /** the device may keep its data key unlocked until then without contact */
  leaseUntil: string;
  /** reported lost (by the user or an admin): no key again, and the device wipes at its next contact */
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

/** A deletion record (issue #14 retention): what is kept of a deleted case. Ids, dates and counts only. */
export interface RetentionRecord {
  familyId: string;
  teamId: string;
  closedAt: string;
  deletedAt: string;
  /** the rule that deleted it, e.g. `RETENTION_YEARS=5` */
  rule: string;
  /** the admin's user id, or `system` for the sweep */
  deletedBy: string;
  /** rows deleted, by kind (updates, archivedUpdates, auditEntries, consents …) */
  counts: Record<string, number>;
}

/** A closed case whose retention period has run out: due for deletion at the next run. */
export interface RetentionDue {
  familyId: string;
  teamId: string;
  closedAt: string;
  /** closedAt + RETENTION_YEARS */
  dueAt: string;
}

/** GET /api/admin/retention: the dry run. */
export interface RetentionListing {
  rule: string;
  years: number;
  now: string;
  due: RetentionDue[];
  /** the latest deletion records, newest first */
  deleted: RetentionRecord[];
}

/** POST /api/admin/retention/run */
export interface RetentionRunResult {
  rule: string;
  deleted: RetentionRecord[];
}

/** One journal the requester may read, in an insight export. */
export interface InsightJournal {
  sector: Sector;
  /** newest first; an underretning's reporter only for the social sector (null when none was named) */
  entries: (JournalEntry & { reporter?: string | null })[];
}

/**
 * GET /api/families/:id/insight (aktindsigt, GDPR art. 15; issue #14):
 * everything held about the family that the requester may see.
 */
export interface Insight {
  generatedAt: string;
  requester: { id: string; name: string; sector: Sector | null };
  family: {
    id: string;
    name: string;
    district: string;
    teamName: string;
    status: CaseStatus;
    openedBySector: Sector;
    createdAt: string;
    closedAt: string | null;
  };
  plan: {
    meta: PlanMeta;
    tovholder: Tovholder | null;
    tovholderHistory: TovholderTenure[];
    members: Member[];
    hopes: Hope[];
    goals: Goal[];
    actions: Action[];
    meetings: Meeting[];
    network: NetworkParty[];
    feedback: Feedback[];
  };
  /** what the family wrote in its own room, as stored; null when there is none or the requester may not read it */
  familyRoom: Record<string, unknown> | null;
  journals: InsightJournal[];
  /** journals that exist as parts but that the requester may not read: left out of this export */
  withheldJournals: Sector[];
  consents: (Consent & { recordedByName: string; revokedByName: string | null })[];
  accessLog: AccessLogEntry[];
  /** the plan's history: sessions of work, oldest first */
  history: HistorySession[];
  /** display names by user id (history authors) */
  people: Record<string, string>;
  caseEvents: { at: string; action: string; userName: string; detail: string }[];
  transfers: { fromTeamName: string; toTeamName: string; requestedAt: string; requestedByName: string; decidedAt: string | null; outcome: string | null }[];
  grants: { userName: string; parts: Part[]; purpose: string; validFrom: string; validUntil: string; grantedByName: string; endedAt: string | null }[];
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
