"""`dlpgate policy check | test | replay | schema`: a policy author's tools.

check: every mistake in every file, `file:line:col: rule id: what`, exit 1.
test: the examples written in the files, as a PASS/FAIL table, exit 1 on a fail.
replay: past mail (or the quarantine) under the policy in force and under a
changed set, side by side: what would now be held, released or rejected, per
rule, before the change goes live.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from dlpgate.config import Settings
from dlpgate.model import Action, Decision, Envelope
from dlpgate.policy.load import PolicyError, load_files, policy_files
from dlpgate.policy.rules import PolicySet


def _files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    return [Path(p) for p in args.files] if args.files else policy_files(settings)


def load_or_report(paths: list[Path], settings: Settings) -> PolicySet | None:
    try:
        return load_files(paths, settings)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        print(f"{n} problem{'s' if n != 1 else ''} found; the policy was not loaded",
              file=sys.stderr)
        return None


def _examples_organisation_notes(paths: list[Path], settings: Settings) -> list[str]:
    """Where a file's examples_organisation differs from the configuration: its examples pass
    against domains the relay does not use (a partner taken out of dlpgate.yaml stayed one
    in the file, and "marked mail to the partner goes" passed while the relay held it).
    The shipped file's example council is meant to differ and is not mentioned."""
    from dlpgate import yamlsrc
    from dlpgate.policy.load import SHIPPED

    org = settings.organisation
    configured = {"internal_domains": set(org.internal_domains),
                  "partner_domains": set(org.partner_domains),
                  "secure_domains": set(settings.recipients.secure_domains)}
    notes = []
    for path in paths:
        if path.resolve().parent == SHIPPED:
            continue
        try:
            data = yamlsrc.load(path).data
        except yamlsrc.SourceError:
            continue
        given = data.get("examples_organisation") if isinstance(data, dict) else None
        if not isinstance(given, dict):
            continue
        for key, mine in configured.items():
            if key not in given:
                continue
            theirs = {str(d).lower() for d in given.get(key) or []}
            if theirs != mine:
                only = sorted(theirs - mine)
                missing = sorted(mine - theirs)
                notes.append(
                    f"note: {path}: examples_organisation.{key} is not the configuration's"
                    + (f" (only in the file: {', '.join(only)})" if only else "")
                    + (f" (only in the configuration: {', '.join(missing)})" if missing else "")
                    + "; its examples are tested with the file's, the relay uses the "
                    "configuration's")
    return notes


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    paths = _files(args, settings)
    policy = load_or_report(paths, settings)
    if policy is None:
        return 1
    shadow = sum(r.mode == "shadow" for r in policy.rules)
    print(f"ok: {len(paths)} file(s), {len(policy.rules)} rules ({shadow} in shadow mode), "
          f"{len(policy.examples)} examples, version {policy.version}")
    if policy.disabled:
        print(f"disabled: {', '.join(policy.disabled)}")
    for note in _examples_organisation_notes(paths, settings):
        print(note)
    for note in _notes(policy, settings):
        print(note)
    return 0


def _entities(condition) -> set[str]:
    """The entities a condition asks about, however deep in all, any and not."""
    from dlpgate.policy import rules as r

    if isinstance(condition, r.All | r.AnyOf):
        return set().union(*(_entities(c) for c in condition.items))
    if isinstance(condition, r.Not):
        return _entities(condition.item)
    if isinstance(condition, r.Findings):
        return set(condition.entities or ())
    return set()


def _notes(policy: PolicySet, settings: Settings) -> list[str]:
    """What `check` says of a set that loads but may not do what its author meant."""
    notes = []
    declared = {ref.entity for ref in settings.detection.case_references}
    for rule in policy.rules:
        # a rule about nothing but case references (the shipped identifiers-leaving lists
        # them among a dozen, and finds the rest wherever none is declared)
        if _entities(rule.when) == {"UK_CASE_REFERENCE"} and "UK_CASE_REFERENCE" not in declared:
            # a rule written before the reference was declared (or checked against another
            # configuration) loads, and never finds one
            notes.append(f"note: {rule.id} asks for UK_CASE_REFERENCE, and this configuration "
                         "declares no case reference that is found as one "
                         "(detection.case_references): the rule will find none")
    for rule in policy.rules:
        if rule.action == Action.ALLOW and not rule.overrides:
            # read as permission, it is none: the strictest matching rule wins, and allow
            # is what happens when no rule matches
            notes.append(f"note: {rule.id} asks allow and sets no rule aside, so it changes "
                         "nothing: the strictest action of the rules that match wins. To let "
                         "through what another rule holds, name that rule under its overrides: "
                         "(see policies/README.md, 'Exceptions')")
    absent = [r.id for r in policy.rules if not r.when.monotone()]
    exceptions = [r.id for r in policy.rules if r.when.monotone() and not r.monotone()]
    if absent:
        notes.append(f"note: {', '.join(absent)} tests for the absence of findings, so NER "
                     "runs on every message (see policies/README.md, 'Exceptions and speed')")
    if exceptions:
        notes.append(f"note: {', '.join(exceptions)} sets rules aside on what is found, so "
                     "NER runs on every message (see policies/README.md, 'Exceptions and "
                     "speed')")
    return notes


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    from dlpgate.policy.examples import run_all, table

    policy = load_or_report(_files(args, settings), settings)
    if policy is None:
        return 1
    if not policy.examples:
        print("no examples in these files")
        return 0
    outcomes = run_all(policy, settings)
    print(table(outcomes))
    for note in _examples_organisation_notes(_files(args, settings), settings):
        print(note)
    if policy.idle_examples:
        print(f"{policy.idle_examples} example(s) of the disabled rules "
              f"({', '.join(policy.disabled)}) not run")
    return 0 if all(o.passed for o in outcomes) else 1


def _replay_sources(args: argparse.Namespace, store):
    """(source, raw, envelope, unread): `unread` is the reason a hold was decided unread
    (its scan failed relay.max_scan_attempts times), for it to be decided so again: scanned
    here, what killed the relay's workers would end the replay."""
    if args.quarantine:  # every open hold: a reviewer's, and those waiting for their sender
        for state in ("held", "awaiting-sender"):
            for item in store.held(state, limit=100_000):
                unread = next((f["explanation"].removeprefix(f"{f['part']}: ")
                               for f in item.findings if f.get("unread")), "")
                yield (f"quarantine:{item.id}", item.raw,
                       Envelope(item.mail_from, item.rcpt_tos), unread)
        return
    from dlpgate.cli import envelope_from_headers
    from dlpgate.sources import read_messages

    for source, raw in read_messages(args.paths):
        yield source, raw, envelope_from_headers(raw), ""


def _verb(before: Action, after: Action) -> str:
    if before == after:
        return "unchanged"
    if after == Action.REJECT:
        return "rejected"
    if after.verdict.value == "hold" and before.verdict.value != "hold":
        return "held"
    if before.verdict.value in ("hold", "reject") and after.verdict.value in ("allow", "log"):
        return "released"
    return "changed"


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from dlpgate.cli import _store
    from dlpgate.pipeline import Scanner
    from dlpgate.policy.decide import decide
    from dlpgate.sources import SourceError, is_mail

    if not args.quarantine and not args.paths:
        print("dlpgate: give PATH... of past mail, or --quarantine", file=sys.stderr)
        return 2
    current = load_or_report(policy_files(settings), settings)
    candidate = load_or_report([Path(p) for p in args.policy], settings)
    if current is None or candidate is None:
        return 1
    full = settings.model_copy(update={
        "detection": settings.detection.model_copy(update={"lazy": False})})
    store = _store(settings)
    scanner = Scanner(full, store, current)
    moves: Counter[str] = Counter()
    per_rule: dict[str, Counter[str]] = {}
    total = failed = 0
    try:
        for source, raw, envelope, unread in _replay_sources(args, store):
            if not is_mail(raw):  # a policy's effect measured on a text file is no measure
                failed += 1
                print(f"{source}: not a mail message (no header could be read)",
                      file=sys.stderr)
                continue
            try:
                result = (scanner.unread(raw, envelope, "", unread) if unread
                          else scanner.scan(raw, envelope))
            except Exception as exc:  # by type only: the message may be quoted in it
                failed += 1
                print(f"{source}: could not be scanned ({type(exc).__name__})", file=sys.stderr)
                continue
            total += 1
            after: Decision = decide(result.evidence, result.message, candidate)
            before = result.decision
            verb = _verb(before.chosen, after.chosen)
            moves[verb] += 1
            was, now = set(before.rules), set(after.rules)
            for rule in was | now | set(after.shadow_rules):
                c = per_rule.setdefault(rule, Counter())
                c["before"] += rule in was
                c["after"] += rule in now
                c["shadow"] += rule in after.shadow_rules
                if verb != "unchanged" and rule in (now ^ was):
                    c[verb] += 1
            if verb != "unchanged" and not args.json:
                gained = sorted(now - was)
                lost = sorted(was - now)
                detail = " ".join([*(f"+{r}" for r in gained), *(f"-{r}" for r in lost)])
                print(f"{source}: {before.chosen.value} -> {after.chosen.value} ({verb}) {detail}")
    except SourceError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.json:
        print(json.dumps({"messages": total, "current": current.version,
                          "candidate": candidate.version, "moves": dict(moves),
                          "rules": {k: dict(v) for k, v in sorted(per_rule.items())},
                          "unread": failed}))
        return 1 if failed else 0
    print(f"\n{total} messages; policy {current.version} (in force) -> {candidate.version}")
    print(f"  newly held {moves['held']}, released {moves['released']}, newly rejected "
          f"{moves['rejected']}, other changes {moves['changed']}, unchanged {moves['unchanged']}")
    print(f"\n  {'rule':<46} {'now':>6} {'after':>6} {'shadow':>6} {'held':>6} {'released':>8}")
    for rule, c in sorted(per_rule.items()):
        print(f"  {rule:<46} {c['before']:>6} {c['after']:>6} {c['shadow']:>6} "
              f"{c['held']:>6} {c['released']:>8}")
    if failed:
        print(f"\n  {failed} file(s) or message(s) could not be read as mail: not counted above")
    return 1 if failed else 0


def cmd_schema(args: argparse.Namespace, settings: Settings | None = None) -> int:
    from dlpgate.policy.schema import schema

    print(json.dumps(schema(), indent=2))
    return 0


def register(sub, common: argparse.ArgumentParser, settings_of) -> None:
    """Add `policy ...` to the main parser; `settings_of(args)` loads the configuration."""
    p = sub.add_parser("policy", help="check, test and try out policy files")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="ACTION")

    def bind(func):
        return lambda args: func(args, settings_of(args))

    c = psub.add_parser("check", parents=[common],
                        help="validate policy files (default: those configured)")
    c.add_argument("files", nargs="*", metavar="POLICY.yaml",
                   help="the files to check, as one set (default: policy.files)")
    c.set_defaults(func=bind(cmd_check))
    c = psub.add_parser("test", parents=[common],
                        help="run the examples written in policy files")
    c.add_argument("files", nargs="*", metavar="POLICY.yaml",
                   help="the files whose examples to run, as one set (default: policy.files)")
    c.set_defaults(func=bind(cmd_test))
    c = psub.add_parser("replay", parents=[common],
                        help="compare a changed policy set with the one in force, on past mail")
    c.add_argument("--policy", action="append", required=True, metavar="POLICY.yaml",
                   help="the changed set (repeat for several files)")
    c.add_argument("--quarantine", action="store_true", help="replay the held messages")
    c.add_argument("--json", action="store_true", help="print the totals as one JSON object")
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="past mail: .eml file, directory, mbox or Maildir (or --quarantine)")
    c.set_defaults(func=bind(cmd_replay))
    c = psub.add_parser("schema", help="print the JSON Schema of policy files")
    c.set_defaults(func=cmd_schema)
