-- Who a sender writes to together: pairs of co-recipients of the same message, counted.
-- Messages to more than 10 people are left out (lists, not groups).
CREATE TABLE groups (
    sender  TEXT NOT NULL,
    a       TEXT NOT NULL,                -- a < b
    b       TEXT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (sender, a, b)
) WITHOUT ROWID;
