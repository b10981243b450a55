-- How often the sender has copied this recipient into a conversation they were not part of
-- (a reply or forward that adds them): a PA or a team's business support, added as a habit,
-- is not the stranger `not-in-thread` looks for.
ALTER TABLE correspondence ADD COLUMN joined INTEGER NOT NULL DEFAULT 0;
