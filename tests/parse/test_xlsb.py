"""An Excel binary workbook (.xlsb) is read cell by cell, as an .xlsx is, within the same
limits; a damaged or hostile one says so, quickly, and never what its cells hold."""

from __future__ import annotations

import datetime
import io
import struct
import subprocess
import sys
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.config import Limits, Settings
from dlpgate.model import Envelope
from dlpgate.parse import xls, xlsb
from dlpgate.parse.mime import parse
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_message, sent_to_webmail

XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
SHEET = "xl/worksheets/sheet1.bin"
PUPILS = [["Child", "Date of birth", "NHS number"],
          ["Amy Reid", datetime.date(2016, 5, 4), 9434765919],
          ["Leo Barnes", datetime.date(2016, 9, 22), 4010232137]]


def read(data: bytes, name: str = "pupils.xlsb", limits: Limits | None = None):
    """The workbook's text (None when it gave none) and its problems, as (kind, detail)."""
    msg = parse(make_message(attachments=((name, XLSB, data),)), limits=limits)
    texts = [p.text for p in msg.parts if p.name == name]
    return (texts[0] if texts else None), [(p.kind, p.detail) for p in msg.problems]


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def with_sheet_records(data: bytes, records: bytes) -> bytes:
    """The workbook with `records` put at the end of its first sheet's rows."""
    sheet = member(data, SHEET)
    at = sheet.rindex(b"\x92\x01\x00")  # BrtEndSheetData, type 146 in two bytes, size 0
    return testdata.with_members(data, {SHEET: sheet[:at] + records + sheet[at:]})


def test_a_binary_workbook_of_pupils_is_read_row_by_row_under_its_header():
    # its sheets are records, not XML: read as an .xlsx the list went out unread, unsaid
    text, problems = read(testdata.make_xlsb({"Year 4": PUPILS}))
    assert text.splitlines() == [
        "Year 4",
        "Child\tDate of birth\tNHS number",
        "Child: Amy Reid; Date of birth: 04/05/2016; NHS number: 9434765919",
        "Child: Leo Barnes; Date of birth: 22/09/2016; NHS number: 4010232137"]
    assert problems == []


def test_an_xlsb_of_names_dates_of_birth_and_nhs_numbers_to_a_gmail_address_is_held():
    raw = make_message(to=("someone@gmail.com",), body="The list is attached.\n",
                       attachments=(("pupils.xlsb", XLSB, testdata.make_xlsb({"Year 4": PUPILS})),))
    settings = Settings.model_validate({"detection": {"ner": False}})
    result = Scanner(settings).scan(raw, Envelope("a@example-council.gov.uk",
                                                  ("someone@gmail.com",)))
    assert result.decision.verdict.value in ("hold", "reject")
    found = sorted((f.entity, f.part) for f in result.evidence.findings
                   if f.entity in ("UK_NHS", "DATE_OF_BIRTH"))
    assert found == [("DATE_OF_BIRTH", "pupils.xlsb")] * 2 + [("UK_NHS", "pupils.xlsb")] * 2


def test_numbers_text_flags_and_formula_results_read_as_excel_shows_them():
    rows = [["Item", "Whole", "Hundredths", "Fraction", "Big", "Done", "Result", "Sum", "Check"],
            ["Visit", 42, 12.34, 0.1, 123456789.5, True,
             testdata.Formula("Reid, Amy"), testdata.Formula(2.5), testdata.Formula(False)],
            ["Call\nback", -7, -0.25, 1 / 3, 9434765919, False, None, None, None]]
    for inline in (False, True):  # text in the shared strings, or in the cells themselves
        text, problems = read(testdata.make_xlsb({"S": rows}, inline=inline))
        assert text.splitlines()[2:] == [
            "Item: Visit; Whole: 42; Hundredths: 12.34; Fraction: 0.1; Big: 123456789.5; "
            "Done: TRUE; Result: Reid, Amy; Sum: 2.5; Check: FALSE",
            "Item: Call back; Whole: -7; Hundredths: -0.25; Fraction: 0.333333333333333; "
            "Big: 9434765919; Done: FALSE"]
        assert problems == []


def test_a_cell_after_empty_ones_stays_under_its_own_header():
    rows = [["Child", "Notes", "Phone", "NHS number"], ["Amy Reid", None, None, 9434765919]]
    text, _ = read(testdata.make_xlsb({"S": rows}))
    assert text.splitlines()[-1] == "Child: Amy Reid; NHS number: 9434765919"


@pytest.mark.parametrize("date_format, dates_1904", [(14, False), ("dd/mm/yyyy", False),
                                                      ('[$-809]d mmmm yyyy;@', False),
                                                      (14, True)])
def test_dates_are_known_by_their_cells_number_format_in_either_date_system(date_format,
                                                                           dates_1904):
    data = testdata.make_xlsb({"S": PUPILS}, date_format=date_format, dates_1904=dates_1904)
    text, _ = read(data)
    assert "Date of birth: 04/05/2016" in text and "Date of birth: 22/09/2016" in text


def test_a_number_in_a_cell_styled_as_a_number_is_no_date():
    text, _ = read(testdata.make_xlsb({"S": PUPILS}, date_format="0.00"))
    assert "Date of birth: 42494" in text


def test_each_sheet_is_read_in_the_workbooks_order_under_its_own_name():
    data = testdata.make_xlsb({"Pupils": PUPILS,
                               "Contacts": [["Parent", "Mobile"], ["Jo Reid", "07700 900123"]]})
    text, _ = read(data)
    lines = text.splitlines()
    assert lines.index("Pupils") < lines.index("Contacts")
    assert "Parent: Jo Reid; Mobile: 07700 900123" in lines


def test_comments_page_headers_and_the_files_properties_are_read():
    custom = ('<?xml version="1.0"?><Properties xmlns="urn:cp" xmlns:vt="urn:vt">'
              '<property name="Client"><vt:lpwstr>Callum Reid</vt:lpwstr></property>'
              "</Properties>")
    data = testdata.with_members(
        testdata.make_xlsb({"S": PUPILS}, comments=["Mum says\nNHS 943 476 5919"],
                           header='&L&"Arial,Bold"Looked-after children&RPage &P'),
        {**testdata.ooxml_properties(title="Referral: Callum Reid"),
         "docProps/custom.xml": custom, "xl/threadedComments/threadedComment1.xml": (
             '<?xml version="1.0"?><ThreadedComments xmlns="urn:tc"><threadedComment ref="A2">'
             "<text>Moved to foster care 12/01/2024</text></threadedComment>"
             "</ThreadedComments>")})
    text, problems = read(data)
    lines = text.splitlines()
    assert "Mum says NHS 943 476 5919" in lines  # a note, in the binary comments part
    assert "Moved to foster care 12/01/2024" in lines  # a threaded comment, XML in an .xlsb
    assert "Looked-after children Page" in lines
    assert "Client: Callum Reid" in lines and "Title: Referral: Callum Reid" in lines
    assert problems == []


def test_a_workbook_declaring_nothing_is_read_by_its_parts_usual_names():
    data = testdata.with_members(testdata.make_xlsb({"S": PUPILS}), {
        "[Content_Types].xml": testdata._CT})
    text, problems = read(data)
    assert "NHS number: 9434765919" in text and problems == []


def test_a_password_protected_xlsb_is_an_encrypted_attachment():
    # a compound file with an EncryptedPackage stream, as an encrypted .xlsx is
    _, problems = read(testdata.make_encrypted_office())
    assert problems == [("encrypted-attachment", "password-protected Office document")]


# Hostile and damaged workbooks: each said, quickly, with the cells before the damage kept.

def test_a_record_claiming_a_size_past_its_part_is_damage_and_the_rows_before_it_are_kept():
    data = testdata.make_xlsb({"S": PUPILS})
    for size, why in ((b"\x80\x80\x80\x80\x08", "a record's size runs past four bytes"),
                      (b"\xff\xff\xff\x7f", "a record runs past the end of its part")):
        started = time.monotonic()
        text, problems = read(with_sheet_records(data, b"\x00" + size))
        assert time.monotonic() - started < 2
        assert problems == [("unscannable", f"{SHEET} is damaged ({why}): the workbook read "
                                            "up to there")]
        assert "NHS number: 4010232137" in text


def test_a_sheet_cut_short_and_a_workbook_cut_short_say_so():
    data = testdata.make_xlsb({"S": PUPILS})
    sheet = member(data, SHEET)
    text, problems = read(testdata.with_members(data, {SHEET: sheet[:-30]}))  # mid-record
    assert [kind for kind, _ in problems] == ["unscannable"]
    assert "is damaged" in problems[0][1] and "NHS number: 9434765919" in text
    text, problems = read(data[: len(data) // 2])  # the ZIP itself cut in half
    assert problems == [("unscannable", "damaged ZIP archive (BadZipFile)")]


def test_a_cell_pointing_past_the_shared_strings_is_said_and_no_text_made_up():
    data = testdata.make_xlsb({"S": PUPILS})
    cell = struct.pack("<III", 3, 0, 1_000_000)  # column 3, no style, string 1,000,000
    text, problems = read(with_sheet_records(data, b"\x07\x0c" + cell))
    assert problems == [("unscannable", "1 cells point past the workbook's shared strings (a "
                                        "damaged or missing strings part): their text not "
                                        "read")]
    assert "NHS number: 9434765919" in text and "1000000" not in text


def test_a_sheet_of_a_million_empty_rows_is_walked_in_seconds():
    rows = b"".join(b"\x00\x11" + struct.pack("<IIHBBBI", 2 + r, 0, 300, 0, 0, 0, 0)
                    for r in range(1_000_000))  # BrtRowHdr, 17 bytes each: 19 MB of rows
    data = with_sheet_records(testdata.make_xlsb({"S": PUPILS}), rows)
    for limits in (Limits(), Limits(max_ratio=1000)):  # refused for its ratio, or read
        started = time.monotonic()
        text, problems = read(data, limits=limits)
        took = time.monotonic() - started
        assert took < 10, took
        if problems:
            [(kind, detail)] = problems
            assert kind == "unscannable" and detail.endswith("(zip bomb)"), detail
        else:
            assert "NHS number: 4010232137" in text
    assert problems == []  # the second, which let its ratio through


def test_records_and_cells_past_the_workbooks_caps_are_left_out_and_that_is_said(monkeypatch):
    monkeypatch.setattr(xlsb, "MAX_RECORDS", 300)  # a sheet of empty rows passes them
    row = b"\x00\x11" + struct.pack("<IIHBBBI", 0, 0, 300, 0, 0, 0, 0)
    data = with_sheet_records(testdata.make_xlsb({"S": PUPILS}), row * 400)
    text, problems = read(data)
    assert problems == [("unscannable", "the workbook passes 300 records: the rest not "
                                        "scanned")]
    assert "NHS number: 4010232137" in text
    monkeypatch.undo()
    monkeypatch.setattr(xls, "MAX_CELLS", 5)
    text, problems = read(testdata.make_xlsb({"S": PUPILS, "T": PUPILS}))
    assert problems == [("unscannable", "the workbook's sheets pass 5 cells together: the "
                                        "cells from there on not scanned")]
    assert text.splitlines()[1] == "Child\tDate of birth\tNHS number"
    assert "Leo Barnes" not in text


def test_the_text_limit_stops_the_reading_and_keeps_what_was_read():
    rows = [["Child", "NHS number"]] + [[f"Child {i}", 9434765919] for i in range(500)]
    text, problems = read(testdata.make_xlsb({"S": rows, "T": rows}),
                          limits=Limits(max_text=2000))
    assert problems == [("unscannable", "only the first 2000 characters scanned")]
    assert text.splitlines()[2] == "Child: Child 0; NHS number: 9434765919"
    assert 1000 < len(text) <= 2000


def _zip_claiming(data: bytes, name: str, size: int) -> bytes:
    """The package with its member `name` saying, in the central directory, it unpacks to
    `size` bytes (a zip64 entry): what a bomb says before anything is unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.getinfo(name).file_size = size
    return out.getvalue()


def test_a_sheet_that_claims_to_unpack_to_ten_gigabytes_is_refused_before_it_is_unpacked():
    data = _zip_claiming(testdata.make_xlsb({"S": PUPILS}), SHEET, 10 << 30)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size == 10 << 30
    started = time.monotonic()
    text, problems = read(data)
    assert time.monotonic() - started < 2
    [(kind, detail)] = problems
    assert kind == "unscannable" and detail.endswith("exceeds 100:1 (zip bomb)"), detail
    data = _zip_claiming(testdata.make_xlsb({"S": PUPILS}), SHEET, 200 << 20)
    _, problems = read(data, limits=Limits(max_ratio=1 << 30))  # its ratio let through
    assert problems == [("unscannable", f"archives expand beyond {100 << 20} bytes")]


def test_a_sheet_that_is_a_zip_bomb_is_refused_in_bounded_memory(tmp_path):
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(testdata.make_xlsb({"S": PUPILS}))) as zin, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            if info.filename != SHEET:
                zout.writestr(info.filename, zin.read(info))
        with zout.open(SHEET, "w", force_zip64=True) as fh:
            for _ in range(64):
                fh.write(bytes(1 << 20))  # 64 MB of empty records (type 0 size 0)
    (tmp_path / "bomb.xlsb").write_bytes(bomb.getvalue())
    script = ("import resource\n"
              "resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))\n"
              "from dlpgate.parse.mime import parse\n"
              "from dlpgate.testing import make_message\n"
              f"data = open({str(tmp_path / 'bomb.xlsb')!r}, 'rb').read()\n"
              "msg = parse(make_message(attachments=(('bomb.xlsb', 'application/octet-stream',"
              " data),)))\n"
              "print([p.detail for p in msg.problems])\n")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert "(zip bomb)" in out.stdout and time.monotonic() - started < 20, out.stdout


def test_no_problem_a_damaged_workbook_gives_quotes_what_its_cells_hold():
    data = testdata.make_xlsb({"S": PUPILS}, comments=["Amy Reid, NHS 943 476 5919"])
    damaged = [with_sheet_records(data, b"\x00\xff\xff\xff\x7f"),
               with_sheet_records(data, b"\x07\x0c" + struct.pack("<III", 0, 0, 99)),
               testdata.with_members(data, {"xl/sharedStrings.bin": member(
                   data, "xl/sharedStrings.bin")[:-12]}),
               testdata.with_members(data, {"xl/comments1.bin": member(
                   data, "xl/comments1.bin")[:-12]})]
    for workbook in damaged:
        _, problems = read(workbook)
        assert problems
        for _, detail in problems:
            assert not any(secret in detail for secret in ("Amy", "Reid", "Leo", "943",
                                                           "9434765919", "2016"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=st.sampled_from([SHEET, "xl/sharedStrings.bin", "xl/styles.bin",
                             "xl/workbook.bin", "xl/comments1.bin"]),
       at=st.integers(min_value=0, max_value=400), junk=st.binary(max_size=64))
def test_any_bytes_in_any_of_a_binary_workbooks_parts_never_crash_the_reader(part, at, junk):
    base = testdata.make_xlsb({"S": PUPILS}, comments=["note"])
    original = member(base, part)
    text, problems = read(testdata.with_members(base, {part: original[:at] + junk
                                                       + original[at + len(junk):]}))
    assert all(kind == "unscannable" for kind, _ in problems)


def test_the_test_workbooks_are_ones_another_reader_reads_the_same():
    """make_xlsb checked by pyxlsb2, a reader of its own: cells, date styles, 1904 dates."""
    pyxlsb2 = pytest.importorskip("pyxlsb2")
    rows = [["Child", "Date of birth", "NHS number", "Hours", "Done", "Result"],
            ["Amy Reid", datetime.date(2016, 5, 4), 9434765919, 12.34, True,
             testdata.Formula("Reid, Amy")]]
    for inline, dates_1904 in ((False, False), (True, True)):
        data = testdata.make_xlsb({"Year 4": rows, "Other": [["x", 1]]}, inline=inline,
                                  date_format="dd/mm/yyyy", dates_1904=dates_1904)
        with pyxlsb2.open_workbook(io.BytesIO(data)) as book:
            assert [s.name for s in book.sheets] == ["Year 4", "Other"]
            assert bool(book.props.date1904) == dates_1904
            with book.get_sheet_by_name("Year 4") as sheet:
                got = [[(c.value, c.is_date_formatted) for c in row if c.value is not None]
                       for row in sheet.rows()]
        serial = 42494 - (1462 if dates_1904 else 0)
        assert got[1] == [("Amy Reid", False), (serial, True), (9434765919, False),
                          (12.34, False), (True, False), ("Reid, Amy", False)]


def test_a_cells_link_tooltip_is_read_after_all_else_and_once_where_the_sheet_shows_it():
    # a binary workbook's links' ScreenTips went out unread, where an .xlsx's were read
    data = testdata.make_xlsb({"S": PUPILS}, tips=["Sibling: Leo Hart, NHS 401 023 2137",
                                                   "Amy Reid", ""])
    text, problems = read(data)
    plain, _ = read(testdata.make_xlsb({"S": PUPILS}))
    assert problems == []
    assert text == plain + "\nTooltip: Sibling: Leo Hart, NHS 401 023 2137"
    # a link record whose tooltip its bytes do not hold (its range and a count past them)
    cut = b"\xee\x03\x18" + bytes(16) + b"\xff" * 4 + b"\x09\x00\x00\x00"
    assert read(with_sheet_records(testdata.make_xlsb({"S": PUPILS}), cut)) == (plain, [])


HIDDEN = testdata.xlsb_if(testdata.ptg_ref(1, 0) + testdata.ptg_str("") + testdata.PTG_EQ,
                          testdata.ptg_str("Callum Patel, NHS 943 476 5919"),
                          testdata.ptg_str(""))  # =IF(A2="","Callum Patel, NHS ...","")


def tracker(*cells: testdata.XlsbCell | testdata.Formula) -> bytes:
    """A workbook whose row 2 holds "AR" and `cells` under row 1's headers."""
    return testdata.make_xlsb({"S": [["A col", "B col", "C col", "D col"], ["AR", *cells]]})


def test_a_formulas_text_the_cells_do_not_show_is_read_last_and_held():
    # a red team: the cell shows nothing while A2 is filled, its formula names a child
    number = testdata.xlsb_if(testdata.ptg_ref(1, 0) + testdata.ptg_num(4010232137)
                              + testdata.PTG_EQ, testdata.ptg_int(1), testdata.ptg_int(0))
    data = tracker(testdata.Formula("", HIDDEN), testdata.Formula(0.0, number))
    text, problems = read(data)
    plain, _ = read(tracker(testdata.Formula(""), testdata.Formula(0.0)))
    assert problems == []
    assert text == plain + "\nFormula: Callum Patel, NHS 943 476 5919\nFormula: 4010232137"
    found, verdict = sent_to_webmail(attachments=(("tracker.xlsb", XLSB, data),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_a_shared_formula_is_read_once_from_the_record_after_its_first_cell():
    # Excel keeps a filled-down formula once, after its first cell; the others point at it
    exp = b"\x01" + struct.pack("<I", 1)  # PtgExp: the formula of the cell in row 2
    data = tracker(testdata.Formula("", shared=HIDDEN), testdata.Formula("", exp),
                   testdata.Formula("", exp))
    text, problems = read(data)
    assert problems == [] and text.count("Callum Patel") == 1
    assert text.endswith("\nFormula: Callum Patel, NHS 943 476 5919")
    # an array formula's, likewise, from its BrtArrFmla (426): its cells, a flag, the formula
    body = bytes(17) + struct.pack("<I", len(HIDDEN)) + HIDDEN + bytes(4)
    array = b"\xaa\x03" + bytes([len(body)]) + body
    text, problems = read(with_sheet_records(tracker(testdata.Formula("", exp)), array))
    assert problems == [] and text.endswith("\nFormula: Callum Patel, NHS 943 476 5919")


def test_references_small_numbers_and_a_formulas_shown_value_add_nothing():
    everyday = (b"\x25" + struct.pack("<IIHH", 0, 1048575, 0xC000, 0xC000)  # A1:A1048576
                + testdata.ptg_attr(0x10) + testdata.ptg_num(1000000) + b"\x05"
                + testdata.ptg_num(12345678) + b"\x03")  # =SUM(A:A)*1000000+12345678
    shown = testdata.xlsb_if(testdata.ptg_ref(1, 0) + testdata.ptg_str("AR") + testdata.PTG_EQ,
                             testdata.ptg_str("Open"), testdata.ptg_str(""))
    text, _ = read(tracker(testdata.Formula(3.0, everyday), testdata.Formula("Open", shown)))
    assert "Formula" not in text and text.count("Open") == 1


def test_a_damaged_formula_is_read_up_to_its_damage_and_never_past_its_record():
    before = testdata.ptg_str("Amy Reid, NHS 943 476 5919")
    plain, _ = read(tracker(testdata.Formula("")))
    for tokens in (before + b"\x00" + testdata.ptg_str("Leo Hart"),  # a token unknown
                   before + b"\x17\xff\xff" + bytes(8),  # a string claiming 65,535 characters
                   before + testdata.ptg_num(9)[:5]):  # cut short
        text, problems = read(tracker(testdata.Formula("", tokens)))
        assert (text, problems) == (plain + "\nFormula: Amy Reid, NHS 943 476 5919", [])
    # a formula claiming 4 GB of tokens, and one claiming more than its record holds
    cell = struct.pack("<II", 2, 0) + b"\x00" * 4 + struct.pack("<HI", 0, 0xFFFFFFFF) + before
    for record in (cell, cell[:-4]):
        sheet = b"\x08" + bytes([len(record)]) + record  # BrtFmlaString, "" shown
        text, problems = read(with_sheet_records(testdata.make_xlsb({"S": PUPILS}), sheet))
        assert problems == [] and ("Amy Reid, NHS" in text) == (record == cell)


def test_the_test_formulas_are_ones_another_reader_reads_the_same():
    """The tokens the tests write, checked by pyxlsb2's reader of formulas."""
    pyxlsb2 = pytest.importorskip("pyxlsb2")
    from pyxlsb2.formula import Formula

    data = io.BytesIO(tracker(testdata.Formula("", HIDDEN)))
    with pyxlsb2.open_workbook(data) as book, book.get_sheet_by_name("S") as sheet:
        [cell] = [c for row in sheet.rows() for c in row if c.formula]
        assert Formula.parse(cell.formula).stringify(book) == \
            'IF(A2="", "Callum Patel, NHS 943 476 5919", "")'
