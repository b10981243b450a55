"""Send a message on to the next hop, recipient by recipient, as the client speaks.

The transaction towards the next hop is opened at the client's first RCPT and
each RCPT is forwarded as it arrives, so the next hop's verdict on each
recipient is passed back on that recipient, where SMTP expects it (Postfix's
before-queue proxy works the same way). At end of DATA the message is sent on
only if policy allows; otherwise the transaction is reset. The client hears 250
only when the next hop has said 250 to the data.

Connections are pooled: a connection that finished a transaction cleanly goes
back to the pool and is reused while fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import ssl
import time
import weakref
from dataclasses import dataclass

import aiosmtplib

from dlpgate import dsn, obs
from dlpgate.config import Relay, split_host_port
from dlpgate.replies import (
    R451_NEXT_HOP_DOWN,
    R451_NEXT_HOP_TIMEOUT,
    R552_TOO_BIG_FOR_NEXT_HOP,
    R553_RECIPIENT_NEEDS_SMTPUTF8,
    R553_SENDER_NEEDS_SMTPUTF8,
    R554_HEADERS_NEED_SMTPUTF8,
    Reply,
)

_POOL_IDLE_SECONDS = 20.0  # well under the 300 s most MTAs allow an idle client
# a connection in steady use is renewed too: after a `postfix reload` the old 10026 smtpd
# keeps a session it has, with its old settings, for as long as the session lasts
_POOL_MAX_AGE_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class HopReply:
    """A reply to pass back to our client: the next hop's own, or one of ours."""

    code: int
    text: str
    in_doubt: bool = False  # the connection failed after the data went: it may have arrived

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    @staticmethod
    def ours(reply: Reply) -> HopReply:
        return HopReply(reply.code, f"{reply.status} {reply.text}")


_STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")


def _enhanced(text: str) -> str | None:
    """The enhanced status code a reply's text opens with ("4.3.1"), if it has one."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first if _STATUS.fullmatch(first) else None


def status_of(code: int, text: str) -> str:
    """A next hop's reply as its codes alone ("452 4.3.1"): its text may say anything (a
    filter's "message about Amy Jones refused"), and what we pass on or log must not."""
    status = _enhanced(text)
    return f"{code} {status}" if status else str(code)


def _refused(code: int, text: str) -> HopReply:
    """A next hop's refusal at MAIL or RCPT as we pass it on: a 5xx in its own words (the
    sender's MTA bounces with them: "user unknown"), a 4xx by its codes alone, for its text
    may say anything ("450 4.2.1 Amy Jones is on leave") and the client's MTA logs it."""
    if 400 <= code < 500:
        return HopReply(code, f"{_enhanced(text) or '4.0.0'} Next hop deferred this, try "
                        "again later")
    return HopReply(code, _coded(code, text))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


def _coded(code: int, text: str) -> str:
    """A next hop's reply text, on one line, with an RFC 3463 code: its own, or else its
    class's X.0.0, as Postfix gives a reply that came without one. We offer
    ENHANCEDSTATUSCODES, so what we pass on must carry one ("550 No such user" did not)."""
    line = _one_line(text)
    return line if _enhanced(line) else f"{code // 100}.0.0 {line}".rstrip()


def _grown(option: str, added: int) -> str:
    """A MAIL parameter as the next hop is given it: SIZE= counts what we add, the rest as
    the client gave them."""
    name, _, value = option.partition("=")
    return f"SIZE={int(value) + added}" if name == "SIZE" and value.isdigit() else option


# The MAIL parameter each EHLO extension allows: BODY=8BITMIME is the 8BITMIME extension's.
_EXTENSION = {"BODY": "8bitmime", "SMTPUTF8": "smtputf8", "SIZE": "size", "RET": "dsn",
              "ENVID": "dsn"}


log = obs.logger("dlpgate.next_hop")


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def _over_size(client: aiosmtplib.SMTP, options: list[str]) -> HopReply | None:
    """Our refusal of a message whose SIZE= is over the fixed maximum the next hop offers
    (RFC 1870; its SIZE with no figure, or 0, is no maximum), or None: said before MAIL,
    with both figures (octets, not personal data) for whoever reads a release's error."""
    declared = next((int(o[5:]) for o in options if o[:5] == "SIZE=" and o[5:].isdigit()), 0)
    most = client.esmtp_extensions.get("size", "").strip()
    if not most.isdigit() or not 0 < int(most) < declared:
        return None
    log.warning("next_hop_size_exceeded", stage="MAIL", size=declared, limit=int(most))
    return HopReply(R552_TOO_BIG_FOR_NEXT_HOP.code, f"{R552_TOO_BIG_FOR_NEXT_HOP.status} "
                    f"{R552_TOO_BIG_FOR_NEXT_HOP.text}: {declared} octets, over its {most}")


def _without_smtputf8(stage: str, reply: Reply) -> HopReply:
    """Our refusal of what needs SMTPUTF8 at a next hop that lacks it, logged for the
    operator: a next hop that should offer it (Postfix's smtputf8_enable) is theirs to fix."""
    log.warning("next_hop_without_smtputf8", stage=stage, code=reply.code)
    return HopReply.ours(reply)


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS failure behind `exc`, if one is: aiosmtplib wraps it."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    return cause


def _unreachable(exc: BaseException) -> None:
    """Why the next hop could not be reached, for the operator: the 451 alone said nothing
    when it was the next hop's certificate that was not trusted (relay.next_hop_ca). The
    exception's type, and for TLS the library's reason code; no text of any message."""
    cause = _tls_error(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        log.warning("next_hop_unreachable", error="certificate not trusted",
                    reason=str(cause.verify_message or cause.reason or ""))
    elif isinstance(cause, ssl.SSLError):
        log.warning("next_hop_unreachable", error="TLS failed", reason=str(cause.reason or ""))
    else:
        log.warning("next_hop_unreachable", error=type(exc).__name__)


class NextHop:
    """The pool of connections to the next hop and how to open a transaction on it."""

    def __init__(self, settings: Relay) -> None:
        self.host, self.port = split_host_port(settings.next_hop)
        self.settings = settings
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []
        self._opened: weakref.WeakKeyDictionary[aiosmtplib.SMTP, float] = \
            weakref.WeakKeyDictionary()
        # whether the next hop offered DSN when last greeted (None: not greeted yet). The
        # relay offers DSN while it does (ingress.smtp): past a hop without it the upstream
        # MTA must see no DSN here, and say "relayed" to senders who asked for a receipt
        self.dsn: bool | None = None

    def _client(self, on_connect: bool = True, timeout: float | None = None) -> aiosmtplib.SMTP:
        """A client as relay.next_hop_* configure it; `on_connect=False` leaves STARTTLS to
        the caller (the readiness probe, which says which step failed)."""
        tls = self.settings.next_hop_tls
        context = None
        if tls == "starttls" and self.settings.next_hop_ca is not None:
            context = ssl.create_default_context(cafile=str(self.settings.next_hop_ca))
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=timeout or self.settings.next_hop_timeout,
            local_hostname=self.settings.hostname,
            start_tls={"none": False, "starttls": True, "opportunistic": None}[tls]
            if on_connect else False,
            validate_certs=tls == "starttls",
            tls_context=context,
        )

    async def probe(self, timeout: float) -> str | None:
        """None when mail could go to the next hop as configured, else why not, for /readyz.

        A connection that opens was not enough: with `next_hop_tls: starttls` a next hop that
        offers no STARTTLS, or whose certificate is not trusted, takes no mail from us, and
        the node said ready while it could only answer 451. So this greets it as a message
        would, EHLO and STARTTLS, then QUITs. The reason names no host, address or text the
        next hop sent (a greeting's text may say anything).
        """
        tls = self.settings.next_hop_tls
        client = self._client(on_connect=False, timeout=timeout)
        step = "the connection"
        try:
            await client.connect()
            step = "EHLO"
            await client._ehlo_or_helo_if_needed()
            self.dsn = client.supports_extension("dsn")
            offered = client.supports_extension("starttls")
            if tls == "starttls" and not offered:
                return "STARTTLS not offered (relay.next_hop_tls: starttls)"
            if tls != "none" and offered:
                step = "STARTTLS"
                await client.starttls()
            return None
        except aiosmtplib.SMTPConnectResponseError as exc:
            return f"refused the connection ({exc.code})"
        except aiosmtplib.SMTPResponseException as exc:
            return f"refused {step} ({exc.code})"
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            return "timed out"
        except (aiosmtplib.SMTPException, OSError) as exc:
            tls_error = _tls_error(exc)
            if isinstance(tls_error, ssl.SSLCertVerificationError):
                return "certificate not trusted"
            return "TLS failed" if tls_error is not None else "no connection"
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), 1)
            client.close()

    async def _acquire(self) -> tuple[aiosmtplib.SMTP, bool]:
        now = time.monotonic()
        while self._idle:
            since, client = self._idle.pop()
            if now - since < _POOL_IDLE_SECONDS and client.is_connected:
                return client, True
            client.close()
        client = self._client()
        await client.connect()
        self._opened[client] = time.monotonic()
        return client, False

    def _release(self, client: aiosmtplib.SMTP) -> None:
        now = time.monotonic()
        young = now - self._opened.get(client, now) < _POOL_MAX_AGE_SECONDS
        if young and client.is_connected and len(self._idle) < self.settings.next_hop_pool:
            self._idle.append((now, client))
        else:
            client.close()

    async def begin(
        self, mail_from: str, options: list[str], added: int = 0
    ) -> tuple[Transaction | None, HopReply]:
        """Open a transaction: connect (or reuse), send MAIL FROM. Never raises.

        `added`: the most octets we will add to the message (our headers), declared in SIZE=
        on top of the client's figure.
        """
        sender = "" if mail_from == "<>" else mail_from
        encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
        forwarded = [_grown(o, added) for o in options if dsn.named(o) in _EXTENSION]
        for attempt in (1, 2):
            client, reused = None, False
            try:
                client, reused = await self._acquire()
                if client.last_ehlo_response is None and client.last_helo_response is None:
                    # a fresh connection has greeted no one yet, and offers no extension until
                    # it has; a next hop that only knows HELO is greeted with that
                    await client._ehlo_or_helo_if_needed()
                self.dsn = client.supports_extension("dsn")
                opts = [o for o in forwarded
                        if client.supports_extension(_EXTENSION[dsn.named(o)])]
                if not self.dsn and any(dsn.named(o) in dsn.MAIL_PARAMETERS for o in forwarded):
                    log.warning("next_hop_without_dsn", stage="MAIL")  # RET, ENVID left off
                # asked for, and not offered: what needs it cannot go (RFC 6531 §3.5);
                # mail that only asked, all ASCII, goes without it, as Postfix sends it
                ascii_only = "SMTPUTF8" in forwarded and "SMTPUTF8" not in opts
                if ascii_only and not sender.isascii():
                    self._release(client)
                    return None, _without_smtputf8("MAIL", R553_SENDER_NEEDS_SMTPUTF8)
                if (too_big := _over_size(client, opts)) is not None:
                    self._release(client)
                    return None, too_big
                await client.mail(sender, options=opts, encoding=encoding)
                return (Transaction(self, client, encoding, ascii_only, bool(self.dsn)),
                        HopReply(250, "2.1.0 Ok"))
            except aiosmtplib.SMTPSenderRefused as exc:
                if client:
                    self._release(client)
                return None, _refused(exc.code, exc.message)
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, OSError) as e:
                if client:
                    client.close()
                if attempt == 1 and isinstance(e, aiosmtplib.SMTPServerDisconnected) and reused:
                    continue  # a pooled connection the next hop had closed: try a fresh one
                _unreachable(e)
                return None, HopReply.ours(R451_NEXT_HOP_DOWN)
            except (TimeoutError, aiosmtplib.SMTPTimeoutError):
                if client:
                    client.close()
                return None, HopReply.ours(R451_NEXT_HOP_TIMEOUT)
            except aiosmtplib.SMTPException:
                if client:
                    client.close()
                return None, HopReply.ours(R451_NEXT_HOP_DOWN)
        return None, HopReply.ours(R451_NEXT_HOP_DOWN)

    async def close(self) -> None:
        for _, client in self._idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), 2)
            client.close()
        self._idle.clear()


class Transaction:
    """One MAIL transaction open at the next hop; end it with `send` or `abort`."""

    def __init__(self, hop: NextHop, client: aiosmtplib.SMTP, encoding: str,
                 ascii_only: bool = False, dsn: bool = False) -> None:
        self.hop = hop
        self.client: aiosmtplib.SMTP | None = client
        self.encoding = encoding
        self.ascii_only = ascii_only  # SMTPUTF8 was asked for and the next hop lacks it
        self.dsn = dsn  # the next hop offers DSN: each recipient's NOTIFY and ORCPT go on
        self.accepted: list[str] = []

    def refusal(self, data: bytes) -> HopReply | None:
        """Why the next hop cannot be given `data` at all, or None. Headers in UTF-8 need
        SMTPUTF8 (RFC 6532), and we do not downgrade them: the sender's MTA hears a
        permanent 5.6.9 and tells the sender, as for any 5xx of the next hop's (DESIGN.md),
        where it had the next hop's bare 500 or the message went on against RFC 6531."""
        if self.ascii_only and not _HEAD_END.split(data, maxsplit=1)[0].isascii():
            return _without_smtputf8("DATA", R554_HEADERS_NEED_SMTPUTF8)
        return None

    def _lost(self, exc: BaseException) -> HopReply:
        """The connection failed mid-transaction: drop it, and say 451 with the reason."""
        self._drop()
        timeout = isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError)
        return HopReply.ours(R451_NEXT_HOP_TIMEOUT if timeout else R451_NEXT_HOP_DOWN)

    async def rcpt(self, address: str, options: tuple[str, ...] = ()) -> HopReply:
        """RCPT at the next hop; `options` are the recipient's DSN options (NOTIFY, ORCPT),
        passed on as they came where the next hop offers DSN, and otherwise left off: a
        next hop must not be given what it did not offer (RFC 5321 §4.1.1.11), and the
        message still goes. What was left off is logged by its keywords, never the ORCPT's
        address."""
        if not self.alive:  # lost on an earlier recipient: the rest wait for a retry too
            return HopReply.ours(R451_NEXT_HOP_DOWN)
        assert self.client is not None
        if self.ascii_only and not address.isascii():
            return _without_smtputf8("RCPT", R553_RECIPIENT_NEEDS_SMTPUTF8)
        if options and not self.dsn:
            log.warning("next_hop_without_dsn", stage="RCPT",
                        left_off=sorted({dsn.named(o) for o in options}),
                        receipt=dsn.wants_success(options))
            options = ()
        try:
            resp = await self.client.rcpt(address, options=list(options),
                                          encoding=self.encoding)
        except aiosmtplib.SMTPRecipientRefused as exc:
            return _refused(exc.code, exc.message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            return self._lost(exc)
        self.accepted.append(address)
        return HopReply(resp.code, _coded(resp.code, resp.message))

    @property
    def alive(self) -> bool:
        return self.client is not None and self.client.is_connected

    async def send(self, data: bytes) -> HopReply:
        """DATA at the next hop. 2xx and 5xx are passed back; anything else is 451."""
        if not self.alive:
            return HopReply.ours(R451_NEXT_HOP_DOWN)
        if (refused := self.refusal(data)) is not None:  # a release comes here unchecked
            await self.abort()
            return refused
        assert self.client is not None
        try:
            resp = await self.client.data(data)
        except aiosmtplib.SMTPDataError as exc:
            if 500 <= exc.code < 600:
                await self.abort()
                return HopReply(exc.code, _coded(exc.code, exc.message))
            self._drop()
            return HopReply(451, f"4.4.0 Next hop deferred: {status_of(exc.code, exc.message)}")
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            return dataclasses.replace(self._lost(exc), in_doubt=True)
        client, self.client = self.client, None
        self.hop._release(client)
        return HopReply(resp.code, _coded(resp.code, resp.message))

    async def abort(self) -> None:
        """End the transaction without sending (held, rejected, client gone)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.rset(), self.hop.settings.next_hop_timeout)
        except Exception:
            client.close()
            return
        self.hop._release(client)

    def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()
