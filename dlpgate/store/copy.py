"""`dlpgate db copy`: move a council's SQLite store into PostgreSQL when one node is not enough.

Copies every table row for row, in batches, into the configured (target) store;
rows already there are kept (ON CONFLICT DO NOTHING), so a copy interrupted
half-way can simply be run again. A target another installation has used is
refused (check_target). The per-install key is copied too, so the
content profiles learned so far keep their meaning. Sessions are not copied:
reviewers sign in again.

Each run says so on the source's trail before its entries are copied (a `store-copy` entry,
copied with them): the target's trail begins, or goes on, with the copy that filled it, and
the source's keeps when it was copied and how far the target had got.
"""

from __future__ import annotations

from collections.abc import Iterator

from dlpgate.store import chain
from dlpgate.store.base import AuditEntry
from dlpgate.store.sql import _AUDIT_COLUMNS, _DECISION_COLUMNS, _HELD_COLUMNS, SQLStore

TABLES: dict[str, tuple[str, str]] = {  # table: (columns, conflict target)
    "decisions": (_DECISION_COLUMNS, "scan_id"),
    "quarantine": (_HELD_COLUMNS, "id"),
    "correspondence": ("sender, recipient, count, first_seen, last_seen, replied, joined, "
                       "smallest, replied_at",
                       "sender, recipient"),
    "domains": ("domain, count, first_seen, last_seen", "domain"),
    "profiles": ("sender, recipient, token, count, seen", "sender, recipient, token"),
    "groups": ("sender, a, b, count", "sender, a, b"),
    "spellings": ("key, known", "key, known"),
    # with its credential generation: at 0 again, a browser's known cookie from before the
    # last password change would count once more (the key it is signed with is copied too)
    "users": ("username, password_hash, roles, disabled, created, mailboxes, generation",
              "username"),
    "deliveries": ("key, state, owner, scan_id, created, updated", "key"),  # retries stay once
    # a message whose scan keeps failing keeps its count: its retries go on after the move
    "scan_failures": ("key, failures, first_at, updated", "key"),
}
BATCH = 2000


class CopyRefused(Exception):
    """The target is another installation's store: copying would mix the two."""


def _batches(source: SQLStore, table: str, columns: str, key: str) -> Iterator[list[tuple]]:
    """Pages in the order of the table's whole key: by its first column alone (a sender of
    5,000 pairs) PostgreSQL may order the ties differently from one page to the next, and a
    quarter of the rows went missing while the count said all were copied."""
    offset = 0
    while True:
        rows = source._read(f"SELECT {columns} FROM {table} ORDER BY {key} LIMIT ? OFFSET ?",
                            (BATCH, offset))
        if not rows:
            return
        yield [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
        offset += len(rows)


def _key_of(store: SQLStore) -> str | None:
    rows = store._read("SELECT value FROM meta WHERE key = 'profile_key'", ())
    return rows[0][0] if rows else None


def check_target(source: SQLStore, target: SQLStore) -> None:
    """Refuses a target that a relay or a history import has already used under a key of its
    own (a node started on PostgreSQL before the copy, or a second store merged in): the
    copy kept the target's rows where both had one (a partner written to 22 times came out
    at 1), its key replaced the target's (every profile learned there lost its meaning) and
    the source's audit trail was skipped. A copy run again (the same key) goes on."""
    theirs = _key_of(target)
    if theirs is None or theirs == _key_of(source):
        return
    used = [t for t in ("correspondence", "profiles", "quarantine", "audit")
            if target._read(f"SELECT 1 FROM {t} LIMIT 1", ())]
    if used:
        raise CopyRefused(
            f"the target store already holds {', '.join(used)} of its own (a relay or an "
            "import has used it): copying into it would mix two installations' history and "
            "keys. Copy into an empty database, before any node starts on it")


def _audit_copied(source: SQLStore, target: SQLStore) -> int:
    """The source's id of the last audit entry a copy before this one wrote (0: none): the
    target's entries must be the source's first, the last of them the same place, hash and
    time."""
    [(done,)] = target._read("SELECT COUNT(*) FROM audit", ())
    if not done:
        return 0
    theirs = source._read("SELECT id, seq, hash, at FROM audit ORDER BY id LIMIT 1 OFFSET ?",
                          (int(done) - 1,))
    ours = target._read("SELECT seq, hash, at FROM audit ORDER BY id DESC LIMIT 1", ())
    if not theirs or (theirs[0][1], theirs[0][2], float(theirs[0][3])) != (
            ours[0][0], ours[0][1], float(ours[0][2])):
        raise CopyRefused(f"the target's audit trail ({done} entries) is not the start of the "
                          "source's: it was written to by something other than this copy. "
                          "Copy into an empty database, before any node starts on it")
    return int(theirs[0][0])


def copy(source: SQLStore, target: SQLStore) -> dict[str, int]:
    """Rows read from each table of `source` (and offered to `target`); `audit_kept`, the
    audit entries the target held already from an earlier run (0 on the first)."""
    check_target(source, target)
    # the key first: a copy cut short leaves the target the source's key, so that run again
    # it is this copy going on, not another installation's store (check_target refused it)
    key = source.profile_key().hex()
    target._write("INSERT INTO meta (key, value) VALUES ('profile_key', ?) ON CONFLICT (key) "
                  "DO UPDATE SET value = excluded.value", [(key,)])
    counts: dict[str, int] = {}
    for table, (columns, key) in TABLES.items():
        marks = ",".join("?" * len(columns.split(",")))
        n = 0
        for rows in _batches(source, table, columns, key):
            target._write(f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
                          f"ON CONFLICT ({key}) DO NOTHING", rows)
            n += len(rows)
        counts[table] = n
    # the audit trail: appended in its own order, once, with the refusals held back so far
    # written first as their summaries (store/bursts.py): their counts are not copied, and
    # were lost with the old store. Each entry keeps its place and hash in the chain
    # (store/chain.py), and each batch moves the target's head with it, so the copy checks as
    # the source did, and goes on from there. Run again, it goes on after the entries the
    # target holds, the source's first (a copy cut short after one batch left the rest out,
    # and the shorter chain checked intact)
    source.audit_summaries()
    last = _audit_copied(source, target)
    [(kept,)] = target._read("SELECT COUNT(*) FROM audit", ())
    source.audit(AuditEntry("system:store", "store-copy", reason=f"copied to a "
                            f"{target.BACKEND} store", via="store", detail=(
                                f"run again: the target held {kept} of the trail's entries; "
                                "the rest follow" if kept else "first copy: the target held "
                                "no audit entries")))
    n = 0
    while rows := source._read(f"SELECT id, {_AUDIT_COLUMNS}, seq, hash FROM audit "
                               "WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)):
        entries = [tuple(r[1:]) for r in rows]
        chained = [(e[-2], e[-1]) for e in entries if e[-2] is not None]
        target._transaction([(chain.INSERT, entries)] + (
            [("UPDATE audit_chain SET seq = ?, hash = ? WHERE one = 1", [max(chained)])]
            if chained else []))
        n += len(rows)
        last = rows[-1][0]
    counts["audit"], counts["audit_kept"] = n, int(kept)
    # undated profile rows copied keep the date they count from (the earlier of the two)
    dated = [float(v) for s in (source, target) for (v,) in s._read(
        "SELECT value FROM meta WHERE key = 'profiles_dated_from'", ())]
    if dated:
        target._write("INSERT INTO meta (key, value) VALUES ('profiles_dated_from', ?) ON "
                      "CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [(str(int(min(dated))),)])
    # the target's planner knows nothing yet of the rows copied (see Store.analyze)
    target.analyze((*TABLES, "audit"))
    return counts
