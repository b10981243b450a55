"""Whom a message's own text writes about: the person a reply to all discusses, read apart
from the person it speaks to."""

from __future__ import annotations

import pytest

from dlpgate.detect.about import person, written_about
from dlpgate.detect.greeting import display_names
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SARAH = "Sarah Khan <sarah.khan@nhs.net>"
KERRY = "Kerry Doyle <kerry.doyle@gmail.com>"
EMMA = "Emma Clarke <emma.clarke@example-council.gov.uk>"
THREAD = ("\n\nFrom: Kerry Doyle <kerry.doyle@gmail.com>\nSent: 01 December 2026 10:00\n"
          "To: Emma Clarke; Sarah Khan\nSubject: Jayden\n\nKerry Doyle has asked to move it.\n")


def about(body: str, to: tuple[str, ...] = (SARAH, KERRY), sender: str = EMMA,
          asked: tuple[str, ...] = ("kerry.doyle@gmail.com",)) -> dict[str, str]:
    message = parse(make_message(sender=sender, to=list(to), subject="RE: Jayden", body=body))
    shown = display_names(message)
    return written_about(message, list(asked), list(shown), shown)


@pytest.mark.parametrize("text, said", [
    ("Kerry Doyle did not attend the core group again.", "Kerry Doyle"),
    ("Kerry has not engaged, and we are considering legal planning.", "Kerry"),
    ("Kerry's tenancy is at risk.", "Kerry"),
    ("Kerry (mum) said she would bring him.", "Kerry"),
    ("Ms Doyle has been told what happens next.", "Ms Doyle"),
    ("We met Jayden and Kerry Doyle at home.", "Kerry Doyle"),
    ("I visited Kerry yesterday and she was not coping.", "Kerry"),
    ("We spoke about Kerry at length.", "Kerry"),
    ("Kerry and Dan have not engaged.", "Kerry"),
])
def test_a_recipient_the_text_speaks_of_in_the_third_person_is_written_about(text, said):
    assert about(f"Hi Sarah,\n\n{text}\n\nEmma{THREAD}") == {"kerry.doyle@gmail.com": said}


@pytest.mark.parametrize("text", [
    "Thanks both. Kerry, could you confirm Thursday?",  # asked by name
    "Kerry can you confirm Thursday?",
    "See you on Thursday.\nThanks Kerry",
    "I've copied in Kerry Doyle so she knows the date.",  # brought in by name
    "Kerry is copied in.",
    "Thursday is fine.",  # the quoted message below names her: not this text
])
def test_a_recipient_spoken_to_or_brought_in_is_not_written_about(text):
    assert about(f"Hi Sarah,\n\n{text}\n\nEmma{THREAD}") == {}


def test_a_first_name_another_recipient_shares_is_no_one_in_particular():
    to = (SARAH, KERRY, "Kerry Smith <kerry.smith@hotmail.com>")
    assert about("Hi Sarah,\n\nKerry has not engaged.\n\nEmma", to=to) == {}
    # written in full, it is still her
    assert about("Hi Sarah,\n\nKerry Doyle has not engaged.\n\nEmma", to=to) == {
        "kerry.doyle@gmail.com": "Kerry Doyle"}


def test_a_first_name_that_is_a_word_opening_a_sentence_is_the_word():
    to = (SARAH, "Will Jones <will.jones@gmail.com>")
    asked = ("will.jones@gmail.com",)
    assert about("Hi Sarah,\n\nWill you be at the review?\n\nEmma", to=to, asked=asked) == {}
    assert about("Hi Sarah,\n\nI saw Will at the review.\n\nEmma", to=to, asked=asked) == {
        "will.jones@gmail.com": "Will"}


def test_the_senders_own_first_name_is_not_read_as_the_recipients():
    sender = "Kerry Jones <kerry.jones@example-council.gov.uk>"
    assert about("Hi Sarah,\n\nKerry will call you on Monday.\n\nKerry", sender=sender) == {}


def test_a_name_a_directory_lists_surname_first_is_read_the_right_way_round():
    assert person("kerry.doyle@gmail.com", "Doyle, Kerry") == person(
        "kerry.doyle@gmail.com", "Kerry Doyle")
    assert person("head@school.sch.uk", "Ann Lee") is None  # a role's mailbox
