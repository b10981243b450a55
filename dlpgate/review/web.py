"""What every page of the review app shares: the headers each response carries, the refusal
a handler raises (`Denied`), how a form is read, the checks on where a request comes from, and
how times are written.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from starlette.requests import Request

CSS = (Path(__file__).parent / "templates" / "style.css").read_text()
HEADERS = {
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


def safe_next(path: str) -> str:
    """Only a path on this site: no scheme, no host, no //evil.example."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "://" in path:
        return "/"
    return path


def same_site(request: Request) -> None:
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


def same_token(given: object, token: str) -> bool:
    """Whether a form's token is the session's, compared in constant time (as passwords and
    links are): how long `!=` takes says how much of a guess was right. As bytes, for
    compare_digest refuses a str with a character past ASCII, which anyone can send."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())


def isolated(request: Request) -> None:
    """A page another site's page fetches (a picture, a script, a fetch()) is refused before
    anything is looked up: the browser sends the session, or the proxy's credentials, with
    it, and a page on the intranet put searches for a resident and looks at held mail on
    the audit trail in a reviewer's name. A link followed from elsewhere (the reviewers'
    notice, read in webmail) is a navigation, and opens as ever."""
    site = request.headers.get("sec-fetch-site", "")
    if site in ("cross-site", "same-site") and \
            request.headers.get("sec-fetch-mode", "") != "navigate":
        raise Denied(403, "another site's page cannot fetch this page")


def clock(zone: str):
    """Times as reviewers read them, each with its zone's name: a server kept on UTC showed
    British Summer Time an hour off with nothing to say so (the CSV export is in UTC, Z)."""
    import zoneinfo
    from datetime import datetime

    tz = zoneinfo.ZoneInfo(zone) if zone else None

    def when(t: float) -> str:
        return datetime.fromtimestamp(t, tz).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    return when


def age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
