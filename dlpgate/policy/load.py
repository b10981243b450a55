"""load: policy files (YAML) -> PolicySet, validated once, every error at once.

Policy authors are not programmers, so an error says where (file:line:col),
which rule, and what would be right ("unknown signal 'lookalike'; did you mean
lookalike-domain?"). Nothing is checked later at first use: a set that loads
is a set that runs.

Several files make one set, read in order: rule ids are unique across them,
a list declared in more than one file is the union of its entries (so a site
file adds its own domains to a shipped list without editing it), and `disable:`
switches off rules of an earlier file.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlpgate import yamlsrc
from dlpgate.config import DEFAULT_WEIGHTS, ENTITIES, Settings, _domain, _size
from dlpgate.detect.lookalike import WEBMAIL
from dlpgate.detect.recognizers.special_category import load_lexicon
from dlpgate.model import Action
from dlpgate.policy import rules as r

SHIPPED = Path(__file__).resolve().parents[2] / "policies"
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
LIST_KINDS = ("domains", "senders", "terms")
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
RECIPIENT_KEYS = ("where", "signal", "without_signal", "risk", "domain", "not_domain")
MESSAGE_KEYS = ("marking", "direction", "unscannable", "encrypted", "malformed", "mentions",
                "matches", "min_size")
EXAMPLE_KEYS = ("name", "from", "to", "cc", "bcc", "subject", "body", "headers", "attachments",
                "history", "expect")
NOTIFY = ("sender", "reviewers")
PLACEHOLDERS = ("recipient", "recipients", "domain", "signals", "entities", "subjects",
                "categories", "sender_domain", "rule", "problems")
SIGNALS = tuple(DEFAULT_WEIGHTS)


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.yaml"))


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


class PolicyError(Exception):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _suggest(word: Any, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else f"; expected one of: {', '.join(choices)}"


class _Reader:
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
            if key not in allowed:
                self.err(path + (key,), f"unknown key {key!r} in {what}{_suggest(key, allowed)}")

    def mapping(self, value: Any, path: tuple, what: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.err(path, f"{what} must be a mapping of keys to values")
        return None

    def strings(self, value: Any, path: tuple, what: str) -> list[str]:
        """A string or a list of strings."""
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
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
        return compiled

    def listref(self, value: Any, path: tuple, kind: str) -> list[str]:
        """A list's name, or entries written in place."""
        if isinstance(value, str) and value in self.loader.lists_kind:
            declared = self.loader.lists_kind[value]
            if declared != kind:
                self.err(path, f"list {value!r} holds {declared}, not {kind}")
                return []
            return self.loader.list_entries(value)
        if isinstance(value, str) and (kind != "domains" or "." not in value) and (
                kind != "senders" or "@" not in value):
            known = [n for n, k in self.loader.lists_kind.items() if k == kind]
            self.err(path, f"no {kind} list named {value!r} is declared"
                     f"{_suggest(value, known) if known else ''}")
            return []
        return [v.lower() for v in self.strings(value, path, f"{kind} entries")]

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
                    self.err(path + ("entity",), f"unknown entity {e!r}"
                             f"{_suggest(e, self.loader.entities)}")
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
            where = frozenset(self.strings(data["where"], path + ("where",), "where"))
            for w in where - set(r.WHERE):
                self.err(path + ("where",), f"unknown place {w!r}{_suggest(w, r.WHERE)}")
        for key in ("signal", "without_signal"):
            if key in data:
                names = frozenset(self.strings(data[key], path + (key,), key))
                for s in names - set(SIGNALS):
                    self.err(path + (key,), f"unknown signal {s!r}{_suggest(s, SIGNALS)}")
                if key == "signal":
                    signals = names
                else:
                    without = names
        if "risk" in data:
            min_risk = self.number(data["risk"], path + ("risk",), "risk", 0, 1, integer=False)
        if "domain" in data:
            domains = tuple(self.listref(data["domain"], path + ("domain",), "domains"))
        if "not_domain" in data:
            not_domains = tuple(self.listref(data["not_domain"], path + ("not_domain",),
                                             "domains"))
        return r.RecipientTest(where, signals, without, min_risk, domains, not_domains)

    def _message(self, value: Any, path: tuple) -> r.Condition | None:
        data = self.mapping(value, path, "message")
        if data is None:
            return None
        self.keys(data, MESSAGE_KEYS, path, "message")
        if not data:
            self.err(path, f"message needs at least one of: {', '.join(MESSAGE_KEYS)}")
        flags = {k: self.flag(data[k], path + (k,), k)
                 for k in ("marking", "unscannable", "encrypted", "malformed") if k in data}
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
                             min_size=size, **flags)

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


class Loader:
    """Reads a set of files into one PolicySet; problems from all of them at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problems: list[PolicyProblem] = []
        org = settings.organisation
        secure = [*org.internal_domains, *org.partner_domains, *settings.recipients.secure_domains]
        self.builtin = {
            "internal-domains": list(org.internal_domains),
            "partner-domains": list(org.partner_domains),
            "secure-domains": secure,
            "webmail-domains": sorted(WEBMAIL | set(settings.recipients.webmail)),
        }
        self.lists_kind: dict[str, str] = dict(BUILTIN_LISTS)
        self.ids: list[tuple[str, str, int, int]] = []  # every rule id, built or not
        self.lists: dict[str, list[str]] = {}
        custom = [c.entity for c in settings.detection.case_references]
        self.entities = tuple(dict.fromkeys([*ENTITIES, *r.PROBLEM_ENTITIES, *custom]))
        self.categories = tuple(load_lexicon(list(settings.detection.lexicons)))

    def list_entries(self, name: str) -> list[str]:
        return self.builtin.get(name) or self.lists.get(name, [])

    def load(self, docs: list[yamlsrc.Located]) -> r.PolicySet:
        readers = [_Reader(doc, self) for doc in docs]
        for reader in readers:  # lists first: a rule may use a list from any file
            self._lists(reader)
        rules: list[r.Rule] = []
        examples: list[r.Example] = []
        disabled: list[tuple[str, _Reader, tuple]] = []
        for reader in readers:
            data = reader.doc.data
            if not isinstance(data, dict):
                reader.err((), "a policy file must be a mapping with 'rules' (and optionally "
                           "'lists', 'examples')")
                continue
            reader.keys(data, FILE_KEYS, (), "a policy file")
            org = self._organisation(reader, data.get("examples_organisation"))
            for i, ident in enumerate(reader.strings(data.get("disable", []), ("disable",),
                                                     "disable")):
                disabled.append((ident, reader, ("disable", i)))
            raw_rules = data.get("rules", [])
            if not isinstance(raw_rules, list):
                reader.err(("rules",), "'rules' must be a list of rules")
                raw_rules = []
            for i, raw in enumerate(raw_rules):
                built = self._rule(reader, raw, ("rules", i), examples, org)
                if built is not None:
                    rules.append(built)
            reader.rule = ""
            for i, raw in enumerate(data.get("examples", []) or []):
                ex = self._example(reader, raw, ("examples", i), "", org)
                if ex is not None:
                    examples.append(ex)
        self._cross_check(rules, examples, disabled)
        if self.problems:
            raise PolicyError(sorted(self.problems, key=lambda p: (p.file, p.line, p.column)))
        off = {d for d, _, _ in disabled}
        digest = hashlib.sha256()
        for doc in docs:
            digest.update(doc.filename.encode() + b"\0" + repr(doc.data).encode() + b"\0")
        return r.PolicySet(
            rules=tuple(rule for rule in rules if rule.id not in off),
            version=digest.hexdigest()[:12],
            files=tuple(doc.filename for doc in docs),
            examples=tuple(examples),
            disabled=tuple(sorted(off)),
        )

    def _lists(self, reader: _Reader) -> None:
        data = reader.doc.data
        if not isinstance(data, dict) or "lists" not in data:
            return
        lists = reader.mapping(data["lists"], ("lists",), "lists")
        for name, spec in (lists or {}).items():
            path = ("lists", name)
            if name in BUILTIN_LISTS:
                reader.err(path, f"{name!r} is a built-in list (from the configuration); "
                           "choose another name")
                continue
            if not isinstance(name, str) or not _ID.match(name):
                reader.err(path, "list names are lower case letters, digits and hyphens")
                continue
            spec = reader.mapping(spec, path, f"list {name}")
            if spec is None:
                continue
            reader.keys(spec, (*LIST_KINDS, "description"), path, f"list {name}")
            kinds = [k for k in LIST_KINDS if k in spec]
            if len(kinds) != 1:
                reader.err(path, f"list {name} needs exactly one of: {', '.join(LIST_KINDS)}")
                continue
            kind = kinds[0]
            if self.lists_kind.get(name, kind) != kind:
                reader.err(path, f"list {name} is declared elsewhere as {self.lists_kind[name]}")
                continue
            entries = reader.strings(spec[kind] or [], path + (kind,), f"list {name}")
            if kind == "domains":
                entries = [d for i, e in enumerate(entries)
                           if (d := self._domain(reader, e, path + (kind, i)))]
            self.lists_kind[name] = kind
            self.lists.setdefault(name, []).extend(
                e if kind == "terms" else e.lower() for e in entries)

    @staticmethod
    def _domain(reader: _Reader, entry: str, path: tuple) -> str:
        try:
            return _domain(entry)
        except ValueError as exc:
            reader.err(path, str(exc))
            return ""

    def _organisation(self, reader: _Reader, value: Any) -> dict | None:
        if value is None:
            return None
        data = reader.mapping(value, ("examples_organisation",), "examples_organisation")
        if data is None:
            return None
        keys = ("internal_domains", "partner_domains", "secure_domains")
        reader.keys(data, keys, ("examples_organisation",), "examples_organisation")
        return {k: reader.strings(data.get(k, []), ("examples_organisation", k), k)
                for k in keys}

    def _rule(self, reader: _Reader, raw: Any, path: tuple, examples: list[r.Example],
              org: dict | None) -> r.Rule | None:
        reader.rule = ""
        data = reader.mapping(raw, path, "a rule")
        if data is None:
            return None
        ident = data.get("id")
        if not isinstance(ident, str) or not _ID.match(ident):
            reader.err(path + ("id",) if "id" in data else path,
                       "every rule needs an 'id' of lower case letters, digits and hyphens")
            ident = ""
        reader.rule = ident
        if ident:
            self.ids.append((ident, reader.doc.filename, reader.doc.line(path),
                             reader.doc.column(path)))
        reader.keys(data, RULE_KEYS, path, "a rule")
        for key in ("title", "when", "action", "explain"):
            if key not in data:
                reader.err(path, f"the rule has no '{key}'")
        when = reader.condition(data["when"], path + ("when",)) if "when" in data else None
        action = None
        if "action" in data:
            try:
                action = Action(data["action"])
            except ValueError:
                reader.err(path + ("action",), f"unknown action {data['action']!r}"
                           f"{_suggest(data['action'], [a.value for a in Action])}")
        minutes = 0
        if action == Action.DELAY:
            minutes = reader.number(data.get("minutes", 10), path + ("minutes",), "minutes", 1,
                                    24 * 60) or 10
        elif "minutes" in data:
            reader.err(path + ("minutes",), "'minutes' belongs to rules whose action is delay")
        mode = data.get("mode", "enforce")
        if mode not in ("enforce", "shadow"):
            reader.err(path + ("mode",), f"mode must be enforce or shadow, not {mode!r}")
        status = data.get("status", "stable")
        if status not in ("stable", "test", "experimental", "deprecated"):
            reader.err(path + ("status",), "status must be stable, test, experimental or "
                       "deprecated")
        explain = data.get("explain", "")
        if not isinstance(explain, str):
            reader.err(path + ("explain",), "explain must be text")
            explain = ""
        self._placeholders(reader, explain, path + ("explain",))
        notify = reader.strings(data.get("notify", []), path + ("notify",), "notify")
        for n in notify:
            if n not in NOTIFY:
                reader.err(path + ("notify",), f"unknown notify target {n!r}"
                           f"{_suggest(n, NOTIFY)}")
        for key in ("description", "title", "owner"):
            if key in data and not isinstance(data[key], str):
                reader.err(path + (key,), f"{key} must be text")
        for key in ("references", "falsepositives"):
            if key in data:
                reader.strings(data[key], path + (key,), key)
        tags = reader.strings(data.get("tags", []), path + ("tags",), "tags")
        overrides = reader.strings(data.get("overrides", []), path + ("overrides",), "overrides")
        if overrides and action not in (Action.ALLOW, Action.LOG, None):
            reader.err(path + ("overrides",), "an exception (overrides) must have action allow "
                       "or log: it can only relax what other rules ask")
        for i, raw_ex in enumerate(data.get("examples", []) or []):
            ex = self._example(reader, raw_ex, path + ("examples", i), ident, org)
            if ex is not None:
                examples.append(ex)
        if when is None or action is None or not ident:
            return None
        return r.Rule(
            id=ident, title=str(data.get("title", "")), action=action, when=when,
            explain=explain, description=str(data.get("description", "")).strip(), mode=mode,
            minutes=minutes, notify=tuple(notify), tags=tuple(tags), overrides=tuple(overrides),
            status=status, file=reader.doc.filename, line=reader.doc.line(path),
        )

    def _placeholders(self, reader: _Reader, text: str, path: tuple) -> None:
        import string

        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            reader.err(path, f"explain has a broken placeholder: {exc}")
            return
        for name in fields:
            if name not in PLACEHOLDERS:
                reader.err(path, f"unknown placeholder {{{name}}} in explain"
                           f"{_suggest(name, PLACEHOLDERS)}")

    def _example(self, reader: _Reader, raw: Any, path: tuple, rule: str,
                 org: dict | None) -> r.Example | None:
        data = reader.mapping(raw, path, "an example")
        if data is None:
            return None
        reader.keys(data, EXAMPLE_KEYS, path, "an example")
        for key in ("name", "to", "expect"):
            if key not in data:
                reader.err(path, f"the example has no '{key}'")
        if not all(k in data for k in ("name", "to", "expect")):
            return None
        expect = data["expect"]
        if isinstance(expect, str):
            expect = {"action": expect}
        expect = reader.mapping(expect, path + ("expect",), "expect") or {}
        reader.keys(expect, ("action", "rules", "not_rules"), path + ("expect",), "expect")
        try:
            action = Action(expect["action"]) if "action" in expect else None
        except ValueError:
            reader.err(path + ("expect", "action"), f"unknown action {expect.get('action')!r}")
            return None
        attachments = data.get("attachments", [])
        if not isinstance(attachments, list) or not all(
                isinstance(a, dict) and isinstance(a.get("name"), str) for a in attachments):
            reader.err(path + ("attachments",), "attachments is a list of {name, text} or "
                       "{name, unscannable: true}")
            attachments = []
        history = data.get("history", [])
        if not isinstance(history, list) or not all(
                isinstance(h, dict) and isinstance(h.get("recipient"), str) for h in history):
            reader.err(path + ("history",), "history is a list of {recipient, count, days_ago, "
                       "replied}")
            history = []
        headers = data.get("headers", {}) or {}
        if not isinstance(headers, dict):
            reader.err(path + ("headers",), "headers is a mapping of header names to values")
            headers = {}
        return r.Example(
            name=str(data["name"]), file=reader.doc.filename, line=reader.doc.line(path),
            rule=rule, sender=str(data.get("from", "")),
            to=tuple(reader.strings(data["to"], path + ("to",), "to")),
            cc=tuple(reader.strings(data.get("cc", []), path + ("cc",), "cc")),
            bcc=tuple(reader.strings(data.get("bcc", []), path + ("bcc",), "bcc")),
            subject=str(data.get("subject", "")), body=str(data.get("body", "")),
            headers=tuple((str(k), str(v)) for k, v in headers.items()),
            attachments=tuple(attachments), history=tuple(history),
            expect_action=action,
            expect_rules=tuple(reader.strings(expect.get("rules", []), path + ("expect",),
                                              "rules")),
            expect_not_rules=tuple(reader.strings(expect.get("not_rules", []),
                                                  path + ("expect",), "not_rules")),
            organisation=org,
        )

    def _cross_check(self, rules: list[r.Rule], examples: list[r.Example],
                     disabled: list[tuple[str, _Reader, tuple]]) -> None:
        first_at: dict[str, tuple[str, int]] = {}
        for ident, file, line, column in self.ids:
            if ident in first_at:
                f, n = first_at[ident]
                self.problems.append(PolicyProblem(
                    file, line, column, ident, f"duplicate rule id; first used at {f}:{n}"))
            first_at.setdefault(ident, (file, line))
        seen = list(first_at)
        for rule in rules:
            for target in rule.overrides:
                if target not in seen:
                    self.problems.append(PolicyProblem(
                        rule.file, rule.line, 5, rule.id,
                        f"overrides unknown rule {target!r}{_suggest(target, list(seen))}"))
        for ident, reader, path in disabled:
            if ident not in seen:
                reader.rule = ""
                reader.err(path, f"disable names unknown rule {ident!r}"
                           f"{_suggest(ident, list(seen))}")
        for ex in examples:
            for ident in (*ex.expect_rules, *ex.expect_not_rules):
                if ident not in seen:
                    self.problems.append(PolicyProblem(
                        ex.file, ex.line, 5, ex.rule,
                        f"example {ex.name!r} expects unknown rule {ident!r}"
                        f"{_suggest(ident, list(seen))}"))


def load_files(paths: list[Path], settings: Settings) -> r.PolicySet:
    """Read and validate; raises PolicyError with every problem in every file."""
    docs: list[yamlsrc.Located] = []
    problems: list[PolicyProblem] = []
    for path in paths:
        try:
            docs.append(yamlsrc.load(path))
        except yamlsrc.SourceError as exc:
            file, _, line = exc.where.rpartition(":")
            if not line.isdigit():
                file, line = exc.where, "1"
            problems.append(PolicyProblem(file, int(line), 1, "", exc.message))
    loader = Loader(settings)
    try:
        policy = loader.load(docs)
    except PolicyError as exc:
        raise PolicyError(problems + exc.problems) from None
    if problems:
        raise PolicyError(problems)
    return policy


def policy_files(settings: Settings) -> list[Path]:
    """The configured files, or the shipped policies when none are configured."""
    return list(settings.policy.files) or shipped_files()


def load_policy(settings: Settings) -> r.PolicySet:
    return load_files(policy_files(settings), settings)
