"""History lookups with a million sender-recipient pairs stored: the cost per message.

    .venv/bin/python bench/history_lookup.py [--pairs 1000000]

Fills a SQLite store with synthetic correspondence (2,000 senders, 50,000
recipients), then times what the recipient assessor asks per message: the
sender's pairs for 5 recipients, the organisation's view of their domains, the sender's contacts,
and, for addresses no one here has written to, the known addresses and domains a
typing slip away (the spellings index). Then adds distribution lists (100 senders, each
sending 20 times to one of their lists of 60, a member or two changed each time), learned by
their anchors as the relay learns them, and times the group lookup for one sending of a list
(60 recipients and 30 namesakes).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlpgate.history import Pair  # noqa: E402
from dlpgate.store.sqlite import SQLiteStore  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = random.Random(1)
    senders = [f"user{i}@example-council.gov.uk" for i in range(2000)]
    recipients = [f"contact{i}@org{i % 5000}.example" for i in range(50_000)]
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/h.db")
        start = time.perf_counter()
        batch = []
        for n in range(args.pairs):
            batch.append(Pair(senders[n % len(senders)], recipients[(n * 7919) % len(recipients)],
                              1.7e9 + n))
            if len(batch) == 50_000:
                store.learn(batch)
                batch = []
        store.learn(batch)
        print(f"learned {args.pairs} pairs in {time.perf_counter() - start:.1f} s")
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
        size = Path(tmp, "h.db").stat().st_size + Path(tmp, "h.db-wal").stat().st_size
        print(f"spellings index: {rows} rows; store file {size / 1e6:.0f} MB in all")
        store.close()


if __name__ == "__main__":
    main()
