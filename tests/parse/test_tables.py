"""Spreadsheets are read with each value beside its column's name, so a column headed
"Date of birth" makes its dates dates of birth."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.parse.tables import labelled
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


def test_a_tab_separated_sheet_and_empty_cells():
    assert labelled("UPN\tName\tDOB\nM202100314549\t\t01/02/2015", "\t").splitlines()[1] == \
        "UPN: M202100314549; DOB: 01/02/2015"


def scan(name: str, ctype: str, data: bytes):
    raw = make_message(to=("bookings@holidayclub.co.uk",), body="The list is attached.\n",
                       attachments=((name, ctype, data),))
    scanner = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
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
