"""A held message's recipients as its page lists them: each one's warning signs, then what speaks
for it, and recipients that share every signal in one row.

Forty foster carers in To, the breach this gateway was first asked to stop, gave a page of forty
rows of the same four signals (7,000 pixels) before the findings and the decision: the reviewer
had to scroll past them all to learn what the message held. A group from `GROUP_FROM` up is one
row naming how many, with its addresses folded away and the first one's explanations as the
example; fewer stay a row each, where an odd one out is easier to see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dlpgate.model import IN_FAVOUR

GROUP_FROM = 4  # recipients sharing every signal, from which they are one row


@dataclass
class Row:
    addresses: list[str]
    risks: list[float]
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (signal, explanation)
    favour: list[tuple[str, str]] = field(default_factory=list)
    explained: bool = True  # held before explanations were kept: names alone

    @property
    def risk(self) -> str:
        low, high = min(self.risks), max(self.risks)
        return f"{high:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f} to {high:.2f}"


def rows(recipients: tuple[dict, ...] | list[dict]) -> list[Row]:
    """The recipients in their order, those sharing every signal's name together when there
    are at least `GROUP_FROM` of them (at the first one's place)."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for r in recipients:
        groups.setdefault(tuple(r.get("signals", ())), []).append(r)
    out: list[Row] = []
    placed: set[tuple[str, ...]] = set()
    for r in recipients:
        names = tuple(r.get("signals", ()))
        members = groups[names]
        if len(members) < GROUP_FROM:
            out.append(_row([r]))
        elif names not in placed:
            placed.add(names)
            out.append(_row(members))
    return out


def _row(members: list[dict]) -> Row:
    first = members[0]
    row = Row([m["address"] for m in members], [float(m.get("risk", 0.0)) for m in members])
    explanations = list(first.get("explanations", ()))
    row.explained = bool(explanations)
    for i, name in enumerate(first.get("signals", ())):
        why = explanations[i] if i < len(explanations) else ""
        (row.favour if name in IN_FAVOUR else row.warnings).append((name, why))
    return row
