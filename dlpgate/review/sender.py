"""A sender's page: the link in a notice about their held message (confirm it, send it now,
cancel it, or say it was a false alarm), which needs no sign-in, the link being the credential.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlpgate.act.notify import sender_reasons, subject_of
from dlpgate.act.quarantine import reject, release
from dlpgate.config import Settings
from dlpgate.review import clients, links
from dlpgate.review.web import read_form
from dlpgate.store.base import AuditEntry


def routes(page: Callable[..., Response], settings: Settings, store: Any) -> list[Route]:
    """/l/{token} for `create_app`."""
    cfg = settings.review

    async def link(request: Request) -> Response:
        """A sender's link from a notice: shown on GET, acted on only by the POST it offers.

        (Mail scanners fetch links to check them; a GET must never release anything.)

        Each showing of the page is a look at the message (its recipients, why it was held),
        so each is on the audit trail as a reviewer's is: a `view` via `link` in the sender's
        name (whoever holds the link: a scanner fetching it too), its detail the link's
        purpose and, after a POST, the status and what it followed. An action is also its
        own entry: `release`, `reject`, `false-alarm`, or `release-refused` / `reject-refused`
        when the message was no longer waiting for its sender. A link that cannot be used is
        `link-refused`, with the client's address as a refused sign-in has; the token is kept
        only as a fingerprint, for it is a credential. Before, only a successful action was
        recorded: a link opened, a used one tried again, a forged one, left no trace."""
        token = request.path_params["token"]
        try:
            item_id, purpose = links.check(links.link_key(settings, store), token)
        except links.LinkError as exc:
            item = store.get_held(exc.item_id) if exc.item_id else None
            why = f"purpose={exc.purpose}; 410 expired" if exc.item_id else \
                f"410 not valid; token {links.fingerprint(token)}"
            _link_refused(request, item, exc.item_id, why)
            return page(request, "link.html", 410, error=str(exc), user=None)
        item = store.get_held(item_id)
        if item is None:
            _link_refused(request, None, item_id, f"purpose={purpose}; 404 no longer held")
            return page(request, "link.html", 404, error="That message is no longer held.",
                        user=None)
        who = f"sender:{item.mail_from}"
        ctx = {"item": item, "purpose": purpose, "user": None, "error": "", "done": "",
               "subject": subject_of(item), "reasons": sender_reasons(item)}

        def shown(status: int = 200, after: str = "", **more: str) -> Response:
            store.audit(AuditEntry(who, "view", item_id, via="link", detail=f"purpose={purpose}"
                                   + (f"; {status} after {after}" if after else "")))
            return page(request, "link.html", status, **{**ctx, **more})

        # anything but the POST only shows: Starlette answers HEAD on a GET route, and a HEAD
        # (as link checkers send) went on to act, cancelling or sending the message
        if request.method != "POST":
            return shown()
        form = await read_form(request)
        reason = str(form.get("reason", "")).strip()[:500]
        waiting = ("awaiting-sender",)
        if purpose == "false-alarm":
            after = "false-alarm already recorded"
            # asked of the one action: a message's page seen a thousand times (each a `view`)
            # pushed its false alarm out of the newest thousand entries, and it was recorded again
            if not store.audit_log(item_id=item_id, action="false-alarm", limit=1):
                store.audit(AuditEntry(who, "false-alarm", item_id, reason=reason, via="link",
                                       detail=",".join(item.rules)))
                after = "false-alarm"
            return shown(200, after, done="Thank you: recorded against the rules that held "
                                          "your message.")
        if purpose == "confirm" and len(reason) < 5:
            return shown(400, "confirm without a reason",
                         error="Say in a few words why it is meant to go.")
        verb = "reject" if purpose == "cancel" else "release"
        said = reason or ("cancelled by the sender" if verb == "reject" else purpose)
        if verb == "release":
            result = await release(store, settings, item_id, who, said, "link", states=waiting)
        else:
            result = reject(store, item_id, who, said, "link", states=waiting)
        if not result.ok:
            if result.refused:  # a release tried and failed is audited by release itself
                store.audit(AuditEntry(who, f"{verb}-refused", item_id, reason=said, via="link",
                                       detail=result.message[:200]))
            used = result.state not in ("", "held", "awaiting-sender")
            error = (f"This link has already been used, or someone else has decided: the "
                     f"message is {result.state}." if used else result.message)
            return shown(409, purpose, error=error)
        done = {"confirm": "Confirmed: your message has been sent.",
                "send-now": "Your message has been sent.",
                "cancel": "Cancelled: your message will not be sent."}[purpose]
        return shown(200, purpose, done=done)

    def _link_refused(request: Request, item, item_id: str, why: str) -> None:
        """A link that could not be used: in its sender's name when the message it names is
        known (an expired link's signature was good), else `sender:(unknown)`."""
        who = f"sender:{item.mail_from}" if item is not None else "sender:(unknown)"
        client = clients.client_address(request, cfg.trusted_proxies)
        clients.refused(store, settings, AuditEntry(who, "link-refused", item_id, via="link",
                                                    detail=f"{why}; {client}"), client)

    return [Route("/l/{token}", link, methods=["GET", "POST"])]
