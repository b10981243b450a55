"""UK_NHS: the NHS number, ten digits with a modulus-11 check digit.

A random ten-digit number passes the check about one time in eleven, so a match
needs the NHS's own spacing (3 3 4) or a context word nearby.
"""

from __future__ import annotations

import re

from stdnum.gb import nhs

from dlpgate.detect.recognizers.base import FastRecognizer

_PAPERWORK = re.compile(r"\b(?:invoice|inv|order|po|purchase|account|acct|supplier|vendor|"
                        r"remittance|receipt|contract|ref|reference)\b")


class DlpUkNhsRecognizer(FastRecognizer):
    ENTITY = "UK_NHS"
    PATTERN = r"(?<![\d+])(?<!\d\.)(\d{3})([ .-]?)(\d{3})\2(\d{4})(?![\d])"
    FIRST = r"\d"
    DIGITS = 4
    SCORE = 0.9
    CONTEXT = ("nhs", "nhs no", "nhs number", "patient", "health number", "chi",
               # Welsh: NHS (GIG) number, patient
               "rhif gig", "rhif y gig", "gig cymru", "claf", "rhif iechyd")
    # A North American telephone number is also 3-3-4 digits, and passes the check one
    # time in eleven: with telephone words nearby, it is a telephone number.
    NEGATIVE_CONTEXT = ("tel", "telephone", "phone", "fax", "call", "cell", "mobile", "direct",
                        "office", "pager", "ext", "ffôn", "ffon", "ffonio", "ffoniwch",
                        "symudol")
    WINDOW_BEFORE = 30
    DESCRIPTION = "ten digits in NHS number format"

    def validate_result(self, pattern_text: str) -> bool | None:
        return nhs.is_valid(re.sub(r"\D", "", pattern_text))

    def analyze(self, text, entities=None, nlp_artifacts=None):
        """The NHS writes its numbers 3-3-4 with spaces; hyphens are the US telephone
        format, and bare digits anything: those two need a context word."""
        out = []
        for result in super().analyze(text, entities, nlp_artifacts):
            spaced = " " in text[result.start:result.end]
            if (spaced or result.score == self.CONTEXT_SCORE) and \
                    not self._a_document_number(text, result.start):
                out.append(result)
        return out

    @staticmethod
    def _a_document_number(text: str, start: int) -> bool:
        """'NHS invoice 7376311653', 'NHS order no. 4010232137': the NHS's own paperwork
        numbered, not a patient (a room-hire remittance was an NHS number)."""
        before = text[max(0, start - 30):start].lower()
        at = before.rfind("nhs")
        return at >= 0 and _PAPERWORK.search(before, at) is not None
