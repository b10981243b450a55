"""Test helpers shipped with the package, for our tests and for a council's own.

- `make_message()` builds an RFC 5322 message with optional attachments;
- `Sink` is a real SMTP server on loopback recording every command it gets, and
  can refuse recipients or be told to answer 4xx/5xx, to play the next hop;
- `running_relay()` runs the real relay on a loopback port in a thread;
- `capture_logs()` collects the JSON log lines and fails if any value that must
  stay private (an address's local part, an identifier, a body) appears in them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import os
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from dlpgate import obs
from dlpgate.config import Settings
from dlpgate.model import Envelope


def make_message(
    *,
    sender: str = "alice.jones@example-council.gov.uk",
    to: tuple[str, ...] = ("bob.smith@example-council.gov.uk",),
    cc: tuple[str, ...] = (),
    subject: str = "Meeting notes",
    body: str = "Hello,\n\nNotes from today's meeting are below.\n",
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    message_id: str | None = None,
    pasted: tuple[tuple[str | None, str, bytes], ...] = (),
) -> bytes:
    """attachments: (filename, content type, bytes). pasted: (filename or None, content type,
    bytes) of pictures pasted into the body, sent as Outlook sends them: a multipart/related
    of the text and HTML alternatives and the pictures, each inline with a Content-ID the HTML
    shows it by (the HTML is the body's, if not given).

    Each call makes a new Message-ID unless one is given: two identical submissions
    are one message retried, which the relay's delivery journal sends once.
    """
    if message_id is None:
        message_id = f"<{uuid.uuid4().hex}@example-council.gov.uk>"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    msg.set_content(body)
    if pasted:
        import html as htmllib

        rich = html if html is not None else f"<p>{htmllib.escape(body)}</p>"
        rich += "".join(f'<p><img src="cid:picture{n}@dlpgate"></p>' for n in range(len(pasted)))
        msg.make_related()
        [text] = msg.get_payload()
        text.add_alternative(rich, subtype="html")
        for n, (name, ctype, data) in enumerate(pasted):
            maintype, _, subtype = ctype.partition("/")
            msg.add_related(data, maintype=maintype, subtype=subtype, disposition="inline",
                            cid=f"<picture{n}@dlpgate>", **({"filename": name} if name else {}))
    elif html is not None:
        msg.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def make_envelope(raw: bytes, bcc: tuple[str, ...] = ()) -> Envelope:
    from dlpgate.cli import envelope_from_headers

    env = envelope_from_headers(raw)
    return Envelope(mail_from=env.mail_from, rcpt_tos=env.rcpt_tos + bcc)


def sent_to_webmail(*, body: str = "Hi,\n\nAttached.\n", html: str | None = None,
                    attachments: tuple[tuple[str, str, bytes], ...] = ()
                    ) -> tuple[set[tuple[str, str]], str]:
    """A message to a new personal webmail address, scanned as the relay scans it (patterns
    only) under the shipped policy: what was found ((entity, text) each) and the verdict."""
    from dlpgate.pipeline import Scanner

    raw = make_message(to=("x.parent@gmail.com",), body=body, html=html,
                       attachments=attachments)
    result = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}})).scan(raw, make_envelope(raw))
    return {(f.entity, f.text) for f in result.evidence.findings}, result.decision.verdict.value


def wait_for_port(port: int, proc: Any = None, seconds: float = 120) -> None:
    """Wait until something listens on 127.0.0.1:port; fail early if `proc` exits first."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            raise RuntimeError(f"process exited before listening on {port}: {err}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds:g} s")


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port free now, below the kernel's ephemeral range.

    A port the kernel hands out for bind(0) comes from the same range as the source ports
    of outgoing connections, and the test suite makes thousands of those: between this
    call and the relay binding the port, one of them could take it (seen once in CI as
    "address already in use"). Below the range only another explicit bind can.

    Under pytest-xdist each worker draws from its own share of the range, and no port is
    handed out twice by one process: two workers, or two calls in one test before either
    port was bound, could draw the same port (seen in CI as "address already in use" once
    the suite ran in parallel).
    """
    rng = random.Random()
    high = _ephemeral_low()
    low = max(1024, high - 12000)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")
    if worker[2:].isdigit() and workers.isdigit() and int(workers) > 1:
        share = (high - low) // int(workers)
        low += share * (int(worker[2:]) % int(workers))
        high = low + share
    for _ in range(200):
        port = rng.randrange(low, high)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    # SMTPUTF8, BODY=8BITMIME, SIZE= (in capitals, as aiosmtpd keeps them); RET=, ENVID= as sent
    mail_options: list[str] = field(default_factory=list)
    rcpt_options: list[list[str]] = field(default_factory=list)  # NOTIFY=, ORCPT= as sent, each


_DSN_KEYWORDS = ("RET", "ENVID", "NOTIFY", "ORCPT")


class _SinkEnvelope(SmtpEnvelope):
    def __init__(self) -> None:
        super().__init__()
        self.rcpt_dsn: list[list[str]] = []


class _SinkSMTP(SMTP):
    """aiosmtpd as a next hop that offers DSN (RFC 3461), as Postfix and Exchange do: RET,
    ENVID, NOTIFY and ORCPT are taken off each MAIL and RCPT exactly as written, for a test
    to read, and the rest left to aiosmtpd, which knows none of them (555) and capitalises
    what it keeps. Without `dsn`, aiosmtpd's own: a DSN parameter is refused."""

    def __init__(self, handler: Any, dsn: bool, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.dsn = dsn
        self.dsn_options: list[str] = []
        if dsn:  # lines as long as Postfix takes (line_length_limit), for a 500-octet ORCPT
            self.command_size_limits = collections.defaultdict(lambda: 2048)

    def _create_envelope(self) -> _SinkEnvelope:
        return _SinkEnvelope()

    async def smtp_MAIL(self, arg: str | None) -> None:
        await self._taking(super().smtp_MAIL, arg)

    async def smtp_RCPT(self, arg: str | None) -> None:
        await self._taking(super().smtp_RCPT, arg)

    async def _taking(self, command: Any, arg: str | None) -> None:
        words = (arg or "").split()
        self.dsn_options = [w for w in words[1:]
                            if self.dsn and w.partition("=")[0].upper() in _DSN_KEYWORDS]
        rest = [w for w in words if w not in self.dsn_options]
        try:
            await command(" ".join(rest) if self.dsn_options else arg)
        finally:
            self.dsn_options = []


class _SinkController(Controller):
    def __init__(self, handler: Any, dsn: bool, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.dsn = dsn

    def factory(self) -> SMTP:
        return _SinkSMTP(self.handler, self.dsn, **self.SMTP_kwargs)


@dataclass
class _SinkHandler:
    received: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply
    data_reply: str | None = None  # e.g. "452 4.3.1 Full" or "554 5.7.1 No"
    data_delay: float = 0.0
    reply_delay: float = 0.0  # seconds between taking a message and saying 250 (RFC 1047)

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]] if server.dsn else responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self.commands.append(f"MAIL {address}")
        envelope.mail_from = address
        envelope.mail_options.extend([*options, *server.dsn_options])
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self.commands.append(f"RCPT {address}")
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_dsn.append(list(server.dsn_options))
        return "250 OK"

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append("RSET")
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append("DATA")
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                     list(envelope.mail_options), list(envelope.rcpt_dsn))
        )
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 2.0.0 Ok: queued"


def _is_notice(m: Received) -> bool:
    return b"\r\nX-DLP-Notice: yes\r\n" in m.data


class Sink:
    """A real SMTP server on 127.0.0.1 that records what it is sent (the next hop)."""

    def __init__(self, port: int | None = None, tls_context: Any = None,
                 smtputf8: bool = True, dsn: bool = True, size: int = 1 << 25) -> None:
        """`tls_context`: an ssl.SSLContext to offer STARTTLS with (an Edge server's);
        `smtputf8=False`, `dsn=False`: a next hop that does not offer SMTPUTF8, or DSN;
        `size`: the most octets it takes, offered as SIZE (aiosmtpd's 32 MiB; 0 offers none
        and takes any), a bigger message refused at MAIL when declared, else after DATA."""
        self.port = port or free_port()
        self.handler = _SinkHandler()
        self.tls_context = tls_context
        self.smtputf8 = smtputf8
        self.dsn = dsn
        self.size = size
        self._controller: Controller | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def notices(self) -> list[Received]:
        """What dlpgate itself sent: notices to senders and reviewers."""
        return [m for m in self.handler.received if _is_notice(m)]

    @property
    def delivered(self) -> list[Received]:
        """Mail that passed through (relayed or released), without dlpgate's own notices."""
        return [m for m in self.handler.received if not _is_notice(m)]

    def start(self) -> Sink:
        self._controller = _SinkController(
            self.handler, self.dsn, hostname="127.0.0.1", port=self.port,
            enable_SMTPUTF8=self.smtputf8, tls_context=self.tls_context,
            data_size_limit=self.size or None,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Sink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_settings(tmp_path: Path, next_hop: str, **sections: Any) -> Settings:
    """Settings for a relay on a free loopback port, its store under `tmp_path`."""
    data: dict[str, Any] = {
        "organisation": {"internal_domains": ["example-council.gov.uk"],
                         "partner_domains": ["nhs.net"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'dlpgate.db'}"},
        "relay": {"listen": f"127.0.0.1:{free_port()}", "next_hop": next_hop,
                  "next_hop_timeout": 10, "scan_timeout": 30, "drain_timeout": 10},
        "scan": {"workers": 0},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return Settings.model_validate(data)


class RunningRelay:
    """The real relay, in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        from dlpgate.ingress.server import Relay

        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.relay: Relay | None = None
        self._thread = threading.Thread(target=self._run, name="relay", daemon=True)

    def _run(self) -> None:
        from dlpgate.ingress.server import Relay

        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self.relay = Relay(self.settings)
            await self.relay.start()
            self._ready.set()
            await self.relay.stopped.wait()

        try:
            self._loop.run_until_complete(main())
        except BaseException as exc:  # surfaced to the test by start()
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    def start(self) -> RunningRelay:
        self._thread.start()
        self._ready.wait(120)
        if self._error:
            raise self._error
        return self

    @property
    def port(self) -> int:
        assert self.relay is not None
        return self.relay.port

    @property
    def store(self) -> Any:
        assert self.relay is not None
        return self.relay.store

    def call(self, coro: Any, timeout: float = 60) -> Any:
        """Run a coroutine on the relay's loop (e.g. a graceful stop)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self.relay is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.call(self.relay.stop())
        self._thread.join(30)


@contextlib.contextmanager
def running_relay(settings: Settings) -> Iterator[RunningRelay]:
    relay = RunningRelay(settings).start()
    try:
        yield relay
    finally:
        relay.stop()


class PersonalDataInLogs(AssertionError):
    pass


@dataclass
class LogCapture:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.text.splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out


@contextlib.contextmanager
def capture_logs(settings: Settings, forbidden: tuple[str, ...] = ()) -> Iterator[LogCapture]:
    """Route dlpgate's logs into memory; fail if any `forbidden` value appears in them."""
    stream = io.StringIO()
    obs.configure(settings.logging, stream=stream)
    capture = LogCapture(stream)
    try:
        yield capture
    finally:
        obs.configure(settings.logging)
    leaked = [value for value in forbidden if value and value.lower() in capture.text.lower()]
    if leaked:
        raise PersonalDataInLogs(f"{len(leaked)} private value(s) reached the logs")


def edge_tls(tmp_path: Path) -> tuple[Path, Any]:
    """(its certificate, a server context) for a TLS next hop on 127.0.0.1 with a self-signed
    certificate naming that address, as an Exchange Edge server's own CA would issue it."""
    import ssl
    import subprocess

    cert, key = tmp_path / "hop.pem", tmp_path / "hop.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=edge.example-council.gov.uk", "-addext",
                    "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    return cert, served


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def recognized(recognizer: Any, text: str) -> list[str]:
    """The texts a recognizer finds in `text`, for table-driven recognizer tests."""
    return [text[r.start:r.end] for r in recognizer.analyze(text, None, None)]


def doc_block(doc: Path, heading: str) -> str:
    """The first fenced block under `## heading` in the document `doc`, as an operator copies
    it: the tests that run Postfix and check the deployment files read their configuration
    from the doc, so what the doc shows is what was tested."""
    section = doc.read_text().split(f"## {heading}\n", 1)[1]
    return section.split("```", 2)[1].removeprefix("yaml").lstrip("\n")


def metric_value(text: str, name: str, **labels: str) -> float:
    """One sample of a /metrics scrape (Prometheus text; labels in sorted order, as
    prometheus_client writes them), 0 when absent as a counter not yet moved is."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}}" if labels else f"{name} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
