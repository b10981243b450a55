-- dlpgate's store on PostgreSQL: the same tables as the SQLite store's migrations 1-7,
-- for several relay nodes sharing one quarantine, one history and one audit trail.
-- JSON is kept as text, as in SQLite, so both backends read it the same way.
CREATE TABLE decisions (
    scan_id        TEXT PRIMARY KEY,
    created        DOUBLE PRECISION NOT NULL,
    node           TEXT NOT NULL,
    mail_from      TEXT NOT NULL,
    rcpt_domains   TEXT NOT NULL,
    n_recipients   INTEGER NOT NULL,
    size           BIGINT NOT NULL,
    verdict        TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    reply_code     INTEGER NOT NULL,
    rules          TEXT NOT NULL,
    entity_counts  TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    timings        TEXT NOT NULL,
    action         TEXT NOT NULL DEFAULT '',
    shadow_rules   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX decisions_created ON decisions (created);
CREATE TABLE quarantine (
    id             TEXT PRIMARY KEY,
    created        DOUBLE PRECISION NOT NULL,
    state          TEXT NOT NULL,
    mail_from      TEXT NOT NULL,
    rcpt_tos       TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    size           BIGINT NOT NULL,
    verdict        TEXT NOT NULL,
    rules          TEXT NOT NULL,
    reasons        TEXT NOT NULL,
    findings       TEXT NOT NULL,
    recipients     TEXT NOT NULL,
    raw            BYTEA NOT NULL,
    action         TEXT NOT NULL DEFAULT 'hold',
    matches        TEXT NOT NULL DEFAULT '[]',
    policy_version TEXT NOT NULL DEFAULT '',
    delay_minutes  INTEGER NOT NULL DEFAULT 0,
    notify         TEXT NOT NULL DEFAULT '[]',
    updated        DOUBLE PRECISION NOT NULL DEFAULT 0,
    decided_by     TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX quarantine_state_created ON quarantine (state, created);
CREATE TABLE correspondence (
    sender      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    count       BIGINT NOT NULL,
    first_seen  DOUBLE PRECISION NOT NULL,
    last_seen   DOUBLE PRECISION NOT NULL,
    replied     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sender, recipient)
);
CREATE INDEX correspondence_recipient ON correspondence (recipient);
CREATE TABLE domains (
    domain      TEXT PRIMARY KEY,
    count       BIGINT NOT NULL,
    first_seen  DOUBLE PRECISION NOT NULL,
    last_seen   DOUBLE PRECISION NOT NULL
);
CREATE TABLE profiles (
    sender      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    token       BIGINT NOT NULL,
    count       BIGINT NOT NULL,
    PRIMARY KEY (sender, recipient, token)
);
CREATE INDEX profiles_sender_token ON profiles (sender, token);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE groups (
    sender  TEXT NOT NULL,
    a       TEXT NOT NULL,
    b       TEXT NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (sender, a, b)
);
CREATE TABLE audit (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       DOUBLE PRECISION NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    item_id  TEXT NOT NULL DEFAULT '',
    reason   TEXT NOT NULL DEFAULT '',
    via      TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_item ON audit (item_id, at);
CREATE INDEX audit_at ON audit (at);
CREATE FUNCTION dlpgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION dlpgate_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION dlpgate_audit_append_only();
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created       DOUBLE PRECISION NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created    DOUBLE PRECISION NOT NULL,
    last_seen  DOUBLE PRECISION NOT NULL
);
CREATE INDEX sessions_user ON sessions (username)
