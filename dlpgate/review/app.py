"""The review web app: IG reviewers work the quarantine; auditors watch the reviewers.

Server-rendered (Starlette + Jinja2, autoescaped), no JavaScript, no external
assets. Every page needs a signed-in user with the right role; every form
carries the session's CSRF token; every look at a held message (view, reveal)
and every action on one is written to the audit trail with the reviewer's
name and reason. Content (the body, attachment text) is shown only after the
reviewer gives a reason; before that, findings are listed masked.

Where each part lives: sign-in and sign-out in `signin`, who is asking (sessions, roles,
form tokens) in `session`, what every page shares (headers, form reading, request checks) in
`web`; the queue in `queue`, a message's page and its actions in `message`, the audit trail
and dashboard in `audit`, a sender's link in `sender`, correspondence history in `history`.
Every route is listed below, in the order they are matched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dlpgate.config import Settings
from dlpgate.review import audit, auth, history, message, queue, sender, session, signin
from dlpgate.review.content import entity_names
from dlpgate.review.web import CSS, HEADERS, age, clock


def create_app(settings: Settings, store: Any) -> Starlette:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["when"] = clock(settings.review.time_zone)
    env.filters["age"] = age
    hashing = auth.Hashing(settings.review.hashes_at_once)

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, **ctx)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    async def style(request: Request) -> Response:
        return Response(CSS, media_type="text/css", headers=HEADERS)

    gate = session.gate(settings, store, page)
    routes = [
        *signin.routes(page, gate, settings, store, hashing),  # /login, /logout
        *queue.routes(page, gate.guarded, gate.actor, store, entity_names(settings)),  # /
        *message.routes(page, gate, settings, store),  # /bulk, /m/{id}[/reveal|note|VERB]
        *audit.routes(page, gate, store),  # /audit, /audit.csv, /dashboard
        *sender.routes(page, settings, store),  # /l/{token}
        Route("/style.css", style),
        *history.routes(page, gate.guarded, gate.checked_form, gate.actor, store),
    ]
    async def failed(request: Request, exc: Exception) -> HTMLResponse:
        # Starlette's bare "Internal Server Error" left a reviewer without a way back; the
        # exception is raised on after this answer, so the server still logs it (masked)
        return page(request, "failed.html", 500)

    app = Starlette(routes=routes, exception_handlers={Exception: failed})
    app.state.hashing = hashing  # how many passwords are being checked (tests look)
    return app
