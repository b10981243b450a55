"""History lookups with a million sender-recipient pairs stored: the cost per message.

    .venv/bin/python bench/history_lookup.py [--pairs 1000000] [--postgres URL]

Fills a SQLite store with synthetic correspondence (2,000 senders, 50,000
recipients), then times what the recipient assessor asks per message: the
sender's pairs for 5 recipients, the organisation's view of their domains, the sender's contacts,
and, for addresses no one here has written to, the known addresses and domains a
typing slip away (the spellings index), and, for recipients the sender has written to, the
addresses colleagues write to under the same first name or surname at the same domain (the
name keys in that index: `colleagues-namesake`). Then adds distribution lists (100 senders, each
sending 20 times to one of their lists of 60, a member or two changed each time), learned by
their anchors as the relay learns them, and times the group lookup for one sending of a list
(60 recipients and 30 namesakes). Last, history retention with half the pairs past it.

`--postgres URL` runs the same on PostgreSQL, in a schema made for the run and dropped after.

The lookups are timed on a store in its steady state: after the fill the store is analyzed,
as `history import`, `history learn` and `db copy` do at their end, and as autovacuum does
of a store the relays fill. The spelling lookup is first timed a few times before that, as
a store stands just after a bulk load no one analyzed (on PostgreSQL it then reads all of
`spellings` for each message; SQLite needs no statistics).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlpgate.history import Pair  # noqa: E402
from dlpgate.store.sqlite import SQLiteStore  # noqa: E402

try:
    from dlpgate.detect.namesakes import colleagues_namesakes
except ImportError:  # a tree from before it, measured for comparison
    colleagues_namesakes = None


@contextlib.contextmanager
def postgres(url: str):
    """A PostgreSQL store in a schema of its own, dropped afterwards."""
    import psycopg

    from dlpgate.store.postgres import PostgresStore

    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    store = None
    try:
        sep = "&" if "?" in url else "?"
        store = PostgresStore(f"{url}{sep}options=-csearch_path%3D{schema}")
        yield store
    finally:
        if store is not None:
            store.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to run it in")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            with postgres(args.postgres) as store:
                run(store, args.pairs, None)
        else:
            store = SQLiteStore(f"sqlite:///{tmp}/h.db")
            run(store, args.pairs, Path(tmp, "h.db"))
            store.close()


def run(store, pairs: int, path: Path | None) -> None:
    """Fill `store` with `pairs` pairs and time the lookups (`path`: SQLite's file)."""
    rng = random.Random(1)
    senders = [f"user{i}@example-council.gov.uk" for i in range(2000)]
    recipients = [f"contact{i}@org{i % 5000}.example" for i in range(50_000)]
    start = time.perf_counter()
    batch = []
    for n in range(pairs):
        # each sender its own run of recipients, so that every pair is a distinct one
        # (n * 7919 alone repeats after 50,000: a million rows counted 50,000 pairs)
        s, k = n % len(senders), n // len(senders)
        batch.append(Pair(senders[s], recipients[(s * 7919 + k * 101) % len(recipients)],
                          1.7e9 + n))
        if len(batch) == 50_000:
            store.learn(batch)
            batch = []
    store.learn(batch)
    stored = store._read("SELECT count(*) FROM correspondence", ())[0][0]
    print(f"learned {pairs} pairs ({stored} distinct) in "
          f"{time.perf_counter() - start:.1f} s")
    if hasattr(store, "analyze"):  # not in a tree from before it
        cold = random.Random(3)  # its own draws: the lines after it see the same as before
        start = time.perf_counter()
        for _ in range(20):
            slips = [r.replace("contact", "contcat", 1) for r in cold.sample(recipients, 5)]
            store.near(slips + sorted({"@" + s.rpartition("@")[2] for s in slips}))
        print(f"the same spellings lookup as below, just loaded, not analyzed: "
              f"{(time.perf_counter() - start) / 20 * 1000:.3f} ms")
        start = time.perf_counter()
        store.analyze()
        print(f"analyzed (as an import does at its end) in {time.perf_counter() - start:.1f} s")
    lookups = 2000
    start = time.perf_counter()
    for _ in range(lookups):
        sender = rng.choice(senders)
        rcpts = rng.sample(recipients, 5)
        store.correspondence(sender, rcpts)
        store.domains(sorted({r.rpartition("@")[2] for r in rcpts}))
    per = (time.perf_counter() - start) / lookups * 1000
    print(f"correspondence + domains for 5 recipients: {per:.3f} ms per message")
    start = time.perf_counter()
    for _ in range(lookups):
        store.contacts(rng.choice(senders))
    print(f"a sender's contacts (new recipient path): "
          f"{(time.perf_counter() - start) / lookups * 1000:.3f} ms")
    start = time.perf_counter()
    for _ in range(lookups):
        slips = [r.replace("contact", "contcat", 1) for r in rng.sample(recipients, 5)]
        found = store.near(slips + sorted({"@" + s.rpartition("@")[2] for s in slips}))
    print(f"known spellings near 5 unheard-of addresses and their domains: "
          f"{(time.perf_counter() - start) / lookups * 1000:.3f} ms "
          f"({len(found)} of 10 found one)")
    if colleagues_namesakes is not None:  # not in a tree from before it
        other = random.Random(2)  # its own draws: the lines after it see the same as before
        start = time.perf_counter()
        had = 0
        for _ in range(lookups):
            rcpts = other.sample(recipients, 5)
            had += len(colleagues_namesakes(rcpts, set(rcpts), other.choice(senders), store))
        print(f"colleagues' namesakes of 5 recipients the sender writes to: "
              f"{(time.perf_counter() - start) / lookups * 1000:.3f} ms "
              f"({had / lookups:.1f} of 5 have one)")
    lists = {}
    for i in range(100):
        members = rng.sample(recipients, 60)
        lists[senders[i]] = members
        sendings = []
        for _ in range(20):
            members = members[:-2] + rng.sample(recipients, 2) if rng.random() < 0.5 \
                else members
            sendings.append((senders[i], tuple(members)))
        store.learn_groups(sendings)
    groups = store._read("SELECT count(*) FROM groups", ())[0][0]
    start = time.perf_counter()
    for _ in range(lookups // 4):
        sender = rng.choice(list(lists))
        store.together(sender, lists[sender] + rng.sample(recipients, 30))
    print(f"group pairs for a list of 60 and 30 namesakes ({groups} group rows stored): "
          f"{(time.perf_counter() - start) / (lookups // 4) * 1000:.3f} ms")
    rows = store._read("SELECT count(*) FROM spellings", ())[0][0]
    size = "" if path is None else (
        f"; store file {(path.stat().st_size + Path(f'{path}-wal').stat().st_size) / 1e6:.0f} "
        "MB in all")
    print(f"spellings index: {rows} rows{size}")
    # Retention: the older half of the pairs past recipients.history_days at once, as on
    # the first expiry after an upgrade; the longest write transaction is what the relay,
    # committing held mail, could wait behind.
    longest = [0.0]
    atomic = store._atomic

    def timed(work):
        began = time.perf_counter()
        try:
            return atomic(work)
        finally:
            longest[0] = max(longest[0], time.perf_counter() - began)

    store._atomic = timed
    start = time.perf_counter()
    done = store.expire_history(1.7e9 + pairs / 2)
    print(f"retention: {done['pairs']} pairs expired in {time.perf_counter() - start:.1f} s, "
          f"the longest write transaction {longest[0] * 1000:.0f} ms; an hourly run with "
          "nothing to expire: ", end="")
    start = time.perf_counter()
    store.expire_history(1.7e9 + pairs / 2)
    print(f"{(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
