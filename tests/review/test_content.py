"""What a reviewer sees before giving a reason: attachments named by place and kind, Bcc marked."""

from __future__ import annotations

import dataclasses
import time

import pytest

from dlpgate import testpictures
from dlpgate.config import Settings
from dlpgate.parse import ocr
from dlpgate.pipeline import Scanner
from dlpgate.review.content import (
    _EARLIER,
    UNREAD_NOTE,
    decided_by,
    findings_view,
    hidden_recipients,
    part_texts,
    plain_notes,
    reasons_view,
    revealed_parts,
)
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


def test_a_hold_from_before_spreadsheets_were_labelled_shows_no_mask_on_the_wrong_words():
    # its offsets point into the CSV as it was read then: masks fell on "Date of birth: "
    rows = "Child,NHS Number\nAmy Reid,9434765919\n"
    item = held(make_message(to=("x@example.org",), body="See attached.\n", attachments=(
        ("list.csv", "text/csv", rows.encode()),)))
    now = findings_view(item, SETTINGS)
    assert any(i["shown"].endswith("919") for g in now for i in g["items"])
    before = dataclasses.replace(item, findings=tuple(
        {k: v for k, v in f.items() if k != "parser"} for f in item.findings))
    shown = [i["shown"] for g in findings_view(before, SETTINGS) for i in g["items"]
             if i["part"] != "body"]
    assert shown and all(s.startswith("(found by an earlier version") for s in shown)
    marked = [s for part in revealed_parts(before, SETTINGS) for s in part["segments"]
              if s.entity]
    assert not any(s.entity == "UK_NHS" for s in marked)


def test_a_second_file_of_the_same_name_cannot_stand_in_for_the_first():
    # the reviewer was shown the second notes.txt's agenda in place of the first's NHS
    # number, and a file called "body" in place of the body: nothing to see, released
    nhs = "Mr John Smith, NHS number 943 476 5919, seen by the crisis team."
    for attachments, body in (
            ((("notes.txt", "text/plain", nhs.encode()),
              ("notes.txt", "text/plain", b"Agenda for the allotment committee.")), "Notes."),
            ((("body", "text/plain", b"Agenda for the allotment committee."),), nhs)):
        item = held(make_message(to=("x@gmail.com",), body=body, attachments=attachments))
        shown = "".join(s.text for part in revealed_parts(item, SETTINGS)
                        for s in part["segments"] if s.entity == "UK_NHS")
        assert shown == "943 476 5919"
        names = [part["name"] for part in revealed_parts(item, SETTINGS)]
        assert len(names) == len(set(names)) and "Agenda" in str(revealed_parts(item, SETTINGS))


def test_a_file_inside_another_is_labelled_by_both_places_before_and_after_a_reveal():
    # the findings said "attachment 2 (.docx)" for a file inside the first, and the revealed
    # headings carried no number at all: a reviewer counted headings to match them
    from dlpgate import testdata

    inner = testdata.make_docx(["Referral", "NHS number 943 476 5919"])
    raw = make_message(to=("x@gmail.com",), body="See attached.", attachments=(
        ("winmail.dat", "application/ms-tnef",
         testdata.make_tnef({"Referral.docx": inner, "notes.txt": b"Agenda"}, body="Hi")),
        ("plan.pdf", "application/pdf", testdata.make_pdf("Plan"))))
    item = held(raw)
    [nhs] = [i for g in findings_view(item, SETTINGS) if g["entity"] == "UK_NHS"
             for i in g["items"]]
    assert nhs["part"] == "attachment 1.1 (.docx)"
    labels = [p["label"] for p in revealed_parts(item, SETTINGS)
              if p["name"] not in ("subject", "body")]
    assert labels == ["attachment 1 (.dat): winmail.dat",
                          "attachment 1.1 (.docx): winmail.dat/Referral.docx",
                          "attachment 1.2 (.txt): winmail.dat/notes.txt",
                          "attachment 2 (.pdf): plan.pdf", "attachment names"]


def masked_in_place(item, parser: int | None = None) -> list[bool]:
    """Whether the NHS numbers' masks fall on them (their last digits shown), for the hold as
    made or as if an earlier parser had made it: one answer when all agree."""
    if parser is not None:
        item = dataclasses.replace(item, findings=tuple(
            {**f, "parser": parser} for f in item.findings))
    shown = [i["shown"] for g in findings_view(item, SETTINGS) if g["entity"] == "UK_NHS"
             for i in g["items"]]
    assert shown
    return sorted({s.endswith("919") for s in shown})


def test_a_body_held_before_html_tables_were_labelled_is_masked_only_without_a_table():
    from email.message import EmailMessage

    def html_only(html: str) -> bytes:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example-council.gov.uk", "x@example.org", "List"
        m.set_content(html, subtype="html")
        return bytes(m)

    for html, placed in (
            ("<p>NHS number 943 476 5919</p>", True),  # read as it was: masked
            ("<table><tr><td>Child</td><td>NHS number</td></tr><tr><td>Amy Reid</td>"
             "<td>943 476 5919</td></tr></table>", False)):  # read differently now
        item = held(html_only(html))
        before = dataclasses.replace(item, findings=tuple(
            {k: v for k, v in f.items() if k != "parser"} for f in item.findings))
        shown = [i["shown"] for g in findings_view(before, SETTINGS) for i in g["items"]
                 if g["entity"] == "UK_NHS"]
        assert shown and all(s.endswith("919") == placed for s in shown), html


def test_a_scanned_pages_nhs_number_is_shown_masked_where_the_scan_found_it(ocr_installed):
    from dlpgate.testdata import make_scanned_pdf

    scan = make_scanned_pdf(["Covering note", "NHS number: 943 476 5919"])
    item = held(make_message(to=("x@example.org",), body="See attached.\n", attachments=(
        ("scan0001.pdf", "application/pdf", scan),)))
    [nhs] = [g for g in findings_view(item, SETTINGS) if g["entity"] == "UK_NHS"]
    assert [(i["part"], i["shown"]) for i in nhs["items"]] == [
        ("attachment 1 (.pdf)", "••• ••• •919")]


def test_a_hold_from_before_signed_data_was_read_is_masked_unless_the_message_holds_some():
    # since PARSER 7 a .p7m's files are named among the others: the attachment names' lines
    # after it move, a file after it of the same name is renamed, and masks fell elsewhere
    import pytest

    from dlpgate import testdata

    if not testdata.openssl_available():
        pytest.skip("the openssl program is not installed (Debian's openssl package)")
    notes = ("notes.txt", "text/plain", b"Mr John Smith, NHS number 943 476 5919.")
    signed = testdata.make_signed(b"Content-Type: text/plain\r\n\r\nAgenda.\r\n", "DER")
    for attachments, placed in (
            ((notes,), True),
            ((("smime.p7m", "application/pkcs7-mime", signed), notes), False)):
        item = held(make_message(to=("x@gmail.com",), body="Notes.", attachments=attachments))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=6) == [placed], attachments


def test_a_hold_from_before_an_alternatives_files_were_read_is_masked_unless_it_has_none():
    # since PARSER 8 the files inside an alternative's HTML rendering are read and named: the
    # attachment names' lines after them move, and a mask fell on another file's name
    from email.message import EmailMessage

    named = ("Amy_Reid_NHS_943 476 5919.txt", "text/plain", b"Agenda.")
    rich = EmailMessage()
    rich.set_content("<p>Notes.</p><img src='cid:logo'>", subtype="html")
    rich.add_related(b"GIF89a\x10\x00\x10\x00", maintype="image", subtype="gif",
                     filename="logo.gif", cid="<logo>")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = ("a@example-council.gov.uk", "x@gmail.com",
                                                    "Notes")
    outer.set_content("Notes.")
    outer.make_alternative()
    outer.attach(rich)
    outer.add_attachment(named[2], maintype="text", subtype="plain", filename=named[0])
    for raw, placed in ((make_message(to=("x@gmail.com",), body="Notes.", attachments=(named,)),
                         True), (outer.as_bytes(), False)):
        item = held(raw)
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=7) == [placed]


def test_a_pasted_pictures_nhs_number_is_masked_and_revealed_in_its_body_picture(
        ocr_installed):
    from dlpgate.testdata import screenshot_of

    shot = screenshot_of([("Name", "NHS number"), ("Amy Reid", "943 476 5919"),
                          *[("", "")] * 7])
    item = held(make_message(to=("x@gmail.com",), body="As on screen:\n",
                             pasted=(("image001.png", "image/png", shot),)))
    [nhs] = [g for g in findings_view(item, SETTINGS) if g["entity"] == "UK_NHS"]
    assert [(i["part"], i["shown"]) for i in nhs["items"]] == [
        ("body picture 1", "••• ••• •919")]
    [picture] = [p for p in revealed_parts(item, SETTINGS) if p["name"] == "body picture 1"]
    assert picture["label"] == "body picture 1"
    assert [s.text for s in picture["segments"] if s.entity] == ["943 476 5919"]
    # held before PARSER 8, the picture was the file image001.png: no part of that name now
    before = dataclasses.replace(item, findings=tuple(
        {**f, "parser": 7, "part": "image001.png"} for f in item.findings
        if f["part"] == "body picture 1"))
    shown = [i["shown"] for g in findings_view(before, SETTINGS) for i in g["items"]]
    assert shown and all(s.startswith("(found by an earlier version") for s in shown)


def test_a_hold_from_before_binary_workbooks_were_read_is_masked_in_the_workbook_alone():
    # since PARSER 9 an .xlsb's sheets are read before its properties, which were all its text
    from dlpgate import testdata

    book = testdata.with_members(
        testdata.make_xlsb({"S": [["Child", "NHS number"], ["Amy Reid", "943 476 5919"]]}),
        testdata.ooxml_properties(title="Amy Reid 943 476 5919"))
    item = held(make_message(to=("x@gmail.com",), body="NHS 401 023 2137\n", attachments=(
        ("pupils.xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12", book),)))
    now = {(i["part"], i["shown"]) for g in findings_view(item, SETTINGS)
           if g["entity"] == "UK_NHS" for i in g["items"]}
    assert now == {("body", "••• ••• •137"), ("attachment 1 (.xlsb)", "••• ••• •919")}
    before = dataclasses.replace(item, findings=tuple(
        {**f, "parser": 8} for f in item.findings))
    shown = {(i["part"], i["shown"]) for g in findings_view(before, SETTINGS)
             if g["entity"] == "UK_NHS" for i in g["items"]}
    assert ("body", "••• ••• •137") in shown
    assert {s for p, s in shown if p != "body"} == {_EARLIER}


def test_a_hold_from_before_winmail_dats_properties_were_read_is_masked_unless_it_has_one():
    # since PARSER 10 winmail.dat's files are named by their long names and the items inside
    # it read: the attachment names' lines move, and a file after it can be renamed
    from dlpgate import testdata

    notes = ("notes.txt", "text/plain", b"Mr John Smith, NHS number 943 476 5919.")
    wrapper = testdata.make_tnef({}, attachments=[
        ("NOTES~1.TXT", b"Agenda.", [(0x3707, 0x001F, "notes.txt")])])
    for attachments, placed in (
            ((notes,), True),
            ((("winmail.dat", "application/ms-tnef", wrapper), notes), False),
            ((("file.dat", "application/octet-stream", wrapper), notes), False)):
        item = held(make_message(to=("x@gmail.com",), body="Notes.", attachments=attachments))
        assert masked_in_place(item) == [True]
        for parser in (7, 8, 9):
            assert masked_in_place(item, parser=parser) == [placed], (parser, attachments)


def test_a_hold_made_under_parser_8_is_trusted_in_plain_text_and_not_in_a_document():
    # PARSER 8 stood while Office files, PDFs and RTF letters were read for more, in places
    # before the text read before (an RTF letter's header above its body)
    from dlpgate import testdata

    for name, ctype, data, placed in (
            ("notes.txt", "text/plain", b"Callum Reid, NHS number 943 476 5919.", True),
            ("letter.docx", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", testdata.make_docx(["NHS number 943 476 5919"]),
             False)):
        item = held(make_message(to=("x@gmail.com",), body="Attached.",
                                 attachments=((name, ctype, data),)))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=8) == [placed], name
        assert masked_in_place(item, parser=9) == [True]


def test_a_hold_made_under_parser_8_with_an_outlook_item_is_trusted_in_its_body_only():
    # an OLE object inside the item is named among the files since, and a file after it
    # may be "notes (2).txt" where it was "notes.txt"
    from dlpgate import testdata

    msg = testdata.make_outlook_msg("Fwd", "See below.")
    item = held(make_message(to=("x@gmail.com",), body="NHS number 943 476 5919", attachments=(
        ("fwd.msg", "application/vnd.ms-outlook", msg),
        ("notes.txt", "text/plain", b"Callum Reid, NHS number 943 476 5919."))))
    placed = {i["part"]: i["shown"].endswith("919") for g in findings_view(
        dataclasses.replace(item, findings=tuple({**f, "parser": 8} for f in item.findings)),
        SETTINGS) if g["entity"] == "UK_NHS" for i in g["items"]}
    assert placed == {"body": True, "attachment 2 (.txt)": False}


def test_an_html_only_body_with_pictures_held_before_parser_9_is_not_masked_in_place():
    # a picture's alt text is read into the body's lines since, moving what follows it
    from email.message import EmailMessage

    def message(plain: bool) -> bytes:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = ("a@example-council.gov.uk", "x@gmail.com",
                                                  "Referral")
        html = ('<p><img src="cid:a" alt="Westshire Council logo"></p>'
                "<p>Callum Reid, NHS number 943 476 5919</p>")
        if plain:
            msg.set_content("Callum Reid, NHS number 943 476 5919\n")
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
        return msg.as_bytes()

    for plain in (True, False):
        item = held(message(plain))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=8) == [plain]
        assert masked_in_place(item, parser=9) == [True]


def test_a_pdf_pictures_finding_held_before_parser_11_is_not_masked_on_another_picture(
        ocr_installed):
    # a logo on the page is picture 1 since, and the screenshot that was picture 1 is 2
    from dlpgate import testdata

    prose = "The panel met on Tuesday and agreed the actions below with its partners."
    row = testdata.screenshot_of([("Amy Reid", "04/05/2016", "943 476 5919")], fmt="pgm")
    logo = testdata.banner_of("Westshire Council", 160, 60, scale=1, fmt="pgm")
    report = testdata.make_report_pdf([prose], [[(logo, (480, 780, 60, 30)),
                                                 (row, (50, 400, 480, 28))]])
    item = held(make_message(to=("x@gmail.com",), body="Attached.", attachments=(
        ("report.pdf", "application/pdf", report),)))
    assert masked_in_place(item) == [True]
    assert masked_in_place(item, parser=10) == [False]


def test_a_hold_made_under_parser_11_keeps_its_masks_in_a_document_read_for_more_since():
    # PARSER 12 reads what an Office file keeps beside its text (custom XML data, fields, a
    # glossary) after all the text it gave before: a hold made under 11 is where it was
    from dlpgate import testdata

    for name, data in (
            ("letter.docx", testdata.make_docx(["NHS number 943 476 5919"], custom_xml=[
                testdata.sharepoint_properties(NHSNumber="943 476 5919")],
                glossary=["Amy Reid"], links=[("her mother", "mailto:amy.mum@gmail.com")])),
            ("list.xlsx", testdata.make_xlsx([["Child", "NHS number"], ["Amy", "943 476 5919"]],
                                             sheet="Amy Reid", validation=['"Amy,Leo"'])),
            ("letter.odt", testdata.make_odt(["NHS number 943 476 5919"],
                                             user_fields={"Child": "Amy Reid"}))):
        item = held(make_message(to=("x@gmail.com",), body="Attached.",
                                 attachments=((name, "application/octet-stream", data),)))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=11) == [True], name
        assert masked_in_place(item, parser=10) == [True], name
        assert masked_in_place(item, parser=14) == [True], name  # 15 added links' addresses


def test_what_the_scan_left_unread_is_said_to_a_reviewer_without_setting_names():
    from dlpgate.review.content import plain_notes

    notes = ("5 picture(s) inside attached documents not read: the message's OCR "
             "(scan.ocr.max_pages, max_seconds) was spent before them", "something new")
    said = plain_notes(notes)
    assert said[0].startswith("5 picture(s) inside the attached documents were not read")
    assert "look at the pictures before you release it" in said[0]
    assert "scan.ocr" not in said[0]
    assert said[1] == "something new"  # a note it does not know is shown as written
    [photographs] = plain_notes(("3 photograph(s) not read: a first look found nothing like a "
                                 "line of text in them (scan.ocr.skip_photos)",))
    assert photographs.startswith("3 photograph(s) were not read: a quick look found nothing")
    assert "scan.ocr" not in photographs


def test_a_hold_from_before_word_documents_were_read_as_word_shows_them_is_masked_elsewhere():
    # since PARSER 13 a .doc is read through its piece table, a table's row on one line and
    # its headers after its text: what was found in one before then is elsewhere in it now
    from dlpgate import testdata

    letter = testdata.make_doc(["Referral"], tables=[[["NHS", "943 476 5919"]]],
                               header="Westshire Council")
    notes = ("notes.txt", "text/plain", b"Mr John Smith, NHS number 943 476 5919.")
    for attachments, placed in (
            ((notes,), [True]),
            ((("letter.doc", "application/msword", letter), notes), [False, True]),
            ((("letters.zip", "application/zip", testdata.make_zip({"Letter.DOC": letter})),
              notes), [False, True]),
            ((("letter", "application/octet-stream", letter), notes), [False, True])):
        item = held(make_message(to=("x@gmail.com",), body="Notes.", attachments=attachments))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=11) == placed, attachments
        assert masked_in_place(item, parser=12) == placed, attachments
        shown = {i["part"]: i["shown"] for g in findings_view(dataclasses.replace(
            item, findings=tuple({**f, "parser": 11} for f in item.findings)), SETTINGS)
            if g["entity"] == "UK_NHS" for i in g["items"]}
        assert shown.pop("attachment 2 (.txt)" if len(attachments) == 2 else
                         "attachment 1 (.txt)").endswith("919")
        assert set(shown.values()) <= {_EARLIER}
        assert masked_in_place(item, parser=13) == [True]  # read so since 13


def test_a_hold_from_before_rtf_had_its_own_reader_is_masked_unless_the_message_has_rtf():
    # since PARSER 14 RTF is read by the gateway's own reader, whose text differs from
    # striprtf's where striprtf misread (a hyperlink's field, binary data): a letter's text,
    # and winmail.dat's, may have moved
    from dlpgate import testdata

    notes = ("notes.txt", "text/plain", b"Mr John Smith, NHS number 943 476 5919.")
    letter = testdata.make_rtf("Dear Sir\nNHS number 943 476 5919")
    wrapper = testdata.make_tnef({"notes.txt": b"NHS number 943 476 5919"})
    for attachments, placed in (
            ((notes,), True),
            ((("letter.rtf", "application/rtf", letter),), False),
            ((("letter.doc", "application/msword", letter), notes), False),
            ((("winmail.dat", "application/ms-tnef", wrapper),), False)):
        item = held(make_message(to=("x@gmail.com",), body="Attached.",
                                 attachments=attachments))
        assert masked_in_place(item) == [True]
        for parser in (10, 11, 12, 13):
            assert masked_in_place(item, parser=parser) == [placed], (parser, attachments)


def test_a_hold_from_before_objects_were_read_as_their_files_is_masked_elsewhere_only_there():
    # since PARSER 16 the file an OLE object wraps is read as a file inside it, where the
    # object's text runs were read: what was found in oleObject1.bin before is elsewhere now
    from dlpgate import testdata

    notes = ("notes.txt", "text/plain", b"Mr John Smith, NHS number 943 476 5919.")
    letter = testdata.with_members(testdata.make_docx(["See the icon."]), {
        "word/embeddings/oleObject1.bin": testdata.make_doc(["NHS number 943 476 5919"])})
    item = held(make_message(to=("x@gmail.com",), body="Notes.", attachments=(
        ("letter.docx", "application/octet-stream", letter), notes)))
    assert masked_in_place(item) == [True]
    shown = {i["part"]: i["shown"] for g in findings_view(dataclasses.replace(
        item, findings=tuple({**f, "parser": 15} for f in item.findings)), SETTINGS)
        if g["entity"] == "UK_NHS" for i in g["items"]}
    assert shown.pop("attachment 2 (.txt)").endswith("919")
    assert set(shown.values()) == {_EARLIER}
    # and a calendar file, read unfolded and labelled since
    invite = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:NHS number 943 476 5919\r\n" \
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    item = held(make_message(to=("x@gmail.com",), body="Invite.", attachments=(
        ("invite.ics", "text/calendar", invite),)))
    assert masked_in_place(item) == [True] and masked_in_place(item, parser=15) == [False]
    for parser in (10, 14, 15):  # a document's text read for more since is where it was
        assert masked_in_place(held(make_message(to=("x@gmail.com",), attachments=((
            "notes.docx", "application/octet-stream",
            testdata.make_docx(["NHS number 943 476 5919"])),))), parser=parser) == [True]


def test_a_hold_from_before_raw_8_bit_file_names_were_read_is_masked_elsewhere_only_there():
    # since PARSER 17 "Zoë" in a file's name sent unencoded is read as written: an earlier
    # hold named the file with replacement characters, and the files' names moved after it
    raw = ("From: a@example-council.gov.uk\r\nTo: x@gmail.com\r\nSubject: notes\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: text/plain\r\n\r\nNHS number 943 476 5919\r\n--B\r\n"
           'Content-Type: text/plain; name="Zoë 943 476 5919.txt"\r\n'
           'Content-Disposition: attachment; filename="Zoë 943 476 5919.txt"\r\n\r\n'
           "NHS number 943 476 5919\r\n--B--\r\n").encode()
    item = held(raw)
    assert masked_in_place(item) == [True]
    before = dataclasses.replace(item, findings=tuple(
        {**f, "parser": 16, "part": f["part"].replace("Zoë", "Zo\ufffd\ufffd")}
        for f in item.findings))
    shown = {i["part"]: i["shown"] for g in findings_view(before, SETTINGS)
             if g["entity"] == "UK_NHS" for i in g["items"]}
    assert shown.pop("body").endswith("919")  # the body did not move
    assert set(shown.values()) == {_EARLIER}  # the file, and the files' names
    plain = held(make_message(to=("x@gmail.com",), attachments=(
        ("notes 943 476 5919.txt", "text/plain", b"NHS number 943 476 5919"),)))
    assert masked_in_place(plain, parser=16) == [True]


def test_a_hold_from_before_invitations_carried_files_were_read_keeps_all_but_the_files_names():
    # since PARSER 18 the files an invitation carries are read and named among the files'
    # names, moving the lines after them: an earlier hold's findings there are not trusted
    from tests.parse.test_ical import outlook_invitation

    named = held(make_message(to=("x@gmail.com",), body="NHS number 943 476 5919", attachments=(
        ("invite.ics", "text/calendar", outlook_invitation(
            "Agenda.", files=(("plan.txt", b"Agenda"),))),
        ("Amy Reid 943 476 5919.txt", "text/plain", b"NHS number 943 476 5919"))))
    assert masked_in_place(named) == [True]
    earlier = dataclasses.replace(named, findings=tuple({**f, "parser": 17}
                                                        for f in named.findings))
    view = {i["part"]: i["shown"] for g in findings_view(earlier, SETTINGS)
            if g["entity"] == "UK_NHS" for i in g["items"]}
    assert view.pop("body").endswith("919")  # the body did not move
    assert _EARLIER in view.values()  # the files' names: its line moved after "plan.txt"
    assert all(s.endswith("919") for s in view.values() if s != _EARLIER)  # the file itself
    plain = held(make_message(to=("x@gmail.com",), attachments=(
        ("Amy Reid 943 476 5919.txt", "text/plain", b"NHS number 943 476 5919"),)))
    assert masked_in_place(plain, parser=17) == [True]  # no invitation: nothing moved


def _only_the_files_names_untrusted(archive: tuple[str, str, bytes], parser: int) -> None:
    """A hold made by `parser` of a message with `archive` and a file named with an NHS
    number: its findings in the files' names are not trusted, the body's and the file's are;
    without the archive, nothing moved."""
    named = held(make_message(to=("x@gmail.com",), body="NHS number 943 476 5919", attachments=(
        archive, ("Amy Reid 943 476 5919.txt", "text/plain", b"NHS number 943 476 5919"))))
    assert masked_in_place(named) == [True]
    earlier = dataclasses.replace(named, findings=tuple({**f, "parser": parser}
                                                        for f in named.findings))
    view = {i["part"]: i["shown"] for g in findings_view(earlier, SETTINGS)
            if g["entity"] == "UK_NHS" for i in g["items"]}
    assert view.pop("attachment names") == _EARLIER
    assert view and all(s.endswith("919") for s in view.values())  # the body, the file
    plain = held(make_message(to=("x@gmail.com",), attachments=(
        ("Amy Reid 943 476 5919.txt", "text/plain", b"NHS number 943 476 5919"),)))
    assert masked_in_place(plain, parser=parser) == [True]


def test_a_hold_from_before_code_page_names_were_read_keeps_all_but_the_files_names():
    # since PARSER 19 a CAB's name in Windows' code page is read, and the cabinet after it,
    # whose names come before those of the archives after it: an earlier hold's findings in
    # the files' names of a message with such an archive are not trusted
    from dlpgate import testarchives

    cab = testarchives.make_cab({"Zoë.txt": "notes"}, code_page="cp1252")
    _only_the_files_names_untrusted(("notes.cab", "application/vnd.ms-cab-compressed", cab), 18)


def test_a_hold_from_before_hand_packed_7z_lists_were_read_keeps_all_but_the_files_names():
    # since PARSER 22 a 7z whose list is packed with PPMd stops before a link holding more
    # than a path, its name and those after it no longer read: an earlier hold's findings in
    # the files' names of a message with a 7z are not trusted
    from dlpgate import testarchives

    packed = testarchives.make_7z_list_packed({"a.txt": "x"}, "ppmd",
                                              links={"big": b"a" * 100_000})
    _only_the_files_names_untrusted(("cases.7z", "application/x-7z-compressed", packed), 20)


@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr and poppler-utils are not "
                    "installed (./scripts/dev test installs them)")
def test_a_hold_made_before_ocrs_digits_were_spaced_is_not_trusted_in_a_picture():
    # since PARSER 20 a picture's "807 3021579" reads "807 302 1579": what comes after such a
    # number moved, so a hold made before is trusted in a text file and not in a picture
    from dlpgate import testdata

    scan = testpictures.jpeg(testpictures.grey(testdata.picture_of(testdata.make_pdf(
        "NHS number 943 476 5919"), 200, "pgm")), 90)
    for name, ctype, data, placed in (
            ("notes.txt", "text/plain", b"NHS number 943 476 5919", True),
            ("scan.jpg", "image/jpeg", scan, False)):
        item = held(make_message(to=("x@gmail.com",), attachments=((name, ctype, data),)))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=19) == [placed], name

@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr and poppler-utils are not "
                    "installed (./scripts/dev test installs them)")
def test_a_hold_made_before_uneven_light_was_evened_is_not_trusted_in_a_photograph():
    # since PARSER 26 a photograph read to next to nothing is read again with its light made
    # even, its words before the picture's metadata: a JPEG's offsets may have moved, a
    # screenshot's (PNG) and a text file's did not
    from dlpgate import testdata

    page = testpictures.grey(testdata.picture_of(testdata.make_pdf(
        "NHS number 943 476 5919"), 200, "pgm"))
    for name, ctype, data, placed in (
            ("notes.txt", "text/plain", b"NHS number 943 476 5919", True),
            ("screen.png", "image/png", testpictures.png(page), True),
            ("photo.jpg", "image/jpeg", testpictures.jpeg(page, 90), False)):
        item = held(make_message(to=("x@gmail.com",), attachments=((name, ctype, data),)))
        assert masked_in_place(item) == [True]
        assert masked_in_place(item, parser=24) == [placed], name


def test_a_message_held_unread_is_shown_without_being_parsed_and_says_why(monkeypatch):
    # held because its scan failed relay.max_scan_attempts times: what killed the scan
    # workers is in its bytes, and the review app must not parse it in its own process
    raw = make_message(to=("carer.home@gmail.com",), body="NHS 943 476 5919\n")
    env = make_envelope(raw)
    result = Scanner(SETTINGS).unread(raw, env, "", "the scan failed 3 times (the last: scan "
                                      "exceeded 60 s), so nothing in the message could be "
                                      "checked")
    item = HeldMessage.of(result, env, raw, time.time())

    def crash(*args, **kwargs):
        raise AssertionError("the held message was parsed")

    monkeypatch.setattr("dlpgate.review.content.parse", crash)
    texts = part_texts(item, SETTINGS)

    assert dict(texts) == {} and revealed_parts(item, SETTINGS, texts) == []
    assert plain_notes(texts.notes) == [UNREAD_NOTE]
    [group] = findings_view(item, SETTINGS, texts)
    [shown] = group["items"]
    assert group["entity"] == "UNSCANNABLE" and shown["part"] == "body"
    assert shown["shown"].startswith("body: the scan failed 3 times")


def test_a_hold_made_before_hidden_places_were_read_is_trusted_but_beside_an_rtf_body():
    # PARSER 21 adds what the less visible places hold after all of a part's text; only an
    # RTF body inside an Outlook item or a winmail.dat has text after it that moved
    from dlpgate import testdata

    item = held(make_message(to=("x@gmail.com",), attachments=(
        ("notes.txt", "text/plain", b"NHS number 943 476 5919"),)))
    assert masked_in_place(item, parser=20) == [True]
    msg = testdata.make_outlook_msg("Referral", "NHS number 943 476 5919")
    item = held(make_message(to=("x@gmail.com",), attachments=(
        ("Referral.msg", "application/vnd.ms-outlook", msg),)))
    assert masked_in_place(item) == [True]
    assert masked_in_place(item, parser=20) == [False]
    assert masked_in_place(item, parser=19) == [False]  # nor from any parser before


def test_a_hold_made_before_hidden_places_were_weighed_against_the_text_is_not_trusted_there():
    # since PARSER 23 what an HTML page hides is read only where its text does not say it:
    # the lines a tooltip or comment repeated are left out, and those after them moved
    said = '<p>Seen: <a href="#" title="Amy Reid">Amy Reid</a></p>'
    hidden = '<p><a href="#" title="NHS 943 476 5919">her record</a></p>'
    item = held(make_message(to=("x@gmail.com",), body="Seen: Amy Reid\n", html=said + hidden))
    assert masked_in_place(item) == [True]  # in the body's HTML lines, after its tooltip
    assert masked_in_place(item, parser=22) == [False]
    page = f"<html><body>{said}<!-- NHS 943 476 5919 --></body></html>".encode()
    saved = held(make_message(to=("x@gmail.com",), attachments=(
        ("visit.html", "text/html", page),
        ("notes.txt", "text/plain", b"NHS number 943 476 5919"))))
    assert masked_in_place(saved) == [True]
    assert masked_in_place(saved, parser=22) == [False, True]  # the page's; the text file's
    plain = held(make_message(to=("x@gmail.com",), body="Seen: Amy Reid\n", html=said.replace(
        ' title="Amy Reid"', ""), attachments=(
        ("notes.txt", "text/plain", b"NHS number 943 476 5919"),)))
    assert masked_in_place(plain, parser=22) == [True]  # no page hides anything: none moved


def test_a_hold_made_before_alt_text_was_read_is_not_trusted_in_the_html_lines_of_a_picture():
    # since PARSER 24 a picture's alt text that the plain twin lacks begins the HTML's lines
    shown = "<p>See attached.</p><p>NHS number 943 476 5919</p>"
    item = held(make_message(to=("x@gmail.com",), body="See attached.\n", html=shown))
    assert masked_in_place(item, parser=23) == [True]  # no picture: nothing moved
    pictured = held(make_message(to=("x@gmail.com",), body="See attached.\n",
                                 html=shown + '<img src="cid:x" alt="the photo">'))
    assert masked_in_place(pictured) == [True]
    assert masked_in_place(pictured, parser=23) == [False]



def test_a_hold_made_before_formulas_sections_and_queries_were_read_is_trusted_everywhere():
    # PARSER 25 reads an Office file's formulas' constants, drawings' tooltips, sections and
    # queries after all else it gives: nothing read before moved
    from dlpgate import testdata

    workbook = testdata.make_xlsx([["NHS number"], ["943 476 5919"]])
    item = held(make_message(to=("x@gmail.com",), attachments=(
        ("tracker.xlsx", "application/octet-stream", workbook),)))
    assert masked_in_place(item) == [True]
    assert masked_in_place(item, parser=24) == [True]
    pictured = held(make_message(to=("x@gmail.com",), body="See attached.\n",
                                 html="<p>See attached.</p><p>NHS number 943 476 5919</p>"
                                      '<img src="cid:x" alt="the photo">'))
    assert masked_in_place(pictured, parser=24) == [True]  # its alt text read so since 24


def test_a_hold_made_before_xlsb_formulas_were_read_is_not_trusted_in_one_but_in_an_ods():
    # since PARSER 27 an .xlsb's and an .ods's formulas' constants are read after all else
    # they give, an .xlsb's before its drawings' tooltips and queries, which moved: a hold made
    # before is trusted in an .xlsx, a text file and an .ods (its formulas come last), not in
    # an .xlsb
    from dlpgate import testdata

    rows = [["NHS number"], ["943 476 5919"]]
    for name, data, placed in (
            ("notes.txt", b"NHS number 943 476 5919", True),
            ("tracker.xlsx", testdata.make_xlsx(rows), True),
            ("tracker.xlsb", testdata.make_xlsb({"S": rows}), False),
            ("tracker.ods", testdata.make_ods([rows]), True)):
        item = held(make_message(to=("x@gmail.com",), attachments=(
            (name, "application/octet-stream", data),)))
        assert masked_in_place(item) == [True], name
        assert masked_in_place(item, parser=26) == [placed], name
        if name.endswith(".xlsb"):
            assert masked_in_place(item, parser=24) == [False]  # nor from any parser before


def _match(rule: str, action: str, *reasons: str) -> dict:
    return {"rule": rule, "action": action, "mode": "enforce", "overridden_by": "",
            "reasons": list(reasons)}


def test_a_reason_a_hold_rule_and_a_log_rule_both_gave_is_among_those_that_held_it():
    # the decision keeps such a reason once, and the split by place put every reason after
    # it one list off: the page showed all of them as the hold's, the `log` one included
    lookalike = "sarah.khan@nhs.com: nhs.com has the name of nhs.net"
    item = dataclasses.replace(
        held(make_message()), action="hold",
        reasons=(lookalike, "16 addresses in To; use Bcc", "personal data would leave"),
        matches=(_match("misdirected-lookalike-address", "hold", lookalike),
                 _match("lookalike-address", "log", lookalike),
                 _match("bulk-exposure-sensitive", "hold", "16 addresses in To; use Bcc"),
                 _match("identifiers-leaving", "log", "personal data would leave")))
    shown = [r.upper() for r in item.reasons]  # as the page shows them, one for one
    assert decided_by(item, shown) == (
        ["SARAH.KHAN@NHS.COM: NHS.COM HAS THE NAME OF NHS.NET", "16 ADDRESSES IN TO; USE BCC"],
        ["PERSONAL DATA WOULD LEAVE"])
