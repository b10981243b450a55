"""The examples written into policy files, run as `dlpgate policy test` runs them.

Each example becomes a real message (attachments built in their real formats),
goes through the very pipeline the relay uses, with a fresh store holding just
the example's history, and its action and rules are compared with what the
author expected. Examples use the file's `examples_organisation` when it has
one, so shipped examples pass whatever the council's own domains are.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.history import Pair, normalise
from dlpgate.model import Action, Envelope, ScanResult
from dlpgate.policy.load import load_files, mailbox, name_and_address
from dlpgate.policy.rules import Example, PolicySet


@dataclass(frozen=True)
class Outcome:
    example: Example
    passed: bool
    action: str
    rules: tuple[str, ...]
    problems: tuple[str, ...]  # what differed, in words


def _attachment(spec: dict) -> tuple[str, str, bytes]:
    name = spec["name"]
    text = str(spec.get("text", ""))
    ext = name.rpartition(".")[2].lower()
    if spec.get("encrypted"):
        if ext == "pdf":
            return name, "application/pdf", testdata.make_encrypted_pdf(text or "x")
        return name, "application/zip", testdata.make_encrypted_zip({"inner.txt": b"x"})
    if spec.get("unscannable"):
        return name, "application/octet-stream", bytes(range(256)) * 64
    lines = [line for line in text.splitlines() if line.strip()] or [""]
    builders = {
        "docx": lambda: ("application/vnd.openxmlformats-officedocument.wordprocessingml."
                         "document", testdata.make_docx(lines)),
        "xlsx": lambda: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         testdata.make_xlsx([[c.strip() for c in line.split(",")]
                                             for line in lines])),
        "pdf": lambda: ("application/pdf", testdata.make_pdf(text)),
        "zip": lambda: ("application/zip", testdata.make_zip({"document.txt": text})),
    }
    if ext in builders:
        ctype, data = builders[ext]()
        return name, ctype, data
    return name, "text/plain", text.encode()


def _header(entries: tuple[str, ...]) -> str:
    """An address header of an example's entries, each name quoted as it needs to be: "Khan,
    Sarah <s.khan@x.org>" joined bare read as two addresses, Khan and Sarah."""
    return ", ".join(formataddr(pair) for pair in map(name_and_address, entries))


def build_message(ex: Example, default_sender: str) -> tuple[bytes, Envelope]:
    sender = ex.sender or default_sender
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = _header(ex.to)
    if ex.cc:
        msg["Cc"] = _header(ex.cc)
    msg["Subject"] = ex.subject
    msg["Message-ID"] = f"<example-{abs(hash(ex.name))}@dlpgate.invalid>"
    msg["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    for name, value in ex.headers:
        msg[name] = value
    msg.set_content(ex.body or "\n")
    for spec in ex.attachments:
        name, ctype, data = _attachment(spec)
        maintype, _, subtype = ctype.partition("/")
        if maintype == "text":
            msg.add_attachment(data.decode(), subtype=subtype, filename=name)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    raw = msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    rcpts = (mailbox(entry) for entry in ex.to + ex.cc + ex.bcc)
    return raw, Envelope(mail_from=mailbox(sender), rcpt_tos=tuple(dict.fromkeys(rcpts)))


def _settings_for(settings: Settings, ex: Example, db: Path) -> Settings:
    update: dict = {"storage": settings.storage.model_copy(update={"url": f"sqlite:///{db}"})}
    if ex.organisation is not None:
        org = ex.organisation
        update["organisation"] = settings.organisation.model_copy(update={
            "internal_domains": org["internal_domains"],
            "partner_domains": org["partner_domains"]})
        update["recipients"] = settings.recipients.model_copy(update={
            "secure_domains": org["secure_domains"]})
    return settings.model_copy(update=update)


def _learn(store, sender: str, history: tuple[dict, ...]) -> None:
    now = time.time()
    pairs, replied = [], []
    for h in history:
        who = normalise(mailbox(str(h.get("sender", sender))))
        to = normalise(mailbox(str(h["recipient"])))
        days = float(h.get("days_ago", 7))
        if int(h.get("count", 1)):  # 0: never written to (with replied: they wrote in)
            pairs.append(Pair(who, to, now - days * 86400, int(h.get("count", 1)),
                              audience=int(h.get("audience", 0))))
        if h.get("replied"):
            replied.append((who, to, now - days * 86400))
    if pairs:
        store.learn(pairs)
    if replied:
        store.mark_replied(replied)


def _learn_sent(scanner, store, sender: str, history: tuple[dict, ...]) -> None:
    """What went to each recipient before (`sent:`), into its content profile: each text is
    scanned as a message and its fingerprint learned, as the relay learns relayed mail."""
    rows = []
    for h in history:
        who = normalise(mailbox(str(h.get("sender", sender))))
        to = normalise(mailbox(str(h["recipient"])))
        for text in h.get("sent") or ():
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = who, to, ""
            msg.set_content(text)
            result = scanner.scan_with_store(msg.as_bytes(), Envelope(who, (to,)), store)
            rows.append((who, to, result.fingerprint))
    if rows:
        store.learn_profiles(rows)


def run_example(ex: Example, policy: PolicySet, settings: Settings,
                scanners: dict | None = None) -> tuple[Outcome, ScanResult]:
    """One example through the whole pipeline, against a store of its own history."""
    from dlpgate.pipeline import Scanner
    from dlpgate.store.base import open_configured

    with tempfile.TemporaryDirectory(prefix="dlpgate-example-") as tmp:
        ex_settings = _settings_for(settings, ex, Path(tmp) / "example.db")
        internal = ex_settings.organisation.internal_domains
        default_sender = f"officer@{internal[0]}" if internal else "officer@example.invalid"
        raw, envelope = build_message(ex, default_sender)
        store = open_configured(ex_settings)
        try:
            _learn(store, envelope.mail_from, ex.history)
            key = repr(ex.organisation)
            cache = scanners if scanners is not None else {}
            if key not in cache:
                # built-in lists (secure-domains...) come from the examples' organisation
                own = policy if ex.organisation is None else load_files(
                    [Path(f) for f in policy.files], ex_settings)
                cache[key] = Scanner(ex_settings, None, own)
            scanner = cache[key]
            _learn_sent(scanner, store, envelope.mail_from, ex.history)
            result = scanner.scan_with_store(raw, envelope, store)
        finally:
            store.close()
    return judge(ex, result), result


def judge(ex: Example, result: ScanResult) -> Outcome:
    d = result.decision
    matched = tuple(m.rule for m in d.matches if m.counts)
    shadow = {m.rule for m in d.matches if m.mode == "shadow"}
    overridden = {m.rule: m.overridden_by for m in d.matches if m.overridden_by}
    problems = []
    if ex.expect_action is not None and d.chosen != ex.expect_action:
        why = f" (rules: {', '.join(matched)})" if matched else " (no rule matched)"
        if shadow:
            why = why[:-1] + f"; in shadow mode: {', '.join(sorted(shadow))})"
        problems.append(f"expected {ex.expect_action.value}, got {d.chosen.value}{why}")
        problems += _outranked(ex, d)
    for rule in ex.expect_rules:
        if rule in overridden:
            problems.append(f"expected rule {rule} to match; it did, but {overridden[rule]} "
                            "overrides it")
        elif rule not in matched and rule not in shadow:
            problems.append(f"expected rule {rule} to match; it did not")
    for rule in ex.expect_not_rules:  # as `rules` counts a shadow rule's match, so does this
        if rule in matched or rule in shadow:
            mode = " (in shadow mode)" if rule in shadow else ""
            problems.append(f"expected rule {rule} not to match; it did{mode}")
    if problems:  # what the recipient tests saw, for a rule that asks about recipients
        problems += [f"recipient {r.address}: risk {r.risk:.2f}, "
                     f"{', '.join(s.name for s in r.signals) or 'no signals'}"
                     for r in result.evidence.recipients]
    return Outcome(ex, not problems, d.chosen.value, matched, tuple(problems))


def _outranked(ex: Example, d) -> list[str]:
    """Why the rule an example sits under did not let its message through: it matched, and a
    stricter rule matched too. "allow" reads as permission, and an author's exception for a
    partner that said allow without naming the rule it meant to set aside was outvoted with
    no word of why."""
    if ex.expect_action is None or d.chosen.rank <= ex.expect_action.rank:
        return []
    won = [m.rule for m in d.matches if m.counts and m.action == d.chosen]
    return [f"{m.rule} matched and asks {m.action.value}, but the strictest action of the "
            f"rules that match wins ({', '.join(won)}: {d.chosen.value}); to set "
            f"{', '.join(won)} aside where {m.rule} matches, name "
            f"{'it' if len(won) == 1 else 'them'} under {m.rule}'s overrides:"
            for m in d.matches if m.rule == ex.rule and m.counts
            and m.action in (Action.ALLOW, Action.LOG)]


def run_all(policy: PolicySet, settings: Settings) -> list[Outcome]:
    scanners: dict = {}
    return [run_example(ex, policy, settings, scanners)[0] for ex in policy.examples]


def table(outcomes: list[Outcome]) -> str:
    """The pass/fail table `dlpgate policy test` prints."""
    lines = []
    for o in outcomes:
        where = f"{Path(o.example.file).name}:{o.example.line}"
        rule = o.example.rule or "-"
        lines.append(f"{'PASS' if o.passed else 'FAIL'}  {where:<20} {rule:<44} {o.example.name}")
        for p in o.problems:
            lines.append(f"      {p}")
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} of {len(outcomes)} examples passed")
    return "\n".join(lines)
