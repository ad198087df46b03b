-- Municipal sign-in (DESIGN §10): users keyed by issuer + sub (`local` for the
-- demo's own provider), the sign-ins waiting for the provider's answer (a
-- state is good for one callback, on any node), and the administrator's list
-- of skoledistrikter and klynger, filled once from the teams already there.
ALTER TABLE users ADD COLUMN issuer TEXT, ADD COLUMN subject TEXT, ADD COLUMN email TEXT;
CREATE UNIQUE INDEX users_subject ON users(issuer, subject) WHERE issuer IS NOT NULL;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE login_attempts (
  state_hash TEXT PRIMARY KEY, nonce TEXT NOT NULL, code_verifier TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE districts (name TEXT PRIMARY KEY, cluster TEXT NOT NULL);
INSERT INTO districts (name, cluster)
  SELECT d.name, MIN(t.cluster) FROM team_districts d JOIN teams t ON t.id = d.team_id GROUP BY d.name
  ON CONFLICT DO NOTHING;
INSERT INTO districts (name, cluster) SELECT district, MIN(cluster) FROM teams GROUP BY district ON CONFLICT DO NOTHING;
