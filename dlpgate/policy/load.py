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

import hashlib
import re
from pathlib import Path
from typing import Any

from dlpgate import yamlsrc
from dlpgate.config import ENTITIES, SHIPPED_POLICIES, Settings, _domain
from dlpgate.detect.lookalike import WEBMAIL
from dlpgate.detect.recognizers.special_category import load_lexicon
from dlpgate.model import Action
from dlpgate.policy import rules as r
from dlpgate.policy.read import (
    BUILTIN_LISTS,
    EXAMPLE_KEYS,
    FILE_KEYS,
    ID_PATTERN,
    LIST_KINDS,
    NOTIFY,
    PLACEHOLDERS,
    RULE_KEYS,
    PolicyProblem,
    Reader,
    _suggest,
)

SHIPPED = SHIPPED_POLICIES  # beside the package: a checkout, or an editable install


HISTORY_KEYS = ("recipient", "sender", "count", "days_ago", "replied", "audience", "sent")


def _history_problem(h: dict) -> str | None:
    """What is wrong with one example history entry, in the words of its key; None if
    nothing. A key not in HISTORY_KEYS would be ignored, and a count of "forty" used to
    stop `policy test` with a traceback."""
    if not isinstance(h, dict) or not isinstance(h.get("recipient"), str) or \
            _texts(h.get("sent", [])) is None or not _audience(h):
        return ("history is a list of {recipient, count, days_ago, replied, audience, sent} "
                "(audience: how many recipients each message to them had; sent: a text, or a "
                "list of texts, that went to them)")
    unknown = [k for k in h if k not in HISTORY_KEYS]
    if unknown:
        hint = _suggest(str(unknown[0]), HISTORY_KEYS)  # a guess, or every key
        keys = f" (keys: {', '.join(HISTORY_KEYS)})" if "did you mean" in hint else ""
        return f"unknown key {unknown[0]!r} in a history entry{hint}{keys}"
    count = h.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return f"count is a whole number of messages, 0 or more (not {count!r})"
    days = h.get("days_ago", 7)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
        return f"days_ago is a number of days, 0 or more (not {days!r})"
    if not isinstance(h.get("replied", False), bool):
        return f"replied is true or false (not {h.get('replied')!r})"
    if "sender" in h and not isinstance(h["sender"], str):
        return "sender is an address"
    for key in ("recipient", "sender"):
        if key in h and (problem := _address_problem(h[key])):
            return f"{key}: {problem}"
    return None


# "Sarah Khan <sarah.khan@nhs.net>" or sarah.khan@nhs.net: an example is written as a mail
# client shows an address, and the display name is part of what recipient risk reads
_MAILBOX = re.compile(r"(?:(?P<name>[^<>@]*)<(?P<inner>[^<>\s]+)>|(?P<bare>[^<>\s]+))")


def name_and_address(entry: str) -> tuple[str, str]:
    """(the display name, unquoted, or "", the address) of an example's To/Cc/Bcc/From
    entry (checked at load)."""
    m = _MAILBOX.fullmatch(entry.strip())
    if m is None:
        return "", entry.strip()
    return (m.group("name") or "").strip().strip('"'), m.group("inner") or m.group("bare")


def mailbox(entry: str) -> str:
    """The address alone of an example's entry."""
    return name_and_address(entry)[1]


def _address_problem(entry: str) -> str | None:
    """Why an example's address is none, or None: an entry such as "someone gmail.com" used to
    stop `policy test` with a traceback from the message it could not be written into."""
    local, at, domain = mailbox(entry).rpartition("@")
    if _MAILBOX.fullmatch(entry.strip()) and at and local and "@" not in local:
        try:
            _domain(domain)
            return None
        except ValueError:
            pass
    # not repeated: it may be a person's name typed for their address, and a refused reload
    # is logged
    return ("this entry is not an email address (write the address alone, or a name and "
            "the address in angle brackets)")


def _audience(h: dict) -> bool:
    a = h.get("audience", 1)
    return isinstance(a, int) and not isinstance(a, bool) and a >= 1


def _texts(value: object) -> list[str] | None:
    """A history entry's `sent`: one text or a list of them; None when it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.yaml"))



class PolicyError(Exception):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems



class Loader:
    """Reads a set of files into one PolicySet; problems from all of them at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problems: list[PolicyProblem] = []
        # (rule id, reader, its place, the example's rule, the example's name)
        self.expected: list[tuple[str, Reader, tuple, str, str]] = []
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
        readers = [Reader(doc, self) for doc in docs]
        for reader in readers:  # lists first: a rule may use a list from any file
            self._lists(reader)
        rules: list[r.Rule] = []
        examples: list[r.Example] = []
        disabled: list[tuple[str, Reader, tuple]] = []
        for reader in readers:
            data = reader.doc.data
            if not isinstance(data, dict):
                reader.err((), "a policy file must be a mapping with 'rules' (and optionally "
                           "'lists', 'examples')")
                continue
            reader.keys(data, FILE_KEYS, (), "a policy file")
            if not any(data.get(k) for k in ("rules", "lists", "disable", "examples")):
                # an editor's save caught half-way, on reload, dropped every local rule and
                # brought back the shipped rules the file had disabled
                reader.err((), "the file has no rules, lists, disable or examples: an empty "
                           "policy file is refused (remove it from policy.files if it is meant "
                           "to go)")
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
        # the files' names and contents, not where they are installed: relay nodes sharing one
        # store, with the policy at /etc/dlpgate on one and /opt/dlpgate on another, logged
        # different versions of the same policy
        digest = hashlib.sha256()
        for doc in docs:
            digest.update(Path(doc.filename).name.encode() + b"\0" + repr(doc.data).encode()
                          + b"\0")
        # a disabled rule's examples, and those that expect it to match, test nothing now
        idle = [ex for ex in examples if ex.rule in off or off & set(ex.expect_rules)]
        return r.PolicySet(
            rules=tuple(rule for rule in rules if rule.id not in off),
            version=digest.hexdigest()[:12],
            files=tuple(doc.filename for doc in docs),
            examples=tuple(ex for ex in examples if ex not in idle),
            disabled=tuple(sorted(off)),
            idle_examples=len(idle),
        )

    def _lists(self, reader: Reader) -> None:
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
            if not isinstance(name, str) or not ID_PATTERN.match(name):
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
                           if (d := reader.domain(e, path + (kind, i)))]
            elif kind in ("senders", "addresses"):
                entries = reader.senders(entries, path + (kind,), kind)
            self.lists_kind[name] = kind
            self.lists.setdefault(name, []).extend(
                e if kind == "terms" else e.lower() for e in entries)

    def _organisation(self, reader: Reader, value: Any) -> dict | None:
        if value is None:
            return None
        data = reader.mapping(value, ("examples_organisation",), "examples_organisation")
        if data is None:
            return None
        keys = ("internal_domains", "partner_domains", "secure_domains")
        reader.keys(data, keys, ("examples_organisation",), "examples_organisation")
        return {k: reader.strings(data.get(k, []), ("examples_organisation", k), k)
                for k in keys}

    def _rule(self, reader: Reader, raw: Any, path: tuple, examples: list[r.Example],
              org: dict | None) -> r.Rule | None:
        reader.rule = ""
        data = reader.mapping(raw, path, "a rule")
        if data is None:
            return None
        ident = data.get("id")
        if not isinstance(ident, str) or not ID_PATTERN.match(ident):
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
        given = reader.items(data.get("notify", []), path + ("notify",), "notify")
        notify = [n for n, _ in given]
        for n, at in given:
            if n not in NOTIFY:
                reader.err(at, f"unknown notify target {n!r}{_suggest(n, NOTIFY)}")
            elif n == "reviewers" and action in (Action.ALLOW, Action.LOG):
                # it was taken and did nothing: there is no held message to review
                reader.err(at, f"notify: reviewers needs a rule that holds the message (hold, "
                           f"confirm or delay); a {action.value} rule's message has gone "
                           "(sender is told after it went)")
        if action in (Action.CONFIRM, Action.DELAY) and "sender" not in notify:
            # only the sender's notice carries the links: no one else can confirm or cancel
            reader.err(path + ("action",), f"a {action.value} rule waits for its sender "
                       f"({'to confirm it' if action == Action.CONFIRM else 'who may cancel it'})"
                       ": add notify: [sender], or they are never asked and it waits until "
                       "quarantine.retention_days")
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

    def _placeholders(self, reader: Reader, text: str, path: tuple) -> None:
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
        # {subjects:d} or {recipient!x} reads as a placeholder and fails when a message is
        # explained, in the scan: a placeholder is its name alone
        for _, name, spec, conversion in string.Formatter().parse(text):
            if name is not None and (spec or conversion):
                reader.err(path, f"placeholder {{{name}}} in explain takes no format or "
                           f"conversion (write {{{name}}})")

    def _example(self, reader: Reader, raw: Any, path: tuple, rule: str,
                 org: dict | None) -> r.Example | None:
        data = reader.mapping(raw, path, "an example")
        if data is None:
            return None
        reader.keys(data, EXAMPLE_KEYS, path, "an example")
        if "from" in data and not isinstance(data["from"], str):
            reader.err(path + ("from",), "from is one address")
        elif "from" in data:
            self._addresses(reader, data["from"], path + ("from",), "from")
        for key in ("name", "to", "expect"):
            if key not in data:
                reader.err(path, f"the example has no '{key}'")
        if not all(k in data for k in ("name", "to", "expect")):
            return None
        name = str(data["name"])
        expect = data["expect"]
        if isinstance(expect, str):
            expect = {"action": expect}
        expect = reader.mapping(expect, path + ("expect",), "expect") or {}
        reader.keys(expect, ("action", "rules", "not_rules"), path + ("expect",), "expect")
        try:
            action = Action(expect["action"]) if "action" in expect else None
        except ValueError:
            reader.err(path + ("expect", "action"), f"unknown action {expect.get('action')!r}"
                       f"{_suggest(expect.get('action'), [a.value for a in Action])}")
            return None
        attachments = data.get("attachments", [])
        if not isinstance(attachments, list) or not all(
                isinstance(a, dict) and isinstance(a.get("name"), str) for a in attachments):
            reader.err(path + ("attachments",), "attachments is a list of {name, text} or "
                       "{name, unscannable: true}")
            attachments = []
        history = data.get("history", [])
        if not isinstance(history, list):
            history = [history]
        wrong = [(i, problem) for i, h in enumerate(history) if (problem := _history_problem(h))]
        for i, problem in wrong:  # each entry's, at once, as policy check promises
            reader.err(path + ("history", i), problem)
        if wrong:
            history = []
        history = [{**h, "sent": _texts(h.get("sent", []))} for h in history]
        headers = data.get("headers", {}) or {}
        if not isinstance(headers, dict):
            reader.err(path + ("headers",), "headers is a mapping of header names to values")
            headers = {}
        return r.Example(
            name=name, file=reader.doc.filename, line=reader.doc.line(path),
            rule=rule, sender=str(data.get("from", "")),
            to=self._addresses(reader, data["to"], path + ("to",), "to"),
            cc=self._addresses(reader, data.get("cc", []), path + ("cc",), "cc"),
            bcc=self._addresses(reader, data.get("bcc", []), path + ("bcc",), "bcc"),
            subject=str(data.get("subject", "")), body=str(data.get("body", "")),
            headers=tuple((str(k), str(v)) for k, v in headers.items()),
            attachments=tuple(attachments), history=tuple(history),
            expect_action=action,
            expect_rules=tuple(self._expected(reader, expect, path, "rules", rule, name)),
            expect_not_rules=tuple(self._expected(reader, expect, path, "not_rules", rule,
                                                  name)),
            organisation=org,
        )

    def _addresses(self, reader: Reader, value: Any, path: tuple, key: str) -> tuple[str, ...]:
        given = reader.items(value, path, key)
        for entry, at in given:
            if problem := _address_problem(entry):
                reader.err(at, problem)
        return tuple(entry for entry, _ in given)

    def _expected(self, reader: Reader, expect: dict, path: tuple, key: str, rule: str,
                  name: str) -> list[str]:
        """The rule ids an example expects (or not), each noted with its place for the check
        that they exist, which can run only once every file is read."""
        given = reader.items(expect.get(key, []), path + ("expect", key), key)
        for ident, at in given:
            self.expected.append((ident, reader, at, rule, name))
        return [ident for ident, _ in given]

    def _cross_check(self, rules: list[r.Rule], examples: list[r.Example],
                     disabled: list[tuple[str, Reader, tuple]]) -> None:
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
        for ident, reader, at, rule, name in self.expected:
            if ident not in seen:
                reader.rule = rule
                reader.err(at, f"example {name!r} expects unknown rule {ident!r}"
                           f"{_suggest(ident, list(seen))}")


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
            problems.append(PolicyProblem(file, int(line), exc.column, "", exc.message))
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
