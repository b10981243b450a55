"""A calendar or contact file is read as its reader sees it: unfolded, decoded, labelled."""

from __future__ import annotations

import pytest

from dlpgate.parse import ical
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

INVITE = ("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:Microsoft Exchange Server 2010\r\n"
          "VERSION:2.0\r\nBEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008\r\n"
          "ORGANIZER;CN=Jo Smith:mailto:jo.smith@example-council.gov.uk\r\n"
          'ATTENDEE;ROLE=REQ-PARTICIPANT;CN="Reid, Sarah":mailto:sarah.reid@gmail.com\r\n'
          "SUMMARY;LANGUAGE=en-GB:Strategy meeting\r\n"
          "DESCRIPTION;LANGUAGE=en-GB:Child: Amy Reid\\, NHS number 943 47\r\n"
          " 6 5919\\, date of birth 12/03/2015\\nAgenda follows\r\n"
          "DTSTART;TZID=GMT Standard Time:20261210T100000\r\nLOCATION:Room 2\\; Civic Centre\r\n"
          "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
CARD = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Reid;Amy\r\nFN:Amy Reid\r\nBDAY:2015-03-12\r\n"
        "TEL;HOME;VOICE:0161 496 0000\r\nADR;HOME:;;4 Elm Road;Westshire;;WS1 4AB\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:Looked after=E9. NHS number "
        "943=20476=\r\n"
        "=205919=0D=0AGP: Dr Shah\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQ\r\n"
        " AAAQABAAD\r\nEND:VCARD\r\n")


def test_an_invitations_properties_are_read_unfolded_unescaped_and_labelled():
    # its description folded inside the NHS number went out unfound, read as plain text
    assert ical.text(INVITE).split("\n") == [
        "Organizer: Jo Smith <mailto:jo.smith@example-council.gov.uk>",
        "Attendee: Reid, Sarah <mailto:sarah.reid@gmail.com>", "Summary: Strategy meeting",
        "Description: Child: Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015 "
        "Agenda follows", "Location: Room 2; Civic Centre"]


def test_a_contacts_quoted_printable_note_is_decoded_and_its_photograph_left_out():
    # Outlook's "Forward as Business Card" writes vCard 2.1, its note quoted-printable
    assert ical.text(CARD).split("\n") == [
        "Name: Amy Reid", "Birthday: 2015-03-12", "Telephone: 0161 496 0000",
        "Address: 4 Elm Road, Westshire, WS1 4AB",
        "Note: Looked after\u00e9. NHS number 943 476 5919 GP: Dr Shah"]


@pytest.mark.parametrize("name, ctype, text, read", [
    ("invite.ics", "application/octet-stream", INVITE, True),
    ("attachment", "text/calendar", INVITE, True),
    ("Amy Reid.vcf", "text/x-vcard", "\ufeff" + CARD, True),
    ("notes.txt", "text/plain", INVITE, False),  # a calendar pasted into notes is text
    ("list.vcf", "text/x-vcard", "Name,NHS\r\nAmy,943 476 5919\r\n", False),
])
def test_a_file_is_read_as_a_calendar_when_named_or_typed_so_and_starting_as_one(
        name, ctype, text, read):
    assert ical.is_calendar(name, ctype, text) is read


def test_an_attached_invitation_and_contact_are_read_so():
    msg = parse(make_message(attachments=(
        ("invite.ics", "application/ics", INVITE.encode()),
        ("Amy Reid.vcf", "text/x-vcard", CARD.encode("cp1252")))))
    parts = {p.name: p.text for p in msg.parts}
    assert "NHS number 943 476 5919, date of birth" in parts["invite.ics"]
    assert "NHS number 943 476 5919 GP" in parts["Amy Reid.vcf"] and msg.problems == ()


def test_a_note_broken_over_a_million_lines_is_joined_in_one_pass():
    card = ("BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE:" + "ab=\r\n" * 1_000_000
            + "c\r\nEND:VCARD")
    assert ical.text(card) == "Note: " + "ab" * 1_000_000 + "c"
