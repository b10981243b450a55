"""UK_SORT_CODE and UK_BANK_ACCOUNT: only with banking words nearby.

Six digits in pairs are as often a date, and eight digits as often an order
number; what makes them bank details is the sentence around them.
"""

from __future__ import annotations

import re

from dlpgate.detect.recognizers.base import FastRecognizer, line_at

_BANKING = ("sort code", "sortcode", "s/c", "bank", "account", "acc no", "a/c", "bacs",
            "direct debit", "payee", "building society",
            # Welsh: sort code, bank, account, direct debit, building society
            "cod didoli", "banc", "cyfrif", "debyd uniongyrchol", "cymdeithas adeiladu")


class DlpUkSortCodeRecognizer(FastRecognizer):
    ENTITY = "UK_SORT_CODE"
    PATTERN = r"(?<![\d-])\d{2}([- ])\d{2}\1\d{2}(?![\d-])"
    FIRST = r"\d"
    DIGITS = 2
    SCORE = 0.0
    CONTEXT_SCORE = 0.9
    CONTEXT = _BANKING
    NEGATIVE_CONTEXT = ("bank holiday",)  # "Bank holiday: 26-05-25" is a date
    CONTEXT_REQUIRED = True
    DESCRIPTION = "six digits in sort-code pairs"


class DlpUkBankAccountRecognizer(FastRecognizer):
    ENTITY = "UK_BANK_ACCOUNT"
    PATTERN = r"(?<![\d-])\d{8}(?![\d-])"
    FIRST = r"\d"
    DIGITS = 8
    SCORE = 0.0
    CONTEXT_SCORE = 0.85
    CONTEXT = ("account number", "account no", "acc no", "a/c", "bank account", "account",
               "sort code", "rhif cyfrif", "cyfrif banc", "cyfrif", "cod didoli")
    NEGATIVE_CONTEXT = ("invoice", "order", "reference", "ref", "tel", "phone")
    CONTEXT_REQUIRED = True
    DESCRIPTION = "eight digits"

    def analyze(self, text, entities=None, nlp_artifacts=None):
        """Not under a table's bare "Account" column with no bank words in its row: a
        ledger's account codes are eight digits ("Account: 40123456; Description:
        Stationery"), a bank account is an "Account number" beside a sort code."""
        return [r for r in super().analyze(text, entities, nlp_artifacts)
                if not _ledger_code(text, r.start) and not _councils_own(text, r.start, r.end)]


_BARE_ACCOUNT = re.compile(r"(?:^|; )(?:account|account code|ledger account|nominal account)"
                           r":\s*$", re.IGNORECASE)
_BANK_ROW = re.compile(r"sort code|sortcode|bank|bacs|building society|payee", re.IGNORECASE)


# An account a council keeps for someone, numbered in eight digits as often as not: "your
# council tax account 12345678" is a reference to quote, not bank details, unless a bank is
# named beside it ("by direct debit from account 12345678, sort code 12-34-56")
_COUNCILS_OWN = re.compile(r"council\s*tax|\bctax\b|\brent\b|business\s+rates|\bnndr\b|"
                           r"housing\s+benefit|\bpcn\b|penalty\s+charge|parking",
                           re.IGNORECASE)
_A_BANK = re.compile(r"sort\s*code|\bbank|bacs|building society|payee|direct debit|\biban\b",
                     re.IGNORECASE)


def _councils_own(text: str, start: int, end: int) -> bool:
    near = text[max(0, start - 50): end + 30]
    return bool(_COUNCILS_OWN.search(near)) and not _A_BANK.search(near)


def _ledger_code(text: str, at: int) -> bool:
    before = text[text.rfind("\n", 0, at) + 1: at]
    return bool(_BARE_ACCOUNT.search(before)) and not _BANK_ROW.search(line_at(text, at))
