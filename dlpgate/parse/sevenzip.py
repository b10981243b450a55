"""A 7z's list of files read ahead of libarchive, for one thing: which entries are marked as
links, and how many bytes each holds.

libarchive keeps a 7z link's target as the entry's data, and reads all of it when it reads
the entry's header, before `archivelib` can count a byte (a 200 MB "link" of one letter
repeated took 400 MB, 30 KB packed; `scan.worker_memory` was its only bound). A link's
target is a path: `archivelib` stops before an entry marked as a link that holds more than
`LINK_MOST` bytes, and says the archive is damaged there.

The list (7-Zip's 7zFormat.txt: the header, or the header packed with LZMA or LZMA2 as
7-Zip and libarchive write it, or stored, Deflate or BZip2 as a hand-made one may be) is
read here with bounds of its own. A list packed otherwise (PPMd, a filter such as BCJ or
Delta before LZMA: only a hand-made 7z has one, and it took the link check past) is given to
`unpack`, the caller's libarchive, as the one file of a small 7z made here (`_one_file`):
libarchive unpacks it with the decoders it reads files with, a step at a time, to no more
than `HEADER_MOST`. A header that would unpack to more than that, one encrypted (its names
hidden by a password), or anything that does not parse gives None, and libarchive reads the
archive as before.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable

LINK_MOST = 1 << 16  # more than any system's longest path (Windows': 32,767 UTF-16 units)
HEADER_MOST = 16 << 20  # a list of 100,000 files' names and times is a few MB
COUNT_MOST = 1 << 20  # files, folders or streams: far past scan.limits.max_parts
# Bytes read one at a time (numbers, kinds, flags): 7-Zip's list takes about five a file, and
# the names and attributes are read whole. A header packed a few thousand times smaller than
# it unpacks (2.6 KB to 16 MB of empty archive properties, each two bytes) took 22 s of Python
# to walk; a million is about a second, past a list of 100,000 files
READS_MOST = 1 << 20
_SIGNATURE = b"7z\xbc\xaf\x27\x1c"
_END, _HEADER, _PROPERTIES, _MORE_STREAMS, _MAIN_STREAMS, _FILES = range(6)
_PACK, _UNPACK, _SUBSTREAMS, _SIZE, _CRC, _FOLDER, _UNPACK_SIZE, _STREAMS = range(6, 14)
_EMPTY_STREAM, _ATTRIBUTES, _ENCODED = 0x0E, 0x15, 0x17
_LZMA, _LZMA2 = b"\x03\x01\x01", b"\x21"
# A header stored, or packed with Deflate or BZip2, as 7z allows and libarchive reads: left to
# libarchive, a 7z whose list was so written went past the link check (a 200 MB link, its
# header stored: 431 MB and 1.2 s)
_COPY, _DEFLATE, _BZIP2 = b"\x00", b"\x04\x01\x08", b"\x04\x02\x02"
_UNIX_MODE, _LINK = 0x8000, 0o120000  # attributes holding a Unix mode in their high half
_AES = b"\x06\xf1\x07\x01"  # a list encrypted: libarchive says so of the archive itself

# unpacks a 7z made here, of one file, to at most the bytes given; None where it cannot
Unpack = Callable[[bytes, int], bytes | None]


class _Unread(Exception):
    """What this reader does not read: libarchive reads the archive as it did."""


def big_links(data: bytes, unpack: Unpack | None = None) -> dict[int, int] | None:
    """{entry's index: its bytes} for each entry marked as a link that holds more than
    `LINK_MOST`, in libarchive's order; None when the list cannot be read here. `unpack`
    reads a list packed otherwise than this module reads (see the module's doc)."""
    try:
        header = _header(data, unpack)
        if not header or header[0] != _HEADER:
            return None
        return _links(_Reader(header, 1))
    except (_Unread, IndexError, ValueError, StopIteration, struct.error, lzma.LZMAError,
            zlib.error, OSError, EOFError, MemoryError):
        return None


class _Reader:
    def __init__(self, data: bytes, at: int = 0, reads: list[int] | None = None) -> None:
        self.data, self.at = data, at
        self.reads = reads if reads is not None else [0]  # shared by a list's readers

    def byte(self) -> int:
        self.reads[0] += 1
        if self.reads[0] > READS_MOST:
            raise _Unread("too many things in the list")
        self.at += 1
        return self.data[self.at - 1]

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise _Unread("past the end")
        self.at += n
        return self.data[self.at - n:self.at]

    def number(self) -> int:
        """7z's NUMBER: the first byte's high bits say how many bytes follow."""
        first, value = self.byte(), 0
        for i in range(8):
            if not first & (0x80 >> i):
                return value | ((first & ((0x80 >> i) - 1)) << (8 * i))
            value |= self.byte() << (8 * i)
        return value

    def count(self) -> int:
        """A number of things, each at least a byte of the list: more than it holds, or than
        `COUNT_MOST`, is not read here (a list of each is kept)."""
        return _bounded(self.number(), len(self.data))

    def bits(self, n: int) -> list[bool]:
        got = self.take((n + 7) // 8)
        return [bool(got[i // 8] & (0x80 >> (i % 8))) for i in range(n)]

    def defined(self, n: int) -> list[bool]:
        return [True] * n if self.byte() else self.bits(n)

    def digests(self, n: int) -> list[bool]:
        have = self.defined(n)
        self.take(4 * sum(have))
        return have


def _bounded(n: int, most: int) -> int:
    if n > min(most, COUNT_MOST):
        raise _Unread("more than the list holds")
    return n


def _header(data: bytes, unpack: Unpack | None = None) -> bytes:
    if not data.startswith(_SIGNATURE) or len(data) < 32:
        raise _Unread("no 7z")
    offset, size = struct.unpack_from("<QQ", data, 12)
    header = data[32 + offset:32 + offset + size]
    if len(header) != size or not header:
        raise _Unread("cut short")
    if header[0] != _ENCODED:
        return header
    packs, folders, _ = _streams(_Reader(header, 1))
    if len(folders) != 1 or not packs:
        raise _Unread("not one folder")
    (coders, unpacked, _), (at, packed) = folders[0], packs[0]
    if unpacked > HEADER_MOST or any(method == _AES for method, _ in coders):
        raise _Unread("too big, or encrypted")
    if len(coders) != 1 or coders[0][0] not in (_COPY, _DEFLATE, _BZIP2, _LZMA, _LZMA2):
        if unpack is None:
            raise _Unread("packed otherwise")
        got = unpack(_one_file(data, header, packs), unpacked)
        if got is None or len(got) != unpacked:
            raise _Unread("not unpacked")
        return got
    method, props = coders[0]
    packed_bytes = data[32 + at:32 + at + packed]
    if method in (_COPY, _DEFLATE, _BZIP2):
        if method == _COPY:
            got = packed_bytes[:unpacked]
        elif method == _DEFLATE:
            got = zlib.decompressobj(-15).decompress(packed_bytes, unpacked)
        else:
            got = bz2.BZ2Decompressor().decompress(packed_bytes, max_length=unpacked)
        if len(got) != unpacked:
            raise _Unread("cut short")
        return got
    # no more dictionary than what it unpacks to: a dictionary's size is the file's to say
    # (4 GB), and liblzma takes that much memory for it
    most = max(unpacked, 4096)
    if method == _LZMA and len(props) == 5 and props[0] < 225:
        d = props[0]
        chain = {"id": lzma.FILTER_LZMA1, "lc": d % 9, "lp": d // 9 % 5, "pb": d // 45,
                 "dict_size": min(struct.unpack("<I", props[1:])[0], most)}
    elif method == _LZMA2 and len(props) == 1 and props[0] <= 40:
        chain = {"id": lzma.FILTER_LZMA2, "dict_size": min(most, 0xFFFFFFFF if props[0] == 40
                                                          else (2 | props[0] & 1)
                                                          << (props[0] // 2 + 11))}
    else:
        raise _Unread("packed otherwise")
    decoder = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[chain])
    got = decoder.decompress(packed_bytes, max_length=unpacked)
    if len(got) != unpacked:
        raise _Unread("cut short")
    return got


def _one_file(data: bytes, encoded: bytes, packs: list[tuple[int, int]]) -> bytes:
    """A 7z of one file, whose data is the packed list of `data`: the list's streams and
    folder as `encoded` gives them (their place made 0, their bytes copied to the start, one
    stream out of the folder, as libarchive needs said), then a plain list of one file named
    "h". libarchive reads any 7z's files; a packed list only with its own few methods."""
    r = _Reader(encoded, 1)
    if r.byte() != _PACK:
        raise _Unread("unknown")
    _packs(r)
    if r.byte() != _UNPACK:
        raise _Unread("unknown")
    _folders(r)
    place = _Reader(encoded, 2)
    place.number()
    streams = b"\x06\x00" + encoded[place.at:r.at] + b"\x08\x00\x00"
    files = b"\x05\x01\x11\x05\x00h\x00\x00\x00\x00"  # a name: UTF-16, ended by a 0
    header = b"\x01\x04" + streams + files + b"\x00"
    region = data[32 + packs[0][0]:32 + packs[-1][0] + packs[-1][1]]
    tail = struct.pack("<QQI", len(region), len(header), zlib.crc32(header))
    return _SIGNATURE + b"\x00\x04" + struct.pack("<I", zlib.crc32(tail)) + tail + region + header


# (method, properties) of each coder, the bytes it gives out, and whether its CRC is known
Folder = tuple[list[tuple[bytes, bytes]], int, bool]


def _streams(r: _Reader) -> tuple[list[tuple[int, int]], list[Folder], list[int]]:
    """StreamsInfo: (where each packed stream is and its size), the folders, and the size of
    each file's stream in order."""
    packs: list[tuple[int, int]] = []
    folders: list[Folder] = []
    files: list[int] | None = None
    while (kind := r.byte()) != _END:
        if kind == _PACK:
            packs = _packs(r)
        elif kind == _UNPACK:
            folders = _folders(r)
        elif kind == _SUBSTREAMS:
            files = _substreams(r, folders)
        else:
            raise _Unread("unknown")
    return packs, folders, files if files is not None else [size for _, size, _ in folders]


def _packs(r: _Reader) -> list[tuple[int, int]]:
    at, n = r.number(), r.count()
    sizes: list[int] = []
    while (kind := r.byte()) != _END:
        if kind == _SIZE:
            sizes = [r.number() for _ in range(n)]
        elif kind == _CRC:
            r.digests(n)
        else:
            raise _Unread("unknown")
    places = []
    for size in sizes:
        places.append((at, size))
        at += size
    return places


def _folders(r: _Reader) -> list[Folder]:
    if r.byte() != _FOLDER:
        raise _Unread("unknown")
    n = r.count()
    if r.byte():
        raise _Unread("folders elsewhere")
    shapes = [_folder(r) for _ in range(n)]
    if r.byte() != _UNPACK_SIZE:
        raise _Unread("unknown")
    sizes = []
    for coders, outs, bound in shapes:
        out = [r.number() for _ in range(outs)]
        final = [s for i, s in enumerate(out) if i not in bound]
        sizes.append((coders, final[0] if len(final) == 1 else 0))
    known = [False] * n
    while (kind := r.byte()) != _END:
        if kind != _CRC:
            raise _Unread("unknown")
        known = r.digests(n)
    return [(coders, size, k) for (coders, size), k in zip(sizes, known, strict=True)]


def _folder(r: _Reader) -> tuple[list[tuple[bytes, bytes]], int, set[int]]:
    """A folder's coders, how many streams they give out, and which of those another takes."""
    coders, ins, outs = [], 0, 0
    for _ in range(r.count()):
        flags = r.byte()
        method = r.take(flags & 0x0F)
        if flags & 0x10:
            ins, outs = ins + r.count(), outs + r.count()
        else:
            ins, outs = ins + 1, outs + 1
        coders.append((method, r.take(r.count()) if flags & 0x20 else b""))
    bound = set()
    for _ in range(outs - 1):
        r.number()
        bound.add(r.number())
    if ins - (outs - 1) > 1:
        for _ in range(ins - (outs - 1)):
            r.number()
    return coders, outs, bound


def _substreams(r: _Reader, folders: list[Folder]) -> list[int]:
    counts = [1] * len(folders)
    kind = r.byte()
    if kind == _STREAMS:
        counts = [r.count() for _ in folders]
        kind = r.byte()
    sizes: list[int] = []
    for (_, total, _), n in zip(folders, counts, strict=True):
        each = [r.number() for _ in range(n - 1)] if kind == _SIZE and n else []
        sizes += [*each, total - sum(each)] if n else []
    if kind == _SIZE:
        kind = r.byte()
    # a CRC for each stream but a folder's only one, whose CRC the folder's is
    unknown = _bounded(sum(n for (_, _, known), n in zip(folders, counts, strict=True)
                           if not (n == 1 and known)), len(r.data))
    while kind != _END:
        if kind != _CRC:
            raise _Unread("unknown")
        r.digests(unknown)
        kind = r.byte()
    return sizes


def _links(r: _Reader) -> dict[int, int]:
    streams: list[int] = []
    while (kind := r.byte()) != _FILES:
        if kind == _END:
            return {}
        if kind == _PROPERTIES:
            while r.byte() != _END:
                r.take(r.count())
        elif kind == _MAIN_STREAMS:
            streams = _streams(r)[2]
        elif kind == _MORE_STREAMS:
            _streams(r)
        else:
            raise _Unread("unknown")
    n = r.count()
    empty, attributes = [False] * n, [0] * n
    while (kind := r.byte()) != _END:
        part = _Reader(r.take(r.count()), 0, r.reads)
        if kind == _EMPTY_STREAM:
            empty = part.bits(n)
        elif kind == _ATTRIBUTES:
            have = part.defined(n)
            if part.byte():
                raise _Unread("attributes elsewhere")
            attributes = [struct.unpack("<I", part.take(4))[0] if h else 0 for h in have]
    sizes = iter(streams)
    links = {}
    for i in range(n):
        size = 0 if empty[i] else next(sizes)
        a = attributes[i]
        if a & _UNIX_MODE and (a >> 16) & 0o170000 == _LINK and size > LINK_MOST:
            links[i] = size
    return links
