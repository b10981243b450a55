"""Logging: one JSON line per message and per SMTP error, with no personal data.

Code logs entity types, counts, rule ids, domains and hashes, never values or
bodies. As a second line of defence, a processor in the chain masks anything
shaped like an e-mail address before rendering, unless the operator chose
`logging.addresses: full`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
from typing import Any

import structlog

from dlpgate.config import Logging

# Anything shaped like an address: a local part of any letters (Unicode too) or quoted, at
# a domain of any letters or a domain literal. The ASCII-only pattern before let
# 'sarah.khan@nhs-trüst.net', 'märk.pätel@', '"Sarah Khan"@' and '@[192.0.2.1]' through.
_ATOM = r"[^\s@<>()\[\]\\,;:\"'`]"
_LOCAL = r"[^\s@<>()\[\]\\,;:\"`]"  # with the apostrophe of sarah.o'brien@
_ADDRESS = re.compile(rf"((?:\"[^\"\n]{{1,64}}\")|{_ATOM}{_LOCAL}{{0,63}})@"
                      rf"((?:{_ATOM}+\.)+{_ATOM}{{2,}}|\[[^\]\s]{{1,64}}\])")
_state: dict[str, Any] = {"mode": "domain", "key": b"dlpgate", "explicit": False}
# The hashed addresses log_address has made, which the backstop leaves as they are (hashing a
# hash again made them unmatchable); only these: a local part that merely looks like one
# (4857773456@, an NHS number) is hashed like any other.
_MADE: dict[str, None] = {}
_MADE_MAX = 100_000


def log_address(address: str) -> str:
    """An address as logs may show it: domain only, hashed local part, or in full."""
    local, _, domain = address.rpartition("@")
    mode = _state["mode"]
    if mode == "full" or not local:
        return address
    if mode == "hashed":
        digest = hmac.new(_state["key"], local.lower().encode(), hashlib.sha256).hexdigest()[:10]
        made = f"{digest}@{domain.lower()}"
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        _MADE[made] = None
        return made
    return f"*@{domain.lower()}"


def keyed_by(store: Any) -> None:
    """Hashed addresses under a key of this installation's own (derived from the store's,
    which every node sharing the store has), unless `logging.hash_key` names one: under a key
    anyone can read in this file, a list of likely names reverses every hash in a log."""
    if _state["mode"] == "hashed" and not _state["explicit"]:
        _state["key"] = hmac.new(store.profile_key(), b"dlpgate log addresses",
                                 hashlib.sha256).digest()


def _masked(m: re.Match) -> str:
    if _state["mode"] == "hashed" and m.group(0) in _MADE:
        return m.group(0)  # hashed already, by log_address
    return log_address(m.group(0))


def _mask(value: Any) -> Any:
    if isinstance(value, str) and "@" in value:
        return _ADDRESS.sub(_masked, value)
    if isinstance(value, list | tuple):
        return type(value)(_mask(v) for v in value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    return value


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    if _state["mode"] == "full":
        return event
    return {k: _mask(v) for k, v in event.items()}


def _order(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """timestamp, level, event first: the fields an operator's eye looks for."""
    head = {k: event.pop(k) for k in ("timestamp", "level", "event") if k in event}
    return {**head, **event}


PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    redact,
    _order,
    structlog.processors.JSONRenderer(sort_keys=False),
]


def configure(settings: Logging, stream: Any = None) -> None:
    _state["mode"] = settings.addresses
    _state["explicit"] = bool(settings.hash_key)
    if settings.hash_key:
        _state["key"] = settings.hash_key.encode()
    level = getattr(logging, settings.level.upper())
    structlog.configure(
        processors=PROCESSORS,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or _Stderr()),
        cache_logger_on_first_use=False,
    )
    # Libraries log through stdlib logging; some (aiosmtpd at INFO) log addresses. Their
    # warnings become JSON lines like ours, through the same masking: psycopg's pool wrote
    # plain multi-line text, some of it run onto the end of a JSON event.
    logging.basicConfig(level=logging.WARNING, handlers=[_Library()], force=True)
    for noisy in ("mail.log", "aiosmtplib", "pypdf", "presidio-analyzer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


class _Stderr:
    """Standard error as it is when a line is written, not when logging was configured: a
    stream swapped in for a while (a test's capture, a daemon's redirect) and closed after
    took every later log line, and the relay start writing one, down with it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _Library(logging.Handler):
    """A library's log record as one of our JSON lines: its logger's name, its level and
    the first line of its message (a traceback's frames may quote values; the type of the
    exception is kept)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage().splitlines()[0][:300] if record.msg else ""
            extra = {"error": record.exc_info[0].__name__} if record.exc_info and \
                record.exc_info[0] else {}
            structlog.get_logger("library").log(record.levelno, "library", logger=record.name,
                                                message=text, **extra)
        except Exception:  # a log line must never take the relay down
            self.handleError(record)


def logger(name: str = "dlpgate") -> Any:
    return structlog.get_logger(name)
