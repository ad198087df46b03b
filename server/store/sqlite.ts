// The embedded store (DESIGN §3): one SQLite file on node:sqlite. Its
// methods return Promises to fit the seam (types.ts) but run synchronously
// inside: node:sqlite has no asynchronous API, and one process owns the file.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { BACKSTOP_WAL_PAGES, type CheckpointerOptions, type CheckpointResult, WalCheckpointer } from './sqlite-checkpointer.ts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Role } from '../../src/lib/shared/access.ts';
import { parseRoom, type Sector } from '../../src/lib/shared/rooms.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { familyOfRoom, familyRoomRange, notificationRow, str, strOrNull, toAccessGroup, toAuditRow, consentParams, toConsent, toDevice, toFamily, toFamilyLink, toGrant, toInvitation, toReporter, retentionRecord, toRetentionDeletion, toTransfer } from './rows.ts';
import { refusedWriters, WriteFactCache, WriteRefused, writeFactKeys, type WriteFactKeys, type WriteFacts } from './write-access.ts';
import type {
  AccessGroup,
  AuditEntry,
  AuditRow,
  ConsentWindow,
  FamilyRow,
  GrantRow,
  InvitationRow,
  AcceptOutcome,
  LoginAttemptRow,
  ReporterRow,
  RetentionCandidate,
  RetentionDeletion,
  RetentionRun,
  TransferRow,
  HistoryCheckpointRow,
  HistoryRow,
  NewUpdate,
  NotificationRow,
  OverviewFamilyRow,
  PlanSummaryRow,
  SessionRow,
  DeviceRow,
  Store,
  StoredUpdate,
  TeamRow,
  UpdateAuthor,
  UserRow
} from './types.ts';
import type { CaseStatus } from '../../src/lib/shared/plan-terms.ts';

const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS teams (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, cluster TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
  sector TEXT, password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS user_teams (
  user_id TEXT NOT NULL REFERENCES users(id), team_id TEXT NOT NULL REFERENCES teams(id),
  PRIMARY KEY (user_id, team_id)
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS families (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, team_id TEXT NOT NULL REFERENCES teams(id),
  opened_by_sector TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS families_team ON families(team_id);
CREATE TABLE IF NOT EXISTS consents (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), given_by TEXT NOT NULL,
  categories TEXT NOT NULL, recipients TEXT NOT NULL, purpose TEXT NOT NULL,
  valid_from TEXT NOT NULL, valid_until TEXT NOT NULL, method TEXT NOT NULL, signature TEXT,
  recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT,
  reference TEXT, renews_id TEXT
);
CREATE INDEX IF NOT EXISTS consents_family ON consents(family_id);
CREATE TABLE IF NOT EXISTS updates (
  room TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
-- Authorship of updates that compaction folded into a snapshot: an update's
-- own row in "updates" carries it until then (one INSERT per update).
CREATE TABLE IF NOT EXISTS update_authors (
  room TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
-- Every update compaction folds into a snapshot, kept whole for the plan's
-- history (who changed what, when; restore). Append-only like the audit; the
-- relay never reads it (a room loads from its snapshot and later updates).
-- A room compacted before this table existed keeps its first snapshot here
-- (author 'snapshot') as the base its history starts from.
CREATE TABLE IF NOT EXISTS update_archive (
  room TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS update_archive_no_update BEFORE UPDATE ON update_archive BEGIN SELECT RAISE(ABORT, 'update_archive is append-only'); END;
CREATE TRIGGER IF NOT EXISTS update_archive_no_delete BEFORE DELETE ON update_archive BEGIN SELECT RAISE(ABORT, 'update_archive is append-only'); END;
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_id TEXT, family_id TEXT, room TEXT,
  action TEXT NOT NULL, detail TEXT, device_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_family ON audit(family_id, id);
CREATE INDEX IF NOT EXISTS audit_user_room ON audit(user_id, room);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`;

// Consents are a legal record: never deleted, never edited. The one change
// allowed is the single revocation of an unrevoked consent; a renewal is a new
// record that points back (renews_id). Run after MIGRATIONS (the triggers name
// columns that older files gain there).
const CONSENT_HISTORY = `
CREATE TRIGGER IF NOT EXISTS consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;
CREATE TRIGGER IF NOT EXISTS consents_revoke_only BEFORE UPDATE ON consents
WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.revoked_by IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.family_id IS NOT OLD.family_id OR NEW.given_by IS NOT OLD.given_by
  OR NEW.categories IS NOT OLD.categories OR NEW.recipients IS NOT OLD.recipients OR NEW.purpose IS NOT OLD.purpose
  OR NEW.valid_from IS NOT OLD.valid_from OR NEW.valid_until IS NOT OLD.valid_until OR NEW.method IS NOT OLD.method
  OR NEW.signature IS NOT OLD.signature OR NEW.reference IS NOT OLD.reference OR NEW.renews_id IS NOT OLD.renews_id
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN SELECT RAISE(ABORT, 'a consent can only be revoked, once'); END;
`;

// Notifications (issue #16; PostgreSQL: 030-notifications.sql).
const NOTIFICATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), kind TEXT NOT NULL,
  family_id TEXT, actor_id TEXT, key TEXT NOT NULL, created_at TEXT NOT NULL, read_at TEXT
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS notifications_user_key ON notifications(user_id, key);
CREATE INDEX IF NOT EXISTS notifications_user_created ON notifications(user_id, created_at);
CREATE TABLE IF NOT EXISTS plan_notice_keys (family_id TEXT PRIMARY KEY REFERENCES families(id), keys TEXT NOT NULL) WITHOUT ROWID;
`;

/** Columns added after a table's first release: [table, column, definition]. */
const MIGRATIONS: [string, string, string][] = [
  ['consents', 'reference', 'TEXT'],
  ['consents', 'renews_id', 'TEXT'],
  ['users', 'issuer', 'TEXT'],
  ['users', 'subject', 'TEXT'],
  ['users', 'email', 'TEXT'],
  ['families', 'closed_at', 'TEXT']
];


// The leader overview's tables: derived data (summaries can always be derived
// again from the update log) and the key of the overview's opaque family references.
const OVERVIEW_SCHEMA = `
CREATE TABLE IF NOT EXISTS plan_summaries (
  family_id TEXT PRIMARY KEY REFERENCES families(id), seq INTEGER NOT NULL, version INTEGER NOT NULL,
  computed_at TEXT NOT NULL, last_update_at TEXT, data TEXT NOT NULL, rev INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS plan_summaries_rev ON plan_summaries(rev);
CREATE TABLE IF NOT EXISTS server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS caseload_norms (sector TEXT PRIMARY KEY, norm INTEGER NOT NULL CHECK (norm BETWEEN 1 AND 500)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS case_openers (sector TEXT PRIMARY KEY, may_open INTEGER NOT NULL CHECK (may_open IN (0, 1))) WITHOUT ROWID;
`;

// The skoledistrikter each team covers: the list a family's district is chosen from.
const DISTRICT_SCHEMA = `
CREATE TABLE IF NOT EXISTS team_districts (
  team_id TEXT NOT NULL REFERENCES teams(id), name TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (team_id, name)
) WITHOUT ROWID;
`;

// Municipal sign-in (DESIGN §10): users keyed by issuer + sub, the sign-ins
// waiting for the provider's answer, and the administrator's list of
// skoledistrikter and klynger (filled once from the teams of an older file).
const IDENTITY_SCHEMA = `
CREATE UNIQUE INDEX IF NOT EXISTS users_subject ON users(issuer, subject) WHERE issuer IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS login_attempts (
  state_hash TEXT PRIMARY KEY, nonce TEXT NOT NULL, code_verifier TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS districts (name TEXT PRIMARY KEY, cluster TEXT NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO districts (name, cluster)
  SELECT d.name, t.cluster FROM team_districts d JOIN teams t ON t.id = d.team_id;
INSERT OR IGNORE INTO districts (name, cluster) SELECT district, cluster FROM teams;
`;

// Devices (DESIGN §13): the same tables as postgres/migrations/010-devices.sql.
const DEVICE_SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  user_id TEXT NOT NULL REFERENCES users(id), device_id TEXT NOT NULL, name TEXT NOT NULL,
  wrap_key TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, lease_until TEXT NOT NULL,
  lost_at TEXT, lost_by TEXT, wiped_at TEXT,
  PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS devices_device ON devices(device_id);
CREATE TABLE IF NOT EXISTS device_sessions (
  session_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS device_sessions_device ON device_sessions(user_id, device_id);
`;

// The life of a case (issue #14; PostgreSQL: 006-case-lifecycle.sql):
// transfers between teams and called-in specialists' grants.
const LIFECYCLE_SCHEMA = `
CREATE TABLE IF NOT EXISTS family_transfers (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), from_team TEXT NOT NULL REFERENCES teams(id),
  to_team TEXT NOT NULL REFERENCES teams(id), note TEXT NOT NULL, meeting_at TEXT,
  requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, decided_by TEXT, decided_at TEXT, outcome TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS family_transfers_open ON family_transfers(to_team) WHERE outcome IS NULL;
CREATE INDEX IF NOT EXISTS family_transfers_family ON family_transfers(family_id);
CREATE TABLE IF NOT EXISTS grants (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), user_id TEXT NOT NULL REFERENCES users(id),
  parts TEXT NOT NULL, purpose TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT NOT NULL,
  granted_by TEXT NOT NULL, granted_at TEXT NOT NULL, ended_at TEXT, ended_by TEXT, renews_id TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS grants_family ON grants(family_id);
CREATE INDEX IF NOT EXISTS grants_user ON grants(user_id);
-- Who made an underretning (PostgreSQL: 007-underretning-reporters.sql): never in a shared document.
CREATE TABLE IF NOT EXISTS underretning_reporters (
  family_id TEXT NOT NULL REFERENCES families(id), entry_id TEXT NOT NULL, reporter TEXT NOT NULL,
  recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL,
  PRIMARY KEY (family_id, entry_id)
) WITHOUT ROWID;
`;

// The family's own access (DESIGN §12, issue #15; PostgreSQL: 020-family-access.sql):
// invitations (the code's hash only) and the citizen links they make.
const FAMILY_ACCESS_SCHEMA = `
CREATE TABLE IF NOT EXISTS family_invitations (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), code_hash TEXT NOT NULL UNIQUE,
  member_name TEXT NOT NULL, relation TEXT NOT NULL, invited_by TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, used_by TEXT, revoked_at TEXT, revoked_by TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS family_invitations_family ON family_invitations(family_id);
CREATE TABLE IF NOT EXISTS family_links (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), user_id TEXT NOT NULL REFERENCES users(id),
  invitation_id TEXT REFERENCES family_invitations(id), member_name TEXT NOT NULL, relation TEXT NOT NULL,
  created_at TEXT NOT NULL, ended_at TEXT, ended_by TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS family_links_family ON family_links(family_id);
CREATE INDEX IF NOT EXISTS family_links_user ON family_links(user_id);
CREATE UNIQUE INDEX IF NOT EXISTS family_links_active ON family_links(family_id, user_id) WHERE ended_at IS NULL;
`;

// Retention (issue #14; PostgreSQL: 040-retention.sql): the one sanctioned
// deletion path. The append-only triggers let a DELETE through only for a
// family whose deletion record is 'running', which it is only inside the
// transaction that deletes the family. Dropped and created on every start,
// after the older CREATE TRIGGER IF NOT EXISTS, so a file from before gets them.
const RETENTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS retention_deletions (
  family_id TEXT PRIMARY KEY, team_id TEXT NOT NULL, closed_at TEXT NOT NULL, deleted_at TEXT NOT NULL,
  rule TEXT NOT NULL, deleted_by TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('running', 'done')), counts TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS retention_deletions_no_delete BEFORE DELETE ON retention_deletions
BEGIN SELECT RAISE(ABORT, 'a deletion record is kept: it can only be finished, once'); END;
CREATE TRIGGER IF NOT EXISTS retention_deletions_finish_only BEFORE UPDATE ON retention_deletions
WHEN OLD.state IS NOT 'running' OR NEW.state IS NOT 'done' OR NEW.family_id IS NOT OLD.family_id OR NEW.team_id IS NOT OLD.team_id
  OR NEW.closed_at IS NOT OLD.closed_at OR NEW.deleted_at IS NOT OLD.deleted_at OR NEW.rule IS NOT OLD.rule OR NEW.deleted_by IS NOT OLD.deleted_by
BEGIN SELECT RAISE(ABORT, 'a deletion record is kept: it can only be finished, once'); END;
CREATE TABLE IF NOT EXISTS retention_purges (
  user_id TEXT NOT NULL, room TEXT NOT NULL, family_id TEXT NOT NULL,
  PRIMARY KEY (user_id, room)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retained_summaries (
  family_id TEXT PRIMARY KEY, team_id TEXT NOT NULL, district TEXT NOT NULL, deleted_at TEXT NOT NULL, data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS retained_summaries_team ON retained_summaries(team_id);
CREATE INDEX IF NOT EXISTS families_closed ON families(closed_at) WHERE status = 'afsluttet';
DROP TRIGGER IF EXISTS audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN NOT EXISTS (SELECT 1 FROM retention_deletions r WHERE r.state = 'running'
  AND (r.family_id = OLD.family_id OR (OLD.room LIKE 'f-%.%' AND r.family_id = substr(OLD.room, 3, instr(OLD.room, '.') - 3))))
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
DROP TRIGGER IF EXISTS consents_no_delete;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
WHEN NOT EXISTS (SELECT 1 FROM retention_deletions r WHERE r.state = 'running' AND r.family_id = OLD.family_id)
BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;
DROP TRIGGER IF EXISTS update_archive_no_delete;
CREATE TRIGGER update_archive_no_delete BEFORE DELETE ON update_archive
WHEN NOT EXISTS (SELECT 1 FROM retention_deletions r WHERE r.state = 'running'
  AND OLD.room LIKE 'f-%.%' AND r.family_id = substr(OLD.room, 3, instr(OLD.room, '.') - 3))
BEGIN SELECT RAISE(ABORT, 'update_archive is append-only'); END;
`;

// History checkpoints (server/history.ts; PostgreSQL: 050-history-checkpoints.sql):
// a room's HistoryBuilder state after seq, derived from the log and archive.
const HISTORY_CHECKPOINT_SCHEMA = `
CREATE TABLE IF NOT EXISTS history_checkpoints (
  room TEXT PRIMARY KEY, seq INTEGER NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;
`;

// The writers' facts (write-access.ts) that the append's check reads: any
// change to these tables, by any statement or process, moves one version, so
// the check can keep what it read until the version moves (WriteFactCache).
const WRITE_FACT_TABLES = ['sessions', 'users', 'user_teams', 'families', 'consents', 'grants', 'family_links'] as const;
const WRITE_FACT_SCHEMA = `
CREATE TABLE IF NOT EXISTS write_fact_version (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL);
INSERT OR IGNORE INTO write_fact_version (id, v) VALUES (1, 0);
${WRITE_FACT_TABLES.flatMap((table) =>
  ['INSERT', 'UPDATE', 'DELETE'].map(
    (op) => `CREATE TRIGGER IF NOT EXISTS write_facts_${table}_${op.toLowerCase()} AFTER ${op} ON ${table}
BEGIN UPDATE write_fact_version SET v = v + 1 WHERE id = 1; END;`
  )
).join('\n')}
`;

const SQL = {
  // history checkpoints: a newer one (or one of the current version over another's) replaces the stored one
  historyCheckpoint: `SELECT room, seq, version, at, data FROM history_checkpoints WHERE room = ?`,
  saveHistoryCheckpoint: `INSERT INTO history_checkpoints (room, seq, version, at, data) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, version = excluded.version, at = excluded.at, data = excluded.data
    WHERE history_checkpoints.version <> excluded.version OR history_checkpoints.seq < excluded.seq`,
  staleHistoryCheckpoints: `SELECT x.room FROM (
      SELECT ?3 || f.id || ?4 AS room, (SELECT COALESCE(MAX(u.seq), 0) FROM updates u WHERE u.room = ?3 || f.id || ?4) AS latest FROM families f
    ) x LEFT JOIN history_checkpoints c ON c.room = x.room
    WHERE x.latest - (CASE WHEN c.version = ?1 THEN c.seq ELSE 0 END) > ?2
    ORDER BY x.latest - (CASE WHEN c.version = ?1 THEN c.seq ELSE 0 END) DESC, x.room`,
  deleteRoomsCheckpoints: `DELETE FROM history_checkpoints WHERE room >= ?1 AND room < ?2`,
  // retention (issue #14): rooms of a family are the names in [f-<id>. , f-<id>/)
  closedBefore: `SELECT id, team_id, closed_at FROM families WHERE status = 'afsluttet' AND closed_at IS NOT NULL AND closed_at <= ? ORDER BY closed_at, id`,
  // Every audit row of a room carries the room's family (relay, offline uploads): the family_id index finds them.
  retentionOpenedRooms: `SELECT DISTINCT user_id, room FROM audit WHERE family_id = ? AND room IS NOT NULL AND user_id IS NOT NULL
    AND action IN ('open-read', 'open-write', 'open-offline', 'sync-read', 'sync-write')`,
  insertRetentionDeletion: `INSERT INTO retention_deletions (family_id, team_id, closed_at, deleted_at, rule, deleted_by, state, counts)
    VALUES (?, ?, ?, ?, ?, ?, 'running', '{}')`,
  finishRetentionDeletion: `UPDATE retention_deletions SET state = 'done', counts = ? WHERE family_id = ? AND state = 'running'`,
  insertRetentionPurge: `INSERT OR IGNORE INTO retention_purges (user_id, room, family_id) VALUES (?, ?, ?)`,
  insertRetainedSummary: `INSERT OR REPLACE INTO retained_summaries (family_id, team_id, district, deleted_at, data) VALUES (?, ?, ?, ?, ?)`,
  retentionDeletions: `SELECT * FROM retention_deletions WHERE state = 'done' ORDER BY deleted_at DESC, family_id LIMIT ?`,
  deleteRoomsUpdates: `DELETE FROM updates WHERE room >= ?1 AND room < ?2`,
  deleteRoomsArchive: `DELETE FROM update_archive WHERE room >= ?1 AND room < ?2`,
  deleteRoomsAuthors: `DELETE FROM update_authors WHERE room >= ?1 AND room < ?2`,
  deleteFamilyAudit: `DELETE FROM audit WHERE family_id = ?`,
  deleteFamilyConsents: `DELETE FROM consents WHERE family_id = ?`,
  deleteFamilyGrants: `DELETE FROM grants WHERE family_id = ?`,
  deleteFamilyTransfers: `DELETE FROM family_transfers WHERE family_id = ?`,
  deleteFamilyReporters: `DELETE FROM underretning_reporters WHERE family_id = ?`,
  deleteFamilyLinks: `DELETE FROM family_links WHERE family_id = ?`,
  deleteFamilyNotifications: `DELETE FROM notifications WHERE family_id = ?`,
  deleteFamilyNoticeKeys: `DELETE FROM plan_notice_keys WHERE family_id = ?`,
  deleteFamilyInvitations: `DELETE FROM family_invitations WHERE family_id = ?`,
  deleteFamilySummary: `DELETE FROM plan_summaries WHERE family_id = ?`,
  deleteFamily: `DELETE FROM families WHERE id = ?`,
  familyDeleted: `SELECT 1 AS x FROM retention_deletions WHERE family_id = ?`,
  insertInvitation: `INSERT INTO family_invitations (id, family_id, code_hash, member_name, relation, invited_by, created_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  invitationsOfFamily: `SELECT * FROM family_invitations WHERE family_id = ? ORDER BY created_at, id`,
  invitationByCode: `SELECT * FROM family_invitations WHERE code_hash = ?`,
  revokeInvitation: `UPDATE family_invitations SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL AND used_at IS NULL`,
  useInvitation: `UPDATE family_invitations SET used_at = ?, used_by = ? WHERE id = ? AND revoked_at IS NULL AND used_at IS NULL`,
  activeLink: `SELECT 1 AS linked FROM family_links WHERE family_id = ? AND user_id = ? AND ended_at IS NULL`,
  insertLink: `INSERT INTO family_links (id, family_id, user_id, invitation_id, member_name, relation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  linkById: `SELECT * FROM family_links WHERE id = ?`,
  linksOfFamily: `SELECT * FROM family_links WHERE family_id = ? ORDER BY created_at, id`,
  linksOfUser: `SELECT * FROM family_links WHERE user_id = ? ORDER BY created_at, id`,
  endLink: `UPDATE family_links SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL`,
  // devices (DESIGN §13)
  registerDevice: `INSERT INTO devices (user_id, device_id, name, wrap_key, created_at, last_seen_at, lease_until)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, device_id) DO NOTHING`,
  deviceWithKey: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at, wrap_key FROM devices WHERE user_id = ? AND device_id = ?`,
  touchDevice: `UPDATE devices SET name = ?, last_seen_at = ?, lease_until = ?
    WHERE user_id = ? AND device_id = ? AND lost_at IS NULL`,
  devicesOfUser: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at FROM devices WHERE user_id = ? ORDER BY last_seen_at DESC, device_id`,
  listDevices: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at FROM devices ORDER BY last_seen_at DESC, user_id, device_id`,
  markDeviceLost: `UPDATE devices SET lost_at = ?, lost_by = ? WHERE user_id = ? AND device_id = ? AND lost_at IS NULL`,
  deviceIdLost: `SELECT 1 AS lost FROM devices WHERE device_id = ? AND lost_at IS NOT NULL LIMIT 1`,
  markDeviceWiped: `UPDATE devices SET wiped_at = ? WHERE device_id = ? AND lost_at IS NOT NULL AND wiped_at IS NULL`,
  bindSessionDevice: `INSERT INTO device_sessions (session_hash, user_id, device_id) VALUES (?, ?, ?)
    ON CONFLICT (session_hash) DO NOTHING`,
  deviceOfSession: `SELECT device_id FROM device_sessions WHERE session_hash = ?`,
  sessionsOfDevice: `SELECT session_hash FROM device_sessions WHERE user_id = ? AND device_id = ?`,
  setFamilyStatus: `UPDATE families SET status = ?, closed_at = ? WHERE id = ?`,
  insertTransfer: `INSERT INTO family_transfers (id, family_id, from_team, to_team, note, meeting_at, requested_by, requested_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  transferById: `SELECT * FROM family_transfers WHERE id = ?`,
  transfersOfFamily: `SELECT * FROM family_transfers WHERE family_id = ? ORDER BY requested_at, id`,
  decideTransfer: `UPDATE family_transfers SET outcome = ?, decided_by = ?, decided_at = ? WHERE id = ? AND outcome IS NULL`,
  moveFamily: `UPDATE families SET team_id = ?, district = ? WHERE id = ? AND team_id = ?`,
  insertGrant: `INSERT INTO grants (id, family_id, user_id, parts, purpose, valid_from, valid_until, granted_by, granted_at, renews_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  grantById: `SELECT * FROM grants WHERE id = ?`,
  grantsOfFamily: `SELECT * FROM grants WHERE family_id = ? ORDER BY granted_at, id`,
  grantsOfUser: `SELECT * FROM grants WHERE user_id = ? ORDER BY granted_at, id`,
  endGrant: `UPDATE grants SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL`,
  setReporter: `INSERT INTO underretning_reporters (family_id, entry_id, reporter, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(family_id, entry_id) DO UPDATE SET reporter = excluded.reporter, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
  reportersOfFamily: `SELECT * FROM underretning_reporters WHERE family_id = ? ORDER BY recorded_at, entry_id`,
  upsertTeam: `INSERT INTO teams (id, name, district, cluster) VALUES (?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET name = excluded.name, district = excluded.district, cluster = excluded.cluster`,
  listTeams: `SELECT id, name, district, cluster FROM teams ORDER BY name`,
  deleteTeamDistricts: `DELETE FROM team_districts WHERE team_id = ?`,
  insertTeamDistrict: `INSERT INTO team_districts (team_id, name, position) VALUES (?, ?, ?)`,
  districtsOfTeam: `SELECT name FROM (
      SELECT name, position FROM team_districts WHERE team_id = ?1
      UNION ALL
      SELECT district, 0 FROM teams WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM team_districts WHERE team_id = ?1)
    ) ORDER BY position`,
  upsertUser: `INSERT INTO users (id, username, name, role, sector, password_hash, active, issuer, subject, email)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET username = excluded.username, name = excluded.name, role = excluded.role,
    sector = excluded.sector, password_hash = excluded.password_hash, active = excluded.active,
    issuer = excluded.issuer, subject = excluded.subject, email = excluded.email`,
  userBySubject: `SELECT * FROM users WHERE issuer = ? AND subject = ?`,
  listDistricts: `SELECT name, cluster FROM districts ORDER BY name`,
  upsertDistrict: `INSERT INTO districts (name, cluster) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET cluster = excluded.cluster`,
  familyCountsByTeam: `SELECT team_id, COUNT(*) AS n FROM families GROUP BY team_id`,
  deleteSessionsOfUser: `DELETE FROM sessions WHERE user_id = ? RETURNING id_hash`,
  sessionsOfUser: `SELECT id_hash FROM sessions WHERE user_id = ?`,
  createLoginAttempt: `INSERT INTO login_attempts (state_hash, nonce, code_verifier, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
  takeLoginAttempt: `DELETE FROM login_attempts WHERE state_hash = ? RETURNING *`,
  deleteExpiredLoginAttempts: `DELETE FROM login_attempts WHERE expires_at <= ?`,
  auditOfActions: `SELECT a.id, a.at, a.user_id, a.family_id, a.room, a.action, a.detail, a.device_id, u.name AS user_name
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.action IN (SELECT value FROM json_each(?)) ORDER BY a.id DESC LIMIT ?`,
  deleteUserTeams: `DELETE FROM user_teams WHERE user_id = ?`,
  insertUserTeam: `INSERT INTO user_teams (user_id, team_id) VALUES (?, ?)`,
  userById: `SELECT * FROM users WHERE id = ?`,
  userByUsername: `SELECT * FROM users WHERE username = ?`,
  listUsers: `SELECT * FROM users ORDER BY username`,
  activeWorkerIdsOfTeam: `SELECT u.id FROM users u JOIN user_teams t ON t.user_id = u.id
    WHERE t.team_id = ? AND u.active = 1 AND u.role = 'worker'`,
  teamsOfUser: `SELECT team_id FROM user_teams WHERE user_id = ? ORDER BY team_id`,
  createSession: `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
  writeFactVersion: `SELECT v FROM write_fact_version WHERE id = 1`,
  sessionByHash: `SELECT id_hash, user_id, created_at, expires_at FROM sessions WHERE id_hash = ?`,
  deleteSession: `DELETE FROM sessions WHERE id_hash = ?`,
  deleteExpiredSessions: `DELETE FROM sessions WHERE expires_at <= ?`,
  insertFamily: `INSERT INTO families (id, name, district, team_id, opened_by_sector, status, created_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  familyById: `SELECT * FROM families WHERE id = ?`,
  familyCount: `SELECT COUNT(*) AS n FROM families`,
  upsertPlanSummary: `INSERT INTO plan_summaries (family_id, seq, version, computed_at, last_update_at, data, rev)
    VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(rev), 0) + 1 FROM plan_summaries))
    ON CONFLICT(family_id) DO UPDATE SET seq = excluded.seq, version = excluded.version, computed_at = excluded.computed_at,
    last_update_at = excluded.last_update_at, data = excluded.data, rev = excluded.rev`,
  summariesSince: `SELECT family_id, data, rev FROM plan_summaries WHERE rev > ? ORDER BY rev`,
  planSummary: `SELECT * FROM plan_summaries WHERE family_id = ?`,
  staleSummaries: `SELECT f.id FROM families f LEFT JOIN plan_summaries s ON s.family_id = f.id
    WHERE s.family_id IS NULL OR s.version <> ?
    OR s.seq < (SELECT COALESCE(MAX(u.seq), 0) FROM updates u WHERE u.room = ? || f.id || ?)
    ORDER BY f.created_at, f.id`,
  insertSecret: `INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`,
  secret: `SELECT value FROM server_secrets WHERE name = ?`,
  caseloadNorms: `SELECT sector, norm FROM caseload_norms`,
  setCaseloadNorm: `INSERT INTO caseload_norms (sector, norm) VALUES (?, ?) ON CONFLICT(sector) DO UPDATE SET norm = excluded.norm`,
  caseOpeners: `SELECT sector, may_open FROM case_openers`,
  setCaseOpener: `INSERT INTO case_openers (sector, may_open) VALUES (?, ?) ON CONFLICT(sector) DO UPDATE SET may_open = excluded.may_open`,
  insertConsent: `INSERT INTO consents (id, family_id, given_by, categories, recipients, purpose, valid_from, valid_until,
    method, signature, reference, renews_id, recorded_by, recorded_at, revoked_at, revoked_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  revokeConsent: `UPDATE consents SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
  consentById: `SELECT * FROM consents WHERE id = ?`,
  consentsOfFamily: `SELECT * FROM consents WHERE family_id = ? ORDER BY recorded_at, id`,
  appendUpdate: `INSERT INTO updates (room, seq, author, at, data) VALUES (?, ?, ?, ?, ?)`,
  dataVersion: `PRAGMA data_version`,
  keepAuthorsUpTo: `INSERT OR IGNORE INTO update_authors (room, seq, author, at, size)
    SELECT room, seq, author, at, length(data) FROM updates WHERE room = ? AND seq <= ? AND author != 'snapshot'`,
  updateAuthors: `SELECT seq, author, at, size FROM update_authors WHERE room = ?
    UNION ALL
    SELECT u.seq, u.author, u.at, length(u.data) AS size FROM updates u WHERE u.room = ? AND u.author != 'snapshot'
      AND NOT EXISTS (SELECT 1 FROM update_authors a WHERE a.room = u.room AND a.seq = u.seq)
    ORDER BY seq`,
  loadUpdates: `SELECT seq, data FROM updates WHERE room = ? ORDER BY seq`,
  loadSince: `SELECT seq, data FROM updates WHERE room = ? AND seq > ? ORDER BY seq`,
  snapshotAtOrAfter: `SELECT 1 AS x FROM updates WHERE room = ? AND seq >= ? AND author = 'snapshot' LIMIT 1`,
  // A snapshot row lands here only when no archived update holds its seq: a room compacted before the archive.
  archiveUpTo: `INSERT OR IGNORE INTO update_archive (room, seq, author, at, data)
    SELECT room, seq, author, at, data FROM updates WHERE room = ? AND seq <= ? ORDER BY author = 'snapshot', seq`,
  historyUpdates: `SELECT seq, author, at, data FROM update_archive WHERE room = ?1 AND seq > ?2
    UNION ALL
    SELECT seq, author, at, data FROM updates WHERE room = ?1 AND seq > ?2
      AND seq > (SELECT COALESCE(MAX(seq), 0) FROM update_archive WHERE room = ?1)
    ORDER BY seq`,
  deleteUpTo: `DELETE FROM updates WHERE room = ? AND seq <= ?`,
  insertSnapshot: `INSERT INTO updates (room, seq, author, at, data) VALUES (?, ?, 'snapshot', ?, ?)`,
  audit: `INSERT INTO audit (at, user_id, family_id, room, action, detail, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  // A retried upload must not count an opening twice (audit_user_room finds the candidates).
  appendOfflineOpening: `INSERT INTO audit (at, user_id, family_id, room, action, detail, device_id)
    SELECT ?1, ?2, ?3, ?4, 'open-offline', ?5, ?6
    WHERE NOT EXISTS (SELECT 1 FROM audit WHERE user_id = ?2 AND room = ?4 AND action = 'open-offline' AND device_id = ?6 AND at = ?1)`,
  auditOfFamilyActions: `SELECT a.id, a.at, a.user_id, a.family_id, a.room, a.action, a.detail, a.device_id, u.name AS user_name
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.family_id = ? AND a.action IN (SELECT value FROM json_each(?)) ORDER BY a.id DESC LIMIT ?`,
  roomsOpenedBy: `SELECT DISTINCT room FROM audit WHERE user_id = ?1 AND room IS NOT NULL
    AND action IN ('open-read', 'open-write', 'open-offline', 'sync-read', 'sync-write')
    UNION SELECT room FROM retention_purges WHERE user_id = ?1`,
  tableColumns: `SELECT name FROM pragma_table_info(?)`,
  // The hour bucket lets the caller fold groups into days of any whole-hour time zone.
  auditGroupsOfFamily: `SELECT a.user_id, u.name AS user_name, u.sector AS user_sector, a.room, a.action,
    substr(a.at, 1, 13) AS hour, COUNT(*) AS n, MIN(a.at) AS first_at, MAX(a.at) AS last_at
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.family_id = ? AND a.action IN (SELECT value FROM json_each(?))
    GROUP BY a.user_id, a.room, a.action, hour`,
  // Authorship lives in the update log until compaction moves it to update_authors.
  changeGroupsOfRooms: `SELECT c.author AS user_id, u.name AS user_name, u.sector AS user_sector, c.room, 'change' AS action,
    substr(c.at, 1, 13) AS hour, COUNT(*) AS n, MIN(c.at) AS first_at, MAX(c.at) AS last_at
    FROM (
      SELECT room, seq, author, at FROM update_authors WHERE room IN (SELECT value FROM json_each(?1))
      UNION
      SELECT room, seq, author, at FROM updates WHERE room IN (SELECT value FROM json_each(?1)) AND author != 'snapshot'
    ) c LEFT JOIN users u ON u.id = c.author
    GROUP BY c.author, c.room, hour`,
  userNames: `SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?))`,
  // One statement for a whole caseload's rooms (a manifest names every room a worker may open): one seek per room.
  latestSeqs: `SELECT room, seq FROM (SELECT j.value AS room, (SELECT MAX(u.seq) FROM updates u WHERE u.room = j.value) AS seq FROM json_each(?) j) WHERE seq IS NOT NULL`,
  addNotification: `INSERT INTO notifications (id, user_id, kind, family_id, actor_id, key, created_at, read_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, key) DO NOTHING`,
  notificationsOf: `SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
  readAllNotifications: `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`,
  readNotifications: `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
  noticeKeys: `SELECT keys FROM plan_notice_keys WHERE family_id = ?`,
  setNoticeKeys: `INSERT INTO plan_notice_keys (family_id, keys) VALUES (?, ?) ON CONFLICT(family_id) DO UPDATE SET keys = excluded.keys`
} as const;

type Row = Record<string, SQLInputValue>;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  readonly #writeFacts = new WriteFactCache();
  /** appendUpdates' cache of each room's latest sequence number (#latestSeqsOf) */
  #seqs: { version: number; rooms: Map<string, number> } = { version: NaN, rooms: new Map() };

  /** the server's store checkpoints its log in a thread of its own (sqlite-checkpointer.ts); tools and tests need not */
  readonly #checkpointer: WalCheckpointer | null = null;

  constructor(file: string, opts: { checkpointer?: CheckpointerOptions } = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    // A second process on the same file (a backup, the copy to PostgreSQL) waits instead of failing.
    this.#db.exec('PRAGMA busy_timeout = 5000');
    if (opts.checkpointer && file !== ':memory:') {
      this.#db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_WAL_PAGES}`);
      this.#checkpointer = new WalCheckpointer(file, opts.checkpointer);
    }
    this.#db.exec(SCHEMA);
    this.#migrate();
    this.#db.exec(CONSENT_HISTORY);
    this.#db.exec(OVERVIEW_SCHEMA);
    this.#db.exec(DISTRICT_SCHEMA);
    this.#db.exec(IDENTITY_SCHEMA);
    this.#db.exec(DEVICE_SCHEMA);
    this.#db.exec(LIFECYCLE_SCHEMA);
    this.#db.exec(RETENTION_SCHEMA);
    this.#db.exec(HISTORY_CHECKPOINT_SCHEMA);
    this.#db.exec(FAMILY_ACCESS_SCHEMA);
    this.#db.exec(NOTIFICATION_SCHEMA);
    this.#db.exec(WRITE_FACT_SCHEMA);
  }

  /** Adds columns that a data file from an earlier release lacks. */
  #migrate() {
    for (const [table, column, definition] of MIGRATIONS) {
      const has = this.#stmt('tableColumns')
        .all(table)
        .some((r) => str(r.name) === column);
      // Identifiers come from the constant table above, never from input.
      if (!has) this.#db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }

  #stmt(key: keyof typeof SQL) {
    let s = this.#stmts.get(key);
    if (!s) {
      s = this.#db.prepare(SQL[key]);
      this.#stmts.set(key, s);
    }
    return s;
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      this.#checkpointer?.wrote();
      return out;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async close() {
    await this.#checkpointer?.close();
    this.#db.close();
  }

  /** Resolves after the background checkpoint that follows the latest write (tests; null without one). */
  nextCheckpoint(): Promise<CheckpointResult | null> {
    return this.#checkpointer?.next() ?? Promise.resolve(null);
  }

  async addNotifications(rows: readonly NotificationRow[]): Promise<NotificationRow[]> {
    if (rows.length === 0) return [];
    return this.#tx(() =>
      rows.filter(
        (n) => Number(this.#stmt('addNotification').run(n.id, n.userId, n.kind, n.familyId, n.actorId, n.key, n.createdAt, n.readAt).changes) > 0
      )
    );
  }

  async notificationsOf(userId: string, limit: number): Promise<NotificationRow[]> {
    return this.#stmt('notificationsOf').all(userId, limit).map(notificationRow);
  }

  async markNotificationsRead(userId: string, ids: readonly string[] | 'all', at: string): Promise<number> {
    const r = ids === 'all' ? this.#stmt('readAllNotifications').run(at, userId) : this.#stmt('readNotifications').run(at, userId, JSON.stringify(ids));
    return Number(r.changes);
  }

  async noticeKeys(familyId: string): Promise<string[] | undefined> {
    const r = this.#stmt('noticeKeys').get(familyId);
    return r ? (JSON.parse(str(r.keys)) as string[]) : undefined;
  }

  async setNoticeKeys(familyId: string, keys: readonly string[]): Promise<void> {
    this.#stmt('setNoticeKeys').run(familyId, JSON.stringify(keys));
  }

  async upsertTeam(t: TeamRow) {
    this.#stmt('upsertTeam').run(t.id, t.name, t.district, t.cluster);
  }

  async listTeams(): Promise<TeamRow[]> {
    return this.#stmt('listTeams')
      .all()
      .map((r) => ({ id: str(r.id), name: str(r.name), district: str(r.district), cluster: str(r.cluster) }));
  }

  async setTeamDistricts(teamId: string, districts: readonly string[]): Promise<void> {
    this.#tx(() => {
      this.#stmt('deleteTeamDistricts').run(teamId);
      districts.forEach((name, i) => this.#stmt('insertTeamDistrict').run(teamId, name, i));
    });
  }

  async districtsOfTeam(teamId: string): Promise<string[]> {
    return this.#stmt('districtsOfTeam')
      .all(teamId)
      .map((r) => str(r.name));
  }

  async upsertUser(u: UserRow) {
    this.#tx(() => {
      this.#stmt('upsertUser').run(
        u.id, u.username, u.name, u.role, u.sector, u.passwordHash, u.active ? 1 : 0, u.issuer ?? null, u.subject ?? null, u.email ?? null
      );
      this.#stmt('deleteUserTeams').run(u.id);
      for (const t of u.teamIds) this.#stmt('insertUserTeam').run(u.id, t);
    });
  }

  #toUser(r: Row | undefined): UserRow | undefined {
    if (!r) return undefined;
    const id = str(r.id);
    return {
      id,
      username: str(r.username),
      name: str(r.name),
      role: str(r.role) as Role,
      sector: strOrNull(r.sector) as Sector | null,
      passwordHash: str(r.password_hash),
      active: Number(r.active) === 1,
      issuer: strOrNull(r.issuer),
      subject: strOrNull(r.subject),
      email: strOrNull(r.email),
      teamIds: this.#stmt('teamsOfUser')
        .all(id)
        .map((t) => str(t.team_id))
    };
  }

  async userById(id: string) {
    return this.#toUser(this.#stmt('userById').get(id));
  }

  async userByUsername(username: string) {
    return this.#toUser(this.#stmt('userByUsername').get(username));
  }

  async userBySubject(issuer: string, subject: string) {
    return this.#toUser(this.#stmt('userBySubject').get(issuer, subject));
  }

  async saveTeam(t: TeamRow, districts: readonly string[]) {
    this.#tx(() => {
      this.#stmt('upsertTeam').run(t.id, t.name, t.district, t.cluster);
      this.#stmt('deleteTeamDistricts').run(t.id);
      districts.forEach((name, i) => this.#stmt('insertTeamDistrict').run(t.id, name, i));
    });
  }

  async listDistricts() {
    return this.#stmt('listDistricts')
      .all()
      .map((r) => ({ name: str(r.name), cluster: str(r.cluster) }));
  }

  async upsertDistrict(d: { name: string; cluster: string }) {
    this.#stmt('upsertDistrict').run(d.name, d.cluster);
  }

  async familyCountsByTeam() {
    return new Map(
      this.#stmt('familyCountsByTeam')
        .all()
        .map((r) => [str(r.team_id), Number(r.n)] as const)
    );
  }

  async listUsers(): Promise<UserRow[]> {
    return this.#stmt('listUsers')
      .all()
      .map((r) => this.#toUser(r) as UserRow);
  }

  async activeWorkerIdsOfTeam(teamId: string): Promise<string[]> {
    return this.#stmt('activeWorkerIdsOfTeam')
      .all(teamId)
      .map((r) => str(r.id));
  }

  async createSession(s: SessionRow) {
    this.#stmt('createSession').run(s.idHash, s.userId, s.createdAt, s.expiresAt);
  }

  async sessionByHash(idHash: string): Promise<SessionRow | undefined> {
    const r = this.#stmt('sessionByHash').get(idHash);
    if (!r) return undefined;
    return { idHash: str(r.id_hash), userId: str(r.user_id), createdAt: str(r.created_at), expiresAt: str(r.expires_at) };
  }

  async deleteSession(idHash: string) {
    this.#stmt('deleteSession').run(idHash);
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    return Number(this.#stmt('deleteExpiredSessions').run(now).changes);
  }

  async sessionsOfUser(userId: string): Promise<string[]> {
    return this.#stmt('sessionsOfUser')
      .all(userId)
      .map((r) => str(r.id_hash));
  }

  async deleteSessionsOfUser(userId: string): Promise<string[]> {
    return this.#stmt('deleteSessionsOfUser')
      .all(userId)
      .map((r) => str(r.id_hash));
  }

  // ---- devices ---------------------------------------------------------------------

  async registerDevice(row: DeviceRow & { wrapKey: string }) {
    this.#stmt('registerDevice').run(row.userId, row.deviceId, row.name, row.wrapKey, row.createdAt, row.lastSeenAt, row.leaseUntil);
    const r = this.#stmt('deviceWithKey').get(row.userId, row.deviceId);
    if (!r) throw new Error('device not stored');
    return { ...toDevice(r), wrapKey: str(r.wrap_key) };
  }

  async touchDevice(userId: string, deviceId: string, name: string, lastSeenAt: string, leaseUntil: string) {
    // Placeholders in textual order: SET name, last_seen_at, lease_until, then WHERE user_id, device_id.
    this.#stmt('touchDevice').run(name, lastSeenAt, leaseUntil, userId, deviceId);
  }

  async devicesOfUser(userId: string) {
    return this.#stmt('devicesOfUser').all(userId).map(toDevice);
  }

  async listDevices() {
    return this.#stmt('listDevices').all().map(toDevice);
  }

  async markDeviceLost(userId: string, deviceId: string, at: string, by: string) {
    return Number(this.#stmt('markDeviceLost').run(at, by, userId, deviceId).changes) > 0;
  }

  async deviceIdLost(deviceId: string) {
    return this.#stmt('deviceIdLost').get(deviceId) !== undefined;
  }

  async markDeviceWiped(deviceId: string, at: string) {
    this.#stmt('markDeviceWiped').run(at, deviceId);
  }

  async bindSessionDevice(sessionHash: string, userId: string, deviceId: string) {
    this.#stmt('bindSessionDevice').run(sessionHash, userId, deviceId);
  }

  async deviceOfSession(sessionHash: string) {
    const r = this.#stmt('deviceOfSession').get(sessionHash);
    return r ? str(r.device_id) : undefined;
  }

  async sessionsOfDevice(userId: string, deviceId: string) {
    return this.#stmt('sessionsOfDevice')
      .all(userId, deviceId)
      .map((r) => str(r.session_hash));
  }

  async createLoginAttempt(a: LoginAttemptRow) {
    this.#stmt('createLoginAttempt').run(a.stateHash, a.nonce, a.codeVerifier, a.createdAt, a.expiresAt);
  }

  async takeLoginAttempt(stateHash: string, now: string): Promise<LoginAttemptRow | undefined> {
    return this.#tx(() => {
      const r = this.#stmt('takeLoginAttempt').get(stateHash);
      this.#stmt('deleteExpiredLoginAttempts').run(now);
      if (!r || str(r.expires_at) <= now) return undefined;
      return { stateHash: str(r.state_hash), nonce: str(r.nonce), codeVerifier: str(r.code_verifier), createdAt: str(r.created_at), expiresAt: str(r.expires_at) };
    });
  }

  async insertFamily(f: FamilyRow) {
    this.#stmt('insertFamily').run(f.id, f.name, f.district, f.teamId, f.openedBySector, f.status, f.createdAt, f.createdBy);
  }

  async familyById(id: string) {
    const r = this.#stmt('familyById').get(id);
    return r ? toFamily(r) : undefined;
  }

  async setFamilyStatus(id: string, status: CaseStatus, at: string) {
    this.#stmt('setFamilyStatus').run(status, status === 'afsluttet' ? at : null, id);
  }

  async insertTransfer(t: TransferRow) {
    this.#stmt('insertTransfer').run(t.id, t.familyId, t.fromTeamId, t.toTeamId, t.note, t.meetingAt, t.requestedBy, t.requestedAt);
  }

  async transferById(id: string) {
    const r = this.#stmt('transferById').get(id);
    return r ? toTransfer(r) : undefined;
  }

  async openTransfersTo(teamIds: readonly string[]): Promise<TransferRow[]> {
    if (teamIds.length === 0) return [];
    const placeholders = teamIds.map(() => '?').join(', ');
    return this.#db
      .prepare(`SELECT * FROM family_transfers WHERE outcome IS NULL AND to_team IN (${placeholders}) ORDER BY requested_at, id`)
      .all(...teamIds)
      .map(toTransfer);
  }

  async transfersOfFamily(familyId: string) {
    return this.#stmt('transfersOfFamily').all(familyId).map(toTransfer);
  }

  async decideTransfer(id: string, outcome: 'accepted' | 'declined' | 'cancelled', by: string, at: string, district: string): Promise<boolean> {
    return this.#tx(() => {
      const t = this.#stmt('transferById').get(id);
      if (!t || t.outcome !== null) return false;
      if (outcome === 'accepted' && Number(this.#stmt('moveFamily').run(str(t.to_team), district, str(t.family_id), str(t.from_team)).changes) !== 1) return false;
      return Number(this.#stmt('decideTransfer').run(outcome, by, at, id).changes) === 1;
    });
  }

  async insertGrant(g: GrantRow) {
    this.#stmt('insertGrant').run(g.id, g.familyId, g.userId, JSON.stringify(g.parts), g.purpose, g.validFrom, g.validUntil, g.grantedBy, g.grantedAt, g.renewsId);
  }

  async grantById(id: string) {
    const r = this.#stmt('grantById').get(id);
    return r ? toGrant(r) : undefined;
  }

  async grantsOfFamily(familyId: string) {
    return this.#stmt('grantsOfFamily').all(familyId).map(toGrant);
  }

  async grantsOfUser(userId: string) {
    return this.#stmt('grantsOfUser').all(userId).map(toGrant);
  }

  async endGrant(id: string, at: string, by: string) {
    this.#stmt('endGrant').run(at, by, id);
  }

  async insertInvitation(i: InvitationRow) {
    this.#stmt('insertInvitation').run(i.id, i.familyId, i.codeHash, i.memberName, i.relation, i.invitedBy, i.createdAt, i.expiresAt);
  }

  async invitationsOfFamily(familyId: string) {
    return this.#stmt('invitationsOfFamily').all(familyId).map(toInvitation);
  }

  async revokeInvitation(id: string, at: string, by: string) {
    return Number(this.#stmt('revokeInvitation').run(at, by, id).changes) === 1;
  }

  async acceptInvitation(codeHash: string, userId: string, at: string, linkId: string): Promise<AcceptOutcome> {
    return this.#tx((): AcceptOutcome => {
      const r = this.#stmt('invitationByCode').get(codeHash);
      if (!r) return { ok: false, reason: 'unknown' };
      const inv = toInvitation(r);
      if (inv.revokedAt !== null) return { ok: false, reason: 'revoked' };
      if (inv.usedAt !== null) return { ok: false, reason: 'used' };
      if (Date.parse(inv.expiresAt) <= Date.parse(at)) return { ok: false, reason: 'expired' };
      if (this.#stmt('activeLink').get(inv.familyId, userId)) return { ok: false, reason: 'linked' };
      this.#stmt('useInvitation').run(at, userId, inv.id);
      this.#stmt('insertLink').run(linkId, inv.familyId, userId, inv.id, inv.memberName, inv.relation, at);
      return { ok: true, invitation: { ...inv, usedAt: at, usedBy: userId }, link: toFamilyLink(this.#stmt('linkById').get(linkId) as Record<string, unknown>) };
    });
  }

  async linksOfFamily(familyId: string) {
    return this.#stmt('linksOfFamily').all(familyId).map(toFamilyLink);
  }

  async linksOfUser(userId: string) {
    return this.#stmt('linksOfUser').all(userId).map(toFamilyLink);
  }

  async endLink(id: string, at: string, by: string) {
    return Number(this.#stmt('endLink').run(at, by, id).changes) === 1;
  }

  async setReporter(r: ReporterRow) {
    this.#stmt('setReporter').run(r.familyId, r.entryId, r.reporter, r.recordedBy, r.recordedAt);
  }

  async reportersOfFamily(familyId: string): Promise<ReporterRow[]> {
    return this.#stmt('reportersOfFamily').all(familyId).map(toReporter);
  }

  async familiesOfTeams(teamIds: readonly string[]): Promise<FamilyRow[]> {
    if (teamIds.length === 0) return [];
    const placeholders = teamIds.map(() => '?').join(', ');
    return this.#db
      .prepare(`SELECT * FROM families WHERE team_id IN (${placeholders}) ORDER BY name`)
      .all(...teamIds)
      .map(toFamily);
  }

  async familyCount() {
    return Number(this.#stmt('familyCount').get()?.n ?? 0);
  }

  async upsertPlanSummary(r: PlanSummaryRow) {
    this.#stmt('upsertPlanSummary').run(r.familyId, r.seq, r.version, r.computedAt, r.lastUpdateAt, r.data);
  }

  async planSummary(familyId: string): Promise<PlanSummaryRow | undefined> {
    const r = this.#stmt('planSummary').get(familyId);
    if (!r) return undefined;
    return {
      familyId: str(r.family_id),
      seq: Number(r.seq),
      version: Number(r.version),
      computedAt: str(r.computed_at),
      lastUpdateAt: strOrNull(r.last_update_at),
      data: str(r.data)
    };
  }

  async staleSummaries(version: number, roomPrefix: string, roomSuffix: string): Promise<string[]> {
    return this.#stmt('staleSummaries')
      .all(version, roomPrefix, roomSuffix)
      .map((r) => str(r.id));
  }

  async overviewFamilies(teamIds: readonly string[]): Promise<OverviewFamilyRow[]> {
    if (teamIds.length === 0) return [];
    const placeholders = teamIds.map(() => '?').join(', ');
    // No family name, and no column the overview does not need.
    return this.#db
      .prepare(`SELECT id, team_id, district, status FROM families WHERE team_id IN (${placeholders})`)
      .all(...teamIds)
      .map((r) => ({
        familyId: str(r.id),
        teamId: str(r.team_id),
        district: str(r.district),
        status: str(r.status) as OverviewFamilyRow['status']
      }));
  }

  async summariesSince(rev: number) {
    return this.#stmt('summariesSince')
      .all(rev)
      .map((r) => ({ familyId: str(r.family_id), data: str(r.data), rev: Number(r.rev) }));
  }

  async consentWindowsOfTeams(teamIds: readonly string[]): Promise<ConsentWindow[]> {
    if (teamIds.length === 0) return [];
    const placeholders = teamIds.map(() => '?').join(', ');
    return this.#db
      .prepare(
        `SELECT c.family_id, c.valid_from, c.valid_until, c.revoked_at FROM consents c
         JOIN families f ON f.id = c.family_id WHERE f.team_id IN (${placeholders})`
      )
      .all(...teamIds)
      .map((r) => ({ familyId: str(r.family_id), validFrom: str(r.valid_from), validUntil: str(r.valid_until), revokedAt: strOrNull(r.revoked_at) }));
  }

  async secret(name: string, make: () => string): Promise<string> {
    this.#stmt('insertSecret').run(name, make());
    const value = this.#stmt('secret').get(name)?.value;
    if (typeof value !== 'string') throw new Error(`server secret ${name} is missing`);
    return value;
  }

  async caseloadNorms(): Promise<Partial<Record<Sector, number>>> {
    return Object.fromEntries(this.#stmt('caseloadNorms').all().map((r) => [str(r.sector), Number(r.norm)]));
  }

  async setCaseloadNorms(norms: Partial<Record<Sector, number>>): Promise<void> {
    this.#tx(() => {
      for (const [sector, norm] of Object.entries(norms)) this.#stmt('setCaseloadNorm').run(sector, norm);
    });
  }

  async caseOpeners(): Promise<Partial<Record<Sector, boolean>>> {
    return Object.fromEntries(this.#stmt('caseOpeners').all().map((r) => [str(r.sector), Number(r.may_open) === 1]));
  }

  async setCaseOpeners(openers: Partial<Record<Sector, boolean>>): Promise<void> {
    this.#tx(() => {
      for (const [sector, may] of Object.entries(openers)) this.#stmt('setCaseOpener').run(sector, may ? 1 : 0);
    });
  }

  async insertConsent(c: Consent) {
    this.#stmt('insertConsent').run(...consentParams(c));
  }

  async revokeConsent(id: string, at: string, by: string) {
    this.#stmt('revokeConsent').run(at, by, id);
  }

  async consentById(id: string) {
    const r = this.#stmt('consentById').get(id);
    return r ? toConsent(r) : undefined;
  }

  async consentsOfFamily(familyId: string) {
    return this.#stmt('consentsOfFamily').all(familyId).map(toConsent);
  }

  async consentsOfFamilies(familyIds: readonly string[]): Promise<Consent[]> {
    if (familyIds.length === 0) return [];
    const out: Consent[] = [];
    // Chunk to stay under SQLite's bound-parameter limit.
    for (let i = 0; i < familyIds.length; i += 500) {
      const chunk = familyIds.slice(i, i + 500);
      const placeholders = chunk.map(() => '?').join(', ');
      for (const r of this.#db.prepare(`SELECT * FROM consents WHERE family_id IN (${placeholders})`).all(...chunk)) {
        out.push(toConsent(r));
      }
    }
    return out;
  }

  async userNames(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    for (const r of this.#stmt('userNames').all(JSON.stringify([...new Set(ids)]))) out.set(str(r.id), str(r.name));
    return out;
  }

  async appendUpdates(updates: readonly NewUpdate[]): Promise<number[]> {
    if (updates.length === 0) return [];
    const insert = this.#stmt('appendUpdate');
    const written = new Map<string, number>();
    const seqs = this.#tx(() => {
      this.#checkWriters(updates);
      const latest = this.#latestSeqsOf(updates);
      return updates.map((u) => {
        const seq = (written.get(u.room) ?? (latest.get(u.room) as number)) + 1;
        insert.run(u.room, seq, u.author, u.at, u.data);
        written.set(u.room, seq);
        return seq;
      });
    });
    // Only once committed: a batch rolled back leaves the rooms where they were.
    for (const [room, seq] of written) this.#seqs.rooms.set(room, seq);
    return seqs;
  }

  /**
   * The latest sequence number of each room of the batch, inside the append's
   * transaction: as this connection last wrote or read it, and the rooms it
   * does not know read in one statement (a room without updates: 0). Finding
   * it per row in the table cost about a third of an append (a B-tree descent
   * and RETURNING per row). Another connection's commit moves PRAGMA
   * data_version, and then every room is read again; this connection's own
   * deletions (retention) clear it.
   */
  #latestSeqsOf(updates: readonly NewUpdate[]): Map<string, number> {
    const version = Number(this.#stmt('dataVersion').get()?.data_version);
    if (version !== this.#seqs.version) this.#seqs = { version, rooms: new Map() };
    const known = this.#seqs.rooms;
    const unknown = [...new Set(updates.map((u) => u.room))].filter((room) => !known.has(room));
    if (unknown.length > 0) {
      // Read under the write lock, so committed: kept even if this batch rolls back.
      for (const room of unknown) known.set(room, 0);
      for (const r of this.#stmt('latestSeqs').all(JSON.stringify(unknown))) known.set(str(r.room), Number(r.seq));
    }
    return known;
  }

  /**
   * Inside the append's transaction: the writers' sessions, users, families and
   * consents as they stand (one process writes this file, and the transaction
   * runs without yielding, so nothing changes them before the COMMIT). What was
   * read is kept while the tables' version (WRITE_FACT_SCHEMA's triggers) stays
   * where it was, so a batch of a busy room reads one row, not seven per writer.
   */
  #checkWriters(updates: readonly NewUpdate[]) {
    const keys = writeFactKeys(updates);
    if (!keys) return;
    const refused = refusedWriters(updates, this.#readWriteFacts(keys));
    if (refused.size > 0) throw new WriteRefused(refused);
  }

  async accessFacts(keys: WriteFactKeys): Promise<WriteFacts> {
    return this.#readWriteFacts(keys);
  }

  #readWriteFacts(keys: WriteFactKeys): WriteFacts {
    return this.#writeFacts.at(Number(this.#stmt('writeFactVersion').get()?.v)).read(keys, {
      session: (hash) => {
        const r = this.#stmt('sessionByHash').get(hash);
        return r && { idHash: str(r.id_hash), userId: str(r.user_id), createdAt: str(r.created_at), expiresAt: str(r.expires_at) };
      },
      user: (id) => this.#toUser(this.#stmt('userById').get(id)),
      family: (id) => {
        const r = this.#stmt('familyById').get(id);
        return r && {
          row: toFamily(r),
          consents: this.#stmt('consentsOfFamily').all(id).map(toConsent),
          grants: this.#stmt('grantsOfFamily').all(id).map(toGrant),
          links: this.#stmt('linksOfFamily').all(id).map(toFamilyLink)
        };
      }
    });
  }

  async loadUpdates(room: string): Promise<StoredUpdate[]> {
    return this.#stmt('loadUpdates')
      .all(room)
      .map((r) => ({ seq: Number(r.seq), data: r.data as Uint8Array }));
  }

  async loadSince(room: string, afterSeq: number): Promise<StoredUpdate[]> {
    return this.#stmt('loadSince')
      .all(room, afterSeq)
      .map((r) => ({ seq: Number(r.seq), data: r.data as Uint8Array }));
  }

  async exclusive<T>(_name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T }> {
    return { ran: true, value: await fn() };
  }

  async latestSeqs(rooms: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (rooms.length === 0) return out;
    for (const r of this.#stmt('latestSeqs').all(JSON.stringify(rooms))) out.set(str(r.room), Number(r.seq));
    return out;
  }

  /**
   * Replace every update up to uptoSeq by one snapshot row at uptoSeq; their
   * authorship moves to update_authors, the updates themselves to update_archive.
   */
  async compact(room: string, uptoSeq: number, snapshot: Uint8Array, at: string) {
    this.#tx(() => {
      if (this.#stmt('snapshotAtOrAfter').get(room, uptoSeq)) return;
      // A room of a family deleted by retention (a relay still held it in memory) is not written again.
      const ref = parseRoom(room);
      if (ref && this.#stmt('familyDeleted').get(ref.familyId)) return;
      this.#stmt('keepAuthorsUpTo').run(room, uptoSeq);
      this.#stmt('archiveUpTo').run(room, uptoSeq);
      this.#stmt('deleteUpTo').run(room, uptoSeq);
      this.#stmt('insertSnapshot').run(room, uptoSeq, at, snapshot);
    });
  }

  async historyUpdates(room: string, afterSeq = 0): Promise<HistoryRow[]> {
    return this.#stmt('historyUpdates')
      .all(room, afterSeq)
      .map((r) => ({ seq: Number(r.seq), author: str(r.author), at: str(r.at), data: r.data as Uint8Array }));
  }

  async historyCheckpoint(room: string): Promise<HistoryCheckpointRow | undefined> {
    const r = this.#stmt('historyCheckpoint').get(room);
    return r ? { room: str(r.room), seq: Number(r.seq), version: Number(r.version), at: str(r.at), data: r.data as Uint8Array } : undefined;
  }

  async saveHistoryCheckpoint(row: HistoryCheckpointRow): Promise<boolean> {
    return this.#tx(() => {
      // A room of a family deleted by retention (a request or sweep still held its history) is not written again.
      const familyId = familyOfRoom(row.room);
      if (familyId !== null && this.#stmt('familyDeleted').get(familyId)) return false;
      return Number(this.#stmt('saveHistoryCheckpoint').run(row.room, row.seq, row.version, row.at, row.data).changes) > 0;
    });
  }

  async staleHistoryCheckpoints(version: number, minGrowth: number, roomPrefix: string, roomSuffix: string): Promise<string[]> {
    return this.#stmt('staleHistoryCheckpoints')
      .all(version, minGrowth, roomPrefix, roomSuffix)
      .map((r) => str(r.room));
  }

  async updateAuthors(room: string): Promise<UpdateAuthor[]> {
    return this.#stmt('updateAuthors')
      .all(room, room)
      .map((r) => ({ seq: Number(r.seq), author: str(r.author), at: str(r.at), size: Number(r.size) }));
  }

  async audit(e: AuditEntry) {
    this.#stmt('audit').run(e.at, e.userId, e.familyId, e.room, e.action, e.detail, e.deviceId);
  }

  async appendOfflineOpenings(entries: readonly AuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const insert = this.#stmt('appendOfflineOpening');
    return this.#tx(() => entries.reduce((n, e) => n + Number(insert.run(e.at, e.userId, e.familyId, e.room, e.detail, e.deviceId).changes), 0));
  }

  async auditOfActions(actions: readonly string[], limit: number): Promise<AuditRow[]> {
    return this.#stmt('auditOfActions').all(JSON.stringify(actions), limit).map(toAuditRow);
  }

  async auditOfFamilyActions(familyId: string, actions: readonly string[], limit: number): Promise<AuditRow[]> {
    return this.#stmt('auditOfFamilyActions').all(familyId, JSON.stringify(actions), limit).map(toAuditRow);
  }

  async auditGroupsOfFamily(familyId: string, actions: readonly string[]): Promise<AccessGroup[]> {
    return this.#stmt('auditGroupsOfFamily').all(familyId, JSON.stringify(actions)).map(toAccessGroup);
  }

  async changeGroupsOfRooms(rooms: readonly string[]): Promise<AccessGroup[]> {
    if (rooms.length === 0) return [];
    return this.#stmt('changeGroupsOfRooms').all(JSON.stringify(rooms)).map(toAccessGroup);
  }

  async roomsOpenedBy(userId: string): Promise<string[]> {
    return this.#stmt('roomsOpenedBy')
      .all(userId)
      .map((r) => str(r.room));
  }
  // ---- retention (issue #14) ---------------------------------------------------------

  async closedBefore(cutoff: string): Promise<RetentionCandidate[]> {
    return this.#stmt('closedBefore')
      .all(cutoff)
      .map((r) => ({ familyId: str(r.id), teamId: str(r.team_id), closedAt: str(r.closed_at) }));
  }

  async deleteForRetention(familyId: string, cutoff: string, run: RetentionRun): Promise<{ record: RetentionDeletion; users: string[] } | null> {
    const [lo, hi] = familyRoomRange(familyId);
    return this.#tx(() => {
      const f = this.#stmt('familyById').get(familyId);
      if (!f) return null;
      const family = toFamily(f);
      if (family.status !== 'afsluttet' || !family.closedAt || family.closedAt > cutoff) return null;
      const opened = this.#stmt('retentionOpenedRooms').all(family.id).map((r) => ({ userId: str(r.user_id), room: str(r.room) }));
      this.#stmt('insertRetentionDeletion').run(family.id, family.teamId, family.closedAt, run.deletedAt, run.rule, run.deletedBy);
      for (const o of opened) this.#stmt('insertRetentionPurge').run(o.userId, o.room, family.id);
      if (run.retainedSummary !== null) this.#stmt('insertRetainedSummary').run(family.id, family.teamId, family.district, run.deletedAt, run.retainedSummary);
      const n = (key: keyof typeof SQL, ...args: SQLInputValue[]) => Number(this.#stmt(key).run(...args).changes);
      // The family's rooms start again from nothing (appendUpdates' cache of their latest seq).
      this.#seqs.rooms.clear();
      const counts: Record<string, number> = {
        updates: n('deleteRoomsUpdates', lo, hi),
        archivedUpdates: n('deleteRoomsArchive', lo, hi),
        updateAuthors: n('deleteRoomsAuthors', lo, hi),
        historyCheckpoints: n('deleteRoomsCheckpoints', lo, hi),
        auditEntries: n('deleteFamilyAudit', family.id),
        consents: n('deleteFamilyConsents', family.id),
        grants: n('deleteFamilyGrants', family.id),
        transfers: n('deleteFamilyTransfers', family.id),
        underretningReporters: n('deleteFamilyReporters', family.id),
        // the family's own access (links before the invitations they name)
        familyLinks: n('deleteFamilyLinks', family.id),
        familyInvitations: n('deleteFamilyInvitations', family.id),
        // the inbox's notices about the family (ids only) and its plan's notice baseline
        notifications: n('deleteFamilyNotifications', family.id),
        noticeKeys: n('deleteFamilyNoticeKeys', family.id),
        summaries: n('deleteFamilySummary', family.id),
        families: n('deleteFamily', family.id)
      };
      this.#stmt('finishRetentionDeletion').run(JSON.stringify(counts), family.id);
      const record = retentionRecord(family, family.closedAt, run, counts);
      return { record, users: [...new Set(opened.map((o) => o.userId))] };
    });
  }

  async retentionDeletions(limit: number): Promise<RetentionDeletion[]> {
    return this.#stmt('retentionDeletions').all(limit).map(toRetentionDeletion);
  }

  async retainedSummaries(teamIds: readonly string[]) {
    if (teamIds.length === 0) return [];
    const placeholders = teamIds.map(() => '?').join(', ');
    return this.#db
      .prepare(`SELECT family_id, team_id, district, data FROM retained_summaries WHERE team_id IN (${placeholders})`)
      .all(...teamIds)
      .map((r) => ({ familyId: str(r.family_id), teamId: str(r.team_id), district: str(r.district), data: str(r.data) }));
  }
}
