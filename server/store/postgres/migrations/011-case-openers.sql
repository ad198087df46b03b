-- Which sectors may open a new case (issue 14), set by an admin; a sector
-- without a row uses the default (only the social sector, src/lib/shared/case-openers.ts).
CREATE TABLE case_openers (sector TEXT PRIMARY KEY, may_open BOOLEAN NOT NULL);
