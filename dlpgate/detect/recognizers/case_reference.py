"""UK_CASE_REFERENCE: a council's own case and account references, declared in config.

Each council's children's and adults' case-management IDs, council-tax and
housing-benefit references look different; they are declared as patterns in
`detection.case_references`, so adding one needs no code.
"""

from __future__ import annotations

import re

from dlpgate.detect.recognizers.base import FastRecognizer, _words


class DlpCaseReferenceRecognizer(FastRecognizer):
    ENTITY = "UK_CASE_REFERENCE"
    PATTERN = r"(?!x)x"

    def __init__(self, name: str, pattern: str, entity: str = "UK_CASE_REFERENCE",
                 context: tuple[str, ...] = (), score: float = 0.85) -> None:
        self.ENTITY = entity
        super().__init__()
        self.name = f"case-reference:{name}"
        self.label = name
        self._regex = re.compile(pattern)
        self._context = _words(tuple(context))
        self.CONTEXT_REQUIRED = False
        self.SCORE = score
        self.DESCRIPTION = f"a {name} reference"
