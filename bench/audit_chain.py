"""The audit chain's cost (store/chain.py): an append, a whole walk, a walk on from the last.

    .venv/bin/python bench/audit_chain.py [--store URL] [--appends 2000] [--entries 100000]

`--store`: sqlite:///PATH (default: a new file in a temporary folder) or a PostgreSQL URL
(its `audit` table is added to: use a scratch database). Prints the median and 95th
percentile of one `store.audit()` (a transaction of its own, as a page view's entry is), in
microseconds; then, where the store has a chain (`verify_audit`), fills the trail to
`--entries` entries and times a whole walk of it (`quarantine audit --verify`, serve's daily
one) and a walk on from the last after one more entry (the audit page's). Run it with
PYTHONPATH at a checkout from before the chain for the append's cost without it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate.store.base import AuditEntry, open_store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="")
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--key", default="", help="quarantine.audit_key (empty: unkeyed)")
    args = ap.parse_args()
    url = args.store or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    store = open_store(url, args.key) if args.key else open_store(url)
    times = []
    for i in range(args.appends):
        entry = AuditEntry("web:ann", "view", f"item{i}", via="web", detail="200 after reveal")
        started = time.perf_counter()
        store.audit(entry)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    print(f"append: median {statistics.median(times):.0f} us, p95 "
          f"{times[int(len(times) * 0.95)]:.0f} us ({args.appends} appends, {url.split(':')[0]})")
    if not hasattr(store, "verify_audit"):
        return 0
    have = len(store.audit_log(limit=args.entries))
    batch = [AuditEntry("web:ann", "view", f"item{i}", via="web", detail="200 after reveal",
                        at=time.time()) for i in range(1000)]
    while have < args.entries:
        part = batch[:args.entries - have]
        store._atomic(lambda db, part=part: store._append(db, part))
        have += len(part)
    started = time.perf_counter()
    state = store.verify_audit()
    whole = time.perf_counter() - started
    print(f"whole walk: {whole:.2f} s for {state.entries} entries "
          f"({whole / state.entries * 1e6:.1f} us an entry); {state.summary()[:60]}...")
    store.audit(AuditEntry("web:ann", "audit-view", via="web"))
    started = time.perf_counter()
    state = store.verify_audit(whole=False)
    print(f"walk on from the last (one new entry): {(time.perf_counter() - started) * 1e3:.1f} ms"
          f"; intact: {state.intact}")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
