-- The review app's people (issue 6): local accounts with roles, and server-side sessions
-- (only a hash of each session token is stored; the cookie holds the token itself).
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,           -- scrypt$N$r$p$salt$hash
    roles         TEXT NOT NULL,           -- JSON list: reviewer, admin, auditor
    disabled      INTEGER NOT NULL DEFAULT 0,
    created       REAL NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created    REAL NOT NULL,
    last_seen  REAL NOT NULL
);
CREATE INDEX sessions_user ON sessions (username)
