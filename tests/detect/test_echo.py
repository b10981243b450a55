"""What a reply sends back to the one who wrote it is not disclosed by sending it."""

from __future__ import annotations

import pytest

from dlpgate.config import Settings
from dlpgate.detect.echo import INLINE_NOTE, NOTE
from dlpgate.model import Envelope
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_message

SCANNER = Scanner(Settings.model_validate({
    "organisation": {"internal_domains": ["example-council.gov.uk"],
                     "partner_domains": ["nhs.net"]},
    "detection": {"ner": False}}))
OFFICER = "Joanne Marsh <joanne.marsh@example-council.gov.uk>"
RESIDENT = "c.okafor@outlook.com"
HIS_MESSAGE = (
    "\n\nFrom: Chinedu Okafor <c.okafor@outlook.com>\nSent: 03 December 2026 15:17\n"
    "To: Benefits <benefits@example-council.gov.uk>\nSubject: Council tax reduction\n\n"
    "I have been off work since August with depression and am now claiming ESA. My NI "
    "number is JT 48 29 17 B. Can my council tax reduction be looked at again?\n")
ANSWER = ("Dear Mr Okafor,\n\nThank you. I have reassessed your council tax reduction from 24 "
          "August and a new notice is in the post.\n")


def scan(body: str, to: tuple[str, ...] = (RESIDENT,), cc: tuple[str, ...] = (),
         subject: str = "RE: Council tax reduction"):
    raw = make_message(sender=OFFICER, to=to, cc=cc, subject=subject, body=body)
    return SCANNER.scan(raw, Envelope("joanne.marsh@example-council.gov.uk", to + cc))


def test_an_answer_quoting_the_residents_own_message_to_him_discloses_nothing():
    result = scan(ANSWER + HIS_MESSAGE)
    assert not {"SPECIAL_CATEGORY", "UK_NINO"} & {f.entity for f in result.evidence.findings}
    assert NOTE in result.evidence.notes
    assert result.decision.action.value in ("allow", "log")


def test_what_the_answer_itself_says_is_the_answers():
    result = scan("Dear Mr Okafor, your depression and NI number JT 48 29 17 B are noted.\n"
                  + HIS_MESSAGE)
    found = [f for f in result.evidence.findings if f.entity in ("SPECIAL_CATEGORY", "UK_NINO")]
    assert len(found) == 2 and all(f.start < len("Dear Mr Okafor, your ") + 60 for f in found)
    assert result.decision.action.value == "confirm"


@pytest.mark.parametrize("to, cc, subject", [
    # his message sent on to someone else, or with someone else copied in
    (("c.okafor.home@gmail.com",), (), "RE: Council tax reduction"),
    ((RESIDENT,), ("welfare.rights@advice-north.org.uk",), "RE: Council tax reduction"),
    ((RESIDENT,), ("gp.practice@nhs.net",), "RE: Council tax reduction"),
    # a forward answers no one
    ((RESIDENT,), (), "FW: Council tax reduction"),
])
def test_his_message_read_by_anyone_else_still_counts(to, cc, subject):
    result = scan(ANSWER + HIS_MESSAGE, to, cc, subject)
    assert {"SPECIAL_CATEGORY", "UK_NINO"} <= {f.entity for f in result.evidence.findings}
    assert NOTE not in result.evidence.notes


def test_a_colleague_copied_in_leaves_the_resident_the_only_one_outside():
    result = scan(ANSWER + HIS_MESSAGE, cc=("benefits@example-council.gov.uk",))
    assert "UK_NINO" not in {f.entity for f in result.evidence.findings}


def test_an_answer_written_inside_a_quote_marked_with_chevrons_is_read_as_the_answers():
    # "> " marks each quoted line: a line without it is the officer's, answering inline, and
    # another family's case written there is the answer's own disclosure
    quoted = ("\n\nOn 3 Dec 2026, at 15:17, Chinedu Okafor <c.okafor@outlook.com> wrote:\n"
              "> I have been off work with depression. My NI number is JT 48 29 17 B.\n"
              "> Is anyone else in the street in arrears?\n"
              "Yes: your neighbour Mrs Patel at number 14, NI number AB 12 34 56 C, since her "
              "cancer diagnosis.\n")
    result = scan(ANSWER + quoted)
    found = {(f.entity, f.start) for f in result.evidence.findings}
    inline = result.message.body.index("AB 12 34 56 C")
    assert ("UK_NINO", inline) in found  # the answer's, inside the quote
    assert ("UK_NINO", result.message.body.index("JT 48 29 17 B")) not in found  # his own
    # without the answer inside it, the chevron-quoted message is his alone, as before
    plain = scan(ANSWER + quoted.rsplit("Yes:", 1)[0])
    assert not {"UK_NINO"} & {f.entity for f in plain.evidence.findings}


# Outlook's layout marks no quoted line: an answer written inside the quote is told only by
# what the answer says above it
HIS_MESSAGE_ANSWERED = HIS_MESSAGE + (
    "Is anyone else in the street in arrears?\n"
    "[Joanne Marsh] Yes: your neighbour Mrs Patel at number 14, since her cancer diagnosis.\n")


@pytest.mark.parametrize("says", [
    "My answers are below in red.", "Please see my comments inline.",
    "I have answered your questions below.", "I've replied to each of your points below.",
    "See below in red.", "Our responses are in bold below.",
])
def test_an_answer_that_says_it_is_written_inside_the_quote_reads_the_quote_as_its_own(says):
    result = scan(ANSWER + says + "\n" + HIS_MESSAGE_ANSWERED)
    found = {(f.entity, f.start) for f in result.evidence.findings}
    body = result.message.body
    assert ("SPECIAL_CATEGORY", body.index("cancer")) in found  # another resident's, inside
    assert ("UK_NINO", body.index("JT 48 29 17 B")) in found  # his own, read with it
    assert INLINE_NOTE in result.evidence.notes and NOTE not in result.evidence.notes
    assert result.decision.action.value == "confirm"


@pytest.mark.parametrize("says", [
    "Thank you for your reply below.", "In response to your email below, I have looked into it.",
    "Please see below.", "This is in line with our policy.",
    "I have responded to the complaint below.", "Thanks for your comments below.",
])
def test_an_answer_pointing_at_the_message_below_still_sends_back_only_what_he_wrote(says):
    result = scan(ANSWER + says + "\n" + HIS_MESSAGE)
    assert not {"SPECIAL_CATEGORY", "UK_NINO"} & {f.entity for f in result.evidence.findings}
    assert NOTE in result.evidence.notes and INLINE_NOTE not in result.evidence.notes


def test_a_cue_inside_the_quote_is_his_not_the_answers():
    # "my answers below" in what he wrote says nothing of how the answer is written
    result = scan(ANSWER + HIS_MESSAGE + "My answers to your form are below in red.\n")
    assert INLINE_NOTE not in result.evidence.notes
    assert "UK_NINO" not in {f.entity for f in result.evidence.findings}
