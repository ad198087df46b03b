-- The skoledistrikter each team covers: the list a family's district is chosen from.
CREATE TABLE team_districts (
  team_id TEXT NOT NULL REFERENCES teams(id), name TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (team_id, name)
);
-- A retried offline-openings upload looks for the same user, room, device and instant.
CREATE INDEX audit_offline ON audit(user_id, room, device_id, at) WHERE action = 'open-offline';
