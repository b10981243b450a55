import pytest

from dlpgate.detect.recognizers.uk_nino import DlpUkNinoRecognizer
from dlpgate.testing import recognized

R = DlpUkNinoRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("NI number AB 12 34 56 C", ["AB 12 34 56 C"]),
    ("nino: JK123456D.", ["JK123456D"]),
    ("GB123456A is a forbidden prefix", []),
    ("ZZ123456A is a forbidden prefix", []),
    ("DA123456A: D is never a first letter", []),
    ("AO123456A: O is never a second letter", []),
    ("AB123456E: the suffix is A to D", []),
    ("ab123456c in lower case is a product code", []),
    ("NI number: JT-48-22-91-B.", ["JT-48-22-91-B"]),
    ("her ni number is jt 48 22 91 b", ["jt 48 22 91 b"]),
    ("rhif Yswiriant Gwladol jt 48 22 91 b", ["jt 48 22 91 b"]),  # Welsh: NI number
    ("GZ14 17 77 D", ["GZ14 17 77 D"]),
])
def test_national_insurance_numbers(text, expected):
    assert recognized(R, text) == expected
