"""Failures counted in the store so every node counts together: sign-ins to the review app,
and scans of a message (relay.max_scan_attempts).

The lockout and the slowing of a name (review/auth.py `Throttle`) were counted in each
node's memory: behind a load balancer with two review nodes a guesser had two lockouts'
worth of tries at a name and an address, and a node restarted forgot them. Here each
failure is a row under a keyed hash of what it counts against (the throttle hashes its
keys; the store sees no name or address), and a count is one indexed range read.

Sign-in failures are few (a try is refused before it is counted once its key is locked,
and a hash at a time is checked), so a row each, deleted once older than the window, keeps
the table small without a timer.
"""

from __future__ import annotations

# relay.journal_days past its last failure, with the delivery journal (sql.py prune_journal)
PRUNE_FAILURES = "DELETE FROM scan_failures WHERE updated < ?"


class SignInFailures:
    """Mixed into `sql.SQLStore`."""

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        raise NotImplementedError

    def _atomic(self, work):
        raise NotImplementedError

    def signin_failures(self, key: str, since: float) -> tuple[int, float]:
        """How many failures `key` has had since `since`, and when the last was (0 if none)."""
        [(count, last)] = self._read("SELECT COUNT(*), MAX(at) FROM signin_failures "
                                     "WHERE key = ? AND at >= ?", (key, since))
        return int(count), float(last or 0.0)

    def signin_failed(self, keys: list[str], at: float, forget_before: float) -> None:
        """A failure at `at` for each of `keys`; failures before `forget_before` go."""
        def work(db) -> None:
            db.execute("DELETE FROM signin_failures WHERE at < ?", (forget_before,))
            db.executemany("INSERT INTO signin_failures (key, at) VALUES (?, ?)",
                           [(k, at) for k in keys])

        self._atomic(work)

    def signin_forgive(self, keys: list[str], since: float) -> None:
        """One failure fewer for each key (its latest since `since`): a try counted before
        its password was checked, whose password was right."""
        def work(db) -> None:
            for k in keys:
                db.execute("DELETE FROM signin_failures WHERE id = (SELECT id FROM "
                           "signin_failures WHERE key = ? AND at >= ? ORDER BY at DESC, "
                           "id DESC LIMIT 1)", (k, since))

        self._atomic(work)

    def signin_succeeded(self, keys: list[str]) -> None:
        """Every failure of `keys` forgotten."""
        self._atomic(lambda db: db.executemany("DELETE FROM signin_failures WHERE key = ?",
                                               [(k,) for k in keys]))


class ScanFailures:
    """Mixed into `sql.SQLStore`: failed scans of one message, under its journal key.

    A message whose scan kills its worker or runs out of time is answered 451 and comes
    back minutes later from the client's queue, to whichever relay node it reaches; the
    count is one row per key in the shared store so that the nodes give up together. Only
    failures write here: a message scanned at the first try costs nothing. Rows go with the
    delivery journal's (`prune_journal`, relay.journal_days).
    """

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        raise NotImplementedError

    def _atomic(self, work):
        raise NotImplementedError

    def scan_failed(self, key: str, at: float) -> int:
        """One more failed scan of `key`; how many it has had now, this one counted."""
        def work(db) -> int:
            db.execute("INSERT INTO scan_failures (key, failures, first_at, updated) "
                       "VALUES (?, 1, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                       "failures = scan_failures.failures + 1, updated = excluded.updated",
                       (key, at, at))
            return int(db.execute("SELECT failures FROM scan_failures WHERE key = ?",
                                  (key,)).fetchall()[0][0])

        return self._atomic(work)

    def scan_failures(self, key: str) -> int:
        """How many failed scans `key` has had (0 if none)."""
        rows = self._read("SELECT failures FROM scan_failures WHERE key = ?", (key,))
        return int(rows[0][0]) if rows else 0

    def prune_scan_failures(self, cutoff: float) -> int:
        """Forget counts last raised before `cutoff` (past any client's retry window)."""
        return self._atomic(lambda db: db.execute(PRUNE_FAILURES, (cutoff,)).rowcount)
