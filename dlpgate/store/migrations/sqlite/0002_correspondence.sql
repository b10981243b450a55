-- Prior correspondence: who in the organisation has written to whom, how often, how lately.
-- Learned from mail the next hop accepted, `dlpgate history import` and `history learn`.
CREATE TABLE correspondence (
    sender      TEXT NOT NULL,             -- normalised address
    recipient   TEXT NOT NULL,             -- normalised address
    count       INTEGER NOT NULL,
    first_seen  REAL NOT NULL,             -- unix time
    last_seen   REAL NOT NULL,
    replied     INTEGER NOT NULL DEFAULT 0, -- the recipient has written back
    PRIMARY KEY (sender, recipient)
) WITHOUT ROWID;
CREATE INDEX correspondence_recipient ON correspondence (recipient);

-- The organisation's view by domain: has anyone here written to this domain before?
CREATE TABLE domains (
    domain      TEXT PRIMARY KEY,
    count       INTEGER NOT NULL,
    first_seen  REAL NOT NULL,
    last_seen   REAL NOT NULL
) WITHOUT ROWID;
