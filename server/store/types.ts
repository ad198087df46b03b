// The store seam (DESIGN §3, §11): narrow asynchronous interfaces, one per
// kind of consumer, and the Store that combines them. Implementations live by
// file (sqlite.ts, postgres.ts) and are picked once, in index.ts; nothing
// outside server/store/ speaks SQL.
import type { AuditAction } from '../audit-actions.ts';
import type { AccessFamily, AccessGrant, AccessLink, Role } from '../../src/lib/shared/access.ts';
import type { Part, Sector } from '../../src/lib/shared/rooms.ts';
import type { Consent, DeviceInfo, RetentionRecord } from '../../src/lib/shared/api-types.ts';
import type { WriteFactKeys, WriteFacts } from './write-access.ts';
import type { CaseStatus } from '../../src/lib/shared/plan-terms.ts';

export interface TeamRow {
  id: string;
  name: string;
  district: string;
  cluster: string;
}

export interface UserRow {
  id: string;
  username: string;
  name: string;
  role: Role;
  sector: Sector | null;
  passwordHash: string;
  active: boolean;
  teamIds: string[];
  /**
   * Who the user is at an OpenID Connect provider (DESIGN §10): the issuer
   * (or `local` for the demo's own provider, whose URL follows the port) and
   * its `sub`. Null for a user created with a password only.
   */
  issuer?: string | null;
  subject?: string | null;
  email?: string | null;
}

/** A started OpenID Connect sign-in, waiting for the provider to send the browser back (single use). */
export interface LoginAttemptRow {
  /** SHA-256 of the `state` sent to the provider */
  stateHash: string;
  nonce: string;
  codeVerifier: string;
  createdAt: string;
  expiresAt: string;
}

/** A skoledistrikt and the klynge it belongs to: the list teams' districts are chosen from. */
export interface DistrictRow {
  name: string;
  cluster: string;
}

export interface FamilyRow extends AccessFamily {
  name: string;
  district: string;
  status: CaseStatus;
  /** when the case was closed (null while open): the retention period runs from here */
  closedAt?: string | null;
  createdAt: string;
  createdBy: string;
}

export interface SessionRow {
  idHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * A device a user signed in on (DESIGN §13), keyed by user and the device's
 * own random id: a shared tablet has one row per user. `wrapKey` is the
 * server-held key that wraps the device's data key; it is handed out only to
 * a signed-in session of that user on that device, never once it is lost.
 */
export interface DeviceRow extends Omit<DeviceInfo, 'current' | 'userId' | 'userName'> {
  userId: string;
}

export interface StoredUpdate {
  seq: number;
  data: Uint8Array;
}

export interface NewUpdate {
  room: string;
  author: string;
  at: string;
  data: Uint8Array;
  /**
   * The hash of the session whose socket sent the update (the relay's
   * updates). When set, the append checks in its own transaction that the
   * session is still there and its user may still write the room, and
   * refuses the batch otherwise (store/write-access.ts).
   */
  writer?: string;
}

/** One update of a room's whole history (archive and live log); author 'snapshot' marks a base the history starts from. */
export interface HistoryRow {
  seq: number;
  author: string;
  at: string;
  data: Uint8Array;
}

/** Who made one update of a room's log, and when; kept when the log is compacted. */
export interface UpdateAuthor {
  seq: number;
  author: string;
  at: string;
  size: number;
}

export interface AuditEntry {
  at: string;
  userId: string | null;
  familyId: string | null;
  room: string | null;
  action: AuditAction;
  detail: string | null;
  deviceId: string | null;
}

/** Rows of one person's access to one room of one kind within one UTC hour. */
export interface AccessGroup {
  userId: string | null;
  userName: string | null;
  userSector: Sector | null;
  room: string | null;
  action: string;
  /** yyyy-MM-ddTHH (UTC) */
  hour: string;
  count: number;
  firstAt: string;
  lastAt: string;
}

/** A stored audit row: its action as written (rows of older versions may name actions no longer written). */
export interface AuditRow extends Omit<AuditEntry, 'action'> {
  action: string;
  id: number;
  userName: string | null;
}

/** A plan's summary for the leader overview (DESIGN §6 rule 1): counts and dates as JSON, never text. */
export interface PlanSummaryRow {
  familyId: string;
  /** the room's latest update sequence the summary covers */
  seq: number;
  version: number;
  computedAt: string;
  /** when the server last persisted a change to the plan, as far as the summariser saw it */
  lastUpdateAt: string | null;
  data: string;
}

/** A family as the overview sees it: where it belongs; deliberately no name. */
export interface OverviewFamilyRow {
  familyId: string;
  teamId: string;
  district: string;
  status: CaseStatus;
}

export interface ConsentWindow {
  familyId: string;
  validFrom: string;
  validUntil: string;
  revokedAt: string | null;
}

/**
 * Rooms' update logs (the relay's seam): a fetch/store pair plus compaction.
 * Sequence numbers are per room, 1..n without gaps, in commit order.
 */
export interface RoomLog {
  /** The room's latest snapshot (if compacted) and every update after it, in sequence order. */
  loadUpdates(room: string): Promise<StoredUpdate[]>;
  /**
   * The room's rows with seq > afterSeq, oldest first (a node filling a gap in
   * what the fan-out brought it). A compacted snapshot past afterSeq covers the
   * seqs before it and comes as one row at its seq.
   */
  loadSince(room: string, afterSeq: number): Promise<StoredUpdate[]>;
  /**
   * Appends every update in one transaction (all or none); resolves with their
   * seqs in order. Rejects with `WriteRefused` (store/write-access.ts), storing
   * nothing, when a writer may no longer write what it sent.
   */
  appendUpdates(updates: readonly NewUpdate[]): Promise<number[]>;
  /**
   * The facts the append's writer check reads (sessions, users, families with
   * their consents, grants and links), for many at once and outside an append:
   * the relay's recheck of every open socket asks here in one read.
   */
  accessFacts(keys: WriteFactKeys): Promise<WriteFacts>;
  /** The latest seq of each room that has updates (rooms without any are absent). */
  latestSeqs(rooms: readonly string[]): Promise<Map<string, number>>;
  /**
   * Replaces every update up to `uptoSeq` by one snapshot row at `uptoSeq` for
   * loading; the folded updates are kept, whole, in the append-only archive.
   * Once-only across nodes: a compaction of the room that is running elsewhere,
   * or one already at or past `uptoSeq`, makes this a no-op.
   */
  compact(room: string, uptoSeq: number, snapshot: Uint8Array, at: string): Promise<void>;
  /**
   * Every update of a room after `afterSeq` (default 0) in sequence order,
   * archived or live, with author and time: what the history replays. A room
   * compacted before the archive existed starts with its snapshot (author 'snapshot').
   */
  historyUpdates(room: string, afterSeq?: number): Promise<HistoryRow[]>;
  /** Per-update authorship of a room, oldest first, compacted updates included. */
  updateAuthors(room: string): Promise<UpdateAuthor[]>;
  /** Accepted updates of the rooms counted per author, room and UTC hour. */
  changeGroupsOfRooms(rooms: readonly string[]): Promise<AccessGroup[]>;
}

/** A room's history checkpoint (server/history.ts): the HistoryBuilder's state after `seq`, encoded. */
export interface HistoryCheckpointRow {
  room: string;
  seq: number;
  /** HISTORY_CHECKPOINT_VERSION of the builder that wrote it */
  version: number;
  /** when it was written */
  at: string;
  data: Uint8Array;
}

/**
 * Checkpoints of rooms' histories: derived from the update log and archive
 * (rebuilt by replaying them), so not copied by store:copy; deleted with the
 * family by retention.
 */
export interface HistoryCheckpoints {
  historyCheckpoint(room: string): Promise<HistoryCheckpointRow | undefined>;
  /**
   * Keeps the checkpoint unless the room's stored one is of the same version
   * and at or past its seq; resolves whether it was written. Writes nothing
   * for a room of a family deleted by retention.
   */
  saveHistoryCheckpoint(row: HistoryCheckpointRow): Promise<boolean>;
  /**
   * Rooms `roomPrefix + family id + roomSuffix` whose latest seq is more than
   * `minGrowth` past their checkpoint of `version` (0 without one), the most
   * grown first.
   */
  staleHistoryCheckpoints(version: number, minGrowth: number, roomPrefix: string, roomSuffix: string): Promise<string[]>;
}

/** People and teams. */
export interface Identity {
  upsertTeam(team: TeamRow): Promise<void>;
  listTeams(): Promise<TeamRow[]>;
  /** Replaces a team's skoledistrikter (DESIGN §4: a team covers one or more), in the order given. */
  setTeamDistricts(teamId: string, districts: readonly string[]): Promise<void>;
  /** A team's skoledistrikter in order; a team without a list (a data file from before) covers its own `district`. */
  districtsOfTeam(teamId: string): Promise<string[]>;
  /** Writes a team and replaces its skoledistrikter, in one transaction. */
  saveTeam(team: TeamRow, districts: readonly string[]): Promise<void>;
  /** Every known skoledistrikt with its klynge, by name. */
  listDistricts(): Promise<DistrictRow[]>;
  upsertDistrict(d: DistrictRow): Promise<void>;
  /** Families per team id (counts only: what an administrator may see). */
  familyCountsByTeam(): Promise<Map<string, number>>;
  /** Writes the user and replaces their team memberships, in one transaction. */
  upsertUser(user: UserRow): Promise<void>;
  userById(id: string): Promise<UserRow | undefined>;
  userByUsername(username: string): Promise<UserRow | undefined>;
  /** The user an OpenID Connect provider (issuer) knows as `subject`. */
  userBySubject(issuer: string, subject: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  /** Ids of the active workers of a team. */
  activeWorkerIdsOfTeam(teamId: string): Promise<string[]>;
  /** Display names of users by id (for consents' recordedBy / revokedBy). */
  userNames(ids: readonly string[]): Promise<Map<string, string>>;
}

/** Opaque sessions (only the token's hash is stored). */
export interface Sessions {
  createSession(s: SessionRow): Promise<void>;
  sessionByHash(idHash: string): Promise<SessionRow | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes every session that expired at or before `now`; resolves with how many. */
  deleteExpiredSessions(now: string): Promise<number>;
  /** The hashes of every session of a user (expired ones too, until swept). */
  sessionsOfUser(userId: string): Promise<string[]>;
  /** Deletes every session of a user; resolves with their hashes (so sockets and streams can be closed). */
  deleteSessionsOfUser(userId: string): Promise<string[]>;
  createLoginAttempt(a: LoginAttemptRow): Promise<void>;
  /**
   * Removes and returns the attempt with this state hash if it has not
   * expired at `now`: a state is good for one callback only, on any node.
   * Expired attempts go too.
   */
  takeLoginAttempt(stateHash: string, now: string): Promise<LoginAttemptRow | undefined>;
}

/** A family moving to another team (issue #14): asked by the case-owning sector, accepted by the receiving team. */
export interface TransferRow {
  id: string;
  familyId: string;
  fromTeamId: string;
  toTeamId: string;
  /** the warm handoff: what the receiving team should know */
  note: string;
  /** a proposed first meeting (yyyy-MM-ddTHH:mm, Danish time), or null */
  meetingAt: string | null;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  outcome: 'accepted' | 'declined' | 'cancelled' | null;
}

/** A called-in specialist's grant (DESIGN §6 rule 6) as stored: who gave it, why, and whether it was ended early. */
export interface GrantRow extends AccessGrant {
  id: string;
  parts: Part[];
  purpose: string;
  grantedBy: string;
  grantedAt: string;
  endedBy: string | null;
  /** the grant this one renews, if any */
  renewsId: string | null;
}

/** Transfers between teams and specialists' grants. */
export interface Lifecycle {
  insertTransfer(t: TransferRow): Promise<void>;
  transferById(id: string): Promise<TransferRow | undefined>;
  /** Undecided transfers into any of these teams, oldest first. */
  openTransfersTo(teamIds: readonly string[]): Promise<TransferRow[]>;
  /** Every transfer of a family, oldest first. */
  transfersOfFamily(familyId: string): Promise<TransferRow[]>;
  /**
   * Decides an undecided transfer; `accepted` moves the family to the
   * receiving team (and `district`) in the same transaction, provided it is
   * still in the team it was asked from. Resolves false when the transfer was
   * decided already or the family moved meanwhile (nothing changed).
   */
  decideTransfer(id: string, outcome: 'accepted' | 'declined' | 'cancelled', by: string, at: string, district: string): Promise<boolean>;
  insertGrant(g: GrantRow): Promise<void>;
  grantById(id: string): Promise<GrantRow | undefined>;
  grantsOfFamily(familyId: string): Promise<GrantRow[]>;
  /** A user's grants (every family), ended and expired ones too. */
  grantsOfUser(userId: string): Promise<GrantRow[]>;
  /** Ends an unended grant early; a grant already ended stays as it was. */
  endGrant(id: string, at: string, by: string): Promise<void>;
}

/**
 * An invitation for a named family member (DESIGN §12): the code is shown
 * once and only its SHA-256 is kept; single use, valid 14 days, revocable.
 */
export interface InvitationRow {
  id: string;
  familyId: string;
  codeHash: string;
  memberName: string;
  /** mor, far, barn over 15, anden med forældremyndighed … */
  relation: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** A citizen linked to a family by an accepted invitation (DESIGN §6 rule 7), until ended. */
export interface FamilyLinkRow extends AccessLink {
  id: string;
  invitationId: string | null;
  memberName: string;
  relation: string;
  createdAt: string;
  endedBy: string | null;
}

export type AcceptOutcome = { ok: true; link: FamilyLinkRow; invitation: InvitationRow } | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'revoked' | 'linked' };

/** Invitations and citizens' links to families (DESIGN §12). */
export interface FamilyLinks {
  insertInvitation(i: InvitationRow): Promise<void>;
  invitationsOfFamily(familyId: string): Promise<InvitationRow[]>;
  /** Revokes an unused, unrevoked invitation; false when it was used or revoked already. */
  revokeInvitation(id: string, at: string, by: string): Promise<boolean>;
  /**
   * Takes the invitation with this code hash for `userId` in one transaction:
   * unused, unrevoked and unexpired at `at`, it is marked used and the link is
   * made; otherwise nothing changes and the reason comes back.
   */
  acceptInvitation(codeHash: string, userId: string, at: string, linkId: string): Promise<AcceptOutcome>;
  linksOfFamily(familyId: string): Promise<FamilyLinkRow[]>;
  linksOfUser(userId: string): Promise<FamilyLinkRow[]>;
  /** Ends an active link; false when it had ended already. */
  endLink(id: string, at: string, by: string): Promise<boolean>;
}

/** Who made an underretning, kept off the shared journal document (DESIGN §5): the social sector reads it. */
export interface ReporterRow {
  familyId: string;
  entryId: string;
  reporter: string;
  recordedBy: string;
  recordedAt: string;
}

export interface Underretninger {
  /** Writes (or replaces) the reporter of one journal entry. */
  setReporter(r: ReporterRow): Promise<void>;
  reportersOfFamily(familyId: string): Promise<ReporterRow[]>;
}

export interface Families {
  insertFamily(f: FamilyRow): Promise<void>;
  /** Closes (with the time) or reopens a case. */
  setFamilyStatus(id: string, status: CaseStatus, at: string): Promise<void>;
  familyById(id: string): Promise<FamilyRow | undefined>;
  familiesOfTeams(teamIds: readonly string[]): Promise<FamilyRow[]>;
  familyCount(): Promise<number>;
}

/** Consents: a legal record, append-only; the one change is a single revocation. */
export interface Consents {
  insertConsent(c: Consent): Promise<void>;
  /** Revokes an unrevoked consent; a consent already revoked stays as it was. */
  revokeConsent(id: string, at: string, by: string): Promise<void>;
  consentById(id: string): Promise<Consent | undefined>;
  consentsOfFamily(familyId: string): Promise<Consent[]>;
  consentsOfFamilies(familyIds: readonly string[]): Promise<Consent[]>;
}

/** The audit log: append-only. */
export interface AuditLog {
  audit(e: AuditEntry): Promise<void>;
  /**
   * Appends a device's offline openings (action `open-offline`) in one
   * transaction, each unless the same user, device, room and instant is
   * already there; resolves with how many were new.
   */
  appendOfflineOpenings(entries: readonly AuditEntry[]): Promise<number>;
  /** The family's audit rows of the given actions, newest first. */
  auditOfFamilyActions(familyId: string, actions: readonly string[], limit: number): Promise<AuditRow[]>;
  /** The family's audit entries (of the given actions) counted per user, room, action and UTC hour. */
  auditGroupsOfFamily(familyId: string, actions: readonly string[]): Promise<AccessGroup[]>;
  /** The audit rows of the given actions (all families or none), newest first. */
  auditOfActions(actions: readonly string[], limit: number): Promise<AuditRow[]>;
  /** Rooms the user has ever opened (online or, as uploaded, offline): candidates for purge. */
  roomsOpenedBy(userId: string): Promise<string[]>;
}

/** Plan summaries and what the leader overview reads beside them. */
export interface Summaries {
  upsertPlanSummary(row: PlanSummaryRow): Promise<void>;
  planSummary(familyId: string): Promise<PlanSummaryRow | undefined>;
  /** Families whose plan has no summary of `version` covering its room's latest update. */
  staleSummaries(version: number, roomPrefix: string, roomSuffix: string): Promise<string[]>;
  /** Summaries written after revision `rev` (each write gets the next revision), oldest first. */
  summariesSince(rev: number): Promise<{ familyId: string; data: string; rev: number }[]>;
  overviewFamilies(teamIds: readonly string[]): Promise<OverviewFamilyRow[]>;
  consentWindowsOfTeams(teamIds: readonly string[]): Promise<ConsentWindow[]>;
  /** A server secret by name, created with `make` on first use and kept. */
  secret(name: string, make: () => string): Promise<string>;
  /** The caseload norms (families per worker) an admin has set, by sector; a sector without one uses the default. */
  caseloadNorms(): Promise<Partial<Record<Sector, number>>>;
  /** Sets the given sectors' norms in one transaction; the others stay as they are. */
  setCaseloadNorms(norms: Partial<Record<Sector, number>>): Promise<void>;
  /** Which sectors an admin has allowed or refused to open new cases; a sector without a row uses the default. */
  caseOpeners(): Promise<Partial<Record<Sector, boolean>>>;
  /** Sets the given sectors' permission in one transaction; the others stay as they are. */
  setCaseOpeners(openers: Partial<Record<Sector, boolean>>): Promise<void>;
}

/**
 * Work that one node of several must do alone (DESIGN §11: demo seeding, the
 * summariser's backfill, sweeps): PostgreSQL advisory locks; one process on
 * SQLite has nobody to exclude, so there it just runs.
 */
export interface Exclusive {
  /**
   * Runs `fn` holding the lock `name`. `wait: true` waits for a holder on another
   * node to finish (seeding: every node must start after it); otherwise, when
   * the lock is held elsewhere, resolves `{ ran: false }` without running `fn`.
   */
  exclusive<T>(name: string, fn: () => Promise<T>, opts?: { wait?: boolean }): Promise<{ ran: true; value: T } | { ran: false }>;
}

/** Devices and the sessions bound to them (DESIGN §13). */
export interface Devices {
  /** Inserts the device unless the user already has it; either way resolves with the stored row and its key. */
  registerDevice(row: DeviceRow & { wrapKey: string }): Promise<DeviceRow & { wrapKey: string }>;
  /** A contact: the name the device gives, when it was seen, its renewed lease. Never changes a lost device. */
  touchDevice(userId: string, deviceId: string, name: string, lastSeenAt: string, leaseUntil: string): Promise<void>;
  devicesOfUser(userId: string): Promise<DeviceRow[]>;
  listDevices(): Promise<DeviceRow[]>;
  /** Marks the user's device lost; false when there is no such device or it was lost already. */
  markDeviceLost(userId: string, deviceId: string, at: string, by: string): Promise<boolean>;
  /** True when any user's row for this device id was reported lost. */
  deviceIdLost(deviceId: string): Promise<boolean>;
  /** The lost device told the server it wiped its data. */
  markDeviceWiped(deviceId: string, at: string): Promise<void>;
  /** Binds a session to the device it first asked a key for (once: a later different id is refused by the caller). */
  bindSessionDevice(sessionHash: string, userId: string, deviceId: string): Promise<void>;
  deviceOfSession(sessionHash: string): Promise<string | undefined>;
  /** The hashes of the sessions bound to the user's device. */
  sessionsOfDevice(userId: string, deviceId: string): Promise<string[]>;
}

/** A closed case whose retention period has run out (or will): ids and dates only, no family content. */
export interface RetentionCandidate {
  familyId: string;
  teamId: string;
  closedAt: string;
}

/** What is kept of a deleted family: the deletion record (issue #14 retention). */
export type RetentionDeletion = RetentionRecord;

export interface RetentionRun {
  deletedAt: string;
  rule: string;
  deletedBy: string;
  /** the leader overview's figures of the family for past months (counts and dates only), kept */
  retainedSummary: string | null;
}

/** The one sanctioned deletion path (docs/security.md "Retention"). */
export interface Retention {
  /** Closed cases closed at or before `cutoff`, oldest first. */
  closedBefore(cutoff: string): Promise<RetentionCandidate[]>;
  /**
   * Deletes everything held about the family in one transaction (update logs,
   * the archive, authorship, history checkpoints, consents, audit, grants, transfers, reporters,
   * summary, the family) and keeps the deletion record, the rooms each user had
   * opened (their devices purge them) and the retained summary. Resolves null,
   * changing nothing, when the family is gone already or is not a case closed at
   * or before `cutoff` (it was reopened meanwhile).
   */
  deleteForRetention(familyId: string, cutoff: string, run: RetentionRun): Promise<{ record: RetentionDeletion; users: string[] } | null>;
  /** Deletion records, newest first. */
  retentionDeletions(limit: number): Promise<RetentionDeletion[]>;
  /** Retained overview figures of deleted families of these teams. */
  retainedSummaries(teamIds: readonly string[]): Promise<{ familyId: string; teamId: string; district: string; data: string }[]>;
}

/** One message in a worker's inbox (issue #16): ids and a kind, never family content. */
export interface NotificationRow {
  id: string;
  userId: string;
  kind: string;
  familyId: string | null;
  /** who caused it (a handover's proposer, the new tovholder), null for reminders */
  actorId: string | null;
  /** once per (user, key): deriving the same notice again adds nothing */
  key: string;
  createdAt: string;
  readAt: string | null;
}

export interface Notifications {
  /** Adds the rows whose (userId, key) is new; returns those added. */
  addNotifications(rows: readonly NotificationRow[]): Promise<NotificationRow[]>;
  /** The user's newest notifications, newest first. */
  notificationsOf(userId: string, limit: number): Promise<NotificationRow[]>;
  /** Marks the user's own notifications read ('all' or by id); returns how many changed. */
  markNotificationsRead(userId: string, ids: readonly string[] | 'all', at: string): Promise<number>;
  /** The notice keys last derived from a family's plan; undefined before the first time. */
  noticeKeys(familyId: string): Promise<string[] | undefined>;
  setNoticeKeys(familyId: string, keys: readonly string[]): Promise<void>;
}

export interface Store extends RoomLog, HistoryCheckpoints, Identity, Sessions, Devices, Families, Lifecycle, FamilyLinks, Underretninger, Consents, AuditLog, Summaries, Exclusive, Retention, Notifications {
  readonly kind: 'sqlite' | 'postgres';
  close(): Promise<void>;
}
