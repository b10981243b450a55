-- Each account's credential generation, moved on by every password change and every disable
-- (save_user). A session, and a browser's "known" cookie, issued under an earlier generation
-- is no good: `users passwd` ended the sessions, yet the browser that had signed in went on
-- being spared the slowing of guesses at that name. Proxy sessions keep 0: the proxy vouches.
ALTER TABLE users ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0
