"""Detection quality on the generated labelled corpus, against the targets set for it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dlpgate import testcorpus

spec = importlib.util.spec_from_file_location(
    "measure_detection", Path(__file__).resolve().parents[1] / "scripts" / "measure_detection.py")
measure_detection = importlib.util.module_from_spec(spec)
spec.loader.exec_module(measure_detection)


def test_the_corpus_is_reproducible_and_labelled():
    a, b = testcorpus.generate(20, seed=1), testcorpus.generate(20, seed=1)
    assert [m.body for m in a] == [m.body for m in b]
    assert all(m.labels or "procurement" in m.body for m in a)


def test_detection_meets_its_precision_and_recall_targets():
    scores = measure_detection.measure(n=200, seed=7)
    for entity, (p_min, r_min) in measure_detection.TARGETS.items():
        s = scores[entity]
        assert s["support"] > 0, entity
        assert s["precision"] >= p_min, (entity, s)
        assert s["recall"] >= r_min, (entity, s)


def test_scoring_counts_misses_and_false_alarms():
    msg = testcorpus.LabelledMessage("s", "b", [("UK_NHS", "943 476 5919")])
    scores = testcorpus.score([msg], [[("UK_NHS", "123 456 7890")]], ("UK_NHS",))
    assert scores["UK_NHS"]["recall"] == 0.0 and scores["UK_NHS"]["precision"] == 0.0
