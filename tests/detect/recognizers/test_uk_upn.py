import random

import pytest

from dlpgate import testdata
from dlpgate.detect.recognizers.uk_upn import DlpUkUpnRecognizer
from dlpgate.testing import recognized

R = DlpUkUpnRecognizer()
rng = random.Random(5)
VALID, INVALID = testdata.upn(rng), testdata.upn(rng, valid=False)


@pytest.mark.parametrize("text, expected", [
    (f"UPN {VALID}", [VALID]),
    (f"pupil {VALID}.", [VALID]),
    (f"{INVALID} has the wrong check letter", []),
    ("X123456789012 is not a UPN", []),
])
def test_unique_pupil_numbers(text, expected):
    assert recognized(R, text) == expected
