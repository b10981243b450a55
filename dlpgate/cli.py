"""The `dlpgate` command (INTERFACE.md). Exit codes: 0 ok, 1 input failed, 2 usage or config."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from dlpgate import config as config_mod
from dlpgate import obs
from dlpgate.model import Decision, Envelope, ScanResult


def _settings(args: argparse.Namespace, need_model: bool = False) -> config_mod.Settings:
    """The configuration, with logging set up from it: every command logs as `serve` does,
    JSON lines on stderr with addresses masked. Unconfigured, a notice sent by `quarantine
    reject` was logged to stdout in structlog's console format, unmasked, between the
    command's own output lines."""
    try:
        settings = config_mod.load(args.config)
    except config_mod.ConfigError as exc:
        for problem in exc.problems:
            print(f"dlpgate: configuration error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    obs.configure(settings.logging)
    if need_model and settings.detection.ner:
        from dlpgate.detect.ner import ModelMissing, check_model

        try:
            check_model(settings.detection.model)
        except ModelMissing as exc:
            print(f"dlpgate: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    if need_model:
        _check_ocr(settings.scan.ocr)
        _check_archives()
    return settings


def _check_archives() -> None:
    """libarchive not installed is said at the start, as OCR is: every .7z, .rar, .cab,
    .iso, .zst and .lz4 would be unscannable, and held when it leaves."""
    from dlpgate.parse import archives

    if not archives.available():
        print("dlpgate: warning: libarchive not found, so .7z, .rar, .cab, .iso, .zst and .lz4 "
              "attachments are unscannable (install Debian's libarchive13, libarchive13t64 "
              "from Debian 13)",
              file=sys.stderr)


def _check_ocr(settings: config_mod.Ocr) -> None:
    """A language configured and not installed stops the start (every scan would fail on
    it); OCR not installed at all is said, and scanned pages then say they were not read."""
    from dlpgate.parse import ocr

    if not settings.enabled:
        return
    if not ocr.available():
        print("dlpgate: warning: scan.ocr: tesseract or pdftoppm not found, so scanned PDF "
              "pages are unscannable and images are not read (install Debian's "
              "tesseract-ocr and poppler-utils, or set scan.ocr.enabled: false)",
              file=sys.stderr)
        return
    if not ocr.heif_available():
        print("dlpgate: warning: scan.ocr: heif-convert not found, so HEIC photographs "
              "(iPhones') are unscannable (install Debian's libheif-examples)",
              file=sys.stderr)
    missing = ocr.missing_languages(settings)
    if missing:
        packs = " ".join(f"tesseract-ocr-{m.replace('_', '-').lower()}" for m in missing)
        print(f"dlpgate: configuration error: scan.ocr.languages: {', '.join(missing)} not "
              f"installed (Debian: apt-get install {packs})", file=sys.stderr)
        raise SystemExit(2)


def policy_or_exit(settings: config_mod.Settings):
    """The configured policy set; a broken one is a configuration error (exit 2)."""
    from dlpgate.policy.commands import load_or_report
    from dlpgate.policy.load import policy_files

    policy = load_or_report(policy_files(settings), settings)
    if policy is None:
        raise SystemExit(2)
    return policy


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args, need_model=True)
    from dlpgate.ingress.server import TlsError, serve
    from dlpgate.store.base import StoreError

    policy = policy_or_exit(settings)
    try:
        asyncio.run(serve(settings, policy))
    except (StoreError, TlsError) as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"dlpgate: cannot listen on {settings.relay.listen}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def envelope_from_headers(raw: bytes) -> Envelope:
    """Offline there is no envelope: From and To/Cc/Bcc stand in for it."""
    import email.parser

    from dlpgate.history import header_addresses

    # read as the relay and `history learn` read them: an address in UTF-8 (RFC 6532,
    # who@münchen.de) was who@m\ufffd\ufffdnchen.de here, a look-alike of nothing at 1.0
    msg = email.parser.BytesHeaderParser().parsebytes(raw)
    senders = header_addresses(msg, "From")
    rcpts = [a for h in ("To", "Cc", "Bcc") for a in header_addresses(msg, h)]
    return Envelope(
        mail_from=senders[0][1] if senders else "",
        rcpt_tos=tuple(dict.fromkeys(a for _, a in rcpts)),
    )


def reasons(decision: Decision, reveal: bool) -> tuple[str, ...]:
    """The decision's reasons as they may be printed: the names they quote masked, unless
    `--reveal` asked for them in full."""
    return (decision.revealed or decision.reasons) if reveal else decision.reasons


def result_json(source: str, result: ScanResult, reveal: bool) -> dict[str, Any]:
    from dlpgate.detect.summary import summarize

    # a file named after its person ("Amy Reid NHS 943 476 5919.zip") is named with what was
    # found in its name masked, in parts, explanations and reasons alike, unless --reveal
    shown = (lambda part: part) if reveal else result.evidence.shown
    findings = []
    for f in result.evidence.findings:
        item: dict[str, Any] = {
            "entity": f.entity, "part": shown(f.part), "start": f.start, "end": f.end,
            "score": round(f.score, 3),
            "explanation": (f.revealed or f.explanation) if reveal else f.explanation,
        }
        if f.entity == "SPECIAL_CATEGORY":
            item["term"] = f.text  # a word from the lexicon, not a value about a person
        if reveal:
            item["text"] = f.text
        findings.append(item)
    return {
        "source": source,
        "message_id": result.message.message_id,
        "verdict": result.decision.verdict.value,
        "action": result.decision.chosen.value,
        "rules": list(result.decision.rules),
        "reasons": list(reasons(result.decision, reveal)),
        "shadow_rules": list(result.decision.shadow_rules),
        "matches": [
            {"rule": m.rule, "action": m.action.value, "mode": m.mode,
             "overridden_by": m.overridden_by,
             "reasons": list((m.revealed or m.reasons) if reveal else m.reasons)}
            for m in result.decision.matches
        ],
        "recipients": [
            {"address": r.address, "risk": round(r.risk, 3),
             "signals": [s.name for s in r.signals],
             # names the message writes, masked as findings are unless --reveal
             "explanations": [(s.revealed or s.explanation) if reveal else s.explanation
                              for s in r.signals]}
            for r in result.evidence.recipients
        ],
        "findings": findings,
        "summary": summarize(result.evidence.findings).as_json(),
        "notes": list(result.evidence.notes),
        "scan_id": result.scan_id,
        "policy_version": result.decision.policy_version,
        "timings_ms": result.timings_ms,
    }


def cmd_scan(args: argparse.Namespace) -> int:
    settings = _settings(args, need_model=True)
    from dlpgate.pipeline import Scanner
    from dlpgate.sources import SourceError, is_mail, read_messages

    # History informs recipient risk; scan only reads it, and creates no store of its own.
    url = settings.storage.url
    present = not url.startswith("sqlite:///") or config_mod.sqlite_path(url).exists()
    scanner = Scanner(settings, _store(settings) if present else None, policy_or_exit(settings))
    count, failed, unparsed = 0, 0, 0
    started = time.perf_counter()
    out = sys.stdout
    try:
        for source, raw in read_messages(args.paths):
            try:
                result = scanner.scan(raw, envelope_from_headers(raw))
            except Exception as exc:  # reported by type: the message may be quoted in it
                failed += 1
                print(f"{source}: could not be scanned ({type(exc).__name__})", file=sys.stderr)
                continue
            count += 1
            if not is_mail(raw):  # scanned as the relay would (a damaged message), yet not mail
                unparsed += 1
                print(f"{source}: not a mail message (no header could be read)",
                      file=sys.stderr)
            if args.json:
                out.write(json.dumps(result_json(source, result, args.reveal)) + "\n")
            else:
                rules = f" ({', '.join(result.decision.rules)})" if result.decision.rules else ""
                out.write(f"{source}: {result.decision.verdict.value}{rules}\n")
                if args.explain:
                    out.write(explained(result, args.reveal))
                else:
                    for reason in reasons(result.decision, True) if args.reveal else ():
                        out.write(f"    {reason}\n")
    except SourceError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    elapsed = time.perf_counter() - started
    rate = count / elapsed if elapsed > 0 else 0.0
    print(f"scanned {count} message{'' if count == 1 else 's'} in {elapsed:.2f} s "
          f"({rate:.1f} messages/s)", file=sys.stderr)
    return 1 if failed or unparsed else 0


EXPLAINED_RECIPIENTS = 20


def explained(result, reveal: bool = False) -> str:
    """`scan --explain`: under a message's verdict, why, and each recipient's risk with the
    signals behind it, riskiest first, as a sender or a policy author reads them: what speaks
    against the recipient, then what speaks for them. Recipients sharing every signal are one
    entry, as on the review page (a circular's five hundred residents are one, and the odd
    one out stands alone). Names the message writes are masked unless `reveal`, as in
    --json."""
    from dlpgate.review import recipients

    lines = [f"    why: {reason}" for reason in reasons(result.decision, reveal)]
    ranked = sorted(result.evidence.recipients, key=lambda r: -r.risk)
    rows = recipients.rows([{
        "address": r.address, "risk": r.risk, "signals": [s.name.value for s in r.signals],
        "explanations": [(s.revealed or s.explanation) if reveal else s.explanation
                         for s in r.signals]} for r in ranked])
    for row in rows[:EXPLAINED_RECIPIENTS]:
        others = len(row.addresses) - 1
        alike = f" and {others} other{'s' if others > 1 else ''} with the same signals" \
            if others else ""
        lines.append(f"    {row.addresses[0]}{alike}: risk {row.risk}")
        lines += [f"        - {name}: {why}" for name, why in row.warnings]
        lines += [f"        + {name}: {why}" for name, why in row.favour]
    if rest := [risk for row in rows[EXPLAINED_RECIPIENTS:] for risk in row.risks]:
        # twenty entries at most: a message to five hundred of all kinds would bury the rest
        lines.append(f"    and {len(rest)} more recipients, risk {max(rest):.2f} or less "
                     "(--json lists every one)")
    return "".join(f"{line}\n" for line in lines)


def _store(settings: config_mod.Settings):
    from dlpgate.store.base import StoreError, open_configured

    try:
        return open_configured(settings)
    except StoreError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _learn(store, pairs, label: str, keep_days: int | None = None, counted: str = "") -> int:
    """Learn in batches, then analyze the store; say how many pairs are already past
    `keep_days` (the next history expiry removes them, so an import of old mail is not
    silently lost)."""
    batch, total, stale = [], 0, 0
    cutoff = time.time() - keep_days * 86400 if keep_days else None
    for pair in pairs:
        batch.append(pair)
        stale += cutoff is not None and pair.when < cutoff
        if len(batch) >= 5000:
            store.learn(batch)
            total += len(batch)
            batch = []
    store.learn(batch)
    total += len(batch)
    if total:  # a bulk load: PostgreSQL plans the relays' lookups on fresh statistics now
        store.analyze()
    print(f"{label}: {total} sender-recipient pairs learned{counted}")
    if stale:
        print(f"{label}: {stale} of them last seen more than recipients.history_days "
              f"({keep_days}) ago: the next history expiry removes them", file=sys.stderr)
    return total


def cmd_history_import(args: argparse.Namespace) -> int:
    """A CSV of correspondence: dlpgate's own layout, or an export whose columns
    `--columns` names (a message trace). With internal domains configured, a row from
    outside to one of ours is a reply, as in `history learn`, not a pair of ours."""
    from dlpgate import history

    try:
        layout = history.CsvLayout.of(args.columns, args.date_format, args.only or ())
    except ValueError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    store = _store(settings)
    internal = settings.organisation.internal_domains
    replies = [0]

    def pairs():
        # Read it all once before learning anything: a mistake on line 50,000 then leaves
        # nothing learned, so the corrected file can be imported again without counting
        # its first rows twice.
        for _ in history.read_csv(Path(args.csv), layout=layout):
            pass
        for pair in history.read_csv(Path(args.csv), layout=layout):
            replied = history.written_in(pair.sender, [pair.recipient], internal, pair.when)
            if replied is not None:
                store.mark_replied(replied)
                replies[0] += len(replied)
                continue
            yield pair

    try:
        _learn(store, pairs(), args.csv, settings.recipients.history_days)
        if replies[0]:
            print(f"{args.csv}: {replies[0]} rows of mail from outside to us, recorded as "
                  "their writing back")
    except history.HistoryFileError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"dlpgate: {args.csv}: no such file", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def cmd_history_learn(args: argparse.Namespace) -> int:
    """Correspondence, and each message's content profile (word hashes, no text)."""
    from dlpgate import history
    from dlpgate.parse.mime import parse
    from dlpgate.record import identifier_finder, learn_message
    from dlpgate.sources import SourceError, is_mail, read_messages

    settings = _settings(args)
    store = _store(settings)
    started = time.time()
    key = store.profile_key()
    identifiers = identifier_finder(settings)
    internal = settings.organisation.internal_domains

    seen: set[bytes] = set()
    copies, inbound, empty, automatic, unparsed = [0], [0], [0], [0], [0]

    def pairs():
        for source, raw in read_messages(args.paths):
            if not is_mail(raw):
                unparsed[0] += 1
                print(f"{source}: not a mail message (no header could be read)",
                      file=sys.stderr)
                continue
            # The same message filed in Sent and in an archive folder is one message: an
            # export of a whole mailbox would otherwise count each contact twice.
            if (mid := history.message_id(raw)) is not None:
                if mid in seen:
                    copies[0] += 1
                    continue
                seen.add(mid)
            # a message with no date counts as sent now (as an undated CSV row does)
            found = [p if p.when else dataclasses.replace(p, when=started)
                     for p in history.pairs_from_message(raw)]
            replied = history.written_in(found[0].sender, [p.recipient for p in found],
                                         internal, found[0].when) if found else None
            if replied is not None:  # inbound mail: its sender wrote to our recipients
                store.mark_replied(replied)
                inbound[0] += 1
                continue
            if not found:
                empty[0] += 1
                continue
            message = parse(raw)
            if message.auto_reply:  # an out-of-office: its recipients wrote in
                store.mark_replied(history.answered(
                    found[0].sender, [p.recipient for p in found], internal, found[0].when))
                automatic[0] += 1
                continue
            yield from learn_message(store, message, found, key, identifiers(message))

    try:
        _learn(store, pairs(), " ".join(args.paths), settings.recipients.history_days,
               " (one for each message and recipient: history stats counts the distinct ones)")
        if inbound[0]:  # as history import says of its rows from outside
            print(f"{inbound[0]} message(s) from outside recorded as their senders writing in")
        if automatic[0]:
            n = automatic[0]
            print(f"{n} automatic {'reply' if n == 1 else 'replies'} (out-of-office) recorded "
                  "as their recipients having written in, not as correspondence")
        if copies[0]:
            print(f"{copies[0]} further copies of messages already read (the same Message-ID) "
                  "were not counted again")
        if empty[0]:  # a text file or an empty mbox named by mistake said "0 learned" alone
            print(f"dlpgate: {empty[0]} file(s) or message(s) read had no sender and recipient "
                  "addresses (From and To/Cc/Bcc headers): not mail, or mail without them",
                  file=sys.stderr)
    except SourceError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 1 if unparsed[0] else 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    """Opening a store applies its migrations; say where it stands."""
    settings = _settings(args)
    store = _store(settings)
    try:
        [(version,)] = store._read("SELECT max(version) FROM schema_version", ())
    finally:
        store.close()
    print(f"{settings.storage.url.split('://', 1)[0]} store at schema version {version}")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from dlpgate.store.base import StoreError, open_configured
    from dlpgate.store.copy import CopyRefused, copy

    settings = _settings(args)
    if args.source.startswith("sqlite:///") and not config_mod.sqlite_path(args.source).exists():
        # opening it would make an empty store there, and the copy of nothing would succeed
        print(f"dlpgate: no store at {config_mod.sqlite_path(args.source)} (an absolute path "
              "is sqlite:////var/lib/..., four slashes); nothing copied", file=sys.stderr)
        return 2
    try:
        source = open_configured(settings, args.source)
    except StoreError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    target = _store(settings)
    try:
        counts = copy(source, target)
        seq, top = target.audit_head()
    except CopyRefused as exc:
        print(f"dlpgate: nothing copied: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 1
    finally:
        source.close()
        target.close()
    # the trail says what this run did, first or again (a run again printed nothing of it)
    kept = counts.pop("audit_kept", 0)
    said = {"audit": (f", {kept} already there" if kept else "") + ", the last this run's "
            f"store-copy entry; head {seq}:{top}"}
    for table, n in counts.items():
        print(f"{table}: {n} row{'' if n == 1 else 's'}{said.get(table, '')}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    """The configuration and everything it names that `serve` would refuse to start with:
    the policy files too (a broken rule in one was "ok" here and exit 2 from serve), the
    spaCy model and the OCR languages (a language not installed was "ok" here too)."""
    settings = _settings(args, need_model=True)
    policy = policy_or_exit(settings)
    from dlpgate.store.base import keys_behind, reachable

    print(f"{settings.source}: ok")
    print(f"policy: {len(policy.rules)} rules, version {policy.version}: ok")
    if why := reachable(settings.storage.url):
        print(f"dlpgate: storage.url: {why}", file=sys.stderr)
        return 2
    print(f"storage: {settings.storage.url.split('://', 1)[0]}: ok")
    q = settings.quarantine
    if behind := keys_behind(settings.storage.url, q.audit_key, tuple(q.audit_keys_retired)):
        # mail would still flow, but every entry this node wrote would read as a retired key
        # signing again: a rotation half rolled out is a mistake to fix before starting
        print(f"dlpgate: quarantine.audit_key: the audit trail has been rotated from this "
              f"key to {', '.join(f'key {k}' for k in behind)}, which this configuration "
              "does not hold: set the new key in quarantine.audit_key and this one in "
              "quarantine.audit_keys_retired, as on the other nodes", file=sys.stderr)
        return 1
    from dlpgate.act.notify import unreachable_links

    if why := unreachable_links(settings, policy):
        print(f"warning: {why}")
    return 0


def cmd_config_schema(args: argparse.Namespace) -> int:
    print(json.dumps(config_mod.Settings.model_json_schema(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlpgate", description="Email data-loss-prevention gateway for UK councils."
    )
    config_help = ("configuration file (default: $DLPGATE_CONFIG, then ./dlpgate.yaml, then "
                   "built-in)")
    # before the command too (`dlpgate --config FILE serve`), as postfix -c and most daemons
    # take it: that read FILE as the command's name ("invalid choice")
    parser.add_argument("--config", metavar="FILE", help=config_help)
    from dlpgate import __version__

    parser.add_argument("--version", action="version", version=f"dlpgate {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a command given no --config of its own keeps the one given before it
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=config_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", parents=[common],
                       help="run the SMTP relay (and the review app with review.enabled) until "
                       "SIGTERM; SIGHUP reloads the policy")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("scan", parents=[common],
                       help="run the relay's pipeline on saved messages; never sends or stores")
    p.add_argument("--json", action="store_true", help="one JSON object per message (JSON Lines)")
    p.add_argument("--reveal", action="store_true",
                   help="include matched values (personal data) in the output")
    p.add_argument("--explain", action="store_true",
                   help="under each verdict, why, and each recipient's risk with its signals "
                   "(- against, + for)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help=".eml file, directory, mbox, Maildir, or - for stdin")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("history", help="load, show, count, forget and expire prior correspondence")
    hsub = p.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    h = hsub.add_parser("import", parents=[common],
                        help="load a CSV: sender,recipient[,count][,last_seen]")
    h.add_argument("csv", metavar="CSV", help="the CSV file (UTF-8 or UTF-16; cells separated "
                   "by commas, tabs or semicolons)")
    h.add_argument("--columns", metavar="FIELD=COLUMN,...",
                   help="the columns holding sender, recipient, count and last_seen in another "
                   "layout, e.g. sender=SenderAddress,recipient=RecipientAddress,"
                   "last_seen=Received")
    h.add_argument("--date-format", metavar="FORMAT",
                   help="how last_seen is written, as for strptime (default ISO 8601), e.g. "
                   "'%%d/%%m/%%Y %%H:%%M:%%S'")
    h.add_argument("--only", action="append", metavar="COLUMN=VALUE,...",
                   help="keep only rows whose COLUMN has one of these values (any case), e.g. "
                   "Status=Delivered; may be repeated")
    h.set_defaults(func=cmd_history_import)
    h = hsub.add_parser("learn", parents=[common],
                        help="learn From -> To/Cc/Bcc from sent mail (.eml, dirs, mbox, Maildir)")
    h.add_argument("paths", nargs="+", metavar="PATH",
                   help="sent mail: .eml file, directory, mbox or Maildir")
    h.set_defaults(func=cmd_history_learn)
    from dlpgate.history_commands import register as register_history

    register_history(hsub, common, _settings, _store)

    p = sub.add_parser("db", help="the store: migrate it, or copy another store into it")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    d = dsub.add_parser("migrate", parents=[common], help="apply the store's migrations")
    d.set_defaults(func=cmd_db_migrate)
    d = dsub.add_parser("copy", parents=[common],
                        help="copy a store (e.g. sqlite:///dlpgate.db) into the configured one")
    d.add_argument("source", metavar="SOURCE_URL",
                   help="the store to copy from, e.g. sqlite:////var/lib/dlpgate/dlpgate.db")
    d.set_defaults(func=cmd_db_copy)

    p = sub.add_parser("config", help="check the configuration or print its schema")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    c = csub.add_parser("check", parents=[common], help="validate the configuration file")
    c.set_defaults(func=cmd_config_check)
    c = csub.add_parser("schema", help="print the configuration's JSON Schema")
    c.set_defaults(func=cmd_config_schema)

    from dlpgate.policy.commands import register

    register(sub, common, _settings)

    from dlpgate.review.commands import register as register_quarantine
    from dlpgate.review.commands import register_review

    register_quarantine(sub, common, _settings, _store)
    register_review(sub, common, _settings, _store)
    return parser


def main(argv: list[str] | None = None) -> int:
    from dlpgate.store.base import StoreError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except StoreError as exc:  # a full disk mid-release was a traceback; its text names no one
        print(f"dlpgate: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `dlpgate history forget ... | head -1`: the reader left; what was asked is done,
        # and a traceback after it reads as a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
