"""Who may use the review app: local accounts, password hashes, sessions, throttling.

Passwords are hashed with scrypt (the standard library's, memory-hard) and a
random salt; only the hash is stored. Sessions live in the store, so any node
can serve them and signing out ends them everywhere; the cookie carries a
random token and the store keeps only its SHA-256. Each session has its own
CSRF token, required on every form.

Failed sign-ins are counted three ways, each over `LOCKOUT` seconds, and a try
refused by any of them is refused without the password being checked:

- a name from one client address: `MAX_FAILURES` lock that name out there;
- a client address, whatever the names: `ADDRESS_FAILURES` lock it out (more than
  a name's, for colleagues share an office's or a proxy's address);
- a name from anywhere: never a lockout, which anyone anywhere could impose on a
  named reviewer by typing her name five times, but a wait between tries past
  `MAX_FAILURES`, doubling each time up to `LOCKOUT` (guessing one password
  from many addresses is slowed). A browser she has signed in from before (a
  signed cookie, `known_browser`) is spared that wait, so the reviewer goes on
  signing in while someone else guesses; its own failures past `MAX_FAILURES`
  end that, and so does the account's next password change or disable (the
  cookie is signed with its credential generation, which they move on).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

ROLES = ("reviewer", "admin", "auditor")
_N, _R, _P = 2**14, 8, 1
MAX_FAILURES = 5
ADDRESS_FAILURES = 10
LOCKOUT = 15 * 60
KNOWN_BROWSER_DAYS = 90
_clock = time.time  # the throttle's clock (tests move it on)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class User:
    username: str
    roles: tuple[str, ...]
    disabled: bool = False
    password_hash: str = field(default="", repr=False)  # a User printed or logged keeps it
    mailboxes: tuple[str, ...] = ()  # the addresses they send from
    generation: int = 0  # moved on by each password change and disable (store.save_user)

    def can(self, role: str) -> bool:
        return role in self.roles or (role == "reviewer" and "admin" in self.roles)

    def sent(self, senders: Iterable[str]) -> bool:
        """Whether a message from these addresses (its envelope sender, its From and Sender)
        is theirs: from one of their mailboxes, or from their name when it is an address (as
        a signing-in proxy gives it, j.smith@...), compared as history compares addresses
        (j.smith+x@, a BATV tag, case). A reviewer releasing their own held mail is the one
        decision no one else checked."""
        from dlpgate.history import normalise

        own = {normalise(m) for m in self.mailboxes}
        if "@" in self.username:
            own.add(normalise(self.username))
        return any(normalise(a) in own for a in senders if "@" in a)


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str
    created: float
    last_seen: float
    generation: int = 0  # the account's credential generation when it was begun


class Throttle:
    """Failed sign-ins per key (a name and address, an address, a name) within the window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = LOCKOUT) -> None:
        self.max = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] < now - self.window:
            q.popleft()
        return q

    def count(self, key: str) -> int:
        return len(self._recent(key, _clock()))

    def locked(self, *keys: str, limit: int | None = None) -> bool:
        """Whether any key has `limit` (default `max_failures`) failures in the window."""
        return any(self.count(k) >= (limit or self.max) for k in keys)

    def wait(self, key: str) -> float:
        """Seconds before `key` may be tried again: none under `max_failures` failures in
        the window, then 1, 2, 4... seconds after the last failure, at most the window."""
        now = _clock()
        q = self._recent(key, now)
        if len(q) < self.max:
            return 0.0
        delay = min(self.window, 2.0 ** min(len(q) - self.max, 30))
        return max(0.0, q[-1] + delay - now)

    def failed(self, *keys: str) -> None:
        now = _clock()
        if len(self._failures) > 50_000:  # invented names and addresses, long gone
            for k in [k for k, q in self._failures.items() if not q or q[-1] < now - self.window]:
                del self._failures[k]
        for k in keys:
            self._recent(k, now).append(now)

    def forgive(self, *keys: str) -> None:
        """One failure fewer for each key: a try counted as failed before its password was
        checked (off the event loop), whose password was right."""
        now = _clock()
        for k in keys:
            if q := self._recent(k, now):
                q.pop()

    def succeeded(self, *keys: str) -> None:
        for k in keys:
            self._failures.pop(k, None)


def known_browser(key: bytes, user: User, issued: float | None = None) -> str:
    """The cookie a browser gets when `user` signs in with a password on it: when it was
    issued and a MAC of that, the name and the account's credential generation, under a key
    all nodes share. The generation is in it so that `users passwd` and `users disable` end
    its pass: a browser left signed in somewhere went on being spared the slowing after the
    password it knew was changed."""
    issued = int(_clock() if issued is None else issued)
    signed = f"{user.username.lower()}\0{user.generation}\0{issued}".encode()
    mac = hmac.new(key, signed, "sha256").hexdigest()[:32]
    return f"{issued}.{mac}"


def check_known_browser(key: bytes, user: User | None, cookie: str) -> str:
    """The cookie's MAC (its name in the throttle) if it is one `known_browser` issued for
    this account, under its present credential generation, in the last `KNOWN_BROWSER_DAYS`;
    "" otherwise, and for a name with no account or a disabled one."""
    if user is None or user.disabled:
        return ""
    issued, _, mac = cookie.partition(".")
    if not issued.isdigit() or len(issued) > 12 or not mac:
        return ""
    if _clock() - int(issued) > KNOWN_BROWSER_DAYS * 86400:
        return ""
    return mac if hmac.compare_digest(known_browser(key, user, int(issued)), cookie) else ""
