"""A ZIP -> parts: each member read as an attached file is, or an Office document's (OOXML,
ODF) text, pictures and embedded files; the archive's comments; a split zip's last volume.

Every member is read without trusting its header (`_read_member`: stopped at its declared
size + 1, its compression ratio checked), within the message's budget, and handed back to
`attachments.extract` a level deeper. xlsb.py's cells are read through the same bounded
reader.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator

from dlpgate.config import Limits
from dlpgate.model import Problem
from dlpgate.parse import attachments, emf, ocr, office, package
from dlpgate.parse.budget import Budget, BudgetExceeded, Item, NestedParser, _cut
from dlpgate.parse.decode import decode_text
from dlpgate.parse.pictures import _metafile, shown_picture
from dlpgate.parse.unpack import RATIO_FROM


def read_zip(
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
            yield from attachments.extract(inner, "", member, depth + 1, budget, nested)
        yield from _cut(_zip_comments(zf, infos), name, limits)  # after its files


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


def _zip_comments(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    """The archive's comment and its files' own, a line each ("Archive comment: ...",
    "Comment on NAME: ..."): WinZip and 7-Zip show them only when asked, and "Amy Reid NHS
    943 476 5919" as a zip's comment went out unread. Each is 64 KB at most (the format's
    two-byte length)."""
    lines = [("Archive comment", zf.comment)] + [(f"Comment on {i.filename}", i.comment)
                                                   for i in infos if i.comment]
    return "\n".join(f"{label}: {said}" for label, raw in lines
                     if (said := " ".join(decode_text(raw).split())))


def last_volume(name: str, data: bytes) -> tuple[str, int] | None:
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
        yield from attachments.extract(inner, kinds.get(info.filename, ""), data, depth + 1, budget,
                                       nested)


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
