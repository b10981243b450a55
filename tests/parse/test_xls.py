"""A legacy .xls is read cell by cell: its numbers and dates are found, under their headers."""

from __future__ import annotations

import datetime

import pytest

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.parse import office, xls
from dlpgate.parse.mime import parse
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message

XLS = "application/vnd.ms-excel"
PUPILS = [["Child", "NHS number", "Date of birth"],
          ["Amy Reid", 9434765919, datetime.date(2016, 5, 4)],
          ["Leo Barnes", 4010232137, datetime.date(2016, 9, 22)]]


def scan(data: bytes, name: str = "pupils.xls"):
    raw = make_message(to=("bookings@holidayclub.co.uk",), body="The list is attached.\n",
                       attachments=((name, XLS, data),))
    scanner = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))
    return scanner.scan(raw, make_envelope(raw))


def sheet_text(data: bytes, name: str = "pupils.xls") -> tuple[str, list]:
    msg = parse(make_message(attachments=((name, XLS, data),)))
    [text] = [p.text for p in msg.parts if p.name == name]
    return text, [(p.kind, p.detail) for p in msg.problems if p.part == name]


def test_numbers_and_dates_typed_into_cells_are_read_beside_their_headers():
    # stored as a float and a day count, neither was text: the list went with nothing found
    text, problems = sheet_text(testdata.make_xls({"Year 4": PUPILS}))
    assert text.splitlines()[1:] == [
        "Child: Amy Reid; NHS number: 9434765919; Date of birth: 04/05/2016",
        "Child: Leo Barnes; NHS number: 4010232137; Date of birth: 22/09/2016",
        "Sheets: Year 4"]
    assert problems == []


def test_a_pupil_list_in_xls_is_held_with_its_nhs_numbers_and_dates_of_birth_found():
    result = scan(testdata.make_xls({"Year 4": PUPILS}))
    found = sorted((f.entity, f.text) for f in result.evidence.findings
                   if f.entity in ("UK_NHS", "DATE_OF_BIRTH"))
    assert found == [("DATE_OF_BIRTH", "04/05/2016"), ("DATE_OF_BIRTH", "22/09/2016"),
                     ("UK_NHS", "4010232137"), ("UK_NHS", "9434765919")]


def test_each_sheet_is_labelled_under_its_own_header_and_a_mac_workbooks_dates_are_right():
    data = testdata.make_xls({
        "Pupils": PUPILS,
        "Contacts": [["Parent", "Mobile"], ["Jo Reid", "07700 900123"]]}, dates_1904=True)
    text, _ = sheet_text(data)
    assert "Child: Amy Reid; NHS number: 9434765919; Date of birth: 04/05/2016" in text
    assert "Parent: Jo Reid; Mobile: 07700 900123" in text
    assert xls._value(3, 0.5, 1) == "0.5"  # a time of day alone is no day in 1904


def test_fractions_text_flags_and_blank_cells_read_as_excel_shows_them():
    data = testdata.make_xls({"S": [["Item", "Hours", "Done", "Note"],
                                    ["Visit", 1.5, True, None],
                                    ["Call\nback", 0.25, False, "ok"]]})
    text, _ = sheet_text(data)
    assert text.splitlines()[1:] == ["Item: Visit; Hours: 1.5; Done: TRUE",
                                     "Item: Call back; Hours: 0.25; Done: FALSE; Note: ok",
                                     "Sheets: S"]


def test_a_password_protected_workbook_is_an_encrypted_attachment():
    data = testdata.encrypt_xls(testdata.make_xls({"Year 4": PUPILS}))
    msg = parse(make_message(attachments=(("pupils.xls", XLS, data),)))
    assert [(p.kind, p.part) for p in msg.problems] == [("encrypted-attachment", "pupils.xls")]
    assert scan(data).decision.verdict.value == "hold"


def test_a_damaged_workbook_says_so_and_is_read_as_text_runs():
    data = bytearray(testdata.make_xls({"Year 4": PUPILS + [["Notes", "referred by nurse"]]}))
    at = data.find(b"\x85\x00\x0e\x00")  # the sheet's entry: where its records begin
    data[at + 4:at + 8] = (100_000).to_bytes(4, "little")  # past the end of the workbook
    text, problems = sheet_text(bytes(data))
    assert [kind for kind, _ in problems] == ["unscannable"]
    assert "read as text runs only" in problems[0][1]
    assert "referred by nurse" in text


def test_a_word_document_that_says_workbook_is_read_as_a_legacy_document():
    doc = testdata._compound_file([("WordDocument", "See the Workbook tab. Case notes for "
                                    "the review panel follow.".encode("utf-16-le"))])
    text, problems = sheet_text(doc, "notes.doc")
    assert "Case notes for the review panel follow." in text
    assert problems == []


def test_sheets_that_would_make_too_many_cells_are_left_out_and_that_is_said(monkeypatch):
    # a cell in column 256 of every row made xlrd pad every row: 9 MB of file, 50 million cells
    far = [[f"row {r}"] + [None] * 200 + [r] for r in range(50)]
    data = testdata.make_xls({"Pupils": PUPILS, "Padding": far, "After": PUPILS})
    monkeypatch.setattr(xls, "MAX_CELLS", 1000)
    text, problems = sheet_text(data)
    assert problems == [("unscannable", "the workbook's sheets pass 1000 cells together: the "
                                        "sheets from there on not scanned")]
    assert "NHS number: 9434765919" in text and "row 1" not in text
    with pytest.raises(xls.TooManyCells):
        xls.text(data)


def test_the_text_limit_stops_the_reading_and_keeps_what_was_read():
    rows = [["Child", "NHS number"]] + [[f"Child {i}", 9434765919] for i in range(500)]
    with pytest.raises(office.TextCut) as cut:
        xls.text(testdata.make_xls({"S": rows, "T": rows}), limit=2000)
    assert 1000 < len(cut.value.text) < 4000
    assert cut.value.text.splitlines()[1] == "Child: Child 0; NHS number: 9434765919"


def test_cells_are_counted_from_the_records_per_sheet():
    far = [["x"] + [None] * 98 + [1]] * 3  # three rows padded to 100 cells
    data = testdata.make_xls({"A": [["a", "b"], ["c"]], "B": far})
    sheets = xls._cells_per_sheet(xls._stream(data))
    assert (sheets.at(0), sheets.at(1)) == (3, 300)
    assert sheets.at(5) == 303  # a sheet not found where its entry says counts as all


def test_a_string_table_claiming_more_strings_than_the_file_holds_is_damage():
    data = bytearray(testdata.make_xls({"S": [["name", "nhs"], ["Jane Doe", 9434765919]]}))
    at = data.find(b"\xfc\x00")  # the string table: its length, total, then how many
    data[at + 8:at + 12] = (0xFFFFFFFF).to_bytes(4, "little")
    with pytest.raises(xls.XlsError, match="more strings than the file holds"):
        xls.text(bytes(data))


def test_a_workbook_cut_short_is_read_as_text_runs_and_said_to_be_damaged():
    # cut, it lost the directory entry that names its workbook: read silently as runs
    data = testdata.make_xls({"Year 4": PUPILS + [["Notes", "referred by nurse"]]})
    text, problems = sheet_text(data[:len(data) - 1024])
    assert problems == [("unscannable", "damaged compound file: read as text runs only")]
    assert "referred by nurse" in text


SPREADSHEET_2003 = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="Pupils"><Table>
<Row><Cell><Data ss:Type="String">Child</Data></Cell><Cell><Data ss:Type="String">Date of birth
</Data></Cell><Cell><Data ss:Type="String">NHS number</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">Amy Reid</Data></Cell><Cell><Data ss:Type="DateTime">
2016-05-04T00:00:00.000</Data></Cell><Cell><Data ss:Type="Number">9434765919</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">Leo Barnes</Data></Cell><Cell ss:Index="3"><Data
 ss:Type="Number">4010232137</Data></Cell></Row>
</Table></Worksheet></Workbook>"""


def test_an_xml_spreadsheet_2003_saved_as_xls_is_read_as_a_sheet():
    # read as XML text its values sat between tags, rows from "Date of birth": allowed
    text, problems = sheet_text(SPREADSHEET_2003.encode())
    assert text.splitlines()[1:] == [
        "Child: Amy Reid; Date of birth: 04/05/2016; NHS number: 9434765919",
        "Child: Leo Barnes; NHS number: 4010232137"]
    assert problems == []
    damaged = SPREADSHEET_2003.replace("</Table>", "").encode()
    text, problems = sheet_text(damaged)
    assert [kind for kind, _ in problems] == ["unscannable"] and "Amy Reid" in text


def test_a_sheets_page_header_and_footer_are_read_after_all_else_and_held():
    # printed at the top of every page of the pupil list, and went out unread
    rows = [["Pupil", "Class"], ["AR", "3B"]]
    data = testdata.make_xls({"Pupils": rows, "Staff": [["Name"], ["J Smith"]]}, printed=(
        '&L&"Arial,Bold"Zoë Reid&CNHS 943 476 5919', "&LOFFICIAL-SENSITIVE&RPage &P of &N"))
    text, problems = sheet_text(data)
    assert problems == []
    assert text.split("\n") == ["Pupil\tClass", "Pupil: AR; Class: 3B", "Name", "J Smith",
                                "Sheets: Pupils; Staff",  # where they were
                                "Zoë Reid NHS 943 476 5919", "OFFICIAL-SENSITIVE Page of"]
    result = scan(data)
    assert "UK_NHS" in {f.entity for f in result.evidence.findings}


def test_a_sheet_printed_with_excels_codes_alone_reads_as_before():
    rows = [["Pupil", "Class"], ["AR", "3B"]]
    assert sheet_text(testdata.make_xls({"Pupils": rows}))[0] == (
        "Pupil\tClass\nPupil: AR; Class: 3B\nSheets: Pupils")
    assert sheet_text(testdata.make_xls({"Pupils": rows}, printed=("", "")))[0] == (
        "Pupil\tClass\nPupil: AR; Class: 3B\nSheets: Pupils")
