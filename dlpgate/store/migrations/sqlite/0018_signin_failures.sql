-- Failed sign-ins to the review app, one row each, under a keyed hash of what they count
-- against (a name, a network, a name at a network, a browser): the lockout and the slowing
-- (review/auth.py Throttle) are counted here so that every review node counts together.
-- Each node counted its own before, and a load balancer in front of two gave a guesser two
-- lockouts' worth of tries. Rows older than the lockout window are deleted as failures come.
CREATE TABLE signin_failures (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,  -- HMAC of the throttle's key: no name or address is kept here
    at  REAL NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, at);
CREATE INDEX signin_failures_at ON signin_failures (at)
