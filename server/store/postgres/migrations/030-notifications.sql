-- Notifications (issue #16): a worker's inbox. Ids and a kind only, never
-- family content; (user_id, key) makes deriving the same notice twice a no-op.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), kind TEXT NOT NULL,
  family_id TEXT, actor_id TEXT, key TEXT NOT NULL, created_at TEXT NOT NULL, read_at TEXT
);
CREATE UNIQUE INDEX notifications_user_key ON notifications(user_id, key);
CREATE INDEX notifications_user_created ON notifications(user_id, created_at);
-- The notice keys last derived from each family's plan: a plan seen for the
-- first time sets its baseline without notifying anyone.
CREATE TABLE plan_notice_keys (family_id TEXT PRIMARY KEY REFERENCES families(id), keys TEXT NOT NULL);
