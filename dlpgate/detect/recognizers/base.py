"""The shape every dlpgate recognizer takes: a Presidio EntityRecognizer, fast.

Presidio's PatternRecognizer runs each regex through its own machinery and
scores context with a lemma-based enhancer whose cost grows with the square of
the text; on mail that is the slow part (DESIGN.md, "Detection"). These
recognizers keep Presidio's contract (class attributes for the pattern and the
context words, `validate_result` returning True/False/None, RecognizerResult
with an AnalysisExplanation) so any Presidio AnalyzerEngine or registry can run
them, but match with one compiled `re` and look for context words in a fixed
window around the match.

Class names carry a `Dlp` prefix: Presidio finds recognizer classes by name
among all EntityRecognizer subclasses loaded, and ours must not shadow its own.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class FastRecognizer(EntityRecognizer):
    ENTITY: ClassVar[str]
    PATTERN: ClassVar[str]
    FLAGS: ClassVar[int] = 0
    # The characters a match can open with, as a class holds them (r"\d"), for a pattern
    # that opens with a look-behind or \b: `re` cannot skip ahead past those to where a match
    # could start, and tries the whole pattern at every character. Looked at first, the same
    # matches come two to three times as fast. "" when a common letter can open one.
    FIRST: ClassVar[str] = ""
    # The fewest digits in a row that every match holds (an NHS number's last four, a bank
    # account's eight). `PatternDetector` measures a text's longest run of digits once
    # (`longest_digits`) and does not ask a recognizer whose matches need more: over half the
    # texts of ordinary mail hold no digit at all, and each number's pattern read them whole.
    DIGITS: ClassVar[int] = 0
    SCORE: ClassVar[float] = 0.85  # a valid match
    CONTEXT_SCORE: ClassVar[float] = 1.0  # a valid match with a context word nearby
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CONTEXT_REQUIRED: ClassVar[bool] = False  # without context the match is dropped
    NEGATIVE_CONTEXT: ClassVar[tuple[str, ...]] = ()  # words that mean "not this entity"
    WINDOW_BEFORE: ClassVar[int] = 50
    WINDOW_AFTER: ClassVar[int] = 15
    DESCRIPTION: ClassVar[str] = ""
    VALID_TEXT: ClassVar[str] = "check digit valid"  # what a True from validate_result means

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__,
                         context=list(self.CONTEXT))
        look = f"(?=[{self.FIRST}])" if self.FIRST else ""
        self._regex = re.compile(look + self.PATTERN, self.FLAGS)
        self._context = _words(self.CONTEXT)
        self._negative = _words(self.NEGATIVE_CONTEXT)

    def load(self) -> None:
        return None

    def validate_result(self, pattern_text: str) -> bool | None:
        """True: certainly valid (a check digit passed). False: drop. None: no opinion."""
        return None

    def value(self, match: re.Match[str]) -> str:
        return match.group(0)

    def near(self, words: re.Pattern[str] | None, text: str, start: int, end: int) -> str | None:
        """A context word in the window around the match, within the match's own cell where
        the text is a labelled table row ("Date referred: 10/01/2025; DOB: 04/05/2016"): the
        next cell's label is no context for this value (six referral dates were dates of
        birth), nor the last cell's ("Home phone: ...; NHS number: 943 476 5919" lost the
        NHS number to "phone")."""
        if words is None:
            return None
        low, high = max(0, start - self.WINDOW_BEFORE), end + self.WINDOW_AFTER
        # the next label is looked for past the window: "; DOB: " just after a date has to be
        # seen whole to be known as a label, and only its "; DOB" is in a window of five
        if (following := _CELL_LABEL.search(text, end, high + 45)) is not None:
            high = min(high, following.start())
        for previous in _CELL_LABEL.finditer(text, low, start):
            low = previous.start() + 1  # this cell's own label stays in
        found = words.search(text, low, high)
        return found.group(0).lower() if found else None

    def analyze_all(self, text: str) -> tuple[list[RecognizerResult], list[RecognizerResult]]:
        """(findings, set aside): the findings, and matches that are findings only where the
        message identifies someone (`PatternDetector` decides). Most recognizers set nothing
        aside; the special-category lexicon does."""
        return self.analyze(text, None, None), []

    def analyze(
        self, text: str, entities: list[str] | None = None,
        nlp_artifacts: NlpArtifacts | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if self.CONTEXT_REQUIRED and (self._context is None or not self._context.search(text)):
            return results  # no context word anywhere: no match could have one nearby
        for match in self._regex.finditer(text):
            value = self.value(match)
            valid = self.validate_result(value)
            if valid is False:
                continue
            start, end = match.span()
            if self.near(self._negative, text, start, end):
                continue
            context = self.near(self._context, text, start, end)
            if context is None and self.CONTEXT_REQUIRED:
                continue
            score = self.CONTEXT_SCORE if context else self.SCORE
            why = self.DESCRIPTION or f"matches the {self.ENTITY} format"
            if valid:
                why += f", {self.VALID_TEXT}"
            if context:
                why += f", with '{context}' nearby"
            results.append(RecognizerResult(
                self.ENTITY, start, end, score,
                AnalysisExplanation(recognizer=self.name, original_score=score,
                                    pattern_name=self.ENTITY, pattern=self.PATTERN,
                                    validation_result=valid, textual_explanation=why),
            ))
        return results


_DIGIT_RUN = re.compile(r"\d\d*")  # not \d+: a class first lets re skip to the next digit


def longest_digits(text: str) -> int:
    """The length of the longest run of digits (as the patterns' \\d reads them) in `text`."""
    return max(map(len, _DIGIT_RUN.findall(text)), default=0)


# Where a cell of a labelled row begins (tables.labelled writes "header: value; header: value"):
# the separator, then a label of a few words and a colon. Not a line's start: "(DOB):" at the
# end of one line, "Jayden: 04/05/2016" on the next, is prose.
_CELL_LABEL = re.compile(r"; [^;:\n]{1,40}: ")


def line_at(text: str, at: int) -> str:
    """The line of `text` holding position `at`: a labelled table row (tables.labelled writes
    one a line), whose other cells say what its values are about."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start: end if end >= 0 else len(text)]


# Where a context word may start and end: not inside a word, but at the joins of one written
# as a label is in an export's header (NHSNumber, nhsNumber, PersonNHSNo, DateOfBirth): a
# case system's CSV, JSON or XML had its unspaced NHS numbers under such labels unfound
_STARTS = r"(?:(?<![A-Za-z])|(?<=(?-i:[a-z]))(?=(?-i:[A-Z])))"
_ENDS = r"(?:(?![A-Za-z])|(?=(?-i:[A-Z][a-z])))"


def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """A context word, its words apart or joined ("date of birth", date_of_birth,
    DateOfBirth), as a word or as a label's part (`_STARTS`, `_ENDS`)."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s\-_]*") for w in
                            sorted(words, key=len, reverse=True))
    # `re` cannot skip ahead to where a word could start past the look-behinds of `_STARTS`,
    # and tried them and every word at each character; a look at the character first finds
    # the same matches, two to four times as fast (not for a word of a site's own that may
    # start with nothing or a space, which matches a word's joins)
    starts = {w[:1] for w in words}
    look = "" if starts & {"", " "} else f"(?=[{''.join(sorted(map(re.escape, starts)))}])"
    return re.compile(rf"{look}{_STARTS}(?:{alternatives}){_ENDS}", re.IGNORECASE)
