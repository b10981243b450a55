"""Spreadsheets are read with each value beside its column's name, so a column headed
"Date of birth" makes its dates dates of birth."""

from __future__ import annotations

import datetime

import pytest

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.parse.tables import LABEL, labelled, tabular
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message

CHILDREN = ("Child,Date of birth,Address,Parent mobile\n"
            "Amy Reid,04/05/2016,2 Wren Close,07700 900123\n"
            '"Leo Barnes, Jr",22/09/2016,14 Ashford Close,07700 900456\n')


def test_each_row_is_written_with_its_columns_names():
    assert labelled(CHILDREN).splitlines() == [
        "Child,Date of birth,Address,Parent mobile",
        "Child: Amy Reid; Date of birth: 04/05/2016; Address: 2 Wren Close; "
        "Parent mobile: 07700 900123",
        "Child: Leo Barnes, Jr; Date of birth: 22/09/2016; Address: 14 Ashford Close; "
        "Parent mobile: 07700 900456"]


def test_a_first_row_of_data_is_no_header_and_prose_with_one_line_is_left_alone():
    rows = "9434765919,Allen,Mary\n4010232137,Brown,Tom\n"
    assert labelled(rows) == rows
    assert labelled("See attached, thanks") == "See attached, thanks"


def test_a_row_of_data_with_no_number_in_it_below_a_first_one_is_no_header_either():
    rows = "Allen,Mary,9434765919\nBrown,Tom,\nClark,Jane,4010232137\n"
    assert labelled(rows) == rows
    rows = "Amy Reid,Monday 12 March 2016,QQ 12 34 56 C\nLeo Barnes,Wren Close,Leeds\n"
    assert labelled(rows) == rows


def test_a_header_below_a_title_and_a_blank_row_labels_the_rows_under_it():
    # "Oakfield Primary - Year 4 pupil list" above the header left the sheet unlabelled
    sheet = ("Oakfield Primary – Year 4 pupil list\n\nName;Date of birth;NHS number\n"
             "Amy Reid;04/05/2016;943 476 5919\n")
    assert labelled(sheet).splitlines() == [
        "Oakfield Primary – Year 4 pupil list", "", "Name;Date of birth;NHS number",
        "Name: Amy Reid; Date of birth: 04/05/2016; NHS number: 943 476 5919"]


def test_a_year_in_a_headers_words_leaves_it_a_header():
    # "Status 2024/25" made the header row data, like a date in it would
    sheet = "Name\tStatus 2024/25\tDate of birth\nAmy Reid\tOpen\t04/05/2016"
    assert labelled(sheet, "\t").splitlines()[1] == (
        "Name: Amy Reid; Status 2024/25: Open; Date of birth: 04/05/2016")


def test_a_tab_separated_sheet_and_empty_cells():
    assert labelled("UPN\tName\tDOB\nM202100314549\t\t01/02/2015", "\t").splitlines()[1] == \
        "UPN: M202100314549; DOB: 01/02/2015"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scan(name: str, ctype: str, data: bytes, max_text: int = 5 * 1024 * 1024):
    raw = make_message(to=("bookings@holidayclub.co.uk",), body="The list is attached.\n",
                       attachments=((name, ctype, data),))
    scanner = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "scan": {"limits": {"max_text": max_text}},
        "detection": {"ner": False}}))
    return scanner.scan(raw, make_envelope(raw))


def test_dates_in_a_date_of_birth_column_are_dates_of_birth_in_csv_and_xlsx():
    # eighteen children's dates of birth went to a new provider with none found, and went
    rows = [["Child", "Date of birth", "Address"]] + [
        [f"Child {i}", f"{i:02d}/05/2016", f"{i} Wren Close"] for i in range(1, 13)]
    for name, ctype, data in (
            ("club.csv", "text/csv", "\n".join(",".join(r) for r in rows).encode()),
            ("club.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             testdata.make_xlsx(rows))):
        result = scan(name, ctype, data)
        births = [f for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
        assert len(births) == 12, name
        assert result.decision.verdict.value == "hold", (name, result.decision.rules)


def test_a_sheets_empty_cells_leave_the_others_under_their_own_headers():
    # Excel leaves empty cells out; the NHS numbers moved left under "Date of birth"
    from dlpgate.parse.mime import parse

    data = testdata.make_xlsx([["Child", "Date of birth", "NHS Number"],
                               ["Amy Reid", None, 9434765919]])
    msg = parse(make_message(attachments=(("a.xlsx", "application/vnd.openxmlformats-"
                                           "officedocument.spreadsheetml.sheet", data),)))
    [sheet] = [p.text for p in msg.parts if p.name == "a.xlsx"]
    assert sheet.splitlines()[1] == "Child: Amy Reid; NHS Number: 9434765919"


def test_labels_are_short_and_a_sheet_too_big_once_labelled_is_labelled_up_to_the_limit():
    # two 60 KB headers over rows of "1,2" made 6 GB of text
    big = ("A" * 60_000 + ",B\n") + "1,2\n" * 1000
    out = labelled(big, limit=100_000)
    assert len(out) == 100_001
    assert out.splitlines()[1] == "A" * LABEL + ": 1; B: 2"
    assert labelled("Date of birth and more words than any header needs,NHS\n1,2",
                    ).splitlines()[1] == (
        "Date of birth and more words than any he: 1; NHS: 2")


def test_a_sheet_too_big_once_labelled_keeps_its_labels_as_far_as_it_is_scanned():
    # 45,000 children were scanned without their column names, and allowed
    rows = "Child,Date of birth,Address\n" + "".join(
        f"Child {i},{i % 28 + 1:02d}/05/2016,{i} Wren Close\n" for i in range(400))
    result = scan("club.csv", "text/csv", rows.encode(), max_text=len(rows) + 1000)
    births = [f for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
    assert len(births) > 200 and result.decision.verdict.value == "hold"
    assert ("UNSCANNABLE", "club.csv") in {(f.entity, f.part) for f in result.evidence.findings}


def test_dates_of_birth_under_a_titled_sheets_header_are_found():
    rows = [["Oakfield Primary – Year 4 pupil list"], [], ["Child", "Date of birth", "Address"]]
    rows += [[f"Child {i}", f"{i:02d}/05/2016", f"{i} Wren Close"] for i in range(1, 13)]
    result = scan("club.xlsx", XLSX, testdata.make_xlsx(rows))
    births = [f for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
    assert len(births) == 12 and result.decision.verdict.value == "hold"


@pytest.mark.parametrize("date_format", [14, "dd/mm/yyyy", '[$-809]d mmmm yyyy;@', 'd "of" mmm'])
def test_dates_of_birth_stored_as_excel_dates_are_read_as_dates_and_found(date_format):
    # a date-formatted cell holds a day number, and 40210 is no date of birth
    rows = [["Child", "Date of birth", "Address"]] + [
        [f"Child {i}", datetime.date(2016, 5, i), f"{i} Wren Close"] for i in range(1, 13)]
    result = scan("club.xlsx", XLSX, testdata.make_xlsx(rows, date_format=date_format))
    births = [f.text for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
    assert births == [f"{i:02d}/05/2016" for i in range(1, 13)]
    assert result.decision.verdict.value == "hold"


def test_numbers_in_cells_without_a_date_format_stay_numbers():
    from dlpgate.parse.mime import parse

    data = testdata.make_xlsx([["Child", "Date of birth", "Ref"],
                               ["Amy Reid", datetime.date(1900, 1, 1), 40210]])
    msg = parse(make_message(attachments=(("a.xlsx", XLSX, data),)))
    [sheet] = [p.text for p in msg.parts if p.name == "a.xlsx"]
    assert sheet.splitlines()[1] == "Child: Amy Reid; Date of birth: 01/01/1900; Ref: 40210"


def test_a_table_saved_as_text_or_with_no_name_is_read_as_a_table():
    # Excel's "Unicode Text" save (.txt, tab-separated) and a case system's export with no
    # extension were read as prose: their dates and numbers had no column names beside them
    rows = "Child\tDate of birth\tNHS number\nAmy Reid\t04/05/2016\t943 476 5919\n" \
           "Leo Barnes\t22/09/2016\t401 023 2137\n"
    for name, data in (("pupils.txt", rows.encode("utf-16")),
                       ("export", rows.replace("\t", ",").encode())):
        result = scan(name, "application/octet-stream", data)
        births = [f for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
        assert len(births) == 2, name
    # prose with commas is left as it is
    assert not tabular("Dear Sir, thank you.\nWe met on Monday, as agreed.\nRegards, Ann\n")


PUPIL_ROWS = [["Oakfield Primary - Year 4"], [],
              ["Child", "Date of birth", "NHS number", "Address"]]
PUPIL_ROWS += [[f"Child {i}", f"{i:02d}/05/2016", "" if i % 3 == 0 else "943 476 5919",
                f"{i} Wren Close"] for i in range(1, 13)]


def test_a_table_printed_to_pdf_has_its_dates_of_birth_found_under_their_header():
    # read as lines, "Date of birth" stood rows above its dates: twelve children's dates of
    # birth went to a holiday club with none found, and the list was only logged
    result = scan("club.pdf", "application/pdf", testdata.make_pdf("", rows=PUPIL_ROWS))
    births = [f.text for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
    assert births == [f"{i:02d}/05/2016" for i in range(1, 13)]
    assert result.decision.verdict.value == "hold"


def test_an_empty_cell_in_a_pdf_table_leaves_the_rest_of_the_row_under_its_headers():
    from dlpgate.parse.mime import parse

    msg = parse(make_message(attachments=(
        ("club.pdf", "application/pdf", testdata.make_pdf("", rows=PUPIL_ROWS)),)))
    [text] = [p.text for p in msg.parts if p.name == "club.pdf"]
    lines = text.splitlines()
    assert lines[0] == "Oakfield Primary - Year 4"
    assert "Child: Child 3; Date of birth: 03/05/2016; Address: 3 Wren Close" in lines
    assert "Child: Child 4; Date of birth: 04/05/2016; NHS number: 943 476 5919; " \
           "Address: 4 Wren Close" in lines



def test_a_group_row_above_the_header_and_a_letterhead_of_five_rows_are_looked_past():
    grouped = ("Child,,,Parent/carer,\nName,Date of birth,NHS number,Name,Phone\n"
               "Amy Reid,04/05/2016,943 476 5919,Jo Reid,07700 900123\n")
    assert labelled(grouped).splitlines()[2] == (
        "Name: Amy Reid; Date of birth: 04/05/2016; NHS number: 943 476 5919; Name: Jo Reid; "
        "Phone: 07700 900123")
    letterhead = "\n".join(["Oakfield Primary School", "Church Lane", "Westbury", "WS3 5EL",
                            "Medical needs register", "Child,Date of birth",
                            "Amy Reid,04/05/2016"])
    assert labelled(letterhead).splitlines()[-1] == "Child: Amy Reid; Date of birth: 04/05/2016"


def test_a_form_laid_out_as_a_table_is_not_read_as_one():
    # "Child's name | Jayden Smith" taken for a header made the child's name the label of
    # every value, "Date of birth" a value beside it, and the referral was allowed
    form = "Child's name\tJayden Smith\nDate of birth\t04/05/2016\nNHS number\t9434765919\n"
    assert labelled(form, "\t", quotes=False) == form
    grid = ("Name:\tJayden Smith\tGender:\tMale\nDate of birth:\t04/05/2016\tNHS number:\t"
            "9434765919\nAddress:\t4 Mill Lane\tPostcode:\tWS1 1AA\n")
    assert labelled(grid, "\t", quotes=False) == grid
    invoice = "Customer\tNHS Westshire ICB\nInvoice number\t7376311602\nDate\t01/04/2025\n"
    assert labelled(invoice, "\t", quotes=False) == invoice  # no NHS number made of it
    html = (b"<p>Referral</p><table><tr><td>Child's name</td><td>Jayden Smith</td></tr><tr><td>"
            b"Date of birth</td><td>04/05/2016</td></tr><tr><td>NHS number</td><td>9434765919"
            b"</td></tr></table>")
    result = scan("referral.html", "text/html", html)
    assert sorted(f.entity for f in result.evidence.findings
                  if f.entity in ("UK_NHS", "DATE_OF_BIRTH")) == ["DATE_OF_BIRTH", "UK_NHS"]


def test_label_and_value_pairs_of_mixed_kinds_are_a_form_and_one_kind_a_table():
    event = "Event\tKing's Birthday Honours reception\nVenue\tMayor's Parlour\nDate\t20/06/2025\n"
    assert labelled(event, "\t", quotes=False) == event  # "Birthday" labelled no date
    grid = "Name\tAmelia Jones\tGender\tFemale\nDate of birth\t17/09/2015\tNHS number\t7280387012\n"
    assert labelled(grid, "\t", quotes=False) == grid  # two rows of labels are enough
    table = "Child\tSchool\nAmy Reid\tOakfield\nLeo Barnes\tSt Mary's\n"
    assert labelled(table, "\t", quotes=False).splitlines()[1] == \
        "Child: Amy Reid; School: Oakfield"
