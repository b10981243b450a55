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
);
INSERT INTO spellings (key, known)
SELECT CASE WHEN g.n = 0 THEN a.known
            ELSE substr(a.head, 1, g.n - 1) || substr(a.head, g.n + 1) || a.tail END,
       a.known
FROM (SELECT DISTINCT recipient AS known,
             substr(recipient, 1, strpos(recipient, '@') - 1) AS head,
             substr(recipient, strpos(recipient, '@')) AS tail
      FROM correspondence WHERE count > 0 AND strpos(recipient, '@') > 1) a
CROSS JOIN LATERAL generate_series(0, length(a.head)) AS g(n)
ON CONFLICT DO NOTHING;
INSERT INTO spellings (key, known)
SELECT '@' || CASE WHEN g.n = 0 THEN d.domain
                   ELSE substr(d.domain, 1, g.n - 1) || substr(d.domain, g.n + 1) END,
       '@' || d.domain
FROM domains d CROSS JOIN LATERAL generate_series(0, length(d.domain)) AS g(n)
ON CONFLICT DO NOTHING;
