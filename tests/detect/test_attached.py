"""The wrong attachment: a document about someone other than the person the message says it
sends the document of."""

from __future__ import annotations

import pytest

from dlpgate.detect.attached import about_another, topic_names
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

CALLUMS = "Child and family assessment\nName: Callum Patel\nDOB: 03/04/2015\nCallum is settled."
JAYDENS = CALLUMS.replace("Callum Patel", "Jayden Reid").replace("Callum is", "Jayden is")
PROSE = "Assessment for Callum Patel (NHS 943 476 5919)\nNext review in six weeks."
SKIP = {"emma", "clarke", "kerry", "doyle"}  # the sender's and the recipient's names


def message(subject: str, body: str, *documents: str):
    attachments = [(f"doc{i}.txt", "text/plain", d.encode()) for i, d in enumerate(documents)]
    return parse(make_message(sender="Emma Clarke <emma.clarke@example-council.gov.uk>",
                              to=["Kerry Doyle <kerry.doyle@gmail.com>"], subject=subject,
                              body=body, attachments=tuple(attachments)))


@pytest.mark.parametrize("subject, body", [
    ("Jayden's assessment", "Dear Ms Doyle,\nPlease find attached the assessment.\n"),
    ("RE: Jayden Reid - plan", "Dear Ms Doyle,\nThe plan is attached.\n"),
    ("Assessment", "Dear Ms Doyle,\nPlease find attached Jayden's assessment.\n"),
])
def test_a_document_about_another_child_than_the_one_the_message_names_is_found(subject, body):
    assert about_another(message(subject, body, CALLUMS), SKIP) == ("Jayden", "Callum Patel", 0)
    assert about_another(message(subject, body, PROSE), SKIP) == ("Jayden", "Callum Patel", 0)


def test_a_word_before_a_name_is_not_taken_for_its_first_name():
    # "about Callum (DOB ...)" read as About Callum, whose "about" the note's own text has
    text = "A report about Callum (DOB 03/04/2015).\nName: Callum Patel"
    assert about_another(message("Jayden's report", "A report about him.\n", text), SKIP) == (
        "Jayden", "Callum Patel", 0)


def test_a_list_about_others_says_how_many_more():
    roll = "Name\tDOB\nCallum Patel\t03/04/2015\nAmy Jones\t05/06/2015\nLeo Turner\t07/08/2015"
    assert about_another(message("Jayden's report", "Attached.\n", roll), SKIP) == (
        "Jayden", "Callum Patel", 2)


def test_the_childs_own_document_is_not_another():
    assert about_another(message("Jayden's assessment", "Attached.\n", JAYDENS), SKIP) is None
    # nor when any of several documents names him (a sibling's beside his)
    assert about_another(message("Jayden's assessment", "Attached.\n", CALLUMS, JAYDENS),
                         SKIP) is None


def test_a_message_that_names_whom_its_documents_are_about_knows_what_it_sends():
    body = "Dear Ms Doyle,\nI have also attached Callum's, as you asked.\n"
    assert about_another(message("Jayden's assessment", body, CALLUMS), SKIP) is None


def test_nothing_is_said_without_a_named_topic_or_a_document_about_someone():
    # no name given as the topic: "Meeting with Sarah" and "Tom's request" are no one's
    # document
    assert about_another(message("Tom's request", "Attached.\n", CALLUMS), SKIP) is None
    assert about_another(message("Meeting with Sarah", "Notes attached.\n", CALLUMS),
                         SKIP) is None
    # a document that identifies no one (a timetable, a leaflet, a blank form)
    assert about_another(message("Jayden's form", "Attached.\n", "NAME: to be confirmed"),
                         SKIP) is None
    assert about_another(message("Jayden's timetable", "Attached.\n", "Monday: maths"),
                         SKIP) is None


def test_the_senders_and_recipients_names_are_no_topic():
    assert topic_names(message("Kerry's letter", "Attached.\n", CALLUMS), SKIP) == set()
    assert topic_names(message("Ryan Evans - review", "Attached.\n"), SKIP) == {"ryan"}
    # who sent it is not whose it is
    assert topic_names(message("Referral from Sarah Khan", "Attached.\n"), SKIP) == set()
