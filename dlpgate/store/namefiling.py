"""Filing the addresses learned before name keys under their names: one migration's step.

Name keys (`keeping.name_keys`, read by `colleagues.named_alike`) came with SQLite migration
0023 and PostgreSQL 0017, and `learn` files them only for addresses it writes to. On a store
upgraded from before, the long-standing contacts (the school's safeguarding lead the team
wrote to every week last year) had none until someone wrote to them again, and
`colleagues-namesake` was silent for exactly the namesakes it exists to find. The migration
after (SQLite 0024, PostgreSQL 0018) runs `file_names` in its own transaction, so an upgraded
store answers as if it had learned every address fresh.

Written once for both backends, on the migration's connection or cursor with `?`
placeholders. The addresses are read a batch at a time, in the recipient index's order, so a
store of millions is never held in memory; the inserts ignore what is filed already, so a
second run (or a relay that learned the address meanwhile) changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dlpgate import obs
from dlpgate.history import MAX_ADDRESS
from dlpgate.store.keeping import name_keys

log = obs.logger("dlpgate.store")

# Addresses read, and filed, per round trip: two keys each, so 10,000 rows an insert.
BATCH = 5000
# How often a long filing says in the log how far it has got.
PROGRESS_SECONDS = 15.0

_FILE = "INSERT INTO spellings (key, known) VALUES (?,?) ON CONFLICT (key, known) DO NOTHING"


def file_names(db, batch: int = BATCH,
               file: Callable[[list[tuple[str, str]]], object] | None = None) -> int:
    """File every address anyone here writes to (a recipient with a count) under its name
    keys, as `learn` files an address it writes to; how many addresses were read. One too
    long for any mail system (over `MAX_ADDRESS`) is skipped, as every lookup skips it.
    `file(rows)` inserts a batch's (key, address) rows, ignoring those there already; by
    default one `executemany` (PostgreSQL passes one statement over two arrays, which took
    a third of the time). Logs what it is doing and how far it has got, never an address."""
    file = file or (lambda rows: db.executemany(_FILE, rows))
    began = last_said = time.monotonic()
    after, read = "", 0
    while rows := db.execute("SELECT DISTINCT recipient FROM correspondence WHERE recipient > ? "
                             "AND count > 0 ORDER BY recipient LIMIT ?",
                             (after, batch)).fetchall():
        if not read:
            log.info("store_filing_names", step="known addresses filed under their names for "
                     "colleagues-namesake, once, as the store is upgraded")
        known = [r for (r,) in rows]
        after = known[-1]
        if keys := [(key, k) for k in known if len(k) <= MAX_ADDRESS
                    for key in sorted(name_keys(k))]:
            file(keys)
        read += len(known)
        if time.monotonic() - last_said >= PROGRESS_SECONDS:
            last_said = time.monotonic()
            log.info("store_filing_names", addresses=read,
                     seconds=round(last_said - began, 1))
    if read:
        log.info("store_filed_names", addresses=read,
                 seconds=round(time.monotonic() - began, 1))
    return read
