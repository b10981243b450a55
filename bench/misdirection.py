"""Misdirection: how well the recipient score separates wrong recipients from genuine ones.

    .venv/bin/python bench/misdirection.py [--train 0.7] [--seed 1]

On the Enron sent mail (../shared/corpora/enron-sent), per user in date order:
history is learned from the first 70% of their messages (all users into one
store, the organisation's), and each later message is scored as sent (its
genuine recipients) and in copies with one wrong recipient injected:

- typo: a genuine recipient with one slip in the domain or the local part;
- similar contact: another of the user's own correspondents with a similar name
  (a real, known address: the autocomplete error);
- unseen: an address at a domain no one in the organisation has written to.

Prints, per kind and overall, ROC AUC of injected against genuine recipients and
the true-positive rate at 1% and 0.5% false positives, and the share of genuine
held-out recipients flagged as new or look-alike.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testdata  # noqa: E402
from dlpgate.config import Settings  # noqa: E402
from dlpgate.detect.lookalike import distance, split  # noqa: E402
from dlpgate.detect.recipients import RecipientRiskAssessor  # noqa: E402
from dlpgate.detect.registry import Context  # noqa: E402
from dlpgate.history import normalise, pairs_from_message  # noqa: E402
from dlpgate.model import Envelope  # noqa: E402
from dlpgate.parse.mime import parse  # noqa: E402
from dlpgate.record import learn_sent  # noqa: E402
from dlpgate.store.sqlite import SQLiteStore  # noqa: E402

ENRON = ROOT.parent / "shared" / "corpora" / "enron-sent"
WORDS = ["amber", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "harbour", "indigo",
         "juniper", "kestrel", "lumen", "meadow", "nimbus", "orchid", "pebble", "quarry", "raven"]
FLAGGED = {"new-to-sender", "new-to-organisation", "lookalike-domain", "confusable-address"}


def typo(address: str, rng: random.Random) -> str:
    local, _, domain = address.rpartition("@")
    if rng.random() < 0.5:
        name, suffix = split(domain)
        head, _, label = name.rpartition(".")
        label = testdata.slip(label, rng)
        return f"{local}@{head + '.' if head else ''}{label}.{suffix}"
    return f"{testdata.slip(local, rng)}@{domain}"


def similar_contact(genuine: list[str], contacts: list[str]) -> str | None:
    best = None
    for g in genuine:
        g_local = g.rpartition("@")[0]
        g_first = g_local.replace("_", ".").split(".")[0]
        for c in contacts:
            if c in genuine:
                continue
            c_local = c.rpartition("@")[0]
            d = distance(g_local, c_local, 4)
            same_first = len(g_first) > 2 and c_local.replace("_", ".").split(".")[0] == g_first
            if (same_first or d <= 4) and (best is None or d < best[0]):
                best = (d, c)
    return best[1] if best else None


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability a random injected recipient scores above a random genuine one."""
    neg_sorted = sorted(neg)
    import bisect

    total = 0.0
    for p in pos:
        lo = bisect.bisect_left(neg_sorted, p)
        hi = bisect.bisect_right(neg_sorted, p)
        total += lo + 0.5 * (hi - lo)
    return total / (len(pos) * len(neg)) if pos and neg else float("nan")


def tpr_at(pos: list[float], neg: list[float], fpr: float) -> float:
    """The best true-positive rate with a threshold whose false-positive rate <= fpr."""
    best = 0.0
    for t in sorted(set(neg) | set(pos)):
        if sum(n > t for n in neg) / len(neg) <= fpr:
            best = max(best, sum(p > t for p in pos) / len(pos))
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=float, default=0.7)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not ENRON.is_dir():
        print(f"corpus not found at {ENRON}")
        return 2
    rng = random.Random(args.seed)
    settings = Settings.model_validate({"organisation": {"internal_domains": ["enron.com"]}})
    assessor = RecipientRiskAssessor(settings)
    users = sorted(p for p in ENRON.iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/history.db")
        held_out: list[tuple[str, bytes]] = []
        for user in users:
            files = sorted(user.glob("*.eml"), key=lambda p: int(p.stem))
            cut = int(len(files) * args.train)
            key = store.profile_key()
            for f in files[:cut]:
                learn_sent(store, f.read_bytes(), key)
            held_out += [(user.name, f.read_bytes()) for f in files[cut:]]
        genuine: list[float] = []
        flagged = 0
        injected: dict[str, list[float]] = defaultdict(list)
        skipped = 0
        started = time.perf_counter()
        lookups = 0
        for _user, raw in held_out:
            pairs = pairs_from_message(raw)
            if not pairs:
                continue
            sender = pairs[0].sender
            rcpts = [p.recipient for p in pairs]
            msg = parse(raw, Envelope(sender, tuple(rcpts)))
            when = max((p.when for p in pairs), default=0.0) or None
            ctx = Context(settings, store, now=when)  # recency as of the message's date
            risks = list(assessor.assess(msg, ctx))
            lookups += 1
            for r in risks:
                genuine.append(r.risk)
                flagged += bool({s.name for s in r.signals} & FLAGGED)
            wrong = {
                "typo": typo(rng.choice(rcpts), rng),
                "similar contact": similar_contact(
                    rcpts, [c.recipient for c in store.contacts(sender, 300)]),
                "unseen": f"{rng.choice(WORDS)}.{rng.choice(WORDS)}@"
                          f"{rng.choice(WORDS)}{rng.choice(WORDS)}-{rng.randrange(99)}.com",
            }
            for kind, address in wrong.items():
                if not address or address in rcpts:
                    skipped += 1
                    continue
                m = parse(raw, Envelope(sender, tuple(rcpts + [address])))
                got = {normalise(r.address): r.risk for r in assessor.assess(m, ctx)}
                injected[kind].append(got[normalise(address)])
        took = time.perf_counter() - started
        store.close()

    print(f"{len(held_out)} held-out messages, {len(genuine)} genuine recipients "
          f"({sum(len(v) for v in injected.values())} injected, {skipped} not injectable); "
          f"{1000 * took / max(1, lookups * 4):.2f} ms per scored message")
    print(f"genuine recipients flagged new or look-alike: {flagged / len(genuine):.1%}")
    print(f"{'kind':<16}{'n':>6}{'ROC AUC':>9}{'TPR@1%':>8}{'TPR@0.5%':>10}")
    everything: list[float] = []
    for kind, scores in injected.items():
        everything += scores
        print(f"{kind:<16}{len(scores):>6}{auc(scores, genuine):>9.3f}"
              f"{tpr_at(scores, genuine, 0.01):>8.3f}{tpr_at(scores, genuine, 0.005):>10.3f}")
    print(f"{'all':<16}{len(everything):>6}{auc(everything, genuine):>9.3f}"
          f"{tpr_at(everything, genuine, 0.01):>8.3f}{tpr_at(everything, genuine, 0.005):>10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
