"""detect: Message -> Evidence, by every registered detector.

Content first, then recipients: recipient risk compares the message's content fingerprint,
which carries the identifiers content detection found, with what has gone to each contact.
"""

from __future__ import annotations

from dlpgate.detect.registry import ContentDetector, Context, RecipientAssessor
from dlpgate.model import Finding, Message, RecipientRisk


def find(message: Message, content: list[ContentDetector], ctx: Context) -> list[Finding]:
    return [f for d in content for f in d.detect(message, ctx)]


def assess(message: Message, recipients: list[RecipientAssessor],
           ctx: Context) -> list[RecipientRisk]:
    return [r for a in recipients for r in a.assess(message, ctx)]
