"""What auditors look at: the audit trail, a page of its newest entries and the CSV export
of every one the filters match; and the dashboard's figures, which every role may see.

Each look at the trail is itself on it (`audit-view`, `audit-export`), with its filters and how
many entries it showed: the trail holds residents' addresses.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from dlpgate.act.quarantine import OPEN_STATES, released_to
from dlpgate.review import auth
from dlpgate.review.session import Gate, any_role
from dlpgate.review.web import HEADERS, age
from dlpgate.store.base import AuditEntry

AUDIT_SHOWN = 1000  # entries on the audit page; the export has every one
# the periods the dashboard counts back over, in days, and the one it opens on
PERIODS = (7, 30, 90, 365)
PERIOD = 30
# offered as the audit page's "What" is typed (docs/interface.md lists them all)
AUDIT_ACTIONS = ("view", "reveal", "release", "reject", "note", "list", "search", "sign-in",
                 "sign-in-failed", "sign-in-refused", "sign-out", "release-failed",
                 "release-refused", "reject-refused", "audit-view", "audit-export",
                 "history-show", "history-forget", "false-alarm", "link-refused", "expire",
                 "purge", "retention", "schema-upgrade", "audit-key-changed", "chain-start",
                 "store-copy", "chain-acknowledged")


def routes(page: Callable[..., Response], gate: Gate, store: Any) -> list[Route]:
    """/audit, /audit.csv and /dashboard for `create_app`."""
    actor, guarded = gate.actor, gate.guarded

    def _audit_entries(request: Request) -> list[AuditEntry]:
        """The newest entries the filters match (one more than the page shows, to say there
        are more), each filter asked of the store: the action was asked of the newest 5,000
        of any kind, and a reveal a few days of page views back was not among a reviewer's
        reveals. Refusals held back so far are summarised first (store/bursts.py)."""
        store.audit_summaries()
        return store.audit_log(**_audit_filters(request), limit=AUDIT_SHOWN + 1)

    def _audit_looked(request: Request, user: auth.User, action: str, found: int) -> None:
        """An auditor's look at the trail, or its export, and what it was of: the filters and
        how many entries, as a `list` of the queue says. The trail holds residents' addresses
        (searches, senders), and an export was one entry that said nothing of what left."""
        p = request.query_params
        said = [f"{k}={p[k][:100]!r}" for k in ("item", "actor", "action") if p.get(k)]
        store.audit(AuditEntry(actor(user), action, via="web",
                               detail="; ".join([*said, f"{found} found"])))

    async def audit_page(request: Request, user: auth.User,
                         session: auth.Session | None) -> Response:
        entries = _audit_entries(request)
        # the chain checked on from this process's last look (store/chaincheck.py): the new
        # entries since, not the whole trail at every view
        chain = await run_in_threadpool(store.verify_audit, None, False)
        _audit_looked(request, user, "audit-view", len(entries[:AUDIT_SHOWN]))
        return page(request, "audit.html", user=user, session=session, chain=chain,
                    entries=entries[:AUDIT_SHOWN], more=len(entries) > AUDIT_SHOWN,
                    actions=AUDIT_ACTIONS,
                    shown=AUDIT_SHOWN, params=request.query_params)

    async def audit_csv(request: Request, user: auth.User,
                        session: auth.Session | None) -> Response:
        """Every entry the filters match, streamed a batch at a time; the entry saying so is
        written first, with how many, so an export that fails half way is still on record."""
        filters = _audit_filters(request)
        await run_in_threadpool(store.audit_summaries)
        found, newest = await run_in_threadpool(store.audit_extent, **filters)
        _audit_looked(request, user, "audit-export", found)

        def rows() -> Iterator[str]:
            out = io.StringIO()
            w = csv.writer(out)
            w.writerow(["at", "actor", "action", "item_id", "reason", "via", "detail"])
            for batch in store.audit_batches(**filters, upto=newest):
                for e in batch:
                    w.writerow([time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e.at)), *(
                        _inert(v) for v in (e.actor, e.action, e.item_id, e.reason, e.via,
                                            e.detail))])
                yield out.getvalue()
                out.seek(0)
                out.truncate()
            yield out.getvalue()

        return StreamingResponse(rows(), media_type="text/csv", headers={
            **HEADERS, "Content-Disposition": "attachment; filename=dlpgate-audit.csv"})

    async def dashboard(request: Request, user: auth.User,
                        session: auth.Session | None) -> Response:
        days = _period(request)
        # off the event loop: in `serve` it is the relay's, and a quarter's holds are read
        figures = await run_in_threadpool(_figures, store, days, time.time())
        return page(request, "dashboard.html", user=user, session=session, period=days,
                    periods=PERIODS, **figures)

    return [
        Route("/audit", guarded("auditor", audit_page)),
        Route("/audit.csv", guarded("auditor", audit_csv)),
        Route("/dashboard", any_role(guarded, dashboard)),
    ]


def _audit_filters(request: Request) -> dict[str, Any]:
    """The audit page's filters, as the store is asked them (an empty one is no filter). An
    actor given by name alone ("ann") is that name however it acted, on the web, from a
    shell, or as a sender through a link: the trail's `web:ann` found nothing for "ann", and
    an auditor asking who looked at what had to know how the app spells its actors."""
    p = request.query_params
    actor: str | tuple[str, ...] | None = p.get("actor", "").strip() or None
    if actor and ":" not in actor:
        actor = tuple(f"{via}:{actor}" for via in ("web", "cli", "sender"))
    return {"item_id": p.get("item") or None, "actor": actor,
            "action": p.get("action", "").strip().lower() or None}


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run: a sender's false-alarm reason of
    '=HYPERLINK("http://...?"&A2&B2, ...)' was a live formula in the exported trail."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _period(request: Request) -> int:
    """The days the dashboard counts back, one of PERIODS (another asked for is the default)."""
    asked = request.query_params.get("days", "")
    return int(asked) if asked.isdigit() and int(asked) in PERIODS else PERIOD


def _figures(store: Any, days: int, now: float) -> dict:
    """The dashboard's figures for the holds made in the last `days` days, and how many wait
    now whatever their age. It read the whole records of the oldest 100,000 holds and the
    newest 100,000 audit entries at every look: 4-5 s at 20,000 holds, on the relay's event
    loop, and after a busy year neither this month's holds nor (every page view being an
    entry) last month's false alarms."""
    since = now - days * 86400
    trail = store.audit_log(action=("false-alarm", "release"), since=since, limit=10_000_000)
    alarms: Counter[str] = Counter(
        rule for e in trail if e.action == "false-alarm"
        for rule in e.detail.split(",") if rule)
    partial = {e.item_id: {a.lower() for a in got} for e in trail
               if (got := released_to(e)) is not None}
    figures = _dashboard(store.hold_summaries(since), partial)
    _, figures["open_count"] = store.held_page(OPEN_STATES, limit=0)
    return {**figures, "alarms": alarms}


def _dashboard(items: list, partial: dict[str, set[str]] | None = None) -> dict:
    """`partial`: held id -> the recipients a release to some of them reached. A signal on a
    recipient the reviewer left out counts as not released: the lookalike address they kept
    the message from was 'released' with the rest."""
    partial = partial or {}
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    decided: dict[str, list[bool]] = defaultdict(list)
    by_signal: dict[str, list[bool]] = defaultdict(list)  # holds whose recipients had it
    waits = []
    for i in items:
        day = time.strftime("%Y-%m-%d", time.localtime(i.created))
        for r in i.rules or ("(none)",):
            per_day[day][r] += 1
        if i.state not in ("released", "rejected"):
            continue
        released = i.state == "released"
        for r in i.rules or ("(none)",):
            decided[r].append(released)
        reached = partial.get(i.id)
        outcome: dict[str, bool] = {}
        for r in i.recipients:
            went = released and (reached is None or
                                 str(r.get("address", "")).lower() in reached)
            for s in r.get("signals", ()):
                outcome[s] = outcome.get(s, False) or went
        for signal, went in outcome.items():
            by_signal[signal].append(went)
        if i.updated:
            waits.append(i.updated - i.created)
    days = sorted(per_day, reverse=True)[:14]
    return {
        "days": [(d, per_day[d].most_common()) for d in days],
        "median_wait": age(statistics.median(waits)) if waits else "-",
        "release_rate": sorted(((r, sum(v), len(v)) for r, v in decided.items()),
                               key=lambda x: -x[2]),
        "signal_rate": sorted(((s, sum(v), len(v)) for s, v in by_signal.items()),
                              key=lambda x: (-x[2], x[0])),
    }
