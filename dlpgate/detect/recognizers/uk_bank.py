"""UK_SORT_CODE and UK_BANK_ACCOUNT: only with banking words nearby.

Six digits in pairs are as often a date, and eight digits as often an order
number; what makes them bank details is the sentence around them.
"""

from __future__ import annotations

from dlpgate.detect.recognizers.base import FastRecognizer

_BANKING = ("sort code", "sortcode", "s/c", "bank", "account", "acc no", "a/c", "bacs",
            "direct debit", "payee", "building society")


class DlpUkSortCodeRecognizer(FastRecognizer):
    ENTITY = "UK_SORT_CODE"
    PATTERN = r"(?<![\d-])\d{2}([- ])\d{2}\1\d{2}(?![\d-])"
    SCORE = 0.0
    CONTEXT_SCORE = 0.9
    CONTEXT = _BANKING
    CONTEXT_REQUIRED = True
    DESCRIPTION = "six digits in sort-code pairs"


class DlpUkBankAccountRecognizer(FastRecognizer):
    ENTITY = "UK_BANK_ACCOUNT"
    PATTERN = r"(?<![\d-])\d{8}(?![\d-])"
    SCORE = 0.0
    CONTEXT_SCORE = 0.85
    CONTEXT = ("account number", "account no", "acc no", "a/c", "bank account", "account",
               "sort code")
    NEGATIVE_CONTEXT = ("invoice", "order", "reference", "ref", "tel", "phone")
    CONTEXT_REQUIRED = True
    DESCRIPTION = "eight digits"
