"""The reply catalogue: each name says its code, and outcomes map to the right class."""

from __future__ import annotations

import re

import pytest

from dlpgate import replies
from dlpgate.model import Outcome


@pytest.mark.parametrize("name, reply", sorted(replies.ALL.items()))
def test_the_digits_in_each_name_are_its_code(name, reply):
    assert re.match(r"R(\d{3})_", name).group(1) == str(reply.code)
    assert reply.status[0] == str(reply.code)[0]


def test_every_outcome_has_a_reply_of_the_right_class():
    for outcome in Outcome:
        assert replies.reply_for(outcome).code // 100 in (2, 4, 5)


def test_an_outcome_cannot_be_reported_with_a_reply_of_another_class():
    with pytest.raises(ValueError):
        replies.reply_for(Outcome.HELD, replies.R451_SCAN_FAILED)
