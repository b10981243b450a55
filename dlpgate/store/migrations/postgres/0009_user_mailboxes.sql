-- The mailboxes a review app account sends from (JSON list of addresses): a reviewer may not
-- release a message they sent themselves; another reviewer decides on it.
ALTER TABLE users ADD COLUMN mailboxes TEXT NOT NULL DEFAULT '[]'
