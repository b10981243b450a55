"""The data passed between stages: closed verdicts, and results that cross processes intact."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from dlpgate.config import DEFAULT_WEIGHTS, Settings
from dlpgate.model import IN_FAVOUR, RecipientSignal, Signal, Verdict
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message


def test_the_verdict_vocabulary_is_the_contracts_and_ordered_by_strictness():
    assert [v.value for v in sorted(Verdict, key=lambda v: v.rank)] == [
        "allow", "log", "hold", "reject"]


def test_every_recipient_signal_is_documented_weighted_and_no_other_is():
    interface = (Path(__file__).parents[1] / "docs" / "interface.md").read_text()
    section = interface.split("## Recipient signals")[1].split("\n## ")[0]
    documented = set(re.findall(r"`([a-z-]+)`", section))
    assert documented == set(RecipientSignal) == set(DEFAULT_WEIGHTS)


def test_what_the_score_counts_for_a_recipient_is_what_reviewers_are_shown_in_its_favour():
    from dlpgate.detect.recipients import MITIGATING, RELATIONSHIPS

    assert set(MITIGATING) <= IN_FAVOUR  # every signal that damps the risk
    # the relationships with the lowest base, and none that raises the risk
    assert IN_FAVOUR - set(MITIGATING) == {RecipientSignal.INTERNAL, RecipientSignal.PARTNER,
                                           RecipientSignal.KNOWN_CORRESPONDENT}
    assert set(RELATIONSHIPS[:3]) == IN_FAVOUR - set(MITIGATING)
    assert "greeted" in IN_FAVOUR and "lookalike-domain" not in IN_FAVOUR  # names as kept


def test_a_signal_named_outside_the_vocabulary_is_an_error_where_it_is_made():
    assert Signal("new-to-sender", "").name is RecipientSignal.NEW_TO_SENDER
    with pytest.raises(ValueError, match="new-to-sendr"):
        Signal("new-to-sendr", "")


def test_a_result_sent_back_from_a_worker_keeps_everything_but_the_text():
    raw = make_message(to=("x@example.org",), body="some body\n")
    full = Scanner(Settings()).scan(raw, make_envelope(raw))
    slim = pickle.loads(pickle.dumps(full.without_text()))
    assert slim.message.parts == ()
    assert slim.evidence == full.evidence and slim.decision == full.decision
    assert slim.message.to == full.message.to and slim.message.size == len(raw)
