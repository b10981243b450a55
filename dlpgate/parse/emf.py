"""The text drawn in an Enhanced Metafile (EMF) picture.

Excel's "Copy as Picture", a Visio diagram or a chart pasted into Word keeps its words as
text-drawing records of the picture ([MS-EMF] EMR_EXTTEXTOUTW), not as pixels: Tesseract does
not read the format, and such a picture of a list of children, in a Word document or attached,
went out unread. Here the records are walked (each a type and a size, the size checked against
the bytes left, so a damaged or hostile one ends the walk), and each text record's characters
read: the runs drawn on one line (the same baseline) by tabs, a line each baseline. Text drawn
as glyph numbers (ETO_GLYPH_INDEX) is a font's, not characters, and is passed over.
"""

from __future__ import annotations

import struct

_HEADER, _EOF = 1, 14
_TEXT_A, _TEXT_W = 83, 84  # EMR_EXTTEXTOUTA, EMR_EXTTEXTOUTW
_GLYPH_INDEX = 0x0010
_SIGNATURE = b" EMF"
MAX_RECORDS = 1_000_000  # a picture's records walked at most


def is_emf(data: bytes) -> bool:
    """An EMF picture: a header record first, its signature at byte 40."""
    return len(data) >= 88 and data[:4] == b"\x01\x00\x00\x00" and data[40:44] == _SIGNATURE


def text(data: bytes) -> str:
    """The characters the picture's text records draw, a line a baseline."""
    lines: list[list[str]] = []
    baseline: int | None = None
    at, walked = 0, 0
    while at + 8 <= len(data) and walked < MAX_RECORDS:
        kind, size = struct.unpack_from("<II", data, at)
        if size < 8 or size % 4 or at + size > len(data) or kind == _EOF:
            break  # damaged, or the end
        walked += 1
        if kind in (_TEXT_A, _TEXT_W) and size >= 76:
            found = _drawn(data[at:at + size], wide=kind == _TEXT_W)
            if found is not None:
                y, run = found
                if y != baseline or not lines:
                    lines.append([])
                    baseline = y
                lines[-1].append(run)
        at += size
    return "\n".join("\t".join(runs) for runs in lines if any(r.strip() for r in runs))


def _drawn(record: bytes, wide: bool) -> tuple[int, str] | None:
    """(baseline, characters) of a text record, None where it draws glyph numbers or its
    string lies outside the record."""
    _, y, count, offset, options = struct.unpack_from("<iiIII", record, 36)
    if options & _GLYPH_INDEX:
        return None
    width = 2 if wide else 1
    if offset < 76 or offset + count * width > len(record):
        return None
    raw = record[offset:offset + count * width]
    run = raw.decode("utf-16-le" if wide else "cp1252", "replace").replace("\x00", "")
    return y, " ".join(run.split())
