"""A message given up on after its scan failed too often: read from its headers and envelope
alone, its body and files never decoded, one problem saying why."""

from __future__ import annotations

from dlpgate.model import Envelope, Problem
from dlpgate.parse.unread import HEADER_ROOM, unread_message
from dlpgate.testing import make_message

REASON = "the scan failed 3 times (the last: scan worker died)"


def envelope(*rcpts: str) -> Envelope:
    return Envelope(mail_from="alice.jones@example-council.gov.uk", rcpt_tos=rcpts)


def test_the_addresses_come_from_the_headers_and_the_text_is_not_read():
    raw = make_message(to=("carer.home@gmail.com",), cc=("bob.smith@example-council.gov.uk",),
                       subject="Callum", body="NHS number 943 476 5919\n",
                       attachments=(("notes.pdf", "application/pdf", b"%PDF-1.7 broken"),))
    m = unread_message(raw, envelope("carer.home@gmail.com", "bob.smith@example-council.gov.uk",
                                     "hidden@nhs.net"), REASON)
    assert (m.from_addr, m.to, m.cc) == ("alice.jones@example-council.gov.uk",
                                         ("carer.home@gmail.com",),
                                         ("bob.smith@example-council.gov.uk",))
    assert m.bcc_only == ("hidden@nhs.net",)
    assert m.parts == () and m.attachments == ()
    assert m.problems == (Problem("unscannable", "body", REASON),)
    assert m.size == len(raw) and m.subject == "Callum"


def test_a_header_block_past_its_room_is_read_no_further_and_the_envelope_still_says_where():
    raw = (b"From: alice.jones@example-council.gov.uk\r\nX-Junk: "
           + b"a" * (HEADER_ROOM * 4) + b"\r\nTo: late@example.org\r\n\r\nbody\r\n")
    m = unread_message(raw, envelope("carer.home@gmail.com"), REASON)
    assert m.to == ()  # past the room: not read
    assert m.destinations == ("carer.home@gmail.com",)
    assert m.from_addr == "alice.jones@example-council.gov.uk"


def test_bytes_that_are_no_message_at_all_still_give_the_envelopes_sender_and_recipients():
    m = unread_message(b"\x00\xff\xfe" * 1000, envelope("carer.home@gmail.com"), REASON)
    assert m.from_addr == "alice.jones@example-council.gov.uk"
    assert m.bcc_only == ("carer.home@gmail.com",)
    assert len(m.problems) == 1
