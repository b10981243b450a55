"""Attachment bytes -> text parts and problems, within a per-message budget: where the
reading of every attached file starts.

Contract: `extract()` never raises for anything in the bytes. What cannot be
read becomes a `Problem` (`encrypted-attachment`, `unscannable`) for policy to
decide on. Every archive member is counted against one `Budget` shared by the
whole message, so depth, member count, expanded size and compression ratio are
bounded however the archives nest (a zip quine stops at the depth limit).

`_kind` tells what a file is by its bytes; `extract` hands it to the reader of its kind:
pdfparts.py (PDFs), zips.py (zips, and the Office documents that are zips), documents.py
(legacy Office files, Outlook items, winmail.dat, RTF), archives.py (gzip, tar, 7z, RAR, CAB,
ISO), pictures.py (pictures and EMF, by OCR and their metadata); text and web pages are read
here. Each reader gives the files inside back to `extract`, a level deeper. The `Budget` is
in budget.py and text decoding in decode.py, below every reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dlpgate.model import Attachment, Problem
from dlpgate.parse import (
    archives,
    documents,
    emf,
    ical,
    ocr,
    office,
    outlook,
    pdfparts,
    smime,
    tnef,
    xls,
    zips,
)
from dlpgate.parse.budget import Budget, BudgetExceeded, Item, NestedParser, _cut
from dlpgate.parse.decode import _WIDE_BOMS, _looks_textual, _utf16_unmarked, decode_text
from dlpgate.parse.pictures import _metafile, described, image, shown_picture

_TEXT_TYPES = ("text/plain", "text/csv", "text/tab-separated-values", "application/csv")
_TEXT_EXT = (".txt", ".csv", ".tsv", ".log", ".md", ".json", ".xml", ".ics", ".vcf")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF")


def _is_bitmap(head: bytes) -> bool:
    """A Windows bitmap: "BM", and the four bytes its header keeps as zeros. By "BM" alone a
    public-health CSV whose first column is "BMI" was a picture, and held as unreadable."""
    return head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00"


def _is_pdf(head: bytes, data: bytes) -> bool:
    """A PDF, perhaps behind a few bytes of something else (a mail gateway's banner). Not a
    text file that mentions "%PDF-" near its start, which has no end-of-file marker: it was
    read as a damaged PDF and held."""
    if head.startswith(b"%PDF"):
        return True
    return b"%PDF-" in data[:1024] and (b"%%EOF" in data[-2048:] or not _looks_textual(data))


def _kind(name: str, content_type: str, data: bytes) -> str:
    """Sniff the real type: extensions and declared types lie more often than magic."""
    lower = name.lower()
    head = data[:16]
    if head.startswith(b"\x30") and smime.kind(data) == "signed-data":
        # a .p7m: opaque-signed S/MIME, or a signed document (a CAdES report.pdf.p7m, its
        # %PDF near the start, was a PDF pypdf could not open)
        return "signed"
    if (packed := archives.sniff(data)) is not None:  # before PDF: a tar of one holds "%PDF-"
        return packed
    if _is_pdf(head, data):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(office.OLE_MAGIC):
        return "ole"
    if head.startswith(tnef.SIGNATURE):
        return "tnef"
    if emf.is_emf(data):  # before pictures: its text is records, not pixels
        return "emf"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(_IMAGE_MAGIC) or _is_bitmap(head) or ocr.is_heif(data) or (
            content_type.startswith(("image/", "audio/", "video/")) and not _looks_textual(data)):
        # by its bytes: a list of children renamed children.jpg went as image/jpeg, unread
        return "media"
    if content_type in ("message/rfc822", "multipart/related", "application/x-mimearchive") \
            or lower.endswith((".eml", ".mht", ".mhtml")):
        # a saved web page (.mht) is a MIME message: its base64 parts read as raw text said
        # nothing
        return "eml"
    if xls.is_spreadsheetml(data):
        return "spreadsheetml"
    if content_type == "text/html" or lower.endswith((".html", ".htm")) or \
            _HTML_START.match(data[:512]):
        # by its bytes too: a case system's "export to Excel" is an HTML table called .xls
        return "html"
    if content_type in _TEXT_TYPES or content_type.startswith("text/") or lower.endswith(_TEXT_EXT):
        return "text"
    if _looks_textual(data) or head.startswith(_WIDE_BOMS) or _utf16_unmarked(data):
        return "text"
    return archives.named(lower, content_type) or "binary"  # a damaged one, said as such


_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)?<(?:!doctype html|html|head|body"
                         rb"|table)\b", re.IGNORECASE | re.DOTALL)


def extract(
    name: str, content_type: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    kind = _kind(name, content_type, data)
    yield Attachment(name=name, content_type=content_type, size=len(data), depth=depth)
    if budget.full():  # not read at all: its text would not be scanned
        yield Problem("unscannable", name, f"not read: the message's text passed "
                      f"{budget.limits.max_message_text} characters before it")
        return
    try:
        if (split := archives.volume(name) or zips.last_volume(name, data)) is not None:
            yield from archives.one_volume(name, split, _volume(kind, name, data, depth, budget,
                                                                nested))
        elif kind == "pdf":
            yield from pdfparts.read_pdf(name, data, depth, budget, nested)
        elif kind == "zip":
            yield from zips.read_zip(name, data, depth, budget, nested)
        elif kind in archives.COMPRESSED:
            yield from archives.compressed(kind, name, data, depth, budget, nested)
        elif kind == "tar":
            yield from archives.tar(name, data, depth, budget, nested)
        elif kind in archives.PACKED:
            yield from archives.packed(kind, name, data, depth, budget, nested)
        elif kind == "tnef":
            yield from documents.read_tnef(name, data, depth, budget, nested)
        elif kind == "ole":
            if office.ole_is_encrypted(data):
                yield Problem("encrypted-attachment", name, "password-protected Office document")
            elif outlook.is_item(data):
                yield from documents.read_outlook(name, data, depth, budget, nested)
            elif (packaged := documents.packaged(data, budget)) is not None:
                yield from documents.read_object(name, packaged, depth, budget, nested)
            elif found := list(documents.read_legacy(name, data, budget.limits)):
                yield from found
            elif text := office.ole_text(data):
                if office.ole_damaged(data):  # a cut .xls lost the entry naming its workbook
                    yield Problem("unscannable", name, "damaged compound file: read as text "
                                  "runs only")
                yield from _cut(text, name, budget.limits)
            else:  # every real .doc or .xls has text runs: a cut or damaged one said nothing
                yield Problem("unscannable", name, "legacy Office file with no text found")
        elif kind == "rtf":
            yield from documents.read_rtf(name, decode_text(data), depth, budget, nested)
        elif kind == "eml":
            yield from nested(data, name, depth + 1, budget)
        elif kind == "signed":
            yield from _signed(name, data, depth, budget, nested)
        elif kind == "spreadsheetml":
            yield from documents.read_workbook(name, data, budget.limits, xml=True)
        elif kind == "html":
            from dlpgate.parse.html import html_to_text, links, pictures, unshown

            page = decode_text(data)
            shown = html_to_text(page)  # then its links' addresses it does not say, then
            # its comments, tooltips and fields that its text does not (PARSER 23)
            unseen = unshown(page, shown)
            yield from _cut("\n".join([shown, *links(page, shown), *[unseen][:bool(unseen)]]),
                            name, budget.limits)
            # a saved page or a case system's report shows its pictures from data: addresses
            # (a chart, a scanned form), as a file of its own would be sent
            for n, (ctype, picture) in enumerate(pictures(page), 1):
                if is_picture(ctype, picture) and ocr.readable(picture):
                    yield from shown_picture(budget.inside(f"{name}/picture {n}"), picture,
                                             budget)
        elif kind == "text":
            from dlpgate.parse.tables import labelled, tabular

            text = decode_text(data)
            if ical.is_calendar(name, content_type, text):  # an invitation, a contact (16)
                yield from _cut(ical.text(text), name, budget.limits)
                yield from documents.carried(name, ical.unfold(text), depth, budget, nested)
            else:
                if name.lower().endswith((".csv", ".tsv")) or content_type in (
                        "text/csv", "text/tab-separated-values", "application/csv") or \
                        tabular(text):
                    text = labelled(text, limit=budget.limits.max_text)
                yield from _cut(text, name, budget.limits)
        elif kind == "emf":
            yield from _metafile(name, data, budget.limits)
        elif kind == "binary":
            yield Problem("unscannable", name, "unrecognised binary format")
        elif kind == "media":
            yield from described(name, data, image(name, data, budget)
                                 if ocr.readable(data) else iter(()), budget.limits)
    except BudgetExceeded:
        raise
    except office.OfficeError as exc:
        yield Problem("unscannable", name, str(exc))
    except RecursionError:
        yield Problem("unscannable", name, f"{kind} nested too deeply to read")
    except Exception as exc:  # a damaged file of any kind: never crash the session
        yield Problem("unscannable", name, f"damaged {kind} file ({type(exc).__name__})")


def _volume(kind: str, name: str, data: bytes, depth: int, budget: Budget,
            nested: NestedParser) -> Iterator[Item] | None:
    """What one volume of a split archive holds whole, read by the reader of its kind (a
    zip's by its local headers: its list of files is in its last volume), or None for a
    volume that is no archive alone (not the first)."""
    if data.startswith(_SPANNED):  # a split zip's first volume says so before its first file
        data = data[len(_SPANNED) - 4:]
    # by its bytes alone: a later volume called .rar begins in the middle of a file
    kind = "zip" if data.startswith(b"PK\x03\x04") else archives.sniff(data) or "binary"
    if kind == "zip":
        return archives.packed("zip", name, data, depth, budget, nested)
    if kind in archives.COMPRESSED:
        return archives.compressed(kind, name, data, depth, budget, nested)
    if kind == "tar":
        return archives.tar(name, data, depth, budget, nested)
    if kind in archives.PACKED:
        return archives.packed(kind, name, data, depth, budget, nested)
    return None


_SPANNED = b"PK\x07\x08PK\x03\x04"


def _signed(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    """Signed data (a .p7m): the content inside, read as an attached message when it is a
    MIME entity (opaque-signed S/MIME), as a file inside it when not ("report.pdf.p7m"). Held
    as an "unrecognised binary format", the whole of a signed message went unread."""
    limits = budget.limits
    try:
        content = smime.signed_content(data, max(0, limits.max_expanded - budget.expanded))
    except smime.TooLarge:
        yield Problem("unscannable", name, f"signed content past the {limits.max_expanded} "
                      "bytes a message may unpack (scan.limits.max_expanded)")
        return
    except smime.SmimeError as exc:
        yield Problem("unscannable", name, f"damaged S/MIME signed data ({exc})")
        return
    if content is None:  # certificates, or a signature of content sent apart: nothing said
        if len(data) > 65536:  # as a signature part's bound (mime._is_signature)
            yield Problem("unscannable", name, f"signed data with no content, {len(data)} "
                          "bytes of it unread")
        return
    budget.take_bytes(len(content))
    if smime.is_entity(content):
        yield from nested(content, name, depth + 1, budget)
        return
    if depth >= limits.max_depth:
        yield Problem("unscannable", name, f"signed files nested deeper than {limits.max_depth}")
        return
    budget.take_part()
    leaf = name.rpartition("/")[2]
    inner = leaf[:-4] if leaf.lower().endswith(".p7m") and len(leaf) > 4 else "content"
    yield from extract(budget.unique(f"{name}/{inner}"), "", content, depth + 1, budget, nested)


def is_picture(content_type: str, data: bytes) -> bool:
    """A picture by its bytes, or by its label where they say nothing else (HEIC); an EMF
    picture by its header."""
    return _kind("", content_type, data) in ("media", "emf")
