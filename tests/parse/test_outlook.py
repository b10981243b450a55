"""An Outlook item (.msg) attached: its text, and the files attached to it read one by one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.parse import outlook

from .test_attachments import SECRET, parts_and_problems


def test_a_forwarded_outlook_items_attachment_is_read_as_a_file_of_its_own():
    # the item's body came through as text runs, but a referral attached inside it was
    # compressed bytes, and went out unread
    item = testdata.make_outlook_msg(
        "FW: Referral", "Please see the attached.",
        {"Referral - Callum.docx": testdata.make_docx(["Referral", SECRET]),
         "long.txt": b"Minutes. " * 600})  # past 4,096 bytes: in sectors of its own
    parts, problems = parts_and_problems("Referral.msg", item, "application/vnd.ms-outlook")
    assert problems == []
    assert parts["Referral.msg"] == "FW: Referral\nPlease see the attached."
    assert SECRET in parts["Referral.msg/Referral - Callum.docx"]
    assert parts["Referral.msg/long.txt"].startswith("Minutes. Minutes.")


def test_its_files_count_against_the_messages_expansion_budget():
    item = testdata.make_outlook_msg("x", "y", {"a.bin": b"a" * 1000, "b.bin": b"b" * 1000})
    assert [n for n, _ in outlook.read(item, 2000).files] == ["a.bin", "b.bin"]
    with pytest.raises(outlook.OutlookError, match="expand beyond 1500 bytes"):
        outlook.read(item, 1500)


def test_a_cut_or_damaged_item_is_a_problem_never_a_silent_pass():
    item = testdata.make_outlook_msg("Referral for Callum Reid", "NHS 943 476 5919")
    for cut in (item[:2000], item[:1000], item[:100]):  # in its streams, its directory, header
        _, problems = parts_and_problems("a.msg", cut, "application/vnd.ms-outlook")
        assert problems == [("unscannable", "a.msg")], len(cut)


def test_an_item_attached_to_the_item_is_read_as_an_item_of_its_own():
    # a forwarded message inside the forwarded one was passed over without a trace
    item = testdata.make_outlook_msg("FW: FW: visit", "See below.", items={
        "Visit notes": ("Visit notes", f"Notes for {SECRET}: child protection plan.")})
    parts, problems = parts_and_problems("fw.msg", item, "application/vnd.ms-outlook")
    assert problems == []
    assert SECRET in parts["fw.msg/Visit notes"]


def test_a_stream_that_claims_more_than_the_file_is_damage_not_a_read():
    # a 40 KB item whose body claimed 4 GB (a loop in its sectors) was read to it
    item = bytearray(testdata.make_outlook_msg("Referral", "NHS 943 476 5919"))
    body = "__substg1.0_1000001F".encode("utf-16-le")
    at = item.index(body) + 120  # the directory entry's stream size
    item[at:at + 4] = (0x7FFFFFFF).to_bytes(4, "little")
    with pytest.raises(outlook.OutlookError, match="claims more than the file holds"):
        outlook.read(bytes(item), 10**9)
    assert parts_and_problems("a.msg", bytes(item), "application/vnd.ms-outlook")[1] == [
        ("unscannable", "a.msg")]


def test_an_item_saved_with_an_html_body_only_is_read_its_links_addresses_last():
    html = (f"<html><body><p>Referral</p><p>{SECRET}</p><p><a href='mailto:amy.reid.family@"
            "gmail.com'>her mother</a></p></body></html>").encode("cp1252")
    data = testdata.make_outlook_msg("Referral", "", html=html)
    parts, problems = parts_and_problems("referral.msg", data)
    assert SECRET in parts["referral.msg"] and problems == []
    assert parts["referral.msg"].endswith("her mother\nmailto:amy.reid.family@gmail.com")


def test_an_item_saved_with_a_compressed_rtf_body_only_is_read_and_a_damaged_one_said():
    # its subject alone was read, and the referral typed into it went out unread
    letter = testdata.make_rtf(f"Referral\n{SECRET}")
    data = testdata.make_outlook_msg("Referral", "", rtf=testdata.compress_rtf(letter))
    parts, problems = parts_and_problems("referral.msg", data)
    assert SECRET in parts["referral.msg"] and problems == []
    cut = testdata.compress_rtf(letter)
    cut = cut[:len(cut) - 8]  # its last bytes lost: what came before is read, and said
    inner = testdata.make_outlook_msg("Referral", "", rtf=cut)
    parts, problems = parts_and_problems("referral.msg", inner)
    assert parts["referral.msg"].startswith("Referral\nReferral")
    assert problems == [("unscannable", "referral.msg")]


def test_a_file_dropped_into_a_rich_text_item_as_an_object_is_read_as_a_file():
    # an OLE object (PR_ATTACH_METHOD 6) was read as an item with nothing in it, and the
    # referral inside went out unread and unlisted
    item = testdata.make_outlook_msg("Referral", "See the object below.", objects={
        "Referral.txt": [testdata.ole_package("Referral for Callum.txt", SECRET.encode())],
        "Minutes": [("Package", testdata.make_docx(["Minutes", SECRET]))]})
    parts, problems = parts_and_problems("a.msg", item, "application/vnd.ms-outlook")
    assert problems == []
    assert parts["a.msg/Referral for Callum.txt"] == SECRET
    assert SECRET in parts["a.msg/Minutes"]


def test_a_document_inserted_as_an_object_is_read_as_its_streams_text_runs():
    item = testdata.make_outlook_msg("Notes", "Below.", objects={"Visit notes": [
        ("\x01CompObj", b"\x01\x00\xfe\xff\x03\x0a\x00\x00"),
        ("WordDocument", f"Visit notes for {SECRET}".encode("utf-16-le"))]})
    parts, problems = parts_and_problems("a.msg", item, "application/vnd.ms-outlook")
    assert problems == [] and SECRET in parts["a.msg/Visit notes"]


@pytest.mark.parametrize("native", [
    b"\xff\xff\xff\x7f\x02\x00label",  # no NUL after the label
    b"\x10\x00\x00\x00\x02\x00a\x00b\x00\x00\x00\x03\x00\xff\xff\xff\x7f",  # a path past the end
    b"\x10\x00\x00\x00\x02\x00a\x00b\x00\x00\x00\x03\x00\x00\x00\x00\x00\xff\xff\xff\x7f",
])
def test_a_package_whose_lengths_do_not_fit_is_read_as_text_runs_not_trusted(native):
    item = testdata.make_outlook_msg("x", "y", objects={
        "Thing": [("\x01Ole10Native", native + f" {SECRET}".encode())]})
    parts, problems = parts_and_problems("a.msg", item, "application/vnd.ms-outlook")
    assert problems == [] and SECRET in parts["a.msg/Thing"]


def test_an_objects_streams_count_against_the_messages_expansion_budget():
    item = testdata.make_outlook_msg("x", "y", objects={
        "Thing": [("WordDocument", b"a" * 3000)]})
    with pytest.raises(outlook.OutlookError, match="expand beyond 2000 bytes"):
        outlook.read(item, 2000)


APPOINTMENT = "00062002-0000-0000-C000-000000000046"  # PSETID_Appointment
COMMON = "00062008-0000-0000-C000-000000000046"  # PSETID_Common
HIDDEN = "Core group: Amy Reid (NHS 943 476 5919), DOB 12/03/2015"


def test_an_appointments_location_and_other_named_properties_are_read_after_its_body():
    # an appointment sent as a .msg: its location is a named property (PidLidLocation), and
    # the child named there went out unread
    item = testdata.make_outlook_msg("Strategy meeting", "Agenda to follow.", named=[
        (APPOINTMENT, 0x8234, "(UTC+00:00) Dublin, Edinburgh, Lisbon, London"),
        (APPOINTMENT, 0x8208, HIDDEN),
        (COMMON, 0x853A, ["Sarah Reid", "Jo Smith"]),  # PidLidContacts, multi-valued
        ("", "Keywords", ["Child protection"]),  # categories, by name in the public strings
        (APPOINTMENT, 0x8238, "Agenda to follow."),  # said already: not read twice
    ])
    parts, problems = parts_and_problems("Strategy meeting.msg", item,
                                         "application/vnd.ms-outlook")
    assert problems == []
    assert parts["Strategy meeting.msg"].split("\n") == [
        "Strategy meeting", "Agenda to follow.",  # where they were
        "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", f"Location: {HIDDEN}",
        "Contacts: Sarah Reid", "Contacts: Jo Smith", "Categories: Child protection"]


def test_an_items_named_properties_are_read_without_the_map_of_their_names():
    item = testdata.make_outlook_msg("Strategy meeting", "", named=[(APPOINTMENT, 0x8208,
                                                                     HIDDEN)])
    assert outlook.read(item, 1 << 20).named == f"Location: {HIDDEN}"
    # a map whose entries point past its streams: the values are read, unlabelled
    with_damage = item.replace(b"\x08\x82\x00\x00\x06\x00\x00\x00", b"\x08\x82\x00\x00\xfe\xff"
                               b"\x00\x00")
    assert with_damage != item
    assert outlook.read(with_damage, 1 << 20).named == HIDDEN


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=96), st.binary(max_size=64))
def test_no_map_of_names_however_damaged_breaks_the_reading(guids, entries, strings):
    for ident, (guid, key) in outlook.name_map(guids, entries, strings).items():
        assert ident >= 0x8000 and len(guid) in (0, 16) and isinstance(key, int | str)


def _html_item(markup: str, body: str = "Please see the case.") -> bytes:
    """An item as Outlook saves an HTML message: its plain body beside its HTML one."""
    return testdata.make_outlook_msg("Case", body, html=(
        f"<html><body><p>{body}</p>{markup}</body></html>").encode("cp1252"))


@pytest.mark.parametrize("hiding, line", [
    ("<!-- Amy Reid, NHS number 943 476 5919 -->", "Comment: Amy Reid, NHS number 943 476 5919"),
    ('<a href="#" title="Amy Reid, NHS number 943 476 5919">the case</a>',
     "Tooltip: Amy Reid, NHS number 943 476 5919"),
    ('<form><input name="nhs" value="943 476 5919"></form>', "Form field: 943 476 5919"),
])
def test_what_an_items_html_body_hides_is_read_after_its_text_and_held(hiding, line):
    # a forwarded item's plain body says all its HTML shows: the comment, tooltip or field
    # its HTML keeps went out unread
    from dlpgate.testing import sent_to_webmail

    parts, problems = parts_and_problems("Case.msg", _html_item(hiding))
    assert problems == []
    assert parts["Case.msg"].split("\n") == ["Case", "Please see the case.", line]
    found, verdict = sent_to_webmail(attachments=(("Case.msg", "application/vnd.ms-outlook",
                                                   _html_item(hiding)),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_what_an_items_html_hides_and_its_text_says_is_read_once():
    item = _html_item('<a href="#" title="Amy Reid">Amy Reid</a><!-- Amy -->',
                      body="Amy Reid 943 476 5919")
    assert parts_and_problems("Case.msg", item)[0]["Case.msg"] == "Case\nAmy Reid 943 476 5919"


def test_an_item_whose_html_hides_nothing_reads_as_before():
    item = _html_item("<!--[if gte mso 9]><xml>x</xml><![endif]--><p>Thanks</p>")
    assert outlook.read(item, 1 << 20).hidden == ""
    assert parts_and_problems("Case.msg", item)[0]["Case.msg"] == "Case\nPlease see the case."


def test_what_an_item_inside_an_item_hides_is_read_under_its_own_name():
    inner = _html_item("<!-- NHS number 943 476 5919 -->")
    outer = testdata.make_outlook_msg("Fwd", "See below.", files={"Case.msg": inner})
    parts, _ = parts_and_problems("Fwd.msg", outer)
    assert parts["Fwd.msg/Case.msg"].endswith("Comment: NHS number 943 476 5919")
    assert "943" not in parts["Fwd.msg"]


def _rtf_item(page: str, body: str = "") -> bytes:
    """An item as Outlook saves an HTML message with no HTML body: its page inside its
    compressed RTF one (`testrtf.from_html`), beside a plain body where `body` is given."""
    from dlpgate import testrtf

    document = testrtf.from_html(f"<html><body>{page}</body></html>").encode("ascii")
    return testdata.make_outlook_msg("Case", body, rtf=testdata.compress_rtf(document))


@pytest.mark.parametrize("body", ["", "Please see the case."])
def test_what_a_page_kept_inside_an_items_rtf_body_hides_is_read_after_its_text_and_held(body):
    # an item whose HTML Outlook kept only inside its RTF body had its text read and the
    # comment and tooltip its page hid went out unread
    from dlpgate.testing import sent_to_webmail

    item = _rtf_item('<p>Please see <a href="#" title="Amy Reid">the case</a>.</p>'
                     "<!-- NHS number 943 476 5919 -->", body)
    parts, problems = parts_and_problems("Case.msg", item)
    assert problems == []
    assert [line for line in parts["Case.msg"].split("\n") if line][-3:] == [
        "Please see the case.", "Comment: NHS number 943 476 5919", "Tooltip: Amy Reid"]
    found, verdict = sent_to_webmail(attachments=(("Case.msg", "application/vnd.ms-outlook",
                                                   item),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_what_a_page_in_an_items_rtf_body_hides_and_its_text_says_is_read_once():
    item = _rtf_item('<p><a href="#" title="Amy Reid">Amy Reid</a> 943 476 5919</p>'
                     "<!-- 943 476 5919 -->")
    assert parts_and_problems("Case.msg", item)[0]["Case.msg"].split() == [
        "Case", "Amy", "Reid", "943", "476", "5919"]


def test_an_item_with_a_plain_body_and_an_rtf_one_not_from_html_reads_as_before():
    letter = testdata.compress_rtf(testdata.make_rtf("{Amy Reid 943 476 5919}"))
    for rtf in (letter, letter[:len(letter) - 8]):  # its damage beside a plain body unsaid
        item = testdata.make_outlook_msg("Case", "Please see the case.", rtf=rtf)
        assert parts_and_problems("Case.msg", item) == (
            {"Case.msg": "Case\nPlease see the case."}, [])
