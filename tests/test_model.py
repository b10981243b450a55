"""The data passed between stages: closed verdicts, and results that cross processes intact."""

from __future__ import annotations

import pickle

from dlpgate.config import Settings
from dlpgate.model import Verdict
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message


def test_the_verdict_vocabulary_is_the_contracts_and_ordered_by_strictness():
    assert [v.value for v in sorted(Verdict, key=lambda v: v.rank)] == [
        "allow", "log", "hold", "reject"]


def test_a_result_sent_back_from_a_worker_keeps_everything_but_the_text():
    raw = make_message(to=("x@example.org",), body="some body\n")
    full = Scanner(Settings()).scan(raw, make_envelope(raw))
    slim = pickle.loads(pickle.dumps(full.without_text()))
    assert slim.message.parts == ()
    assert slim.evidence == full.evidence and slim.decision == full.decision
    assert slim.message.to == full.message.to and slim.message.size == len(raw)
