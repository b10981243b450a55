-- Content profiles: salted hashes of the words of what each sender has sent to each
-- recipient. No text is stored; the key that salts the hashes lives in `meta`.
CREATE TABLE profiles (
    sender      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    token       INTEGER NOT NULL,         -- 63-bit keyed hash of a word
    count       INTEGER NOT NULL,
    PRIMARY KEY (sender, recipient, token)
) WITHOUT ROWID;
CREATE INDEX profiles_sender_token ON profiles (sender, token);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta VALUES ('profile_key', lower(hex(randomblob(32))));
