-- The life of a case (issue #14): closing (the retention period runs from
-- closed_at), transfers between teams (asked by the case-owning sector,
-- decided by the receiving team) and called-in specialists' grants
-- (DESIGN §6 rule 6). Grants, like consents, are a record: ended, never edited.
ALTER TABLE families ADD COLUMN closed_at TEXT;
CREATE TABLE family_transfers (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), from_team TEXT NOT NULL REFERENCES teams(id),
  to_team TEXT NOT NULL REFERENCES teams(id), note TEXT NOT NULL, meeting_at TEXT,
  requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, decided_by TEXT, decided_at TEXT, outcome TEXT
);
CREATE INDEX family_transfers_open ON family_transfers(to_team) WHERE outcome IS NULL;
CREATE INDEX family_transfers_family ON family_transfers(family_id);
CREATE TABLE grants (
  id TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id), user_id TEXT NOT NULL REFERENCES users(id),
  parts TEXT NOT NULL, purpose TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT NOT NULL,
  granted_by TEXT NOT NULL, granted_at TEXT NOT NULL, ended_at TEXT, ended_by TEXT, renews_id TEXT
);
CREATE INDEX grants_family ON grants(family_id);
CREATE INDEX grants_user ON grants(user_id);
