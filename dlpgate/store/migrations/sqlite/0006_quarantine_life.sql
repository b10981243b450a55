-- The quarantine's life (issue 6): who last moved a message and what went wrong, and
-- an append-only audit trail of every look at and action on held mail.
ALTER TABLE quarantine ADD COLUMN updated REAL NOT NULL DEFAULT 0;
ALTER TABLE quarantine ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       REAL NOT NULL,
    actor    TEXT NOT NULL,            -- cli:alice, web:bob, system:retention
    action   TEXT NOT NULL,            -- view, reveal, release, release-failed, reject, expire, list
    item_id  TEXT NOT NULL DEFAULT '',
    reason   TEXT NOT NULL DEFAULT '',
    via      TEXT NOT NULL DEFAULT '', -- cli, web, retention
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_item ON audit (item_id, at);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
