"""History lookups with a million sender-recipient pairs stored: the cost per message.

    .venv/bin/python bench/history_lookup.py [--pairs 1000000]

Fills a SQLite store with synthetic correspondence (2,000 senders, 50,000
recipients), then times what the recipient assessor asks per message: the
sender's pairs for 5 recipients, the organisation's view of their domains, the sender's contacts,
and, for addresses no one here has written to, the known addresses and domains a
typing slip away (the spellings index). Then adds distribution lists (100 senders, each
sending 20 times to one of their lists of 60, a member or two changed each time), learned by
their anchors as the relay learns them, and times the group lookup for one sending of a list
(60 recipients and 30 namesakes). Last, history retention with half the pairs past it.
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
        print(f"learned {args.pairs} pairs ({stored} distinct) in "
              f"{time.perf_counter() - start:.1f} s")
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
        done = store.expire_history(1.7e9 + args.pairs / 2)
        print(f"retention: {done['pairs']} pairs expired in {time.perf_counter() - start:.1f} s, "
              f"the longest write transaction {longest[0] * 1000:.0f} ms; an hourly run with "
              "nothing to expire: ", end="")
        start = time.perf_counter()
        store.expire_history(1.7e9 + args.pairs / 2)
        print(f"{(time.perf_counter() - start) * 1000:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
