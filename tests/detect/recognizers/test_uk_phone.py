import random

import pytest

from dlpgate import testdata
from dlpgate.detect.recognizers.uk_phone import DlpUkPhoneRecognizer
from dlpgate.testing import recognized

R = DlpUkPhoneRecognizer()
rng = random.Random(9)
MOBILE, INTL, LANDLINE = testdata.mobile(rng), testdata.mobile(rng, True), testdata.landline(rng)


@pytest.mark.parametrize("text, expected", [
    (f"mob {MOBILE}", [MOBILE]),
    (f"Call {INTL} today", [INTL]),
    (f"Tel: {LANDLINE}", [LANDLINE]),
    ("020 7946 0018 is London", ["020 7946 0018"]),
    (f"Invoice {LANDLINE.replace(' ', '')}", []),
    (f"order ref {MOBILE}", []),
    ("01234 is too short", []),
    ("09999 999999 is not in the numbering plan", []),
])
def test_uk_telephone_numbers(text, expected):
    assert recognized(R, text) == expected
