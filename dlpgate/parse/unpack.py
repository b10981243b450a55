"""What the readers of archives give (`Entry`, `Unread`, `Meter`), and the standard library's
readers: a gzip, bzip2 or xz stream decompressed a step at a time (`Unpacking`), and a tar's
entries read from a stream (`tar_entries`). `archives.py` reads what they give as a zip's
members; `archivelib.py` gives the same for 7z, RAR and CAB.

A gzip member's header and trailer are read here, not by zlib's gzip mode: with it, a checksum
that did not match lost the last step's bytes with the error, and a small file's all. `tarfile`
ends an archive quietly at a header it cannot read; `_Header` keeps why it stopped, so the
entries after such a header are said to be unread.
"""

from __future__ import annotations

import bz2
import functools
import io
import lzma
import struct
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dlpgate.model import Problem
from dlpgate.parse.budget import Budget, BudgetExceeded

# how each kind is called in what a reviewer reads
LABEL = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "zstd": "zstd", "lz4": "LZ4", "tar": "tar",
         "7z": "7z", "rar": "RAR", "cab": "CAB", "iso": "ISO 9660", "zip": "ZIP"}
# an archive's bytes out are weighed against `max_ratio` from here on
RATIO_FROM = 1 << 20
_IN_STEP = 64 * 1024  # compressed bytes fed at a time
STEP = 64 * 1024  # bytes decompressed at a time, each counted before the next
# xz and lzma allocate the dictionary the file asks for (xz -9 needs 65 MB); more than this
# is refused, as a bomb of memory rather than of bytes
XZ_MEMORY = 256 * 1024 * 1024


@dataclass
class Entry:
    """One thing an archive holds: a folder, a file (`read` gives its bytes, counted as they
    come; a link's are its target's path), or a device, whose name alone is read."""

    path: str
    folder: bool = False
    read: Callable[[], bytes] | None = None


class Unread(Exception):
    """A member that could not be read: `kind` is the problem, said of the archive when
    `whole` (a password), else of the member."""

    def __init__(self, kind: str, why: str, whole: bool = False) -> None:
        super().__init__(why)
        self.kind, self.whole = kind, whole


class Meter:
    """The bytes one archive gives, counted against the message's budget as they come and
    against the archive's own size."""

    def __init__(self, name: str, kind: str, size: int, budget: Budget) -> None:
        self.name, self.kind, self.size, self.budget = name, kind, size, budget
        self.given = 0

    def take(self, n: int) -> None:
        self.given += n
        ratio = self.budget.limits.max_ratio
        if self.given > max(RATIO_FROM, ratio * self.size):
            raise BudgetExceeded(
                f"{self.name}: {LABEL[self.kind]} data expands more than {ratio}:1 "
                "(decompression bomb)")
        self.budget.take_bytes(n)


def _text(name: str) -> str:
    """A name tarfile read with its bytes kept (surrogateescape), read as `name_text`."""
    return name_text(name.encode("utf-8", "surrogateescape"))


def name_text(raw: bytes) -> str:
    """A name read as UTF-8, or as Windows wrote it where it is not (cp1252)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _plain(path: str) -> str:
    """A member's path as tar shows it: without the "./" a `tar -c .` puts before each."""
    while path.startswith("./"):
        path = path[2:]
    return path


def link_text(target: bytes, meter: Meter, count: bool) -> bytes:
    """A link's target, read as its text (a path, a name), counted unless the stream's bytes
    already are."""
    if count:
        meter.take(len(target))
    return target


# ---- gzip, bzip2, xz ---------------------------------------------------------------------

class Damaged(Exception):
    pass


class _Inflate:
    """zlib's raw deflate decoder behind the interface bz2's and lzma's decompressors share.
    gzip's header and trailer are read by `Unpacking`: in zlib's own gzip mode a checksum
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


class Stepped(io.RawIOBase):
    """A file's bytes made a step at a time as they are read (`_step` makes the next into
    `out`, or sets `ended`), each counted by the meter before the next is made; damage ends
    them early and `damage` says how. What Python's own stream classes would do with it
    (tarfile reads it, `peek` sniffs it) never asks for more than one step ahead."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.out = b""
        self.at = 0  # bytes of `out` already read
        self.ended = False
        self.damage = ""

    def _step(self) -> None:
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def peek(self, n: int) -> bytes:
        """The next `n` bytes (fewer at the end), not taken. Damaged when the file gives
        nothing at all: not this kind, or damaged at its start."""
        while len(self.out) - self.at < n and not self.ended:
            self._step()
        if self.damage and not self.meter.given:
            raise Damaged(self.damage)
        return self.out[self.at:self.at + n]

    def readinto(self, buffer: Any) -> int:
        while self.at >= len(self.out) and not self.ended:
            self._step()
        n = min(len(buffer), len(self.out) - self.at)
        buffer[:n] = self.out[self.at:self.at + n]
        self.at += n
        return n


class Unpacking(Stepped):
    """A compressed file read as the bytes it holds, decompressed a step at a time as it is
    read, each step counted by the meter before the next: a 10 GB .gz of zeros stops at the
    message's limit having held one step. Damage ends the bytes early, and `damage` says how.
    Streams written one after another (gzip's members, pbzip2's blocks) are read on; zeros
    after the last are padding."""

    def __init__(self, kind: str, data: bytes, meter: Meter) -> None:
        super().__init__(meter)
        self.kind, self.data = kind, data
        self.fed = 0  # bytes of `data` given to the decoder
        self.crc = self.size = 0  # of a gzip member's bytes out, for its trailer
        self._begin(0)

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
            got = decoder.decompress(chunk, STEP)
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


def gzip_name(data: bytes) -> str | None:
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


def is_tar(head: bytes) -> bool:
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


def tar_entries(name: str, stream: io.RawIOBase | io.BytesIO, meter: Meter,
                counted: bool) -> Iterator[Entry | Problem]:
    """A tar's entries in order, read as a stream: its headers (pax and GNU long names
    included), and each file's bytes when asked for, counted by `meter` unless the stream's
    are already (`counted`: a compressed tar), and for a sparse file always (its holes are
    zeros made from nothing)."""
    try:
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_Header, encoding="utf-8",
                          errors="surrogateescape") as archive:
            yield from _tar_walk(name, archive, meter, counted)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:  # no tar header at all
        if not getattr(stream, "damage", ""):  # else the stream says so, once
            yield Problem("unscannable", name, f"damaged tar archive ({type(exc).__name__})")


def _tar_walk(name: str, archive: tarfile.TarFile, meter: Meter,
              counted: bool) -> Iterator[Entry | Problem]:
    """The entries, then why the archive ended where it did if that was not its end."""
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
            yield Entry(path, folder=True)
        elif info.isreg():
            yield Entry(path, read=functools.partial(
                _tar_member, archive, info, meter, not counted or info.issparse()))
        elif info.issym() or info.islnk():  # its target is its text: a path, a name
            yield Entry(path, read=functools.partial(
                link_text, _text(info.linkname).encode("utf-8"), meter, not counted))
        else:  # a device, a fifo: a name
            yield Entry(path)
    if (why := _tar_end(archive)) is not None and not _stream_damaged(archive):
        yield Problem("unscannable", name, f"damaged tar archive: {why}")


def _stream_damaged(archive: tarfile.TarFile) -> bool:
    """Whether the compressed stream a tar is read from was damaged (and says so itself)."""
    source = getattr(archive.fileobj, "fileobj", None)  # tarfile's stream, then ours
    return bool(getattr(source, "damage", ""))


def _tar_member(archive: tarfile.TarFile, info: tarfile.TarInfo, meter: Meter,
                count: bool) -> bytes:
    chunks = []
    try:
        with archive.extractfile(info) as member:  # type: ignore[union-attr]
            while chunk := member.read(STEP):
                if count:
                    meter.take(len(chunk))
                chunks.append(chunk)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        # in the words every archive's reader says a file's damage (`archivelib`), which a
        # split tar's volume also needs to know where the volume ends
        raise Unread("unscannable", "damaged tar archive: this file could not be unpacked "
                     f"({type(exc).__name__})") from None
    return b"".join(chunks)


def _tar_end(archive: tarfile.TarFile) -> str | None:
    """Why a tar ended where it did, when that was not its end: a header that is no header
    (the entries after it unread), or bytes after the two zero blocks that end it (another
    tar written after, which `tar` reads only with -i)."""
    stopped = archive.dlpgate_stopped  # type: ignore[attr-defined]
    if isinstance(stopped, tarfile.InvalidHeaderError | tarfile.TruncatedHeaderError):
        return "a header that cannot be read; the entries after it were not"
    try:
        while rest := archive.fileobj.read(STEP):  # type: ignore[union-attr]
            if rest.strip(b"\0"):
                return "bytes after the end of the archive not read"
    except (tarfile.TarError, EOFError, OSError, ValueError):
        return None  # the stream's own damage is said by the stream
    return None


