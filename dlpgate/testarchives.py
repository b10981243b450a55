"""Archives for tests, built here: gzip, bzip2, xz and tar by the standard library, 7z, zstd,
LZ4 and ISO 9660 by libarchive (the library that reads them), and RAR and CAB to their
published formats, since nothing installable here writes either. Password-protected 7z files
and split archives come from 7-Zip itself (Debian's `7zip`, which `scripts/dev` installs):
`seven_zip_program()` is None without it.

Each builder takes the files as {path: bytes or str}; a path ending in "/" is a folder.
"""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import lzma
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

Files = dict[str, bytes | str]


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def make_tar(files: Files, compression: str = "", fmt: int = tarfile.PAX_FORMAT,
             links: dict[str, str] | None = None) -> bytes:
    """A tar ("", "gz", "bz2" or "xz"), with `links` {name: target} as symbolic links."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}", format=fmt) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path.rstrip("/"))
            if path.endswith("/"):
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
                continue
            content = _bytes(data)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for path, target in (links or {}).items():
            info = tarfile.TarInfo(path)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buf.getvalue()


def make_gzip(data: bytes | str, name: str | None = None) -> bytes:
    """A gzip file; `name` is written in its header, as gzip(1) writes the file's."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=0) as fh:
        fh.write(_bytes(data))
    return buf.getvalue()


def make_bzip2(data: bytes | str) -> bytes:
    return bz2.compress(_bytes(data))


def make_xz(data: bytes | str) -> bytes:
    return lzma.compress(_bytes(data))


def _filtered(chunks: Iterable[bytes], size: int, kind: str) -> bytes:
    """Bytes compressed by libarchive's `kind` filter (zstd, lz4), as one stream: its "raw"
    format writes no archive around them."""
    import libarchive

    out = bytearray()

    def write(data: bytes) -> int:
        out.extend(data)
        return len(data)

    with libarchive.custom_writer(write, "raw", filter_name=kind) as archive:
        archive.add_file_from_memory("data", size, chunks)
    return bytes(out)


def make_zstd(data: bytes | str) -> bytes:
    """A .zst file, as `zstd` writes one."""
    return _filtered([_bytes(data)], len(_bytes(data)), "zstd")


def make_lz4(data: bytes | str) -> bytes:
    """A .lz4 file (the LZ4 frame format), as `lz4` writes one."""
    return _filtered([_bytes(data)], len(_bytes(data)), "lz4")


def make_iso(files: Files) -> bytes:
    """An ISO 9660 disc image with Rock Ridge and Joliet names, written by libarchive."""
    import libarchive

    out = bytearray()

    def write(data: bytes) -> int:
        out.extend(data)
        return len(data)

    with libarchive.custom_writer(write, "iso9660") as archive:
        for path, data in files.items():
            if path.endswith("/"):
                archive.add_file_from_memory(path.rstrip("/"), 0, b"",
                                             filetype=libarchive.entry.FileType.DIRECTORY,
                                             permission=0o755)
                continue
            archive.add_file_from_memory(path, len(_bytes(data)), _bytes(data))
    return bytes(out)


def _zeros(expanded: int, step: int = 1 << 20) -> Iterator[bytes]:
    for at in range(0, expanded, step):
        yield b"\0" * min(step, expanded - at)


def make_bomb(kind: str, expanded: int) -> bytes:
    """`expanded` bytes of zeros as one file in an archive of `kind` (gzip, bzip2, xz, zstd,
    lz4, tar.gz, tar.zst, 7z, cab): the shape of a decompression bomb, built a step at a time."""
    if kind in ("zstd", "lz4"):
        return _filtered(_zeros(expanded), expanded, kind)
    if kind == "tar.zst":  # the tar's header, its file's zeros and the tar's end, packed
        info = tarfile.TarInfo("payload.txt")
        info.size = expanded
        header = info.tobuf(tarfile.PAX_FORMAT)
        end = bytes(-expanded % 512 + 1024)
        return _filtered(itertools.chain([header], _zeros(expanded), [end]),
                         len(header) + expanded + len(end), "zstd")
    if kind in ("gzip", "bzip2", "xz"):
        packer = {"gzip": lambda: zlib.compressobj(9, zlib.DEFLATED, 31),
                  "bzip2": lambda: bz2.BZ2Compressor(9),
                  "xz": lambda: lzma.LZMACompressor()}[kind]()
        out = [packer.compress(chunk) for chunk in _zeros(expanded)]
        return b"".join([*out, packer.flush()])
    if kind == "tar.gz":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as archive:
            info = tarfile.TarInfo("payload.txt")
            info.size = expanded
            archive.addfile(info, _ZeroFile(expanded))
        return buf.getvalue()
    if kind == "7z":
        return make_7z({"payload.txt": _zeros(expanded)}, sizes={"payload.txt": expanded})
    if kind == "cab":
        return make_cab({"payload.txt": b"\0" * expanded})
    raise ValueError(kind)


class _ZeroFile(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def make_7z(files: dict[str, bytes | str | Iterable[bytes]],
            sizes: dict[str, int] | None = None, compression: str = "lzma2",
            links: dict[str, bytes] | None = None) -> bytes:
    """A 7z archive written by libarchive. A file may be given as chunks, its size in
    `sizes`, so a large one is never whole in memory. `links`: entries marked as links,
    after the files, each with its target (no NUL), which a 7z keeps as the entry's data."""
    import ctypes

    import libarchive
    from libarchive.entry import ArchiveEntry, FileType

    out = bytearray()

    def write(data: bytes) -> int:
        out.extend(data)
        return len(data)

    with libarchive.custom_writer(write, "7zip",
                                  options=f"compression={compression}") as archive:
        for path, data in files.items():
            if path.endswith("/"):
                archive.add_file_from_memory(path.rstrip("/"), 0, b"",
                                             filetype=libarchive.entry.FileType.DIRECTORY,
                                             permission=0o755)
                continue
            chunks = _bytes(data) if isinstance(data, bytes | str) else data
            size = (sizes or {}).get(path)
            if size is None:
                size = len(chunks)  # type: ignore[arg-type]
            archive.add_file_from_memory(path, size, chunks)
        copy = libarchive.ffi.libarchive.archive_entry_copy_symlink
        copy.argtypes, copy.restype = [ctypes.c_void_p, ctypes.c_char_p], None
        for path, target in (links or {}).items():
            entry = ArchiveEntry(pathname=path, size=0, filetype=FileType.SYMBOLINK_LINK,
                                 perm=0o777)
            copy(entry._entry_p, target)
            libarchive.ffi.write_header(archive._pointer, entry._entry_p)
            libarchive.ffi.write_finish_entry(archive._pointer)
    return bytes(out)


def _number(n: int) -> bytes:
    """7z's NUMBER, always in its longest form (a first byte of 0xff, then 8 bytes)."""
    return b"\xff" + struct.pack("<Q", n)


# how a 7z's list is packed: the folder's coders as 7-Zip writes a filter's (the packing
# coder first, the filter after it, taking its output), and the filter for Python's lzma
_LIST_FILTERS = {"bcj": (b"\x04\x03\x03\x01\x03", {"id": lzma.FILTER_X86}),
                 "delta": (b"\x21\x03\x01\x00", {"id": lzma.FILTER_DELTA, "dist": 1})}


def make_7z_list_packed(files: Files, packing: str, links: dict[str, bytes] | None = None,
                        compression: str = "store") -> bytes:
    """A 7z written by libarchive, its list of files then packed with `packing`: "ppmd", or
    LZMA2 behind 7-Zip's "bcj" (x86) or "delta" filter. 7-Zip and libarchive pack a list with
    LZMA alone, but libarchive reads any of these."""
    from dlpgate.parse import sevenzip

    data = make_7z(files, compression=compression, links=links)
    offset = struct.unpack_from("<Q", data, 12)[0]
    streams, header = data[32:32 + offset], sevenzip._header(data)  # unpacked if packed
    if packing == "ppmd":  # libarchive's PPMd, order 6 and 16 MB, as the one file of a 7z
        one = make_7z({"h": header}, compression="ppmd")
        packed = one[32:32 + struct.unpack_from("<Q", one, 12)[0]]
        folder = b"\x01\x23\x03\x04\x01\x05\x06" + struct.pack("<I", 1 << 24)
        sizes = _number(len(header))
    else:
        coder, first = _LIST_FILTERS[packing]
        packed = lzma.compress(header, format=lzma.FORMAT_RAW, filters=[
            first, {"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}])
        folder = b"\x02\x21\x21\x01\x10" + coder + b"\x01\x00"  # LZMA2 out to the filter
        sizes = _number(len(header)) * 2
    encoded = (b"\x17\x06" + _number(len(streams)) + b"\x01\x09" + _number(len(packed))
               + b"\x00\x07\x0b\x01\x00" + folder + b"\x0c" + sizes + b"\x00\x00")
    tail = struct.pack("<QQI", len(streams) + len(packed), len(encoded), zlib.crc32(encoded))
    return data[:8] + struct.pack("<I", zlib.crc32(tail)) + tail + streams + packed + encoded


def seven_zip_program() -> str | None:
    """7-Zip's own program (`7zz` from Debian's 7zip, or `7z`), or None."""
    return shutil.which("7zz") or shutil.which("7z")


def _seven_zip() -> str:
    program = seven_zip_program()
    if program is None:
        raise RuntimeError("7-Zip is not installed (Debian: apt-get install 7zip)")
    return program


def _written(root: Path, files: Files) -> None:
    """`files` as a folder tree under `root`, for 7-Zip to pack ("a/" is an empty folder)."""
    for path, data in files.items():
        target = root / path
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_bytes(data))


def make_7z_by_7zip(files: Files, password: str = "", encrypt_names: bool = False) -> bytes:
    """A 7z archive written by 7-Zip itself: with a password, its files' data is encrypted
    (AES-256), and with `encrypt_names` its list of names too (-mhe=on)."""
    program = _seven_zip()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "in")
        _written(root, files)
        argv = [program, "a", "-bd", "-y", str(Path(tmp, "out.7z"))]
        if password:
            argv += [f"-p{password}", f"-mhe={'on' if encrypt_names else 'off'}"]
        subprocess.run([*argv, "."], cwd=root, check=True, capture_output=True, timeout=60)
        return Path(tmp, "out.7z").read_bytes()


def make_split_by_7zip(files: Files, kind: str = "7z", volume: str = "100k") -> \
        dict[str, bytes]:
    """An archive of `kind` (7z, zip) split by 7-Zip into volumes of `volume` bytes (`-v`):
    {"out.7z.001": bytes, "out.7z.002": ...}."""
    program = _seven_zip()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "in")
        _written(root, files)
        out = Path(tmp, "out")
        out.mkdir()
        subprocess.run([program, "a", "-bd", "-y", f"-t{kind}", f"-v{volume}",
                        str(out / f"out.{kind}"), "."], cwd=root, check=True,
                       capture_output=True, timeout=60)
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


# ---- RAR 4 (RAR 2.9 to 4.x) and RAR 5, stored --------------------------------------------

def _rar4_block(kind: int, flags: int, body: bytes, data: bytes = b"") -> bytes:
    size = 7 + len(body)
    head = struct.pack("<BHH", kind, flags, size) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head + data


def make_rar4(files: Files, password: bool = False) -> bytes:
    """A RAR 4 archive, its files stored (method 0x30), as WinRAR up to 4.x writes them.
    With `password`, each file is marked encrypted (its data then random bytes, as no
    reader here could tell)."""
    out = [b"Rar!\x1a\x07\x00", _rar4_block(0x73, 0, b"\0" * 6)]
    for path, data in files.items():
        name = path.rstrip("/").replace("/", "\\").encode("utf-8")
        folder = path.endswith("/")
        content = b"" if folder else _bytes(data)
        flags = 0x8000 | (0xE0 if folder else 0) | (0x04 if password else 0)
        attributes = 0x10 if folder else 0x20
        body = struct.pack("<IIBIIBBHI", len(content), len(content), 2, zlib.crc32(content),
                           0x5A210000, 29, 0x30, len(name), attributes) + name
        out.append(_rar4_block(0x74, flags, body, content))
    out.append(_rar4_block(0x7B, 0x4000, b""))
    return b"".join(out)


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar5_block(kind: int, flags: int, body: bytes, data: bytes = b"") -> bytes:
    fields = _vint(kind) + _vint(flags) + (_vint(len(data)) if flags & 0x02 else b"") + body
    head = _vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(head)) + head + data


def make_rar5(files: Files, encrypt_names: bool = False) -> bytes:
    """A RAR 5 archive, its files stored, as WinRAR 5 and later write them. With
    `encrypt_names`, it begins with the header that says its headers are encrypted (-hp)."""
    out = [b"Rar!\x1a\x07\x01\x00"]
    if encrypt_names:  # version 0 (AES-256), a password check, KDF count, salt, check value
        out.append(_rar5_block(4, 0, _vint(0) + _vint(1) + bytes([15]) + bytes(16)
                               + bytes(12)))
        return b"".join(out)
    out.append(_rar5_block(1, 0, _vint(0)))
    for path, data in files.items():
        name = path.rstrip("/").encode("utf-8")
        folder = path.endswith("/")
        content = b"" if folder else _bytes(data)
        file_flags = 0x01 if folder else 0x04  # a directory, or a CRC32 given
        body = _vint(file_flags) + _vint(len(content)) + _vint(0o40755 if folder else 0o100644)
        if not folder:
            body += struct.pack("<I", zlib.crc32(content))
        body += _vint(0) + _vint(1) + _vint(len(name)) + name  # stored, from Unix
        out.append(_rar5_block(2, 0x02, body, content))
    out.append(_rar5_block(5, 0, _vint(0)))
    return b"".join(out)


# ---- CAB (Microsoft Cabinet), MSZIP ------------------------------------------------------

_CAB_BLOCK = 32768


def make_cab(files: Files, code_page: str = "") -> bytes:
    """A cabinet of one folder, compressed with MSZIP as Windows' makecab does: each 32 KB
    block "CK" and a deflate stream of its own. Its names are UTF-8 and flagged so, or with
    `code_page` ("cp1252") in that code page, unflagged, as makecab writes them."""
    entries = [(p, _bytes(d)) for p, d in files.items() if not p.endswith("/")]
    stream = b"".join(data for _, data in entries)
    blocks = []
    for at in range(0, len(stream), _CAB_BLOCK):
        chunk = stream[at:at + _CAB_BLOCK]
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = b"CK" + packer.compress(chunk) + packer.flush()
        blocks.append(struct.pack("<IHH", 0, len(packed), len(chunk)) + packed)
    records, offset = [], 0
    for path, data in entries:
        name = path.replace("/", "\\").encode(code_page or "utf-8") + b"\0"
        flags = 0x20 if code_page else 0xA0  # archive, and _A_NAME_IS_UTF
        records.append(struct.pack("<IIHHHH", len(data), offset, 0, 0x5A21, 0, flags) + name)
        offset += len(data)
    header_size, folder_size = 36, 8
    files_at = header_size + folder_size
    data_at = files_at + sum(len(r) for r in records)
    total = data_at + sum(len(b) for b in blocks)
    header = struct.pack("<4sIIIIIBBHHHHH", b"MSCF", 0, total, 0, files_at, 0, 3, 1, 1,
                         len(records), 0, 0x1234, 0)
    folder = struct.pack("<IHH", data_at, len(blocks), 1)
    return header + folder + b"".join(records) + b"".join(blocks)
