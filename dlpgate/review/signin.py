"""Signing in and out: the sign-in page, its lockouts, and sign-out.

A password is checked at scrypt's cost off the event loop, a few at a time (`auth.Hashing`),
the try counted as failed first; failures lock out a name at one address and an address,
and slow a name from anywhere but a browser it signed in on before (`auth.Throttle`).
Every sign-in, refusal and sign-out is on the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dlpgate.config import Settings
from dlpgate.review import auth, clients
from dlpgate.review.session import COOKIE, ENDED, KNOWN_COOKIE, Gate, any_role, home
from dlpgate.review.web import Denied, read_form, safe_next, same_site
from dlpgate.store.base import AuditEntry


def routes(page: Callable[..., Response], gate: Gate, settings: Settings, store: Any,
           hashing: auth.Hashing) -> list[Route]:
    """/login and /logout for `create_app`; `hashing`: the passwords being checked."""
    cfg = settings.review
    unknown_hash = auth.decoy_hash()  # checked for names with no account
    throttle, known_key, sweep = gate.throttle, gate.known_key, gate.sweep
    actor, checked_form = gate.actor, gate.checked_form

    async def login(request: Request) -> Response:
        nxt = safe_next(request.query_params.get("next", "/"))
        # HEAD too (Starlette answers it on a GET route): taken for the form's POST, it was a
        # failed sign-in, and ten from a monitor locked its address out
        if request.method != "POST":
            return page(request, "login.html", next=nxt, error="",
                        ended=ENDED.get(request.query_params.get("ended", ""), ""))
        try:
            same_site(request)
        except Denied as d:
            return page(request, "login.html", d.status, next=nxt, error=d.why)
        form = await read_form(request)
        username = str(form.get("username", ""))[:100]
        password = str(form.get("password", ""))
        nxt = safe_next(str(form.get("next", "/")))
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
        response = RedirectResponse(home(user) if nxt == "/" else nxt, 303)
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

    return [Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", any_role(gate.guarded, logout), methods=["POST"])]


def _seconds(wait: float) -> str:
    n = max(1, int(wait + 0.999))
    return f"{n} second{'s' * (n != 1)}" if n < 120 else f"{(n + 59) // 60} minutes"
