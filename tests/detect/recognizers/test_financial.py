import pytest

from dlpgate.detect.recognizers.financial import DlpCreditCardRecognizer, DlpIbanRecognizer
from dlpgate.testing import recognized


@pytest.mark.parametrize("text, expected", [
    ("IBAN GB82 WEST 1234 5698 7654 32", ["GB82 WEST 1234 5698 7654 32"]),
    ("GB82WEST12345698765432", ["GB82WEST12345698765432"]),
    ("GB83 WEST 1234 5698 7654 32 fails mod 97", []),
])
def test_ibans(text, expected):
    assert recognized(DlpIbanRecognizer(), text) == expected


@pytest.mark.parametrize("text, expected", [
    ("card 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
    ("5500-0000-0000-0004", ["5500-0000-0000-0004"]),
    ("4111 1111 1111 1112 fails Luhn", []),
    ("order 1234 5678 9012 3456", []),
])
def test_payment_cards(text, expected):
    assert recognized(DlpCreditCardRecognizer(), text) == expected
