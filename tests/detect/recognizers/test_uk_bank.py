import pytest

from dlpgate.detect.recognizers.uk_bank import DlpUkBankAccountRecognizer, DlpUkSortCodeRecognizer
from dlpgate.testing import recognized


@pytest.mark.parametrize("text, expected", [
    ("sort code 20-00-00", ["20-00-00"]),
    ("Bank: 40 11 62", ["40 11 62"]),
    ("meeting on 12-05-24", []),
    ("20-00-00-11 is a part number", []),
])
def test_sort_codes_need_banking_words(text, expected):
    assert recognized(DlpUkSortCodeRecognizer(), text) == expected


@pytest.mark.parametrize("text, expected", [
    ("account number 12345678", ["12345678"]),
    ("a/c 87654321", ["87654321"]),
    ("order 12345678", []),
    ("12345678 alone", []),
    ("invoice for account 12345678", []),
])
def test_account_numbers_need_banking_words(text, expected):
    assert recognized(DlpUkBankAccountRecognizer(), text) == expected
