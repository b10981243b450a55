"""detect: Message -> Evidence, by every registered detector."""

from __future__ import annotations

from dlpgate.detect.registry import ContentDetector, Context, RecipientAssessor
from dlpgate.model import Evidence, Message


def detect(
    message: Message,
    content: list[ContentDetector],
    recipients: list[RecipientAssessor],
    ctx: Context,
) -> Evidence:
    findings = [f for d in content for f in d.detect(message, ctx)]
    risks = [r for a in recipients for r in a.assess(message, ctx)]
    return Evidence(findings=tuple(findings), recipients=tuple(risks))
