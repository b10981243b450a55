"""Tune the recipient-risk weights on the validation split of bench/misdirection.py.

    .venv/bin/python bench/tune_recipients.py [--rounds 3] [--online]

Runs the misdirection benchmark on `--split validation` (history from the first
70% of each user's training part, scored on the rest of the training part: the
held-out 30% is never read), keeps each scored recipient's signal names, and
searches the weights one at a time (coordinate ascent over a grid) for the best
mean, over the three kinds of wrong recipient, of ROC AUC + TPR at 1% + TPR at
0.5% false positives. The score is the assessor's own noisy-OR, so the result can
go straight into `recipients.weights`. Report figures with bench/misdirection.py
on the test split, never these.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.misdirection import collect  # noqa: E402
from dlpgate.config import DEFAULT_WEIGHTS  # noqa: E402
from dlpgate.detect.recipients import combine  # noqa: E402

GRID = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
        0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98]
KINDS = ("typo", "similar contact", "unseen")
# The relationship must stay an explanation: the less the sender knows the recipient,
# the higher the base risk, whatever fits the validation split best.
ORDER = ("known-correspondent", "rare-correspondent", "new-to-sender", "new-to-organisation")


# internal and known-correspondent: a colleague, or someone the sender writes to regularly,
# is the zero of the scale (left free, the tuner set a regular correspondent's base at 0.55:
# no better on the held-out split, and no explanation a sender would accept);
# confusable-address overlaps lookalike-domain on the benchmark's typos but is the issue's
# autocomplete signal in its own right; protective-marking is not exercised by the benchmark;
# bulk-exposure and mixed-audience say the audience is exposed, not that a recipient is the
# wrong one (left free, the tuner gave bulk-exposure 0.35: every recipient of a circular a
# third of the way to "wrong" for being on it); has-namesake says a mix-up is possible, not
# that one happened, so it stays a small prior (left free, the tuner gave it 0.4: every
# recipient with a similarly named contact, a fifth of them, 40% of the way to "wrong");
# often-copied-in is the habit that takes not-in-thread's place, no risk in itself;
# replies-to-another is held at 0.995, above the grid: it has never fired for a genuine
# recipient, so the grid's ceiling, not the data, was what held it at 0.98; wrote-to-us
# never fires for an injected recipient, even with --inbound (no wrong one wrote in).
FIXED = ("internal", "known-correspondent", "confusable-address", "protective-marking",
         "bulk-exposure", "mixed-audience", "has-namesake", "often-copied-in",
         "replies-to-another", "wrote-to-us")


def ordered(w: dict[str, float]) -> bool:
    return all(w[a] <= w[b] for a, b in zip(ORDER, ORDER[1:], strict=False))


def score(names: tuple[str, ...], w: dict[str, float]) -> float:
    return combine((n, w[n]) for n in names)


def figures(rows: Counter, w: dict[str, float]) -> dict[str, tuple[float, float, float]]:
    """Per kind: (AUC, TPR@1%, TPR@0.5%) from (kind, signal names) -> how many."""
    neg: list[float] = []
    pos: dict[str, list[tuple[float, int]]] = {k: [] for k in KINDS}
    for (kind, names), n in rows.items():
        s = score(names, w)
        if kind == "genuine":
            neg += [s] * n
        elif kind in pos:  # the kinds tuned for; the benchmark reports more
            pos[kind].append((s, n))
    neg.sort()
    out = {}
    for kind, scores in pos.items():
        total = sum(n for _, n in scores)
        auc = sum(n * (bisect.bisect_left(neg, s) + 0.5 * (bisect.bisect_right(neg, s)
                                                           - bisect.bisect_left(neg, s)))
                  for s, n in scores) / (total * len(neg))
        tprs = []
        for fpr in (0.01, 0.005):
            t = neg[len(neg) - 1 - int(fpr * len(neg))]  # at most fpr of genuine above t
            tprs.append(sum(n for s, n in scores if s > t) / total)
        out[kind] = (auc, *tprs)
    return out


def objective(rows: Counter, w: dict[str, float]) -> float:
    return sum(sum(f) for f in figures(rows, w).values()) / len(KINDS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--online", action="store_true",
                    help="history learned as the relay learns (bench/misdirection.py --online)")
    args = ap.parse_args()
    shown, _ = collect("validation", seed=args.seed, online=args.online)
    rows = Counter((kind, tuple(s.name for s in r.signals)) for kind, _, r, _ in shown)
    w = dict(DEFAULT_WEIGHTS)
    print(f"validation, default weights: {objective(rows, w):.4f}")
    for _ in range(args.rounds):
        for name in w:
            if name in FIXED:
                continue
            grid = [v for v in GRID if ordered({**w, name: v})]
            best = max(grid, key=lambda v: (objective(rows, {**w, name: v}), -abs(v - w[name])))
            w[name] = best
        print(f"round: {objective(rows, w):.4f}")
    for kind, (a, t1, t05) in figures(rows, w).items():
        print(f"  {kind:<16} AUC {a:.3f}  TPR@1% {t1:.3f}  TPR@0.5% {t05:.3f}")
    print({k: v for k, v in w.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
