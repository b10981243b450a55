-- Failed scans of one message (relay.max_scan_attempts): a row per journal key (a hash of
-- the envelope and the bytes, as in deliveries), counted by every relay node sharing the
-- store. A message whose scan fails that often is decided as unreadable and held, not
-- answered 451 at every retry until the client's queue gives up days later. Rows go with
-- the journal's (relay.journal_days).
CREATE TABLE scan_failures (
    key      TEXT PRIMARY KEY,  -- sha256 of sender, recipients and message bytes
    failures INTEGER NOT NULL,
    first_at DOUBLE PRECISION NOT NULL,
    updated  DOUBLE PRECISION NOT NULL
);
CREATE INDEX scan_failures_updated ON scan_failures (updated)
