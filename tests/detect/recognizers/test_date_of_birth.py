import pytest

from dlpgate.detect.recognizers.date_of_birth import DlpDateOfBirthRecognizer
from dlpgate.testing import recognized

R = DlpDateOfBirthRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("DOB: 12/03/2011", ["12/03/2011"]),
    ("born 3rd March 2011", ["3rd March 2011"]),
    ("Date of birth 2011-03-12", ["2011-03-12"]),
    ("aged 7", ["aged 7"]),
    ("a 15-year-old boy", ["15-year-old"]),
    ("meeting on 12/03/2025", []),
    ("deadline 3 March 2026", []),
    ("aged 700 years", []),
])
def test_dates_of_birth_need_birth_words_and_ages_count(text, expected):
    assert recognized(R, text) == expected
