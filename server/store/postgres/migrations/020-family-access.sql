-- The family's own access (DESIGN §12, issue #15): invitations for a named
-- family member (only the code's SHA-256 is kept; single use, 14 days,
-- revocable) and the citizen links they make (DESIGN §6 rule 7), ended, never
-- deleted. The same tables as the SQLite store's FAMILY_ACCESS_SCHEMA.
CREATE TABLE family_invitations (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), code_hash TEXT NOT NULL UNIQUE,
  member_name TEXT NOT NULL, relation TEXT NOT NULL, invited_by TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, used_by TEXT, revoked_at TEXT, revoked_by TEXT
);
CREATE INDEX family_invitations_family ON family_invitations(family_id);
CREATE TABLE family_links (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), user_id TEXT NOT NULL REFERENCES users(id),
  invitation_id TEXT REFERENCES family_invitations(id), member_name TEXT NOT NULL, relation TEXT NOT NULL,
  created_at TEXT NOT NULL, ended_at TEXT, ended_by TEXT
);
CREATE INDEX family_links_family ON family_links(family_id);
CREATE INDEX family_links_user ON family_links(user_id);
-- One active link per citizen and family.
CREATE UNIQUE INDEX family_links_active ON family_links(family_id, user_id) WHERE ended_at IS NULL;
