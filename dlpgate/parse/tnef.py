"""Outlook's rich-text wrapper (TNEF, `winmail.dat`): the files inside, and its body text.

Exchange sends a message as TNEF when the sender's Outlook used rich text, or the
recipient's settings ask for it. To the gateway that was one unreadable file: every such
message leaving was held as unscannable, and the referral inside it was never read.

TNEF is a flat run of attributes (MS-OXTNEF 2.1): a 4-byte signature and a 2-byte key,
then for each attribute its level (message or attachment), a 4-byte id (type in the high
16 bits, name in the low), a 4-byte length, the data, and a 2-byte checksum. A file starts
at an attachment's rendering attribute; its title and its bytes follow. The MAPI property
blocks (the compressed RTF body among them) are not read: the plain text Exchange sends
beside it carries the same words.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

SIGNATURE = b"\x78\x9f\x3e\x22"

_MESSAGE, _ATTACHMENT = 1, 2
_BODY = 0x800C  # attBody: the message's text
_RENDERING = 0x9002  # attAttachRendData: a new attachment begins
_DATA = 0x800F  # attAttachData: its bytes
_TITLE = 0x8010  # attAttachTitle: its (8.3) file name


class TnefError(Exception):
    """Damaged: an attribute runs past the end, or the signature is wrong."""


@dataclass
class Contents:
    body: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)


def read(data: bytes, most: int) -> Contents:
    """The body and the files of a TNEF stream; `most`: bytes its files may add up to (the
    message's expansion budget), past which reading stops with TnefError."""
    if not data.startswith(SIGNATURE) or len(data) < 6:
        raise TnefError("not a TNEF stream")
    out = Contents()
    total = 0
    title, payload = "", None

    def file_done() -> None:
        if payload is not None:
            out.files.append((title or f"file{len(out.files) + 1}", payload))

    for level, name, value in _attributes(data, 6):
        if level == _ATTACHMENT and name == _RENDERING:
            file_done()
            title, payload = "", None
        elif level == _ATTACHMENT and name == _TITLE:
            title = _text(value)
        elif level == _ATTACHMENT and name == _DATA:
            total += len(value)
            if total > most:
                raise TnefError(f"files inside expand beyond {most} bytes")
            file_done()  # a second data attribute is a file too: it replaced the first unread
            payload = value
        elif level == _MESSAGE and name == _BODY:
            out.body = _text(value)
    file_done()
    return out


def _attributes(data: bytes, pos: int) -> Iterator[tuple[int, int, bytes]]:
    while pos < len(data):
        if pos + 9 > len(data):
            raise TnefError("an attribute is cut short")
        level = data[pos]
        ident, length = struct.unpack_from("<II", data, pos + 1)
        start = pos + 9
        end = start + length
        if end + 2 > len(data):
            raise TnefError("an attribute runs past the end of the stream")
        yield level, ident & 0xFFFF, data[start:end]
        pos = end + 2  # the checksum: a damaged one changes no text we read, so not checked


def _text(value: bytes) -> str:
    """An 8-bit string attribute, NUL-terminated, in the sender's code page (Windows-1252
    for UK mail)."""
    return value.split(b"\x00", 1)[0].decode("cp1252", "replace").strip()
