-- The version of the writers' facts (server/store/write-access.ts): any change
-- to the tables the append's writer check reads moves it, in the changing
-- statement's own transaction. The append runs as one statement that takes
-- FOR SHARE on this row and inserts only if the version is the one its check
-- read the facts at (PostgresStore.appendUpdates): a change committed before
-- the append is seen (the version moved: the facts are read again), and a
-- change under way waits for the append's commit, or the append for it. The
-- SQLite store keeps the same version with triggers of its own.
CREATE TABLE write_fact_version (id INTEGER PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL);
INSERT INTO write_fact_version (id, v) VALUES (1, 0);

-- Per statement, and only when it changed a row: a sweep that deletes nothing moves nothing.
CREATE FUNCTION write_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed) THEN
    UPDATE write_fact_version SET v = v + 1 WHERE id = 1;
  END IF;
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['sessions', 'users', 'user_teams', 'families', 'consents', 'grants', 'family_links'] LOOP
    EXECUTE format('CREATE TRIGGER write_facts_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION write_facts_changed()', t);
    EXECUTE format('CREATE TRIGGER write_facts_update AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION write_facts_changed()', t);
    EXECUTE format('CREATE TRIGGER write_facts_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION write_facts_changed()', t);
  END LOOP;
END
$$;
