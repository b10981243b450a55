-- When each word last went between two addresses (unix time), so that history retention ages
-- words out of a profile as it ages pairs out of the history. Rows learned before this column
-- have NULL and count as seen at the upgrade, kept in meta as 'profiles_dated_from'.
ALTER TABLE profiles ADD COLUMN seen REAL;
INSERT OR IGNORE INTO meta (key, value) VALUES ('profiles_dated_from', strftime('%s', 'now'))
