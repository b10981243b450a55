"""The review app's history page: a subject access or erasure request, for IG staff.

The same store calls as `dlpgate history show | forget` (store/keeping.py), for the admin
role. Looking an address up is a look at personal data, so it needs a reason (the
request's reference) and is audited as `history-show`; erasing needs the box ticked and
is audited as `history-forget` with the rows deleted. Neither audit entry keeps the
address: the reference ties the entry to the request. Both read whole tables (an address
on the far side of a profile or group row has no index), so they run in a thread: the
app shares its event loop with the relay.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlpgate.history import normalise
from dlpgate.store.base import AuditEntry, dumps


def routes(page, guarded, checked_form, actor, store: Any) -> list[Route]:
    """Routes for `create_app`, built on its page renderer, role guard and CSRF check."""

    async def _asked(request: Request, session) -> tuple[str, str, str]:
        form = await checked_form(request, session)
        address = normalise(str(form.get("address", "")))
        reason = str(form.get("reason", "")).strip()[:500]
        problem = "" if "@" in address.strip("@") else "Give an email address."
        if not problem and len(reason) < 3:
            problem = "Give the request's reference or why you need this (a few characters)."
        return address, reason, problem

    async def lookup(request: Request, user, session) -> Response:
        if request.method == "GET":
            return page(request, "history.html", user=user, session=session)
        address, reason, problem = await _asked(request, session)
        if problem:
            return page(request, "history.html", 400, user=user, session=session,
                        notice=problem, address=address, reason=reason)
        store.audit(AuditEntry(actor(user), "history-show", reason=reason, via="web",
                               detail="1 address(es)"))
        held = await asyncio.to_thread(store.held_about, address)
        return page(request, "history.html", user=user, session=session, address=address,
                    reason=reason, held=held)

    async def forget(request: Request, user, session) -> Response:
        address, reason, problem = await _asked(request, session)
        form = await request.form()  # read already, by checked_form (app.read_form)
        if not problem and form.get("confirm") != "yes":
            problem = "Tick the box to confirm the erasure."
        if problem:
            held = None
            if "@" in address and len(reason) >= 3:
                # only the box is missing: what it would erase is shown, and that is a look
                # at the history like any other (before, with no reason and no audit entry)
                store.audit(AuditEntry(actor(user), "history-show", reason=reason, via="web",
                                       detail="1 address(es)"))
                held = await asyncio.to_thread(store.held_about, address)
            return page(request, "history.html", 400, user=user, session=session,
                        notice=problem, address=address, reason=reason, held=held)
        done = await asyncio.to_thread(store.forget, [address])
        store.audit(AuditEntry(actor(user), "history-forget", reason=reason, via="web",
                               detail=dumps({"addresses": 1, **done})))
        return page(request, "history.html", user=user, session=session, address=address,
                    reason=reason, forgotten=done)

    return [Route("/history", guarded("admin", lookup), methods=["GET", "POST"]),
            Route("/history/forget", guarded("admin", forget), methods=["POST"])]
