"""DATE_OF_BIRTH: a date said to be a birth date, or a person's age.

Dates are everywhere in mail (meetings, deadlines); a date becomes personal data
of this kind only with "DOB", "date of birth", "born" beside it.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from dlpgate.detect.recognizers.base import FastRecognizer

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (rf"\b(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\s+(?:19|20)\d{{2}}"
         rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})\b")
_AGE = re.compile(r"\b(?:aged?\s*:?\s*(\d{1,3})|(\d{1,3})[\s-]+(?:years?|yrs?)[\s-]+old|"
                  r"(\d{1,3})[\s-]?(?:yo|y/o))\b", re.IGNORECASE)


AGE_SCORE = 0.6  # personal data, but not an identifier: below summary.CONFIDENT


class DlpDateOfBirthRecognizer(FastRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    PATTERN = _DATE
    FLAGS = re.IGNORECASE
    SCORE = 0.0
    CONTEXT_SCORE = 0.9
    CONTEXT = ("dob", "d.o.b", "d.o.b.", "date of birth", "born", "birthday", "birth date",
               "b.", "date-of-birth")
    CONTEXT_REQUIRED = True
    WINDOW_BEFORE = 30
    WINDOW_AFTER = 5
    DESCRIPTION = "a date"

    def analyze(self, text, entities=None, nlp_artifacts=None):
        results = super().analyze(text, entities, nlp_artifacts)  # dates: only with birth words
        for m in _AGE.finditer(text):
            age = int(next(g for g in m.groups() if g))
            if age > 120:
                continue
            results.append(RecognizerResult(
                self.ENTITY, m.start(), m.end(), AGE_SCORE,
                AnalysisExplanation(recognizer=self.name, original_score=AGE_SCORE,
                                    pattern_name="age", pattern=_AGE.pattern,
                                    textual_explanation="a person's age"),
            ))
        return results
