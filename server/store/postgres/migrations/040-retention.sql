-- Retention (issue #14): a closed case is deleted RETENTION_YEARS after it
-- was closed. The deletion is the one sanctioned way rows leave the
-- append-only tables (consents, audit, update_archive): their triggers let a
-- DELETE through only for a family whose deletion record is 'running', and a
-- record is 'running' only inside the transaction that deletes the family
-- (it is inserted and set to 'done' there), so no other transaction ever sees
-- the permission. The record itself stays: family id, when, by which rule,
-- counts of what went. See docs/security.md "Retention".
CREATE TABLE retention_deletions (
  family_id TEXT PRIMARY KEY, team_id TEXT NOT NULL, closed_at TEXT NOT NULL, deleted_at TEXT NOT NULL,
  rule TEXT NOT NULL, deleted_by TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('running', 'done')), counts TEXT NOT NULL
);
CREATE FUNCTION retention_deletions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.state = 'running' AND NEW.state = 'done'
    AND (NEW.family_id, NEW.team_id, NEW.closed_at, NEW.deleted_at, NEW.rule, NEW.deleted_by)
      IS NOT DISTINCT FROM (OLD.family_id, OLD.team_id, OLD.closed_at, OLD.deleted_at, OLD.rule, OLD.deleted_by)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'a deletion record is kept: it can only be finished, once';
END $$;
CREATE TRIGGER retention_deletions_keep BEFORE UPDATE OR DELETE ON retention_deletions FOR EACH ROW EXECUTE FUNCTION retention_deletions_guard();
CREATE TRIGGER retention_deletions_no_truncate BEFORE TRUNCATE ON retention_deletions FOR EACH STATEMENT EXECUTE FUNCTION retention_deletions_guard();

-- Rooms a user had opened of a deleted family: their devices purge them
-- (GET /api/manifest's purge list), though the audit rows that named them are gone.
CREATE TABLE retention_purges (
  user_id TEXT NOT NULL, room TEXT NOT NULL, family_id TEXT NOT NULL,
  PRIMARY KEY (user_id, room)
);
-- The leader overview's figures of a deleted family for past months (counts
-- and dates only), so earlier periods do not change when a case is deleted.
CREATE TABLE retained_summaries (
  family_id TEXT PRIMARY KEY, team_id TEXT NOT NULL, district TEXT NOT NULL, deleted_at TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX retained_summaries_team ON retained_summaries(team_id);
CREATE INDEX families_closed ON families(closed_at) WHERE status = 'afsluttet';

-- The family of a room name f-<id>.<part> (null for anything else).
CREATE FUNCTION retention_room_family(room TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN room LIKE 'f-%.%' THEN substring(room FROM 3 FOR position('.' IN room) - 3) END
$$;
CREATE FUNCTION retention_permits(fid TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
  SELECT fid IS NOT NULL AND EXISTS (SELECT 1 FROM retention_deletions WHERE family_id = fid AND state = 'running')
$$;

CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (retention_permits(OLD.family_id) OR retention_permits(retention_room_family(OLD.room))) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE OR REPLACE FUNCTION consents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND retention_permits(OLD.family_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'consents are append-only';
END $$;
CREATE OR REPLACE FUNCTION update_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND retention_permits(retention_room_family(OLD.room)) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'update_archive is append-only';
END $$;
