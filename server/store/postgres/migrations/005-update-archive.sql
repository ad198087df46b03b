-- Every update compaction folds into a snapshot, kept whole for the plan's
-- history (who changed what, when; restore). Append-only like the audit; the
-- relay never reads it (a room loads from its snapshot and later updates).
-- A room compacted before this table existed keeps its first snapshot here
-- (author 'snapshot') as the base its history starts from.
CREATE TABLE update_archive (
  room TEXT NOT NULL, seq BIGINT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, data BYTEA NOT NULL,
  PRIMARY KEY (room, seq)
);
CREATE FUNCTION update_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'update_archive is append-only'; END $$;
CREATE TRIGGER update_archive_no_change BEFORE UPDATE OR DELETE ON update_archive FOR EACH ROW EXECUTE FUNCTION update_archive_append_only();
CREATE TRIGGER update_archive_no_truncate BEFORE TRUNCATE ON update_archive FOR EACH STATEMENT EXECUTE FUNCTION update_archive_append_only();
