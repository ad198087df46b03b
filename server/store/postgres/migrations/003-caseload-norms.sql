-- The workable caseload per profession (sector), set by an admin; a sector
-- without a row uses the default (src/lib/shared/overview-types.ts).
CREATE TABLE caseload_norms (sector TEXT PRIMARY KEY, norm INTEGER NOT NULL CHECK (norm BETWEEN 1 AND 500));
