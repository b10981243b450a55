-- The delivery journal (issue 8): one row per message the relay took responsibility for,
-- keyed by a hash of its envelope and bytes. 'sending' is written and committed before DATA
-- goes to the next hop and becomes 'delivered' after its 250; 'held' is written with the
-- quarantine row. A client retrying a message whose 250 it never heard is answered from here
-- instead of being sent twice; a 'sending' row left by a relay that died means "may already
-- have been delivered", and the retry is held for a person to check.
CREATE TABLE deliveries (
    key     TEXT PRIMARY KEY,       -- sha256 of sender, recipients and message bytes
    state   TEXT NOT NULL,          -- sending, delivered, held
    owner   TEXT NOT NULL,          -- node:boot that wrote it
    scan_id TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL
);
CREATE INDEX deliveries_updated ON deliveries (updated)
