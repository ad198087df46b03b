-- Devices (DESIGN §13): per user and device, the server-held key that wraps
-- the device's data key, its lease, and whether it was reported lost; and
-- which device each session belongs to, so a lost device's sessions end.
CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users(id), device_id TEXT NOT NULL, name TEXT NOT NULL,
  wrap_key TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, lease_until TEXT NOT NULL,
  lost_at TEXT, lost_by TEXT, wiped_at TEXT,
  PRIMARY KEY (user_id, device_id)
);
CREATE INDEX devices_device ON devices(device_id);
CREATE TABLE device_sessions (
  session_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL
);
CREATE INDEX device_sessions_device ON device_sessions(user_id, device_id);
