"""Compressed files and archives other than zip (.gz, .bz2, .xz, .tar, .7z, .rar, .cab), their
files read as a zip's members are.

Councils send case notes as a .7z, a folder as a .tar.gz, a log as a .gz. Each was an
"unrecognised binary format", held whenever it left and never read: a false alarm for the
team that clears holds, and nothing inside was ever looked at.

Three families, one entry point each, called from `attachments.extract`:

- `compressed`: one gzip, bzip2 or xz stream (concatenated streams too, as gzip writes
  them), decompressed with the standard library. A tar inside is read as one archive
  ("cases.tar.gz/Reid/letter.docx"); anything else is one file, named by the gzip header or
  by the attachment's name less its suffix ("notes.txt.gz/notes.txt").
- `tar`: ustar, pax and GNU tar, by the standard library's `tarfile`.
- `packed`: 7z, RAR (4 and 5) and CAB, by libarchive (Debian's libarchive13) through
  libarchive-c, which reads them entry by entry from memory and never writes to disk. Without
  libarchive such a file is unscannable and says why.

Every file inside takes a part of the message's `Budget`, its bytes counted as they are
decompressed (a 64 KB step at a time, never a whole member first), and a folder's name is
read with the files' names, as a zip's are. One archive's bytes out past `max_ratio` times
its own size (once past `RATIO_FROM`, below which nothing is a bomb: a small tar.gz is mostly
the zeros tar pads with) are a bomb, `BudgetExceeded` as a zip bomb is. Links, devices and
names with "/", ".." or a leading slash are names only: nothing is written anywhere. A
password (7z, RAR) is `encrypted-attachment`; damage reads what came before it and says so.

The names found inside these archives are read after every name read before they were
unpacked (`Budget.unpacked_names`), as archive folders were in PARSER 15: a hold made before
keeps its offsets in the files' names, so PARSER stays as it was.
"""

from __future__ import annotations

import bz2
import contextlib
import ctypes
import functools
import io
import itertools
import locale
import logging
import lzma
import struct
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dlpgate.model import Problem
from dlpgate.parse import attachments

if TYPE_CHECKING:
    from dlpgate.parse.attachments import Budget, Item, NestedParser

COMPRESSED = ("gzip", "bzip2", "xz")
PACKED = ("7z", "rar", "cab")
KINDS = (*COMPRESSED, "tar", *PACKED)

# how each is called in what a reviewer reads
_LABEL = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "tar": "tar", "7z": "7z", "rar": "RAR",
          "cab": "CAB"}
# an archive's bytes out are weighed against `max_ratio` from here on
RATIO_FROM = 1 << 20
_IN_STEP = 64 * 1024  # compressed bytes fed at a time
_OUT_STEP = 64 * 1024  # bytes decompressed at a time, each counted before the next
# xz and lzma allocate the dictionary the file asks for (xz -9 needs 65 MB); more than this
# is refused, as a bomb of memory rather than of bytes
XZ_MEMORY = 256 * 1024 * 1024

# libarchive-c logs libarchive's warnings under its own name, and a wide name it could not
# convert is one of them: the scan says what it could not read, in a problem
logging.getLogger("libarchive").setLevel(logging.CRITICAL)


# ---- recognising them ----------------------------------------------------------------------

_RAR4, _RAR5 = b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00"
_MAGIC = ((b"\x1f\x8b\x08", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7z"),
          (_RAR4, "rar"), (_RAR5, "rar"), (b"MSCF\x00\x00\x00\x00", "cab"))
# bzip2: "BZh", the block size, then a block's magic (pi) or the end of an empty stream's
_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
_SUFFIXES = {".gz": "gzip", ".tgz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".tbz2": "bzip2",
             ".tbz": "bzip2", ".xz": "xz", ".txz": "xz", ".tar": "tar", ".7z": "7z",
             ".rar": "rar", ".cab": "cab"}
_TYPES = {"application/gzip": "gzip", "application/x-gzip": "gzip",
          "application/x-bzip2": "bzip2", "application/x-xz": "xz", "application/x-tar": "tar",
          "application/x-gtar": "tar", "application/x-7z-compressed": "7z",
          "application/vnd.rar": "rar", "application/x-rar-compressed": "rar",
          "application/x-rar": "rar", "application/vnd.ms-cab-compressed": "cab"}


def sniff(data: bytes) -> str | None:
    """The kind of archive the bytes begin as, or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:3] == b"BZh" and data[3:4].isdigit() and data[3:4] != b"0" \
            and data[4:10] in _BZIP2_BLOCKS:
        return "bzip2"
    # by its magic alone: a tar old enough to have none is known by its name
    return "tar" if data[257:262] == b"ustar" else None


def named(name: str, content_type: str) -> str | None:
    """The kind of archive a file is called, or declared as: for bytes that begin as none
    (read, they are a damaged one, said as such, where "unrecognised binary format" said
    nothing), and for a tar old enough to have no magic."""
    leaf = name.rpartition("/")[2].lower()
    suffix = leaf[leaf.rfind("."):] if "." in leaf else ""
    return _SUFFIXES.get(suffix) or _TYPES.get(content_type)


def _is_tar(head: bytes) -> bool:
    """A tar header: POSIX or GNU magic at 257, or (a v7 tar, no magic) a checksum that adds
    up, in the first 512 bytes."""
    if len(head) < 512:
        return False
    if head[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


# ---- the three families ------------------------------------------------------------------

def compressed(kind: str, name: str, data: bytes, depth: int, budget: Budget,
               nested: NestedParser) -> Iterator[Item]:
    """A gzip, bzip2 or xz file: a tar inside read as one archive, else the one file."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    meter = _Meter(name, kind, len(data), budget)
    stream = _Unpacking(kind, data, meter)
    with _names_last(budget):
        try:
            head = stream.peek(512)
        except _Damaged as exc:
            yield Problem("unscannable", name, f"damaged {_LABEL[kind]} file: {exc}")
            return
        if _is_tar(head):
            yield from _members(name, _tar_entries(name, stream, meter, counted=True), depth,
                                budget, nested)
        else:
            yield from _one_file(kind, name, data, stream, depth, budget, nested)
        if stream.damage:
            yield Problem("unscannable", name, f"damaged {_LABEL[kind]} file: "
                          f"{stream.damage}; what came before it was read")


def tar(name: str, data: bytes, depth: int, budget: Budget,
        nested: NestedParser) -> Iterator[Item]:
    """A tar archive, not compressed: each member's bytes count, as a zip's stored ones do."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    meter = _Meter(name, "tar", len(data), budget)
    with _names_last(budget):
        yield from _members(name, _tar_entries(name, io.BytesIO(data), meter, counted=False),
                            depth, budget, nested)


def packed(kind: str, name: str, data: bytes, depth: int, budget: Budget,
           nested: NestedParser) -> Iterator[Item]:
    """A 7z, RAR or CAB archive, through libarchive."""
    if (deep := _too_deep(name, depth, budget)) is not None:
        yield deep
        return
    if (lib := libarchive()) is None:
        yield Problem("unscannable", name, f"{_LABEL[kind]} archive not read: libarchive is "
                      "not installed (Debian's libarchive13)")
        return
    meter = _Meter(name, kind, len(data), budget)
    with _names_last(budget):
        yield from _members(name, _packed_entries(lib, kind, name, data, meter), depth,
                            budget, nested)


# ---- what they share ---------------------------------------------------------------------

@dataclass
class _Entry:
    """One thing an archive holds: a folder, a file (`read` gives its bytes, counted as they
    come), or a link or device, whose name alone is read."""

    path: str
    folder: bool = False
    read: Callable[[], bytes] | None = None


class _Unread(Exception):
    """A member that could not be read: `kind` is the problem, said of the archive when
    `whole` (a password), else of the member."""

    def __init__(self, kind: str, why: str, whole: bool = False) -> None:
        super().__init__(why)
        self.kind, self.whole = kind, whole


def _too_deep(name: str, depth: int, budget: Budget) -> Problem | None:
    if depth >= budget.limits.max_depth:
        return Problem("unscannable", name, f"archives nested deeper than "
                       f"{budget.limits.max_depth}")
    return None


def _members(name: str, entries: Iterator[_Entry | Problem], depth: int, budget: Budget,
             nested: NestedParser) -> Iterator[Item]:
    """Each file of an archive read as an attachment of its own, a level deeper, as a zip's
    members are: its part taken before its bytes are, its folders read as names."""
    locked = False
    for entry in entries:
        if isinstance(entry, Problem):
            yield entry
            continue
        # a folder is a member too, as it is not in a zip, whose list is read whole anyway:
        # a tar.gz of a million folder entries took 36 s to walk to the byte limit
        budget.take_part()
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
        except _Unread as exc:
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


class _Meter:
    """The bytes one archive gives, counted against the message's budget as they come and
    against the archive's own size."""

    def __init__(self, name: str, kind: str, size: int, budget: Budget) -> None:
        self.name, self.kind, self.size, self.budget = name, kind, size, budget
        self.given = 0

    def take(self, n: int) -> None:
        self.given += n
        ratio = self.budget.limits.max_ratio
        if self.given > max(RATIO_FROM, ratio * self.size):
            raise attachments.BudgetExceeded(
                f"{self.name}: {_LABEL[self.kind]} data expands more than {ratio}:1 "
                "(decompression bomb)")
        self.budget.take_bytes(n)


def _text(name: str) -> str:
    """A name read as UTF-8, or as Windows wrote it where it is not (cp1252)."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return name.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def _plain(path: str) -> str:
    """A member's path as tar shows it: without the "./" a `tar -c .` puts before each."""
    while path.startswith("./"):
        path = path[2:]
    return path


# ---- gzip, bzip2, xz ---------------------------------------------------------------------

class _Damaged(Exception):
    pass


class _Inflate:
    """zlib's raw deflate decoder behind the interface bz2's and lzma's decompressors share.
    gzip's header and trailer are read by `_Unpacking`: in zlib's own gzip mode a checksum
    that does not match lost the last step's bytes with the error, and a small file's all."""

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        self._tail = b""

    @property
    def needs_input(self) -> bool:
        return not self._tail

    @property
    def eof(self) -> bool:
        return self._zlib.eof

    @property
    def unused_data(self) -> bytes:
        return self._zlib.unused_data

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._zlib.decompress(self._tail + data, max_length)
        self._tail = self._zlib.unconsumed_tail
        return out


def _decompressor(kind: str) -> Any:
    if kind == "gzip":
        return _Inflate()
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=XZ_MEMORY)


_STREAM_MAGIC = {"gzip": b"\x1f\x8b\x08", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}


class _Unpacking(io.RawIOBase):
    """A compressed file read as the bytes it holds, decompressed a step at a time as it is
    read, each step counted by the meter before the next: a 10 GB .gz of zeros stops at the
    message's limit having held one step. Damage ends the bytes early, and `damage` says how.
    Streams written one after another (gzip's members, pbzip2's blocks) are read on; zeros
    after the last are padding."""

    def __init__(self, kind: str, data: bytes, meter: _Meter) -> None:
        self.kind, self.data, self.meter = kind, data, meter
        self.fed = 0  # bytes of `data` given to the decoder
        self.out = b""
        self.at = 0  # bytes of `out` already read
        self.ended = False
        self.damage = ""
        self.crc = self.size = 0  # of a gzip member's bytes out, for its trailer
        self._begin(0)

    def readable(self) -> bool:
        return True

    def peek(self, n: int) -> bytes:
        """The next `n` bytes (fewer at the end), not taken. _Damaged when the file gives
        nothing at all: not this kind, or damaged at its start."""
        while len(self.out) - self.at < n and not self.ended:
            self._step()
        if self.damage and not self.meter.given:
            raise _Damaged(self.damage)
        return self.out[self.at:self.at + n]

    def readinto(self, buffer: Any) -> int:
        while self.at >= len(self.out) and not self.ended:
            self._step()
        n = min(len(buffer), len(self.out) - self.at)
        buffer[:n] = self.out[self.at:self.at + n]
        self.at += n
        return n

    def _begin(self, at: int) -> None:
        """A stream starting at `at`: a gzip member's header is read past here."""
        self.decoder, self.fed = _decompressor(self.kind), at
        if self.kind == "gzip":
            header = _gzip_header(self.data, at)
            if header is None:
                self._end("its gzip header is damaged")
                return
            self.fed, self.crc, self.size = at + header[0], 0, 0

    def _step(self) -> None:
        if self.at >= len(self.out):  # drop what was read before adding to it
            self.out, self.at = b"", 0
        decoder = self.decoder
        try:
            if decoder.eof:
                self._next_stream()
                return
            chunk = b""
            if decoder.needs_input:
                chunk = self.data[self.fed:self.fed + _IN_STEP]
                self.fed += len(chunk)
            got = decoder.decompress(chunk, _OUT_STEP)
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
            self._end(_why(exc))
            return
        if got:
            self.meter.take(len(got))
            if self.kind == "gzip":
                self.crc, self.size = zlib.crc32(got, self.crc), self.size + len(got)
            self.out = self.out[self.at:] + got
            self.at = 0
        elif not chunk and decoder.needs_input and not decoder.eof:
            self._end("it ends before its compressed data does (cut short)")

    def _next_stream(self) -> None:
        start = self.fed - len(self.decoder.unused_data)
        if self.kind == "gzip":  # the member's trailer: CRC-32 and size of what it holds
            trailer = self.data[start:start + 8]
            if len(trailer) < 8:
                self._end("it ends before its checksum (cut short)")
                return
            if trailer != struct.pack("<II", self.crc, self.size & 0xFFFFFFFF):
                self._end("its checksum does not match what it holds")
                return
            start += 8
        rest = self.data[start:]
        if rest.startswith(_STREAM_MAGIC[self.kind]):
            self._begin(start)
        elif rest.strip(b"\0"):
            self._end(f"{len(rest)} bytes after its end not read")
        else:
            self.ended = True

    def _end(self, why: str) -> None:
        self.ended, self.damage = True, why


def _why(exc: Exception) -> str:
    if isinstance(exc, lzma.LZMAError) and "memory" in str(exc).lower():
        return f"it needs more than {XZ_MEMORY // 1024**2} MB of memory to unpack"
    return f"its data does not decompress ({type(exc).__name__})"


def _one_file(kind: str, name: str, data: bytes, stream: _Unpacking, depth: int,
              budget: Budget, nested: NestedParser) -> Iterator[Item]:
    """The one file a compressed file holds, read a level deeper: by the name the gzip header
    gives it (a name someone gave, read with the files' names), else by the attachment's
    name less its suffix ("notes.txt.gz/notes.txt")."""
    given = _gzip_name(data) if kind == "gzip" else None
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


def _gzip_name(data: bytes) -> str | None:
    """The file's name in a gzip header (RFC 1952 FNAME), or None."""
    header = _gzip_header(data, 0)
    return header[1] if header else None


def _gzip_header(data: bytes, at: int) -> tuple[int, str | None] | None:
    """A gzip member's header at `at` (RFC 1952): its length and the file's name it gives,
    or None when it is none."""
    if data[at:at + 3] != b"\x1f\x8b\x08" or len(data) < at + 10:
        return None
    flags, end, title = data[at + 3], at + 10, None
    if flags & 0x04:  # FEXTRA: its length, then that many bytes
        end += 2 + int.from_bytes(data[end:end + 2], "little")
    for field, is_name in ((0x08, True), (0x10, False)):  # FNAME, FCOMMENT: zero-ended
        if flags & field:
            stop = data.find(b"\0", end)
            if stop < 0:
                return None
            if is_name:
                raw = data[end:stop]
                try:
                    title = raw.decode("utf-8").strip() or None
                except UnicodeDecodeError:
                    title = raw.decode("latin-1").strip() or None  # as RFC 1952 has it
            end = stop + 1
    if flags & 0x02:  # FHCRC
        end += 2
    return (end - at, title) if end <= len(data) else None


# ---- tar ---------------------------------------------------------------------------------

class _Header(tarfile.TarInfo):
    """A tar header, keeping why the archive stopped where it did: `tarfile` ends an archive
    quietly at a header it cannot read, where the entries after it would go unread unsaid."""

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(archive)
        except Exception as exc:
            archive.dlpgate_stopped = exc  # type: ignore[attr-defined]
            raise


def _tar_entries(name: str, stream: io.RawIOBase | io.BytesIO, meter: _Meter,
                 counted: bool) -> Iterator[_Entry | Problem]:
    """A tar's entries in order, read as a stream: its headers (pax and GNU long names
    included), and each file's bytes when asked for, counted by `meter` unless the stream's
    are already (`counted`: a compressed tar), and for a sparse file always (its holes are
    zeros made from nothing)."""
    try:
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_Header, encoding="utf-8",
                          errors="surrogateescape") as archive:
            yield from _tar_walk(name, archive, meter, counted)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:  # no tar header at all
        yield Problem("unscannable", name, f"damaged tar archive ({type(exc).__name__})")


def _tar_walk(name: str, archive: tarfile.TarFile, meter: _Meter,
              counted: bool) -> Iterator[_Entry | Problem]:
    archive.dlpgate_stopped = None  # type: ignore[attr-defined]
    while True:
        try:
            info = archive.next()
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            if not _stream_damaged(archive):  # else the stream says so, once
                yield Problem("unscannable", name, f"damaged tar archive "
                              f"({type(exc).__name__}): the entries before the damage were "
                              "read")
            return
        archive.members.clear()  # a million headers are not kept
        if info is None:
            break
        path = _plain(_text(info.name))
        if not path or path == ".":
            continue
        if info.isdir():
            yield _Entry(path, folder=True)
        elif info.isreg():
            yield _Entry(path, read=functools.partial(
                _tar_member, archive, info, meter, not counted or info.issparse()))
        elif info.issym() or info.islnk():  # its target is its text: a path, a name
            yield _Entry(path, read=functools.partial(
                _link_text, _text(info.linkname).encode("utf-8"), meter, not counted))
        else:  # a device, a fifo: a name
            yield _Entry(path)
    if (why := _tar_end(archive)) is not None and not _stream_damaged(archive):
        yield Problem("unscannable", name, f"damaged tar archive: {why}")


def _stream_damaged(archive: tarfile.TarFile) -> bool:
    """Whether the compressed stream a tar is read from was damaged (and says so itself)."""
    source = getattr(archive.fileobj, "fileobj", None)  # tarfile's stream, then ours
    return bool(getattr(source, "damage", ""))


def _link_text(target: bytes, meter: _Meter, count: bool) -> bytes:
    if count:
        meter.take(len(target))
    return target


def _tar_member(archive: tarfile.TarFile, info: tarfile.TarInfo, meter: _Meter,
                count: bool) -> bytes:
    chunks = []
    try:
        with archive.extractfile(info) as member:  # type: ignore[union-attr]
            while chunk := member.read(_OUT_STEP):
                if count:
                    meter.take(len(chunk))
                chunks.append(chunk)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise _Unread("unscannable", f"cannot read archive member ({type(exc).__name__})") \
            from None
    return b"".join(chunks)


def _tar_end(archive: tarfile.TarFile) -> str | None:
    """Why a tar ended where it did, when that was not its end: a header that is no header
    (the entries after it unread), or bytes after the two zero blocks that end it (another
    tar written after, which `tar` reads only with -i)."""
    stopped = archive.dlpgate_stopped  # type: ignore[attr-defined]
    if isinstance(stopped, tarfile.InvalidHeaderError | tarfile.TruncatedHeaderError):
        return "a header that cannot be read; the entries after it were not"
    try:
        while rest := archive.fileobj.read(_OUT_STEP):  # type: ignore[union-attr]
            if rest.strip(b"\0"):
                return "bytes after the end of the archive not read"
    except (tarfile.TarError, EOFError, OSError, ValueError):
        return None  # the stream's own damage is said by the stream
    return None


# ---- 7z, RAR, CAB ------------------------------------------------------------------------

@functools.cache
def libarchive() -> ModuleType | None:
    """libarchive-c, its library loaded, or None when libarchive is not installed.

    libarchive gives a 7z's names (UTF-16 in the file) in the locale's charset, and under
    the C locale (LC_ALL=C) a name with "ë" or "–" in it was no name at all: the worker's
    character type is made UTF-8 when it is not, which changes nothing else it does."""
    try:
        import libarchive as lib
    except Exception:  # not installed: find_library found none, or an old one lacks a symbol
        return None
    if locale.nl_langinfo(locale.CODESET) != "UTF-8":
        with contextlib.suppress(locale.Error):
            locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    for function, returns in (("archive_entry_is_encrypted", ctypes.c_int),
                              ("archive_entry_symlink_utf8", ctypes.c_void_p),
                              ("archive_entry_hardlink_utf8", ctypes.c_void_p)):
        found = getattr(lib.ffi.libarchive, function)
        found.argtypes, found.restype = [ctypes.c_void_p], returns
    return lib


_strlen = ctypes.CDLL(None).strlen
_strlen.argtypes, _strlen.restype = [ctypes.c_void_p], ctypes.c_size_t


def available() -> bool:
    """Whether 7z, RAR and CAB archives can be read here."""
    return libarchive() is not None


_FORMATS = {"7z": "7zip", "cab": "cab"}
_FATAL = -30  # ARCHIVE_FATAL: nothing more can be read


class _Reading:
    """Where libarchive is in an archive: after a fatal error it reads nothing more."""

    fatal = False


def _packed_entries(lib: ModuleType, kind: str, name: str, data: bytes,
                    meter: _Meter) -> Iterator[_Entry | Problem]:
    label = _LABEL[kind]
    fmt = _FORMATS.get(kind) or ("rar5" if data.startswith(_RAR5) else "rar")
    reading = _Reading()
    try:
        with lib.memory_reader(data, format_name=fmt, filter_name="none") as archive:
            entries = iter(archive)
            for n in itertools.count(1):
                if reading.fatal:
                    return
                try:
                    entry = next(entries, None)
                except lib.ArchiveError as exc:
                    yield _archive_problem(exc, label, name)
                    return
                if entry is None:
                    return
                path = entry.pathname or f"file {n}"  # a name libarchive could not convert
                if entry.isdir:
                    yield _Entry(path, folder=True)
                    continue
                if (target := _packed_link(lib, entry)) is not None:
                    yield _Entry(path, read=functools.partial(_link_copied, target, meter))
                    continue
                # any other entry is read, whatever its type says: a file marked as a device
                # by a hostile archive is still its bytes
                encrypted = bool(lib.ffi.libarchive.archive_entry_is_encrypted(entry._entry_p))
                yield _Entry(path, read=functools.partial(
                    _packed_member, lib, entry, meter, label, encrypted, reading))
    except lib.ArchiveError as exc:  # opening it
        yield _archive_problem(exc, label, name)


def _packed_link(lib: ModuleType, entry: Any) -> int | None:
    """Where libarchive keeps a link's target (until the next entry is read), or None for an
    entry that is no link."""
    for function in ("archive_entry_symlink_utf8", "archive_entry_hardlink_utf8"):
        if pointer := getattr(lib.ffi.libarchive, function)(entry._entry_p):
            return pointer
    return None


def _link_copied(pointer: int, meter: _Meter) -> bytes:
    """A link's target, read as its text (a path, a name). libarchive gives a 7z link's
    target as its data, all of it read at its header before anyone can count it (a 200 MB
    "link" of zeros cost 230 MB there, `scan.worker_memory` its bound): it is counted here
    before it is copied, and a file marked as a link is read, where it went out unread."""
    size = _strlen(pointer)
    meter.take(size)
    return ctypes.string_at(pointer, size)


def _archive_problem(exc: Exception, label: str, name: str) -> Problem:
    """What libarchive could not read, said without its own words (which may quote the
    file): a password, or damage."""
    if "encrypt" in str(getattr(exc, "msg", "")).lower():
        return Problem("encrypted-attachment", name, f"password-protected {label} archive "
                       "(its file names encrypted too)")
    return Problem("unscannable", name, f"damaged {label} archive: the files after the "
                   "damage were not read")


def _packed_member(lib: ModuleType, entry: Any, meter: _Meter, label: str, encrypted: bool,
                   reading: _Reading) -> bytes:
    """A file's bytes, a step at a time, each counted before the next is unpacked; none of
    an encrypted one's (RAR 4 marks each file so; its stored bytes would read as nonsense)."""
    if encrypted:
        raise _Unread("encrypted-attachment", f"password-protected {label} archive", whole=True)
    chunks = []
    try:
        for block in _blocks(lib, entry):
            meter.take(len(block))
            chunks.append(block)
    except lib.ArchiveError as exc:
        reading.fatal = exc.retcode <= _FATAL
        if "encrypt" in str(exc.msg).lower():
            raise _Unread("encrypted-attachment", f"password-protected {label} archive",
                          whole=True) from None
        raise _Unread("unscannable", f"damaged {label} archive: this file could not be "
                      "unpacked" + (", nor the files after it" if reading.fatal else "")) \
            from None
    return b"".join(chunks)


def _blocks(lib: ModuleType, entry: Any) -> Iterator[bytes]:
    """An entry's bytes a step at a time. libarchive-c's `get_blocks` gave a warning's code
    (-20) as a length, and so 4 KB of its buffer less 20 bytes as the file's."""
    buffer = ctypes.create_string_buffer(_OUT_STEP)
    while (got := lib.ffi.read_data(entry._archive_p, buffer, _OUT_STEP)) != 0:
        if got < 0:
            raise lib.ArchiveError("warning", retcode=got)
        yield ctypes.string_at(buffer, got)
