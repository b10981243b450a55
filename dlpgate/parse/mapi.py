"""MAPI property lists as TNEF carries them (MS-OXTNEF 2.1.3.4): where Outlook keeps what the
older attributes cannot hold.

A winmail.dat's message-level block (attMsgProps) holds the compressed RTF body, the plain and
HTML bodies, and each attachment's block (attAttachment) its long file name and, for an attached
Outlook item or an OLE object, its only copy of the bytes. Reading the older attributes alone,
a body typed in Outlook, a referral forwarded as an item and "Amy Reid DOB 12-03-2015.docx"
(8.3 title "AMYREI~1.DOC") all went out unread.

A list is a count, then each property: its type and id (2 bytes each), a name for a named
property (id 0x8000 up: a GUID, then a number or a UTF-16 string), then its value. Fixed-size
values take 4 or 8 bytes (16 for a GUID); strings, binaries and objects, and every multi-valued
property, a count of values, then each value's length, its bytes and padding to 4.

Every count and length is the sender's word: each is checked against the bytes left before
anything is sliced, and a count too large for them fails at once, so a count of 2^31 costs one
comparison, not a loop or an allocation. A block is damaged from the first property that does
not fit: the properties before it are given, then `MapiError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

MULTIPLE = 0x1000
STRING8, UNICODE, BINARY, OBJECT, LONG = 0x001E, 0x001F, 0x0102, 0x000D, 0x0003
_VARIABLE = {STRING8, UNICODE, BINARY, OBJECT}
# the bytes one value of each fixed type takes in TNEF, padding included
_FIXED = {0x0002: 4, LONG: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
          0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16}
_NAMED = 0x8000


class MapiError(Exception):
    """A property does not fit in the bytes left, or its type is none TNEF writes."""


# the property sets whose names are MAPI's own or anyone's: a .msg's name-to-id map gives
# them no GUID of their own (`outlook.name_map`), and a label is looked up without one
_PS_MAPI = bytes.fromhex("2803020000000000c000000000000046")
_PS_PUBLIC_STRINGS = bytes.fromhex("2903020000000000c000000000000046")


@dataclass(frozen=True)
class Prop:
    ident: int  # the property's id (0x3701: an attachment's data)
    kind: int  # its type, without the multi-valued flag (0x0102: binary)
    values: tuple[bytes, ...]  # each value's bytes, padding left out of variable ones
    # a named property's name (id 0x8000 up): its property set's GUID as stored (b"" for
    # MAPI's own and the public strings'), and a number or a string
    name: tuple[bytes, int | str] | None = None


def properties(data: bytes) -> Iterator[Prop]:
    """The properties of a list, in order; MapiError where one does not fit."""
    if len(data) < 4:
        raise MapiError("property list cut short")
    (count,) = struct.unpack_from("<I", data)
    pos, end = 4, len(data)
    if count > (end - pos) // 8:  # every property takes 8 bytes at least: its tag and a value
        raise MapiError("property count past the bytes of the list")
    for _ in range(count):
        if pos + 4 > end:
            raise MapiError("property list cut short")
        kind, ident = struct.unpack_from("<HH", data, pos)
        pos += 4
        name = None
        if ident >= _NAMED:
            name, pos = _name(data, pos)
        values, pos = _values(data, pos, kind)
        yield Prop(ident, kind & ~MULTIPLE, values, name)


def _name(data: bytes, pos: int) -> tuple[tuple[bytes, int | str], int]:
    """A named property's name (a GUID, its kind, and a number or a UTF-16 string), and
    where it ends."""
    if pos + 24 > len(data):
        raise MapiError("property name cut short")
    guid = data[pos:pos + 16]
    guid = b"" if guid in (_PS_MAPI, _PS_PUBLIC_STRINGS) else guid
    kind, number = struct.unpack_from("<II", data, pos + 16)
    if kind == 0:
        return (guid, number), pos + 24
    if kind != 1:
        raise MapiError("property name of an unknown kind")
    after = pos + 24 + _padded(number)  # a string: its length in bytes, then it
    if after > len(data):
        raise MapiError("property name runs past the list")
    said = data[pos + 24:pos + 24 + number].decode("utf-16-le", "replace").rstrip("\x00")
    return (guid, said), after


def _values(data: bytes, pos: int, kind: int) -> tuple[tuple[bytes, ...], int]:
    base, end = kind & ~MULTIPLE, len(data)
    if base not in _VARIABLE and base not in _FIXED:
        raise MapiError("property of an unknown type")
    if base in _FIXED and not kind & MULTIPLE:
        size = _FIXED[base]
        if pos + size > end:
            raise MapiError("property value cut short")
        return (data[pos:pos + size],), pos + size
    if pos + 4 > end:
        raise MapiError("property value cut short")
    (count,) = struct.unpack_from("<I", data, pos)
    pos += 4
    least = _FIXED.get(base, 4)  # a variable value takes its length's 4 bytes at least
    if count > (end - pos) // least:
        raise MapiError("value count past the bytes of the list")
    values = []
    for _ in range(count):
        if base in _FIXED:
            values.append(data[pos:pos + least])
            pos += least
            continue
        if pos + 4 > end:
            raise MapiError("property value cut short")
        (length,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if length > end - pos:
            raise MapiError("property value runs past the list")
        values.append(data[pos:pos + length])
        pos += _padded(length)
    return tuple(values), min(pos, end)


def _padded(length: int) -> int:
    return (length + 3) & ~3


def text(prop: Prop) -> str:
    """A string property's first value: UTF-16 (PT_UNICODE), or 8-bit in the sender's code
    page (Windows-1252 for UK mail). Anything else: ""."""
    found = texts(prop)
    return found[0] if found else ""


def texts(prop: Prop) -> list[str]:
    """A string property's values (a multi-valued one's all: categories, keywords), as
    `text` reads its first."""
    if prop.kind not in (STRING8, UNICODE):
        return []
    encoding = "utf-16-le" if prop.kind == UNICODE else "cp1252"
    return [value.decode(encoding, "replace").split("\x00", 1)[0].strip()
            for value in prop.values]
