"""An object embedded in an RTF letter: the file it holds.

A workbook or document pasted into a letter in Word or WordPad as an object is written into
the RTF as `{\\object\\objemb ... {\\*\\objdata <hex>} {\\result <its picture>}}`; the letter's
text says nothing of what is in it, and a list of children pasted so went out unread. The
data is an OLE 1 object (MS-OLEDS 2.2): a version, a format (linked, its data a file
elsewhere; or embedded), the class name ("Excel.Sheet.12", "Word.Document.8", "Package"), a
topic and an item name, each a length and its bytes, then the size of the native data and
the data. For Office's classes the native data is a compound file: an Excel or Word 2007
document kept whole in it ("Package"), or a legacy .xls or .doc, which is the file itself;
for the Object Packager's "Package" it is the packaged file, its label and its bytes. Each
is read as `outlook.py` reads an object attached to a rich-text message. Every length is
checked against the bytes left: a class name or native data claiming 4 GB of a 40-byte
object is damage, said as such, in microseconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from dlpgate.parse.office import OLE_MAGIC
from dlpgate.parse.outlook import OutlookError, unpackage, wrapped

_LINKED, _EMBEDDED = 1, 2  # FormatID
_NAMES = 3  # ClassName, TopicName, ItemName


class Ole1Error(Exception):
    """Damaged: the message says how (lengths, never content)."""


@dataclass(frozen=True)
class Embedded:
    """The file an object holds: the label its packager gave it ("" for none), its bytes."""

    label: str
    data: bytes


def embedded(data: bytes, most: int) -> Embedded | None:
    """The file an OLE 1 object holds; None for a linked object, whose data is not in the
    letter. `most`: the bytes its compound file's streams may add up to."""
    class_name, native = _native(data)
    if native is None:
        return None
    if class_name.lower() == "package":  # the Object Packager's: a size, then its layout
        packaged = unpackage(struct.pack("<I", len(native)) + native)
        if packaged is not None:
            return Embedded(*packaged)
    if native.startswith(OLE_MAGIC):
        try:
            inside = wrapped(native, most)
        except OutlookError as exc:
            raise Ole1Error(str(exc)) from None
        if inside is not None:
            return Embedded(*inside)
    return Embedded("", native)


def _native(data: bytes) -> tuple[str, bytes | None]:
    """The class name and native data of an OLE 1 object (None for a linked object)."""
    (_, kind), at = _numbers(data, 0, 2), 8
    if kind == _LINKED:
        return "", None
    if kind != _EMBEDDED:
        raise Ole1Error(f"not an OLE object (format {kind})")
    names = []
    for _ in range(_NAMES):
        (size,) = _numbers(data, at, 1)
        at += 4
        if size > len(data) - at:
            raise Ole1Error(f"a name claims {size} bytes, {len(data) - at} are left")
        names.append(data[at:at + size])
        at += size
    (size,) = _numbers(data, at, 1)
    at += 4
    if size > len(data) - at:
        raise Ole1Error(f"its data claims {size} bytes, {len(data) - at} are left")
    return names[0].rstrip(b"\0").decode("cp1252", "replace"), data[at:at + size]


def _numbers(data: bytes, at: int, count: int) -> tuple[int, ...]:
    """`count` 4-byte little-endian numbers at `at`."""
    if len(data) - at < 4 * count:
        raise Ole1Error(f"cut short at byte {len(data)}")
    return struct.unpack_from(f"<{count}I", data, at)
