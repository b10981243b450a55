"""UK_PASSPORT and UK_DRIVING_LICENCE."""

from __future__ import annotations

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpUkPassportRecognizer(FastRecognizer):
    """Nine digits: only as a passport number when the word is there."""

    ENTITY = "UK_PASSPORT"
    PATTERN = r"(?<![\d])\d{9}(?![\d])"
    FIRST = r"\d"
    DIGITS = 9
    SCORE = 0.0
    CONTEXT_SCORE = 0.85
    CONTEXT = ("passport", "pasbort")
    CONTEXT_REQUIRED = True
    DESCRIPTION = "nine digits"


class DlpUkDrivingLicenceRecognizer(FastRecognizer):
    """DVLA format: five of the surname, date of birth digits, initials, check characters."""

    ENTITY = "UK_DRIVING_LICENCE"
    PATTERN = r"\b[A-Z9]{5}\d[0156]\d([0][1-9]|[12]\d|3[01])\d[A-Z9]{2}\d[A-Z]{2}\b"
    FIRST = "A-Z9"
    DIGITS = 6
    SCORE = 0.85
    CONTEXT = ("driving licence", "driving license", "licence", "dvla", "trwydded yrru")
    DESCRIPTION = "a DVLA driving licence number"
