"""`dlpgate db copy`: move a council's SQLite store into PostgreSQL when one node is not enough.

Copies every table row for row, in batches, into the configured (target) store;
rows already there are kept (ON CONFLICT DO NOTHING), so a copy interrupted
half-way can simply be run again. The per-install key is copied too, so the
content profiles learned so far keep their meaning. Sessions are not copied:
reviewers sign in again.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    "users": ("username, password_hash, roles, disabled, created", "username"),
    "deliveries": ("key, state, owner, scan_id, created, updated", "key"),  # retries stay once
}
BATCH = 2000


def _batches(source: SQLStore, table: str, columns: str) -> Iterator[list[tuple]]:
    offset = 0
    while True:
        rows = source._read(f"SELECT {columns} FROM {table} ORDER BY 1 LIMIT ? OFFSET ?",
                            (BATCH, offset))
        if not rows:
            return
        yield [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
        offset += len(rows)


def copy(source: SQLStore, target: SQLStore) -> dict[str, int]:
    """Rows read from each table of `source` (and offered to `target`)."""
    counts: dict[str, int] = {}
    for table, (columns, key) in TABLES.items():
        marks = ",".join("?" * len(columns.split(",")))
        n = 0
        for rows in _batches(source, table, columns):
            target._write(f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
                          f"ON CONFLICT ({key}) DO NOTHING", rows)
            n += len(rows)
        counts[table] = n
    # the audit trail: appended in its own order, once (skipped if the target has entries)
    if not target.audit_log(limit=1):
        n = 0
        offset = 0
        while rows := source._read(f"SELECT {_AUDIT_COLUMNS} FROM audit ORDER BY id "
                                   "LIMIT ? OFFSET ?", (BATCH, offset)):
            target._write(f"INSERT INTO audit ({_AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?)", rows)
            n += len(rows)
            offset += len(rows)
        counts["audit"] = n
    key = source.profile_key().hex()
    target._write("INSERT INTO meta (key, value) VALUES ('profile_key', ?) ON CONFLICT (key) "
                  "DO UPDATE SET value = excluded.value", [(key,)])
    # undated profile rows copied keep the date they count from (the earlier of the two)
    dated = [float(v) for s in (source, target) for (v,) in s._read(
        "SELECT value FROM meta WHERE key = 'profiles_dated_from'", ())]
    if dated:
        target._write("INSERT INTO meta (key, value) VALUES ('profiles_dated_from', ?) ON "
                      "CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [(str(int(min(dated))),)])
    return counts
