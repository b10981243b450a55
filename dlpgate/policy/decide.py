"""decide: (Evidence, Message, PolicySet) -> Decision. The only place a verdict is chosen.

Pure: same evidence, same policy, same decision. Every rule is tested; every
match is recorded with its reasons, shadow ones and overridden ones too. An
exception rule (`overrides:`) that matches sets the matches of the rules it
names aside. Of what remains in force, the strictest action wins
(reject > hold > confirm > delay > log > allow).

Reasons are the rules' `explain` texts with their placeholders filled from the
evidence: recipient addresses, domains, signal explanations, entity types and
counts, never the personal data found in the content. Where the evidence quotes a
name from the message (a greeted person in a signal, a file named after its person
in a problem), the reasons have it masked, as findings are, and `revealed` has the
same reasons in full, for `scan --reveal`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from dlpgate.detect.summary import Summary, identifiers_said, summarize
from dlpgate.history import domain_of
from dlpgate.model import Action, Decision, Evidence, Message, RuleMatch
from dlpgate.policy.rules import PROBLEM_ENTITIES, Facts, Hit, PolicySet, Rule

# Signals that say a recipient is expected: not worth repeating in an explanation.
_REASSURING = {"internal", "partner", "known-correspondent"}


def decide(evidence: Evidence, message: Message, policy: PolicySet) -> Decision:
    summary = summarize(evidence.findings)
    facts = Facts.of(evidence, message, summary)
    # the reasons in full are made only when the evidence quotes a name it masks (most
    # quotes none)
    quoting = any(f.revealed for f in evidence.findings) or any(
        s.revealed for r in evidence.recipients for s in r.signals)
    hits: list[tuple[Rule, RuleMatch]] = []
    for rule in policy.rules:
        hit = rule.when.test(facts)
        if hit is not None:
            hits.append((rule, _match(rule, hit, facts, summary, quoting)))
    hits = _set_aside(hits)
    live = [(r, m) for r, m in hits if m.counts]
    action = Action.strictest([m.action for _, m in live])
    reasons = tuple(dict.fromkeys(reason for _, m in live for reason in m.reasons))
    revealed = tuple(dict.fromkeys(reason for _, m in live for reason in
                                   (m.revealed or m.reasons)))
    return Decision(
        verdict=action.verdict,
        rules=tuple(m.rule for _, m in live),
        reasons=reasons,
        policy_version=policy.version,
        action=action,
        matches=tuple(m for _, m in hits),
        delay_minutes=max((r.minutes for r, _ in live if r.action == Action.DELAY), default=0)
        if action == Action.DELAY else 0,
        notify=tuple(sorted({n for r, _ in live for n in r.notify})),
        revealed=revealed if revealed != reasons else (),
    )


def _set_aside(hits: list[tuple[Rule, RuleMatch]]) -> list[tuple[Rule, RuleMatch]]:
    """Mark the matches exceptions set aside.

    An exception about certain recipients (`recipients: {any: {domain: partner-list}}`)
    sets a rule aside only when every recipient that rule matched is one of them: copying
    the fostering partner in did not make a child's details to a gmail address expected.
    An exception that names no recipients (the sender, the content) sets the rule aside
    whole, and so is any rule that matched no recipient in particular.
    """
    by: dict[str, list[RuleMatch]] = {}
    for rule, m in hits:
        if m.mode == "enforce":
            for target in rule.overrides:
                by.setdefault(target, []).append(m)
    out = []
    for rule, m in hits:
        exceptions = by.get(m.rule, [])
        whole = next((e for e in exceptions if not e.recipients or not m.recipients), None)
        # two may share the work; one whose recipient tests no recipient passed together
        # (`all:` a partner's domain, and a known correspondent) covers no one
        covered = {r for e in exceptions if e.agreed for r in e.recipients}
        if whole is not None:
            m = dataclasses.replace(m, overridden_by=whole.rule)
        elif covered and set(m.recipients) <= covered:
            m = dataclasses.replace(m, overridden_by=exceptions[0].rule)
        out.append((rule, m))
    return out


def _match(rule: Rule, hit: Hit, facts: Facts, summary: Summary, quoting: bool) -> RuleMatch:
    reasons, bound = _reasons(rule, hit, facts, summary, revealed=False)
    full = _reasons(rule, hit, facts, summary, revealed=True)[0] if quoting else reasons
    # a message-wide sign (bulk exposure) read out for each recipient says one thing once
    return RuleMatch(rule.id, rule.action, reasons, rule.mode, "", bound, hit.agreed,
                     full if full != reasons else ())


def _reasons(rule: Rule, hit: Hit, facts: Facts, summary: Summary,
             revealed: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the rule's reasons, the recipients it is bound to); `revealed`: with the names the
    evidence quotes in full."""
    common = _common_fields(rule, hit, facts, summary, revealed)
    reasons: list[str] = []
    if hit.recipients and not _per_recipient(rule.explain):
        # an explanation that names no recipient says its signals once, for all of them
        # (twelve carers in To read out as seven near-identical lines, one per provider)
        each = [_said(facts, [a], hit.signals, revealed) for a in sorted(hit.recipients)]
        told = Counter(s for said in each for s in said)
        said = sorted(told, key=lambda s: -told[s])  # what holds for all of them first
        reasons.append(rule.explain.format_map({
            **common, "signals": "; ".join(said) or "no warning signs"}).strip())
        bound = tuple(sorted(hit.recipients))
    elif hit.recipients:
        for address in sorted(hit.recipients):
            said = _said(facts, [address], hit.signals, revealed)
            reasons.append(rule.explain.format_map({
                **common, "recipient": address, "domain": domain_of(address),
                "signals": "; ".join(said) or "no warning signs",
            }).strip())
        bound = tuple(sorted(hit.recipients))
    else:
        reasons.append(rule.explain.format_map(common).strip())
        bound = ()
    return tuple(dict.fromkeys(reasons)), bound


def _per_recipient(explain: str) -> bool:
    return "{recipient}" in explain or "{domain}" in explain


def _said(facts: Facts, addresses: list[str], asked: frozenset[str] | None,
          revealed: bool = False) -> list[str]:
    """Explanations of the signals the rule asked about, else of every warning sign."""
    return list(dict.fromkeys(
        (s.revealed or s.explanation) if revealed else s.explanation
        for a in addresses for s in facts.recipients[a].signals
        if (s.name in asked if asked is not None else s.name not in _REASSURING)))


def _common_fields(rule: Rule, hit: Hit, facts: Facts, summary: Summary,
                   revealed: bool = False) -> dict[str, str]:
    outside = [a for a, w in facts.where.items() if w == "outside"] or list(facts.where)
    entities = ", ".join(f"{n} {e}" for e, n in sorted(summary.distinct.items())
                         if e not in PROBLEM_ENTITIES) or "no personal data"
    said = _said(facts, sorted(hit.recipients) if hit.recipients else outside, hit.signals,
                 revealed)
    return {
        "rule": rule.id,
        "recipient": ", ".join(sorted(outside)),
        "recipients": ", ".join(sorted(outside)),
        "domain": ", ".join(sorted({domain_of(a) for a in outside})),
        "signals": "; ".join(said) or "no warning signs",
        "entities": entities,
        "subjects": str(summary.identified_subjects),
        # the same in words: "identifiers of 1 person(s)" is how a form speaks, not a colleague
        "people": f"{summary.identified_subjects} "
                  f"{'person' if summary.identified_subjects == 1 else 'people'}",
        # each finding read again: only for a rule that says them
        "identifiers": identifiers_said(facts.evidence.findings)
        if "{identifiers}" in rule.explain else "",
        # in words, for the sender the notice quotes it to: "mental_health" is a rule's id
        "categories": ", ".join(c.replace("_", " ") for c in summary.special_categories)
        or "none",
        "sender_domain": domain_of(facts.message.from_addr or ""),
        # where the protective marking is: "the message", or "an attachment" (never its
        # name, which may be the child's); "nothing" when unmarked
        "marked": (facts.marked_where or "nothing") if "{marked}" in rule.explain else "",
        "problems": "; ".join(dict.fromkeys(
            (f.revealed or f.explanation) if revealed else f.explanation
            for f in facts.evidence.findings if f.entity in PROBLEM_ENTITIES)) or "none",
    }
