import random

import pytest

from dlpgate import testdata
from dlpgate.detect.recognizers.uk_nhs import DlpUkNhsRecognizer
from dlpgate.testing import recognized

R = DlpUkNhsRecognizer()
rng = random.Random(3)
VALID = testdata.nhs_number(rng)
INVALID = testdata.nhs_number(rng, valid=False)
BARE = VALID.replace(" ", "")


@pytest.mark.parametrize("text, expected", [
    (f"Patient {VALID} seen today", [VALID]),
    (f"ref {VALID}.", [VALID]),
    (f"NHS number: {BARE}", [BARE]),
    # in Welsh: "rhif GIG" (NHS number), and "rhif ffôn" (phone number) is a phone number
    (f"Rhif GIG: {BARE}", [BARE]),
    (f"rhif y GIG {BARE}", [BARE]),
    (f"rhif ffôn {VALID}", []),
    (f"NHS no {VALID.replace(' ', '-')}", [VALID.replace(" ", "-")]),
    (f"number {INVALID} fails the modulus-11 check", []),
    (f"order {BARE} without context", []),
    (f"call me on {VALID.replace(' ', '-')}", []),
    (f"tel {VALID}", []),
    (f"+44{BARE}", []),
    (f"{BARE}1 is eleven digits", []),
    (f"NHS number {VALID.replace(' ', '.')}", [VALID.replace(" ", ".")]),
    # the NHS's own paperwork numbered: a room-hire remittance was an NHS number
    (f"room hire (NHS invoice {BARE})", []),
    (f"NHS order no. {BARE}", []),
    (f"NHS no: {BARE}, our ref 12", [BARE]),
    (f"NHS No.{VALID}", [VALID]),  # a dot before it is "No.", not part of a number
    # an export's labels, the words joined: a case system's CSV, JSON and XML went unfound
    (f"NHSNumber: {BARE}", [BARE]),
    (f'"nhsNumber": "{BARE}"', [BARE]),
    (f"<NHSNumber>{BARE}</NHSNumber>", [BARE]),
    (f"PersonNHSNo: {BARE}", [BARE]),
    (f"nhs_number,{BARE}", [BARE]),
    (f"HomeTel: {VALID}", []),  # a telephone label joined is still a telephone's
    # but a context word inside another word is none
    (f"Machinists {BARE}", []),
    (f"CHIPS {BARE}", []),
])
def test_nhs_numbers(text, expected):
    assert recognized(R, text) == expected
