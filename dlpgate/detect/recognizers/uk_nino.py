"""UK_NINO: the National Insurance number, two letters, six digits, A-D.

HMRC never issues the prefixes BG, GB, KN, NK, NT, TN or ZZ, nor D, F, I, Q, U, V
as either letter, nor O as the second: those are rejected (a prefix from that
list is a template or a typo, not a person).
"""

from __future__ import annotations

from dlpgate.detect.recognizers.base import FastRecognizer

_FORBIDDEN_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


class DlpUkNinoRecognizer(FastRecognizer):
    ENTITY = "UK_NINO"
    PATTERN = (r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b")
    SCORE = 0.85
    CONTEXT = ("national insurance", "ni number", "ni no", "nino", "ni", "nat ins")
    DESCRIPTION = "two letters, six digits and A-D, a valid National Insurance prefix"

    def validate_result(self, pattern_text: str) -> bool | None:
        return pattern_text[:2].upper() not in _FORBIDDEN_PREFIXES or False
