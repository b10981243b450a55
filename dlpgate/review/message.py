"""A held message's page and what a reviewer does there: look (a `view`), give a reason to read
it (`reveal`), add a note, release or reject it; and release or reject several at once from the
queue (`/bulk`), with the same checks.

Every showing of the page is on the audit trail, whatever its status. A reviewer who sent the
message may not release it: another reviewer decides. A message held
unread (its scan failed too often) is never parsed in this process; a reveal opens it in a
process of its own (`unread`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dlpgate.act.notify import gathered
from dlpgate.act.quarantine import OPEN_STATES, reject_and_tell, release
from dlpgate.config import Settings
from dlpgate.review import auth, recipients, unread
from dlpgate.review.content import (
    decided_by,
    deciding_rules,
    entity_names,
    findings_view,
    hidden_recipients,
    part_texts,
    plain_notes,
    reasons_view,
    revealed_parts,
    revealed_reasons,
    senders,
)
from dlpgate.review.session import Gate
from dlpgate.review.web import Denied
from dlpgate.store.base import AuditEntry

NOTE_LENGTH = 1000  # characters of a reviewer's note kept


def routes(page: Callable[..., Response], gate: Gate, settings: Settings,
           store: Any) -> list[Route]:
    """The message's routes and /bulk for `create_app`."""
    cfg = settings.review
    open_held = unread.Opener()  # this app's: a bound on openings at once
    actor, checked_form, guarded = gate.actor, gate.checked_form, gate.guarded

    async def message(request: Request, user: auth.User,
                      session: auth.Session | None) -> Response:
        item = store.get_held(request.path_params["id"])
        if item is None:
            raise Denied(404, "no such held message")
        return await _message_page(request, user, session, item, revealed=None)

    async def _message_page(request, user, session, item, revealed, status=200, notice="",
                            texts=None, after="", opened=None):
        """The message page, and its `view` entry: every showing of it is a look at the
        message (its findings masked, its recipients, its reasons), whatever the status. A
        reveal asked without a reason answered 400 with the whole page and left no trace.
        `after`: what the page is shown after (a reveal, a release refused), in the app's own
        words, kept in the entry's detail with the status; a plain look has none."""
        if texts is None:  # one parse a page, off the event loop: a scan's OCR takes seconds
            texts = await run_in_threadpool(part_texts, item, settings)
        store.audit(AuditEntry(actor(user), "view", item.id, via="web",
                               detail=f"{status} after {after}" if after else ""))
        history = list(reversed(store.audit_log(item_id=item.id, limit=200)))
        # asked of the one action: two hundred looks at the page would push a note out of
        # the history's newest entries
        notes = list(reversed(store.audit_log(item_id=item.id, action="note", limit=200)))
        written = senders(item)
        return page(request, "message.html", status, user=user, session=session, item=item,
                    findings=findings_view(item, settings, texts), revealed=revealed,
                    unread=plain_notes(getattr(texts, "notes", ())),
                    history=history, notes=notes, names=entity_names(settings),
                    reasons=[gathered(told, item.rcpt_tos) for told in decided_by(
                        item, revealed_reasons(item) if revealed
                        else reasons_view(item, settings, texts))],
                    rules=deciding_rules(item),
                    bcc=hidden_recipients(item), recipient_rows=recipients.rows(item.recipients),
                    open=item.state in OPEN_STATES, own=user.sent(written),
                    written_from=[a for a in dict.fromkeys(written[1:])
                                  if a.lower() != item.mail_from.lower()],
                    notice=notice, opened=opened)

    async def reveal(request: Request, user: auth.User, session: auth.Session | None) -> Response:
        form = await checked_form(request, session)
        item = store.get_held(request.path_params["id"])
        if item is None:
            raise Denied(404, "no such held message")
        reason = str(form.get("reason", "")).strip()
        if len(reason) < 5:
            return await _message_page(
                request, user, session, item, None, 400,
                "Say why you need to read this message (at least a few words).",
                after="reveal without a reason")
        store.audit(AuditEntry(actor(user), "reveal", item.id, reason=reason[:500], via="web"))
        texts = await run_in_threadpool(part_texts, item, settings)
        if item.unread:  # never parsed here: in a process of its own, limited (`unread`)
            opened = await run_in_threadpool(open_held, item.raw, cfg.open_timeout,
                                             settings.scan.worker_memory)
            return await _message_page(request, user, session, item, None, texts=texts,
                                       after=f"reveal; {opened.outcome}", opened=opened)
        return await _message_page(request, user, session, item,
                                   revealed_parts(item, settings, texts), texts=texts,
                                   after="reveal")

    async def note(request: Request, user: auth.User, session: auth.Session | None) -> Response:
        """A note on a held message for the other reviewers ("phoned the sender: the address
        is her solicitor's"), neither a release nor a reject: written to the audit trail as a
        `note`, in the reviewer's name, and shown on the message's page. A team that works
        a message over a day had nowhere to say what it had found out but the decision."""
        form = await checked_form(request, session)
        item = store.get_held(request.path_params["id"])
        if item is None:
            raise Denied(404, "no such held message")
        text = " ".join(str(form.get("note", "")).split())[:NOTE_LENGTH]
        if not text:
            return await _message_page(request, user, session, item, None, 400,
                                       "Write the note before adding it.",
                                       after="note without its text")
        store.audit(AuditEntry(actor(user), "note", item.id, reason=text, via="web"))
        return await _message_page(request, user, session, item, None, 200, "Note added.",
                                   after="note")

    def _own(user: auth.User, item_id: str, comment: str):
        """The held message when the reviewer may not release it (they sent it), the attempt
        audited; None when they may. Checked before anything is claimed, so it stays held for
        another reviewer."""
        item = store.get_held(item_id)
        if item is None or item.state not in OPEN_STATES or not user.sent(senders(item)):
            return None  # a decided one is refused as decided, below
        store.audit(AuditEntry(actor(user), "release-refused", item_id, reason=comment,
                               via="web", detail="the reviewer sent it"))
        return item

    async def decide(request: Request, user: auth.User, session: auth.Session | None) -> Response:
        verb = request.path_params["verb"]
        if verb not in ("release", "reject"):  # before anything: it is named in the trail
            raise Denied(404, "no such action")
        form = await checked_form(request, session)
        item_id = request.path_params["id"]
        comment = str(form.get("comment", "")).strip()[:500]
        if not comment:  # the audit trail's record of why: a space is no reason
            item = store.get_held(item_id)
            if item is None:
                raise Denied(404, "no such held message")
            return await _message_page(request, user, session, item, None, 400,
                                       "Say why in a comment: it is kept in the audit trail.",
                                       after=f"{verb} without a comment")
        if verb == "release":
            if (mine := _own(user, item_id, comment)) is not None:
                return await _message_page(
                    request, user, session, mine, None, 403, "You sent this message: another "
                    "reviewer decides whether it is released.", after="release-refused")
            only = tuple(str(r) for r in form.getlist("rcpt"))
            result = await release(store, settings, item_id, actor(user), comment, "web",
                                   only=only)
        else:
            result = await reject_and_tell(store, settings, item_id, actor(user), comment, "web")
        if not result.ok and result.state not in OPEN_STATES:
            # refused because another decision came first (a next hop's failure is audited
            # as release-failed, by release itself)
            store.audit(AuditEntry(actor(user), f"{verb}-refused", item_id, reason=comment,
                                   via="web", detail=result.message[:200]))
        item = store.get_held(item_id)
        if item is None:
            raise Denied(404, "no such held message")
        return await _message_page(request, user, session, item, None, 200 if result.ok else 409,
                                   result.message, after=verb)

    async def bulk(request: Request, user: auth.User, session: auth.Session | None) -> Response:
        form = await checked_form(request, session)
        verb = form.get("verb")
        comment = str(form.get("comment", "")).strip()[:500]
        done = own = 0
        ids = list(dict.fromkeys(form.getlist("ids")))  # one ticked twice is one message
        if not comment:
            return RedirectResponse("/?n=no-comment", 303)
        for item_id in ids:
            if verb == "release":
                if _own(user, str(item_id), comment) is not None:
                    own += 1
                    continue
                result = await release(store, settings, str(item_id), actor(user), comment, "web")
            elif verb == "reject":
                result = await reject_and_tell(store, settings, str(item_id), actor(user),
                                               comment, "web")
            else:
                raise Denied(400, "choose release or reject")
            done += result.ok
        return RedirectResponse(f"/?n={verb}&done={done}&of={len(ids)}&own={own}", 303)

    return [
        Route("/bulk", guarded("reviewer", bulk), methods=["POST"]),
        Route("/m/{id}", guarded("reviewer", message)),
        Route("/m/{id}/reveal", guarded("reviewer", reveal), methods=["POST"]),
        Route("/m/{id}/note", guarded("reviewer", note), methods=["POST"]),
        Route("/m/{id}/{verb:str}", guarded("reviewer", decide), methods=["POST"]),
    ]
