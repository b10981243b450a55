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


def test_a_ledgers_account_codes_and_bank_holiday_dates_are_no_bank_details():
    from dlpgate.detect.recognizers.uk_bank import (
        DlpUkBankAccountRecognizer,
        DlpUkSortCodeRecognizer,
    )
    from dlpgate.testing import recognized

    accounts, sort_codes = DlpUkBankAccountRecognizer(), DlpUkSortCodeRecognizer()
    assert recognized(accounts, "Account: 40123456; Description: Stationery; Budget: 12000") == []
    assert recognized(accounts, "Invoice no: INV-20931; Account code: 40123456; Net: 12") == []
    assert recognized(accounts, "Payee: J Smith; Sort code: 20-00-00; Account: 12345678") == [
        "12345678"]
    assert recognized(accounts, "Account number: 12345678") == ["12345678"]
    assert recognized(sort_codes, "Bank holiday: 26-05-25") == []
    assert recognized(sort_codes, "sort code 20-00-00") == ["20-00-00"]


@pytest.mark.parametrize("text, expected", [
    ("Your council tax account number 61234578 is on your bill.", []),
    ("Please quote your rent account 10293847 when you call.", []),
    ("Business rates account no 55012345 has been credited.", []),
    # the council's account beside a bank's is still bank details
    ("Council tax by direct debit from account 12345678, sort code 20-00-00.", ["12345678"]),
    ("Refund of your council tax to bank account 12345678.", ["12345678"]),
])
def test_an_account_the_council_keeps_is_a_reference_unless_a_bank_is_named(text, expected):
    assert recognized(DlpUkBankAccountRecognizer(), text) == expected
