"""The review web app: IG reviewers work the quarantine; auditors watch the reviewers.

Server-rendered (Starlette + Jinja2, autoescaped), no JavaScript, no external
assets. Every page needs a signed-in user with the right role; every form
carries the session's CSRF token; every look at a held message (view, reveal)
and every action on one is written to the audit trail with the reviewer's
name and reason. Content (the body, attachment text) is shown only after the
reviewer gives a reason; before that, findings are listed masked.
"""

from __future__ import annotations

import csv
import hmac
import io
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from dlpgate.act.quarantine import (
    OPEN_STATES,
    listed,
    reject,
    reject_and_tell,
    release,
    released_to,
)
from dlpgate.config import Settings
from dlpgate.review import auth, clients, history, links, queue, unread
from dlpgate.review.content import (
    decided_by,
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
from dlpgate.store.base import AuditEntry

COOKIE = "dlpgate_session"
KNOWN_COOKIE = "dlpgate_known"  # a browser someone signed in on: spared their name's slowing
AUDIT_SHOWN = 1000  # entries on the audit page; the export has every one
NOTE_LENGTH = 1000  # characters of a reviewer's note kept
# offered as the audit page's "What" is typed (docs/interface.md lists them all)
AUDIT_ACTIONS = ("view", "reveal", "release", "reject", "note", "list", "search", "sign-in",
                 "sign-in-failed", "sign-in-refused", "sign-out", "release-failed",
                 "release-refused", "reject-refused", "audit-view", "audit-export",
                 "history-show", "history-forget", "false-alarm", "link-refused", "expire")
CSS = (Path(__file__).parent / "templates" / "style.css").read_text()
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Denied(Exception):
    def __init__(self, status: int, why: str, user: Any = None, session: Any = None) -> None:
        self.status, self.why = status, why
        self.user, self.session = user, session  # who was refused, for the page's links


def create_app(settings: Settings, store: Any) -> Starlette:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["when"] = _clock(settings.review.time_zone)
    env.filters["age"] = _age
    cfg = settings.review
    hashing = auth.Hashing(cfg.hashes_at_once)
    unknown_hash = auth.decoy_hash()  # checked for names with no account

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, **ctx)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    # A user the proxy signs in has no session of ours, yet every form still needs a token
    # another site cannot know: the browser sends the proxy's credentials (Kerberos, Basic,
    # an SSO cookie) with a forged cross-site POST as readily as with a real one, and a page
    # elsewhere released a held message in a reviewer's name.
    sso_key = hmac.new(links.link_key(settings, store), b"dlpgate proxy forms", "sha256").digest()
    known_key = hmac.new(links.link_key(settings, store), b"dlpgate known browsers",
                         "sha256").digest()
    throttle = auth.Throttle(store, hmac.new(links.link_key(settings, store),
                                             b"dlpgate sign-in failures", "sha256").digest())

    def sweep() -> None:
        """Lapsed sessions go whenever one begins (a password or proxy sign-in, on any node):
        rows are added only there, so a lapsed one lasts until the next sign-in and the table
        holds little more than the live sessions. Not on a timer: `dlpgate review` runs none
        (the hourly retention loop runs only beside the relay), and sign-ins are few."""
        now = time.time()
        store.prune_sessions(now - cfg.idle_timeout, now - cfg.session_lifetime)

    def proxied(request: Request, user: auth.User) -> auth.Session:
        """The proxy's user's session here, begun (and audited as a `sign-in`, as a password
        sign-in is) when they arrive with none: they had no sign-in on the trail at all. It
        is found by a key made from who they are and where from (no cookie: a client that
        keeps none would begin one a request), lapses like any other session (idle, too
        old; `users disable`, sign-out) and is begun, and audited, once however many
        requests or nodes race to begin it."""
        name = user.username
        client = clients.client_address(request, cfg.trusted_proxies)
        key = auth.token_hash(hmac.new(sso_key, f"session\0{name}\0{client}".encode(),
                                       "sha256").hexdigest())
        request.state.proxy_session = key
        now = time.time()
        held = store.get_session(key)
        if held is None or now - held.last_seen > cfg.idle_timeout or \
                now - held.created > cfg.session_lifetime:
            sweep()
            store.open_session(key, name, auth.form_token(sso_key, key), now - cfg.idle_timeout,
                               now - cfg.session_lifetime,
                               AuditEntry(actor(user), "sign-in", reason="signed in by the proxy",
                                          via="web", detail=client))
        elif now - held.last_seen > 30:
            store.touch_session(key)
        return auth.proxy_session(name, sso_key, key, now, now)

    def current(request: Request) -> tuple[auth.User, auth.Session | None] | None:
        if cfg.trusted_header and clients.trusted(request, cfg.trusted_proxies):
            # named once, or not at all: a proxy that adds its header to the one the browser
            # sent passed both on, and the first, the browser's own, was taken
            named = request.headers.getlist(cfg.trusted_header)
            name = named[0] if len(named) == 1 else ""
            user = store.get_user(name) if name else None
            if user and not user.disabled:
                return user, proxied(request, user)
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        key = auth.token_hash(token)
        session = store.get_session(key)
        now = time.time()
        if session is None:
            return None
        if now - session.last_seen > cfg.idle_timeout or now - session.created > \
                cfg.session_lifetime:
            store.end_sessions(token_hash=key)
            return None
        user = store.get_user(session.username)
        # begun under credentials since changed: `users passwd` and `disable` end the
        # account's sessions, but a sign-in whose password was checked just before the
        # change wrote its session just after, and kept it
        if user is None or user.disabled or session.generation != user.generation:
            store.end_sessions(token_hash=key)
            return None
        if now - session.last_seen > 30:
            store.touch_session(key)
        return user, session

    def need(request: Request, role: str) -> tuple[auth.User, auth.Session | None]:
        found = current(request)
        if found is None:
            raise Denied(401, "sign in")
        if not found[0].can(role):
            raise Denied(403, f"this page needs the {role} role", *found)
        return found

    async def checked_form(request: Request, session: auth.Session | None) -> Any:
        _same_site(request)
        form = await read_form(request)
        if session is not None and not any(_same_token(form.get("csrf"), token) for token in
                                           (session.csrf, session.csrf_before) if token):
            raise Denied(403, "the form's security token is missing or stale; reload the page")
        return form

    def guarded(role: str, handler):
        async def endpoint(request: Request) -> Response:
            try:
                _isolated(request)
                user, session = need(request, role)
                return await handler(request, user, session)
            except Denied as d:
                if d.status == 401:
                    return RedirectResponse(_signed_out(request, COOKIE), 303)
                if d.status == 403 and d.user is not None and request.url.path == "/":
                    # the address everyone is given: an auditor signing in was sent to a page
                    # saying it needs the reviewer role, without even the links to theirs
                    return RedirectResponse(_home(d.user), 303)
                return page(request, "denied.html", d.status, why=d.why, user=d.user,
                            session=d.session)
        return endpoint

    def actor(user: auth.User) -> str:
        return f"web:{user.username}"

    # -- sign in and out ---------------------------------------------------

    async def login(request: Request) -> Response:
        nxt = _safe_next(request.query_params.get("next", "/"))
        # HEAD too (Starlette answers it on a GET route): taken for the form's POST, it was a
        # failed sign-in, and ten from a monitor locked its address out
        if request.method != "POST":
            return page(request, "login.html", next=nxt, error="",
                        ended=_ENDED.get(request.query_params.get("ended", ""), ""))
        try:
            _same_site(request)
        except Denied as d:
            return page(request, "login.html", d.status, next=nxt, error=d.why)
        form = await read_form(request)
        username = str(form.get("username", ""))[:100]
        password = str(form.get("password", ""))
        nxt = _safe_next(str(form.get("next", "/")))
        client = clients.client_address(request, cfg.trusted_proxies)
        # Failures lock out a name at one address and an address; a name from anywhere is
        # only slowed, and not at all on a browser it signed in on before: five wrong
        # passwords typed anywhere against a reviewer's name locked her out (auth.py).
        name = f"user:{username.lower()}"
        network = clients.network(client)
        pair, addr = f"pair:{username.lower()}\0{network}", f"addr:{network}"
        user = store.get_user(username)
        known = auth.check_known_browser(known_key, user, request.cookies.get(KNOWN_COOKIE, ""))
        known = f"known:{known}" if known and not throttle.locked(f"known:{known}") else ""
        # what was typed is recorded only when it names an account: it may be a password
        # typed into the wrong box, or someone's address
        who = f"web:{user.username}" if user else "web:(no such user)"

        def refused(status: int, error: str, action: str = "sign-in-refused",
                    reason: str = "") -> Response:
            clients.refused(store, settings, AuditEntry(who, action, reason=reason, via="web",
                                                        detail=client), client)
            return page(request, "login.html", status, next=nxt, error=error)

        if throttle.locked(pair) or throttle.locked(addr, limit=auth.ADDRESS_FAILURES):
            return refused(429, "Too many failed attempts. Try again in 15 minutes.",
                           reason="too many failed attempts")
        if not known and (wait := throttle.wait(name)):
            return refused(429, "Too many failed attempts at this name. Try again in "
                           f"{_seconds(wait)}, or from a browser you have signed in on before.",
                           reason="too many failed attempts at this name: slowed")
        # Anyone can ask for a hash, so a few run at once and a few more wait (auth.Hashing);
        # past that a try is refused before anything is hashed, but not one from a browser
        # its name signed in on before, which goes before the others waiting: the reviewer
        # gets in while a flood of guesses is turned away.
        if not known and hashing.full():
            return refused(503, "The sign-in page is busy. Try again in a moment.",
                           reason="busy: too many sign-ins being checked")
        # the hash is worked for an unknown name too: answering it at once told an outsider,
        # by the time taken, which names are accounts. It is worked off the event loop, the
        # relay's too (scrypt held every SMTP session still while it ran), so the try is
        # counted as failed first: tries arriving meanwhile see it, as they did when nothing
        # else could run, and the lockout is not passed by sending many at once.
        throttle.failed(pair, addr, name, *([known] if known else []))
        stored = user.password_hash if user else unknown_hash
        matches = await hashing.run(auth.check_evenly, password, stored, unknown_hash,
                                    first=bool(known))
        if user is None or user.disabled or not matches:
            return refused(401, "That user name and password do not match an active account.",
                           "sign-in-failed")
        # the name's and the address's failures stand: another's guessing is not forgiven
        # because the reviewer got in (only this try, counted above)
        throttle.forgive(addr, name)
        throttle.succeeded(pair, *([known] if known else []))
        if auth.needs_rehash(stored):  # made at an older cost: made again at today's
            store.rehash_user(user.username, stored,
                              await hashing.run(auth.hash_password, password, first=True))
        old = request.cookies.get(COOKIE)
        if old:  # never keep a token that existed before sign-in (session fixation)
            store.end_sessions(token_hash=auth.token_hash(old))
        token = auth.new_token()
        sweep()
        store.create_session(auth.token_hash(token), user.username, auth.new_token(),
                             user.generation)
        store.audit(AuditEntry(actor(user), "sign-in", via="web", detail=client))
        response = RedirectResponse(_home(user) if nxt == "/" else nxt, 303)
        response.set_cookie(COOKIE, token, httponly=True, secure=cfg.secure_cookies,
                            samesite="strict", max_age=cfg.session_lifetime, path="/")
        response.set_cookie(KNOWN_COOKIE, auth.known_browser(known_key, user),
                            httponly=True, secure=cfg.secure_cookies, samesite="strict",
                            max_age=auth.KNOWN_BROWSER_DAYS * 86400, path="/login")
        return response

    async def logout(request: Request, user: auth.User, session: auth.Session | None) -> Response:
        await checked_form(request, session)
        token = request.cookies.get(COOKIE)
        if token:
            store.end_sessions(token_hash=auth.token_hash(token))
        if key := getattr(request.state, "proxy_session", None):  # the proxy's next request
            store.end_sessions(token_hash=key)                     # begins a new one
        store.audit(AuditEntry(actor(user), "sign-out", via="web"))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- the queue and a message ------------------------------------------

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
                    reasons=decided_by(item, revealed_reasons(item) if revealed
                                       else reasons_view(item, settings, texts)),
                    bcc=hidden_recipients(item),
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
            opened = await run_in_threadpool(unread.open_held, item.raw, cfg.open_timeout,
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

    # -- audit and dashboard ----------------------------------------------

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
        _audit_looked(request, user, "audit-view", len(entries[:AUDIT_SHOWN]))
        return page(request, "audit.html", user=user, session=session,
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
            **_HEADERS, "Content-Disposition": "attachment; filename=dlpgate-audit.csv"})

    async def dashboard(request: Request, user: auth.User,
                        session: auth.Session | None) -> Response:
        trail = store.audit_log(limit=100_000)
        alarms: Counter[str] = Counter(
            rule for e in trail if e.action == "false-alarm"
            for rule in e.detail.split(",") if rule)
        partial = {e.item_id: {a.lower() for a in got} for e in trail
                   if (got := released_to(e)) is not None}
        return page(request, "dashboard.html", user=user, session=session, alarms=alarms,
                    **_dashboard(listed(store, "all", 100_000), partial))

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
        ctx = {"item": item, "purpose": purpose, "user": None, "error": "", "done": ""}

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

    async def style(request: Request) -> Response:
        return Response(CSS, media_type="text/css", headers=_HEADERS)

    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", _any_role(guarded, logout), methods=["POST"]),
        *queue.routes(page, guarded, actor, store, entity_names(settings)),
        Route("/bulk", guarded("reviewer", bulk), methods=["POST"]),
        Route("/m/{id}", guarded("reviewer", message)),
        Route("/m/{id}/reveal", guarded("reviewer", reveal), methods=["POST"]),
        Route("/m/{id}/note", guarded("reviewer", note), methods=["POST"]),
        Route("/m/{id}/{verb:str}", guarded("reviewer", decide), methods=["POST"]),
        Route("/audit", guarded("auditor", audit_page)),
        Route("/audit.csv", guarded("auditor", audit_csv)),
        Route("/dashboard", _any_role(guarded, dashboard)),
        Route("/l/{token}", link, methods=["GET", "POST"]),
        Route("/style.css", style),
        *history.routes(page, guarded, checked_form, actor, store),
    ]
    app = Starlette(routes=routes)
    app.state.hashing = hashing  # how many passwords are being checked (tests look)
    return app


def _any_role(guarded, handler):
    """Pages every signed-in role may use (sign out, the dashboard's figures)."""
    endpoints = {role: guarded(role, handler) for role in auth.ROLES}

    async def endpoint(request: Request) -> Response:
        for role in ("reviewer", "auditor"):
            response = await endpoints[role](request)
            if response.status_code != 403:
                return response
        return response
    return endpoint


_ENDED = {
    "1": "Your session has ended (it lapses after a while without use, and at sign-out). Sign "
         "in again to go on.",
    "post": "Your session had ended before that reached the server, so nothing was done. Sign "
            "in, and do it again.",
}


def _signed_out(request: Request, cookie: str) -> str:
    """Where someone with no session is sent: the sign-in page, back to the page they were on
    after it. A form's own address is no page: a reviewer whose session lapsed while she
    wrote a release's comment signed in again to "Method Not Allowed", with no word that the
    release had not happened. She is sent back to the message, told nothing was done."""
    path = request.url.path
    ended = ""
    if request.method not in ("GET", "HEAD"):
        parts = path.strip("/").split("/")
        path = f"/m/{parts[1]}" if parts[0] == "m" and len(parts) > 1 else (
            "/history" if parts[0] == "history" else "/")
        ended = "post"
    elif request.cookies.get(cookie):
        ended = "1"
    return f"/login?next={quote(_safe_next(path), safe='/')}" + (f"&ended={ended}" if ended
                                                                  else "")


def _home(user: auth.User) -> str:
    """The first page a user's roles open: the queue, else the audit trail, else the
    dashboard every role may see."""
    if user.can("reviewer"):
        return "/"
    return "/audit" if user.can("auditor") else "/dashboard"


def _seconds(wait: float) -> str:
    n = max(1, int(wait + 0.999))
    return f"{n} second{'s' * (n != 1)}" if n < 120 else f"{(n + 59) // 60} minutes"


def _safe_next(path: str) -> str:
    """Only a path on this site: no scheme, no host, no //evil.example."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "://" in path:
        return "/"
    return path


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


def _same_site(request: Request) -> None:
    """A form posted from another site is refused, by what the browser says of where it
    came from (Fetch Metadata): a page elsewhere signed a reviewer in as someone else, so
    that their reveals and decisions went on the audit trail under the wrong name. Another
    of the council's own sites is another site here (`same-site`: gov.uk is a public suffix,
    so the intranet's pages were let through). Clients that send no such header (scripts,
    the CLI's tests) are not browsers carrying a session. (Not `Origin: null`: under this
    app's no-referrer policy a browser sends that for its own forms too.)"""
    if request.headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
        raise Denied(403, "a form from another site cannot act here; use this site's page")


async def read_form(request: Request) -> Any:
    """A form as this app's forms are: no files, and no field past 64 KB (a reason is kept
    to 500 characters). Anyone could post a file of any size to the sign-in form or a
    sender's link, and it was written to the server's disk, beside the quarantine, while
    the form was read; such a form is refused (400) as it arrives."""
    return await request.form(max_files=0, max_part_size=64 * 1024)


def _same_token(given: object, token: str) -> bool:
    """Whether a form's token is the session's, compared in constant time (as passwords and
    links are): how long `!=` takes says how much of a guess was right. As bytes, for
    compare_digest refuses a str with a character past ASCII, which anyone can send."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())


def _isolated(request: Request) -> None:
    """A page another site's page fetches (a picture, a script, a fetch()) is refused before
    anything is looked up: the browser sends the session, or the proxy's credentials, with
    it, and a page on the intranet put searches for a resident and looks at held mail on
    the audit trail in a reviewer's name. A link followed from elsewhere (the reviewers'
    notice, read in webmail) is a navigation, and opens as ever."""
    site = request.headers.get("sec-fetch-site", "")
    if site in ("cross-site", "same-site") and \
            request.headers.get("sec-fetch-mode", "") != "navigate":
        raise Denied(403, "another site's page cannot fetch this page")


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run: a sender's false-alarm reason of
    '=HYPERLINK("http://...?"&A2&B2, ...)' was a live formula in the exported trail."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _clock(zone: str):
    """Times as reviewers read them, each with its zone's name: a server kept on UTC showed
    British Summer Time an hour off with nothing to say so (the CSV export is in UTC, Z)."""
    import zoneinfo
    from datetime import datetime

    tz = zoneinfo.ZoneInfo(zone) if zone else None

    def when(t: float) -> str:
        return datetime.fromtimestamp(t, tz).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    return when


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


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
        "median_wait": _age(statistics.median(waits)) if waits else "-",
        "release_rate": sorted(((r, sum(v), len(v)) for r, v in decided.items()),
                               key=lambda x: -x[2]),
        "signal_rate": sorted(((s, sum(v), len(v)) for s, v in by_signal.items()),
                              key=lambda x: (-x[2], x[0])),
        "open_count": sum(i.state in OPEN_STATES for i in items),
    }
