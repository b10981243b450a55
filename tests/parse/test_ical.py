"""A calendar or contact file is read as its reader sees it: unfolded, decoded, labelled."""

from __future__ import annotations

from email.message import EmailMessage

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.prop import vBinary

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse import ical
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SETTINGS = Settings()

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


def outlook_invitation(plain: str, html: str = "",
                       files: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """A meeting request as Outlook writes one, by the icalendar library: its description
    plain and, where given, as HTML (X-ALT-DESC), and files carried inside it (ATTACH,
    base64, named by X-FILENAME)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "Microsoft Exchange Server 2010")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = icalendar.Event()
    event.add("summary", "Strategy meeting")
    event.add("description", plain)
    if html:
        event.add("x-alt-desc", html, parameters={"FMTTYPE": "text/html"})
    for name, data in files:
        attached = vBinary(data)
        attached.params["FMTTYPE"] = "application/octet-stream"
        attached.params["X-FILENAME"] = name
        event.add("attach", attached)
    cal.add_component(event)
    return cal.to_ical()


def meeting_request(invitation: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ("jo.smith@example-council.gov.uk",
                                              "sarah.reid@gmail.com", "Strategy meeting")
    msg.set_content("You are invited.")
    msg.add_alternative(invitation.decode(), subtype="calendar", params={"method": "REQUEST"})
    return msg.as_bytes()


HTML_ONLY = ("<html><body><p>Agenda attached.</p><p>Child: <b>Amy Reid</b>, NHS number "
             "943 476 5919, date of birth 12/03/2015</p></body></html>")


def test_a_meeting_requests_html_description_is_read_after_its_plain_one():
    # Outlook shows the HTML description, edited there alone; only the plain one was read
    got = parse(meeting_request(outlook_invitation("Agenda attached.", HTML_ONLY)))
    [invite] = [p.text for p in got.parts if p.name == "meeting request"]
    assert invite.startswith("Strategy meeting\nAgenda attached.")  # what was found keeps its place
    assert "Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015" in invite
    assert invite.count("Agenda attached.") == 1  # what both say is read once
    findings = PatternDetector(SETTINGS).detect(got, Context(SETTINGS))
    assert ("UK_NHS", "meeting request") in {(f.entity, f.part) for f in findings}


def test_a_meeting_request_whose_description_is_html_alone_is_read():
    invitation = outlook_invitation("", HTML_ONLY).replace(b"DESCRIPTION:\r\n", b"")
    got = parse(meeting_request(invitation))
    [invite] = [p.text for p in got.parts if p.name == "meeting request"]
    assert "NHS number 943 476 5919" in invite


REFERRAL = b"Referral\nChild: Amy Reid\nNHS number: 943 476 5919\nDate of birth: 12/03/2015\n"


def test_a_file_carried_inside_a_meeting_request_is_read_as_a_file_attached():
    pdf = testdata.make_pdf(REFERRAL.decode())
    got = parse(meeting_request(outlook_invitation(
        "Agenda attached.", files=(("referral.pdf", pdf), ("notes.txt", REFERRAL)))))
    parts = {p.name: p.text for p in got.parts}
    assert "943 476 5919" in parts["meeting request/referral.pdf"]
    assert "943 476 5919" in parts["meeting request/notes.txt"]
    assert [a.name for a in got.attachments] == ["meeting request/referral.pdf",
                                                 "meeting request/notes.txt"]
    assert got.problems == ()


def test_a_file_carried_inside_an_attached_invitation_is_read_under_its_name():
    got = parse(make_message(attachments=(
        ("invite.ics", "text/calendar", outlook_invitation(
            "Agenda attached.", files=(("notes.txt", REFERRAL),))),)))
    parts = {p.name: p.text for p in got.parts}
    assert "943 476 5919" in parts["invite.ics/notes.txt"]
    assert "Description: Agenda attached." in parts["invite.ics"]  # its text as before


def test_a_file_inside_an_invitation_that_cannot_be_decoded_is_unscannable():
    invitation = ical.unfold(outlook_invitation(
        "Agenda attached.", files=(("notes.txt", REFERRAL),)).decode())
    start = invitation.index("X-FILENAME=notes.txt:") + len("X-FILENAME=notes.txt:")
    damaged = invitation[:start] + "!!" + invitation[start + 1:]
    got = parse(meeting_request(damaged.encode()))
    assert [(p.kind, p.part) for p in got.problems] == [("unscannable", "meeting request")]
    assert "could not be decoded" in got.problems[0].detail


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "BEGIN:VEVENT", "ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=", "ATTACH;VALUE=BINARY:",
    "X-ALT-DESC;FMTTYPE=text/html:", "<p>", "</b", "DESCRIPTION:", "JVBERi0", "UEsDBA", "=",
    "\r\n ", "\r\n", "\\n", "\\", ";", ":", "/", "..", "943 476 5919", "\x00", "\ufeff"]),
    max_size=40))
def test_no_invitation_however_malformed_breaks_the_reading(pieces):
    invitation = "BEGIN:VCALENDAR\r\n" + "".join(pieces)
    ical.files(ical.unfold(invitation))
    ical.html_description(ical.unfold(invitation))
    parse(meeting_request(invitation.encode()))
    parse(make_message(attachments=(("invite.ics", "text/calendar", invitation.encode()),)))


HIDING = ("<html><body><p>Agenda attached.</p><!-- Amy Reid, NHS number 943 476 5919 -->"
          '<p><a href="#" title="Sarah Reid, mother">Core group</a></p></body></html>')
HIDDEN_LINES = "Comment: Amy Reid, NHS number 943 476 5919\nTooltip: Sarah Reid, mother"


def test_what_a_meeting_requests_html_description_hides_is_read_last_and_found():
    # the plain description said all the HTML showed; the template's comment named the child
    got = parse(meeting_request(outlook_invitation("Agenda attached.\nCore group", HIDING)))
    [invite] = [p.text for p in got.parts if p.name == "meeting request"]
    assert invite == f"Strategy meeting\nAgenda attached.\nCore group\n{HIDDEN_LINES}"
    findings = PatternDetector(SETTINGS).detect(got, Context(SETTINGS))
    assert ("UK_NHS", "meeting request") in {(f.entity, f.part) for f in findings}


def test_what_an_attached_invitations_html_description_hides_is_read_last():
    got = parse(make_message(attachments=(
        ("invite.ics", "text/calendar", outlook_invitation("Agenda attached.", HIDING)),)))
    text = {p.name: p.text for p in got.parts}["invite.ics"]
    assert text.endswith(f"Description: Agenda attached. Core group\n{HIDDEN_LINES}")


def test_what_an_invitations_html_hides_and_its_text_says_is_read_once():
    html = "<p>Amy Reid 943 476 5919</p><!-- Amy Reid --><a title='943 476 5919'>x</a>"
    got = parse(meeting_request(outlook_invitation("Amy Reid 943 476 5919", html)))
    [invite] = [p.text for p in got.parts if p.name == "meeting request"]
    assert invite == "Strategy meeting\nAmy Reid 943 476 5919\nx"
    assert ical.html_hidden(ical.unfold(outlook_invitation("", HTML_ONLY).decode()), "") == ""
