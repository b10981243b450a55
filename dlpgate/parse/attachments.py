"""Attachment bytes -> text parts and problems, within a per-message budget.

Contract: `extract()` never raises for anything in the bytes. What cannot be
read becomes a `Problem` (`encrypted-attachment`, `unscannable`) for policy to
decide on. Every archive member is counted against one `Budget` shared by the
whole message, so depth, member count, expanded size and compression ratio are
bounded however the archives nest (a zip quine stops at the depth limit).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import functools
import hashlib
import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dlpgate.config import Limits, Ocr
from dlpgate.model import (
    BODY_PARTS,
    BODY_PICTURE,
    CALENDAR,
    FILE_NAMES,
    Attachment,
    Problem,
    TextPart,
    is_body_picture,
)
from dlpgate.parse import (
    archives,
    doc,
    emf,
    ical,
    ocr,
    office,
    ole1,
    outlook,
    package,
    pdf,
    rtf,
    smime,
    tnef,
    xls,
)
from dlpgate.parse.unpack import RATIO_FROM

Item = TextPart | Attachment | Problem
# Parses a nested message (.eml, message/rfc822); injected to avoid an import cycle.
NestedParser = Callable[[bytes, str, int, "Budget"], Iterator[Item]]

# pypdf logs warnings about damaged files with fragments of their content.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


class BudgetExceeded(Exception):
    pass


@dataclass
class Budget:
    limits: Limits
    parts: int = 0
    expanded: int = 0
    names: set[str] = field(default_factory=lambda: {"subject", *BODY_PARTS, FILE_NAMES,
                                                     CALENDAR})
    sent_as: list[str] = field(default_factory=list)  # each part's name as the message gave it
    # the folders an archive's members are kept in ("Reid, Amy (943 476 5919)/letter.docx"),
    # each once, read after the files' names
    folders: dict[str, None] = field(default_factory=dict)
    # the names of the files and folders inside a .gz, .tar, .7z, .rar or .cab, read after all
    # the others (`archives._names_last`); `unpacking` while one is being read
    unpacked_names: list[str] = field(default_factory=list)
    unpacked_folders: dict[str, None] = field(default_factory=dict)
    unpacking: bool = False
    text: int = 0  # characters of text the message's parts have given so far
    ocr: Ocr | None = None  # None: images are not read (`history learn`, tests of text alone)
    ocr_read: int = 0  # scanned pages and images read so far (`scan.ocr.max_pages`)
    ocr_spent: float = 0.0  # seconds of OCR so far (`scan.ocr.max_seconds`)
    pictures: dict[str, int] = field(default_factory=dict)  # pasted pictures, per message
    pasted: set[bytes] = field(default_factory=set)  # the sha256 of each pasted picture seen
    # pictures inside documents the message's OCR had no room for (`shown_picture`)
    unread_pictures: int = 0
    # pictures under `min_pixels` (`_crop`) left unread: no room kept for them, or OCR failed
    unread_small: int = 0
    # photographs not read, where a first look found nothing like a line of text in them
    # (`scan.ocr.skip_photos`, `ocr.Reader.shows_no_text`)
    unread_photos: int = 0

    def full(self) -> bool:
        """The message has given all the text one scan reads (`max_message_text`)."""
        return self.text >= self.limits.max_message_text

    def ours(self, name: str) -> str:
        """A part name the parser gives (the meeting request): reserved against files of that
        name, itself the first time it is given, numbered after."""
        if name in self.names and name not in self.sent_as:
            self.sent_as.append(name)
            return name
        return self.unique(name)

    def unique(self, name: str) -> str:
        """`name`, or "notes (2).txt" when a part of the message already has it (or it is
        the subject's or the body's): findings point into a part by its name, and a second
        notes.txt, or a file called "body", showed the reviewer its text in place of the
        first one's, whose NHS number they never saw. A file called "body picture 1" is
        renamed so too: policy would read it as the body."""
        self.sent_as.append(name)
        return self._free(name, taken=is_body_picture(name))

    def picture(self, prefix: str) -> str:
        """The name of the next picture pasted into the body of the message at `prefix` (""
        for the message itself, else an attached one's): "body picture 2"."""
        n = self.pictures[prefix] = self.pictures.get(prefix, 0) + 1
        return self._free(f"{prefix}/{BODY_PICTURE} {n}" if prefix else f"{BODY_PICTURE} {n}")

    def inside(self, name: str) -> str:
        """`name` made unique, for a part the message never named (a picture inside a saved
        page): not read with the files' names, as a name someone gave is."""
        return self._free(name)

    def _free(self, name: str, taken: bool = False) -> str:
        if not taken and name not in self.names:
            self.names.add(name)
            return name
        head, slash, leaf = name.rpartition("/")
        stem, dot, ext = leaf.rpartition(".") if "." in leaf.lstrip(".") else (leaf, "", "")
        n = 2
        while (other := f"{head}{slash}{stem} ({n}){dot}{ext}") in self.names:
            n += 1
        self.names.add(other)
        return other

    def take_part(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise BudgetExceeded(f"more than {self.limits.max_parts} parts and archive members")

    def take_bytes(self, n: int) -> None:
        self.expanded += n
        if self.expanded > self.limits.max_expanded:
            raise BudgetExceeded(f"archives expand beyond {self.limits.max_expanded} bytes")

    def reader(self) -> ocr.Reader | None:
        """The OCR reader, when images are read here and it is installed."""
        if self.ocr is None or not self.ocr.enabled or not ocr.available():
            return None
        return ocr.Reader(self.ocr)

    def take_pages(self, wanted: int) -> int:
        """How many of `wanted` scanned pages or images may still be read."""
        room = max(0, self.ocr.max_pages - self.ocr_read) if self.ocr else 0
        given = min(room, wanted)
        self.ocr_read += given
        return given

    def ocr_left(self) -> float:
        """Seconds of OCR the message has left (`scan.ocr.max_seconds`)."""
        return max(0.0, self.ocr.max_seconds - self.ocr_spent) if self.ocr else 0.0

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        """What runs inside counted against the message's OCR (`ocr_left`), whether it
        gives its words or raises."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.ocr_spent += time.monotonic() - started

    def out_of_time(self, name: str) -> Problem:
        """A picture not read because the message's OCR time was spent before it."""
        seconds = self.ocr.max_seconds if self.ocr else 0
        return Problem("unscannable", name, f"image not read: the message's {seconds:g} s of "
                       "OCR were spent before it (scan.ocr.max_seconds)")


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


def _cut(text: str, name: str, limits: Limits) -> Iterator[Item]:
    if len(text) > limits.max_text:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters scanned")
        text = text[: limits.max_text]
    if text.strip():
        yield TextPart(name=name, text=text, is_attachment=True)


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
        if (split := archives.volume(name) or _last_volume(name, data)) is not None:
            yield from archives.one_volume(name, split, _volume(kind, name, data, depth, budget,
                                                                nested))
        elif kind == "pdf":
            yield from _pdf(name, data, depth, budget, nested)
        elif kind == "zip":
            yield from _zip(name, data, depth, budget, nested)
        elif kind in archives.COMPRESSED:
            yield from archives.compressed(kind, name, data, depth, budget, nested)
        elif kind == "tar":
            yield from archives.tar(name, data, depth, budget, nested)
        elif kind in archives.PACKED:
            yield from archives.packed(kind, name, data, depth, budget, nested)
        elif kind == "tnef":
            yield from _tnef(name, data, depth, budget, nested)
        elif kind == "ole":
            if office.ole_is_encrypted(data):
                yield Problem("encrypted-attachment", name, "password-protected Office document")
            elif outlook.is_item(data):
                yield from _outlook(name, data, depth, budget, nested)
            elif (packaged := _packaged(data, budget)) is not None:
                yield from _object(name, packaged, depth, budget, nested)
            elif found := list(_legacy(name, data, budget.limits)):
                yield from found
            elif text := office.ole_text(data):
                if office.ole_damaged(data):  # a cut .xls lost the entry naming its workbook
                    yield Problem("unscannable", name, "damaged compound file: read as text "
                                  "runs only")
                yield from _cut(text, name, budget.limits)
            else:  # every real .doc or .xls has text runs: a cut or damaged one said nothing
                yield Problem("unscannable", name, "legacy Office file with no text found")
        elif kind == "rtf":
            yield from _rtf(name, decode_text(data), depth, budget, nested)
        elif kind == "eml":
            yield from nested(data, name, depth + 1, budget)
        elif kind == "signed":
            yield from _signed(name, data, depth, budget, nested)
        elif kind == "spreadsheetml":
            yield from _workbook(name, data, budget.limits, xml=True)
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
                yield from carried(name, ical.unfold(text), depth, budget, nested)
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


def _rtf(name: str, document: str, depth: int, budget: Budget,
         nested: NestedParser) -> Iterator[Item]:
    """An RTF letter's text, its pictures by OCR as any document's (`letter.rtf/picture 1`),
    and the objects embedded in it."""
    yield from _cut(rtf.text(document), name, budget.limits)
    for n, picture in enumerate(rtf.pictures(document), 1):
        if ocr.readable(picture):
            yield from shown_picture(budget.inside(f"{name}/picture {n}"), picture, budget)
    yield from _rtf_objects(name, document, depth, budget, nested)


def _packaged(data: bytes, budget: Budget) -> ole1.Embedded | None:
    """The file an OLE object's compound file wraps (`outlook.wrapped`): a file dropped into a
    Word document or a workbook (Object Packager's, oleObject1.bin in its embeddings), or an
    Office or PDF file kept whole; None for any other compound file (a .doc, an .xls), or a
    damaged one, read as before."""
    try:
        found = outlook.wrapped(data, max(0, budget.limits.max_expanded - budget.expanded))
    except outlook.OutlookError:
        return None
    return ole1.Embedded(*found) if found is not None else None


def _object(name: str, found: ole1.Embedded, depth: int, budget: Budget,
            nested: NestedParser, unnamed: str = "object") -> Iterator[Item]:
    """The file an embedded object holds, read as an attached file is, a level deeper and
    within the message's parts and bytes: by the name its packager gave it, read with the
    files' names (`letter.docx/oleObject1.bin/Referral.docx`), else as `name/unnamed`. Read
    as a compound file's text runs, a .docx dropped into a letter was compressed bytes, and
    went out unread (PARSER 16)."""
    if depth >= budget.limits.max_depth:
        yield Problem("unscannable", name, f"files nested deeper than {budget.limits.max_depth}")
        return
    budget.take_part()
    budget.take_bytes(len(found.data))
    inner = budget.unique(f"{name}/{found.label}") if found.label else \
        budget.inside(f"{name}/{unnamed}")
    yield from extract(inner, "", found.data, depth + 1, budget, nested)


def _rtf_objects(name: str, document: str, depth: int, budget: Budget,
                 nested: NestedParser) -> Iterator[Item]:
    """The files of the objects embedded in an RTF letter, each read as an attached file is,
    a level deeper, within the message's parts and bytes: `letter.rtf/object 1`, numbered
    as its pictures are, or a packaged file by the name its packager gave it, read with the
    files' names as a file inside an Outlook item is. A workbook pasted into a letter went
    out unread. A linked object's data is a file elsewhere: nothing to read here."""
    limits = budget.limits
    for n, written in enumerate(rtf.objects(document), 1):
        if depth >= limits.max_depth:
            yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
            return
        if not (data := rtf.hex_bytes(written)):
            continue  # no data written: a letter cut short, or a placeholder
        try:
            found = ole1.embedded(data, max(0, limits.max_expanded - budget.expanded))
        except ole1.Ole1Error as exc:
            yield Problem("unscannable", budget.inside(f"{name}/object {n}"),
                          f"damaged embedded object ({exc})")
            continue
        if found is not None:
            yield from _object(name, found, depth, budget, nested, f"object {n}")


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


def _pdf(name: str, data: bytes, depth: int, budget: Budget,
         nested: NestedParser) -> Iterator[Item]:
    """A PDF's text, its scanned pages read in their places; then the pictures on its pages
    of text and the files attached inside it, each a part of its own."""
    limits = budget.limits

    def scans(wanted: list[tuple[int, int]]) -> tuple[dict[int, str], list[str]]:
        numbers = [n for n, _ in wanted]
        reader = budget.reader()
        if reader is None:
            why = "OCR is off" if budget.ocr is None or not budget.ocr.enabled else \
                "OCR is not installed"
            return {}, [f"{_pages(numbers)} scanned, and not read: {why}"]
        room = budget.take_pages(len(numbers))
        unread = [f"{_pages(numbers[room:])} scanned past the message's "
                  f"{budget.ocr.max_pages} read (scan.ocr.max_pages), not read"] \
            if room < len(numbers) else []
        found: dict[int, str] = {}
        for at, (number, pixels) in enumerate(wanted[:room]):
            left = budget.ocr_left()
            if left <= 0:
                budget.ocr_read -= room - at  # not read: not counted against later files
                unread.append(f"{_pages(numbers[at:room])} scanned past the message's "
                              f"{budget.ocr.max_seconds:g} s of OCR (scan.ocr.max_seconds), "
                              "not read")
                break
            try:
                with budget.timing():
                    found |= reader.pages(data, [number], left,
                                          pictured=pixels >= pdf.SCAN_PIXELS)
            except ocr.OcrFailed as exc:
                unread.append(f"scanned {exc}")
        return found, unread

    ocr_on = budget.ocr is not None and budget.reader() is not None
    # from crop_min_pixels: a crop of a case list pasted into a report saved as a PDF
    looked_for = min(budget.ocr.min_pixels, budget.ocr.crop_min_pixels) if ocr_on else None
    try:
        read = pdf.text(data, limits.max_text, scans, looked_for,
                        budget.ocr.min_pixels if ocr_on else 0)
    except pdf.Encrypted:
        yield Problem("encrypted-attachment", name, "password-protected PDF")
        return
    for detail in read.damage:
        yield Problem("unscannable", name, detail)
    yield from _cut(read.text, name, limits)
    yield from _pdf_pictures(name, data, read.pictured, budget, read.small)
    yield from _pdf_files(name, read.files, depth, budget, nested)


def _pdf_pictures(name: str, data: bytes, pictured: list[tuple[int, list[int]]],
                  budget: Budget, small: frozenset[int] = frozenset()) -> Iterator[Item]:
    """The pictures on a PDF's pages of text, each read as an attached picture is (`image`)
    as part "report.pdf/page 2 picture 1": a screenshot of a case list pasted into a typed
    report went out unread, its page having text of its own. They count against the
    message's pages and seconds of OCR, and what those leave unread is counted as any
    picture inside a document is (`shown_picture`). A banner's slogan is left out as a pasted
    one's is (`pasted.is_strip`), and the same picture is read once. A page whose pictures
    are all `small` (under min_pixels) is not taken apart once the message has no room for
    such pictures (`SMALL_SHARE`): they are counted as `_crop` counts them."""
    reader, settings = budget.reader(), budget.ocr
    if reader is None or settings is None:
        return
    seen: set[bytes] = set()
    for at, (number, objects) in enumerate(pictured):
        if _spent(budget):  # counted, as any picture inside a document is
            budget.unread_pictures += sum(len(objects) for _, objects in pictured[at:])
            return
        if _spent(budget, SMALL_SHARE) and small.issuperset(objects):
            budget.unread_small += len(objects)
            continue
        try:
            with budget.timing():
                found = reader.pictures(data, number, objects, budget.ocr_left())
        except ocr.OcrFailed as exc:
            yield Problem("unscannable", name, f"pictures on {exc}")
            continue
        for n, picture in enumerate(found, 1):
            digest = hashlib.sha256(picture).digest()
            if digest in seen:
                continue
            seen.add(digest)
            yield from shown_picture(budget.inside(f"{name}/page {number} picture {n}"),
                                     picture, budget)


def shown_picture(name: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """A picture a document shows in its pages (`image`), a banner's slogan left out as a
    pasted picture's is: a strip without a number or a date across a letterhead is not what
    the file says (`pasted.is_strip`).

    Read while the message's OCR allowance lasts; past it, counted and said in the scan's
    notes, not made a problem. A housing inspection report with thirty photographs, sent to
    its contractor, was otherwise held as unreadable every time, its text read and its
    photographs of damp walls the only thing not; the picture an attached file or the body
    shows is still a problem when it cannot be read.

    Its metadata (EXIF's descriptions, comments and GPS position, PNG text) is read after
    its words, as an attached picture's is (`described`), whether or not OCR is on: a
    photograph in an inspection report described "Amy Reid, 14 Mill Lane" went out unread.
    A banner's counts only where it shows a number or a date, as its words do."""
    from dlpgate.parse.pasted import is_strip, shows_data  # pasted reads through this module

    size = ocr.image_size(data)
    strip = size is not None and is_strip(*size)
    read = (item for item in image(name, data, budget, inside=True)
            if not (strip and isinstance(item, TextPart) and not shows_data(item.text)))
    yield from described(name, data, read, budget.limits, only_data=strip)


def _spent(budget: Budget, share: float = 1.0) -> bool:
    """Whether `share` of the message's OCR allowance (pages, seconds), or its text, is used
    up: all of it for the pictures inside a document, half for those under `min_pixels`
    (`_crop`), so the logos of a long thread's signatures never take what a full screenshot
    after them needs."""
    return budget.ocr is not None and (
        budget.full() or budget.ocr_read >= share * budget.ocr.max_pages
        or budget.ocr_spent >= share * budget.ocr.max_seconds)


def _pdf_files(name: str, files: Iterator[pdf.Attached], depth: int, budget: Budget,
               nested: NestedParser) -> Iterator[Item]:
    """The files attached inside a PDF, each read as the attached file it is
    ("report.pdf/children.csv"), counted as an archive's members are against the message's
    parts, bytes and depth: a list of children attached to a cover report went out unread,
    and a PDF that holds a PDF that holds a PDF stops at `max_depth`."""
    limits = budget.limits
    while True:
        try:
            file = next(files, None)
        except Exception as exc:  # a damaged list: the files found before it are read
            yield Problem("unscannable", name, f"damaged pdf list of attached files "
                          f"({type(exc).__name__})")
            return
        if file is None:
            return
        if depth >= limits.max_depth:
            yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
            return
        budget.take_part()
        inner = budget.unique(f"{name}/{file.name}")
        try:
            content = file.content()
        except Exception as exc:  # damaged, or past what pypdf expands one stream to
            yield Problem("unscannable", inner, f"damaged pdf attached file "
                          f"({type(exc).__name__})")
            continue
        budget.take_bytes(len(content))
        yield from extract(inner, "", content, depth + 1, budget, nested)


def _pages(numbers: list[int]) -> str:
    """ "1 page (3)", "5 pages (21-25)", "3 pages (2, 5, 9)": which, for the reviewer to look
    at by hand."""
    n = len(numbers)
    if n == 1:
        return f"1 page ({numbers[0]})"
    if numbers == list(range(numbers[0], numbers[0] + n)):
        which = f"{numbers[0]}-{numbers[-1]}"
    else:
        which = ", ".join(map(str, numbers[:6])) + (", ..." if n > 6 else "")
    return f"{n} pages ({which})"


def is_picture(content_type: str, data: bytes) -> bool:
    """A picture by its bytes, or by its label where they say nothing else (HEIC); an EMF
    picture by its header."""
    return _kind("", content_type, data) in ("media", "emf")


def image(name: str, data: bytes, budget: Budget, inside: bool = False) -> Iterator[Item]:
    """A picture's words: a photographed form, a screenshot of a case list. A small one (a
    logo, an icon) is passed over; so is any when OCR is off, as before. `inside`: a picture
    inside a document, which the message's OCR allowance reads as far as it goes and then
    counts as not read (`Budget.unread_pictures`) rather than make the file unscannable."""
    reader = budget.reader()
    if reader is None or budget.ocr is None:
        return
    if ocr.is_heif(data):
        yield from _heif(name, data, budget, reader, inside)
        return
    size = ocr.image_size(data)
    if size is not None and size[0] * size[1] < budget.ocr.min_pixels:
        if size[0] * size[1] >= budget.ocr.crop_min_pixels:
            yield from _crop(name, data, budget, reader)
        return
    if inside and _spent(budget):
        budget.unread_pictures += 1
        return
    if budget.full():  # as extract() says it of a file
        yield Problem("unscannable", name, f"not read: the message's text passed "
                      f"{budget.limits.max_message_text} characters before it")
        return
    if budget.ocr_left() <= 0:
        yield budget.out_of_time(name)
        return
    if budget.ocr.skip_photos and _no_text(data, budget, reader):
        budget.unread_photos += 1
        return
    if not budget.take_pages(1):
        yield Problem("unscannable", name, f"image not read: the message had "
                      f"{budget.ocr.max_pages} scanned pages and images read before it "
                      "(scan.ocr.max_pages)")
        return
    try:
        with budget.timing():
            text = reader.image(data, budget.ocr_left())
    except ocr.OcrFailed as exc:
        yield Problem("unscannable", name, f"image not read: {exc}")
        return
    yield from _cut(text, name, budget.limits)


def described(name: str, data: bytes, items: Iterator[Item], limits: Limits,
              only_data: bool = False) -> Iterator[Item]:
    """A picture's reading (`items`, OCR's), with the words its metadata carries
    (`imagemeta`: EXIF descriptions and comments, PNG text) after what OCR read of it, in
    the same part: a screenshot described "Amy Reid, NHS 943 476 5919" went out unread. Read
    whether or not OCR is, as it costs no decoding. `only_data`: the metadata counts only
    where it shows a number or a date (a pasted logo's "Created with GIMP" is nothing the
    message says)."""
    from dlpgate.parse import imagemeta
    from dlpgate.parse.pasted import shows_data  # pasted reads through this module

    found = list(items)
    meta = imagemeta.text(data)
    if not meta or (only_data and not shows_data(meta)):
        yield from found
        return
    for n, item in enumerate(found):
        if isinstance(item, TextPart) and item.name == name:
            found[n] = dataclasses.replace(item, text=f"{item.text}\n{meta}")
            yield from found
            return
    yield from found
    yield from _cut(meta, name, limits)


def _heif(name: str, data: bytes, budget: Budget, reader: ocr.Reader,
          inside: bool) -> Iterator[Item]:
    """A HEIC photograph (an iPhone's: an officer photographs a letter and attaches it),
    drawn as a JPEG (`ocr.Reader.photograph`) and read as one, its drawing's time counted
    against the message's OCR. One that cannot be drawn (damaged, or heif-convert not
    installed) is unscannable, as a JPEG Tesseract fails on is: it went out unread, and said
    nothing, before."""
    if inside and _spent(budget):
        budget.unread_pictures += 1
        return
    if budget.ocr is not None and budget.ocr_left() <= 0:
        yield budget.out_of_time(name)
        return
    try:
        with budget.timing():
            drawn = reader.photograph(data, budget.ocr_left())
    except ocr.OcrFailed as exc:
        yield Problem("unscannable", name, f"image not read: {exc}")
        return
    yield from image(name, drawn, budget, inside)


def _no_text(data: bytes, budget: Budget, reader: ocr.Reader) -> bool:
    """Whether a photograph showed nothing like a line of text at a first look: it is then
    not read, and takes none of the message's `max_pages`, so a screenshot after thirty
    photographs of damp walls is still read; the look's time counts against `max_seconds`."""
    with budget.timing():
        return reader.shows_no_text(data, budget.ocr_left())


# the share of a message's OCR that pictures under `min_pixels` may use (`_spent`)
SMALL_SHARE = 0.5


def _crop(name: str, data: bytes, budget: Budget, reader: ocr.Reader) -> Iterator[Item]:
    """A picture under `min_pixels`: a logo, a badge, or a screenshot cropped to a row or two
    of a case list (at 100% scaling one row is 640 x 38 and three are 640 x 80; all went out
    unread). Its words count only where they show a number or a date, as a record does and a
    logo's slogan does not. Read only while the message has used less than half its OCR, so
    the logos in a long thread's signatures never spend what a full screenshot after them
    needs; one not read (no room, or OCR failed on it) is counted in the scan's notes and is
    no problem, as a logo never was."""
    from dlpgate.parse.pasted import shows_data  # pasted reads through this module

    if _spent(budget, SMALL_SHARE):
        budget.unread_small += 1
        return
    budget.take_pages(1)
    try:
        with budget.timing():
            text = reader.image(data, budget.ocr_left())
    except ocr.OcrFailed:
        budget.unread_small += 1
        return
    if shows_data(text):
        yield from _cut(text, name, budget.limits)


def _metafile(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """An EMF picture's text (`emf.text`), its rows under a header row labelled as a sheet's
    are: Excel's "Copy as Picture" of a range of children is a table drawn."""
    from dlpgate.parse.tables import labelled

    yield from _cut(labelled(emf.text(data), "\t", limits.max_text, quotes=False), name, limits)


def _cut_office(reader: Callable[..., str], zf: zipfile.ZipFile, read: Callable,
                name: str, limits: Limits) -> Iterator[Item]:
    """An Office document's text within max_text, saying so when some was left out."""
    try:
        text = reader(zf, read, limits.max_text)
    except office.TextCut as cut:  # or a binary workbook's cells capped, or damaged
        yield Problem("unscannable", name, cut.why or f"only the first {limits.max_text} "
                      "characters scanned")
        text = cut.text
    yield from _cut(text, name, limits)


def _workbook(name: str, data: bytes, limits: Limits, xml: bool = False) -> Iterator[Item]:
    """A legacy .xls cell by cell (`xls.text`), or its XML Spreadsheet 2003 save; nothing when
    it turns out to be no workbook, and its text runs (its text), said to be a partial
    reading, when it is damaged."""
    try:
        text = xls.spreadsheetml_text(data, limits.max_text) if xml else \
            xls.text(data, limits.max_text)
    except xls.NotWorkbook:
        return
    except xls.Encrypted as exc:
        yield Problem("encrypted-attachment", name, str(exc))
        return
    except xls.XlsError as exc:
        yield Problem("unscannable", name, f"{exc}: read as text runs only")
        text = decode_text(data) if xml else office.ole_text(data)
    except xls.TooManyCells as cut:
        yield Problem("unscannable", name, f"the workbook's sheets pass {xls.MAX_CELLS} cells "
                      "together: the sheets from there on not scanned")
        text = cut.text
    except office.TextCut as cut:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters "
                      "scanned")
        text = cut.text
    yield from _cut(text, name, limits)


def _legacy(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """A legacy workbook cell by cell, or a Word document as Word shows it; nothing when it
    is neither or cannot be read so, and its text runs are read instead."""
    if xls.is_workbook(data) and (found := list(_workbook(name, data, limits))):
        yield from found
    elif doc.is_document(data):
        yield from _document(name, data, limits)


def _document(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """A legacy Word document as Word shows it (`doc.text`); nothing when it cannot be read
    so (damaged, older than Word 97, or nothing in it), and its text runs are read as before."""
    try:
        text = doc.text(data, limits.max_text)
    except doc.Encrypted as exc:
        yield Problem("encrypted-attachment", name, str(exc))
        return
    except doc.DocError:
        return
    except office.TextCut as cut:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters "
                      "scanned")
        text = cut.text
    yield from _cut(text, name, limits)


def _outlook(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    """A .msg: its subject and body, and each file attached to it read as an attachment of
    its own. A damaged one is read as its text runs, as any legacy Office file is."""
    limits = budget.limits
    try:
        item = outlook.read(data, max(0, limits.max_expanded - budget.expanded))
    except outlook.OutlookError as exc:
        yield Problem("unscannable", name, str(exc))
        yield from _cut(office.ole_text(data), name, limits)
        return
    if not (item.text or item.files or item.items or item.named or item.hidden):
        yield Problem("unscannable", name, "Outlook item with nothing readable in it")  # cut
    for detail in item.damage:
        yield Problem("unscannable", name, f"Outlook item: {detail}")
    # its named properties (an appointment's location) after all it gave before, in place,
    # and what its HTML body hides after those (PARSER 21)
    yield from _cut(_joined(item.text or office.ole_text(data), item.named, item.hidden), name,
                    limits)
    yield from _item_parts(name, item, depth, budget, nested)


def _item_parts(name: str, item: outlook.Item, depth: int, budget: Budget,
                nested: NestedParser) -> Iterator[Item]:
    """The files of an Outlook item, and the items attached to it with theirs: a forwarded
    message inside the forwarded one was passed over without a trace."""
    yield from files_inside(name, item.files, depth, budget, nested)
    for title, runs in item.objects:  # an OLE object of no kind read whole: its text runs
        budget.take_part()
        label = budget.unique(f"{name}/{title}")
        yield Attachment(name=label, content_type="application/octet-stream", size=0,
                         depth=depth + 1)
        yield from _cut(runs, label, budget.limits)
    for title, inner in item.items:
        budget.take_part()
        label = budget.unique(f"{name}/{title}")
        yield Attachment(name=label, content_type="application/vnd.ms-outlook", size=0,
                         depth=depth + 1)
        yield from (Problem("unscannable", label, f"Outlook item: {d}") for d in inner.damage)
        yield from _cut(_joined(inner.text, inner.named, inner.hidden), label, budget.limits)
        yield from _item_parts(label, inner, depth + 1, budget, nested)


def _joined(*texts: str) -> str:
    return "\n".join(t for t in texts if t)


def files_inside(name: str, files: list[tuple[str, bytes]], depth: int, budget: Budget,
                 nested: NestedParser) -> Iterator[Item]:
    """Files a wrapper carries (winmail.dat, a .msg, an invitation), each read as an
    attachment."""
    limits = budget.limits
    if files and depth >= limits.max_depth:
        yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
        return
    for title, payload in files:
        budget.take_part()
        budget.take_bytes(len(payload))
        inner = budget.unique(f"{name}/{title}")
        yield from extract(inner, "", payload, depth + 1, budget, nested)


def carried(name: str, unfolded: str, depth: int, budget: Budget,
            nested: NestedParser) -> Iterator[Item]:
    """The files an invitation carries inside it (`ical.files`), read as attached ones, each
    under the invitation's name ("invite.ics/referral.pdf"); one that cannot be decoded is
    unscannable."""
    files, damaged = ical.files(unfolded)
    if damaged:
        yield Problem("unscannable", name, f"{damaged} file(s) inside the invitation could "
                      "not be decoded (damaged base64)")
    yield from files_inside(name, files, depth, budget, nested)


def _tnef(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    """winmail.dat: its text, the pictures its rich-text body shows, and each file inside read
    as an attachment of its own. An Outlook item attached to it is a TNEF stream of its own,
    read through `extract` as any file inside is, a level deeper: the message's depth, part
    and byte limits hold however deep items nest."""
    limits = budget.limits
    try:
        contents = tnef.read(data, max(0, limits.max_expanded - budget.expanded))
    except tnef.TnefError as exc:
        yield Problem("unscannable", name, f"Outlook rich-text wrapper: {exc}")
        return
    budget.take_bytes(contents.expanded)
    for detail in contents.damage:
        yield Problem("unscannable", name, f"Outlook rich-text wrapper: {detail}")
    # its named properties after all else it says (a hold made before keeps its offsets),
    # then what its HTML hides and its attachments' properties say (PARSER 23)
    text = _joined(contents.subject, contents.body, contents.named, contents.hidden,
                   contents.attached)
    for item in _cut(text, name, limits):
        # marked, for mime.py to leave out what the message's own text part says
        yield dataclasses.replace(item, content_type=tnef.CONTENT_TYPE) \
            if isinstance(item, TextPart) else item
    for n, (ctype, picture) in enumerate(contents.pictures, 1):
        if is_picture(ctype, picture) and ocr.readable(picture):
            yield from shown_picture(budget.inside(f"{name}/picture {n}"), picture, budget)
    budget.sent_as += (f"{name}/{other}" for other in contents.names)
    yield from files_inside(name, contents.files, depth, budget, nested)


def _zip(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    limits = budget.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        yield Problem("unscannable", name, f"damaged ZIP archive ({type(exc).__name__})")
        return
    with zf:
        infos = zf.infolist()
        if any(i.flag_bits & 0x1 for i in infos):
            yield Problem("encrypted-attachment", name, "password-protected ZIP archive")
            return

        def read(info: zipfile.ZipInfo) -> bytes:
            return _read_member(zf, info, name, budget)

        if office.is_ooxml(zf) or office.is_odf(zf):
            # its [Content_Types].xml read once, for its text and for the files inside it
            ooxml = office.is_ooxml(zf)
            kinds = office.types(zf, read) if ooxml else {}
            text = functools.partial(office.ooxml_text, kinds=kinds) if ooxml else \
                office.odf_text
            yield from _cut_office(text, zf, read, name, limits)
            yield from _in_document(zf, read, name, depth, budget, nested, kinds)
            return
        if depth >= limits.max_depth:
            yield Problem("unscannable", name, f"archives nested deeper than {limits.max_depth}")
            return
        for info in infos:
            # a case folder per child, named after them: a name sent as plainly as a file's
            budget.folders.update(dict.fromkeys(
                f for f in info.filename.replace("\\", "/").split("/")[:-1] if f.strip()))
            if info.is_dir():
                continue
            budget.take_part()
            inner = budget.unique(f"{name}/{info.filename}")
            try:
                member = read(info)
            except _MemberRefused as exc:
                yield Problem("unscannable", inner, str(exc))
                continue
            yield from extract(inner, "", member, depth + 1, budget, nested)
        yield from _cut(_zip_comments(zf, infos), name, limits)  # after its files


def _zip_comments(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    """The archive's comment and its files' own, a line each ("Archive comment: ...",
    "Comment on NAME: ..."): WinZip and 7-Zip show them only when asked, and "Amy Reid NHS
    943 476 5919" as a zip's comment went out unread. Each is 64 KB at most (the format's
    two-byte length)."""
    lines = [("Archive comment", zf.comment)] + [(f"Comment on {i.filename}", i.comment)
                                                   for i in infos if i.comment]
    return "\n".join(f"{label}: {said}" for label, raw in lines
                     if (said := " ".join(decode_text(raw).split())))


def _last_volume(name: str, data: bytes) -> tuple[str, int] | None:
    """("ZIP", its number) for the .zip that ends a split zip (`zip -s`, WinZip), by the
    volume its end record says it is; None for a zip not split. Its files begin in the
    volumes before it: it was an "unrecognised binary format"."""
    if not name.lower().endswith(".zip"):
        return None
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    disk = int.from_bytes(data[end + 4:end + 6], "little") if end >= 0 else 0
    return ("ZIP", disk + 1) if disk else None


def _in_document(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes], name: str,
                 depth: int, budget: Budget, nested: NestedParser,
                 kinds: dict[str, str]) -> Iterator[Item]:
    """A document's pictures and the files inside it, read as attached ones are: a screenshot
    of a case list pasted into a Word document, a workbook embedded in it (package.py).
    Parts of the file, named under it ("report.docx/image1.png"); a picture shown twice (a
    letterhead on every page) read once; a banner's slogan left out as a pasted one's is."""
    for info in package.metafiles(zf):  # their text is records, read without OCR
        inner = budget.inside(f"{name}/{info.filename.rpartition('/')[2]}")
        if isinstance(data := _member(read, info, inner), Problem):
            yield data
        elif emf.is_emf(data):
            yield from _metafile(inner, data, budget.limits)
    seen: set[bytes] = set()
    if budget.reader() is not None and budget.ocr is not None:
        for info in package.pictures(zf):
            inner = budget.inside(f"{name}/{info.filename.rpartition('/')[2]}")
            if isinstance(data := _member(read, info, inner), Problem):
                yield data
                continue
            digest = hashlib.sha256(data).digest()
            if digest in seen or not ocr.readable(data):
                continue
            seen.add(digest)
            yield from shown_picture(inner, data, budget)
    for info in package.files(zf, kinds):
        inner = budget.inside(f"{name}/{info.filename.rpartition('/')[2]}")
        if depth >= budget.limits.max_depth:
            yield Problem("unscannable", inner, f"files nested deeper than "
                          f"{budget.limits.max_depth}")
            continue
        budget.take_part()
        if isinstance(data := _member(read, info, inner), Problem):
            yield data
            continue
        yield from extract(inner, kinds.get(info.filename, ""), data, depth + 1, budget, nested)


class _MemberRefused(Exception):
    pass


def _member(read: Callable[[zipfile.ZipInfo], bytes], info: zipfile.ZipInfo,
            inner: str) -> bytes | Problem:
    """A member's bytes, or the problem that left it unread, said as part `inner`."""
    try:
        return read(info)
    except _MemberRefused as exc:
        return Problem("unscannable", inner, str(exc))


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: Budget) -> bytes:
    """Read one member without trusting its header: stop at the declared size + 1."""
    limits = budget.limits
    declared = info.file_size
    # below RATIO_FROM no ratio is a bomb, as for every other archive: a small file of one
    # line said many times (a padded export, a log) compresses past 100:1 and was held unread
    if declared > RATIO_FROM and info.compress_size \
            and declared / max(info.compress_size, 1) > limits.max_ratio:
        raise BudgetExceeded(
            f"{name}: member compression ratio {declared // max(info.compress_size, 1)}:1 "
            f"exceeds {limits.max_ratio}:1 (zip bomb)"
        )
    budget.take_bytes(declared)
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(1 << 20, declared + 1 - got))
                if not chunk:
                    break
                got += len(chunk)
                chunks.append(chunk)
                if got > declared:
                    raise BudgetExceeded(f"{name}: a member expands beyond its declared size")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
        raise _MemberRefused(f"cannot read archive member ({type(exc).__name__})") from None
    return b"".join(chunks)
