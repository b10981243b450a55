"""Who may use the review app: local accounts, password hashes, sessions, throttling.

Passwords are hashed with scrypt (the standard library's, memory-hard) and a
random salt; only the hash is stored. Sessions live in the store, so any node
can serve them and signing out ends them everywhere; the cookie carries a
random token and the store keeps only its SHA-256. Each session has its own
CSRF token, required on every form. Sign-in failures are counted per user name
and per client address; after `MAX_FAILURES` in `LOCKOUT` seconds, further tries
are refused without checking the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

ROLES = ("reviewer", "admin", "auditor")
_N, _R, _P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT = 15 * 60


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
    password_hash: str = ""
    mailboxes: tuple[str, ...] = ()  # the addresses they send from

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


class Throttle:
    """Failed sign-ins per key (user name, client address) within the lockout window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = LOCKOUT) -> None:
        self.max = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] < now - self.window:
            q.popleft()
        return q

    def locked(self, *keys: str) -> bool:
        now = time.time()
        return any(len(self._recent(k, now)) >= self.max for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.time()
        for k in keys:
            self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        for k in keys:
            self._failures.pop(k, None)
