"""The typed policy: rules and the conditions they test, as `load` builds them.

Each condition is a small frozen dataclass with one method, `test(facts)`,
returning a `Hit` or None. A hit may name the recipients it is about (a
"recipients: any:" test), so a rule's explanation can speak of the recipient
that made it match ("carol@nhs.com: domain looks like nhs.net").

Conditions only ever require *at least* something of the findings (counts,
distinct values, data subjects), never at most. A policy whose rules test
findings only that way is monotone: more findings never relax its action, which
is what lets the pipeline skip NER when even a maximal finding could not change
the outcome. `Not` over a findings test breaks that; `PolicySet.monotone` says
so and the pipeline then always runs NER.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from dlpgate.detect.recipients import marked_where
from dlpgate.detect.summary import Summary, category_of, normalise
from dlpgate.history import domain_of, in_domains
from dlpgate.history import normalise as normalise_address
from dlpgate.model import Action, Evidence, Message, RecipientRisk, in_body

PROBLEM_ENTITIES = ("UNSCANNABLE", "ENCRYPTED_ATTACHMENT", "MALFORMED_MIME")
WHERE = ("internal", "partner", "outside")


@dataclass
class Facts:
    """What conditions look at, worked out once per decision."""

    evidence: Evidence
    message: Message
    summary: Summary
    recipients: dict[str, RecipientRisk] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # address -> internal|partner|outside

    @staticmethod
    def of(evidence: Evidence, message: Message, summary: Summary) -> Facts:
        risks = {r.address: r for r in evidence.recipients}
        where = {}
        for address, risk in risks.items():
            names = {s.name for s in risk.signals}
            where[address] = ("internal" if "internal" in names else
                              "partner" if "partner" in names else "outside")
        return Facts(evidence, message, summary, risks, where)

    # worked out once a decision, however many rules ask (twice a message going out: `pipeline`)
    @functools.cached_property
    def text(self) -> str:
        return "\n".join(p.text for p in self.message.parts)

    @functools.cached_property
    def entities(self) -> frozenset[str]:
        return frozenset(f.entity for f in self.evidence.findings)

    @functools.cached_property
    def sender_domain(self) -> str:
        return domain_of(self.message.from_addr or "")

    @functools.cached_property
    def marked(self) -> bool:
        return bool(self.marked_where)

    @functools.cached_property
    def marked_where(self) -> str:
        """"the message" or "an attachment" (a report's page header), or "": where a
        protective marking is, for the sender to look."""
        return marked_where(self.message)


@dataclass(frozen=True)
class Hit:
    recipients: frozenset[str] | None = None  # None: about the message, not a recipient
    signals: frozenset[str] | None = None  # the signals a recipient test asked for, if any
    # whether every recipient named passed every recipient test (False: `all:` tests that
    # no one recipient passed together, whose recipients are named for the explanation only)
    agreed: bool = True


def _signals(hits: list[Hit]) -> frozenset[str] | None:
    asked = [h.signals for h in hits if h.signals is not None]
    return frozenset().union(*asked) if asked else None


class Condition:
    def test(self, facts: Facts) -> Hit | None:
        raise NotImplementedError

    def reads_findings(self) -> bool:
        """Whether the outcome depends on findings (for the monotonicity check)."""
        return False

    def monotone(self) -> bool:
        return True


@dataclass(frozen=True)
class All(Condition):
    items: tuple[Condition, ...]

    def test(self, facts: Facts) -> Hit | None:
        bound: list[frozenset[str]] = []
        hits: list[Hit] = []
        for item in self.items:
            hit = item.test(facts)
            if hit is None:
                return None
            hits.append(hit)
            if hit.recipients is not None:
                bound.append(hit.recipients)
        agreed = all(h.agreed for h in hits)
        if not bound:
            return Hit(None, _signals(hits), agreed)
        # the recipients every recipient test agrees on; if none, all that any test named
        common = frozenset.intersection(*bound)
        return Hit(common or frozenset().union(*bound), _signals(hits), agreed and bool(common))

    def reads_findings(self) -> bool:
        return any(i.reads_findings() for i in self.items)

    def monotone(self) -> bool:
        return all(i.monotone() for i in self.items)


@dataclass(frozen=True)
class AnyOf(Condition):
    items: tuple[Condition, ...]

    def test(self, facts: Facts) -> Hit | None:
        hits = [h for h in (i.test(facts) for i in self.items) if h is not None]
        if not hits:
            return None
        bound = [h.recipients for h in hits if h.recipients is not None]
        return Hit(frozenset().union(*bound) if bound and len(bound) == len(hits) else None,
                   _signals(hits), all(h.agreed for h in hits))

    def reads_findings(self) -> bool:
        return any(i.reads_findings() for i in self.items)

    def monotone(self) -> bool:
        return all(i.monotone() for i in self.items)


@dataclass(frozen=True)
class Not(Condition):
    item: Condition

    def test(self, facts: Facts) -> Hit | None:
        return None if self.item.test(facts) is not None else Hit()

    def reads_findings(self) -> bool:
        return self.item.reads_findings()

    def monotone(self) -> bool:
        return not self.item.reads_findings()


@dataclass(frozen=True)
class Findings(Condition):
    """At least `min_count` findings (and `min_distinct` distinct values) of a kind."""

    entities: frozenset[str] | None = None  # None: any personal data (not problems)
    categories: frozenset[str] | None = None
    min_count: int = 1
    min_distinct: int = 1
    min_score: float = 0.0
    where: str = "anywhere"  # anywhere | subject | body | attachment

    def test(self, facts: Facts) -> Hit | None:
        count = 0
        values: set[tuple[str, str]] = set()  # only worked out when distinct values matter
        distinct = self.min_distinct > 1
        for f in facts.evidence.findings:
            if self.entities is None:
                if f.entity in PROBLEM_ENTITIES:
                    continue
            elif f.entity not in self.entities:
                continue
            if f.score < self.min_score or not _part_is(f.part, self.where):
                continue
            if self.categories is not None and category_of(f) not in self.categories:
                continue
            count += 1
            if distinct:
                values.add((f.entity, normalise(f.entity, f.text) or f.part))
        if count >= self.min_count and (not distinct or len(values) >= self.min_distinct):
            return Hit()
        return None

    def reads_findings(self) -> bool:
        return True


def _part_is(part: str, where: str) -> bool:
    if where == "anywhere":
        return True
    if where == "attachment":
        return part != "subject" and not in_body(part)
    if where == "body":
        return in_body(part)
    return part == where


@dataclass(frozen=True)
class DataSubjects(Condition):
    """How many people the message is about: by identifiers alone, or names too."""

    min: int
    counting: str = "identifiers"  # identifiers | names

    def test(self, facts: Facts) -> Hit | None:
        n = (facts.summary.identified_subjects if self.counting == "identifiers"
             else facts.summary.data_subjects)
        return Hit() if n >= self.min else None

    def reads_findings(self) -> bool:
        return True


@dataclass(frozen=True)
class RecipientTest:
    """What one recipient must be; every given key must hold."""

    where: frozenset[str] | None = None
    signals: frozenset[str] | None = None
    without_signals: frozenset[str] = frozenset()
    min_risk: float | None = None
    domains: tuple[str, ...] | None = None
    not_domains: tuple[str, ...] = ()
    # sender_pattern()s: an address, *@domain or a glob, matched on the normalised address
    addresses: tuple[str, ...] | None = None
    not_addresses: tuple[str, ...] = ()

    def holds(self, address: str, risk: RecipientRisk, where: str) -> bool:
        names = {s.name for s in risk.signals}
        if self.where is not None and where not in self.where:
            return False
        if self.signals is not None and not names & self.signals:
            return False
        if names & self.without_signals:
            return False
        if self.min_risk is not None and risk.risk < self.min_risk:
            return False
        domain = domain_of(address)
        if self.domains is not None and not in_domains(domain, self.domains):
            return False
        if self.not_domains and in_domains(domain, self.not_domains):
            return False
        if self.addresses is None and not self.not_addresses:
            return True
        plain = normalise_address(address)
        if self.addresses is not None and not any(fnmatchcase(plain, p)
                                                  for p in self.addresses):
            return False
        return not any(fnmatchcase(plain, p) for p in self.not_addresses)


@dataclass(frozen=True)
class Recipients(Condition):
    """`any`, `all`, or `at_least` N recipients pass a RecipientTest."""

    quantifier: str  # any | all | at_least
    check: RecipientTest
    count: int = 1

    def test(self, facts: Facts) -> Hit | None:
        passing = frozenset(a for a, r in facts.recipients.items()
                            if self.check.holds(a, r, facts.where[a]))
        if self.quantifier == "all":
            ok = bool(facts.recipients) and len(passing) == len(facts.recipients)
        elif self.quantifier == "at_least":
            ok = len(passing) >= self.count
        else:
            ok = bool(passing)
        return Hit(passing, self.check.signals) if ok else None


@dataclass(frozen=True)
class Attachments(Condition):
    types: frozenset[str] | None = None  # file extensions, lower case, no dot
    min_size: int = 0
    min_count: int = 1

    def test(self, facts: Facts) -> Hit | None:
        found = [a for a in facts.message.attachments
                 if a.size >= self.min_size
                 and (self.types is None or a.name.rpartition(".")[2].lower() in self.types)]
        return Hit() if len(found) >= self.min_count else None


@dataclass(frozen=True)
class MessageTest(Condition):
    """Facts about the whole message; every given key must hold."""

    from_organisation: bool | None = None
    marking: bool | None = None
    direction: str | None = None  # internal | outbound
    unscannable: bool | None = None
    encrypted: bool | None = None
    malformed: bool | None = None
    mentions: re.Pattern[str] | None = None
    matches: re.Pattern[str] | None = None
    min_size: int = 0
    ours: tuple[str, ...] = ()  # organisation.internal_domains, for from_organisation

    def test(self, facts: Facts) -> Hit | None:
        m = facts.message
        entities = facts.entities
        checks: list[bool] = []
        if self.from_organisation is not None:
            # no internal domains configured: every sender counts as ours (fail safe)
            ours = not self.ours or bool(in_domains(facts.sender_domain, self.ours))
            checks.append(ours == self.from_organisation)
        if self.marking is not None:
            checks.append(facts.marked == self.marking)
        if self.direction is not None:
            inside = bool(facts.where) and all(w == "internal" for w in facts.where.values())
            checks.append(inside == (self.direction == "internal"))
        if self.unscannable is not None:
            checks.append(bool(entities & {"UNSCANNABLE", "ENCRYPTED_ATTACHMENT"})
                          == self.unscannable)
        if self.encrypted is not None:
            checks.append(("ENCRYPTED_ATTACHMENT" in entities) == self.encrypted)
        if self.malformed is not None:
            checks.append(("MALFORMED_MIME" in entities) == self.malformed)
        if self.mentions is not None:
            checks.append(bool(self.mentions.search(facts.text)))
        if self.matches is not None:
            checks.append(bool(self.matches.search(facts.text)))
        if self.min_size:
            checks.append(m.size >= self.min_size)
        return Hit() if all(checks) else None


@dataclass(frozen=True)
class Sender(Condition):
    patterns: tuple[str, ...]
    negate: bool = False

    def test(self, facts: Facts) -> Hit | None:
        address = normalise_address(facts.message.from_addr or "")
        found = any(fnmatchcase(address, p) for p in self.patterns)
        return Hit() if found != self.negate else None


def sender_pattern(entry: str) -> str:
    """`@example.gov.uk` means anyone there; addresses and globs are matched lower-cased."""
    entry = entry.strip().lower()
    return "*" + entry if entry.startswith("@") else entry


def terms_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Whole words or phrases, any case, any run of spaces between words."""
    alternatives = sorted({r"\s+".join(map(re.escape, t.split())) for t in terms if t.strip()},
                          key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    action: Action
    when: Condition
    explain: str
    description: str = ""
    mode: str = "enforce"  # enforce | shadow
    minutes: int = 0  # for delay
    notify: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    status: str = "stable"
    file: str = ""
    line: int = 0

    def monotone(self) -> bool:
        """More findings can never relax what this rule asks (see the module docstring)."""
        return self.when.monotone() and not (self.overrides and self.when.reads_findings())


@dataclass(frozen=True)
class Example:
    """A message written into a policy file, with what the policy must do with it."""

    name: str
    file: str
    line: int
    rule: str  # the rule it sits under, or "" for file-level examples
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[dict, ...] = ()
    history: tuple[dict, ...] = ()
    expect_action: Action | None = None  # None: any action
    expect_rules: tuple[str, ...] = ()
    expect_not_rules: tuple[str, ...] = ()
    organisation: dict | None = None


@dataclass(frozen=True)
class PolicySet:
    """Every rule from every policy file, in file order, validated."""

    rules: tuple[Rule, ...]
    version: str
    files: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    disabled: tuple[str, ...] = ()
    idle_examples: int = 0  # examples of disabled rules, or expecting one, left out

    # Asked of every message going out (`pipeline.Scanner`): worked out once a set. A set is
    # never changed, only replaced (a reload reads a new one), so neither answer goes stale.
    @functools.cached_property
    def largest_count(self) -> int:
        """The largest number of findings or people any rule asks for."""
        def walk(c: object) -> list[int]:
            if isinstance(c, Findings):
                return [c.min_count, c.min_distinct]
            if isinstance(c, DataSubjects):
                return [c.min]
            inner = getattr(c, "items", None) or ([c.item] if isinstance(c, Not) else [])
            return [n for i in inner for n in walk(i)]
        return max((n for r in self.rules for n in walk(r.when)), default=1)

    @functools.cached_property
    def monotone(self) -> bool:
        """More findings can never relax the action (see the module docstring)."""
        return all(r.monotone() for r in self.rules)
