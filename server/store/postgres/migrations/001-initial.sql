-- Familiens Plan on PostgreSQL: the same tables and rules as the embedded
-- SQLite store. Times are ISO 8601 text (UTC), as there, so both stores
-- order and bucket them alike.
CREATE TABLE teams (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, cluster TEXT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
  sector TEXT, password_hash TEXT NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE user_teams (
  user_id TEXT NOT NULL REFERENCES users(id), team_id TEXT NOT NULL REFERENCES teams(id),
  PRIMARY KEY (user_id, team_id)
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE families (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, team_id TEXT NOT NULL REFERENCES teams(id),
  opened_by_sector TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL
);
CREATE INDEX families_team ON families(team_id);
CREATE TABLE consents (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), given_by TEXT NOT NULL,
  categories TEXT NOT NULL, recipients TEXT NOT NULL, purpose TEXT NOT NULL,
  valid_from TEXT NOT NULL, valid_until TEXT NOT NULL, method TEXT NOT NULL, signature TEXT,
  recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT,
  reference TEXT, renews_id TEXT
);
CREATE INDEX consents_family ON consents(family_id);

-- A room's sequence numbers come from its own counter, bumped inside the
-- append transaction: the row lock orders appends to one room, so seqs are
-- 1..n without gaps in commit order (a global serial commits out of order).
CREATE TABLE room_counters (room TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE TABLE updates (
  room TEXT NOT NULL, seq BIGINT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, data BYTEA NOT NULL,
  PRIMARY KEY (room, seq)
);
-- Authorship of updates that compaction folded into a snapshot.
CREATE TABLE update_authors (
  room TEXT NOT NULL, seq BIGINT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (room, seq)
);

CREATE TABLE audit (
  id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, user_id TEXT, family_id TEXT, room TEXT,
  action TEXT NOT NULL, detail TEXT, device_id TEXT
);
CREATE INDEX audit_family ON audit(family_id, id);
CREATE INDEX audit_user_room ON audit(user_id, room);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Consents are a legal record: never deleted, never edited. The one change
-- allowed is the single revocation of an unrevoked consent.
CREATE FUNCTION consents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'consents are append-only'; END $$;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents FOR EACH ROW EXECUTE FUNCTION consents_append_only();
CREATE TRIGGER consents_no_truncate BEFORE TRUNCATE ON consents FOR EACH STATEMENT EXECUTE FUNCTION consents_append_only();
CREATE FUNCTION consents_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.revoked_by IS NULL
    OR (NEW.id, NEW.family_id, NEW.given_by, NEW.categories, NEW.recipients, NEW.purpose, NEW.valid_from,
        NEW.valid_until, NEW.method, NEW.signature, NEW.reference, NEW.renews_id, NEW.recorded_by, NEW.recorded_at)
    IS DISTINCT FROM
       (OLD.id, OLD.family_id, OLD.given_by, OLD.categories, OLD.recipients, OLD.purpose, OLD.valid_from,
        OLD.valid_until, OLD.method, OLD.signature, OLD.reference, OLD.renews_id, OLD.recorded_by, OLD.recorded_at)
  THEN
    RAISE EXCEPTION 'a consent can only be revoked, once';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER consents_revoke_only BEFORE UPDATE ON consents FOR EACH ROW EXECUTE FUNCTION consents_revoke_only();

-- The leader overview's tables: derived data and the key of its opaque family references.
CREATE TABLE plan_summaries (
  family_id TEXT PRIMARY KEY REFERENCES families(id), seq BIGINT NOT NULL, version INTEGER NOT NULL,
  computed_at TEXT NOT NULL, last_update_at TEXT, data TEXT NOT NULL, rev BIGINT NOT NULL UNIQUE
);
-- One row: summary writes take the next revision under its lock, so revisions
-- commit in order and a reader of "everything after rev n" misses none.
CREATE TABLE summary_revision (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), rev BIGINT NOT NULL);
INSERT INTO summary_revision (rev) VALUES (0);
CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
