"""The upgrade that files known addresses under their names: how long it holds the start.

    .venv/bin/python bench/name_filing.py [--addresses 1000000] [--postgres URL]

Fills a store with `--addresses` distinct recipients (first.last@ at 2,000 domains, each
written to by one of 2,000 senders) as a relay from before name keys learned them (spelling
keys filed, name keys not), marks the filing migration as not yet applied, and opens the
store again, as `serve` does after the upgrade: the opening's time is the migration's, and
the growth is what the name keys add (the SQLite file, or PostgreSQL's `spellings` table
and index). Then opens it once more: nothing left to do.

2026-12-07, a busy two-core machine: SQLite 4.6 s for 200,000 addresses (349 -> 377 MB),
21.6 s for a million (1,815 -> 1,958 MB); PostgreSQL 6.9 s and 27.3 s (`spellings` 871 -> 953
and 4,521 -> 4,929 MB), the whole opening with its ANALYZEs 8.1 s and 29.7 s.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlpgate.history import Pair  # noqa: E402
from dlpgate.store import postgres, sqlite  # noqa: E402
from dlpgate.store.keeping import NAME_MARK, spelling_keys  # noqa: E402

FIRST = ["sarah", "james", "amir", "olivia", "imran", "chloe", "david", "fatima", "liam",
         "grace", "tom", "priya", "noah", "ella", "yusuf", "ruth", "owen", "maya", "sam", "zoe"]


def addresses(n: int) -> list[str]:
    """`n` distinct addresses: first names repeat, surnames are made up, domains shared."""
    rng = random.Random(1)
    syllables = ["ka", "ro", "mi", "ten", "bar", "lo", "sh", "an", "der", "wil", "son", "ham"]
    out = []
    for i in range(n):
        surname = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        out.append(f"{rng.choice(FIRST)}.{surname}{i}@org{i % 2000}.example")
    return out


def fill(store, n: int) -> None:
    """Learn `n` addresses as a relay from before name keys did: spelling keys alone."""
    senders = [f"user{i}@example-council.gov.uk" for i in range(2000)]
    start = time.perf_counter()
    with mock.patch("dlpgate.store.sql.filed_keys", spelling_keys):
        batch = []
        for i, a in enumerate(addresses(n)):
            batch.append(Pair(senders[i % len(senders)], a, 1.7e9 + i))
            if len(batch) == 20_000:
                store.learn(batch)
                batch = []
        store.learn(batch)
    print(f"learned {n} addresses without name keys in {time.perf_counter() - start:.1f} s")


def filed_names(store) -> int:
    return store._read("SELECT count(*) FROM spellings WHERE substr(key, 1, 1) = ?",
                       (NAME_MARK,))[0][0]


def opened(make, label: str):
    start = time.perf_counter()
    store = make()
    print(f"{label}: opened in {time.perf_counter() - start:.1f} s")
    return store


def on_sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "n.db")
        url = f"sqlite:///{path}"
        store = sqlite.SQLiteStore(url)
        fill(store, n)
        store._db.execute("DELETE FROM schema_version WHERE version = ?",
                          (sqlite.NAMES_VERSION,))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = path.stat().st_size
        store.close()
        store = opened(lambda: sqlite.SQLiteStore(url), "upgraded")
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = path.stat().st_size
        names = filed_names(store)
        print(f"{names} name keys filed; store file {before / 1e6:.0f} -> {after / 1e6:.0f} MB")
        store.close()
        opened(lambda: sqlite.SQLiteStore(url), "opened again").close()


def on_postgres(url: str, n: int) -> None:
    import psycopg

    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    at = f"{url}{sep}options=-csearch_path%3D{schema}"
    size = "SELECT pg_total_relation_size('spellings')"
    try:
        with contextlib.closing(postgres.PostgresStore(at)) as store:
            fill(store, n)
            store._atomic(lambda cur: cur.execute("DELETE FROM schema_version WHERE version = ?",
                                                  (postgres.NAMES_VERSION,)))
            before = store._read(size, ())[0][0]
        with contextlib.closing(opened(lambda: postgres.PostgresStore(at), "upgraded")) as store:
            after = store._read(size, ())[0][0]
            names = filed_names(store)
            print(f"{names} name keys filed; spellings table and index "
                  f"{before / 1e6:.0f} -> {after / 1e6:.0f} MB")
        opened(lambda: postgres.PostgresStore(at), "opened again").close()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addresses", type=int, default=1_000_000)
    ap.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to run it in")
    args = ap.parse_args()
    if args.postgres:
        on_postgres(args.postgres, args.addresses)
    else:
        on_sqlite(args.addresses)


if __name__ == "__main__":
    main()
