"""read: one policy file's YAML -> typed conditions, collecting every problem on the way.

The vocabulary a policy author may use lives here (keys, signals, placeholders,
notify targets), so the loader, the JSON Schema and the docs share one list.
Each method takes the plain data at a path, returns the typed object (or None)
and records a problem naming file, line, column and rule for anything wrong;
nothing raises, so one pass finds every mistake.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dlpgate import yamlsrc
from dlpgate.backtracking import ADVICE, ambiguous_repetition
from dlpgate.config import _domain, _size
from dlpgate.model import RecipientSignal
from dlpgate.policy import rules as r

if TYPE_CHECKING:
    from dlpgate.policy.load import Loader

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
LIST_KINDS = ("domains", "senders", "addresses", "terms")
BUILTIN_LISTS = {"internal-domains": "domains", "partner-domains": "domains",
                 "secure-domains": "domains", "webmail-domains": "domains"}
FILE_KEYS = ("policy", "description", "lists", "disable", "rules", "examples",
             "examples_organisation")
RULE_KEYS = ("id", "title", "description", "status", "owner", "references", "falsepositives",
             "tags", "mode", "when", "action", "minutes", "explain", "notify", "overrides",
             "examples")
CONDITION_KEYS = ("all", "any", "not", "findings", "data_subjects", "recipients", "message",
                  "attachments", "sender")
FINDINGS_KEYS = ("entity", "category", "min_count", "min_distinct", "min_score", "in")
RECIPIENT_KEYS = ("where", "signal", "without_signal", "risk", "domain", "not_domain", "address",
                  "not_address")
MESSAGE_KEYS = ("from_organisation", "marking", "direction", "unscannable", "encrypted",
                "malformed", "mentions", "matches", "min_size")
EXAMPLE_KEYS = ("name", "from", "to", "cc", "bcc", "subject", "body", "headers", "attachments",
                "history", "expect")
NOTIFY = ("sender", "reviewers")
PLACEHOLDERS = ("recipient", "recipients", "domain", "signals", "entities", "subjects",
                "people", "identifiers", "categories", "sender_domain", "rule", "problems",
                "marked")
SIGNALS = tuple(s.value for s in RecipientSignal)



@dataclass(frozen=True)
class PolicyProblem:
    file: str
    line: int
    column: int
    rule: str
    message: str

    def __str__(self) -> str:
        rule = f" rule {self.rule}:" if self.rule else ""
        return f"{self.file}:{self.line}:{self.column}:{rule} {self.message}"


# Words an author reaches for that mean one of the places (difflib would offer "internal"
# for "external")
_PLACE_SYNONYMS = {"external": "outside", "outbound": "outside", "external-domain": "outside",
                   "inside": "internal", "ours": "internal", "partners": "partner"}


# Signals given in one place only: a test asking for one elsewhere never matches (copying the
# shipped `where: outside` beside unknown-colleague, which is about our own domain).
_PLACES = {"internal": frozenset({"internal"}), "unknown-colleague": frozenset({"internal"}),
           "partner": frozenset({"partner"}), "lone-outsider": frozenset({"outside"}),
           "personal-webmail": frozenset({"outside"}),
           "own-personal-address": frozenset({"outside"})}


def _suggest(word: Any, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else f"; expected one of: {', '.join(choices)}"


class Reader:
    """Walks one file's data, building typed objects and collecting problems."""

    def __init__(self, doc: yamlsrc.Located, loader: Loader) -> None:
        self.doc = doc
        self.loader = loader
        self.rule = ""

    def err(self, path: tuple, message: str) -> None:
        self.loader.problems.append(PolicyProblem(
            self.doc.filename, self.doc.line(path), self.doc.column(path), self.rule, message))

    def keys(self, data: dict, allowed: tuple[str, ...], path: tuple, what: str) -> None:
        for key in data:
            if key in allowed:
                continue
            if what == "a condition" and key in RULE_KEYS:  # `action:` indented under `when:`
                self.err(path + (key,), f"{key!r} belongs to the rule, not to its conditions: "
                         "it is indented too far (line it up with when:)")
            else:
                self.err(path + (key,), f"unknown key {key!r} in {what}{_suggest(key, allowed)}")

    def mapping(self, value: Any, path: tuple, what: str) -> dict | None:
        if isinstance(value, dict):
            return value
        if value is None:  # `recipients:` whose lines were not indented under it
            self.err(path, f"{what} has nothing under it: the lines meant for it must be "
                     "indented further than it")
            return None
        self.err(path, f"{what} must be a mapping of keys to values")
        return None

    def strings(self, value: Any, path: tuple, what: str) -> list[str]:
        """A string or a list of strings."""
        return [text for text, _ in self.items(value, path, what)]

    def items(self, value: Any, path: tuple, what: str) -> list[tuple[str, tuple]]:
        """A string or a list of strings, each with its own path: a problem with one entry
        of a list is reported at the entry's line, not at its key's."""
        if isinstance(value, str):
            return [(value, path)]
        if isinstance(value, list):
            for i, v in enumerate(value):
                if not isinstance(v, str):
                    self.err(path + (i,), f"{what} must be a string or a list of strings")
                    return []
            return [(v, path + (i,)) for i, v in enumerate(value)]
        self.err(path, f"{what} must be a string or a list of strings")
        return []

    def number(self, value: Any, path: tuple, what: str, lo: float = 0, hi: float | None = None,
               integer: bool = True) -> Any:
        ok = isinstance(value, int) and not isinstance(value, bool) if integer else (
            isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok or value < lo or (hi is not None and value > hi):
            span = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.err(path, f"{what} must be {'a whole number' if integer else 'a number'} {span}")
            return None
        return value

    def flag(self, value: Any, path: tuple, what: str) -> bool | None:
        if isinstance(value, bool):
            return value
        self.err(path, f"{what} must be true or false")
        return None

    def size(self, value: Any, path: tuple, what: str) -> int:
        try:
            return _size(value)
        except (ValueError, TypeError):
            self.err(path, f"{what} must be a size such as 500KB or 10MB")
            return 0

    def regex(self, value: Any, path: tuple) -> re.Pattern[str] | None:
        if not isinstance(value, str):
            self.err(path, "a regular expression must be a string")
            return None
        try:
            compiled = re.compile(value, re.IGNORECASE)
        except re.error as exc:
            self.err(path, f"not a valid regular expression: {exc}")
            return None
        if compiled.search(""):
            self.err(path, "the regular expression matches empty text, so it matches every "
                     "message")
            return None
        if ambiguous_repetition(value):
            self.err(path, f"the regular expression could stall mail: {ADVICE}")
            return None
        return compiled

    def domain(self, entry: str, path: tuple) -> str:
        """A domain as the configuration reads one (IDN to punycode, lower case); "" and a
        problem at `path` for an entry that is none ("@cjsm.net", "*.cjsm.net")."""
        try:
            return _domain(entry)
        except ValueError as exc:
            self.err(path, str(exc))
            return ""

    def senders(self, entries: list[str], path: tuple, kind: str = "senders") -> list[str]:
        """Entries of a senders (or addresses) list that can match an address: an entry with
        no @ (a name written for an address) matched no one, silently. Not repeated in the
        problem: what was written may be a person's name, and a refused reload is logged."""
        kept = []
        for i, entry in enumerate(entries):
            if "@" not in entry or any(c.isspace() for c in entry.strip()):
                self.err(path + (i,), f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} entry is "
                         "an address, @domain, or a pattern such as *@childrens.council.gov.uk "
                         "(this one has no @, or a space)")
            else:
                kept.append(entry)
        return kept

    def listref(self, value: Any, path: tuple, kind: str) -> list[str]:
        """A list's name, or entries written in place."""
        if isinstance(value, str) and value in self.loader.lists_kind:
            declared = self.loader.lists_kind[value]
            if declared != kind:
                self.err(path, f"list {value!r} holds {declared}, not {kind}")
                return []
            return self.loader.list_entries(value)
        if isinstance(value, str) and (kind != "domains" or "." not in value) and (
                kind not in ("senders", "addresses") or "@" not in value):
            known = [n for n, k in self.loader.lists_kind.items() if k == kind]
            self.err(path, f"no {kind} list named {value!r} is declared"
                     f"{_suggest(value, known) if known else ''}")
            return []
        entries = self.strings(value, path, f"{kind} entries")
        if kind == "domains":  # as a declared list's: "@cjsm.net" or "*.cjsm.net" never match
            return [d for i, e in enumerate(entries)
                    if (d := self.domain(e, path + (i,)))]
        if kind in ("senders", "addresses"):
            entries = self.senders(entries, path, kind)
        return [v.lower() for v in entries]

    # conditions -------------------------------------------------------

    def condition(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "a condition")
        if data is None:
            return None
        if not data:
            self.err(path, f"an empty condition; use one of: {', '.join(CONDITION_KEYS)}")
            return None
        self.keys(data, CONDITION_KEYS, path, "a condition")
        parts: list[r.Condition] = []
        for key, item in data.items():
            built = self._one(key, item, path + (key,))
            if built is not None:
                parts.append(built)
        if len(parts) != len(data):
            return None
        return parts[0] if len(parts) == 1 else r.All(tuple(parts))

    def _one(self, key: str, value: Any, path: tuple) -> r.Condition | None:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.err(path, f"'{key}' takes a list of conditions")
                return None
            items = [self.condition(v, path + (i,)) for i, v in enumerate(value)]
            if any(i is None for i in items):
                return None
            kept = tuple(i for i in items if i is not None)
            return r.All(kept) if key == "all" else r.AnyOf(kept)
        if key == "not":
            inner = self.condition(value, path)
            return None if inner is None else r.Not(inner)
        build = getattr(self, f"_{key}", None)
        return build(value, path) if build else None

    def _findings(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "findings")
        if data is None:
            return None
        self.keys(data, FINDINGS_KEYS, path, "findings")
        entities = categories = None
        if "entity" in data:
            entities = frozenset(self.strings(data["entity"], path + ("entity",), "entity"))
            for e in entities:
                if e not in self.loader.entities:
                    hint = _suggest(e, self.loader.entities)
                    if "did you mean" not in hint:  # perhaps one of the council's references
                        hint += (" (a case reference in detection.case_references is "
                                 "UK_CASE_REFERENCE unless it gives its own entity:)")
                    self.err(path + ("entity",), f"unknown entity {e!r}{hint}")
        if "category" in data:
            categories = frozenset(self.strings(data["category"], path + ("category",),
                                                "category"))
            for c in categories:
                if c not in self.loader.categories:
                    self.err(path + ("category",), f"unknown special category {c!r}"
                             f"{_suggest(c, self.loader.categories)}")
            entities = (entities or frozenset()) | {"SPECIAL_CATEGORY"}
        where = data.get("in", "anywhere")
        if where not in ("anywhere", "subject", "body", "attachment"):
            self.err(path + ("in",), f"'in' must be anywhere, subject, body or attachment, "
                     f"not {where!r}")
        nums = {k: self.number(data[k], path + (k,), k, 1) for k in ("min_count", "min_distinct")
                if k in data}
        score = (self.number(data["min_score"], path + ("min_score",), "min_score", 0, 1,
                             integer=False) if "min_score" in data else 0.0)
        return r.Findings(entities, categories, nums.get("min_count") or 1,
                          nums.get("min_distinct") or 1, score or 0.0, where)

    def _data_subjects(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "data_subjects")
        if data is None:
            return None
        self.keys(data, ("min", "counting"), path, "data_subjects")
        if "min" not in data:
            self.err(path, "data_subjects needs 'min', the least number of people")
            return None
        counting = data.get("counting", "identifiers")
        if counting not in ("identifiers", "names"):
            self.err(path + ("counting",), "counting must be identifiers or names")
        n = self.number(data["min"], path + ("min",), "min", 1)
        return r.DataSubjects(n or 1, counting)

    def _recipients(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "recipients")
        if data is None:
            return None
        quantifiers = [k for k in ("any", "all", "at_least") if k in data]
        self.keys(data, ("any", "all", "at_least"), path, "recipients")
        if len(quantifiers) != 1:
            self.err(path, "recipients takes exactly one of any, all or at_least")
            return None
        q = quantifiers[0]
        inner = self.mapping(data[q], path + (q,), f"recipients {q}")
        if inner is None:
            return None
        count = 1
        if q == "at_least":
            if "count" not in inner:
                self.err(path + (q,), "at_least needs 'count', the least number of recipients")
            else:
                count = self.number(inner["count"], path + (q, "count"), "count", 1) or 1
            inner = {k: v for k, v in inner.items() if k != "count"}
        check = self._recipient_test(inner, path + (q,))
        return r.Recipients(q, check, count)

    def _recipient_test(self, data: dict, path: tuple) -> r.RecipientTest:
        self.keys(data, RECIPIENT_KEYS, path, "a recipient test")
        where = signals = domains = min_risk = None
        without: frozenset[str] = frozenset()
        not_domains: tuple[str, ...] = ()
        if "where" in data:
            places = self.items(data["where"], path + ("where",), "where")
            where = frozenset(w for w, _ in places)
            for w, at in places:
                if w not in r.WHERE:
                    close = difflib.get_close_matches(w, [*r.WHERE, *_PLACE_SYNONYMS], 1, 0.6)
                    meant = _PLACE_SYNONYMS.get(close[0], close[0]) if close else None
                    hint = f"; did you mean {meant}?" if meant else ""
                    self.err(at, f"unknown place {w!r}{hint} (places: {', '.join(r.WHERE)})")
        for key in ("where", "signal", "without_signal", "domain", "not_domain", "address",
                    "not_address"):
            if data.get(key) == []:
                self.err(path + (key,), f"{key} is empty: the test could never match")
        for key in ("signal", "without_signal"):
            if key in data:
                given = self.items(data[key], path + (key,), key)
                names = frozenset(name for name, _ in given)
                for name, at in given:
                    if name not in SIGNALS:
                        self.err(at, f"unknown signal {name!r}{_suggest(name, SIGNALS)}")
                if key == "signal":
                    signals = names
                else:
                    without = names
        if signals and signals <= without:
            self.err(path + ("without_signal",), f"{', '.join(sorted(signals))} is both asked "
                     "for and left out: the test could never match")
        if signals and where and not any(_PLACES.get(s, where) & where for s in signals):
            self.err(path + ("where",), f"{', '.join(sorted(signals))} is never given to a "
                     f"recipient {' or '.join(sorted(where))}: the test could never match ("
                     + "; ".join(f"{s}: {', '.join(sorted(_PLACES[s]))} only"
                                 for s in sorted(signals) if s in _PLACES) + ")")
        if "risk" in data:
            min_risk = self.number(data["risk"], path + ("risk",), "risk", 0, 1, integer=False)
        if "domain" in data:
            domains = tuple(self.listref(data["domain"], path + ("domain",), "domains"))
        if "not_domain" in data:
            not_domains = tuple(self.listref(data["not_domain"], path + ("not_domain",),
                                             "domains"))
        addresses = not_addresses = None
        if "address" in data:
            addresses = tuple(r.sender_pattern(e) for e in self.listref(
                data["address"], path + ("address",), "addresses"))
        if "not_address" in data:
            not_addresses = tuple(r.sender_pattern(e) for e in self.listref(
                data["not_address"], path + ("not_address",), "addresses"))
        return r.RecipientTest(where, signals, without, min_risk, domains, not_domains,
                               addresses, not_addresses or ())

    def _message(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "message")
        if data is None:
            return None
        self.keys(data, MESSAGE_KEYS, path, "message")
        if not data:
            self.err(path, f"message needs at least one of: {', '.join(MESSAGE_KEYS)}")
        flags = {k: self.flag(data[k], path + (k,), k)
                 for k in ("from_organisation", "marking", "unscannable", "encrypted",
                           "malformed") if k in data}
        direction = data.get("direction")
        if direction is not None and direction not in ("internal", "outbound"):
            self.err(path + ("direction",), f"direction must be internal or outbound, "
                     f"not {direction!r}")
        mentions = None
        if "mentions" in data:
            terms = self.listref(data["mentions"], path + ("mentions",), "terms")
            mentions = r.terms_pattern(terms) if terms else None
        matches = self.regex(data["matches"], path + ("matches",)) if "matches" in data else None
        size = self.size(data["min_size"], path + ("min_size",), "min_size") if (
            "min_size" in data) else 0
        return r.MessageTest(direction=direction, mentions=mentions, matches=matches,
                             min_size=size, ours=tuple(self.loader.list_entries(
                                 "internal-domains")), **flags)

    def _attachments(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "attachments")
        if data is None:
            return None
        self.keys(data, ("type", "min_size", "min_count"), path, "attachments")
        types = None
        if "type" in data:
            types = frozenset(t.lower().lstrip(".") for t in
                              self.strings(data["type"], path + ("type",), "type"))
        size = self.size(data["min_size"], path + ("min_size",), "min_size") if (
            "min_size" in data) else 0
        count = self.number(data.get("min_count", 1), path + ("min_count",), "min_count", 1)
        return r.Attachments(types, size, count or 1)

    def _sender(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "sender")
        if data is None:
            return None
        self.keys(data, ("in", "not_in"), path, "sender")
        if len(data) != 1:
            self.err(path, "sender takes exactly one of in or not_in")
            return None
        key, entries = next(iter(data.items()))
        patterns = tuple(r.sender_pattern(e) for e in
                         self.listref(entries, path + (key,), "senders"))
        return r.Sender(patterns, negate=key == "not_in")


