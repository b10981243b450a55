"""Precision, recall and F2 per entity on the generated labelled corpus.

    .venv/bin/python scripts/measure_detection.py [--messages 400] [--seed 2026]

Messages go through the same pipeline as the relay (parse -> detect), with NER
forced on every message, and findings are compared with the labels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlpgate import testcorpus  # noqa: E402
from dlpgate.config import Settings  # noqa: E402
from dlpgate.pipeline import Scanner  # noqa: E402
from dlpgate.testing import make_envelope, make_message  # noqa: E402

ENTITIES = ("UK_NHS", "UK_NINO", "UK_UPN", "UK_POSTCODE", "EMAIL_ADDRESS", "PHONE_NUMBER",
            "DATE_OF_BIRTH", "PERSON", "SPECIAL_CATEGORY")
TARGETS = {"UK_NHS": (0.95, 0.98), "UK_NINO": (0.95, 0.98), "UK_UPN": (0.95, 0.98),
           "UK_POSTCODE": (0.95, 0.98), "EMAIL_ADDRESS": (0.95, 0.98),
           "PHONE_NUMBER": (0.95, 0.98), "PERSON": (0.0, 0.90), "SPECIAL_CATEGORY": (0.0, 0.95)}


def measure(n: int, seed: int) -> dict[str, dict[str, float]]:
    settings = Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"lazy": False}})
    scanner = Scanner(settings)
    corpus = testcorpus.generate(n, seed)
    found = []
    for m in corpus:
        raw = make_message(sender=f"{m.sender_name} <{m.sender}>", to=("x@example.org",),
                           subject=m.subject, body=m.body)
        result = scanner.scan(raw, make_envelope(raw))
        found.append([(f.entity, f.text) for f in result.evidence.findings
                      if f.part in ("body", "subject")])
    return testcorpus.score(corpus, found, ENTITIES)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    scores = measure(args.messages, args.seed)
    print(f"{'entity':<18}{'support':>8}{'precision':>11}{'recall':>8}{'F2':>7}  target")
    for e, s in scores.items():
        p_min, r_min = TARGETS.get(e, (0.0, 0.0))
        ok = s["precision"] >= p_min and s["recall"] >= r_min
        print(f"{e:<18}{s['support']:>8.0f}{s['precision']:>11.3f}{s['recall']:>8.3f}"
              f"{s['f2']:>7.3f}  {'ok' if ok else 'MISSED'} (P>={p_min}, R>={r_min})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
