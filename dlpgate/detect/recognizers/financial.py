"""IBAN_CODE and CREDIT_CARD, each with its check (python-stdnum)."""

from __future__ import annotations

import re

from stdnum import iban, luhn

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpIbanRecognizer(FastRecognizer):
    ENTITY = "IBAN_CODE"
    PATTERN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"
    FIRST = "A-Z"
    DIGITS = 2
    SCORE = 0.9
    CONTEXT = ("iban", "bank", "account")
    DESCRIPTION = "an IBAN"

    def validate_result(self, pattern_text: str) -> bool | None:
        return iban.is_valid(pattern_text)


class DlpCreditCardRecognizer(FastRecognizer):
    ENTITY = "CREDIT_CARD"
    PATTERN = r"(?<![\d-])(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|3[47]\d{2}|6(?:011|5\d{2}))" \
              r"(?:[ -]?\d{4}){2}[ -]?\d{3,4}(?![\d-])"
    FIRST = r"\d"
    DIGITS = 4
    SCORE = 0.9
    CONTEXT = ("card", "visa", "mastercard", "amex", "credit", "debit", "payment")
    DESCRIPTION = "a payment card number"

    def validate_result(self, pattern_text: str) -> bool | None:
        return luhn.is_valid(re.sub(r"\D", "", pattern_text))
