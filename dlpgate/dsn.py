"""Delivery Status Notification parameters (RFC 3461): read, checked and kept as they came.

A sender's MTA asks for a delivery receipt (NOTIFY=SUCCESS), for no bounce at all
(NOTIFY=NEVER, as list servers do), for headers only in a bounce (RET=HDRS), and
names the message and each original recipient for the report (ENVID, ORCPT). A
filter that drops them, as dlpgate did, makes its upstream MTA treat it as the
last DSN hop: "relayed" where the sender asked to hear "delivered", and bounces
to senders who asked for none. So they are checked here, passed on per
recipient (act.relay) to a next hop that offers DSN, and kept with held mail.

Each option is kept as the client wrote it, its keyword in capitals: ENVID and
ORCPT are xtext, where case is the sender's to keep. ORCPT holds an address, so
nothing here goes to a log.
"""

from __future__ import annotations

import re

MAIL_PARAMETERS = ("RET", "ENVID")
RCPT_PARAMETERS = ("NOTIFY", "ORCPT")
PARAMETERS = MAIL_PARAMETERS + RCPT_PARAMETERS

_ENVID_MAX = 100  # RFC 3461 §4.4
_ORCPT_MAX = 500  # RFC 3461 §4.2, the whole of addr-type ";" xtext
# xtext (RFC 3461 §4): printable ASCII but "+" and "=", or "+" and two capital hex digits
_XTEXT = re.compile(r"(?:[!-*,-<>-~]|\+[0-9A-F]{2})+")
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")  # RFC 5321's atom, the addr-type
_NOTIFY = ("SUCCESS", "FAILURE", "DELAY")


class BadParameter(ValueError):
    """A DSN parameter that breaks RFC 3461's syntax; its text names the keyword alone."""


def _checked(name: str, value: str) -> str:
    # capitals of ASCII alone: "ſuccess".upper() is "SUCCESS", and the value, passed on as
    # written, then broke the next hop's RCPT (smtplib sends ASCII: 451 for every try)
    upper = value.upper() if value.isascii() else ""
    if name == "RET":
        if upper not in ("FULL", "HDRS"):
            raise BadParameter("RET must be FULL or HDRS")
    elif name == "ENVID":
        if len(value) > _ENVID_MAX or not _XTEXT.fullmatch(value):
            raise BadParameter("ENVID must be xtext of at most 100 characters")
    elif name == "NOTIFY":
        words = upper.split(",")
        if words != ["NEVER"] and (len(set(words)) != len(words)
                                   or not all(w in _NOTIFY for w in words)):
            raise BadParameter("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
    elif name == "ORCPT":
        kind, semi, text = value.partition(";")
        if not semi or not _ATOM.fullmatch(kind) or not _XTEXT.fullmatch(text) \
                or len(value) > _ORCPT_MAX:
            raise BadParameter("ORCPT must be addr-type;xtext of at most 500 characters")
    return value


def take(params: list[str], names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the DSN options among a command's parameters, checked, as `NAME=value`; the rest as
    they came). Raises BadParameter for a bad value, a keyword given twice, or one without
    its value."""
    taken: list[str] = []
    rest: list[str] = []
    seen: set[str] = set()
    for param in params:
        name, eq, value = param.partition("=")
        name = name.upper() if name.isascii() else name  # "notıfy".upper() is "NOTIFY"
        if name not in names:
            rest.append(param)
            continue
        if name in seen:
            raise BadParameter(f"{name} given twice")
        if not eq or not value:
            raise BadParameter(f"{name} needs a value")
        seen.add(name)
        taken.append(f"{name}={_checked(name, value)}")
    return taken, rest


def named(option: str) -> str:
    """An option's keyword in capitals ("NOTIFY" of "NOTIFY=SUCCESS", "SMTPUTF8" alone)."""
    return option.partition("=")[0].upper()


def wants_success(options: tuple[str, ...] | list[str]) -> bool:
    """Whether a recipient's options ask for a receipt on delivery."""
    return any(named(o) == "NOTIFY" and "SUCCESS" in o.partition("=")[2].upper().split(",")
               for o in options)
