"""Anonymous refusals on the audit trail, bounded: the first few one by one, then a count.

A refused or failed sign-in, and a link that cannot be used, is an audit entry, and
anyone who can reach the review app can cause one a request: a script trying
passwords all night buried a reviewer's reveals under a million lines. What an IG
reviewer needs of those tries is that there were some, from where, when and how many.

So such an entry is counted per kind (its action) and source network, over a window
(`audit_bursts`, one row a key): the first `each` of a window are written as they come;
the rest are held back, counted, with when the first and last came and whom they
named (at most ten), and written as one summary entry of the same action, "N more,
not recorded one by one". Every network's tries together are counted too, so many
networks cannot add `each` apiece without end: past `everywhere` of a kind in a window,
an entry is held back however few came from its own network.

A summary is written when its window has ended, by the next counted entry on any node,
or, with windows still open, whenever the trail is read through `audit_summaries` (the
audit page, its export, `quarantine audit`): what the trail shows holds what was held
back until then. The counts live in the store, so nodes sharing PostgreSQL count together,
and a summary is written once: each is claimed by one conditional statement.
"""

from __future__ import annotations

import json
import time

from dlpgate.store.base import AuditEntry

MAX_ACTORS = 10  # names a summary lists; "(others)" after them
BATCH = 500  # rows summarised a transaction
_COLUMNS = "key, action, via, source, allowed, since, ends, held, first_held, last_held, actors"


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def summary(row: tuple) -> AuditEntry:
    """The entry standing for a row's held-back entries."""
    _key, action, via, source, allowed, since, ends, held, first, last, actors = row
    names = json.loads(actors)
    where = source or "all networks together"
    detail = (f"{where}; {held} between {_utc(first)} and {_utc(last)}; past the {allowed} "
              f"recorded one by one in the {round((ends - since) / 60)} minutes from "
              f"{_utc(since)}")
    if len(names) > 1:
        detail += "; naming " + ", ".join(names)
    return AuditEntry(names[0] if len(names) == 1 else "(several)", action,
                      reason=f"{held} more, not recorded one by one", via=via,
                      detail=detail, at=last)


class AuditBursts:
    """Mixed into `sql.SQLStore`."""

    BYTEWISE = ""  # as HistoryKeeping's; PostgresStore sets both

    def _atomic(self, work):
        raise NotImplementedError

    def audit_some(self, entry: AuditEntry, source: str, each: int, everywhere: int,
                   window: float, now: float | None = None) -> bool:
        """Write `entry` (an anonymous refusal from the network `source`) unless `each` of
        its action from there, or `everywhere` from anywhere, were written in this window;
        else hold it back for a summary. True if it was written."""
        now = time.time() if now is None else now
        keys = {f"{entry.action}\0{source}": (source, each),
                f"{entry.action}\0*": ("", everywhere)}

        def work(db) -> bool:
            _, summaries = self._summarise(db, now, ended=True)
            over = []
            for key in sorted(keys):  # one order, so that two nodes' writes cannot deadlock
                where, allowed = keys[key]
                db.execute("INSERT INTO audit_bursts (key, action, via, source, allowed, since, "
                           "ends, seen) VALUES (?,?,?,?,?,?,?,1) ON CONFLICT (key) DO UPDATE "
                           "SET seen = audit_bursts.seen + 1",
                           (key, entry.action, entry.via, where, allowed, now, now + window))
                [(seen,)] = db.execute("SELECT seen FROM audit_bursts WHERE key = ?",
                                       (key,)).fetchall()
                if seen > allowed:
                    over.append(key)
            if not over:
                self._append(db, [*summaries, entry])
                return True
            blame = min(over, key=lambda k: keys[k][0] == "")  # its own network's, first
            [(actors,)] = db.execute("SELECT actors FROM audit_bursts WHERE key = ?",
                                     (blame,)).fetchall()
            names = json.loads(actors)
            if entry.actor not in names and len(names) <= MAX_ACTORS:
                names.append(entry.actor if len(names) < MAX_ACTORS else "(others)")
            db.execute("UPDATE audit_bursts SET held = held + 1, first_held = COALESCE("
                       "first_held, ?), last_held = ?, actors = ? WHERE key = ?",
                       (now, now, json.dumps(names), blame))
            self._append(db, summaries)
            return False

        return self._atomic(work)

    def audit_summaries(self, now: float | None = None) -> int:
        """Write the summary of everything held back so far, windows open or ended (before
        the trail is read), `BATCH` rows a transaction; how many summaries were written."""
        now = time.time() if now is None else now
        written = 0
        def work(db) -> tuple[int, int]:
            read, summaries = self._summarise(db, now, ended=False)
            self._append(db, summaries)
            return read, len(summaries)

        while True:
            read, wrote = self._atomic(work)
            written += wrote
            if read < BATCH:
                return written

    def _append(self, db, entries: list[AuditEntry]) -> None:
        raise NotImplementedError

    def _summarise(self, db, now: float, ended: bool) -> tuple[int, list[AuditEntry]]:
        """Summaries of the rows whose windows have ended (and delete those rows), or of
        every row holding entries back (`ended=False`; open rows go on counting). Each is
        claimed by a conditional statement on what was read: of two nodes summarising the
        same row, one writes it; a row that took another entry meanwhile is left for the
        next look. (rows read, the summaries to append: by the caller, last in its
        transaction, as every append to the audit chain is)"""
        which = "ends <= ?" if ended else "(ends <= ? OR held > 0)"
        rows = db.execute(f"SELECT {_COLUMNS} FROM audit_bursts WHERE {which} "
                          f"ORDER BY key{self.BYTEWISE} LIMIT {BATCH}", (now,)).fetchall()
        summaries = []
        for row in rows:
            key, held, last, ends = row[0], row[7], row[9], row[6]
            claim = (key, held, last or 0)
            if ends <= now:
                claimed = db.execute("DELETE FROM audit_bursts WHERE key = ? AND held = ? AND "
                                     "COALESCE(last_held, 0) = ?", claim).rowcount == 1
            else:
                claimed = db.execute("UPDATE audit_bursts SET held = 0, first_held = NULL, "
                                     "last_held = NULL, actors = '[]' WHERE key = ? AND "
                                     "held = ? AND COALESCE(last_held, 0) = ?",
                                     claim).rowcount == 1
            if claimed and held:
                summaries.append(summary(row))
        return len(rows), summaries
