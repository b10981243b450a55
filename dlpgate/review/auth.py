"""Who may use the review app: local accounts, password hashes, sessions, throttling.

Passwords are hashed with scrypt (the standard library's, memory-hard) and a
random salt; only the hash is stored. Sessions live in the store, so any node
can serve them and signing out ends them everywhere; the cookie carries a
random token and the store keeps only its SHA-256. Each session has its own
CSRF token, required on every form.

Failed sign-ins are counted three ways, each over `LOCKOUT` seconds, in the store
(so that review nodes behind one load balancer count together), and a try refused
by any of them is refused without the password being checked:

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

A hash costs OWASP's minimum for scrypt (N=2^17, r=8, p=1): 128 MiB and, on a
two-core relay, about half a second of one CPU. Each stored hash carries its
parameters, so one made at an older, smaller cost still checks, and is made again
at this one when its password next signs in (`needs_rehash`). Since anyone who can
reach the sign-in page can ask for a hash, `Hashing` lets only a few run at once
and refuses tries past a short queue without hashing them: a flood of wrong
passwords takes one CPU of the relay's two, not both, and 128 MiB, not 128 MiB a
try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("reviewer", "admin", "auditor")
_N, _R, _P = 2**17, 8, 1
# The most memory a stored hash's parameters may ask for: a hash whose N was edited up (or
# corrupted) would otherwise have each try at that name allocate it.
_MAX_MEMORY = 1 << 30
FORM_WINDOW = 3600  # seconds: a proxy-signed form's token is good for one to two of these
MAX_FAILURES = 5
ADDRESS_FAILURES = 10
LOCKOUT = 15 * 60
KNOWN_BROWSER_DAYS = 90
_clock = time.time  # the throttle's clock (tests move it on)


def _encoded(n: int, r: int, p: int, salt: bytes, digest: bytes) -> str:
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """scrypt with room for its parameters' memory (hashlib's default allows 32 MiB, a
    quarter of what N=2^17 needs), and no more than `_MAX_MEMORY` whatever they ask."""
    need = 128 * r * (n + p + 2)  # OpenSSL's reckoning: V (N+2 blocks) and B (p blocks)
    if need > _MAX_MEMORY:
        raise ValueError("scrypt parameters past the memory allowed")
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=need + (1 << 20))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return _encoded(_N, _R, _P, salt, _scrypt(password, salt, _N, _R, _P))


def decoy_hash() -> str:
    """A hash at the present cost that no password matches (its digest is random), checked
    for a name with no account so that the answer takes as long as for one: made without
    hashing, it costs nothing to make (each app made a real one, half a second, at start)."""
    return _encoded(_N, _R, _P, secrets.token_bytes(16), secrets.token_bytes(32))


def _parameters(stored: str) -> tuple[int, int, int, bytes, bytes]:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        raise ValueError("not an scrypt hash")
    return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest)


def check_password(password: str, stored: str) -> bool:
    try:
        n, r, p, salt, digest = _parameters(stored)
        got = _scrypt(password, salt, n, r, p)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, digest)


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made at other parameters than today's (a smaller cost, before
    they were raised): its password, once checked, is hashed again at these."""
    try:
        return _parameters(stored)[:3] != (_N, _R, _P)
    except (ValueError, TypeError):
        return False


def check_evenly(password: str, stored: str, decoy: str) -> bool:
    """`check_password`, taking as long as a hash at today's cost takes: one made at an older,
    cheaper cost answered wrong passwords eight times sooner than `decoy` (the hash checked
    for a name with no account) does, and told an outsider which names are accounts not
    signed in since the cost was raised. Such a check is followed by one against `decoy`."""
    matches = check_password(password, stored)
    if needs_rehash(stored):
        check_password(password, decoy)
    return matches


class Hashing:
    """Password hashes `at_once` at a time, each on a worker thread (off the event loop the
    relay shares), in the order asked, and a count of the tries waiting for their turn, so
    that past `waiting` the app refuses a try (`full`) before anything is hashed. Unbounded,
    a flood of wrong passwords from many addresses (none locked out yet) ran a hash a try on
    every thread of the pool at once: both CPUs, and 128 MiB a hash.

    A hash asked `first` (a browser its name signed in on before, and the reviewer's own
    hash made again at today's cost) goes before every other waiting: her sign-in waits for
    the hashes running, not behind a queue a flood keeps full."""

    def __init__(self, at_once: int = 1, waiting: int = 8) -> None:
        self.at_once, self.waiting = at_once, waiting
        self._turns = threading.Condition()
        self._running = 0
        self._queues: tuple[deque[object], deque[object]] = (deque(), deque())  # first, rest
        self._pending = 0  # counted as `run` is called, before its thread starts

    @property
    def pending(self) -> int:
        """Tries hashing or waiting to."""
        with self._turns:
            return self._pending

    @property
    def queued(self) -> int:
        """Tries whose thread waits for its turn."""
        with self._turns:
            return sum(map(len, self._queues))

    def full(self) -> bool:
        """Whether `waiting` tries already wait behind those hashing."""
        return self.pending >= self.at_once + self.waiting

    def _head(self) -> object:
        return next((q[0] for q in self._queues if q), None)

    def _run(self, first: bool, work, *args):
        ticket, queue = object(), self._queues[0 if first else 1]
        with self._turns:
            queue.append(ticket)
            while self._running >= self.at_once or self._head() is not ticket:
                self._turns.wait()
            queue.popleft()
            self._running += 1
            self._turns.notify_all()  # the next in line, if a slot is left
        try:
            return work(*args)
        finally:
            with self._turns:
                self._running -= 1
                self._turns.notify_all()

    async def run(self, work, *args, first: bool = False):
        """`work(*args)` (a check or a hash) in its turn, on a worker thread."""
        from starlette.concurrency import run_in_threadpool

        with self._turns:
            self._pending += 1
        try:
            return await run_in_threadpool(self._run, first, work, *args)
        finally:
            with self._turns:
                self._pending -= 1


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
    csrf_before: str = ""  # a token also taken: the last window's, for a proxy's user


def form_token(key: bytes, session: str, at: float | None = None) -> str:
    """The form token of a proxy's user in the `FORM_WINDOW` holding `at` (default: now), a
    MAC of their session's key and the window under a key all nodes share. It was the same
    for ever, a MAC of the name alone: one token seen once (a saved page, a proxy's log of
    a form posted) went on letting another site post forms in that reviewer's name."""
    window = int((_clock() if at is None else at) // FORM_WINDOW)
    return hmac.new(key, f"form\0{session}\0{window}".encode(), "sha256").hexdigest()[:32]


def proxy_session(username: str, key: bytes, session: str, created: float,
                  last_seen: float) -> Session:
    """A proxy's user's session as the forms see it: this window's token, and the last
    window's also taken, so that a page left open over the change still posts (a form
    works one to two windows after its page was shown)."""
    now = _clock()
    return Session(username, form_token(key, session, now), created, last_seen,
                   csrf_before=form_token(key, session, now - FORM_WINDOW))


class Throttle:
    """Failed sign-ins per key (a name and address, an address, a name, a browser) within
    the window, counted in the store (store/failures.py) so that every review node sharing
    it counts together: each counted its own in memory, and behind a load balancer a
    guesser had a lockout's worth of tries at every node. Keys go to the store as an HMAC
    under `secret` (a key the nodes share): the table holds no name or address."""

    def __init__(self, store: Any, secret: bytes, max_failures: int = MAX_FAILURES,
                 window: float = LOCKOUT) -> None:
        self.store = store
        self.secret = secret
        self.max = max_failures
        self.window = window

    def _key(self, key: str) -> str:
        return hmac.new(self.secret, key.encode(), "sha256").hexdigest()[:32]

    def _keys(self, keys: Iterable[str]) -> list[str]:
        return [self._key(k) for k in keys]

    def _tally(self, key: str) -> tuple[int, float]:
        return self.store.signin_failures(self._key(key), _clock() - self.window)

    def count(self, key: str) -> int:
        return self._tally(key)[0]

    def locked(self, *keys: str, limit: int | None = None) -> bool:
        """Whether any key has `limit` (default `max_failures`) failures in the window."""
        return any(self.count(k) >= (limit or self.max) for k in keys)

    def wait(self, key: str) -> float:
        """Seconds before `key` may be tried again: none under `max_failures` failures in
        the window, then 1, 2, 4... seconds after the last failure, at most the window."""
        count, last = self._tally(key)
        if count < self.max:
            return 0.0
        delay = min(self.window, 2.0 ** min(count - self.max, 30))
        return max(0.0, last + delay - _clock())

    def failed(self, *keys: str) -> None:
        now = _clock()
        self.store.signin_failed(self._keys(keys), now, now - self.window)

    def forgive(self, *keys: str) -> None:
        """One failure fewer for each key: a try counted as failed before its password was
        checked (off the event loop), whose password was right."""
        self.store.signin_forgive(self._keys(keys), _clock() - self.window)

    def succeeded(self, *keys: str) -> None:
        self.store.signin_succeeded(self._keys(keys))


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
