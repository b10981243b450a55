"""Parts that could not be read become findings, so policy can decide on them.

Entity names are the problem kinds upper-cased: UNSCANNABLE, ENCRYPTED_ATTACHMENT,
MALFORMED_MIME. The detail says why (a ratio, a format) and never quotes content.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlpgate.config import Settings
from dlpgate.detect.registry import Context, register
from dlpgate.model import Finding, Message


def entity_for(kind: str) -> str:
    return kind.upper().replace("-", "_")


class ProblemDetector:
    name = "problems"

    def detect(self, message: Message, ctx: Context) -> Iterable[Finding]:
        for p in message.problems:
            yield Finding(
                entity=entity_for(p.kind), part=p.part, start=0, end=0, score=1.0, text="",
                explanation=f"{p.part}: {p.detail}", detector=self.name,
            )


@register("problems")
def _factory(settings: Settings) -> ProblemDetector:
    return ProblemDetector()
