// The PostgreSQL store (DESIGN §11): the source of truth when several relay
// nodes share the work. A pool of connections and named prepared statements;
// the schema comes from versioned SQL files (postgres/migrations/NNN-name.sql)
// applied in order at start under an advisory lock and recorded in
// schema_migrations. Same semantics as the SQLite store, which the contract
// suite (tests/integration/store-contract.test.ts) holds both to.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Role } from '../../src/lib/shared/access.ts';
import { parseRoom, type Sector } from '../../src/lib/shared/rooms.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { familyOfRoom, familyRoomRange, notificationRow, str, strOrNull, toAccessGroup, toAuditRow, consentParams, toConsent, toDevice, toFamily, toFamilyLink, toGrant, toInvitation, toReporter, retentionRecord, toRetentionDeletion, toTransfer } from './rows.ts';
import { refusedWriters, WriteFactCache, WriteRefused, writeFactKeys, type WriteFactKeys, type WriteFacts } from './write-access.ts';
import type {
  AccessGroup,
  AuditEntry,
  ConsentWindow,
  FamilyRow,
  GrantRow,
  FamilyLinkRow,
  InvitationRow,
  AcceptOutcome,
  ReporterRow,
  RetentionCandidate,
  RetentionDeletion,
  RetentionRun,
  TransferRow,
  LoginAttemptRow,
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
import { errorFields, silentLogger, type Logger } from '../log.ts';
import type { CaseStatus } from '../../src/lib/shared/plan-terms.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./postgres/migrations/', import.meta.url));

const USER_COLUMNS = `u.id, u.username, u.name, u.role, u.sector, u.password_hash, u.active, u.issuer, u.subject, u.email,
  COALESCE(array_agg(t.team_id ORDER BY t.team_id) FILTER (WHERE t.team_id IS NOT NULL), '{}') AS team_ids
  FROM users u LEFT JOIN user_teams t ON t.user_id = u.id`;

function appendSql(checked: boolean): string {
  return `WITH ${checked ? 'facts AS (SELECT v FROM write_fact_version WHERE id = 1 FOR SHARE), ' : ''}input AS (
      SELECT room, author, at, data, ord FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])
        WITH ORDINALITY AS t(room, author, at, data, ord)${checked ? '\n      WHERE (SELECT v FROM facts) = $5::bigint' : ''}
    ), counts AS (
      SELECT room, COUNT(*) AS n FROM input GROUP BY room
    ), bumped AS (
      INSERT INTO room_counters (room, seq) SELECT room, n FROM counts ORDER BY room
      ON CONFLICT (room) DO UPDATE SET seq = room_counters.seq + excluded.seq
      RETURNING room, seq
    ), inserted AS (
      INSERT INTO updates (room, seq, author, at, data)
      SELECT i.room, b.seq - c.n + ROW_NUMBER() OVER (PARTITION BY i.room ORDER BY i.ord), i.author, i.at, i.data
      FROM input i JOIN counts c ON c.room = i.room JOIN bumped b ON b.room = i.room
    )
    SELECT room, seq FROM bumped`;
}

const SQL = {
  // retention (issue #14): rooms of a family are the names in [f-<id>. , f-<id>/)
  closedBefore: `SELECT id, team_id, closed_at FROM families WHERE status = 'afsluttet' AND closed_at IS NOT NULL AND closed_at <= $1 ORDER BY closed_at, id`,
  lockFamily: `SELECT * FROM families WHERE id = $1 FOR UPDATE`,
  // Every audit row of a room carries the room's family (relay, offline uploads): the family_id index finds them.
  retentionOpenedRooms: `SELECT DISTINCT user_id, room FROM audit WHERE family_id = $1 AND room IS NOT NULL AND user_id IS NOT NULL
    AND action IN ('open-read', 'open-write', 'open-offline', 'sync-read', 'sync-write')`,
  insertRetentionDeletion: `INSERT INTO retention_deletions (family_id, team_id, closed_at, deleted_at, rule, deleted_by, state, counts)
    VALUES ($1, $2, $3, $4, $5, $6, 'running', '{}')`,
  finishRetentionDeletion: `UPDATE retention_deletions SET state = 'done', counts = $1 WHERE family_id = $2 AND state = 'running'`,
  insertRetentionPurges: `INSERT INTO retention_purges (user_id, room, family_id) SELECT u, r, $3 FROM unnest($1::text[], $2::text[]) AS t(u, r)
    ON CONFLICT DO NOTHING`,
  insertRetainedSummary: `INSERT INTO retained_summaries (family_id, team_id, district, deleted_at, data) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (family_id) DO UPDATE SET team_id = excluded.team_id, district = excluded.district, deleted_at = excluded.deleted_at, data = excluded.data`,
  retentionDeletions: `SELECT * FROM retention_deletions WHERE state = 'done' ORDER BY deleted_at DESC, family_id LIMIT $1`,
  retainedSummaries: `SELECT family_id, team_id, district, data FROM retained_summaries WHERE team_id = ANY($1::text[])`,
  deleteRoomsUpdates: `DELETE FROM updates WHERE room >= $1 AND room < $2`,
  deleteRoomsArchive: `DELETE FROM update_archive WHERE room >= $1 AND room < $2`,
  deleteRoomsAuthors: `DELETE FROM update_authors WHERE room >= $1 AND room < $2`,
  deleteRoomsCounters: `DELETE FROM room_counters WHERE room >= $1 AND room < $2`,
  deleteRoomsCheckpoints: `DELETE FROM history_checkpoints WHERE room >= $1 AND room < $2`,
  // history checkpoints: a newer one (or one of the current version over another's) replaces the stored one
  historyCheckpoint: `SELECT room, seq, version, at, data FROM history_checkpoints WHERE room = $1`,
  saveHistoryCheckpoint: `INSERT INTO history_checkpoints (room, seq, version, at, data) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, version = excluded.version, at = excluded.at, data = excluded.data
    WHERE history_checkpoints.version <> excluded.version OR history_checkpoints.seq < excluded.seq`,
  staleHistoryCheckpoints: `SELECT x.room FROM (
      SELECT $3 || f.id || $4 AS room, COALESCE((SELECT rc.seq FROM room_counters rc WHERE rc.room = $3 || f.id || $4), 0) AS latest FROM families f
    ) x LEFT JOIN history_checkpoints c ON c.room = x.room
    WHERE x.latest - (CASE WHEN c.version = $1 THEN c.seq ELSE 0 END) > $2
    ORDER BY x.latest - (CASE WHEN c.version = $1 THEN c.seq ELSE 0 END) DESC, x.room`,
  deleteFamilyAudit: `DELETE FROM audit WHERE family_id = $1`,
  deleteFamilyConsents: `DELETE FROM consents WHERE family_id = $1`,
  deleteFamilyGrants: `DELETE FROM grants WHERE family_id = $1`,
  deleteFamilyTransfers: `DELETE FROM family_transfers WHERE family_id = $1`,
  deleteFamilyReporters: `DELETE FROM underretning_reporters WHERE family_id = $1`,
  deleteFamilyLinks: `DELETE FROM family_links WHERE family_id = $1`,
  deleteFamilyNotifications: `DELETE FROM notifications WHERE family_id = $1`,
  deleteFamilyNoticeKeys: `DELETE FROM plan_notice_keys WHERE family_id = $1`,
  deleteFamilyInvitations: `DELETE FROM family_invitations WHERE family_id = $1`,
  deleteFamilySummary: `DELETE FROM plan_summaries WHERE family_id = $1`,
  deleteFamily: `DELETE FROM families WHERE id = $1`,
  // A compaction after the family's deletion (a relay held the room in memory) writes nothing.
  familyShare: `SELECT 1 AS x FROM families WHERE id = $1 FOR SHARE`,
  familyDeleted: `SELECT 1 AS x FROM retention_deletions WHERE family_id = $1`,
  // devices (DESIGN §13)
  registerDevice: `INSERT INTO devices (user_id, device_id, name, wrap_key, created_at, last_seen_at, lease_until)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, device_id) DO NOTHING`,
  deviceWithKey: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at, wrap_key FROM devices WHERE user_id = $1 AND device_id = $2`,
  touchDevice: `UPDATE devices SET name = $3, last_seen_at = $4, lease_until = $5
    WHERE user_id = $1 AND device_id = $2 AND lost_at IS NULL`,
  devicesOfUser: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at FROM devices WHERE user_id = $1 ORDER BY last_seen_at DESC, device_id`,
  listDevices: `SELECT user_id, device_id, name, created_at, last_seen_at, lease_until, lost_at, lost_by, wiped_at FROM devices ORDER BY last_seen_at DESC, user_id, device_id`,
  markDeviceLost: `UPDATE devices SET lost_at = $3, lost_by = $4 WHERE user_id = $1 AND device_id = $2 AND lost_at IS NULL`,
  deviceIdLost: `SELECT 1 AS lost FROM devices WHERE device_id = $1 AND lost_at IS NOT NULL LIMIT 1`,
  markDeviceWiped: `UPDATE devices SET wiped_at = $2 WHERE device_id = $1 AND lost_at IS NOT NULL AND wiped_at IS NULL`,
  bindSessionDevice: `INSERT INTO device_sessions (session_hash, user_id, device_id) VALUES ($1, $2, $3)
    ON CONFLICT (session_hash) DO NOTHING`,
  deviceOfSession: `SELECT device_id FROM device_sessions WHERE session_hash = $1`,
  sessionsOfDevice: `SELECT session_hash FROM device_sessions WHERE user_id = $1 AND device_id = $2`,
  upsertTeam: `INSERT INTO teams (id, name, district, cluster) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, district = excluded.district, cluster = excluded.cluster`,
  listTeams: `SELECT id, name, district, cluster FROM teams ORDER BY name`,
  deleteTeamDistricts: `DELETE FROM team_districts WHERE team_id = $1`,
  insertTeamDistricts: `INSERT INTO team_districts (team_id, name, position)
    SELECT $1, name, ord - 1 FROM unnest($2::text[]) WITH ORDINALITY AS t(name, ord)`,
  districtsOfTeam: `SELECT name FROM (
      SELECT name, position FROM team_districts WHERE team_id = $1
      UNION ALL
      SELECT district, 0 FROM teams WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM team_districts WHERE team_id = $1)
    ) d ORDER BY position`,
  activeWorkerIdsOfTeam: `SELECT u.id FROM users u JOIN user_teams t ON t.user_id = u.id
    WHERE t.team_id = $1 AND u.active AND u.role = 'worker'`,
  upsertUser: `INSERT INTO users (id, username, name, role, sector, password_hash, active, issuer, subject, email)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name, role = excluded.role,
    sector = excluded.sector, password_hash = excluded.password_hash, active = excluded.active,
    issuer = excluded.issuer, subject = excluded.subject, email = excluded.email`,
  userBySubject: `SELECT ${USER_COLUMNS} WHERE u.issuer = $1 AND u.subject = $2 GROUP BY u.id`,
  listDistricts: `SELECT name, cluster FROM districts ORDER BY name`,
  upsertDistrict: `INSERT INTO districts (name, cluster) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET cluster = excluded.cluster`,
  familyCountsByTeam: `SELECT team_id, COUNT(*) AS n FROM families GROUP BY team_id`,
  deleteSessionsOfUser: `DELETE FROM sessions WHERE user_id = $1 RETURNING id_hash`,
  sessionsOfUser: `SELECT id_hash FROM sessions WHERE user_id = $1`,
  createLoginAttempt: `INSERT INTO login_attempts (state_hash, nonce, code_verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
  takeLoginAttempt: `DELETE FROM login_attempts WHERE state_hash = $1 RETURNING *`,
  deleteExpiredLoginAttempts: `DELETE FROM login_attempts WHERE expires_at <= $1`,
  auditOfActions: `SELECT a.id, a.at, a.user_id, a.family_id, a.room, a.action, a.detail, a.device_id, u.name AS user_name
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.action = ANY($1::text[]) ORDER BY a.id DESC LIMIT $2`,
  deleteUserTeams: `DELETE FROM user_teams WHERE user_id = $1`,
  insertUserTeams: `INSERT INTO user_teams (user_id, team_id) SELECT $1, unnest($2::text[])`,
  userById: `SELECT ${USER_COLUMNS} WHERE u.id = $1 GROUP BY u.id`,
  userByUsername: `SELECT ${USER_COLUMNS} WHERE u.username = $1 GROUP BY u.id`,
  listUsers: `SELECT ${USER_COLUMNS} GROUP BY u.id ORDER BY u.username`,
  userNames: `SELECT id, name FROM users WHERE id = ANY($1::text[])`,
  createSession: `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
  sessionByHash: `SELECT id_hash, user_id, created_at, expires_at FROM sessions WHERE id_hash = $1`,
  deleteSession: `DELETE FROM sessions WHERE id_hash = $1`,
  deleteExpiredSessions: `DELETE FROM sessions WHERE expires_at <= $1`,
  insertFamily: `INSERT INTO families (id, name, district, team_id, opened_by_sector, status, created_at, created_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  familyById: `SELECT * FROM families WHERE id = $1`,
  setFamilyStatus: `UPDATE families SET status = $1, closed_at = $2 WHERE id = $3`,
  insertTransfer: `INSERT INTO family_transfers (id, family_id, from_team, to_team, note, meeting_at, requested_by, requested_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  transferById: `SELECT * FROM family_transfers WHERE id = $1`,
  transferForUpdate: `SELECT * FROM family_transfers WHERE id = $1 FOR UPDATE`,
  openTransfersTo: `SELECT * FROM family_transfers WHERE outcome IS NULL AND to_team = ANY($1::text[]) ORDER BY requested_at, id`,
  transfersOfFamily: `SELECT * FROM family_transfers WHERE family_id = $1 ORDER BY requested_at, id`,
  decideTransfer: `UPDATE family_transfers SET outcome = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND outcome IS NULL`,
  moveFamily: `UPDATE families SET team_id = $1, district = $2 WHERE id = $3 AND team_id = $4`,
  insertGrant: `INSERT INTO grants (id, family_id, user_id, parts, purpose, valid_from, valid_until, granted_by, granted_at, renews_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  grantById: `SELECT * FROM grants WHERE id = $1`,
  grantsOfFamily: `SELECT * FROM grants WHERE family_id = $1 ORDER BY granted_at, id`,
  grantsOfUser: `SELECT * FROM grants WHERE user_id = $1 ORDER BY granted_at, id`,
  endGrant: `UPDATE grants SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL`,
  lockFamilyOfGrant: `SELECT f.id FROM families f JOIN grants g ON g.family_id = f.id WHERE g.id = $1 FOR UPDATE OF f`,
  insertInvitation: `INSERT INTO family_invitations (id, family_id, code_hash, member_name, relation, invited_by, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  invitationsOfFamily: `SELECT * FROM family_invitations WHERE family_id = $1 ORDER BY created_at, id`,
  invitationByCodeForUpdate: `SELECT * FROM family_invitations WHERE code_hash = $1 FOR UPDATE`,
  revokeInvitation: `UPDATE family_invitations SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL AND used_at IS NULL`,
  useInvitation: `UPDATE family_invitations SET used_at = $1, used_by = $2 WHERE id = $3 AND revoked_at IS NULL AND used_at IS NULL`,
  activeLink: `SELECT 1 AS linked FROM family_links WHERE family_id = $1 AND user_id = $2 AND ended_at IS NULL`,
  insertLink: `INSERT INTO family_links (id, family_id, user_id, invitation_id, member_name, relation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
  linksOfFamily: `SELECT * FROM family_links WHERE family_id = $1 ORDER BY created_at, id`,
  linksOfUser: `SELECT * FROM family_links WHERE user_id = $1 ORDER BY created_at, id`,
  lockFamilyOfLink: `SELECT f.id FROM families f JOIN family_links l ON l.family_id = f.id WHERE l.id = $1 FOR UPDATE OF f`,
  endLink: `UPDATE family_links SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL`,
  setReporter: `INSERT INTO underretning_reporters (family_id, entry_id, reporter, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (family_id, entry_id) DO UPDATE SET reporter = excluded.reporter, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
  reportersOfFamily: `SELECT * FROM underretning_reporters WHERE family_id = $1 ORDER BY recorded_at, entry_id`,
  familiesOfTeams: `SELECT * FROM families WHERE team_id = ANY($1::text[]) ORDER BY name`,
  familyCount: `SELECT COUNT(*) AS n FROM families`,
  upsertPlanSummary: `WITH r AS (UPDATE summary_revision SET rev = rev + 1 RETURNING rev)
    INSERT INTO plan_summaries (family_id, seq, version, computed_at, last_update_at, data, rev)
    SELECT $1, $2, $3, $4, $5, $6, r.rev FROM r
    ON CONFLICT (family_id) DO UPDATE SET seq = excluded.seq, version = excluded.version, computed_at = excluded.computed_at,
    last_update_at = excluded.last_update_at, data = excluded.data, rev = excluded.rev`,
  planSummary: `SELECT * FROM plan_summaries WHERE family_id = $1`,
  summariesSince: `SELECT family_id, data, rev FROM plan_summaries WHERE rev > $1 ORDER BY rev`,
  staleSummaries: `SELECT f.id FROM families f LEFT JOIN plan_summaries s ON s.family_id = f.id
    WHERE s.family_id IS NULL OR s.version <> $1
    OR s.seq < COALESCE((SELECT c.seq FROM room_counters c WHERE c.room = $2 || f.id || $3), 0)
    ORDER BY f.created_at, f.id`,
  overviewFamilies: `SELECT id, team_id, district, status FROM families WHERE team_id = ANY($1::text[])`,
  consentWindowsOfTeams: `SELECT c.family_id, c.valid_from, c.valid_until, c.revoked_at FROM consents c
    JOIN families f ON f.id = c.family_id WHERE f.team_id = ANY($1::text[])`,
  insertSecret: `INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
  secret: `SELECT value FROM server_secrets WHERE name = $1`,
  caseloadNorms: `SELECT sector, norm FROM caseload_norms`,
  addNotification: `INSERT INTO notifications (id, user_id, kind, family_id, actor_id, key, created_at, read_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, key) DO NOTHING`,
  notificationsOf: `SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
  readAllNotifications: `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`,
  readNotifications: `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND id = ANY($3::text[])`,
  noticeKeys: `SELECT keys FROM plan_notice_keys WHERE family_id = $1`,
  setNoticeKeys: `INSERT INTO plan_notice_keys (family_id, keys) VALUES ($1, $2) ON CONFLICT (family_id) DO UPDATE SET keys = excluded.keys`,
  setCaseloadNorm: `INSERT INTO caseload_norms (sector, norm) VALUES ($1, $2) ON CONFLICT (sector) DO UPDATE SET norm = excluded.norm`,
  caseOpeners: `SELECT sector, may_open FROM case_openers`,
  setCaseOpener: `INSERT INTO case_openers (sector, may_open) VALUES ($1, $2) ON CONFLICT (sector) DO UPDATE SET may_open = excluded.may_open`,
  insertConsent: `INSERT INTO consents (id, family_id, given_by, categories, recipients, purpose, valid_from, valid_until,
    method, signature, reference, renews_id, recorded_by, recorded_at, revoked_at, revoked_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
  revokeConsent: `UPDATE consents SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
  // A withdrawal waits for appends that hold the family's share lock (they
  // checked access before it), and appends after it wait and see it.
  lockFamilyOfConsent: `SELECT f.id FROM families f JOIN consents c ON c.family_id = f.id WHERE c.id = $1 FOR UPDATE OF f`,
  // The rows an append's writer check reads (write-access.ts), and the version
  // they stand at (060-write-fact-version.sql): one statement, so one snapshot.
  writeFacts: `SELECT
      (SELECT v FROM write_fact_version WHERE id = 1) AS version,
      (SELECT COALESCE(json_agg(s), '[]') FROM (SELECT id_hash, user_id, created_at, expires_at FROM sessions WHERE id_hash = ANY($1::text[])) s) AS sessions,
      (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT ${USER_COLUMNS} WHERE u.id = ANY($2::text[]) GROUP BY u.id) x) AS users,
      (SELECT COALESCE(json_agg(f), '[]') FROM (SELECT * FROM families WHERE id = ANY($3::text[])) f) AS families,
      (SELECT COALESCE(json_agg(c), '[]') FROM (SELECT * FROM consents WHERE family_id = ANY($3::text[])) c) AS consents,
      (SELECT COALESCE(json_agg(g), '[]') FROM (SELECT * FROM grants WHERE family_id = ANY($3::text[])) g) AS grants,
      (SELECT COALESCE(json_agg(l), '[]') FROM (SELECT * FROM family_links WHERE family_id = ANY($3::text[])) l) AS links`,
  consentById: `SELECT * FROM consents WHERE id = $1`,
  consentsOfFamily: `SELECT * FROM consents WHERE family_id = $1 ORDER BY recorded_at, id`,
  consentsOfFamilies: `SELECT * FROM consents WHERE family_id = ANY($1::text[])`,
  // One statement, so one transaction: bump each room's counter by its number
  // of updates (rooms in a fixed order, so two batches cannot deadlock), then
  // insert the rows numbered from where the counter stood. The main query
  // returns each room's new last seq; the caller numbers the batch from it.
  appendUpdates: appendSql(false),
  // The same, for writers checked over the facts at version $5: FOR SHARE on
  // the version row (after waiting for a change under way, the row as that
  // change left it), and nothing inserted, no row returned, if it moved.
  appendUpdatesChecked: appendSql(true),
  loadUpdates: `SELECT seq, data FROM updates WHERE room = $1 ORDER BY seq`,
  loadSince: `SELECT seq, data FROM updates WHERE room = $1 AND seq > $2 ORDER BY seq`,
  snapshotAtOrAfter: `SELECT 1 AS x FROM updates WHERE room = $1 AND seq >= $2 AND author = 'snapshot' LIMIT 1`,
  lockWait: `SELECT pg_advisory_lock(hashtext('fp-once:' || current_schema() || ':' || $1))`,
  lockTry: `SELECT pg_try_advisory_lock(hashtext('fp-once:' || current_schema() || ':' || $1)) AS locked`,
  unlock: `SELECT pg_advisory_unlock(hashtext('fp-once:' || current_schema() || ':' || $1))`,
  latestSeqs: `SELECT room, seq FROM room_counters WHERE room = ANY($1::text[])`,
  compactLock: `SELECT pg_try_advisory_xact_lock(hashtext('fp-compact:' || current_schema() || ':' || $1)) AS locked`,
  keepAuthorsUpTo: `INSERT INTO update_authors (room, seq, author, at, size)
    SELECT room, seq, author, at, length(data) FROM updates WHERE room = $1 AND seq <= $2 AND author <> 'snapshot'
    ON CONFLICT DO NOTHING`,
  // A snapshot row lands here only when no archived update holds its seq: a room compacted before the archive.
  archiveUpTo: `INSERT INTO update_archive (room, seq, author, at, data)
    SELECT room, seq, author, at, data FROM updates WHERE room = $1 AND seq <= $2 ORDER BY author = 'snapshot', seq
    ON CONFLICT DO NOTHING`,
  historyUpdates: `SELECT seq, author, at, data FROM update_archive WHERE room = $1 AND seq > $2
    UNION ALL
    SELECT seq, author, at, data FROM updates WHERE room = $1 AND seq > $2
      AND seq > (SELECT COALESCE(MAX(seq), 0) FROM update_archive WHERE room = $1)
    ORDER BY seq`,
  deleteUpTo: `DELETE FROM updates WHERE room = $1 AND seq <= $2`,
  insertSnapshot: `INSERT INTO updates (room, seq, author, at, data) VALUES ($1, $2, 'snapshot', $3, $4)`,
  updateAuthors: `SELECT seq, author, at, size FROM update_authors WHERE room = $1
    UNION ALL
    SELECT u.seq, u.author, u.at, length(u.data) AS size FROM updates u WHERE u.room = $1 AND u.author <> 'snapshot'
      AND NOT EXISTS (SELECT 1 FROM update_authors a WHERE a.room = u.room AND a.seq = u.seq)
    ORDER BY seq`,
  changeGroupsOfRooms: `SELECT c.author AS user_id, u.name AS user_name, u.sector AS user_sector, c.room, 'change' AS action,
    substr(c.at, 1, 13) AS hour, COUNT(*) AS n, MIN(c.at) AS first_at, MAX(c.at) AS last_at
    FROM (
      SELECT room, seq, author, at FROM update_authors WHERE room = ANY($1::text[])
      UNION
      SELECT room, seq, author, at FROM updates WHERE room = ANY($1::text[]) AND author <> 'snapshot'
    ) c LEFT JOIN users u ON u.id = c.author
    GROUP BY c.author, u.name, u.sector, c.room, hour`,
  // A retried upload must not count an opening twice.
  appendOfflineOpenings: `INSERT INTO audit (at, user_id, family_id, room, action, detail, device_id)
    SELECT DISTINCT ON (t.at, t.room) t.at, $2, t.family_id, t.room, 'open-offline', t.detail, $3
    FROM unnest($1::text[], $4::text[], $5::text[], $6::text[]) AS t(at, family_id, room, detail)
    WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.user_id = $2 AND a.room = t.room AND a.action = 'open-offline'
      AND a.device_id IS NOT DISTINCT FROM $3 AND a.at = t.at)`,
  auditOfFamilyActions: `SELECT a.id, a.at, a.user_id, a.family_id, a.room, a.action, a.detail, a.device_id, u.name AS user_name
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.family_id = $1 AND a.action = ANY($2::text[]) ORDER BY a.id DESC LIMIT $3`,
  audit: `INSERT INTO audit (at, user_id, family_id, room, action, detail, device_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  auditGroupsOfFamily: `SELECT a.user_id, u.name AS user_name, u.sector AS user_sector, a.room, a.action,
    substr(a.at, 1, 13) AS hour, COUNT(*) AS n, MIN(a.at) AS first_at, MAX(a.at) AS last_at
    FROM audit a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.family_id = $1 AND a.action = ANY($2::text[])
    GROUP BY a.user_id, u.name, u.sector, a.room, a.action, hour`,
  roomsOpenedBy: `SELECT DISTINCT room FROM audit WHERE user_id = $1 AND room IS NOT NULL
    AND action IN ('open-read', 'open-write', 'open-offline', 'sync-read', 'sync-write')
    UNION SELECT room FROM retention_purges WHERE user_id = $1`
} as const;

type Key = keyof typeof SQL;
type Row = Record<string, unknown>;
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** SQLSTATEs after which the same transaction may simply be run again. */
const RETRYABLE = new Set(['40P01', '40001']);

function toUser(r: Row): UserRow {
  return {
    id: str(r.id),
    username: str(r.username),
    name: str(r.name),
    role: str(r.role) as Role,
    sector: strOrNull(r.sector) as Sector | null,
    passwordHash: str(r.password_hash),
    active: r.active === true,
    teamIds: (r.team_ids as string[]).map(String),
    issuer: strOrNull(r.issuer),
    subject: strOrNull(r.subject),
    email: strOrNull(r.email)
  };
}

function bytes(v: unknown): Uint8Array {
  const b = v as Buffer;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface PostgresOptions {
  url: string;
  /** A schema of its own (tests: one per run); created if missing. Default: the server's search_path. */
  schema?: string;
  /** Pool size; default 10. Connections stay open once made (no idle timeout). */
  max?: number;
  /** Connections of the relay's own pool (its commits and gap fills); default 2. */
  relayMax?: number;
  /** Where a dropped idle connection or a failed unlock is logged; silent when absent. */
  log?: Logger;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  /**
   * The relay's hot path (appendUpdates, loadSince) on connections of its own:
   * a burst of background reads queued on the shared pool (summaries, a
   * recheck of every socket, the API) never holds up a commit, and with it
   * every forward (persistence before broadcast).
   */
  readonly #relayPool: pg.Pool;

  readonly #log: Logger;

  /** The writers' facts as the latest checked append read them, at their version (#appendChecked). */
  readonly #writeFacts = new WriteFactCache();

  private constructor(pool: pg.Pool, relayPool: pg.Pool, log: Logger) {
    this.#pool = pool;
    this.#relayPool = relayPool;
    this.#log = log;
  }

  /** Connects, applies pending migrations and returns the store. */
  static async open(opts: PostgresOptions): Promise<PostgresStore> {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`invalid schema name ${opts.schema}`);
    const log = opts.log ?? silentLogger;
    const connect = (max: number) => {
      // An idle connection is kept (node-postgres closes one after 10 s idle by default): the next
      // burst (a recheck of every socket, the summaries coming due) would otherwise start new
      // backends, each a fork of PostgreSQL that plans every statement again. In the three-node
      // bench that churn stalled the whole machine for 200–400 ms once the connections opened for
      // the clients' logins had been idle for 10 s. A pool never holds more than `max` anyway.
      const pool = new pg.Pool({ connectionString: opts.url, max, idleTimeoutMillis: 0, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
      // An idle client's connection dropping (a PostgreSQL restart) must not end the process; the pool replaces it.
      pool.on('error', (err) => log.error('postgres.idle_connection_failed', errorFields(err)));
      return pool;
    };
    const pool = connect(opts.max ?? 10);
    try {
      if (opts.schema) await createSchema(pool, opts.schema);
      await migrate(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresStore(pool, connect(opts.relayMax ?? 2), log);
  }

  #q(key: Key, values: unknown[] = [], via: Queryable = this.#pool): Promise<pg.QueryResult<Row>> {
    return via.query<Row>({ name: key, text: SQL[key], values });
  }

  async #rows(key: Key, values: unknown[] = []): Promise<Row[]> {
    return (await this.#q(key, values)).rows;
  }

  /** Runs fn in one transaction on one pooled connection; retried on deadlock or serialization failure. */
  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>, pool: pg.Pool = this.#pool): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < 3 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      } finally {
        client.release();
      }
    }
  }

  async close() {
    await Promise.all([this.#pool.end(), this.#relayPool.end()]);
  }

  // ---- people --------------------------------------------------------------------

  async upsertTeam(t: TeamRow) {
    await this.#q('upsertTeam', [t.id, t.name, t.district, t.cluster]);
  }

  async listTeams(): Promise<TeamRow[]> {
    return (await this.#rows('listTeams')).map((r) => ({ id: str(r.id), name: str(r.name), district: str(r.district), cluster: str(r.cluster) }));
  }

  async setTeamDistricts(teamId: string, districts: readonly string[]) {
    await this.#tx(async (c) => {
      await this.#q('deleteTeamDistricts', [teamId], c);
      if (districts.length > 0) await this.#q('insertTeamDistricts', [teamId, districts], c);
    });
  }

  async districtsOfTeam(teamId: string) {
    return (await this.#rows('districtsOfTeam', [teamId])).map((r) => str(r.name));
  }

  async activeWorkerIdsOfTeam(teamId: string) {
    return (await this.#rows('activeWorkerIdsOfTeam', [teamId])).map((r) => str(r.id));
  }

  async upsertUser(u: UserRow) {
    await this.#tx(async (c) => {
      await this.#q(
        'upsertUser',
        [u.id, u.username, u.name, u.role, u.sector, u.passwordHash, u.active, u.issuer ?? null, u.subject ?? null, u.email ?? null],
        c
      );
      await this.#q('deleteUserTeams', [u.id], c);
      if (u.teamIds.length > 0) await this.#q('insertUserTeams', [u.id, u.teamIds], c);
    });
  }

  async userById(id: string) {
    const [r] = await this.#rows('userById', [id]);
    return r ? toUser(r) : undefined;
  }

  async userByUsername(username: string) {
    const [r] = await this.#rows('userByUsername', [username]);
    return r ? toUser(r) : undefined;
  }

  async userBySubject(issuer: string, subject: string) {
    const [r] = await this.#rows('userBySubject', [issuer, subject]);
    return r ? toUser(r) : undefined;
  }

  async saveTeam(t: TeamRow, districts: readonly string[]) {
    await this.#tx(async (c) => {
      await this.#q('upsertTeam', [t.id, t.name, t.district, t.cluster], c);
      await this.#q('deleteTeamDistricts', [t.id], c);
      if (districts.length > 0) await this.#q('insertTeamDistricts', [t.id, districts], c);
    });
  }

  async listDistricts() {
    return (await this.#rows('listDistricts')).map((r) => ({ name: str(r.name), cluster: str(r.cluster) }));
  }

  async upsertDistrict(d: { name: string; cluster: string }) {
    await this.#q('upsertDistrict', [d.name, d.cluster]);
  }

  async familyCountsByTeam() {
    return new Map((await this.#rows('familyCountsByTeam')).map((r) => [str(r.team_id), Number(r.n)] as const));
  }

  async listUsers() {
    return (await this.#rows('listUsers')).map(toUser);
  }

  async userNames(ids: readonly string[]) {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    for (const r of await this.#rows('userNames', [[...new Set(ids)]])) out.set(str(r.id), str(r.name));
    return out;
  }

  // ---- sessions --------------------------------------------------------------------

  async createSession(s: SessionRow) {
    await this.#q('createSession', [s.idHash, s.userId, s.createdAt, s.expiresAt]);
  }

  async sessionByHash(idHash: string): Promise<SessionRow | undefined> {
    const [r] = await this.#rows('sessionByHash', [idHash]);
    if (!r) return undefined;
    return { idHash: str(r.id_hash), userId: str(r.user_id), createdAt: str(r.created_at), expiresAt: str(r.expires_at) };
  }

  async deleteSession(idHash: string) {
    await this.#q('deleteSession', [idHash]);
  }

  async deleteExpiredSessions(now: string) {
    return (await this.#q('deleteExpiredSessions', [now])).rowCount ?? 0;
  }

  async sessionsOfUser(userId: string) {
    return (await this.#rows('sessionsOfUser', [userId])).map((r) => str(r.id_hash));
  }

  async deleteSessionsOfUser(userId: string) {
    return (await this.#rows('deleteSessionsOfUser', [userId])).map((r) => str(r.id_hash));
  }

  // ---- devices ---------------------------------------------------------------------

  async registerDevice(row: DeviceRow & { wrapKey: string }) {
    await this.#q('registerDevice', [row.userId, row.deviceId, row.name, row.wrapKey, row.createdAt, row.lastSeenAt, row.leaseUntil]);
    const [r] = await this.#rows('deviceWithKey', [row.userId, row.deviceId]);
    if (!r) throw new Error('device not stored');
    return { ...toDevice(r), wrapKey: str(r.wrap_key) };
  }

  async touchDevice(userId: string, deviceId: string, name: string, lastSeenAt: string, leaseUntil: string) {
    await this.#q('touchDevice', [userId, deviceId, name, lastSeenAt, leaseUntil]);
  }

  async devicesOfUser(userId: string) {
    return (await this.#rows('devicesOfUser', [userId])).map(toDevice);
  }

  async listDevices() {
    return (await this.#rows('listDevices')).map(toDevice);
  }

  async markDeviceLost(userId: string, deviceId: string, at: string, by: string) {
    return ((await this.#q('markDeviceLost', [userId, deviceId, at, by])).rowCount ?? 0) > 0;
  }

  async deviceIdLost(deviceId: string) {
    return (await this.#rows('deviceIdLost', [deviceId])).length > 0;
  }

  async markDeviceWiped(deviceId: string, at: string) {
    await this.#q('markDeviceWiped', [deviceId, at]);
  }

  async bindSessionDevice(sessionHash: string, userId: string, deviceId: string) {
    await this.#q('bindSessionDevice', [sessionHash, userId, deviceId]);
  }

  async deviceOfSession(sessionHash: string) {
    const [r] = await this.#rows('deviceOfSession', [sessionHash]);
    return r ? str(r.device_id) : undefined;
  }

  async sessionsOfDevice(userId: string, deviceId: string) {
    return (await this.#rows('sessionsOfDevice', [userId, deviceId])).map((r) => str(r.session_hash));
  }

  async createLoginAttempt(a: LoginAttemptRow) {
    await this.#q('createLoginAttempt', [a.stateHash, a.nonce, a.codeVerifier, a.createdAt, a.expiresAt]);
  }

  async takeLoginAttempt(stateHash: string, now: string): Promise<LoginAttemptRow | undefined> {
    // DELETE … RETURNING: of two nodes answering the same state at once, one gets the row.
    const [r] = await this.#rows('takeLoginAttempt', [stateHash]);
    await this.#q('deleteExpiredLoginAttempts', [now]);
    if (!r || str(r.expires_at) <= now) return undefined;
    return { stateHash: str(r.state_hash), nonce: str(r.nonce), codeVerifier: str(r.code_verifier), createdAt: str(r.created_at), expiresAt: str(r.expires_at) };
  }

  // ---- families --------------------------------------------------------------------

  async insertFamily(f: FamilyRow) {
    await this.#q('insertFamily', [f.id, f.name, f.district, f.teamId, f.openedBySector, f.status, f.createdAt, f.createdBy]);
  }

  async familyById(id: string) {
    const [r] = await this.#rows('familyById', [id]);
    return r ? toFamily(r) : undefined;
  }

  async setFamilyStatus(id: string, status: CaseStatus, at: string) {
    await this.#q('setFamilyStatus', [status, status === 'afsluttet' ? at : null, id]);
  }

  async insertTransfer(t: TransferRow) {
    await this.#q('insertTransfer', [t.id, t.familyId, t.fromTeamId, t.toTeamId, t.note, t.meetingAt, t.requestedBy, t.requestedAt]);
  }

  async transferById(id: string) {
    const [r] = await this.#rows('transferById', [id]);
    return r ? toTransfer(r) : undefined;
  }

  async openTransfersTo(teamIds: readonly string[]) {
    if (teamIds.length === 0) return [];
    return (await this.#rows('openTransfersTo', [teamIds])).map(toTransfer);
  }

  async transfersOfFamily(familyId: string) {
    return (await this.#rows('transfersOfFamily', [familyId])).map(toTransfer);
  }

  async decideTransfer(id: string, outcome: 'accepted' | 'declined' | 'cancelled', by: string, at: string, district: string): Promise<boolean> {
    return this.#tx(async (c) => {
      const [t] = (await this.#q('transferForUpdate', [id], c)).rows;
      if (!t || t.outcome !== null) return false;
      if (outcome === 'accepted' && (await this.#q('moveFamily', [str(t.to_team), district, str(t.family_id), str(t.from_team)], c)).rowCount !== 1) return false;
      return (await this.#q('decideTransfer', [outcome, by, at, id], c)).rowCount === 1;
    });
  }

  async insertGrant(g: GrantRow) {
    await this.#q('insertGrant', [g.id, g.familyId, g.userId, JSON.stringify(g.parts), g.purpose, g.validFrom, g.validUntil, g.grantedBy, g.grantedAt, g.renewsId]);
  }

  async grantById(id: string) {
    const [r] = await this.#rows('grantById', [id]);
    return r ? toGrant(r) : undefined;
  }

  async grantsOfFamily(familyId: string) {
    return (await this.#rows('grantsOfFamily', [familyId])).map(toGrant);
  }

  async grantsOfUser(userId: string) {
    return (await this.#rows('grantsOfUser', [userId])).map(toGrant);
  }

  async endGrant(id: string, at: string, by: string) {
    // The family's row is what an append locks (write-access.ts): ending a grant takes it too, so the two are ordered.
    await this.#tx(async (c) => {
      await this.#q('lockFamilyOfGrant', [id], c);
      await this.#q('endGrant', [at, by, id], c);
    });
  }

  async insertInvitation(i: InvitationRow) {
    await this.#q('insertInvitation', [i.id, i.familyId, i.codeHash, i.memberName, i.relation, i.invitedBy, i.createdAt, i.expiresAt]);
  }

  async invitationsOfFamily(familyId: string) {
    return (await this.#rows('invitationsOfFamily', [familyId])).map(toInvitation);
  }

  async revokeInvitation(id: string, at: string, by: string) {
    return (await this.#q('revokeInvitation', [at, by, id])).rowCount === 1;
  }

  async acceptInvitation(codeHash: string, userId: string, at: string, linkId: string): Promise<AcceptOutcome> {
    return this.#tx(async (c): Promise<AcceptOutcome> => {
      const [r] = (await this.#q('invitationByCodeForUpdate', [codeHash], c)).rows;
      if (!r) return { ok: false, reason: 'unknown' };
      const inv = toInvitation(r);
      if (inv.revokedAt !== null) return { ok: false, reason: 'revoked' };
      if (inv.usedAt !== null) return { ok: false, reason: 'used' };
      if (Date.parse(inv.expiresAt) <= Date.parse(at)) return { ok: false, reason: 'expired' };
      if ((await this.#q('activeLink', [inv.familyId, userId], c)).rows.length > 0) return { ok: false, reason: 'linked' };
      await this.#q('useInvitation', [at, userId, inv.id], c);
      const [link] = (await this.#q('insertLink', [linkId, inv.familyId, userId, inv.id, inv.memberName, inv.relation, at], c)).rows;
      return { ok: true, invitation: { ...inv, usedAt: at, usedBy: userId }, link: toFamilyLink(link) };
    });
  }

  async linksOfFamily(familyId: string) {
    return (await this.#rows('linksOfFamily', [familyId])).map(toFamilyLink);
  }

  async linksOfUser(userId: string) {
    return (await this.#rows('linksOfUser', [userId])).map(toFamilyLink);
  }

  async endLink(id: string, at: string, by: string) {
    // The family's row is what an append locks (write-access.ts): ending a link takes it too, so the two are ordered.
    return this.#tx(async (c) => {
      await this.#q('lockFamilyOfLink', [id], c);
      return (await this.#q('endLink', [at, by, id], c)).rowCount === 1;
    });
  }

  async setReporter(r: ReporterRow) {
    await this.#q('setReporter', [r.familyId, r.entryId, r.reporter, r.recordedBy, r.recordedAt]);
  }

  async reportersOfFamily(familyId: string): Promise<ReporterRow[]> {
    return (await this.#rows('reportersOfFamily', [familyId])).map(toReporter);
  }

  async familiesOfTeams(teamIds: readonly string[]) {
    if (teamIds.length === 0) return [];
    return (await this.#rows('familiesOfTeams', [teamIds])).map(toFamily);
  }

  async familyCount() {
    const [r] = await this.#rows('familyCount');
    return Number(r?.n ?? 0);
  }

  // ---- summaries and the overview --------------------------------------------------------

  async upsertPlanSummary(r: PlanSummaryRow) {
    await this.#q('upsertPlanSummary', [r.familyId, r.seq, r.version, r.computedAt, r.lastUpdateAt, r.data]);
  }

  async planSummary(familyId: string): Promise<PlanSummaryRow | undefined> {
    const [r] = await this.#rows('planSummary', [familyId]);
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

  async staleSummaries(version: number, roomPrefix: string, roomSuffix: string) {
    return (await this.#rows('staleSummaries', [version, roomPrefix, roomSuffix])).map((r) => str(r.id));
  }

  async summariesSince(rev: number) {
    return (await this.#rows('summariesSince', [rev])).map((r) => ({ familyId: str(r.family_id), data: str(r.data), rev: Number(r.rev) }));
  }

  async overviewFamilies(teamIds: readonly string[]): Promise<OverviewFamilyRow[]> {
    if (teamIds.length === 0) return [];
    return (await this.#rows('overviewFamilies', [teamIds])).map((r) => ({
      familyId: str(r.id),
      teamId: str(r.team_id),
      district: str(r.district),
      status: str(r.status) as OverviewFamilyRow['status']
    }));
  }

  async consentWindowsOfTeams(teamIds: readonly string[]): Promise<ConsentWindow[]> {
    if (teamIds.length === 0) return [];
    return (await this.#rows('consentWindowsOfTeams', [teamIds])).map((r) => ({
      familyId: str(r.family_id),
      validFrom: str(r.valid_from),
      validUntil: str(r.valid_until),
      revokedAt: strOrNull(r.revoked_at)
    }));
  }

  async secret(name: string, make: () => string) {
    await this.#q('insertSecret', [name, make()]);
    const [r] = await this.#rows('secret', [name]);
    if (typeof r?.value !== 'string') throw new Error(`server secret ${name} is missing`);
    return r.value;
  }

  async addNotifications(rows: readonly NotificationRow[]): Promise<NotificationRow[]> {
    if (rows.length === 0) return [];
    return this.#tx(async (c) => {
      const added: NotificationRow[] = [];
      for (const n of rows) {
        const r = await this.#q('addNotification', [n.id, n.userId, n.kind, n.familyId, n.actorId, n.key, n.createdAt, n.readAt], c);
        if ((r.rowCount ?? 0) > 0) added.push(n);
      }
      return added;
    });
  }

  async notificationsOf(userId: string, limit: number): Promise<NotificationRow[]> {
    return (await this.#rows('notificationsOf', [userId, limit])).map(notificationRow);
  }

  async markNotificationsRead(userId: string, ids: readonly string[] | 'all', at: string): Promise<number> {
    const r = ids === 'all' ? await this.#q('readAllNotifications', [at, userId]) : await this.#q('readNotifications', [at, userId, [...ids]]);
    return r.rowCount ?? 0;
  }

  async noticeKeys(familyId: string): Promise<string[] | undefined> {
    const [r] = await this.#rows('noticeKeys', [familyId]);
    return r ? (JSON.parse(str(r.keys)) as string[]) : undefined;
  }

  async setNoticeKeys(familyId: string, keys: readonly string[]): Promise<void> {
    await this.#q('setNoticeKeys', [familyId, JSON.stringify(keys)]);
  }

  async caseloadNorms(): Promise<Partial<Record<Sector, number>>> {
    return Object.fromEntries((await this.#rows('caseloadNorms')).map((r) => [str(r.sector), Number(r.norm)]));
  }

  async setCaseloadNorms(norms: Partial<Record<Sector, number>>) {
    await this.#tx(async (c) => {
      for (const [sector, norm] of Object.entries(norms)) await this.#q('setCaseloadNorm', [sector, norm], c);
    });
  }

  async caseOpeners(): Promise<Partial<Record<Sector, boolean>>> {
    return Object.fromEntries((await this.#rows('caseOpeners')).map((r) => [str(r.sector), r.may_open === true]));
  }

  async setCaseOpeners(openers: Partial<Record<Sector, boolean>>) {
    await this.#tx(async (c) => {
      for (const [sector, may] of Object.entries(openers)) await this.#q('setCaseOpener', [sector, may], c);
    });
  }

  // ---- consents ----------------------------------------------------------------------

  async insertConsent(c: Consent) {
    await this.#q('insertConsent', consentParams(c));
  }

  async revokeConsent(id: string, at: string, by: string) {
    await this.#tx(async (c) => {
      await this.#q('lockFamilyOfConsent', [id], c);
      await this.#q('revokeConsent', [at, by, id], c);
    });
  }

  async consentById(id: string) {
    const [r] = await this.#rows('consentById', [id]);
    return r ? toConsent(r) : undefined;
  }

  async consentsOfFamily(familyId: string) {
    return (await this.#rows('consentsOfFamily', [familyId])).map(toConsent);
  }

  async consentsOfFamilies(familyIds: readonly string[]) {
    if (familyIds.length === 0) return [];
    return (await this.#rows('consentsOfFamilies', [familyIds])).map(toConsent);
  }

  // ---- rooms' update log ---------------------------------------------------------------

  async appendUpdates(updates: readonly NewUpdate[]): Promise<number[]> {
    if (updates.length === 0) return [];
    const values = [
      updates.map((u) => u.room),
      updates.map((u) => u.author),
      updates.map((u) => u.at),
      updates.map((u) => Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength))
    ];
    const keys = writeFactKeys(updates);
    const last = keys ? await this.#appendChecked(updates, keys, values) : await this.#append('appendUpdates', values);
    // The counter moved by each room's count: number the batch's updates up to it, in order.
    const count = new Map<string, number>();
    for (const u of updates) count.set(u.room, (count.get(u.room) ?? 0) + 1);
    const next = new Map([...count].map(([room, n]) => [room, (last.get(room) as number) - n + 1]));
    return updates.map((u) => {
      const seq = next.get(u.room) as number;
      next.set(u.room, seq + 1);
      return seq;
    });
  }

  /**
   * The writers' check and the append as one statement (write-access.ts,
   * docs/deploy.md "Writer access in the append"): decided over the facts at a
   * version (kept from an earlier append while the version stands), then
   * appended only if the version has not moved. If it has, the facts are read
   * again and the check decided again. A refusal is only ever decided over
   * facts read for this batch, never over kept ones.
   */
  async #appendChecked(updates: readonly NewUpdate[], keys: WriteFactKeys, values: unknown[]): Promise<Map<string, number>> {
    for (let attempt = 1; ; attempt++) {
      let facts = this.#writeFacts.lookup(keys);
      let version = this.#writeFacts.version;
      const kept = facts !== null;
      if (!facts) {
        ({ version, facts } = await this.#readWriteFactsAt(keys, this.#relayPool));
        this.#writeFacts.fill(version, keys, facts);
      }
      const refused = refusedWriters(updates, facts);
      if (refused.size > 0 && !kept) throw new WriteRefused(refused);
      if (refused.size === 0) {
        const last = await this.#append('appendUpdatesChecked', [...values, version]);
        if (last.size > 0) return last;
      }
      // The version moved since the facts were read, or the kept facts refused: read them now.
      this.#writeFacts.at(Number.NaN);
      if (attempt >= 10) throw new Error('the writers\' facts kept changing during the append');
    }
  }

  /** One append statement, run again after a deadlock or serialization failure; each room's new last seq. */
  async #append(key: 'appendUpdates' | 'appendUpdatesChecked', values: unknown[]): Promise<Map<string, number>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return new Map((await this.#q(key, values, this.#relayPool)).rows.map((r) => [str(r.room), Number(r.seq)]));
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      }
    }
  }

  async accessFacts(keys: WriteFactKeys): Promise<WriteFacts> {
    return (await this.#readWriteFactsAt(keys, this.#pool)).facts;
  }

  async #readWriteFactsAt(keys: WriteFactKeys, via: Queryable): Promise<{ version: number; facts: WriteFacts }> {
    const [r] = (await this.#q('writeFacts', [keys.sessionHashes, keys.userIds, keys.familyIds], via)).rows;
    const sessions = new Map(
      (r.sessions as Row[]).map((s) => [str(s.id_hash), { idHash: str(s.id_hash), userId: str(s.user_id), createdAt: str(s.created_at), expiresAt: str(s.expires_at) }] as const)
    );
    const users = new Map((r.users as Row[]).map((u) => [str(u.id), toUser(u)] as const));
    const families = new Map((r.families as Row[]).map((f) => [str(f.id), toFamily(f)] as const));
    const consents = new Map<string, Consent[]>();
    for (const row of r.consents as Row[]) {
      const consent = toConsent(row);
      consents.set(consent.familyId, [...(consents.get(consent.familyId) ?? []), consent]);
    }
    const grants = new Map<string, GrantRow[]>();
    for (const row of r.grants as Row[]) {
      const grant = toGrant(row);
      grants.set(grant.familyId, [...(grants.get(grant.familyId) ?? []), grant]);
    }
    const links = new Map<string, FamilyLinkRow[]>();
    for (const row of r.links as Row[]) {
      const link = toFamilyLink(row);
      links.set(link.familyId, [...(links.get(link.familyId) ?? []), link]);
    }
    return { version: Number(r.version), facts: { sessions, users, families, consents, grants, links } };
  }

  async loadUpdates(room: string): Promise<StoredUpdate[]> {
    return (await this.#rows('loadUpdates', [room])).map((r) => ({ seq: Number(r.seq), data: bytes(r.data) }));
  }

  async loadSince(room: string, afterSeq: number): Promise<StoredUpdate[]> {
    return (await this.#q('loadSince', [room, afterSeq], this.#relayPool)).rows.map((r) => ({ seq: Number(r.seq), data: bytes(r.data) }));
  }

  /** A session-level advisory lock on a connection of its own, held while `fn` runs (fn uses the pool as usual). */
  async exclusive<T>(name: string, fn: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<{ ran: true; value: T } | { ran: false }> {
    const client = await this.#pool.connect();
    let locked = false;
    try {
      if (opts.wait) {
        await this.#q('lockWait', [name], client);
        locked = true;
      } else {
        locked = (await this.#q('lockTry', [name], client)).rows[0]?.locked === true;
        if (!locked) return { ran: false };
      }
      return { ran: true, value: await fn() };
    } finally {
      // Unlocking can only fail with the connection gone, and then PostgreSQL has released the lock itself.
      if (locked) await this.#q('unlock', [name], client).catch((err: unknown) => this.#log.error('postgres.unlock_failed', errorFields(err)));
      client.release();
    }
  }

  async latestSeqs(rooms: readonly string[]) {
    const out = new Map<string, number>();
    if (rooms.length === 0) return out;
    for (const r of await this.#rows('latestSeqs', [rooms])) out.set(str(r.room), Number(r.seq));
    return out;
  }

  async compact(room: string, uptoSeq: number, snapshot: Uint8Array, at: string) {
    // Under the room's advisory lock, tried, not waited for: another node compacting the
    // room does the work, and a snapshot already at or past uptoSeq leaves nothing to do.
    await this.#tx(async (c) => {
      if ((await this.#q('compactLock', [room], c)).rows[0]?.locked !== true) return;
      if ((await this.#q('snapshotAtOrAfter', [room, uptoSeq], c)).rows.length > 0) return;
      const ref = parseRoom(room);
      if (ref) {
        // Waits for a retention deletion of the family under way (it holds the row), then sees its record.
        await this.#q('familyShare', [ref.familyId], c);
        if ((await this.#q('familyDeleted', [ref.familyId], c)).rows.length > 0) return;
      }
      await this.#q('keepAuthorsUpTo', [room, uptoSeq], c);
      await this.#q('archiveUpTo', [room, uptoSeq], c);
      await this.#q('deleteUpTo', [room, uptoSeq], c);
      await this.#q('insertSnapshot', [room, uptoSeq, at, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength)], c);
    });
  }

  async historyUpdates(room: string, afterSeq = 0): Promise<HistoryRow[]> {
    return (await this.#rows('historyUpdates', [room, afterSeq])).map((r) => ({ seq: Number(r.seq), author: str(r.author), at: str(r.at), data: bytes(r.data) }));
  }

  async historyCheckpoint(room: string): Promise<HistoryCheckpointRow | undefined> {
    const [r] = await this.#rows('historyCheckpoint', [room]);
    return r ? { room: str(r.room), seq: Number(r.seq), version: Number(r.version), at: str(r.at), data: bytes(r.data) } : undefined;
  }

  async saveHistoryCheckpoint(row: HistoryCheckpointRow): Promise<boolean> {
    return this.#tx(async (c) => {
      const familyId = familyOfRoom(row.room);
      if (familyId !== null) {
        // As compaction: waits for a retention deletion of the family under way (it holds the row), then sees its record.
        await this.#q('familyShare', [familyId], c);
        if ((await this.#q('familyDeleted', [familyId], c)).rows.length > 0) return false;
      }
      const data = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      return ((await this.#q('saveHistoryCheckpoint', [row.room, row.seq, row.version, row.at, data], c)).rowCount ?? 0) > 0;
    });
  }

  async staleHistoryCheckpoints(version: number, minGrowth: number, roomPrefix: string, roomSuffix: string): Promise<string[]> {
    return (await this.#rows('staleHistoryCheckpoints', [version, minGrowth, roomPrefix, roomSuffix])).map((r) => str(r.room));
  }

  async updateAuthors(room: string): Promise<UpdateAuthor[]> {
    return (await this.#rows('updateAuthors', [room])).map((r) => ({ seq: Number(r.seq), author: str(r.author), at: str(r.at), size: Number(r.size) }));
  }

  async changeGroupsOfRooms(rooms: readonly string[]): Promise<AccessGroup[]> {
    if (rooms.length === 0) return [];
    return (await this.#rows('changeGroupsOfRooms', [rooms])).map(toAccessGroup);
  }

  // ---- audit ------------------------------------------------------------------------

  async audit(e: AuditEntry) {
    await this.#q('audit', [e.at, e.userId, e.familyId, e.room, e.action, e.detail, e.deviceId]);
  }

  async appendOfflineOpenings(entries: readonly AuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    // One upload is one user's, from one device: the statement takes those once.
    const [{ userId, deviceId }] = entries;
    if (entries.some((e) => e.userId !== userId || e.deviceId !== deviceId || e.action !== 'open-offline')) {
      throw new Error('appendOfflineOpenings: one user, one device, open-offline only');
    }
    const result = await this.#q('appendOfflineOpenings', [
      entries.map((e) => e.at),
      userId,
      deviceId,
      entries.map((e) => e.familyId),
      entries.map((e) => e.room),
      entries.map((e) => e.detail)
    ]);
    return result.rowCount ?? 0;
  }

  async auditOfActions(actions: readonly string[], limit: number) {
    return (await this.#rows('auditOfActions', [actions, limit])).map(toAuditRow);
  }

  async auditOfFamilyActions(familyId: string, actions: readonly string[], limit: number) {
    return (await this.#rows('auditOfFamilyActions', [familyId, actions, limit])).map(toAuditRow);
  }

  async auditGroupsOfFamily(familyId: string, actions: readonly string[]) {
    return (await this.#rows('auditGroupsOfFamily', [familyId, actions])).map(toAccessGroup);
  }

  async roomsOpenedBy(userId: string) {
    return (await this.#rows('roomsOpenedBy', [userId])).map((r) => str(r.room));
  }
  // ---- retention (issue #14) ---------------------------------------------------------

  async closedBefore(cutoff: string): Promise<RetentionCandidate[]> {
    return (await this.#rows('closedBefore', [cutoff])).map((r) => ({ familyId: str(r.id), teamId: str(r.team_id), closedAt: str(r.closed_at) }));
  }

  async deleteForRetention(familyId: string, cutoff: string, run: RetentionRun): Promise<{ record: RetentionDeletion; users: string[] } | null> {
    const [lo, hi] = familyRoomRange(familyId);
    return this.#tx(async (c) => {
      // The family's row lock orders this against a reopen, appends (their writer check share-locks it) and compaction.
      const [f] = (await this.#q('lockFamily', [familyId], c)).rows;
      if (!f) return null;
      const family = toFamily(f);
      if (family.status !== 'afsluttet' || !family.closedAt || family.closedAt > cutoff) return null;
      const opened = (await this.#q('retentionOpenedRooms', [family.id], c)).rows.map((r) => ({ userId: str(r.user_id), room: str(r.room) }));
      await this.#q('insertRetentionDeletion', [family.id, family.teamId, family.closedAt, run.deletedAt, run.rule, run.deletedBy], c);
      if (opened.length > 0) await this.#q('insertRetentionPurges', [opened.map((o) => o.userId), opened.map((o) => o.room), family.id], c);
      if (run.retainedSummary !== null) await this.#q('insertRetainedSummary', [family.id, family.teamId, family.district, run.deletedAt, run.retainedSummary], c);
      const n = async (key: Key, args: unknown[]) => (await this.#q(key, args, c)).rowCount ?? 0;
      const counts: Record<string, number> = {
        updates: await n('deleteRoomsUpdates', [lo, hi]),
        archivedUpdates: await n('deleteRoomsArchive', [lo, hi]),
        updateAuthors: await n('deleteRoomsAuthors', [lo, hi]),
        historyCheckpoints: await n('deleteRoomsCheckpoints', [lo, hi]),
        auditEntries: await n('deleteFamilyAudit', [family.id]),
        consents: await n('deleteFamilyConsents', [family.id]),
        grants: await n('deleteFamilyGrants', [family.id]),
        transfers: await n('deleteFamilyTransfers', [family.id]),
        underretningReporters: await n('deleteFamilyReporters', [family.id]),
        // the family's own access (links before the invitations they name)
        familyLinks: await n('deleteFamilyLinks', [family.id]),
        familyInvitations: await n('deleteFamilyInvitations', [family.id]),
        // the inbox's notices about the family (ids only) and its plan's notice baseline
        notifications: await n('deleteFamilyNotifications', [family.id]),
        noticeKeys: await n('deleteFamilyNoticeKeys', [family.id]),
        summaries: await n('deleteFamilySummary', [family.id])
      };
      // The rooms' counters go too: a room's log is gone, and its sequence with it.
      await this.#q('deleteRoomsCounters', [lo, hi], c);
      counts.families = await n('deleteFamily', [family.id]);
      await this.#q('finishRetentionDeletion', [JSON.stringify(counts), family.id], c);
      const record = retentionRecord(family, family.closedAt, run, counts);
      return { record, users: [...new Set(opened.map((o) => o.userId))] };
    });
  }

  async retentionDeletions(limit: number): Promise<RetentionDeletion[]> {
    return (await this.#rows('retentionDeletions', [limit])).map(toRetentionDeletion);
  }

  async retainedSummaries(teamIds: readonly string[]) {
    if (teamIds.length === 0) return [];
    return (await this.#rows('retainedSummaries', [teamIds])).map((r) => ({ familyId: str(r.family_id), teamId: str(r.team_id), district: str(r.district), data: str(r.data) }));
  }
}

/**
 * CREATE SCHEMA IF NOT EXISTS is not safe against itself: nodes starting at once
 * on a new schema race to the catalog's unique index and all but one fail. A
 * transaction-level advisory lock on the schema's name orders them.
 */
async function createSchema(pool: pg.Pool, schema: string) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('fp-schema:' || $1))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Applies the migration files not yet recorded, in order, each in its own transaction, under an advisory lock. */
async function migrate(pool: pg.Pool) {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort();
  const client = await pool.connect();
  try {
    // Nodes starting together: one migrates, the others wait and then find nothing to do.
    await client.query(`SELECT pg_advisory_lock(hashtext('fp-migrate:' || current_schema()))`);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const file of files) {
        const version = file.slice(0, -'.sql'.length);
        if (done.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(readFileSync(MIGRATIONS_DIR + file, 'utf8'));
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('fp-migrate:' || current_schema()))`);
    }
  } finally {
    client.release();
  }
}
