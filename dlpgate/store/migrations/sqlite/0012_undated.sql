-- Rows with no date (a CSV row without last_seen, someone who has only written to us) were
-- stored as seen in 1970: history retention would delete them at once, and the recipient
-- score took an undated regular for a correspondent lapsed fifty years ago. They count as
-- seen when the store is upgraded, as an undated row is seen when it is imported now.
UPDATE correspondence SET first_seen = CAST(strftime('%s', 'now') AS REAL)
    WHERE first_seen = 0;
UPDATE correspondence SET last_seen = CAST(strftime('%s', 'now') AS REAL)
    WHERE last_seen = 0;
UPDATE domains SET first_seen = CAST(strftime('%s', 'now') AS REAL) WHERE first_seen = 0;
UPDATE domains SET last_seen = CAST(strftime('%s', 'now') AS REAL) WHERE last_seen = 0
