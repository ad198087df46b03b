-- A room's history checkpoint (server/history.ts): the HistoryBuilder's whole
-- state after `seq` (the document, the sessions so far, the one still open),
-- so a first look at a long history restores it and replays only what came
-- after. Derived from updates and update_archive, so it may be dropped and
-- rebuilt at any time (store:copy leaves it out; the sweep writes it again).
-- Retention deletes a family's checkpoints with its rooms.
CREATE TABLE history_checkpoints (
  room TEXT PRIMARY KEY, seq BIGINT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, data BYTEA NOT NULL
);
