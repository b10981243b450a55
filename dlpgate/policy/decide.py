"""decide: Evidence -> Decision. The only place a verdict is chosen.

Pure: same evidence, same decision. Every rule that matches is recorded with its
reasons; the strictest verdict among them wins (reject > hold > log > allow).
Reasons name entity types, counts, categories and domains, never values.

Until policy files are read, these built-in baseline rules apply. All are
monotone (more findings never relax a verdict), which lazy evidence relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlpgate.detect.summary import Summary, summarize
from dlpgate.model import Decision, Evidence, Verdict

UNREADABLE = ("UNSCANNABLE", "ENCRYPTED_ATTACHMENT")
IDENTIFIERS = ("UK_NHS", "UK_NINO", "UK_UPN", "UK_PASSPORT", "UK_DRIVING_LICENCE",
               "UK_BANK_ACCOUNT", "UK_SORT_CODE", "CREDIT_CARD", "IBAN_CODE", "DATE_OF_BIRTH",
               "UK_CASE_REFERENCE")
MANY_SUBJECTS = 10
BASELINE_VERSION = "builtin-baseline-3"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    verdict: Verdict
    reasons: Callable[[Evidence, Summary], list[str]]  # empty: the rule does not match


def _leaving(e: Evidence) -> list[str]:
    """Domains of recipients outside the organisation and its partners."""
    return sorted({r.address.rpartition("@")[2].lower() for r in e.recipients
                   if not {s.name for s in r.signals} & {"internal", "partner"}})


def _unreadable_leaving(e: Evidence, s: Summary) -> list[str]:
    outside = _leaving(e)
    if not outside:
        return []
    return [f"{f.explanation}; it would leave the organisation to {', '.join(outside)}"
            for f in e.findings if f.entity in UNREADABLE]


def _unreadable_inside(e: Evidence, s: Summary) -> list[str]:
    if _leaving(e):
        return []
    return [f.explanation for f in e.findings if f.entity in UNREADABLE]


def _malformed(e: Evidence, s: Summary) -> list[str]:
    return [f.explanation for f in e.findings if f.entity == "MALFORMED_MIME"]


def _special_category_leaving(e: Evidence, s: Summary) -> list[str]:
    outside = _leaving(e)
    if not (outside and s.special_category and s.identified_subjects):
        return []
    return [f"special-category data ({', '.join(s.special_categories)}) with identifiers of "
            f"{s.identified_subjects} person(s) would go to {', '.join(outside)}"]


def _special_category_named_leaving(e: Evidence, s: Summary) -> list[str]:
    outside = _leaving(e)
    if not (outside and s.special_category and s.distinct.get("PERSON")):
        return []
    return [f"special-category data ({', '.join(s.special_categories)}) near "
            f"{s.distinct['PERSON']} name(s) would go to {', '.join(outside)}"]


def _many_subjects_leaving(e: Evidence, s: Summary) -> list[str]:
    outside = _leaving(e)
    if not (outside and s.identified_subjects >= MANY_SUBJECTS):
        return []
    return [f"identifiers of {s.identified_subjects} people would go to {', '.join(outside)}"]


def _identifiers_leaving(e: Evidence, s: Summary) -> list[str]:
    outside = _leaving(e)
    found = {k: s.distinct[k] for k in IDENTIFIERS if s.distinct.get(k)}
    if not (outside and found):
        return []
    listed = ", ".join(f"{n} {k}" for k, n in sorted(found.items()))
    return [f"identifiers ({listed}) would go to {', '.join(outside)}"]


BASELINE: tuple[Rule, ...] = (
    Rule("unreadable-attachment-leaving", "An attachment that cannot be scanned leaves the "
         "organisation", Verdict.HOLD, _unreadable_leaving),
    Rule("unreadable-attachment-internal", "An attachment that cannot be scanned, sent inside "
         "the organisation", Verdict.LOG, _unreadable_inside),
    Rule("special-category-leaving", "Special-category data with a person's identifier leaves "
         "the organisation for a recipient who is not a partner", Verdict.HOLD,
         _special_category_leaving),
    Rule("special-category-named-leaving", "Special-category data near a person's name leaves "
         "the organisation for a recipient who is not a partner", Verdict.LOG,
         _special_category_named_leaving),
    Rule("many-data-subjects-leaving", f"Personal data about {MANY_SUBJECTS} or more people "
         "leaves the organisation", Verdict.HOLD, _many_subjects_leaving),
    Rule("identifiers-leaving", "Personal identifiers leave the organisation", Verdict.LOG,
         _identifiers_leaving),
    Rule("malformed-mime", "The message's MIME structure is damaged", Verdict.LOG, _malformed),
)


def decide(evidence: Evidence, rules: tuple[Rule, ...] = BASELINE) -> Decision:
    summary = summarize(evidence.findings)
    matched: list[tuple[Rule, list[str]]] = []
    for rule in rules:
        reasons = rule.reasons(evidence, summary)
        if reasons:
            matched.append((rule, list(dict.fromkeys(reasons))))
    return Decision(
        verdict=Verdict.strictest([rule.verdict for rule, _ in matched]),
        rules=tuple(rule.id for rule, _ in matched),
        reasons=tuple(reason for _, reasons in matched for reason in reasons),
        policy_version=BASELINE_VERSION,
    )
