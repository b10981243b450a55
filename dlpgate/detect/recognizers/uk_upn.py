"""UK_UPN: the Unique Pupil Number, a check letter and twelve characters (python-stdnum)."""

from __future__ import annotations

from stdnum.gb import upn

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpUkUpnRecognizer(FastRecognizer):
    ENTITY = "UK_UPN"
    PATTERN = r"\b[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b"
    FIRST = "A-HJ-NP-RT-Z"
    DIGITS = 11
    SCORE = 0.9
    CONTEXT = ("upn", "pupil", "unique pupil number", "school",
               "rhif disgybl unigryw", "disgybl", "ysgol")  # Welsh: UPN, pupil, school
    DESCRIPTION = "a Unique Pupil Number (check letter, LA and school numbers)"

    def validate_result(self, pattern_text: str) -> bool | None:
        return upn.is_valid(pattern_text)
