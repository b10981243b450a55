"""PERSON from the way people are written about: titles and salutations.

"Mrs J Brown" and "Dear Callum" are people whatever a statistical model thinks
(spaCy's small model misses many); these patterns cost microseconds and run on
every message. NER (detect/ner.py) adds the names written without such cues.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from dlpgate.detect import whom
from dlpgate.detect.recognizers.base import FastRecognizer

_NAME = r"[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)?"
_TITLED = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master|Prof)\.?[ \t]+(?:[A-Z]\.?[ \t]+){{0,2}}{_NAME}"
    rf"(?:[ \t]+{_NAME})?")
_SALUTATION = re.compile(rf"(?:^|\n)[ \t]*(?:Dear|Hi|Hello|Morning|Afternoon)[ \t]+({_NAME}"
                         rf"(?:[ \t]+{_NAME}){{0,2}})\b")
_NOT_NAMES = {"all", "team", "both", "there", "folks", "friends", "parent", "parents",
              "manager", "councillor", "mum", "dad", "and", "or"} | whom.ADDRESSEES


class DlpPersonTitleRecognizer(FastRecognizer):
    ENTITY = "PERSON"
    PATTERN = _TITLED.pattern

    def analyze(self, text, entities=None, nlp_artifacts=None):
        results = []
        for m in _TITLED.finditer(text):
            results.append(_result(self.name, m.start(), m.end(), 0.85,
                                   "a name with a title (Mr, Mrs, Ms, Dr...)"))
        for m in _SALUTATION.finditer(text):
            # a post first is no name, but a name may follow it ("Dear Tenant Aisha Khan")
            words = list(re.finditer(r"\S+", m.group(1)))
            while words and words[0].group().lower() in _NOT_NAMES:
                words.pop(0)
            if not words:
                continue
            results.append(_result(self.name, m.start(1) + words[0].start(), m.end(1), 0.7,
                                   "the person a message is addressed to ('Dear ...')"))
        return results


def _result(name: str, start: int, end: int, score: float, why: str) -> RecognizerResult:
    return RecognizerResult("PERSON", start, end, score, AnalysisExplanation(
        recognizer=name, original_score=score, textual_explanation=why))
