"""What a message's findings add up to, and how findings are shown without their values.

`summarize` is what policy reads: counts per entity, distinct values (a value
quoted five times down a reply thread counts once), an estimate of distinct
data subjects, and which special categories appear. `mask` is used wherever a
finding is shown to a person who has not asked to see the value.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from dlpgate.model import Finding

# Identifiers that each point at one person: the largest count of any of them (or of
# names) estimates how many people a message is about.
STRONG_IDENTIFIERS = ("UK_NHS", "UK_NINO", "UK_UPN", "DATE_OF_BIRTH", "UK_PASSPORT",
                      "UK_DRIVING_LICENCE", "UK_CASE_REFERENCE")
SUBJECT_IDENTIFIERS = ("PERSON", *STRONG_IDENTIFIERS)
CASE_REFERENCE_DETECTOR = "case-reference:"  # the detector name of detection.case_references
CONFIDENT = 0.8  # identifiers below this score (an age, an unspaced number) do not count
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof"}


def normalise(entity: str, value: str) -> str:
    if entity == "PERSON":
        words = [w.strip(".").lower() for w in value.split()]
        return " ".join(w for w in words if w and w not in _TITLES)
    if entity in ("EMAIL_ADDRESS", "SPECIAL_CATEGORY"):
        return " ".join(value.lower().split())
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)
    data_subjects: int = 0  # from names and identifiers
    identified_subjects: int = 0  # from identifiers alone (names in mail are often not subjects)
    special_categories: tuple[str, ...] = ()

    @property
    def special_category(self) -> bool:
        return bool(self.special_categories)

    def as_json(self) -> dict:
        return {"counts": self.counts, "distinct": self.distinct,
                "data_subjects": self.data_subjects,
                "identified_subjects": self.identified_subjects,
                "special_category": self.special_category,
                "special_categories": list(self.special_categories)}


def category_of(f: Finding) -> str:
    """A special-category finding's category, which its explanation ends with: '(health)'."""
    if f.entity != "SPECIAL_CATEGORY":
        return ""
    return f.explanation.rsplit("(", 1)[-1].rstrip(")")


def summarize(findings: tuple[Finding, ...] | list[Finding]) -> Summary:
    counts: Counter[str] = Counter()
    values: dict[str, set[str]] = {}
    confident: dict[str, set[str]] = {}
    categories: set[str] = set()
    # a council's own case reference identifies its person under whatever entity name it
    # was given (COUNCIL_TAX_ACCOUNT counted no one: thirty accounts went as "0 people")
    references: set[str] = set()
    for f in findings:
        counts[f.entity] += 1
        if f.detector.startswith(CASE_REFERENCE_DETECTOR):
            references.add(f.entity)
        key = normalise(f.entity, f.text) or f.part
        values.setdefault(f.entity, set()).add(key)
        if f.score >= CONFIDENT:
            confident.setdefault(f.entity, set()).add(key)
        if f.entity == "SPECIAL_CATEGORY":
            categories.add(category_of(f))
    distinct = {e: len(v) for e, v in values.items()}
    subjects = max((distinct.get(e, 0) for e in (*SUBJECT_IDENTIFIERS, *references)), default=0)
    identified = max((len(confident.get(e, ())) for e in (*STRONG_IDENTIFIERS, *references)),
                     default=0)
    return Summary(dict(counts), distinct, subjects, identified, tuple(sorted(categories)))


# Each identifier as a sentence says it, one and more: a notice told the sender "identifiers
# of 1 person" and left them to guess which of their words had been taken for one
_SAID = {"UK_NHS": ("an NHS number", "NHS numbers"),
         "UK_NINO": ("a National Insurance number", "National Insurance numbers"),
         "UK_UPN": ("a unique pupil number", "unique pupil numbers"),
         "DATE_OF_BIRTH": ("a date of birth", "dates of birth"),
         "UK_PASSPORT": ("a passport number", "passport numbers"),
         "UK_DRIVING_LICENCE": ("a driving licence number", "driving licence numbers"),
         "UK_CASE_REFERENCE": ("a case reference", "case references")}


def identifiers_said(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """The identifiers that count people (`identified_subjects`), in words: "an NHS number
    and 2 dates of birth"; a council's own reference by the name it gave it ("3 Mosaic case
    ID"), which is not made plural. "no identifier" when there is none."""
    values: dict[str, set[str]] = {}
    for f in findings:
        if f.score < CONFIDENT:
            continue
        if f.detector.startswith(CASE_REFERENCE_DETECTOR):
            kind = f.detector.removeprefix(CASE_REFERENCE_DETECTOR)
        elif f.entity in STRONG_IDENTIFIERS:
            kind = f.entity
        else:
            continue
        values.setdefault(kind, set()).add(normalise(f.entity, f.text) or f.part)
    said = []
    for kind, found in values.items():
        one, many = _SAID.get(kind, (f"a {kind}", kind))
        said.append(one if len(found) == 1 else f"{len(found)} {many}")
    if not said:
        return "no identifier"
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def mask(entity: str, value: str) -> str:
    """Enough to recognise a value you already know, not enough to learn one."""
    if not value:
        return value
    if entity == "PERSON":
        return " ".join(w[0] + "\u2022" * max(1, len(w) - 1) for w in value.split())
    if entity == "EMAIL_ADDRESS":
        local, _, domain = value.partition("@")
        return f"{local[:1]}\u2022\u2022\u2022@{domain}"
    if entity in ("SPECIAL_CATEGORY",):
        return value  # the term, not a person
    if entity == "UK_POSTCODE":
        dots = "\u2022\u2022\u2022"
        return f"{value.split()[0]} {dots}" if " " in value else value[:2] + dots
    keep = 3 if len(value) > 6 else 1
    return re.sub(r"[0-9A-Za-z]", "\u2022", value[:-keep]) + value[-keep:]
