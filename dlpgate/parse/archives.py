"""Compressed files and archives other than zip (.gz, .bz2, .xz, .zst, .lz4, .tar, .7z, .rar,
.cab, .iso), their files read as a zip's members are.

Councils send case notes as a .7z, a folder as a .tar.gz, a log as a .gz. Each was an
"unrecognised binary format", held whenever it left and never read: a false alarm for the
team that clears holds, and nothing inside was ever looked at.

Three families, one entry point each, called from `attachments.extract`:

- `compressed`: one gzip, bzip2 or xz stream (concatenated streams too, as gzip writes
  them), decompressed with the standard library (`unpack.Unpacking`), or one zstd or LZ4
  stream, by libarchive's filters (`archivelib.Filtered`). A tar inside is read as
  one archive ("cases.tar.gz/Reid/letter.docx"); anything else is one file, named by the gzip
  header or by the attachment's name less its suffix ("notes.txt.gz/notes.txt").
- `tar`: ustar, pax and GNU tar, by the standard library's `tarfile` (`unpack.tar_entries`).
- `packed`: 7z, RAR (4 and 5), CAB and ISO 9660 disc images (Joliet and Rock Ridge names
  too), by libarchive (`archivelib.py`), which reads them entry by entry from memory and
  never writes to disk. Without libarchive such a file is unscannable and says why. A UDF
  disc image with no ISO 9660 directory is unscannable: libarchive reads no UDF.

One volume of an archive split into volumes (`volume`: "cases.7z.001", "cases.z01",
"cases.part2.rar") cannot be read whole: the first is read up to where its files go on into
the next (a 7z's list of files is in its last volume, so nothing of a 7z's first is), and
each is unscannable, said to be one volume of a split archive rather than damaged.

Every entry takes a part of the message's `Budget` (a folder too: a zip's list is read whole
anyway, a tar.gz of a million folder entries was walked for 36 s), a file's bytes counted as
they are decompressed (a 64 KB step at a time, never a whole member first), and a folder's
name is read with the files' names, as a zip's are. One archive's bytes out past `max_ratio`
times its own size (once past `unpack.RATIO_FROM`, below which nothing is a bomb: a small
tar.gz is mostly the zeros tar pads with) are a bomb, `BudgetExceeded` as a zip bomb is.
Names with ".." or a leading slash are names, a link's target is read as its text, and
nothing is written anywhere or followed. A password (7z, RAR) is `encrypted-attachment`;
damage reads what came before it and says so.

The names found inside these archives are read after every name read before they were
unpacked (`Budget.unpacked_names`), as archive folders were in PARSER 15: a hold made before
keeps its offsets in the files' names, so PARSER stays as it was.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dlpgate.model import Problem
from dlpgate.parse import archivelib, attachments
from dlpgate.parse.unpack import (
    LABEL,
    Damaged,
    Entry,
    Meter,
    Unpacking,
    Unread,
    gzip_name,
    is_tar,
    tar_entries,
)

if TYPE_CHECKING:
    from dlpgate.parse.budget import Budget, Item, NestedParser

COMPRESSED = ("gzip", "bzip2", "xz", "zstd", "lz4")
FILTERED = ("zstd", "lz4")  # the compressed kinds libarchive unpacks
PACKED = ("7z", "rar", "cab", "iso", "udf")
KINDS = (*COMPRESSED, "tar", *PACKED)


def available() -> bool:
    """Whether 7z, RAR, CAB, ISO, zstd and LZ4 files can be read here (libarchive is
    installed)."""
    return archivelib.libarchive() is not None


# ---- recognising them ----------------------------------------------------------------------

_RAR4, _RAR5 = b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00"
_MAGIC = ((b"\x1f\x8b\x08", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7z"),
          (_RAR4, "rar"), (_RAR5, "rar"), (b"MSCF\x00\x00\x00\x00", "cab"),
          # a zstd frame, or the skippable frame pzstd writes first; an LZ4 frame, or the
          # legacy one `lz4 -l` writes
          (b"\x28\xb5\x2f\xfd", "zstd"), (b"\x04\x22\x4d\x18", "lz4"),
          (b"\x02\x21\x4c\x18", "lz4"))
_ZSTD_SKIPPABLE = b"\x2a\x4d\x18"  # after a byte 0x50 to 0x5f
# a disc image's volume descriptors begin at its sector 16: ISO 9660's say "CD001", UDF's
# "BEA01", "NSR02" or "NSR03" (a UDF image with ISO 9660 beside it, as most are, is ISO 9660)
_SECTOR = 2048
_DISC_AT = 16 * _SECTOR + 1
_UDF = (b"BEA01", b"NSR02", b"NSR03")
# bzip2: "BZh", the block size, then a block's magic (pi) or the end of an empty stream's
_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
_SUFFIXES = {".gz": "gzip", ".tgz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".tbz2": "bzip2",
             ".tbz": "bzip2", ".xz": "xz", ".txz": "xz", ".zst": "zstd", ".zstd": "zstd",
             ".tzst": "zstd", ".lz4": "lz4", ".tar": "tar", ".7z": "7z", ".rar": "rar",
             ".cab": "cab", ".iso": "iso"}
_TYPES = {"application/gzip": "gzip", "application/x-gzip": "gzip",
          "application/x-bzip2": "bzip2", "application/x-xz": "xz", "application/x-tar": "tar",
          "application/x-gtar": "tar", "application/x-7z-compressed": "7z",
          "application/vnd.rar": "rar", "application/x-rar-compressed": "rar",
          "application/x-rar": "rar", "application/vnd.ms-cab-compressed": "cab",
          "application/zstd": "zstd", "application/x-zstd": "zstd", "application/x-lz4": "lz4",
          "application/x-iso9660-image": "iso"}


def sniff(data: bytes) -> str | None:
    """The kind of archive the bytes begin as, or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:3] == b"BZh" and data[3:4].isdigit() and data[3:4] != b"0" \
            and data[4:10] in _BZIP2_BLOCKS:
        return "bzip2"
    if data[:1] and data[0] & 0xF0 == 0x50 and data[1:4] == _ZSTD_SKIPPABLE:
        return "zstd"
    if (disc := _disc(data)) is not None:
        return disc
    # by its magic alone: a tar old enough to have none is known by its name
    return "tar" if data[257:262] == b"ustar" else None


def _disc(data: bytes) -> str | None:
    """"iso" or "udf" for a disc image, by its volume descriptors, or None."""
    if len(data) < _DISC_AT + _SECTOR:
        return None
    if data[_DISC_AT:_DISC_AT + 5] == b"CD001":
        return "iso"
    if data[_DISC_AT:_DISC_AT + 5] in _UDF:
        return "udf"
    return None


def named(name: str, content_type: str) -> str | None:
    """The kind of archive a file is called, or declared as: for bytes that begin as none
    (read, they are a damaged one, said as such, where "unrecognised binary format" said
    nothing), and for a tar old enough to have no magic."""
    leaf = name.rpartition("/")[2].lower()
    suffix = leaf[leaf.rfind("."):] if "." in leaf else ""
    return _SUFFIXES.get(suffix) or _TYPES.get(content_type)


# ---- the three families ------------------------------------------------------------------

def compressed(kind: str, name: str, data: bytes, depth: int, budget: Budget,
               nested: NestedParser) -> Iterator[Item]:
    """A gzip, bzip2 or xz file: a tar inside read as one archive, else the one file."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    meter = Meter(name, kind, len(data), budget)
    stream: Unpacking | archivelib.Filtered
    if kind in FILTERED:
        if (lib := archivelib.libarchive()) is None:
            yield _no_libarchive(kind, name)
            return
        stream = archivelib.Filtered(lib, kind, data, meter)
    else:
        stream = Unpacking(kind, data, meter)
    with _names_last(budget), contextlib.closing(stream):
        try:
            head = stream.peek(512)
        except Damaged as exc:
            yield Problem("unscannable", name, f"damaged {LABEL[kind]} file: {exc}")
            return
        if is_tar(head):
            yield from _members(name, tar_entries(name, stream, meter, counted=True), depth,
                                budget, nested)
        else:
            yield from _one_file(kind, name, data, stream, depth, budget, nested)
        if stream.damage:
            yield Problem("unscannable", name, f"damaged {LABEL[kind]} file: "
                          f"{stream.damage}; what came before it was read")


def tar(name: str, data: bytes, depth: int, budget: Budget,
        nested: NestedParser) -> Iterator[Item]:
    """A tar archive, not compressed: each member's bytes count, as a zip's stored ones do."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    meter = Meter(name, "tar", len(data), budget)
    with _names_last(budget):
        yield from _members(name, tar_entries(name, io.BytesIO(data), meter, counted=False),
                            depth, budget, nested)


def packed(kind: str, name: str, data: bytes, depth: int, budget: Budget,
           nested: NestedParser) -> Iterator[Item]:
    """A 7z, RAR, CAB or ISO 9660 archive, through libarchive (or a split zip's first
    volume, read by its local headers)."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    if kind == "udf":
        yield Problem("unscannable", name, "UDF disc image not read: only ISO 9660 disc images "
                      "are (libarchive reads no UDF)")
        return
    if (lib := archivelib.libarchive()) is None:
        yield _no_libarchive(kind, name)
        return
    meter = Meter(name, kind, len(data), budget)
    with _names_last(budget):
        yield from _members(name, archivelib.entries(lib, kind, name, data, meter), depth,
                            budget, nested)


def _one_file(kind: str, name: str, data: bytes, stream: Unpacking, depth: int,
              budget: Budget, nested: NestedParser) -> Iterator[Item]:
    """The one file a compressed file holds, read a level deeper: by the name the gzip header
    gives it (a name someone gave, read with the files' names), else by the attachment's
    name less its suffix ("notes.txt.gz/notes.txt")."""
    given = gzip_name(data) if kind == "gzip" else None
    leaf = name.rpartition("/")[2]
    stem, dot, suffix = leaf.rpartition(".")
    if not given and dot and stem and named(leaf, "") == kind:
        title = stem + (".tar" if suffix.lower().startswith("t") else "")
    else:
        title = given or "content"
    budget.take_part()
    inner = budget.unique(f"{name}/{title}") if given else budget.inside(f"{name}/{title}")
    content = stream.read()
    if content:
        yield from attachments.extract(inner, "", content, depth + 1, budget, nested)


# ---- one volume of a split archive ---------------------------------------------------------

# "cases.7z.001" (7-Zip's -v, of any archive), "cases.z01" (WinZip's and zip -s's volumes
# before the last, which is the .zip), "cases.part2.rar" and "cases.r00" (WinRAR's)
_VOLUME = re.compile(r"\.(?:(7z|zip|rar|tar|tgz|tar\.gz|tar\.bz2|tar\.xz|tar\.zst|gz|bz2|xz|"
                     r"zst|lz4|cab|iso)\.(\d{3})|(z)(\d{2})|part(\d{1,3})\.(rar)|(r)(\d{2}))$",
                     re.IGNORECASE)
_VOLUME_LABEL = {"7z": "7z", "zip": "ZIP", "z": "ZIP", "rar": "RAR", "r": "RAR", "cab": "CAB",
                 "iso": "ISO 9660"}


def volume(name: str) -> tuple[str, int] | None:
    """(the kind of archive, which volume) a file's name says it is one volume of, or None.
    A .z01 is the first of a split zip's (its last is the .zip); a .r00 the second of an
    old RAR's (its first is the .rar)."""
    found = _VOLUME.search(name.rpartition("/")[2])
    if found is None:
        return None
    kind, number = sorted((g.lower() for g in found.groups() if g is not None),
                          key=str.isdigit)  # "part2.rar": its number first
    return _VOLUME_LABEL.get(kind, kind), int(number) + (2 if kind == "r" else 0)


def one_volume(name: str, split: tuple[str, int], items: Iterator[Item] | None) -> \
        Iterator[Item]:
    """One volume of a split archive: what its reader gave of it (`items`; None for a volume
    that cannot be read alone), less the damage it said of the archive itself (a volume
    ends where its files go on: that is no damage), then why it was not read whole. A first
    volume read to its end is the whole archive (7-Zip's -v names it .001 however small)."""
    label, number = split
    read = cut = False
    for item in items or ():
        if _volume_end(name, item):
            cut = True
            continue
        read = read or not isinstance(item, Problem)
        yield item
    if items is not None and not cut:
        return
    if read:
        why = "only the files it holds whole were read; the rest are in the other volumes"
    elif items is None or number > 1:
        why = "it cannot be read without the volumes before it"
    else:
        why = "none of its files can be read without the other volumes"
    yield Problem("unscannable", name, f"volume {number} of a split {label} archive: {why}")


def _volume_end(name: str, item: Item) -> bool:
    """Whether `item` is the damage a volume's reader says where the volume ends: of the
    volume itself, or of the file that goes on past it (not of an archive inside it)."""
    if not (isinstance(item, Problem) and item.kind == "unscannable"
            and item.detail.startswith("damaged ")):
        return False
    return item.part == name or item.part.startswith(f"{name}/") and \
        "this file could not be unpacked" in item.detail


def _no_libarchive(kind: str, name: str) -> Problem:
    what = "file" if kind in COMPRESSED else "archive"
    return Problem("unscannable", name, f"{LABEL[kind]} {what} not read: libarchive is not "
                   "installed (Debian's libarchive13)")


# ---- what they share ---------------------------------------------------------------------

def _too_deep(name: str, depth: int, budget: Budget) -> Problem | None:
    if depth >= budget.limits.max_depth:
        return Problem("unscannable", name, f"archives nested deeper than "
                       f"{budget.limits.max_depth}")
    return None


def _members(name: str, entries: Iterator[Entry | Problem], depth: int, budget: Budget,
             nested: NestedParser) -> Iterator[Item]:
    """Each file of an archive read as an attachment of its own, a level deeper, as a zip's
    members are: its part taken before its bytes are, its folders read as names."""
    locked = False
    for entry in entries:
        if isinstance(entry, Problem):
            yield entry
            continue
        budget.take_part()  # a folder too (the module's doc says why)
        steps = entry.path.replace("\\", "/").split("/")
        held = steps if entry.folder else steps[:-1]
        budget.folders.update(dict.fromkeys(f for f in held if f.strip() not in ("", ".", "..")))
        if entry.folder:
            continue
        inner = budget.unique(f"{name}/{entry.path}")
        if entry.read is None:
            continue
        try:
            data = entry.read()
        except Unread as exc:
            if not (exc.whole and locked):  # a password said once, for the archive
                yield Problem(exc.kind, name if exc.whole else inner, str(exc))
            locked = locked or exc.whole
            continue
        if data:  # an empty file says nothing: its name is read
            yield from attachments.extract(inner, "", data, depth + 1, budget, nested)


@contextlib.contextmanager
def _names_last(budget: Budget) -> Iterator[None]:
    """The names of the files and folders found inside (however deep, in whatever kind of
    file), moved after every name read before, once the outermost of these archives is
    read: see the module's doc."""
    if budget.unpacking:
        yield
        return
    budget.unpacking = True
    names, folders = len(budget.sent_as), set(budget.folders)
    try:
        yield
    finally:
        budget.unpacking = False
        budget.unpacked_names += budget.sent_as[names:]
        del budget.sent_as[names:]
        for folder in [f for f in budget.folders if f not in folders]:
            del budget.folders[folder]
            budget.unpacked_folders[folder] = None


