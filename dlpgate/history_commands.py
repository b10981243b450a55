"""`dlpgate history show | forget | expire | stats`: the correspondence history as personal data.

What dlpgate learns of the council's mail flow (who writes to whom, how often, when,
keyed hashes of what went to them) is personal data of the people written to. An
information-governance officer answering a subject access request needs to say what
is held about an address (`show`); an erasure request needs it gone (`forget`); and
it is kept only `recipients.history_days` (`expire`, which `serve` also runs every
`quarantine.expire_interval`). `show` and `forget` are written to the audit trail
under the operator's name, the address itself left out: a record of an erasure that
kept the address would keep what was erased. The operator's `--reason` (a request's
reference) is what ties the entry to the request.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime

from dlpgate.config import Settings
from dlpgate.history import getaddresses, is_address, normalise
from dlpgate.review.commands import _with_store, operator, typed
from dlpgate.store.base import AuditEntry, HistoryHeld, dumps, retention_entry


def _date(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d")


def _as_json(held: HistoryHeld) -> dict:
    return {
        "address": held.address,
        "written_by": [{"sender": s, "count": c.count, "first_seen": c.first_seen,
                        "last_seen": c.last_seen, "replied": c.replied, "joined": c.joined,
                        "smallest": c.smallest} for s, c in held.written_by],
        "writes_to": held.writes_to, "profile_rows": held.profile_rows,
        "group_rows": held.group_rows, "spellings": held.spellings,
    }


_QUOTED = re.compile(r'"[^"\\\x00-\x1f]{1,64}"@[^\s<>(),;:"\[\]@]+\.[^\s<>(),;:"\[\]@]+')


def _addresses(given: list[str]) -> list[str] | None:
    """The addresses the arguments hold, however they were pasted: bare, with a display
    name ("Sarah Jones <sarah.jones@nhs.net>"), as mailto:, quoted, or with the comma or
    semicolon of a list. An argument that holds none is refused, by its position (no
    personal data in the message): an erasure request must not succeed on nothing."""
    got = []
    for n, text in enumerate(given, 1):
        text = re.sub(r"(?i)\bmailto:", "", text).replace(";", ",").strip()
        if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]  # an address pasted in quotes
        # a quoted local part ("Sarah Khan"@nhs.net) is an address the relay may have learned
        found = [a for _, a in getaddresses([text]) if is_address(a) or _QUOTED.fullmatch(a)]
        if not found:
            print(f"dlpgate: argument {n} is not an address (nothing was looked up or "
                  "erased)", file=sys.stderr)
            return None
        got += [normalise(a) for a in found]
    return list(dict.fromkeys(got))


def cmd_show(args: argparse.Namespace, settings: Settings, store) -> int:
    addresses = _addresses(args.addresses)
    if addresses is None:
        return 2
    store.audit(AuditEntry(operator(), "history-show", reason=args.reason, via="cli",
                           detail=f"{len(addresses)} address(es)"))
    for address in addresses:
        held = store.held_about(address)
        if args.json:
            print(json.dumps(_as_json(held)))
            continue
        print(address)
        if not held.written_by:
            print("  no one here has written to it")
        for sender, c in held.written_by:
            if c.count:
                extra = ", has written back" if c.replied else ""
                fewest = f", fewest recipients {c.smallest}" if c.smallest else ""
                print(f"  from {sender}: {c.count} message(s), {_date(c.first_seen)} to "
                      f"{_date(c.last_seen)}{extra}{fewest}")
            else:
                print(f"  has written to {sender} (never written to), last {_date(c.last_seen)}")
        if held.writes_to:
            print(f"  as a sender here: has written to {held.writes_to} address(es)")
        print(f"  content profile: {held.profile_rows} keyed word hash(es), no text; "
              f"groups: {held.group_rows} co-recipient pair(s); near-spelling keys: "
              f"{held.spellings}")
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings, store) -> int:
    addresses = _addresses(args.addresses)
    if addresses is None:
        return 2
    done = store.forget(addresses)
    store.audit(AuditEntry(operator(), "history-forget", reason=args.reason, via="cli",
                           detail=dumps({"addresses": len(addresses), **done})))
    print(f"forgot {len(addresses)} address(es): " + ", ".join(
        f"{n} {table} row(s)" for table, n in done.items()))
    print("held messages and the decisions log are not history: quarantine retention and "
          "the review app deal with those")
    return 0


def cmd_expire(args: argparse.Namespace, settings: Settings, store) -> int:
    days = settings.recipients.history_days
    if days is None:
        print("recipients.history_days is null: history is kept for ever")
        return 0
    cutoff = time.time() - days * 86400
    done = store.expire_history(cutoff)
    words = store.expire_words(cutoff)
    if any(done.values()) or words:
        store.audit(retention_entry("correspondence history", days, {**done, "words": words}))
    print(f"{done['pairs']} sender-recipient pair(s) and {done['domains']} domain(s) not seen "
          f"for {days} days removed, and {words} content-profile word(s) not sent for as long")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings, store) -> int:
    stats = store.history_stats()
    if args.json:
        print(json.dumps({**stats, "history_days": settings.recipients.history_days}))
        return 0
    print(f"{stats['pairs']} sender-recipient pair(s): {stats['senders']} sender(s) here to "
          f"{stats['addresses']} address(es) at {stats['domains']} domain(s); "
          f"{stats['replied']} have written back")
    if stats["pairs"]:
        print(f"last messages from {_date(stats['oldest_last_seen'])} to "
              f"{_date(stats['newest_last_seen'])}")
    print(f"content profiles: {stats['profile_words']} keyed word hash(es); groups: "
          f"{stats['group_pairs']} co-recipient pair(s)")
    days = settings.recipients.history_days
    print("kept for ever (recipients.history_days: null)" if days is None else
          f"kept {days} days after the last message (recipients.history_days)")
    return 0


def register(hsub, common: argparse.ArgumentParser, settings_of, store_of) -> None:
    """The actions beside `history import` and `history learn`."""
    bind = _with_store(settings_of, store_of)
    c = hsub.add_parser("show", parents=[common],
                        help="what the history holds about an address (no text)")
    c.add_argument("addresses", nargs="+", metavar="ADDRESS",
                   help="an address, as a mail client shows it")
    c.add_argument("--json", action="store_true", help="one JSON object per address")
    c.add_argument("--reason", default="", type=typed,
                   help="why (a request's reference; audited)")
    c.set_defaults(func=bind(cmd_show))
    c = hsub.add_parser("forget", parents=[common],
                        help="erase every history row that names an address")
    c.add_argument("addresses", nargs="+", metavar="ADDRESS",
                   help="an address, as a mail client shows it")
    c.add_argument("--reason", default="", type=typed,
                   help="why (a request's reference; audited)")
    c.set_defaults(func=bind(cmd_forget))
    c = hsub.add_parser("stats", parents=[common],
                        help="how much history is held, and how old (no addresses)")
    c.add_argument("--json", action="store_true", help="one JSON object")
    c.set_defaults(func=bind(cmd_stats))
    c = hsub.add_parser("expire", parents=[common],
                        help="apply recipients.history_days now (serve does it every "
                        "quarantine.expire_interval seconds)")
    c.set_defaults(func=bind(cmd_expire))
