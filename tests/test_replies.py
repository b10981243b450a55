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


@pytest.mark.parametrize("said, told", [
    ("503 Error: need RCPT command", "503 5.5.1 Error: need RCPT command"),
    ("500 Error: command \"FROB\" not recognized",
     "500 5.5.2 Error: command \"FROB\" not recognized"),
    ("552 Error: Too much mail data", str(replies.R552_TOO_BIG)),
    ("221 Bye", "221 2.0.0 Bye"),
    ("220 Ready to start TLS", "220 2.0.0 Ready to start TLS"),
    ("599 Something new", "599 5.0.0 Something new"),
    ("553 5.1.3 Error: malformed address", "553 5.1.3 Error: malformed address"),  # has one
    ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),
])
def test_a_reply_the_library_made_gets_an_enhanced_status_code(said, told):
    assert replies.with_status(said) == told
