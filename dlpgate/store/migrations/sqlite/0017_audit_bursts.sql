-- Anonymous refusals (a refused or failed sign-in, a link that cannot be used) counted per
-- kind and source network in a window: the first few of each are written to the audit trail
-- one by one, the rest held back here and written as one summary entry with their count
-- (store/bursts.py). Anyone who could reach the sign-in page could add a row a try to the
-- trail and bury the entries that matter. A row is deleted once its window has ended and
-- what it held back is written.
CREATE TABLE audit_bursts (
    key        TEXT PRIMARY KEY,            -- the action, then its source network or *
    action     TEXT NOT NULL,
    via        TEXT NOT NULL,
    source     TEXT NOT NULL,               -- a network; '' for all networks together
    allowed    INTEGER NOT NULL,            -- written one by one in a window
    since      REAL NOT NULL,
    ends       REAL NOT NULL,
    seen       INTEGER NOT NULL,            -- this window's, written or held back
    held       INTEGER NOT NULL DEFAULT 0,  -- held back since the last summary
    first_held REAL,
    last_held  REAL,
    actors     TEXT NOT NULL DEFAULT '[]'   -- JSON: who they named, at most ten
);
CREATE INDEX audit_bursts_ends ON audit_bursts (ends)
