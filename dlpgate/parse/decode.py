"""Bytes -> text, for files that are text: a byte order mark first, then UTF-16 written
without one, then the declared charset, UTF-8, and cp1252 last.

Its own module because the MIME reader, the Outlook reader, the review app and the attachment
dispatcher (`attachments._kind`, which asks whether bytes look like text) all decode so, and
none of them should have to import the attachment readers to do it.
"""

from __future__ import annotations

import codecs


def _looks_textual(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # cut mid-character at the sample's end


# UTF-32's before UTF-16's, whose little-endian mark begins UTF-32's: read as UTF-16 it was
# NULs between the letters
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)


def _utf16_unmarked(data: bytes) -> str | None:
    """UTF-16 written without a byte order mark, known by its zero bytes: every other byte
    of Latin text is one. Read as UTF-8 it was letters with NULs between, and no identifier
    was found in it."""
    sample = data[:1024]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes, charset: str | None = None) -> str:
    """A byte order mark outranks the declared charset, as in a browser: Excel's "Unicode
    Text" and UTF-16 CSV exports arrive declared as anything, and read as cp1252 they were
    NULs between letters where no identifier was found."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    if unmarked := _utf16_unmarked(data):
        return data.decode(unmarked, errors="replace")
    for enc in (charset, "utf-8"):
        if not enc:
            continue
        try:
            return data.decode(enc)
        except (LookupError, ValueError):  # unknown, not text, a NUL in the name, bad bytes
            continue
    return data.decode("cp1252", errors="replace")
