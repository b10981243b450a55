"""UK_NINO: the National Insurance number, two letters, six digits, A-D.

HMRC never issues the prefixes BG, GB, KN, NK, NT, TN or ZZ, nor D, F, I, Q, U, V
as either letter, nor O as the second: those are rejected (a prefix from that
list is a template or a typo, not a person).
"""

from __future__ import annotations

import re

from dlpgate.detect.recognizers.base import FastRecognizer

_FORBIDDEN_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


class DlpUkNinoRecognizer(FastRecognizer):
    ENTITY = "UK_NINO"
    # spaced, run together or hyphenated (JT-48-22-91-B); lower case only beside NI words
    PATTERN = (r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[\s-]?(\d{2})[\s-]?(\d{2})[\s-]?"
               r"(\d{2})[\s-]?([A-D])\b")
    FLAGS = re.IGNORECASE
    DIGITS = 2
    SCORE = 0.85
    CONTEXT = ("national insurance", "ni number", "ni no", "nino", "ni", "nat ins",
               "yswiriant gwladol", "rhif yg")  # Welsh: National Insurance
    DESCRIPTION = "two letters, six digits and A-D, a valid National Insurance prefix"

    def validate_result(self, pattern_text: str) -> bool | None:
        return pattern_text[:2].upper() not in _FORBIDDEN_PREFIXES or False

    def analyze(self, text, entities=None, nlp_artifacts=None):
        """As HMRC prints it, in capitals; typed in lower case ("jt 48 22 91 b"), only with
        a National Insurance word nearby (lower-case letters and digits are common)."""
        return [r for r in super().analyze(text, entities, nlp_artifacts)
                if not any(c.islower() for c in text[r.start:r.end])
                or r.score == self.CONTEXT_SCORE]
