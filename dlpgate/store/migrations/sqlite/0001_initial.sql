-- The decision log: one row per message, no bodies, no personal data beyond the
-- envelope sender (the quarantine holds bodies; logs hold neither).
CREATE TABLE decisions (
    scan_id        TEXT PRIMARY KEY,
    created        REAL NOT NULL,          -- unix time
    node           TEXT NOT NULL,
    mail_from      TEXT NOT NULL,
    rcpt_domains   TEXT NOT NULL,          -- JSON list
    n_recipients   INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    verdict        TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    reply_code     INTEGER NOT NULL,
    rules          TEXT NOT NULL,          -- JSON list of rule ids
    entity_counts  TEXT NOT NULL,          -- JSON {entity: count}
    policy_version TEXT NOT NULL,
    timings        TEXT NOT NULL           -- JSON {stage: ms}
);
CREATE INDEX decisions_created ON decisions (created);

-- Held messages: the original bytes and envelope, and why they were held.
CREATE TABLE quarantine (
    id           TEXT PRIMARY KEY,         -- the scan id
    created      REAL NOT NULL,
    state        TEXT NOT NULL,            -- held, released, rejected, expired
    mail_from    TEXT NOT NULL,
    rcpt_tos     TEXT NOT NULL,            -- JSON list, the envelope's, Bcc included
    message_id   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    verdict      TEXT NOT NULL,
    rules        TEXT NOT NULL,            -- JSON list
    reasons      TEXT NOT NULL,            -- JSON list
    findings     TEXT NOT NULL,            -- JSON list without values: entity, part, offsets
    recipients   TEXT NOT NULL,            -- JSON list of {address, risk, signals}
    raw          BLOB NOT NULL
);
CREATE INDEX quarantine_state_created ON quarantine (state, created);
