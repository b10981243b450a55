"""A table printed to PDF is found in the page's laid-out text and read with its headers."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.parse.layout import has_rows, laid_out
from dlpgate.testing import make_envelope, make_message


def scan(data: bytes):
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner

    raw = make_message(to=("bookings@holidayclub.co.uk",), body="The list is attached.\n",
                       attachments=(("letter.pdf", "application/pdf", data),))
    scanner = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))
    return scanner.scan(raw, make_envelope(raw))


def test_a_letter_with_a_table_keeps_its_prose_and_labels_the_table():
    rows = [["Dear Ms Patel,"],
            ["Please find below the children we discussed at the meeting on Tuesday."], [],
            ["Name", "DOB", "NHS No.", "School"],
            ["Amy Reid", "04/05/2016", "943 476 5919", "Oakfield Primary"],
            ["Leo Barnes", "22/09/2016", "", "St Mary's C of E Primary School"],
            [], ["Kind regards,"], ["Jo Smith, Early Help"]]
    layout = ("Dear Ms Patel,\nPlease find below the children we discussed at the meeting on "
              "Tuesday.\n\nName                 DOB              NHS No.           School\n"
              "Amy Reid           04/05/2016      943 476 5919     Oakfield Primary\n"
              "Leo Barnes         22/09/2016                          St Mary's C of E "
              "Primary School\n\nKind regards,\nJo Smith,   Early Help")
    assert laid_out(layout).splitlines() == [
        "Dear Ms Patel,",
        "Please find below the children we discussed at the meeting on Tuesday.", "",
        "Name\tDOB\tNHS No.\tSchool",
        "Name: Amy Reid; DOB: 04/05/2016; NHS No.: 943 476 5919; School: Oakfield Primary",
        "Name: Leo Barnes; DOB: 22/09/2016; School: St Mary's C of E Primary School", "",
        "Kind regards,", "Jo Smith, Early Help"]
    result = scan(testdata.make_pdf("", rows=rows))
    assert sorted(f.text for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH") \
        == ["04/05/2016", "22/09/2016"]


def test_prose_and_pages_without_a_headed_table_are_read_as_they_were():
    assert laid_out("We met on 04/05/2016.  Then again on 05/05/2016.\nAnd 06/05/2016.") is None
    assert laid_out("Jo Smith,   Early Help\nTel 0113 496 0000") is None  # no row of values
    assert not has_rows("Dear Sir,\nWe met on 04/05/2016.\nThanks")
    assert has_rows("Amy 04/05/2016\nLeo 05/05/2016")


# Laid-out text as pypdf gives it for tables printed by other programs (reportlab, fpdf2),
# cut to a few rows.

def test_blank_lines_between_rows_a_row_with_only_a_name_and_wrapped_cells_stay_in_the_table():
    page = """Residential trip - medical information

Name                  Date of birth     NHS number        Allergies    GP surgery

Harry Wilson          07/07/2017        422 733 5426      Peanuts

Ruby Wright

Evie Khan             21/12/2013        444 765 2293      Peanuts      Westbury Health Centre

                                                                       58 Beech Avenue, Ashford
Noah Smith            19/05/2017        498 297 5442
                                                                       Green
"""
    lines = laid_out(page).splitlines()
    assert "Name: Evie Khan; Date of birth: 21/12/2013; NHS number: 444 765 2293; " \
           "Allergies: Peanuts; GP surgery: Westbury Health Centre" in lines
    assert "Name: Noah Smith; Date of birth: 19/05/2017; NHS number: 498 297 5442" in lines
    assert "Name: Ruby Wright" in lines and "GP surgery: Green" in lines


def test_a_header_wrapped_over_two_lines_is_read_whole():
    page = """  Looked-after children - placements

                             Date of
Child's name                 birth           NHS number        Home address
                                                               51 Orchard Way, Little
Isla Green                   18/06/2017      426 776 0772      Hadham, WS3 5EL
"""
    lines = laid_out(page).splitlines()
    assert lines[0] == "Looked-after children - placements"
    assert "Child's name: Isla Green; Date of birth: 18/06/2017; NHS number: 426 776 0772; " \
           "Home address: Hadham, WS3 5EL" in lines
    assert "Date of" not in lines  # no longer a line of its own


def test_a_group_row_above_the_header_is_not_taken_for_it():
    page = """                      Child                                   Parent / carer

Name              Date of birth    NHS number        Name             Phone

Daisy Wood        29/08/2017       422 458 6029      Mrs Taylor       07700 900578
"""
    lines = laid_out(page).splitlines()
    assert lines[0] == "Child Parent / carer"
    assert "Name: Daisy Wood; Date of birth: 29/08/2017; NHS number: 422 458 6029; " \
           "Name: Mrs Taylor; Phone: 07700 900578" in lines


def test_a_second_table_under_the_first_has_its_own_headers():
    page = """Child            Date of birth        School

Priya Begum      21/04/2017           Oakfield Primary

Meeting          Date                 Venue

Core group       12/03/2025           Civic Centre
"""
    lines = laid_out(page).splitlines()
    assert "Child: Priya Begum; Date of birth: 21/04/2017; School: Oakfield Primary" in lines
    assert "Meeting: Core group; Date: 12/03/2025; Venue: Civic Centre" in lines


def test_two_columns_of_prose_are_no_table():
    # a newsletter's diary beside its staff news: "was born" beside a diary date was a birth
    page = """Dates for your diary                                  Staff news

03/06/2024 Return after half term                     Congratulations to Mrs Hughes, whose son
12/07/2024 Sports Day (field)                         was born in the Easter holidays; mother
18/07/2024 Year 6 leavers assembly                    and baby are doing well. Mr Ahmed retires
"""
    assert laid_out(page) is None


def test_long_headers_and_years_in_headers_are_headers():
    page = """Child's name     Child's date of birth (DD/MM/YYYY)     Attendance 2023/24

Amy Reid         04/05/2016                             96%
"""
    assert "Child's name: Amy Reid; Child's date of birth (DD/MM/YYYY): 04/05/2016; " \
           "Attendance 2023/24: 96%" in laid_out(page).splitlines()


def test_a_running_header_above_the_titles_is_not_the_tables_header():
    page = """Westshire Council                                            OFFICIAL - SENSITIVE

                         Oakfield Primary School

 Printed 03/09/2024 by J Bloggs

                 Name                   Date of birth   NHS number       Class

                 Theo Reid              15/06/2014      4942146593       4B
"""
    lines = laid_out(page).splitlines()
    assert lines[0] == "Westshire Council OFFICIAL - SENSITIVE"
    assert "Printed 03/09/2024 by J Bloggs" in lines
    assert "Name: Theo Reid; Date of birth: 15/06/2014; NHS number: 4942146593; Class: 4B" \
        in lines


def test_a_blank_forms_header_does_not_label_the_table_under_it():
    # the dates of the holiday club's sessions were read as the children's dates of birth
    page = """      Child's name                              Date of birth               School



      Session                                   Date                        Cost

      Swimming                                  12/08/2024                  5.00
"""
    lines = laid_out(page).splitlines()
    assert "Child's name Date of birth School" in lines
    assert "Session: Swimming; Date: 12/08/2024; Cost: 5.00" in lines


def test_a_table_printed_over_pages_with_its_header_on_the_first_goes_on_under_it():
    # a spreadsheet is printed with its header on page one: 38 of 86 dates of birth were found
    from dlpgate.parse.layout import Pages

    first = """Immunisation cohort - Westshire schools

         Surname       Forename       DOB            NHS No.         Year group

         Evans         Lily           07/04/2014     4985237809      Year 2

                                   Page 1 of 2
"""
    second = """Westshire Council                          OFFICIAL - SENSITIVE
Nowak        Rosie           17/10/2013     4234417114       Year 1

Taylor                       04/07/2015     4024678388       Year 3
"""
    pages = Pages()
    assert "Surname: Evans; Forename: Lily; DOB: 07/04/2014; NHS No.: 4985237809; " \
           "Year group: Year 2" in pages.page(first).splitlines()
    lines = pages.page(second).splitlines()
    assert lines[0] == "Westshire Council OFFICIAL - SENSITIVE"
    assert "Surname: Nowak; Forename: Rosie; DOB: 17/10/2013; NHS No.: 4234417114; " \
           "Year group: Year 1" in lines
    assert "Surname: Taylor; DOB: 04/07/2015; NHS No.: 4024678388; Year group: Year 3" in lines
    # a page of prose in between ends it: page three's figures are not page one's columns
    assert pages.page("Minutes of the meeting.\n") is None
    assert pages.page(second) is None
