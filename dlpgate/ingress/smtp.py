"""The SMTP side: aiosmtpd hooks that turn a session into Envelope + bytes and back into a reply.

Nothing here decides anything. RCPT is proxied to the next hop as it arrives
(act.relay); at end of DATA the bytes go to a scan worker, the decision to the
act stage, and the outcome to one reply from `replies`. The client hears 250
only after the next hop accepted the message or the quarantine committed it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter, defaultdict
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, Session, syntax
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from dlpgate import dsn, metrics, obs
from dlpgate.act.journal import Earlier, Journal, Prior, as_interrupted, journal_key
from dlpgate.act.relay import HopReply, NextHop, Transaction
from dlpgate.config import Settings
from dlpgate.detect.recipients import ADDED_TO_THREAD, passes_for_another
from dlpgate.history import (
    MAX_ADDRESS,
    Pair,
    answered,
    auto_replied,
    header_from,
    normalise,
    unreadable,
    written_in,
)
from dlpgate.model import SCAN_FAILED, Envelope, Outcome, ScanResult, Verdict
from dlpgate.replies import (
    R250_ALREADY_DELIVERED,
    R250_DELAYED,
    R250_HELD,
    R250_HELD_FOR_SENDER,
    R421_SHUTTING_DOWN,
    R421_TOO_MANY_SESSIONS,
    R451_IN_PROGRESS,
    R451_INTERNAL,
    R451_OVERLOADED,
    R451_SCAN_FAILED,
    R451_SCAN_TIMEOUT,
    R451_STORE_FAILED,
    R452_TOO_MANY_RECIPIENTS,
    R501_BAD_DSN_PARAMETER,
    R501_BAD_RECIPIENT,
    R501_BAD_SENDER,
    R550_POLICY_REJECT,
    R554_NOT_ALLOWED,
    reply_for,
    with_status,
)
from dlpgate.store.base import DecisionRecord, HeldMessage, Store, StoreError
from dlpgate.workers import NOT_THE_MESSAGE, Lookup, Overloaded, ScanFailed, ScanTimeout, spawn

log = obs.logger("dlpgate.smtp")
# messages given up on and not yet decided, remembered by one node (`Gateway.undecided`)
UNDECIDED_KEPT = 10_000


_SCAN_ID_WIDTH = 21  # pipeline.new_scan_id: 11 hex digits of milliseconds, 10 random
_LINE_MAX = 998  # RFC 5322 2.1.1: the most octets a header line may have, CRLF aside
_MAIL_LONGER = 26 + 10 + 110  # SIZE= and SMTPUTF8 (aiosmtpd's figures), RET= and ENVID=
_RCPT_LONGER = 500  # NOTIFY= and ORCPT=


def dlp_headers(scan_id: str, verdict: str, rules: tuple[str, ...], full: bool = False) -> bytes:
    """The headers mail is sent on with. The rules only when `relay.dlp_headers: full`: the
    message reaches its recipients with them, and "lookalike-address" told an impostor at
    nhs-net.co.uk it had been noticed, "identifiers-leaving" a stranger what it carried.
    Never longer than `header_room` says, which the SIZE declared to the next hop counts on."""
    lines = [f"X-DLP-Scan-Id: {scan_id}", f"X-DLP-Verdict: {verdict}"]
    if rules and full:
        line = f"X-DLP-Rules: {', '.join(rules)}"
        if len(line) > _LINE_MAX:  # as many as one line holds, and a sign that more matched
            line = line[:_LINE_MAX - 5].rsplit(", ", 1)[0] + ", ..."
        lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def header_room(full: bool) -> int:
    """The most octets `dlp_headers` adds to a message. MAIL FROM is sent to the next hop at
    the first RCPT, before the scan says which headers: its SIZE= is the client's figure and
    this, so it is never under what is sent (RFC 1870 §6.1), which a next hop that holds a
    message to its declared size would refuse or cut short."""
    widest = dlp_headers("0" * _SCAN_ID_WIDTH, "unscanned", ())  # the longest verdict word
    return len(widest) + (_LINE_MAX + 2 if full else 0)


class Gateway:
    """The relay's shared state: what every session's hooks need."""

    def __init__(self, settings: Settings, scanner: Any, hop: NextHop, store: Store, node: str):
        from dlpgate.record import decision_log, group_log, history_log, profile_log, reply_log

        self.settings = settings
        self.decisions = decision_log(store)
        self.history = history_log(store)
        self.profiles = profile_log(store)
        self.groups = group_log(store)
        self.replies = reply_log(store)
        self.journal = Journal(store, node, settings.relay.delivery_journal == "required")
        self.scanner = scanner
        self.hop = hop
        self.store = store
        self.node = node
        self.allowed = [ipaddress.ip_network(n) for n in settings.relay.allowed_clients]
        self.sessions = 0
        self.protocols: set[GatewaySMTP] = set()
        self.inflight = 0
        self.closing = False
        self.idle = asyncio.Event()
        self.idle.set()
        # messages (journal keys) that reached relay.max_scan_attempts here but could not be
        # decided then, with their count: decided at their next attempt, not scanned again
        self.undecided: dict[str, int] = {}

    def admit(self, peer: Any) -> str | None:
        """None to admit the client, or the reply that refuses it."""
        if self.closing:
            return str(R421_SHUTTING_DOWN)
        try:
            ip = ipaddress.ip_address(peer[0] if isinstance(peer, tuple) else str(peer))
        except (ValueError, TypeError, IndexError):
            return str(R554_NOT_ALLOWED)
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not any(ip in net for net in self.allowed):
            log.warning("client_refused", client=str(ip), reason="not in relay.allowed_clients")
            return str(R554_NOT_ALLOWED)
        if self.sessions > self.settings.relay.max_sessions:
            log.warning("client_refused", client=str(ip), reason="relay.max_sessions reached")
            return str(R421_TOO_MANY_SESSIONS)
        return None


class _Envelope(SmtpEnvelope):
    """aiosmtpd's envelope with each accepted recipient's DSN options beside it: aiosmtpd keeps
    one flat list of RCPT parameters for the whole transaction, and NOTIFY and ORCPT are
    per recipient."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpt_dsn: list[tuple[str, ...]] = []


class GatewaySMTP(SMTP):
    """aiosmtpd's server with admission control and next-hop clean-up on disconnect."""

    # RFC 5321 caps lines at 1,000 octets and aiosmtpd answers a permanent 500 past it.
    # Real mail breaks that (2% of the Enron sent mail does); MTAs accept such lines,
    # so the gateway does too and relays them unchanged, leaving the verdict to the next hop.
    line_length_limit = 65536

    def __init__(self, handler: Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.gateway = handler.gateway
        self._greeted = False  # the greeting, like EHLO's reply, carries no enhanced code
        self._bare = False  # inside EHLO or HELO
        self.dsn_options: list[str] = []  # the command's own, for its hook (handle_MAIL/RCPT)
        self._read: tuple[str, tuple[str | None, str | None]] | None = None  # `_getaddr`
        # this session's own: aiosmtpd keeps one table in the class, shared by every session
        self.command_size_limits = defaultdict(lambda: self.command_size_limit)

    def _create_envelope(self) -> _Envelope:
        return _Envelope()

    async def push(self, status: AnyStr) -> None:
        """Every reply with an RFC 3463 code, as ENHANCEDSTATUSCODES (which we offer) promises
        (RFC 2034 §3): aiosmtpd's own said none ("552 Error: Too much mail data"), and an
        Exchange NDR then showed no cause its admins could look up. The greeting and the
        replies to EHLO and HELO carry none, as RFC 2034 has it."""
        if isinstance(status, str):
            if not self._greeted and status.startswith("220 "):
                self._greeted = True
            elif not self._bare:
                status = with_status(status)  # type: ignore[assignment]
        await super().push(status)

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        self._bare = True
        try:
            await super().smtp_EHLO(hostname)
        finally:
            self._bare = False
        if self.session is not None and self.session.extended_smtp:
            # RFC 3461 lengthens the lines DSN's parameters go on: RET and ENVID MAIL's by
            # up to 110 characters, NOTIFY and ORCPT (an address of up to 500) RCPT's by 500.
            # aiosmtpd's own (SIZE, SMTPUTF8) are set afresh, not added at every EHLO
            self.command_size_limits["MAIL"] = self.command_size_limit + _MAIL_LONGER
            self.command_size_limits["RCPT"] = self.command_size_limit + _RCPT_LONGER

    @syntax("HELO hostname")
    async def smtp_HELO(self, hostname: str) -> None:
        self._bare = True
        try:
            await super().smtp_HELO(hostname)
        finally:
            self._bare = False

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        await self._with_dsn(super().smtp_MAIL, arg, "FROM:", dsn.MAIL_PARAMETERS)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        await self._with_dsn(super().smtp_RCPT, arg, "TO:", dsn.RCPT_PARAMETERS)

    async def _with_dsn(self, command: Any, arg: str | None, keyword: str,
                        names: tuple[str, ...]) -> None:
        """MAIL or RCPT with RFC 3461's parameters taken off first, as the client wrote them,
        for the hook to keep: aiosmtpd knows none of them (555 "not recognized") and upper-
        cases every parameter, and ENVID's and ORCPT's xtext are the sender's to the letter.
        A bad one is 501 5.5.4. Anything else, and a session greeted with HELO (which may
        give no parameters), is left to aiosmtpd as before."""
        self.dsn_options = []
        stripped = self._strip_command_keyword(keyword, arg) if arg else None
        address, params = self._getaddr(stripped) if stripped is not None else (None, None)
        self._read = (stripped, (address, params)) if stripped is not None else None
        if not address or not params or not self.session or not self.session.extended_smtp:
            return await command(arg)
        try:
            # parameters are separated by SP alone (RFC 5321 4.1.2): str.split() took a bare
            # CR, a tab or U+0085 inside one for a separator, and relayed what followed it
            taken, rest = dsn.take([p for p in params.split(" ") if p], names)
        except dsn.BadParameter as exc:
            return await self.push(R501_BAD_DSN_PARAMETER.with_text(str(exc)))
        if not taken:  # none of DSN's (SIZE, BODY): aiosmtpd splits the rest as it was
            return await command(arg)
        self.dsn_options = taken
        try:
            await command(" ".join([keyword + stripped[:len(stripped) - len(params)], *rest]))
        finally:
            self.dsn_options = []

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's reading of a command's address, not done twice over: `_with_dsn` reads
        it for the parameters after it, and aiosmtpd's MAIL and RCPT read the same text
        again (the email package's address parser: a tenth of the relay's own CPU). The
        answer depends on the text alone."""
        if self._read is not None and self._read[0] == arg:
            return self._read[1]
        return super()._getaddr(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        """Clients are admitted by address (relay.allowed_clients), never by account."""
        await self.push("502 5.5.1 AUTH not offered: clients are allowed by address")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # not the STARTTLS re-entry
            self.gateway.sessions += 1
            self.gateway.protocols.add(self)
            self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            self.gateway.sessions -= 1
            self.gateway.protocols.discard(self)
        tx = getattr(self.session, "dlp_tx", None) if self.session else None
        if tx is not None:
            self.session.dlp_tx = None  # type: ignore[union-attr]
            spawn(tx.abort(), name="abort-next-hop")
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        refusal = self.gateway.admit(self.session.peer if self.session else None)
        if refusal:
            await self.push(refusal)
            if self.transport is not None:
                self.transport.close()
            return
        await super()._handle_client()


def _mailbox(address: str) -> bool:
    """Whether an envelope address can be relayed and learned: a local part and a domain,
    nothing `unreadable`. An unqualified "sarah.khan" was relayed, logged in full (a log shows
    the domain of an address, and it had none) and kept in the history as a domain, where no
    erasure could reach it; Postfix and Exchange qualify every address they pass on. RCPT TO
    <postmaster> alone is taken, as RFC 5321 asks."""
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and not unreadable(address)


class Handler:
    """aiosmtpd handler hooks; each returns a reply string."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def _end_transaction(self, session: Session) -> None:
        tx: Transaction | None = getattr(session, "dlp_tx", None)
        session.dlp_tx = None  # type: ignore[attr-defined]
        if tx is not None:
            await tx.abort()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, hostname: str,
        responses: list[str],
    ) -> list[str]:
        await self._end_transaction(session)
        session.host_name = hostname
        # aiosmtpd offers AUTH once TLS is up; dlpgate has no accounts to check, and a
        # connector set to authenticate failed with a puzzling 535 instead of seeing no AUTH
        kept = [r for r in responses[:-1] if not r.startswith("250-AUTH")]
        # DSN while the next hop offers it (or has not been greeted yet): past one that does
        # not, the upstream MTA is the last to know of DSN and says "relayed" itself to a
        # sender who asked for a receipt (RFC 3461 §5.2.2), where we could not pass it on
        offered = ["250-DSN"] if self.gateway.hop.dsn is not False else []
        return [*kept, "250-PIPELINING", "250-ENHANCEDSTATUSCODES", *offered, responses[-1]]

    async def handle_RSET(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        await self._end_transaction(session)
        return "250 2.0.0 Ok"

    async def handle_MAIL(
        self, server: GatewaySMTP, session: Session, envelope: _Envelope, address: str,
        options: list[str],
    ) -> str:
        if self.gateway.closing:
            return str(R421_SHUTTING_DOWN)
        await self._end_transaction(session)
        if address not in ("", "<>") and not _mailbox(address):
            return str(R501_BAD_SENDER)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        envelope.mail_options.extend(server.dsn_options)  # RET, ENVID: as the client wrote them
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: GatewaySMTP, session: Session, envelope: _Envelope, address: str,
        options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= self.gateway.settings.relay.max_recipients:
            return str(R452_TOO_MANY_RECIPIENTS)
        if not _mailbox(address) and address.lower() != "postmaster":
            return str(R501_BAD_RECIPIENT)
        tx: Transaction | None = getattr(session, "dlp_tx", None)
        if tx is None:
            full = self.gateway.settings.relay.dlp_headers == "full"
            tx, reply = await self.gateway.hop.begin(envelope.mail_from, envelope.mail_options,
                                                     added=header_room(full))
            if tx is None:
                log.warning("next_hop_refused", stage="MAIL", code=reply.code)
                metrics.HOP_ERRORS.labels("MAIL").inc()
                return str(reply)
            session.dlp_tx = tx  # type: ignore[attr-defined]
        own = tuple(server.dsn_options)  # NOTIFY, ORCPT: this recipient's
        reply = await tx.rcpt(address, own)
        if reply.ok:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            envelope.rcpt_dsn.append(own)
        else:
            log.info("next_hop_refused", stage="RCPT", code=reply.code,
                     recipient=obs.log_address(address))
        return str(reply)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        gw = self.gateway
        tx: Transaction | None = getattr(session, "dlp_tx", None)
        session.dlp_tx = None  # type: ignore[attr-defined]
        gw.inflight += 1
        gw.idle.clear()
        try:
            if tx is None:  # cannot happen: a recipient is only added through a transaction
                return str(R451_INTERNAL)
            peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
            env = Envelope(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                mail_options=tuple(envelope.mail_options),
                rcpt_options=tuple(envelope.rcpt_dsn),
                client_address=peer,
                helo=session.host_name or "",
            )
            raw = envelope.original_content or b""
            return await self._process(env, raw, tx)
        finally:
            gw.inflight -= 1
            if gw.inflight == 0:
                gw.idle.set()

    async def _process(self, env: Envelope, raw: bytes, tx: Transaction) -> str:
        gw = self.gateway
        from dlpgate.pipeline import new_scan_id

        scan_id = new_scan_id()
        started = time.perf_counter()
        if (refused := tx.refusal(raw)) is not None:
            # the next hop cannot take it whatever the verdict: the sender hears so now,
            # not after a hold that no release could end
            await tx.abort()
            metrics.HOP_ERRORS.labels("DATA").inc()
            self._log(scan_id, env, raw, None, Outcome.REJECTED, refused.code, started,
                      "next hop lacks SMTPUTF8")
            return str(refused)
        key = journal_key(env, raw)
        scanned: ScanResult | Overloaded | ScanFailed | None = None
        earlier = gw.journal.recalled(key)
        lookup = Lookup(key)
        if earlier is None and key not in gw.undecided:
            # the store's answer comes with the scan: its worker reads the journal's row
            # before scanning, which spares this process a thread hop a message. A repeat
            # is scanned for nothing, as the rare price; it is answered as before
            try:
                scanned = await gw.scanner.run(raw, env, scan_id,
                                               gw.settings.relay.scan_timeout, journal=lookup)
            except (Overloaded, ScanFailed) as exc:  # acted on below, after the journal
                scanned = exc
        try:
            if earlier is None and not lookup.done:  # not asked, or the scan never read it
                earlier = await gw.journal.earlier(key)
            elif earlier is None:
                earlier = (gw.journal.unread(StoreError(lookup.error)) if lookup.error
                           else gw.journal.interpret(key, lookup.row))
        except StoreError as exc:
            await tx.abort()
            log.error("store_failed", scan_id=scan_id, stage="journal", error=str(exc))
            metrics.STORE_ERRORS.labels("journal").inc()
            self._log(scan_id, env, raw, None, Outcome.TEMPFAIL, 451, started, "journal")
            return str(R451_STORE_FAILED)
        if earlier.prior in (Prior.DELIVERED, Prior.HELD, Prior.IN_FLIGHT):
            await tx.abort()
            return self._repeat(scan_id, env, raw, earlier, started)

        result: ScanResult | None = None
        try:
            if isinstance(scanned, Exception):
                raise scanned
            if scanned is not None:
                result = scanned
            elif (failed := gw.undecided.get(key)) is not None:
                # given up on at an earlier attempt whose decision could not be made (its
                # worker was being replaced): decided now, not scanned to fail once more
                result = await self._decide_unread(key, env, raw, scan_id, failed, "")
                if result is None:
                    await tx.abort()
                    self._log(scan_id, env, raw, None, Outcome.TEMPFAIL, 451, started,
                              "scan attempts exhausted: no decision yet")
                    return str(R451_SCAN_FAILED)
            else:  # this process remembered the message: no journal read to go with it
                result = await gw.scanner.run(raw, env, scan_id,
                                              gw.settings.relay.scan_timeout)
        except Overloaded:
            await tx.abort()
            self._log(scan_id, env, raw, None, Outcome.TEMPFAIL, 451, started, "overloaded")
            return str(R451_OVERLOADED)
        except ScanFailed as exc:
            metrics.SCAN_FAILURES.labels(
                "timeout" if isinstance(exc, ScanTimeout) else "failed").inc()
            if gw.settings.relay.on_error == "pass":
                error = str(exc)
            elif (result := await self._given_up(key, env, raw, scan_id, exc)) is None:
                await tx.abort()
                self._log(scan_id, env, raw, None, Outcome.TEMPFAIL, 451, started, str(exc))
                return str(R451_SCAN_TIMEOUT if isinstance(exc, ScanTimeout) else R451_SCAN_FAILED)
            else:  # decided unread: policy's verdict is acted on as any other
                error = ""
        else:
            error = ""

        if result is None:  # relay.on_error: pass, chosen by the operator: logged and marked
            if earlier.prior is Prior.UNKNOWN:  # cannot be held without a scan: let it wait
                await tx.abort()
                self._log(scan_id, env, raw, None, Outcome.TEMPFAIL, 451, started, error)
                return str(R451_SCAN_FAILED)
            sent = await self._send_once(key, scan_id, dlp_headers(scan_id, "unscanned", ()) + raw,
                                         tx)
            if isinstance(sent, Earlier):
                return self._repeat(scan_id, env, raw, sent, started)
            outcome = Outcome.RELAYED if sent.ok else _failed(sent)
            if sent.ok:
                self._learn(env, tx, None, raw)
            self._log(scan_id, env, raw, None, outcome, sent.code, started, f"passed: {error}")
            return str(sent)

        verdict = result.decision.verdict
        doubt = earlier.prior is Prior.UNKNOWN  # an earlier attempt may have been delivered
        outcome: Outcome | None = None
        if verdict in (Verdict.ALLOW, Verdict.LOG) and not doubt:
            sent = await self._send_once(
                key, scan_id, dlp_headers(scan_id, verdict.value, result.decision.rules,
                                                 gw.settings.relay.dlp_headers == "full") + raw,
                tx)
            if isinstance(sent, Earlier) and sent.prior is not Prior.UNKNOWN:
                return self._repeat(scan_id, env, raw, sent, started)
            if isinstance(sent, Earlier):
                doubt = True
            else:
                outcome = Outcome.RELAYED if sent.ok else _failed(sent)
                text = str(sent)
                if not sent.ok:
                    metrics.HOP_ERRORS.labels("DATA").inc()
                else:
                    self._learn(env, tx, result, raw)
                    if result.decision.notify and gw.settings.notifications.enabled:
                        from dlpgate.act.notify import notify_sent

                        spawn(notify_sent(gw.settings, result, env), name="notify")
        if outcome is None and verdict == Verdict.REJECT:
            await tx.abort()
            outcome = Outcome.REJECTED
            text = reply_for(outcome, R550_POLICY_REJECT).with_text(
                f"{', '.join(result.decision.rules)} [{scan_id}]"
            )
        elif outcome is None:  # held by policy, or held because delivery is in doubt
            outcome, text = await self._hold(key, env, raw, tx, result, doubt)
        code = int(text[:3])
        gw.decisions.add(DecisionRecord.of(result, env, outcome, code, gw.node, time.time()))
        # a hold because an earlier attempt may have been delivered says so, beside the
        # policy's verdict (which alone would have let it go); a message decided unread
        # says that its scan was given up on
        notes = ["interrupted-delivery"] if doubt and outcome is Outcome.HELD else []
        if any(f.detector == SCAN_FAILED for f in result.evidence.findings):
            notes.append("scan attempts exhausted: decided unread")
        self._log(scan_id, env, raw, result, outcome, code, started, "; ".join(notes))
        return text

    async def _given_up(self, key: str, env: Envelope, raw: bytes, scan_id: str,
                        failed: ScanFailed) -> ScanResult | None:
        """After `relay.max_scan_attempts` failed scans of this message, its decision as a
        message that could not be read (`Scanner.unread`); None to answer 451 as before.

        A message that kills its worker or outruns the scan budget does so at every retry:
        451 only moves it back to the client's queue, a worker restart a try, until that
        queue gives up days later and the sender gets a bounce nobody here saw. Counted in
        the store under the journal key, so relay nodes sharing it count together; only
        failures are written. The count, the decision and its own failure are logged with
        the error's kind, never content. Anything that goes wrong here leaves the 451.
        """
        gw = self.gateway
        limit = gw.settings.relay.max_scan_attempts
        if not limit or isinstance(failed, NOT_THE_MESSAGE):  # busy, or the store's fault
            return None
        try:
            failures = await asyncio.to_thread(gw.store.scan_failed, key, time.time())
        except StoreError as exc:
            log.error("store_failed", scan_id=scan_id, stage="scan-failures", error=str(exc))
            metrics.STORE_ERRORS.labels("scan-failures").inc()
            return None
        if failures < limit:
            log.warning("scan_failed", scan_id=scan_id, failures=failures, limit=limit,
                        error=str(failed))
            return None
        return await self._decide_unread(key, env, raw, scan_id, failures, str(failed))

    async def _decide_unread(self, key: str, env: Envelope, raw: bytes, scan_id: str,
                             failures: int, last: str) -> ScanResult | None:
        """The decision on a message given up on, made without reading it; None (451) when
        it cannot be made now.

        The scan that failed the last time has often cost its worker (killed past the time
        allowed, or crashed), and with one or two workers its replacement (a model to load)
        may not be ready within the scan budget. Such a message is remembered here
        (`Gateway.undecided`) and decided at its next attempt without a scan: before, each
        later attempt scanned it again, killed the worker again and found none for the
        decision, 451 for ever. Remembered by this node only, which costs the messages
        that never fail nothing; another node reaching it scans once, counts, and decides
        there."""
        gw = self.gateway
        limit = gw.settings.relay.max_scan_attempts
        # read by reviewers and, in a notice, by the sender: what happened, not the setting
        said = f" (the last: {last})" if last else ""
        reason = (f"the scan failed {failures} times{said}, so nothing in the message could "
                  "be checked")
        try:
            result = await gw.scanner.run(raw, env, scan_id, gw.settings.relay.scan_timeout,
                                          unread=reason)
        except (ScanFailed, Overloaded) as exc:
            log.error("unread_decision_failed", scan_id=scan_id, failures=failures,
                      error=str(exc) or type(exc).__name__)
            if key not in gw.undecided and len(gw.undecided) >= UNDECIDED_KEPT:
                gw.undecided.pop(next(iter(gw.undecided)))  # the oldest: it scans once more
            gw.undecided[key] = failures
            return None
        gw.undecided.pop(key, None)
        metrics.GAVE_UP.inc()
        log.warning("scan_attempts_exhausted", scan_id=scan_id, failures=failures, limit=limit,
                    error=last, verdict=result.decision.verdict.value,
                    action=result.decision.chosen.value, rules=list(result.decision.rules))
        return result

    async def _send_once(self, key: str, scan_id: str, data: bytes,
                         tx: Transaction) -> HopReply | Earlier:
        """DATA to the next hop, claimed in the delivery journal first (act.journal).

        An Earlier comes back instead of a reply when another attempt at the same
        message got there first; nothing was sent.
        """
        gw = self.gateway
        try:
            claim = await gw.journal.begin(key, scan_id)
        except StoreError as exc:
            await tx.abort()
            log.error("store_failed", scan_id=scan_id, stage="journal", error=str(exc))
            metrics.STORE_ERRORS.labels("journal").inc()
            return HopReply.ours(R451_STORE_FAILED)
        if claim.prior is not Prior.NEW:
            await tx.abort()
            return claim
        reply = await tx.send(data)
        gw.journal.sent(key, reply.ok, reply.in_doubt)
        return reply

    def _learn(self, env: Envelope, tx: Transaction, result: ScanResult | None,
               raw: bytes) -> None:
        """Correspondence, groups and content profiles from mail the next hop accepted;
        without a scan (`relay.on_error: pass`), who wrote to whom without the content.

        Mail from outside (a Postfix whose content filter sees inbound mail too) is not the
        organisation's correspondence: it says only that its sender wrote to each of our
        recipients, which is what tells a resident who wrote in from a stranger.
        """
        gw = self.gateway
        if env.mail_from in ("", "<>"):
            return
        now = time.time()
        # the correspondence is the From's, as recipient risk reads it (an application or a
        # list sends as housing@ with bounces+u123@ in the envelope)
        shown = result.message.from_addr if result is not None else header_from(raw)
        sender = normalise(shown or env.mail_from)
        # an address longer than any mail system delivers to is junk, and past PostgreSQL's
        # index limit a batch holding it is refused
        accepted = tuple(dict.fromkeys(normalise(r) for r in tx.accepted
                                       if len(r) <= MAX_ADDRESS and "@" in r))  # <postmaster>
        if len(sender) > MAX_ADDRESS:
            return
        internal = gw.settings.organisation.internal_domains
        replied = written_in(sender, accepted, internal, now)
        if replied is None and (result.message.auto_reply if result is not None
                                else auto_replied(raw)):
            replied = answered(sender, accepted, internal, now)  # an out-of-office
        if replied is not None:
            gw.replies.add_all(replied)
            return
        added = {normalise(r.address) for r in result.evidence.recipients
                 if any(s.name in ADDED_TO_THREAD for s in r.signals)} if result else set()
        gw.history.add_all([Pair(sender, a, now, joined=int(a in added), audience=len(accepted))
                            for a in accepted])
        gw.groups.add((sender, accepted))
        if result is not None and result.fingerprint:
            # a case sent to referrals@nhs.com under a `log` rule made the real nhs.net
            # address "not the one this has gone to" on the next message
            suspect = {normalise(r.address) for r in result.evidence.recipients
                       if passes_for_another(r)}
            gw.profiles.add_all([(sender, a, result.fingerprint) for a in accepted
                                 if a not in suspect])

    async def _hold(self, key: str, env: Envelope, raw: bytes, tx: Transaction,
                    result: ScanResult, interrupted: bool) -> tuple[Outcome, str]:
        """Commit to the quarantine (and the journal, in one transaction) before saying 250."""
        gw = self.gateway
        await tx.abort()
        item = HeldMessage.of(result, env, raw, time.time())
        if interrupted:
            item = as_interrupted(item)
        try:
            await asyncio.to_thread(gw.store.hold, item, (key, gw.journal.owner))
        except StoreError as exc:
            # why, in the store's words (which quote no row: "database or disk is full",
            # "database is locked", PostgreSQL's first line): the line alone sent the
            # operator to the code to tell a full disk from a lock or an outage
            log.error("store_failed", scan_id=result.scan_id, stage="hold", error=str(exc))
            metrics.STORE_ERRORS.labels("hold").inc()
            return Outcome.TEMPFAIL, str(R451_STORE_FAILED)
        gw.journal.held(key, item.id)
        if item.notify and gw.settings.notifications.enabled:
            from dlpgate.act.notify import notify_held

            spawn(notify_held(gw.store, gw.settings, item), name="notify")
        said = {"confirm": R250_HELD_FOR_SENDER, "delay": R250_DELAYED}.get(
            item.action, R250_HELD)
        return Outcome.HELD, said.with_text(f"[{result.scan_id}]")

    def _repeat(self, scan_id: str, env: Envelope, raw: bytes, earlier: Earlier,
                started: float) -> str:
        """A retry of a message an earlier attempt already delivered, held or is sending."""
        if earlier.prior is Prior.IN_FLIGHT:
            outcome, reply = Outcome.TEMPFAIL, str(R451_IN_PROGRESS)
        elif earlier.prior is Prior.HELD:
            outcome, reply = Outcome.HELD, R250_HELD.with_text(f"[{earlier.scan_id}]")
        else:
            outcome = Outcome.RELAYED
            reply = reply_for(outcome, R250_ALREADY_DELIVERED).with_text(f"[{earlier.scan_id}]")
        self._log(scan_id, env, raw, None, outcome, int(reply[:3]), started,
                  f"repeat of {earlier.scan_id}: {earlier.prior.value}")
        return reply

    def _log(
        self, scan_id: str, env: Envelope, raw: bytes, result: ScanResult | None,
        outcome: Outcome, code: int, started: float, error: str,
    ) -> None:
        """The one canonical line per message: domains, counts, rule ids; never content."""
        fields: dict[str, Any] = {
            "scan_id": scan_id,
            "outcome": outcome.value,
            "reply": code,
            "from": obs.log_address(env.mail_from) if env.mail_from != "<>" else "<>",
            "to": sorted({obs.log_address(r) for r in env.rcpt_tos}),
            "n_rcpt": len(env.rcpt_tos),
            "size": len(raw),
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if result is not None:
            counts: dict[str, int] = {}
            for f in result.evidence.findings:
                counts[f.entity] = counts.get(f.entity, 0) + 1
            # recipients per signal: names only, no address
            signals = Counter(s.name.value for r in result.evidence.recipients for s in r.signals)
            fields.update(
                verdict=result.decision.verdict.value,
                action=result.decision.chosen.value,
                rules=list(result.decision.rules),
                policy_version=result.decision.policy_version,
                findings=counts,
                signals=dict(signals),
                n_attachments=len(result.message.attachments),
                timings=result.timings_ms,
            )
            if result.message.notes:  # what was left unread, not a problem: counts, no content
                fields["unread"] = list(result.message.notes)
        if error:
            fields["error"] = error
        log.info("message", **fields)
        metrics.observe(outcome.value, fields.get("action", ""), fields.get("rules", []),
                        time.perf_counter() - started,
                        sum(result.timings_ms.values()) if result is not None else None,
                        fields.get("signals", {}))

    async def handle_exception(self, error: Exception) -> str:
        log.error("smtp_exception", error=type(error).__name__)
        return str(R451_INTERNAL)


def _failed(reply: HopReply) -> Outcome:
    return Outcome.REJECTED if reply.code >= 500 else Outcome.TEMPFAIL
