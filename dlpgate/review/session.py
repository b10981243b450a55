"""Who is asking, and may they: the sessions behind every page but the sign-in page and a
sender's link.

A request is someone's when it carries a live session cookie, or comes through the trusted
proxy naming them (`review.trusted_header`), which begins a session of ours for them. Each
page is wrapped by `Gate.guarded` with the role it needs; each form is read by
`Gate.checked_form`, which wants the session's CSRF token. Someone with no session is sent to
sign in, and back to where they were after it.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dlpgate.config import Settings
from dlpgate.review import auth, clients, links
from dlpgate.review.web import Denied, isolated, read_form, safe_next, same_site, same_token
from dlpgate.store.base import AuditEntry

COOKIE = "dlpgate_session"
KNOWN_COOKIE = "dlpgate_known"  # a browser someone signed in on: spared their name's slowing


@dataclass(frozen=True)
class Gate:
    """What each page's module is handed to know who is asking (`gate` makes it)."""

    checked_form: Callable[..., Any]  # async (request, session) -> the form, its token checked
    guarded: Callable[..., Any]  # (role, handler) -> an endpoint that needs that role
    actor: Callable[[auth.User], str]  # the user as the audit trail names them
    sweep: Callable[[], None]
    throttle: auth.Throttle  # failed sign-ins, by name, address and browser
    known_key: bytes  # signs the cookie of a browser someone signed in on


def gate(settings: Settings, store: Any, page: Callable[..., Response]) -> Gate:
    """The session functions over `store`; `page` renders the refusal page."""
    cfg = settings.review

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
        same_site(request)
        form = await read_form(request)
        if session is not None and not any(same_token(form.get("csrf"), token) for token in
                                           (session.csrf, session.csrf_before) if token):
            raise Denied(403, "the form's security token is missing or stale; reload the page")
        return form

    def guarded(role: str, handler):
        async def endpoint(request: Request) -> Response:
            try:
                isolated(request)
                user, session = need(request, role)
                return await handler(request, user, session)
            except Denied as d:
                if d.status == 401:
                    return RedirectResponse(signed_out(request, COOKIE), 303)
                if d.status == 403 and d.user is not None and request.url.path == "/":
                    # the address everyone is given: an auditor signing in was sent to a page
                    # saying it needs the reviewer role, without even the links to theirs
                    return RedirectResponse(home(d.user), 303)
                return page(request, "denied.html", d.status, why=d.why, user=d.user,
                            session=d.session)
        return endpoint

    def actor(user: auth.User) -> str:
        return f"web:{user.username}"

    return Gate(checked_form=checked_form, guarded=guarded, actor=actor, sweep=sweep,
                throttle=throttle, known_key=known_key)


def any_role(guarded, handler):
    """Pages every signed-in role may use (sign out, the dashboard's figures)."""
    endpoints = {role: guarded(role, handler) for role in auth.ROLES}

    async def endpoint(request: Request) -> Response:
        for role in ("reviewer", "auditor"):
            response = await endpoints[role](request)
            if response.status_code != 403:
                return response
        return response
    return endpoint


ENDED = {
    "1": "Your session has ended (it lapses after a while without use, and at sign-out). Sign "
         "in again to go on.",
    "post": "Your session had ended before that reached the server, so nothing was done. Sign "
            "in, and do it again.",
}


def signed_out(request: Request, cookie: str) -> str:
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
    return f"/login?next={quote(safe_next(path), safe='/')}" + (f"&ended={ended}" if ended
                                                                 else "")


def home(user: auth.User) -> str:
    """The first page a user's roles open: the queue, else the audit trail, else the
    dashboard every role may see."""
    if user.can("reviewer"):
        return "/"
    return "/audit" if user.can("auditor") else "/dashboard"
