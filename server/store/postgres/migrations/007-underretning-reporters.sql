-- Who made an underretning (DESIGN §5): never in a shared document, where a
-- reader of the journal in another sector (with consent) would see it; kept
-- here, read only by the social sector. One row per journal entry.
CREATE TABLE underretning_reporters (
  family_id TEXT NOT NULL REFERENCES families(id), entry_id TEXT NOT NULL, reporter TEXT NOT NULL,
  recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL,
  PRIMARY KEY (family_id, entry_id)
);
