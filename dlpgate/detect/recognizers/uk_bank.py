"""UK_SORT_CODE and UK_BANK_ACCOUNT: only with banking words nearby.

Six digits in pairs are as often a date, and eight digits as often an order
number; what makes them bank details is the sentence around them.
"""

from __future__ import annotations

import re

from dlpgate.detect.recognizers.base import FastRecognizer, line_at

_BANKING = ("sort code", "sortcode", "s/c", "bank", "account", "acc no", "a/c", "bacs",
            "direct debit", "payee", "building society")


class DlpUkSortCodeRecognizer(FastRecognizer):
    ENTITY = "UK_SORT_CODE"
    PATTERN = r"(?<![\d-])\d{2}([- ])\d{2}\1\d{2}(?![\d-])"
    SCORE = 0.0
    CONTEXT_SCORE = 0.9
    CONTEXT = _BANKING
    NEGATIVE_CONTEXT = ("bank holiday",)  # "Bank holiday: 26-05-25" is a date
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

    def analyze(self, text, entities=None, nlp_artifacts=None):
        """Not under a table's bare "Account" column with no bank words in its row: a
        ledger's account codes are eight digits ("Account: 40123456; Description:
        Stationery"), a bank account is an "Account number" beside a sort code."""
        return [r for r in super().analyze(text, entities, nlp_artifacts)
                if not _ledger_code(text, r.start)]


_BARE_ACCOUNT = re.compile(r"(?:^|; )(?:account|account code|ledger account|nominal account)"
                           r":\s*$", re.IGNORECASE)
_BANK_ROW = re.compile(r"sort code|sortcode|bank|bacs|building society|payee", re.IGNORECASE)


def _ledger_code(text: str, at: int) -> bool:
    before = text[text.rfind("\n", 0, at) + 1: at]
    return bool(_BARE_ACCOUNT.search(before)) and not _BANK_ROW.search(line_at(text, at))
