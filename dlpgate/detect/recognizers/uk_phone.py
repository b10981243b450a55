"""PHONE_NUMBER: UK mobiles and landlines, +44 and 0 forms, validated by phonenumbers.

A cheap regex finds candidates; Google's numbering plan (phonenumbers) decides
which are real UK numbers. A number introduced as an invoice, order or
reference number is not a telephone number, whatever its digits.
"""

from __future__ import annotations

import re

import phonenumbers

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpUkPhoneRecognizer(FastRecognizer):
    ENTITY = "PHONE_NUMBER"
    PATTERN = r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s\-()]{7,13}\d(?![\d])"
    FIRST = "+(0"
    DIGITS = 2  # "+44" or "0" and the next
    SCORE = 0.75
    CONTEXT = ("tel", "telephone", "phone", "mobile", "mob", "call", "ring", "contact", "fax",
               # Welsh: telephone, phone number, mobile, ring (us)
               "ffôn", "ffon", "rhif ffôn", "symudol", "ffonio", "ffoniwch", "cysylltu")
    NEGATIVE_CONTEXT = ("invoice", "order", "po", "reference", "ref", "account", "case",
                        "ticket", "serial",
                        # Welsh: invoice, order, reference, account
                        "anfoneb", "archeb", "cyfeirnod", "cyfrif")
    WINDOW_BEFORE = 25
    WINDOW_AFTER = 0
    DESCRIPTION = "a UK telephone number"
    VALID_TEXT = "in the UK numbering plan"

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"[^\d+]", "", pattern_text)
        try:
            number = phonenumbers.parse(digits, "GB")
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(number)
