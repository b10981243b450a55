"""What a reviewer sees before giving a reason: attachments named by place and kind, Bcc marked."""

from __future__ import annotations

import dataclasses
import time

from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.review.content import hidden_recipients, reasons_view
from dlpgate.store.base import HeldMessage
from dlpgate.testing import make_envelope, make_message

SETTINGS = Settings.model_validate({"organisation": {"internal_domains": [
    "example-council.gov.uk"]}, "detection": {"ner": False}})


def held(raw: bytes, bcc: tuple[str, ...] = ()) -> HeldMessage:
    env = make_envelope(raw, bcc=bcc)
    return HeldMessage.of(Scanner(SETTINGS).scan(raw, env), env, raw, time.time())


def test_a_bcc_recipient_with_a_tag_is_marked_beside_its_untagged_address_in_to():
    item = held(make_message(to=("jo@example.org",)), bcc=("jo+x@example.org",))
    assert hidden_recipients(item) == {"jo+x@example.org"}


def test_a_file_name_is_replaced_only_where_it_is_the_whole_word():
    raw = make_message(to=("x@example.org",), body="to the file",
                       attachments=(("to", "application/octet-stream", b"\x00\x01" * 50),))
    item = held(raw)
    item = dataclasses.replace(item, reasons=(
        "to: unrecognised binary format; sent to x@example.org",))
    assert reasons_view(item, SETTINGS) == [
        "attachment 1: unrecognised binary format; sent to x@example.org"]
