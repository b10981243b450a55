"""`dlpgate quarantine list | show | release | reject | expire | purge | audit`: the review, from
a shell.

The same actions as the review app, through the same code (`dlpgate.act.quarantine`),
each written to the audit trail under the operator's name (`cli:` and the login
name; under sudo, the name of whoever ran sudo). Nothing here prints a message's
body or the values found in it: `show` gives the decision, the recipients and
where each finding is.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import re
import sys
import time

from dlpgate.config import Settings
from dlpgate.model import IN_FAVOUR
from dlpgate.store.base import AuditEntry, HeldMessage

STATES = ("held", "awaiting-sender", "releasing", "released", "rejected", "expired")


def operator() -> str:
    return "cli:" + (os.environ.get("SUDO_USER") or getpass.getuser())


def typed(value: str) -> str:
    """Free text from the command line (a reason, a note) as the operator typed it. A terminal
    not in UTF-8 (Windows-1252, Latin-1) gives bytes Python keeps as lone surrogates, which no
    store can write: a release with "café" in its reason failed with a store error. Such
    text is read as Windows-1252, as those terminals write it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(value).decode("cp1252", "replace")
    return value


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def _line(text: str) -> str:
    """Text from mail or a form (a reason, an address, a next hop's reply) as one line of a
    terminal's, each control character written as its escape (a newline as \\n): a sender's
    false-alarm reason printed a line of its own, read as another entry of the audit trail,
    and its escape sequences reached the terminal. --json escapes them already."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _summary(item: HeldMessage) -> dict:
    counts: dict[str, int] = {}
    for f in item.findings:
        counts[f["entity"]] = counts.get(f["entity"], 0) + 1
    return {
        "id": item.id, "created": item.created, "state": item.state, "action": item.action,
        "from": item.mail_from,
        "to_domains": sorted({r.rpartition("@")[2].lower() for r in item.rcpt_tos}),
        "rules": list(item.rules), "findings": counts,
        "risk": max((r["risk"] for r in item.recipients), default=0.0),
        "decided_by": item.decided_by, "last_error": item.last_error,
    }


def _where(finding: dict) -> dict:
    """Where a finding is, as `show` may print it: a file named after its person by its name
    as shown (`shown`, the values found in it masked), for `show` asks no reason."""
    where = {k: v for k, v in finding.items() if k != "shown"}
    return {**where, "part": finding.get("shown", finding["part"])}


def _cut(text: str, width: int) -> str:
    """`text` in a column `width` wide, an ellipsis where it was cut: a sender cut short
    without one read as another address ("alice.jones@example-council.gov.")."""
    return f"{text:<{width}}" if len(text) <= width else text[:width - 1] + "\u2026"


def cmd_list(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.act.quarantine import listed

    items = listed(store, args.state, args.limit)
    store.audit(AuditEntry(operator(), "list", reason=f"state={args.state}", via="cli"))
    if args.json:
        for item in items:
            print(json.dumps(_summary(item)))
        return 0
    now = time.time()
    wide = max(map(len, STATES))  # awaiting-sender
    print(f"{'id':<22} {'age':>4} {'state':<{wide}} {'action':<8} {'from':<32} rules")
    for item in items:
        print(_line(f"{item.id:<22} {_age(now - item.created):>4} {item.state:<{wide}} "
                    f"{item.action:<8} {_cut(item.mail_from, 32)} {', '.join(item.rules)}"))
    print(f"{len(items)} message(s)")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings, store) -> int:
    item = store.get_held(args.id)
    if item is None:
        print(f"dlpgate: no held message {args.id}", file=sys.stderr)
        return 1
    store.audit(AuditEntry(operator(), "view", args.id, via="cli"))
    history = [{"at": e.at, "actor": e.actor, "action": e.action, "reason": e.reason,
                "detail": e.detail} for e in reversed(store.audit_log(item_id=args.id))]
    from dlpgate.review.content import part_texts  # the parser: for `show` alone

    # read again, as the review app does, for what the scan left unread (no content in it)
    unread = list(part_texts(item, settings).notes)
    out = {**_summary(item), "message_id": item.message_id, "size": item.size,
           "rcpt_tos": list(item.rcpt_tos), "reasons": list(item.reasons),
           "recipients": list(item.recipients), "matches": list(item.matches),
           "findings_where": [_where(f) for f in item.findings],
           "unread": unread, "policy_version": item.policy_version,
           "history": history}
    if args.json:
        print(json.dumps(out))
        return 0

    def say(text: str) -> None:
        print(_line(text).rstrip())

    say(f"{item.id}: {item.state} ({item.action}), from {item.mail_from} to "
        f"{', '.join(item.rcpt_tos)}")
    if item.last_error:
        say(f"  last error: {item.last_error}")
    if item.state == "releasing":
        say(f"  a release by {item.decided_by} was started and not finished: check the next "
            "hop's log before doing anything else with it")
    say("  why:")
    from dlpgate.act.notify import gathered
    from dlpgate.review.content import decided_by

    # as the message's page says them: what held it, then what asked for less
    taken, less = decided_by(item, list(item.reasons))
    for reason in gathered(taken, item.rcpt_tos):
        say(f"    - {reason}")
    if less:
        say(f"  also matched, asking for less than {item.action}:")
        for reason in gathered(less, item.rcpt_tos):
            say(f"    - {reason}")
    say("  recipients:")
    for r in item.recipients:
        say(f"    {r['address']}  risk {r['risk']:.2f}  {', '.join(r['signals'])}")
        for name, why in zip(r["signals"], r.get("explanations", ()), strict=False):
            said = f"{name} (in its favour)" if name in IN_FAVOUR else name
            say(f"      {said}: {why}")
    say("  findings: " + (", ".join(f"{k} {v}" for k, v in out["findings"].items()) or "none"))
    # where each one is, as the docs promise an operator deciding from a shell: the counts
    # alone left them to guess which attachment to ask the sender about (no value printed)
    for where in out["findings_where"]:
        why = where.get("explanation", "").removeprefix(f"{where['part']}: ")  # said once
        say(f"    - {where['entity']} in {where['part']}: {why}")
    if unread:
        say("  not read (nothing found there is no evidence of nothing there):")
        for note in unread:
            say(f"    - {note}")
    say("  history:")
    for h in history:
        say(f"    {time.strftime('%Y-%m-%d %H:%M %Z', time.localtime(h['at']))} {h['actor']} "
            f"{h['action']} {h['reason']} {h['detail']}")
    return 0


def cmd_release(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.act.quarantine import release

    result = asyncio.run(release(store, settings, args.id, operator(), args.reason, "cli"))
    print(f"{args.id}: {result.message}", file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def cmd_reject(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.act.quarantine import reject_and_tell

    result = asyncio.run(reject_and_tell(store, settings, args.id, operator(), args.reason,
                                         "cli"))
    print(f"{args.id}: {result.message}", file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def cmd_note(args: argparse.Namespace, settings: Settings, store) -> int:
    """A note on a held message, as the review app's page adds one: on the audit trail as a
    `note` in the operator's name, and on the message's page for the reviewers."""
    text = " ".join(args.text.split())[:1000]
    if not text:
        print("dlpgate: a note needs its text", file=sys.stderr)
        return 2
    if store.get_held(args.id) is None:
        print(f"{args.id}: no held message {args.id}", file=sys.stderr)
        return 1
    store.audit(AuditEntry(operator(), "note", args.id, reason=text, via="cli"))
    print(f"{args.id}: note added")
    return 0


def cmd_expire(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.act.quarantine import expire

    results = asyncio.run(expire(store, settings))
    done = sum(r.ok for r in results)
    print(f"{done} message(s) past {settings.quarantine.retention_days} days "
          f"{'released' if settings.quarantine.on_expiry == 'release' else 'expired'}"
          + (f", {len(results) - done} could not be" if done < len(results) else ""))
    return 0 if done == len(results) else 1


def cmd_purge(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.act.quarantine import purge

    days = settings.quarantine.decided_days
    if days is None:
        print("quarantine.decided_days is null: decided messages are kept for ever; nothing "
              "deleted")
        return 0
    deleted = purge(store, settings)
    print(f"{deleted} message(s) released, rejected or expired more than {days} days ago "
          "deleted (their audit trail stays)")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings, store) -> int:
    if args.acknowledge is not None:
        return _acknowledge(args, store)
    if args.reason is not None:
        print("dlpgate: --reason goes with --acknowledge", file=sys.stderr)
        return 2
    if args.verify:
        return _verify_audit(args, store)
    if args.head:
        print("dlpgate: --head goes with --verify", file=sys.stderr)
        return 2
    store.audit_summaries()  # refusals held back so far (store/bursts.py), counted in
    entries = store.audit_log(item_id=args.item, actor=args.actor, limit=args.limit)
    for e in entries:
        if args.json:
            print(json.dumps({"at": e.at, "actor": e.actor, "action": e.action,
                              "item_id": e.item_id, "reason": e.reason, "via": e.via,
                              "detail": e.detail}))
        else:
            print(_line(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(e.at))} "
                        f"{e.actor} {e.action} {e.item_id} {e.reason} {e.detail}").rstrip())
    return 0


def _verify_audit(args: argparse.Namespace, store) -> int:
    """Walk the audit chain (store/chaincheck.py): 0 intact, 1 broken (the first broken entry
    named), 2 when it cannot be checked (keyed, and no key given; a head not as logged).
    It writes no entry of its own: a check run from cron would be most of the trail."""
    from dlpgate.store.chain import parse_head

    try:
        expect = parse_head(args.head) if args.head else None
    except ValueError as exc:
        print(f"dlpgate: --head {exc}", file=sys.stderr)
        return 2
    state = store.verify_audit(expect=expect)
    if args.json:
        print(json.dumps(state.as_json()))
    else:
        print(state.summary())
    return 1 if state.failed else 2 if state.unchecked else 0


def _acknowledge(args: argparse.Namespace, store) -> int:
    """Record on the chain that a return to a retired key was looked into (store/chainack.py):
    1, with why, when the place is no return --verify reports here, and nothing written."""
    from dlpgate.store.chainack import acknowledge

    if args.verify or args.head:
        print("dlpgate: --acknowledge goes alone (run --verify after it)", file=sys.stderr)
        return 2
    if not store.audit_keys.current:
        print("dlpgate: --acknowledge: quarantine.audit_key is not set here, and an unkeyed "
              "trail has no returns to a retired key", file=sys.stderr)
        return 2
    who = operator()
    if why := acknowledge(store, args.acknowledge, who, typed(args.reason or "")):
        print(f"dlpgate: --acknowledge {args.acknowledge}: {why}", file=sys.stderr)
        return 1
    print(f"the return at place {args.acknowledge} acknowledged by {who}, on the trail; "
          "dlpgate quarantine audit --verify now lists it as acknowledged")
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate import obs
    from dlpgate.review.server import serve_review

    obs.keyed_by(store)
    try:
        asyncio.run(serve_review(settings, store))
    except OSError as exc:
        print(f"dlpgate: cannot listen on {settings.review.listen}: {exc.strerror}",
              file=sys.stderr)
        return 2
    return 0


def _password(args: argparse.Namespace) -> str:
    """From stdin when piped (scripts), else asked twice at the terminal."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("dlpgate: the passwords differ")
    if len(password) < 12:
        raise SystemExit("dlpgate: a password needs at least 12 characters")
    return password


def cmd_users(args: argparse.Namespace, settings: Settings, store) -> int:
    from dlpgate.review.auth import ROLES, hash_password, needs_rehash

    who = operator()
    if args.users_command == "list":
        older = []
        for u in store.users():
            sends = (*u.mailboxes, *([u.username.lower()] if "@" in u.username else []))
            print(f"{u.username}\t{','.join(u.roles)}\t{'disabled' if u.disabled else 'active'}"
                  f"\t{','.join(dict.fromkeys(sends)) or '-'}")
            # the list leaves hashes out; one account's is read where it is judged
            found = None if u.disabled else store.get_user(u.username)
            if found is not None and needs_rehash(found.password_hash):
                older.append(u.username)
        if older:  # on stderr: the columns above are read by scripts
            print(f"{len(older)} active account(s) still have a password hash at an older, "
                  f"cheaper cost until they next sign in (or `users passwd`): "
                  f"{', '.join(older)}", file=sys.stderr)
        return 0
    user = store.get_user(args.username)
    if args.users_command == "add":
        if user is not None:
            print(f"dlpgate: user {args.username} exists; use passwd", file=sys.stderr)
            return 1
        roles = tuple(r.strip() for r in args.roles.split(",") if r.strip())
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            print(f"dlpgate: roles are {', '.join(ROLES)}", file=sys.stderr)
            return 2
        mailboxes = _mailboxes(args.mailbox or ())
        if mailboxes is None:
            return 2
        store.save_user(args.username, hash_password(_password(args)), roles,
                        mailboxes=mailboxes)
        store.audit(AuditEntry(who, "user-add", reason=f"{args.username}: {','.join(roles)}",
                               via="cli", detail=", ".join(mailboxes)))
        print(f"user {args.username} added ({', '.join(roles)})"
              + (f", sending from {', '.join(mailboxes)}" if mailboxes else ""))
        if warning := _unguarded(args.username, roles, mailboxes):
            print(warning, file=sys.stderr)
        return 0
    if user is None:
        print(f"dlpgate: no user {args.username}", file=sys.stderr)
        return 1
    if args.users_command == "mailboxes":
        mailboxes = _mailboxes(args.addresses)
        if mailboxes is None:
            return 2
        store.save_user(user.username, user.password_hash, user.roles, user.disabled,
                        mailboxes)
        store.audit(AuditEntry(who, "user-mailboxes", reason=user.username, via="cli",
                               detail=", ".join(mailboxes)))
        print(f"{user.username} sends from: {', '.join(mailboxes) or 'no mailbox'}")
        if warning := _unguarded(user.username, user.roles, mailboxes):
            print(warning, file=sys.stderr)
        return 0
    if args.users_command == "passwd":
        store.save_user(user.username, hash_password(_password(args)), user.roles,
                        user.disabled, user.mailboxes)
        store.end_sessions(username=user.username)
        store.audit(AuditEntry(who, "user-passwd", reason=user.username, via="cli"))
        print(f"password of {user.username} changed; their sessions ended")
        return 0
    store.save_user(user.username, user.password_hash, user.roles, True, user.mailboxes)
    store.end_sessions(username=user.username)
    store.audit(AuditEntry(who, "user-disable", reason=user.username, via="cli"))
    print(f"user {user.username} disabled; their sessions ended")
    return 0


_MAILBOX = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[a-z0-9-]+")


def _mailboxes(addresses) -> tuple[str, ...] | None:
    """Addresses as they compare (lower case, `history.normalise`), once each; a name and
    address pasted from Outlook ("John Smith <j.smith@...>", "mailto:", a trailing ";") is
    read for its address. None, said, when one holds no address: an entry that can never
    match turned the check off for that account without a word."""
    from email.utils import parseaddr

    from dlpgate.history import normalise

    out: dict[str, None] = {}
    for given in addresses:
        text = given.strip().rstrip(";,").strip()
        if text.lower().startswith("mailto:"):
            text = text[len("mailto:"):]
        address = normalise(parseaddr(text)[1] or text)
        if not _MAILBOX.fullmatch(address):
            print(f"dlpgate: not a mail address: {given!r}", file=sys.stderr)
            return None
        out[address] = None
    return tuple(out)


def _unguarded(username: str, roles: tuple[str, ...], mailboxes: tuple[str, ...]) -> str:
    """The warning for a reviewer with no mailbox known: they can release their own mail."""
    if mailboxes or "@" in username or not ({"reviewer", "admin"} & set(roles)):
        return ""
    return (f"note: {username} has no mailbox, so a message they sent is not known as theirs "
            f"and they can release it: dlpgate users mailboxes {username} ADDRESS...")


def _with_store(settings_of, store_of):
    """Wrap a command so it gets the settings and an open store, closed afterwards."""
    def bind(func):
        def run(args):
            settings = settings_of(args)
            store = store_of(settings)
            try:
                return func(args, settings, store)
            finally:
                store.close()
        return run
    return bind


def register_review(sub, common: argparse.ArgumentParser, settings_of, store_of) -> None:
    """`dlpgate review` and `dlpgate users ...`."""
    bind = _with_store(settings_of, store_of)

    p = sub.add_parser("review", parents=[common], help="run the review web app on its own")
    p.set_defaults(func=bind(cmd_review))
    p = sub.add_parser("users", help="review app accounts")
    usub = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    c = usub.add_parser("add", parents=[common], help="add an account (password from stdin "
                        "or asked)")
    c.add_argument("username", metavar="NAME", help="the account's name (its sign-in name)")
    c.add_argument("--roles", default="reviewer", help="comma-separated: reviewer, admin, "
                   "auditor")
    c.add_argument("--mailbox", action="append", metavar="ADDRESS", help="an address they "
                   "send from (repeat for each); they cannot release mail sent from it")
    c.set_defaults(func=bind(cmd_users))
    c = usub.add_parser("mailboxes", parents=[common], help="set the addresses an account "
                        "sends from (none: clear them)")
    c.add_argument("username", metavar="NAME", help="the account")
    c.add_argument("addresses", nargs="*", metavar="ADDRESS",
                   help="the addresses they send from (replacing those held); none clears them")
    c.set_defaults(func=bind(cmd_users))
    for name, text in (("passwd", "set a new password"), ("disable", "switch an account off")):
        c = usub.add_parser(name, parents=[common], help=text)
        c.add_argument("username", metavar="NAME", help="the account; its sessions end")
        c.set_defaults(func=bind(cmd_users))
    c = usub.add_parser("list", parents=[common],
                        help="accounts: name, roles, state and mailboxes, tab-separated")
    c.set_defaults(func=bind(cmd_users))


def register(sub, common: argparse.ArgumentParser, settings_of, store_of) -> None:
    p = sub.add_parser("quarantine", help="list, show, release, reject, expire and purge "
                       "held messages; read the audit trail")
    qsub = p.add_subparsers(dest="quarantine_command", required=True, metavar="ACTION")

    bind = _with_store(settings_of, store_of)

    c = qsub.add_parser("list", parents=[common], help="held messages, oldest first")
    c.add_argument("--json", action="store_true", help="one JSON object per message")
    c.add_argument("--state", choices=("open", *STATES, "all"), default="open",
                   help="open (default): held or awaiting its sender")
    c.add_argument("--limit", type=int, default=500, metavar="N",
                   help="at most N messages (default 500)")
    c.set_defaults(func=bind(cmd_list))
    c = qsub.add_parser("show", parents=[common], help="why a message was held (no content)")
    c.add_argument("id", metavar="ID", help="the held message's id (its scan id)")
    c.add_argument("--json", action="store_true", help="one JSON object")
    c.set_defaults(func=bind(cmd_show))
    for name, func, verb in (("release", cmd_release, "send it on to the next hop"),
                             ("reject", cmd_reject, "never send it")):
        c = qsub.add_parser(name, parents=[common], help=verb)
        c.add_argument("id", metavar="ID", help="the held message's id (its scan id)")
        c.add_argument("--reason", default="", type=typed,
                       help="why (recorded in the audit trail)")
        c.set_defaults(func=bind(func))
    c = qsub.add_parser("note", parents=[common], help="add a note for the reviewers (neither "
                        "releases nor rejects it)")
    c.add_argument("id", metavar="ID", help="the held message's id (its scan id)")
    c.add_argument("text", metavar="TEXT", type=typed,
                   help="the note (kept in the audit trail)")
    c.set_defaults(func=bind(cmd_note))
    c = qsub.add_parser("expire", parents=[common],
                        help="apply quarantine.retention_days now (serve does it every "
                        "quarantine.expire_interval seconds)")
    c.set_defaults(func=bind(cmd_expire))
    c = qsub.add_parser("purge", parents=[common],
                        help="delete messages decided more than quarantine.decided_days ago "
                        "now (serve does it every quarantine.expire_interval seconds)")
    c.set_defaults(func=bind(cmd_purge))
    c = qsub.add_parser("audit", parents=[common], help="the audit trail, newest first")
    c.add_argument("--item", metavar="ID", help="only entries about this held message")
    c.add_argument("--actor", metavar="NAME", help="only entries by this actor (e.g. cli:ann)")
    c.add_argument("--limit", type=int, default=1000, metavar="N",
                   help="at most N entries (default 1000)")
    c.add_argument("--json", action="store_true", help="one JSON object per entry (with "
                   "--verify: one object saying what the check found)")
    c.add_argument("--verify", action="store_true", help="check the trail's hash chain instead "
                   "of listing it: 'N entries, chain intact, head ...' (exit 0), or the first "
                   "broken entry and what is wrong with it (exit 1)")
    c.add_argument("--head", metavar="N:HASH", help="with --verify: a head logged earlier "
                   "(the audit_chain log line), which the trail must still hold")
    c.add_argument("--acknowledge", type=int, metavar="PLACE", help="record on the trail "
                   "that the return to a retired key --verify reports at place PLACE was "
                   "investigated (e.g. a node left on the old key in a rollout); with --reason")
    c.add_argument("--reason", metavar="WHY", help="with --acknowledge: what the "
                   "investigation found (kept in the audit trail)")
    c.set_defaults(func=bind(cmd_audit))
