"""7z, RAR (4 and 5), CAB and ISO 9660 archives, and zstd and LZ4 streams, through libarchive
(Debian's libarchive13) and the pip package libarchive-c: read entry by entry from memory,
never written to disk, each file's bytes a step at a time. Without libarchive `libarchive()`
is None and such a file is unscannable, said so (`archives.packed`); `serve` warns at the
start (`cli._check_archives`).

zstd and LZ4 are libarchive's filters under its "raw" format (`Filtered`): Python 3.11 reads
neither, and Debian's libarchive13 is linked with libzstd and liblz4 already, so no pip
package is added for them. libarchive's zstd decoder refuses a frame that asks for a window
over 128 MB (zstd's own default limit), and an LZ4 block is 4 MB at most: memory is bounded
by the format, bytes out by the `Meter` as for every other stream.

py7zr (pure Python) was measured too: it reads 7z alone, through writer callbacks that its
own threads call, with nine compiled dependencies, and took 0.72 s and 400 MB to stop a 1 GB
7z bomb at 100 MB, where libarchive took 0.34 s and 119 MB.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import locale
import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from dlpgate.model import Problem
from dlpgate.parse import sevenzip
from dlpgate.parse.unpack import LABEL, STEP, Entry, Meter, Stepped, Unread, name_text

# libarchive-c logs libarchive's warnings under its own name, and a wide name it could not
# convert is one of them: the scan says what it could not read, in a problem
logging.getLogger("libarchive").setLevel(logging.CRITICAL)

_RAR5 = b"Rar!\x1a\x07\x01\x00"


@functools.cache
def libarchive() -> ModuleType | None:
    """libarchive-c, its library loaded, or None when libarchive is not installed.

    libarchive gives a 7z's names (UTF-16 in the file) in the locale's charset, and under
    the C locale (LC_ALL=C) a name with "ë" or "–" in it was no name at all: the worker's
    character type is made UTF-8 when it is not, which changes nothing else it does."""
    try:
        import libarchive as lib

        for function, returns in (("archive_entry_is_encrypted", ctypes.c_int),
                                  ("archive_entry_symlink_utf8", ctypes.c_void_p),
                                  ("archive_entry_hardlink_utf8", ctypes.c_void_p)):
            found = getattr(lib.ffi.libarchive, function)
            found.argtypes, found.restype = [ctypes.c_void_p], returns
    except Exception:  # not installed (find_library found none), or older than 3.2
        return None
    if locale.nl_langinfo(locale.CODESET) != "UTF-8":
        with contextlib.suppress(locale.Error):
            locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    return lib


_strlen = ctypes.CDLL(None).strlen
_strlen.argtypes, _strlen.restype = [ctypes.c_void_p], ctypes.c_size_t


# libarchive's name for each format; a split zip's first volume has no central directory at
# its end, and is read by its local headers as a stream is
_FORMATS = {"7z": "7zip", "cab": "cab", "iso": "iso9660", "zip": "zip_streamable"}
_FATAL = -30  # ARCHIVE_FATAL: nothing more can be read


class _Reading:
    """Where libarchive is in an archive: after a fatal error it reads nothing more."""

    fatal = False


def entries(lib: ModuleType, kind: str, name: str, data: bytes,
            meter: Meter) -> Iterator[Entry | Problem]:
    """A 7z's, RAR's or CAB's entries in order, each file's bytes unpacked when asked for;
    what libarchive cannot read said as a password or as damage, and nothing after a fatal
    error read."""
    label = LABEL[kind]
    fmt = _FORMATS.get(kind) or ("rar5" if data.startswith(_RAR5) else "rar")
    reading = _Reading()
    links = {}
    if kind == "7z":
        links = sevenzip.big_links(data, functools.partial(_list_unpacked, lib)) or {}
    try:
        with lib.memory_reader(data, format_name=fmt, filter_name="none") as archive:
            listed = iter(archive)
            for n in itertools.count(1):
                if reading.fatal:
                    return
                if n - 1 in links:  # libarchive would unpack it whole to read its header
                    yield Problem("unscannable", name, f"damaged {label} archive: a file "
                                  f"marked as a link holds {links[n - 1]} bytes, where a "
                                  "link holds a path; it and the files after it were not read")
                    return
                try:
                    entry = next(listed, None)
                except lib.ArchiveError as exc:
                    yield _archive_problem(exc, label, name)
                    return
                if entry is None:
                    return
                path = _path(entry.pathname) or f"file {n}"  # one libarchive could not read
                if entry.isdir and path.strip("/") in ("", "."):  # an ISO's root
                    continue
                if entry.isdir:
                    yield Entry(path, folder=True)
                    continue
                if (target := _packed_link(lib, entry)) is not None:
                    yield Entry(path, read=functools.partial(_link_copied, target, meter))
                    continue
                # any other entry is read, whatever its type says: a file marked as a device
                # by a hostile archive is still its bytes
                encrypted = bool(lib.ffi.libarchive.archive_entry_is_encrypted(entry._entry_p))
                yield Entry(path, read=functools.partial(
                    _packed_member, lib, entry, meter, label, encrypted, reading))
    except lib.ArchiveError as exc:  # opening it
        yield _archive_problem(exc, label, name)


def _list_unpacked(lib: ModuleType, made: bytes, most: int) -> bytes | None:
    """The one file of a 7z `sevenzip` made of a list packed with a method it does not read
    itself (PPMd, a filter before LZMA), unpacked by libarchive a step at a time and given up
    past `most` bytes; None where libarchive cannot read it either."""
    chunks, size = [], 0
    try:
        with lib.memory_reader(made, format_name="7zip", filter_name="none") as archive:
            for entry in archive:
                for block in _blocks(lib, entry):
                    size += len(block)
                    if size > most:
                        return None
                    chunks.append(block)
                break
    except lib.ArchiveError:
        return None
    return b"".join(chunks)


def _path(given: str | bytes | None) -> str | None:
    """An entry's name: libarchive-c gives the bytes of one that is not in the locale's
    charset (a CAB's or an old RAR's name in Windows' code page, a zip's written without its
    UTF-8 flag), read as a tar's are. Taken as text, it ended the archive as a "damaged cab
    file (TypeError)", nothing after it read."""
    return name_text(given) if isinstance(given, bytes) else given


def _packed_link(lib: ModuleType, entry: Any) -> int | None:
    """Where libarchive keeps a link's target (until the next entry is read), or None for an
    entry that is no link."""
    for function in ("archive_entry_symlink_utf8", "archive_entry_hardlink_utf8"):
        if pointer := getattr(lib.ffi.libarchive, function)(entry._entry_p):
            return pointer
    return None


def _link_copied(pointer: int, meter: Meter) -> bytes:
    """A link's target, read as its text (a path, a name). libarchive gives a 7z link's
    target as its data, all of it read at its header before anyone can count it: one over
    `sevenzip.LINK_MOST` is not read (`entries`), and what is, is counted here before it is
    copied; a file marked as a link is read, where it went out unread."""
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


def _packed_member(lib: ModuleType, entry: Any, meter: Meter, label: str, encrypted: bool,
                   reading: _Reading) -> bytes:
    """A file's bytes, a step at a time, each counted before the next is unpacked; none of
    an encrypted one's (RAR 4 marks each file so; its stored bytes would read as nonsense)."""
    if encrypted:
        raise Unread("encrypted-attachment", f"password-protected {label} archive", whole=True)
    chunks = []
    try:
        for block in _blocks(lib, entry):
            meter.take(len(block))
            chunks.append(block)
    except lib.ArchiveError as exc:
        reading.fatal = exc.retcode <= _FATAL
        if "encrypt" in str(exc.msg).lower():
            raise Unread("encrypted-attachment", f"password-protected {label} archive",
                         whole=True) from None
        raise Unread("unscannable", f"damaged {label} archive: this file could not be "
                     "unpacked" + (", nor the files after it" if reading.fatal else "")) \
            from None
    return b"".join(chunks)


def _blocks(lib: ModuleType, entry: Any) -> Iterator[bytes]:
    """An entry's bytes a step at a time. libarchive-c's `get_blocks` gave a warning's code
    (-20) as a length, and so 4 KB of its buffer less 20 bytes as the file's."""
    buffer = ctypes.create_string_buffer(STEP)
    while (got := lib.ffi.read_data(entry._archive_p, buffer, STEP)) != 0:
        if got < 0:
            raise lib.ArchiveError("warning", retcode=got)
        yield ctypes.string_at(buffer, got)


# ---- zstd and LZ4 ------------------------------------------------------------------------

class Filtered(Stepped):
    """A zstd or LZ4 file read as the bytes it holds, as `unpack.Unpacking` reads a gzip: a
    step at a time as it is read, each step counted by the meter before the next, damage
    ending the bytes early and said in `damage` (libarchive's own words are not: they are
    for a programmer). Frames written one after another are read on, as libarchive does."""

    def __init__(self, lib: ModuleType, kind: str, data: bytes, meter: Meter) -> None:
        super().__init__(meter)
        self._steps = self._unpacked(lib, kind, data)

    def _unpacked(self, lib: ModuleType, kind: str, data: bytes) -> Iterator[bytes]:
        try:
            with lib.memory_reader(data, format_name="raw", filter_name=kind) as archive:
                for entry in archive:  # the raw format's one entry: the stream's bytes
                    yield from _blocks(lib, entry)
        except lib.ArchiveError as exc:
            self.damage = _stream_damage(str(getattr(exc, "msg", "") or ""))

    def _step(self) -> None:
        got = next(self._steps, None)
        if got is None:
            self.ended = True
            return
        self.meter.take(len(got))  # counted before it is kept, as every stream's step is
        self.out = self.out[self.at:] + got
        self.at = 0

    def close(self) -> None:
        self._steps.close()  # libarchive's reader freed now, not when collected
        super().close()


def _stream_damage(said: str) -> str:
    """What was wrong with a zstd or LZ4 stream, in the words the gzip reader uses."""
    said = said.lower()
    if "truncated" in said:
        return "it ends before its compressed data does (cut short)"
    if "checksum" in said:
        return "its checksum does not match what it holds"
    if "memory" in said:
        return "it needs more memory to unpack than libarchive allows (128 MB)"
    return "its data does not decompress"
