import pytest

from dlpgate.detect.recognizers.date_of_birth import DlpDateOfBirthRecognizer
from dlpgate.testing import recognized

R = DlpDateOfBirthRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("DOB: 12/03/2011", ["12/03/2011"]),
    # in Welsh: date of birth, his date of birth, was born, and the months' names
    ("dyddiad geni 12/03/2011", ["12/03/2011"]),
    ("ei ddyddiad geni yw 4 o Fai 2015", ["4 o Fai 2015"]),
    ("ganwyd 3 Mawrth 2011", ["3 Mawrth 2011"]),
    ("cyfarfod ar 12 Mawrth 2025", []),
    ("born 3rd March 2011", ["3rd March 2011"]),
    ("Date of birth 2011-03-12", ["2011-03-12"]),
    ("DateOfBirth: 2011-03-12", ["2011-03-12"]),  # an export's label, its words joined
    ('"birthDate": "2011-03-12"', ["2011-03-12"]),
    ("aged 7", ["aged 7"]),
    ("a 15-year-old boy", ["15-year-old"]),
    ("meeting on 12/03/2025", []),
    ("deadline 3 March 2026", []),
    ("aged 700 years", []),
    ("date of birth is the 2nd of May 2015", ["2nd of May 2015"]),
    ("d/o/b 02/05/15", ["02/05/15"]),
    # "b." was a birth word: item 4b. of an agenda, the last letter of an NI number
    ("4b. Minutes: 24/11/2026", []),
    ("NI number: JT-48-22-91-B.", []),
    ("DOB 13/13/2015 fits no calendar", []),
    # as Excel shows d-mmm-yy and d-mmm-yyyy under a "DOB" header
    ("DOB: 27-Sep-16", ["27-Sep-16"]),
    ("Date of birth: 3-March-2016", ["3-March-2016"]),
    ("Meeting: 27-Sep-2016", []),
    # a band of ages heads a population table's row; it is no one's age
    ("Age: 5-9; Males: 10,185", []),
    ("Age: 65+; Residents: 20,500", []),
    ("aged 10 to 19", []),
    ("Name: Amy; Age: 7; School: Oakfield", ["Age: 7"]),
])
def test_dates_of_birth_need_birth_words_and_ages_count(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("row, expected", [
    ("Ticket: Junior; Age: 5; Price: £2.80", []),  # a ticket's age band, no one's
    ("Tree: Oak; Age: 45; Height: 20m", []),
    ("Child: Amy Reid; Age: 7; School: Oakfield", ["Age: 7"]),
    ("Pupil name: Leo; Age: 9", ["Age: 9"]),
])
def test_an_age_in_a_table_row_is_a_persons_only_beside_a_column_naming_one(row, expected):
    assert recognized(R, row) == expected


@pytest.mark.parametrize("text, expected", [
    # an admissions reminder's cohort, not a child's birth date
    ("children born between 1 September 2022 and 31 August 2023 start school", []),
    ("born from 01/09/2015 to 31/08/2016", []),
    ("pupils born on or after 1 September 2015 may apply", []),
    ("for anyone born before 6 April 1960", []),
    ("born 01/09/2015 - 31/08/2016", []),
    # one date each: two children's, or one child's beside a meeting
    ("Date of birth 04/05/2016 and 05/06/2018", ["04/05/2016", "05/06/2018"]),
    ("DOB 04/05/2016, seen from 12/10/2026", ["04/05/2016"]),
    ("She was born on 3 May 2015 and started school in 2019", ["3 May 2015"]),
])
def test_a_date_that_bounds_a_span_is_a_cohort_not_a_birth_date(text, expected):
    assert recognized(R, text) == expected
