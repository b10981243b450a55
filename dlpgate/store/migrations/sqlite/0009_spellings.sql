-- Near spellings of every address and domain the organisation has written to (issue 4).
-- Each is filed under itself and under every spelling with one character left out (of an
-- address, of its local part; of a domain, stored as '@domain', of its name). Two spellings
-- one typing slip apart (a letter changed, added, dropped or swapped) share a key, so an
-- address no one here has written to finds the known ones it may be a slip of with one
-- indexed lookup of its own keys, however large the history.
CREATE TABLE spellings (
    key    TEXT NOT NULL,          -- the spelling with one character left out, or whole
    known  TEXT NOT NULL,          -- an address, or '@' and a domain
    PRIMARY KEY (key, known)
) WITHOUT ROWID;
WITH RECURSIVE cut(known, head, tail, n) AS (
    SELECT DISTINCT recipient, substr(recipient, 1, instr(recipient, '@') - 1),
           substr(recipient, instr(recipient, '@')), 0
    FROM correspondence WHERE count > 0 AND instr(recipient, '@') > 1
    UNION ALL
    SELECT known, head, tail, n + 1 FROM cut WHERE n < length(head)
)
INSERT OR IGNORE INTO spellings (key, known)
SELECT CASE n WHEN 0 THEN known ELSE substr(head, 1, n - 1) || substr(head, n + 1) || tail END,
       known
FROM cut;
WITH RECURSIVE cut(domain, n) AS (
    SELECT domain, 0 FROM domains
    UNION ALL
    SELECT domain, n + 1 FROM cut WHERE n < length(domain)
)
INSERT OR IGNORE INTO spellings (key, known)
SELECT '@' || CASE n WHEN 0 THEN domain ELSE substr(domain, 1, n - 1) || substr(domain, n + 1) END,
       '@' || domain
FROM cut
