"""A message held unread, opened for a reviewer in a process of its own.

Its scan failed `relay.max_scan_attempts` times: something in its bytes crashed or stalled
the scan workers, and the review app runs in the relay's process. A reviewer who must release
or reject it blind needs its headers, what its parts are and what its body says. So it is
read in a separate process, as a scan is (`workers.py`): spawned afresh, its address space
limited to `scan.worker_memory`, killed at `review.open_timeout` seconds. The reading is the
standard library's parser and nothing more: the header block, each part's type, file name
and size (counted from its encoded length: no file is decoded), and the text of the plain
text and HTML parts of the body, cut at `TEXT_ROOM`. None of the readers a scan runs (PDF,
Office, archives, OCR) is called. What could not be opened is said in a sentence, and the
page keeps its actions.

The child answers in JSON, not pickle: what it returns was made from hostile bytes, and a
parser bug that took over the child must not reach the app through `pickle.loads`.
"""

from __future__ import annotations

import contextlib
import email.message
import email.parser
import email.policy
import json
import multiprocessing
import os
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

HEADERS = ("From", "To", "Cc", "Subject", "Date")
HEADER_ROOM = 2_000  # characters of one header shown
TEXT_ROOM = 20_000  # characters of one body part's text shown
TEXTS_ROOM = 60_000  # and of all of them
MARKUP_ROOM = 2_000_000  # characters of an HTML part turned into text
PARTS_SHOWN = 200  # parts listed; the rest are counted
_REPLY_ROOM = 4 * 1024 * 1024  # what the child may send back, well past the rooms above

OUT_OF_TIME = "This message could not be opened for display: it ran out of time."
OUT_OF_MEMORY = ("This message could not be opened for display: it needed more memory than "
                 "it is given.")
FAILED = "This message could not be opened for display: reading it failed."
BUSY = ("This message could not be opened for display just now: other messages are being "
        "opened; try again in a moment.")
AT_ONCE = 2  # openings at a time per app, each given up to scan.worker_memory (1 GiB)


@dataclass(frozen=True)
class Part:
    number: str  # where it sits: "1", "1.2" (the second part inside the first)
    type: str
    filename: str
    size: str  # in words, "" for a container


@dataclass(frozen=True)
class Text:
    number: str
    type: str
    text: str
    cut: bool  # only its first TEXT_ROOM characters (or what was left of TEXTS_ROOM)


@dataclass(frozen=True)
class Opened:
    """What the reviewer is shown; `failed`, when set, is all of it (in a reviewer's words)."""

    headers: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = ()
    more_parts: int = 0
    texts: tuple[Text, ...] = ()
    failed: str = ""

    @property
    def outcome(self) -> str:
        """For the audit trail: whether the reviewer saw it, without a word of it."""
        return "not opened: " + self.failed.partition(": ")[2].rstrip(".") if self.failed \
            else f"opened: {len(self.parts) + self.more_parts} part(s)"


def open_held(raw: bytes, seconds: float, memory: int) -> Opened:
    """`raw` read by `read` in a fresh process given `memory` bytes of address space and
    `seconds` from its start to its answer. Never raises for anything in `raw`; blocks a
    thread (the app calls it off the event loop)."""
    ctx = multiprocessing.get_context("spawn")  # nothing of the app's state goes with it
    inbox, to_child = ctx.Pipe(duplex=False)
    from_child, outbox = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(inbox, outbox, memory, seconds), daemon=True,
                        name="dlpgate-open")
    deadline = time.monotonic() + seconds
    sending = False
    try:
        child.start()
        inbox.close()
        outbox.close()
        # sent beside the wait: a large message fills the pipe until the child reads it, and
        # the limit counts from the start whatever the child is doing
        threading.Thread(target=_send, args=(to_child, raw), daemon=True,
                         name="dlpgate-open-send").start()
        sending = True
        if not from_child.poll(max(0.0, deadline - time.monotonic())):
            return Opened(failed=OUT_OF_TIME)
        reply = json.loads(from_child.recv_bytes(_REPLY_ROOM))
    except (EOFError, OSError, ValueError):  # died (killed by the kernel), or said nonsense
        return Opened(failed=FAILED)
    finally:
        with contextlib.suppress(Exception):
            child.kill()
            child.join(5)
        for conn in (from_child,) if sending else (from_child, to_child):
            with contextlib.suppress(Exception):
                conn.close()
    if not isinstance(reply, dict) or not isinstance(reply.get("read"), dict):
        return Opened(failed=OUT_OF_MEMORY if isinstance(reply, dict) and
                      reply.get("failed") == "memory" else FAILED)
    try:
        return _opened(reply["read"])
    except (TypeError, ValueError, IndexError, KeyError):  # not the shape `read` gives
        return Opened(failed=FAILED)


class Opener:
    """`open_held` for one app, at most `at_once` at a time. Each opening may take
    scan.worker_memory: a team revealing held messages together, or one reviewer's reloads,
    started as many as the app's thread pool (40), 40 GiB by default on a host sized for
    the relay. A reviewer past the bound is told so in a sentence at once (`BUSY`): waiting
    for a slot would hold the request, and the pool's thread, up to review.open_timeout per
    opening ahead of it."""

    def __init__(self, at_once: int = AT_ONCE, opener: Any = None) -> None:
        self._slots = threading.BoundedSemaphore(at_once)
        self._open = opener or open_held

    def __call__(self, raw: bytes, seconds: float, memory: int) -> Opened:
        if not self._slots.acquire(blocking=False):
            return Opened(failed=BUSY)
        try:
            return self._open(raw, seconds, memory)
        finally:
            self._slots.release()


def _send(conn: Connection, raw: bytes) -> None:
    """Closes `conn` itself: closed by the parent at the limit, mid-write, it raised a
    TypeError onto the app's stderr, and its descriptor, free to be reused by another file,
    was still the one the rest of the message was about to be written to."""
    try:
        with contextlib.suppress(OSError):  # the child died, or was killed at the limit
            conn.send_bytes(raw)
    finally:
        conn.close()


def _child(inbox: Connection, outbox: Connection, memory: int, seconds: float) -> None:
    # nothing it prints may reach the app's log: a traceback can quote the message
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.dup2(devnull, 1)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 2  # the kernel's backstop, should the app be gone before the limit
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    reply: dict[str, Any]
    try:
        reply = {"read": read(inbox.recv_bytes())}
        answer = json.dumps(reply).encode()
    except MemoryError:
        answer = b'{"failed": "memory"}'
    except BaseException:  # any failure, by kind only: no content leaves
        answer = b'{"failed": "error"}'
    with contextlib.suppress(OSError):
        outbox.send_bytes(answer)


def read(raw: bytes) -> dict[str, Any]:
    """The headers, the outline and the body's text of `raw`, as plain JSON values. Runs in
    the child: a hostile message may make it raise, stall or grow, which the parent meets."""
    from dlpgate.parse.decode import decode_text
    from dlpgate.parse.html import html_to_text
    from dlpgate.parse.mime import header_text

    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    headers = [[name, " ".join(header_text(value).split())[:HEADER_ROOM]]
               for name in HEADERS for value in msg.get_all(name) or ()]
    parts: list[list[Any]] = []
    texts: list[list[Any]] = []
    more = 0
    room = TEXTS_ROOM
    # walked with a list, not recursion: nesting is what a hostile message has plenty of
    todo: list[tuple[str, Any, bool]] = [("1", msg, False)]
    while todo:
        number, part, attached = todo.pop()
        kind = part.get_content_type()
        name = _filename(part)
        inside = attached or kind == "message/rfc822" or name is not None or \
            header_text(part.get("Content-Disposition")).lower().startswith("attachment")
        payload = part.get_payload()
        if isinstance(payload, list):
            todo.extend((f"{number}.{n}", p, inside) for n, p in reversed(
                list(enumerate(payload, 1))) if isinstance(p, email.message.Message))
            size: list[Any] = []
        else:
            size = list(_size(part, payload))
        if len(parts) < PARTS_SHOWN:
            parts.append([number, kind, name or "", size])
        else:
            more += 1
        if inside or kind not in ("text/plain", "text/html") or room <= 0 or \
                not isinstance(payload, str):
            continue
        data = part.get_payload(decode=True) or b""
        text = decode_text(data, part.get_content_charset())
        if kind == "text/html":
            text = html_to_text(text[:MARKUP_ROOM])
        shown = text[:min(TEXT_ROOM, room)]
        room -= len(shown)
        texts.append([number, kind, shown, len(shown) < len(text)])
    return {"headers": headers, "parts": parts, "more": more, "texts": texts}


def _filename(part: Any) -> str | None:
    """The file's name as the scan would name it (a raw 8-bit name read as its letters)."""
    from dlpgate.parse.mime import _filename as scanned_name

    name = " ".join((scanned_name(part) or "").split())[:HEADER_ROOM]
    return name or None


def _size(part: Any, payload: str) -> tuple[int, bool]:
    """A part's decoded size, and whether it is exact, from its encoded text alone: base64's
    letters counted (every four are three octets), any other encoding taken as it stands
    (quoted-printable is a little larger than what it encodes)."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        letters = len(payload) - sum(payload.count(c) for c in " \t\r\n")
        padding = payload.rstrip()[-2:].count("=")
        return max(0, letters * 3 // 4 - padding), True
    try:
        return len(payload.encode("ascii", "surrogateescape")), encoding in (
            "", "7bit", "8bit", "binary")
    except UnicodeError:
        return len(payload), False


def size_words(octets: int, exact: bool) -> str:
    about = "" if exact else "about "
    if octets < 1024:
        return f"{about}{octets} bytes"
    if octets < 1024 * 1024:
        return f"{about}{octets / 1024:.1f} KB"
    return f"{about}{octets / 1024 / 1024:.1f} MB"


def _opened(read: dict[str, Any]) -> Opened:
    """The child's JSON as the page's values, each checked for its shape: it came from a
    process that read hostile bytes."""
    def text(value: Any, room: int) -> str:  # a lone surrogate would fail the page's encoding
        return str(value)[:room].encode("utf-8", "replace").decode("utf-8")

    parts = tuple(Part(text(n, 100), text(k, 200), text(f, HEADER_ROOM),
                       size_words(int(s[0]), bool(s[1])) if s else "")
                  for n, k, f, s in read.get("parts", ())[:PARTS_SHOWN])
    return Opened(
        headers=tuple((text(k, 20), text(v, HEADER_ROOM)) for k, v in read.get("headers", ())
                      if k in HEADERS),
        parts=parts,
        more_parts=int(read.get("more", 0)),
        texts=tuple(Text(text(n, 100), text(k, 20), text(t, TEXT_ROOM), bool(c))
                    for n, k, t, c in read.get("texts", ())),
    )
