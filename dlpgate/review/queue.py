"""The review app's queue: held messages a page at a time, searched and counted by the store.

The queue listed the oldest 2,000 messages of a state on one page and searched only those:
200 held messages were one long page, a busy year's `all` never reached this month, and a
resident's mail released last week could not be found by searching for them. Now the store
searches every held message (`Store.held_page`) and the page shows `PAGE` of them, with
how many match and links to the pages before and after. The work queue (open, held,
waiting for the sender, releasing) is oldest first, the longest-waiting at the top; decided
messages and `all` newest first, as someone looking one up expects.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlpgate.act.quarantine import OPEN_STATES
from dlpgate.store.base import AuditEntry

if TYPE_CHECKING:
    from dlpgate.review.content import Names

PAGE = 100
STATES = ("open", "held", "awaiting-sender", "releasing", "released", "rejected", "expired",
          "all")
_WORK = ("open", "held", "awaiting-sender", "releasing")


class NoSuchState(ValueError):
    """A state the queue does not know: it is written to the audit trail, so no free text."""


def asked(params: Any) -> tuple[str, str, str, int]:
    """The queue's state, search, rule and page number, as the store is asked them."""
    state = params.get("state", "open")
    if state not in STATES:
        raise NoSuchState(state)
    # control characters (a NUL, a newline) would make an audit entry read as two
    query = "".join(c for c in params.get("q", "") if c.isprintable()).strip().lower()[:200]
    rule = params.get("rule", "")[:100]
    number = params.get("page", "1")
    page = int(number) if number.isdigit() and 0 < len(number) < 7 else 1
    return state, query, rule, max(page, 1)


def states_of(state: str) -> tuple[str, ...] | None:
    return OPEN_STATES if state == "open" else None if state == "all" else (state,)


def routes(page, guarded, actor, store: Any, names: Names) -> list[Route]:
    """The queue's route for `create_app`, built on its page renderer and role guard; `names`:
    each entity in a reviewer's words (`content.entity_names`, as the message's page has them)."""

    async def queue(request: Request, user, session) -> Response:
        try:
            state, query, rule, number = asked(request.query_params)
        except NoSuchState:
            return page(request, "denied.html", 400, why="no such state", user=user,
                        session=session)
        items, total = store.held_page(states_of(state), query, rule, (number - 1) * PAGE,
                                       PAGE, newest_first=state not in _WORK)
        # The queue shows each message's sender address (a person's, mostly), its recipients'
        # domains, its rules and what was found in it: a look at personal data, so each
        # showing is on the trail, one entry a page. A search (looking for a person's mail)
        # is `search` with what was searched for; a page with no search is `list`, as the
        # CLI's `quarantine list` is; both say the filters and how many matched (and which
        # page, past the first), no address.
        rule_said = f"; rule={rule!r}" if rule else ""
        page_said = f"; page {number}" if number > 1 else ""
        store.audit(AuditEntry(actor(user), "search" if query else "list", reason=query,
                               via="web",
                               detail=f"state={state}{rule_said}; {total} found{page_said}"))
        first = (number - 1) * PAGE + 1 if items else 0
        kept = {k: v for k, v in (("state", state if state != "open" else ""), ("q", query),
                                  ("rule", rule)) if v}

        def link(n: int) -> str:
            return "/?" + urlencode({**kept, **({"page": n} if n > 1 else {})})
        return page(request, "queue.html", user=user, session=session, items=items,
                    state=state, q=query, rule=rule, rules=store.held_rules(), now=time.time(),
                    counts=lambda item: counts(item, names), domains=domains,
                    shown_rules=lambda item: shown_rules(item, rule),
                    notice=notice(request.query_params),
                    own=lambda item: user.sent([item.mail_from]), states=STATES,
                    total=total, first=first, last=first + len(items) - 1 if items else 0,
                    previous=link(number - 1) if number > 1 else "",
                    following=link(number + 1) if number * PAGE < total else "",
                    newest_first=state not in _WORK)

    return [Route("/", guarded("reviewer", queue))]


def notice(params: Any) -> str:
    """The queue's notice after a bulk action, in the app's own words: the link's text is
    never shown (anyone could send a reviewer /?n=release everything)."""
    n = params.get("n", "")
    if n == "no-comment":
        return "Nothing done: say why in a comment; it is kept in the audit trail."
    if n in ("release", "reject"):
        try:
            done, of = int(params.get("done", "")), int(params.get("of", ""))
        except ValueError:
            return ""
        own = params.get("own", "")
        mine = f" {own} you sent {'was' if own == '1' else 'were'} left for another reviewer." \
            if own.isdigit() and own != "0" and len(own) < 7 else ""
        return f"{done} of {of} {'released' if n == 'release' else 'rejected'}.{mine}"
    return ""


def counts(item, names: Names) -> str:
    """What was found, each kind in the words the message's page uses ("NHS numbers: 2", "NHS
    number: 1"): the queue said "2 UK_NHS", a policy's name for it, which told a reviewer
    little."""
    c = Counter(f["entity"] for f in item.findings)
    return ", ".join(f"{names.of(e, n)}: {n}" for e, n in c.most_common()) or "none"


def shown_rules(item, wanted: str = "") -> tuple[str, int]:
    """The rules a queue row names, and how many more matched: those whose action was taken
    (`content.deciding_rules`), and the rule filtered on when it was not one of them (a row
    found by a rule must show it). The rest are on the message's page."""
    from dlpgate.review.content import deciding_rules

    taken, rest = deciding_rules(item)
    if wanted in rest:
        taken, rest = [*taken, wanted], [r for r in rest if r != wanted]
    return ", ".join(taken), len(rest)


def domains(item) -> str:
    return ", ".join(sorted({r.rpartition("@")[2].lower() for r in item.rcpt_tos}))
