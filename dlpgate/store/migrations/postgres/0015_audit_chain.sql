-- The audit trail as a hash chain (store/chain.py): each entry's place (1, 2, 3 ... no gaps)
-- and its hash over its fields, its place and the previous entry's hash; `audit_chain` holds
-- the head (the last place and hash), updated in every appending transaction. Entries written
-- before this have neither: the store anchors them once, as this migration commits, with a
-- `chain-start` entry holding their count and digest.
ALTER TABLE audit ADD COLUMN seq BIGINT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_seq ON audit (seq);
CREATE TABLE audit_chain (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_chain VALUES (1, 0, '')
