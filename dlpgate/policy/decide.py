"""decide: Evidence -> Decision. The only place a verdict is chosen.

Pure: same evidence, same decision. Every rule that matches is recorded with its
reason; the strictest verdict among them wins (reject > hold > log > allow).

Until policy files are read, these built-in baseline rules apply. They cover
what the relay itself produces: parts that could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlpgate.model import Decision, Evidence, Verdict

UNREADABLE = ("UNSCANNABLE", "ENCRYPTED_ATTACHMENT")
BASELINE_VERSION = "builtin-baseline-1"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    verdict: Verdict
    reasons: Callable[[Evidence], list[str]]  # empty: the rule does not match


def _leaving(e: Evidence) -> list[str]:
    return sorted({r.address.rpartition("@")[2].lower() for r in e.recipients
                   if not {s.name for s in r.signals} & {"internal", "partner"}})


def _unreadable_leaving(e: Evidence) -> list[str]:
    outside = _leaving(e)
    if not outside:
        return []
    return [f"{f.explanation}; it would leave the organisation to {', '.join(outside)}"
            for f in e.findings if f.entity in UNREADABLE]


def _unreadable_inside(e: Evidence) -> list[str]:
    if _leaving(e):
        return []
    return [f.explanation for f in e.findings if f.entity in UNREADABLE]


def _malformed(e: Evidence) -> list[str]:
    return [f.explanation for f in e.findings if f.entity == "MALFORMED_MIME"]


BASELINE: tuple[Rule, ...] = (
    Rule("unreadable-attachment-leaving", "An attachment that cannot be scanned leaves the "
         "organisation", Verdict.HOLD, _unreadable_leaving),
    Rule("unreadable-attachment-internal", "An attachment that cannot be scanned, sent inside "
         "the organisation", Verdict.LOG, _unreadable_inside),
    Rule("malformed-mime", "The message's MIME structure is damaged", Verdict.LOG, _malformed),
)


def decide(evidence: Evidence, rules: tuple[Rule, ...] = BASELINE) -> Decision:
    matched: list[tuple[Rule, list[str]]] = []
    for rule in rules:
        reasons = rule.reasons(evidence)
        if reasons:
            matched.append((rule, list(dict.fromkeys(reasons))))
    return Decision(
        verdict=Verdict.strictest([rule.verdict for rule, _ in matched]),
        rules=tuple(rule.id for rule, _ in matched),
        reasons=tuple(reason for _, reasons in matched for reason in reasons),
        policy_version=BASELINE_VERSION,
    )
