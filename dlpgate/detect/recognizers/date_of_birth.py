"""DATE_OF_BIRTH: a date said to be a birth date, or a person's age.

Dates are everywhere in mail (meetings, deadlines); a date becomes personal data
of this kind only with "DOB", "date of birth", "born" beside it.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from dlpgate.detect.recognizers.base import FastRecognizer, line_at

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
           # Welsh, with the soft mutation "o" gives ("4 o Fai 2016")
           r"|ionawr|chwefror|[mf]awrth|ebrill|[mf]ai|[mf]ehefin|gorffennaf|awst|[mf]edi|hydref"
           r"|tachwedd|rhagfyr)")
_DATE = (rf"\b(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|o\s+)?{_MONTHS}\s+(?:19|20)\d{{2}}"
         # Excel's d-mmm-yy and d-mmm-yyyy (27-Sep-16), a sheet's dates of birth as it shows them
         rf"|\d{{1,2}}-{_MONTHS}-(?:19|20)?\d{{2}}"
         rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})\b")
# an age, not a band of them: "Age: 5-9" and "65+" head a population table's rows
_AGE = re.compile(r"\b(?:aged?\s*:?\s*(\d{1,3})(?!\d|\s*(?:[-\u2013]\s*\d|\+|to\s+\d))"
                  r"|(\d{1,3})[\s-]+(?:years?|yrs?)[\s-]+old|"
                  r"(\d{1,3})[\s-]?(?:yo|y/o))\b", re.IGNORECASE)


# A date that bounds a span is an eligibility rule's, not a person's birth date: "children
# born between 1 September 2022 and 31 August 2023 start school next year", "born on or after
# 1 September 2015". Every admissions reminder to parents was a date of birth.
_SPAN_BEFORE = re.compile(r"\b(?:between|from|(?:on\s+or\s+)?(?:before|after)|since|until|till)"
                          r"\s+(?:the\s+)?$", re.IGNORECASE)
_SPAN_AFTER = re.compile(rf"^\s*(?:to|until|till|-|\u2013)\s+(?:the\s+)?{_DATE}",
                         re.IGNORECASE)

_SPAN_END = re.compile(rf"(?:\b(?:between|from)\s+(?:the\s+)?{_DATE}\s+and|{_DATE}\s+"
                       rf"(?:to|until|till|-|\u2013))\s+(?:the\s+)?$", re.IGNORECASE)


def _bounds_a_span(text: str, start: int, end: int) -> bool:
    """Whether the date at text[start:end] opens or closes a span of dates ("and" only after
    "between": "dates of birth 04/05/2016 and 05/06/2018" are two children's)."""
    if _SPAN_BEFORE.search(text, max(0, start - 20), start):
        return True
    if _SPAN_AFTER.match(text[end:end + 40]):
        return True
    # the span's second date: "between <date> and <date>", "<date> to <date>"
    return bool(_SPAN_END.search(text[max(0, start - 80):start]))


AGE_SCORE = 0.6  # personal data, but not an identifier: below summary.CONFIDENT
# Column names that say a table's rows are people ("Child: Amy Reid; Age: 7"); an "Age" column
# without one is a tree's, a vehicle's or a ticket's ("Ticket: Junior; Age: 5; Price: £2.80")
_PERSON_LABEL = re.compile(r"(?:^|; )[^;:\n]{0,30}\b(?:name|child|pupil|student|patient|"
                           r"resident|client|forename|surname|dob|d\.o\.b|date of birth|nhs|"
                           r"person|service user|young person|learner)\b[^;:\n]{0,30}: ",
                           re.IGNORECASE)


def _nobodys(text: str, at: int) -> bool:
    """Whether an age is in a labelled table row (tables.labelled's "header: value; ...") with
    no column naming a person."""
    line = line_at(text, at)
    return "; " in line and ": " in line and not _PERSON_LABEL.search(line)


class DlpDateOfBirthRecognizer(FastRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    PATTERN = _DATE
    FLAGS = re.IGNORECASE
    DIGITS = 1  # a date's and an age's
    SCORE = 0.0
    CONTEXT_SCORE = 0.9
    # not "b.": it is item 4b. of an agenda and the last letter of an NI number ("JT 48 22
    # 91 B. 10/11/2026") as often as "born"
    CONTEXT = ("dob", "d.o.b", "d.o.b.", "d/o/b", "date of birth", "born", "birthday",
               "birth date", "date-of-birth",
               # Welsh: date of birth (and "his", "my" date of birth), was born, birthday
               "dyddiad geni", "ddyddiad geni", "nyddiad geni", "ganwyd", "ganed", "pen-blwydd",
               "penblwydd")
    CONTEXT_REQUIRED = True
    WINDOW_BEFORE = 30
    WINDOW_AFTER = 5
    DESCRIPTION = "a date"

    def validate_result(self, pattern_text: str) -> bool | None:
        """A numeric date whose day and month fit neither way round is no date (48-22-91)."""
        parts = re.split(r"[/.\-]", pattern_text)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) <= 2:
            a, b = int(parts[0]), int(parts[1])
            if not ((1 <= a <= 31 and 1 <= b <= 12) or (1 <= b <= 31 and 1 <= a <= 12)):
                return False
        return None

    def analyze(self, text, entities=None, nlp_artifacts=None):
        results = [r for r in super().analyze(text, entities, nlp_artifacts)  # birth words
                   if not _bounds_a_span(text, r.start, r.end)]
        for m in _AGE.finditer(text):
            age = int(next(g for g in m.groups() if g))
            if age > 120 or _nobodys(text, m.start()):
                continue
            results.append(RecognizerResult(
                self.ENTITY, m.start(), m.end(), AGE_SCORE,
                AnalysisExplanation(recognizer=self.name, original_score=AGE_SCORE,
                                    pattern_name="age", pattern=_AGE.pattern,
                                    textual_explanation="a person's age"),
            ))
        return results
