"""How long correspondence history is kept, what it holds about one address, and erasing it.

The history is personal data about the people a council writes to: who wrote to whom,
how often, when, and keyed hashes of what went to them. UK GDPR asks that it be kept
no longer than it is useful (`recipients.history_days`, applied by `serve` every
`quarantine.expire_interval` and by `dlpgate history expire`), that a person can be
told what is held about them (`dlpgate history show`), and that it can be erased on
request (`dlpgate history forget`). Held messages and the decisions log are not here:
quarantine retention and the review app look after those.

Written once for both backends, on the same `_read` and `_atomic` as `sql.SQLStore`.
Two kinds of statement read whole tables. Retention finds old pairs by `last_seen`,
which has no index (one would be rewritten on every message learned; the hourly read of
a million rows takes some 40 ms), then deletes by primary key; old profile words, by
`seen`, likewise unindexed, in one pass over each sender's profile a day. Showing and erasing an
address search the profiles and groups for it on their far side: that is rare and must
be complete, so they read the tables rather than trust that every profile row has a
correspondence row beside it.
"""

from __future__ import annotations

import re
import time

from dlpgate.store.base import Correspondence, HistoryHeld

# Addresses per statement (each used up to three times): inside the 999 parameters an
# older SQLite allows.
_CHUNK = 300
# Pairs deleted per transaction by history retention.
EXPIRE_BATCH = 2000


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


class HistoryKeeping:
    """Mixed into `sql.SQLStore`."""

    # Text ordered by its bytes, as SQLite orders it (PostgresStore: COLLATE "C"): a
    # PostgreSQL database made with a language's collation (en-GB) put sarah_khan@ before
    # sarah.khan@, so a tie named another contact on each store.
    BYTEWISE = ""

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        raise NotImplementedError

    def _atomic(self, work):
        raise NotImplementedError

    def take_turn(self, job: str, every: float, now: float) -> bool:
        """Whether this caller runs `job` now: True for the first to ask once `every` seconds
        have passed since the job's last run on any node (kept in `meta`), False for the
        rest. One conditional upsert, so of several nodes asking together exactly one wins,
        and a restart does not run a daily job again."""
        def claim(cur) -> bool:
            return cur.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value WHERE CAST(meta.value AS BIGINT) <= ?",
                (f"turn:{job}", str(int(now)), int(now - every))).rowcount == 1
        return self._atomic(claim)

    def held_about(self, address: str) -> HistoryHeld:
        """Everything the history holds that names `address` (normalised), without text."""
        rows = self._read(
            "SELECT sender, recipient, count, first_seen, last_seen, replied, joined, smallest "
            "FROM correspondence WHERE recipient = ? ORDER BY last_seen DESC, "
            f"sender{self.BYTEWISE}", (address,))
        written_by = tuple((r[0], Correspondence(r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]))
                           for r in rows)
        [(writes_to,)] = self._read(
            "SELECT count(*) FROM correspondence WHERE sender = ? AND count > 0", (address,))
        [(profile_rows,)] = self._read(
            "SELECT count(*) FROM profiles WHERE sender = ? OR recipient = ?", (address, address))
        [(group_rows,)] = self._read(
            "SELECT count(*) FROM groups WHERE sender = ? OR a = ? OR b = ?",
            (address, address, address))
        keys = sorted(filed_keys(address))
        marks = ",".join("?" * len(keys))
        [(spellings,)] = self._read(
            f"SELECT count(*) FROM spellings WHERE key IN ({marks}) AND known = ?",
            (*keys, address))
        return HistoryHeld(address, written_by, writes_to, profile_rows, group_rows, spellings)

    def history_stats(self) -> dict[str, float | int | None]:
        """What the history holds in all, for an operator checking an import or retention:
        counts, and the oldest and newest last message of any pair (no address)."""
        [(pairs, senders, oldest, newest)] = self._read(
            "SELECT count(*), count(DISTINCT sender), min(last_seen), max(last_seen) "
            "FROM correspondence WHERE count > 0", ())
        [(addresses,)] = self._read(
            "SELECT count(DISTINCT recipient) FROM correspondence WHERE count > 0", ())
        [(replies,)] = self._read("SELECT count(*) FROM correspondence WHERE replied = 1", ())
        [(domains,)] = self._read("SELECT count(*) FROM domains", ())
        [(words,)] = self._read("SELECT count(*) FROM profiles", ())
        [(groups,)] = self._read("SELECT count(*) FROM groups", ())
        return {"pairs": pairs, "senders": senders, "addresses": addresses, "replied": replies,
                "domains": domains, "profile_words": words, "group_pairs": groups,
                "oldest_last_seen": oldest, "newest_last_seen": newest}

    def forget(self, addresses: list[str]) -> dict[str, int]:
        """Erase every row of the history that names one of `addresses` (normalised): as
        sender or recipient, in content profiles, groups and near spellings. One
        transaction; returns the rows deleted per table. The organisation's count of mail
        to each domain stays: it names no one."""
        addresses = sorted(set(addresses))

        def work(db) -> dict[str, int]:
            done = dict.fromkeys(("correspondence", "profiles", "groups", "spellings"), 0)
            for part in _chunks(addresses):
                m = ",".join("?" * len(part))
                for table, where, times in (
                        ("correspondence", f"sender IN ({m}) OR recipient IN ({m})", 2),
                        ("profiles", f"sender IN ({m}) OR recipient IN ({m})", 2),
                        ("groups", f"sender IN ({m}) OR a IN ({m}) OR b IN ({m})", 3)):
                    cur = db.execute(f"DELETE FROM {table} WHERE {where}", tuple(part) * times)
                    done[table] += max(cur.rowcount, 0)
            for address in addresses:
                for key in sorted(filed_keys(address)):
                    cur = db.execute("DELETE FROM spellings WHERE key = ? AND known = ?",
                                     (key, address))
                    done["spellings"] += max(cur.rowcount, 0)
            # relays learning meanwhile have these filed in their caches (`learn`)
            db.execute("INSERT INTO meta (key, value) VALUES ('erased_at', ?) ON CONFLICT (key) "
                       "DO UPDATE SET value = excluded.value", (repr(time.time()),))
            return done

        done = self._atomic(work)
        self._unfile(addresses)
        return done

    def expire_history(self, cutoff: float) -> dict[str, int]:
        """Delete correspondence last seen before `cutoff` (unix time), by either side (our
        last message, `last_seen`, and their last reply, `replied_at`), with the content
        profiles and groups learned with it, and domains no one has written to since;
        near spellings of addresses and domains no longer known go with them. Returns the
        pairs and domains deleted.

        A few thousand pairs a transaction, found by a read outside it: the first expiry
        of a store that has learned years of mail must not hold the write lock the relay
        needs to commit held mail. Each deletion asks `last_seen < cutoff` again, so a pair
        written to between the read and the write stays.
        """
        pairs, lost = 0, []
        while True:
            found = self._read("SELECT sender, recipient FROM correspondence WHERE last_seen < ? "
                               "AND (replied_at IS NULL OR replied_at < ?) LIMIT ?",
                               (cutoff, cutoff, EXPIRE_BATCH))
            if not found:
                break
            gone = self._atomic(lambda db, found=found: self._expire_pairs(db, found, cutoff))
            pairs += len(gone)
            lost += sorted({r for _, r in gone})
            if len(found) < EXPIRE_BATCH:
                break

        def domains_work(db) -> list[str]:
            domains = [d for (d,) in db.execute(
                "SELECT domain FROM domains WHERE last_seen < ?", (cutoff,)).fetchall()]
            db.execute("DELETE FROM domains WHERE last_seen < ?", (cutoff,))
            db.executemany("DELETE FROM spellings WHERE key = ? AND known = ?",
                           [(k, "@" + d) for d in domains for k in sorted(spelling_keys("@" + d))])
            return domains

        domains = self._atomic(domains_work)
        self._unfile(lost + domains)
        return {"pairs": pairs, "domains": len(domains)}

    def expire_words(self, cutoff: float) -> int:
        """Delete the profile words last sent between two addresses before `cutoff`, where
        the two still correspond (pairs that do not are gone with `expire_history`): the
        history keeps what went to someone in the last `history_days`, not everything ever.
        Words learned before profiles were dated count from the upgrade. One sender a
        transaction, each through the primary key; returns the words deleted."""
        dated = self._read("SELECT value FROM meta WHERE key = 'profiles_dated_from'", ())
        undated_old = bool(dated) and float(dated[0][0]) < cutoff
        senders = [s for (s,) in self._read("SELECT DISTINCT sender FROM correspondence", ())]
        sql = ("DELETE FROM profiles WHERE sender = ? AND "
               + ("(seen < ? OR seen IS NULL)" if undated_old else "seen < ?"))
        return sum(self._atomic(lambda db, s=s: max(db.execute(sql, (s, cutoff)).rowcount, 0))
                   for s in senders)

    @staticmethod
    def _expire_pairs(db, found: list[tuple], cutoff: float) -> list[tuple[str, str]]:
        """One batch: the pairs still past `cutoff`, with their profiles, groups and (for an
        address no one here writes to any more) near spellings."""
        gone = [(s, r) for s, r in found if db.execute(
            "DELETE FROM correspondence WHERE sender = ? AND recipient = ? AND last_seen < ? "
            "AND (replied_at IS NULL OR replied_at < ?)", (s, r, cutoff, cutoff)).rowcount]
        if not gone:
            return []
        db.executemany("DELETE FROM profiles WHERE sender = ? AND recipient = ?", gone)
        db.executemany("DELETE FROM groups WHERE sender = ? AND a = ?", gone)
        db.executemany("DELETE FROM groups WHERE sender = ? AND b = ?", gone)
        for part in _chunks(sorted({r for _, r in gone})):
            m = ",".join("?" * len(part))
            still = {r for (r,) in db.execute(
                f"SELECT DISTINCT recipient FROM correspondence WHERE recipient IN ({m}) "
                "AND count > 0", tuple(part)).fetchall()}
            db.executemany("DELETE FROM spellings WHERE key = ? AND known = ?",
                           [(k, r) for r in part if r not in still
                            for k in sorted(filed_keys(r))])
        return gone

    def _unfile(self, known: list[str]) -> None:
        """Forget that these were filed in `spellings` (see `sql.SQLStore.learn`), so that
        learning them again files them again."""
        filed = self.__dict__.get("_filed")
        if filed:
            filed.difference_update(known)
            filed.difference_update("@" + k for k in known)


def spelling_keys(known: str) -> set[str]:
    """The keys an address (or '@domain') is filed under in `spellings`: itself, and itself
    with one character of its local part (of a domain: of its name) left out. The same
    rule as the table's migrations."""
    head, at, tail = known.partition("@")
    if not at:
        return {known}
    if head:
        return {known} | {f"{head[:i]}{head[i + 1:]}@{tail}" for i in range(len(head))}
    return {known} | {f"@{tail[:i]}{tail[i + 1:]}" for i in range(len(tail))}


# A name key starts with a control character, which no address has (`history.normalise`
# refuses them), so no spelling key is ever one and `near` never finds a name.
NAME_MARK = "\x01"
_NAME_WORD = re.compile(r"[a-z]{3,}")  # as `names.similar_names` reads an address's names


def name_keys(known: str) -> set[str]:
    """The names an address is filed under in `spellings` for colleagues' namesakes: its
    first name and its surname at its domain (sarah.khan@nhs.net under sarah and khan at
    nhs.net), as `names.similar_names` reads them. None for a domain, or an address with
    no name of three letters."""
    head, at, tail = known.rpartition("@")
    words = _NAME_WORD.findall(head) if at and head else []
    if not words:
        return set()
    return {f"{NAME_MARK}f{words[0]}@{tail}", f"{NAME_MARK}l{words[-1]}@{tail}"}


def filed_keys(known: str) -> set[str]:
    """Every key an address (or '@domain') is filed under in `spellings`."""
    return spelling_keys(known) | name_keys(known)
