"""The words a picture carries beside its pixels: EXIF descriptions, comments and GPS
position, PNG text, a HEIC's EXIF, an XMP packet.

A photograph's EXIF keeps what its owner typed into Windows' Properties dialog or a photo
manager (its title, subject, comments, ImageDescription, UserComment, XPComment), and a PNG
keeps text chunks (tEXt, zTXt, iTXt) that an editor or a script wrote: "Amy Reid, NHS number
943 476 5919" as a screenshot's description went out unread, OCR seeing only its pixels.
They are read here from the bytes, without decoding the picture, a line each as "Label:
value"; what is a program's own (the camera's make, the software, an ICC profile) is left
out. Where a phone wrote where the photograph was taken (EXIF's GPS), it is
read after those, as "GPS position: 51.50000 N, 0.12780 W": a child's home, photographed on a
visit. Last, the words of its XMP packet that say more ("XMP name: value": a photo manager's
caption, title or keywords, an editor's label), what is a program's own left out (`xmp`).

A HEIC (an iPhone's photograph) keeps its EXIF as an item of its own (ISO/IEC 23008-12: the
"meta" box lists it in "iinf" as type "Exif" and says where its bytes are in "iloc"): it is
read here from the file, as heif-convert's JPEG, which OCR reads, need not carry it.

Every offset and length is the file's word: each is checked against the bytes there are
before anything is sliced, IFDs are walked once each (a loop of pointers ends), and a PNG's
compressed text is inflated to `MOST` characters at most, so a hostile picture costs no more
than its size.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

MOST = 64 * 1024  # characters of text read from one picture, at most
_PNG = b"\x89PNG\r\n\x1a\n"
# EXIF's text tags: in the first IFD (the picture's), and in the EXIF IFD it points to
_ASCII_TAGS = {0x010E: "Description", 0x013B: "Artist", 0x8298: "Copyright"}
_XP_TAGS = {0x9C9B: "Title", 0x9C9C: "Comment", 0x9C9D: "Author", 0x9C9E: "Keywords",
            0x9C9F: "Subject"}  # Windows' Properties dialog: UCS-2
_USER_COMMENT, _EXIF_IFD, _GPS_IFD = 0x9286, 0x8769, 0x8825
# GPS IFD: latitude's N or S, latitude (three rationals), longitude's E or W, longitude
_GPS_TAGS = {1: "lat_ref", 2: "lat", 3: "lon_ref", 4: "lon"}
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}
_IFDS = 8  # IFDs walked at most (the picture's, EXIF's, the thumbnail's...)
# PNG text that is a program's, not anyone's words
_PROGRAMS = frozenset({"software", "xml:com.adobe.xmp", "creation time", "source",
                       "raw profile type exif", "raw profile type xmp", "raw profile type iptc",
                       "date:create", "date:modify", "date:timestamp"})


def text(data: bytes) -> str:
    """The picture's descriptions and comments, a line each ("Comment: ..."), each once, and
    where it was taken; "" for a picture with none, or of a kind not read here (GIF, BMP,
    WebP)."""
    lines: list[str] = []
    size = 0
    for label, value in _found(data):
        value = " ".join(value.replace("\x00", " ").split())
        if value:
            lines.append(f"{label}: {value}")
            size += len(lines[-1]) + 1
            if size > MOST:
                break
    return "\n".join(dict.fromkeys(lines))[:MOST]


# XMP: what is a program's own, by namespace (a camera's settings, the file's history and
# identifiers, a PDF's producer) and by name (dates, formats, the program that wrote it)
_XMP_PROGRAM_SPACES = (
    "http://ns.adobe.com/xap/1.0/mm/", "http://ns.adobe.com/xap/1.0/sType/",
    "http://ns.adobe.com/xap/1.0/g/", "http://ns.adobe.com/xap/1.0/t/",
    "http://ns.adobe.com/camera-raw-settings/", "http://ns.adobe.com/exif/",
    "http://ns.adobe.com/tiff/", "http://ns.adobe.com/pdf/", "http://ns.adobe.com/pdfx/",
    "http://ns.adobe.com/illustrator/", "http://ns.adobe.com/hdr-gain-map/",
    "http://ns.adobe.com/xmp/note/", "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
    "http://www.aiim.org/pdfa/", "http://ns.google.com/photos/", "http://ns.apple.com/",
    "http://cipa.jp/exif/", "http://www.w3.org/XML/1998/namespace", "adobe:ns:meta/")
_XMP_PROGRAMS = frozenset({
    "creatortool", "format", "colormode", "iccprofile", "documentancestors", "history",
    "about", "legacyiptcdigest", "textlayers"})
_XMP_LISTS = frozenset({"li", "seq", "bag", "alt"})
_XMP_START, _XMP_END = b"<x:xmpmeta", b"</x:xmpmeta>"


def xmp(packet: bytes, room: int = MOST) -> list[str]:
    """The words of an XMP packet, a line each as "XMP name: value" (a list's items each
    under its property's name: dc:creator's rdf:li as "XMP creator"), what is a program's own
    left out; a property written as an attribute too. Parsed with defusedxml, streamed, no
    more than `room` characters; [] for a damaged packet (what was read before it stands)."""
    import io

    import defusedxml.ElementTree as SafeET

    lines: list[str] = []
    size = 0
    path: list[str] = []
    try:
        for event, el in SafeET.iterparse(io.BytesIO(packet), events=("start", "end")):
            found: list[tuple[str, str]] = []
            if event == "start":
                path.append(el.tag)
                found = list(el.attrib.items())
            else:
                path.pop()
                if len(el) == 0:  # a leaf's value, under its property
                    owner = next((p for p in reversed([*path, el.tag])
                                  if _local(p).lower() not in _XMP_LISTS), el.tag)
                    found = [(owner, el.text or "")]
                el.clear()  # read: only the open elements are kept
            for key, value in found:
                if not _programs(key) and (value := " ".join(value.split())) and \
                        said_of_author(_local(key), value):
                    lines.append(f"XMP {_local(key)}: {value}")
                    size += len(lines[-1]) + 1
            if size > room:
                break
    except Exception:  # noqa: BLE001 (defusedxml's and the parser's errors alike)
        return []
    return lines


# properties that name whoever wrote the file: set by the program to its user's name on
# nearly every file (an officer's, not a data subject's), so read only where a number is
# written there as well (an identifier hidden in the author field)
AUTHORS = frozenset({"creator", "author", "lastmodifiedby", "manager", "initial-creator"})


def said_of_author(name: str, value: str) -> bool:
    """Whether a property's `value` is to be read: any but an author's (`AUTHORS`), and an
    author's with a digit in it."""
    return name.lower() not in AUTHORS or any(c.isdigit() for c in value)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _programs(tag: str) -> bool:
    """Whether an XMP property is a program's own: by its namespace, or its name (a date or
    a time, a rating, those in `_XMP_PROGRAMS`)."""
    space = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    name = _local(tag).lower()
    return space.startswith(_XMP_PROGRAM_SPACES) or name in _XMP_PROGRAMS or "date" in name \
        or name.endswith("time") or name.startswith("rating") \
        or space == "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _packet(data: bytes) -> bytes | None:
    """A picture's XMP packet, found by its opening tag wherever the format keeps it (a
    JPEG's APP1 segment, a PNG's iTXt chunk, a TIFF's tag 700, a HEIC's item, uncompressed
    in each), `MOST` * 4 bytes at most."""
    start = data.find(_XMP_START)
    if start == -1:
        return None
    end = data.find(_XMP_END, start, start + 4 * MOST)
    return data[start:end + len(_XMP_END)] if end != -1 else None


def _found(data: bytes) -> Iterator[tuple[str, str]]:
    said = set()
    for label, value in _described(data):
        said.add(" ".join(value.replace("\x00", " ").split()))
        yield label, value
    if (packet := _packet(data)) is not None:  # last, after all read before it
        for line in xmp(packet):  # what it repeats of the EXIF (Windows writes both) once
            if (found := line.partition(": "))[2] not in said:
                yield found[0], found[2]


def _described(data: bytes) -> Iterator[tuple[str, str]]:
    if data.startswith(_PNG):
        yield from _png(data)
    elif data.startswith(b"\xff\xd8"):
        if (tiff := _jpeg_exif(data)) is not None:
            yield from _exif(tiff)
    elif data.startswith((b"II*\x00", b"MM\x00*")):  # a TIFF is an EXIF structure itself
        yield from _exif(data)
    elif data[4:8] == b"ftyp" and (tiff := _heif_exif(data)) is not None:
        yield from _exif(tiff)


def _jpeg_exif(data: bytes) -> bytes | None:
    """The TIFF structure of a JPEG's APP1 "Exif" segment, found by walking its markers up to
    the first frame; None where it has none."""
    at = 2
    while at + 4 <= len(data) and at < 1 << 20:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        if marker in (0xDA, 0xD9):  # the pixels begin: no metadata after this
            return None
        length = int.from_bytes(data[at + 2:at + 4], "big")
        segment = data[at + 4:at + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            return segment[6:]
        at += 2 + length
    return None


def _exif(tiff: bytes) -> Iterator[tuple[str, str]]:
    """The text tags of a TIFF structure's IFDs (the picture's and the EXIF one)."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return
    order = "<" if tiff[:2] == b"II" else ">"
    (first,) = struct.unpack_from(order + "I", tiff, 4)
    todo, seen, gps = [first], set(), None
    while todo and len(seen) < _IFDS:
        ifd = todo.pop(0)
        if ifd in seen or ifd + 2 > len(tiff):
            continue
        seen.add(ifd)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for n in range(min(count, (len(tiff) - ifd - 2) // 12)):
            tag, kind, many = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * n)
            value = _value(tiff, order, ifd + 2 + 12 * n + 8, kind, many)
            if value is None:
                continue
            if tag == _EXIF_IFD and kind == 4 and len(value) == 4:
                todo.append(struct.unpack(order + "I", value)[0])
            elif tag == _GPS_IFD and kind == 4 and len(value) == 4 and gps is None:
                gps = struct.unpack(order + "I", value)[0]
            elif tag in _ASCII_TAGS and kind == 2:
                yield _ASCII_TAGS[tag], value.decode("utf-8", "replace")
            elif tag in _XP_TAGS and kind in (1, 7):
                yield _XP_TAGS[tag], value.decode("utf-16-le", "replace")
            elif tag == _USER_COMMENT and kind == 7 and len(value) >= 8:
                yield "Comment", _user_comment(value, order)
    if gps is not None and gps not in seen and gps + 2 <= len(tiff) and \
            (position := _gps(tiff, order, gps)) is not None:
        yield "GPS position", position


def _gps(tiff: bytes, order: str, ifd: int) -> str | None:
    """The position a GPS IFD gives, "51.50000 N, 0.12780 W"; None where it has none whole."""
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    said: dict[str, bytes] = {}
    for n in range(min(count, (len(tiff) - ifd - 2) // 12)):
        tag, kind, many = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * n)
        if tag in _GPS_TAGS and (value := _value(tiff, order, ifd + 2 + 12 * n + 8, kind,
                                                 many)) is not None:
            said[_GPS_TAGS[tag]] = value if kind in (2, 5) else b""
    try:
        lat, lon = _degrees(said["lat"], order), _degrees(said["lon"], order)
    except (KeyError, ValueError, ZeroDivisionError, struct.error):
        return None
    lat_ref = said.get("lat_ref", b"N")[:1].decode("latin-1") or "N"
    lon_ref = said.get("lon_ref", b"E")[:1].decode("latin-1") or "E"
    return f"{lat:.5f} {lat_ref}, {lon:.5f} {lon_ref}"


def _degrees(value: bytes, order: str) -> float:
    """Degrees, minutes and seconds (three rationals) as degrees."""
    d_n, d_d, m_n, m_d, s_n, s_d = struct.unpack(order + "6I", value[:24])
    return d_n / d_d + m_n / m_d / 60 + (s_n / s_d / 3600 if s_d else 0.0)


def _heif_exif(data: bytes) -> bytes | None:
    """The TIFF structure of a HEIF file's Exif item, or None: its "meta" box's item list
    ("iinf") names the item, its locations ("iloc") say where its bytes are in the file, and
    the item begins with the offset of the TIFF header after its first four bytes."""
    meta = _box(data, 0, len(data), b"meta")
    if meta is None:
        return None
    start, end = meta[0] + 4, meta[1]  # a full box: its version and flags first
    item = _exif_item(data, _box(data, start, end, b"iinf"))
    if item is None:
        return None
    where = _item_extent(data, _box(data, start, end, b"iloc"), item)
    if where is None:
        return None
    at, length = where
    if length < 4 or at + length > len(data):
        return None
    skip = int.from_bytes(data[at:at + 4], "big")
    tiff = data[at + 4 + skip:at + length]
    return tiff if tiff[:2] in (b"II", b"MM") else None


_BOXES = 64  # boxes looked at in one box at most


def _box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """Where the body of the first box of `kind` between `start` and `end` begins and ends."""
    at = start
    for _ in range(_BOXES):
        if at + 8 > end:
            return None
        size, name = struct.unpack_from(">I4s", data, at)
        body = at + 8
        if size == 1 and at + 16 <= end:  # a 64-bit size follows
            (size,) = struct.unpack_from(">Q", data, at + 8)
            body = at + 16
        elif size == 0:  # to the end
            size = end - at
        if size < body - at or at + size > end:
            return None
        if name == kind:
            return body, at + size
        at += size
    return None


def _exif_item(data: bytes, iinf: tuple[int, int] | None) -> int | None:
    """The id of the item "iinf" lists as "Exif" (its "infe" boxes of version 2 or 3)."""
    if iinf is None or iinf[0] + 6 > iinf[1]:
        return None
    version = data[iinf[0]]
    at = iinf[0] + 4 + (2 if version == 0 else 4)
    for _ in range(_BOXES):
        infe = _box(data, at, iinf[1], b"infe")
        if infe is None:
            return None
        body, end = infe
        version = data[body] if body < end else 0
        wide = 4 if version >= 3 else 2
        if version >= 2 and body + 4 + wide + 2 + 4 <= end:
            item = int.from_bytes(data[body + 4:body + 4 + wide], "big")
            if data[body + 4 + wide + 2:body + 4 + wide + 6] == b"Exif":
                return item
        at = end
    return None


def _item_extent(data: bytes, iloc: tuple[int, int] | None, wanted: int) \
        -> tuple[int, int] | None:
    """Where in the file item `wanted`'s bytes are (its one extent, from the file's start),
    by "iloc"; None for an item kept otherwise (in "idat", or in several extents)."""
    if iloc is None:
        return None
    at, end = iloc
    if at + 8 > end:
        return None
    version = data[at]
    sizes = data[at + 4], data[at + 5]
    offset_size, length_size = sizes[0] >> 4, sizes[0] & 0xF
    base_size, index_size = sizes[1] >> 4, (sizes[1] & 0xF) if version in (1, 2) else 0
    at += 6
    wide = 2 if version < 2 else 4

    def number(size: int) -> int:
        nonlocal at
        if size not in (0, 2, 4, 8) or at + size > end:
            raise ValueError
        value = int.from_bytes(data[at:at + size], "big")
        at += size
        return value

    try:
        count = number(wide)
        for _ in range(min(count, _BOXES)):
            item = number(wide)
            method = number(2) & 0xF if version in (1, 2) else 0
            number(2)  # data reference index
            base = number(base_size)
            extents = number(2)
            found = []
            for _ in range(min(extents, _BOXES)):
                number(index_size)
                found.append((base + number(offset_size), number(length_size)))
            if item == wanted:
                return found[0] if method == 0 and len(found) == 1 else None
    except ValueError:
        return None
    return None


def _value(tiff: bytes, order: str, at: int, kind: int, many: int) -> bytes | None:
    """An IFD entry's bytes: in the entry where they fit in 4, else where it points; None
    when they run past the structure."""
    size = _TYPE_SIZES.get(kind, 0) * many
    if not size:
        return None
    if size <= 4:
        return tiff[at:at + size]
    (where,) = struct.unpack_from(order + "I", tiff, at)
    if where + size > len(tiff):
        return None
    return tiff[where:where + size]


def _user_comment(value: bytes, order: str) -> str:
    """EXIF's UserComment: 8 bytes naming its code ("ASCII", "UNICODE", "JIS"), then text."""
    code, body = value[:8], value[8:]
    if code.startswith(b"UNICODE"):
        return body.decode("utf-16-le" if order == "<" else "utf-16-be", "replace")
    return body.decode("utf-8", "replace")


def _png(data: bytes) -> Iterator[tuple[str, str]]:
    """A PNG's text chunks before its end, each as "keyword: text"; its EXIF (eXIf) too."""
    at = len(_PNG)
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        body = data[at + 8:at + 8 + length]
        at += 12 + length
        if kind == b"IEND" or len(body) < length:
            return
        if kind == b"eXIf":
            yield from _exif(body)
            continue
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        keyword, _, rest = body.partition(b"\x00")
        name = keyword.decode("latin-1", "replace").strip()
        if name.lower() in _PROGRAMS:
            continue
        if kind == b"tEXt":
            said = rest.decode("latin-1", "replace")
        elif kind == b"zTXt":
            said = _inflated(rest[1:]).decode("latin-1", "replace")
        else:  # iTXt: compressed?, method, language\0, translated keyword\0, UTF-8 text
            if len(rest) < 2:
                continue
            compressed, tail = rest[0], rest[2:]
            _, _, tail = tail.partition(b"\x00")
            _, _, tail = tail.partition(b"\x00")
            said = (_inflated(tail) if compressed else tail).decode("utf-8", "replace")
        yield name.capitalize() if name.islower() else name, said


def _inflated(data: bytes) -> bytes:
    """Compressed text inflated to `MOST` bytes at most (a bomb stops there); b"" where it
    is damaged."""
    try:
        return zlib.decompressobj().decompress(data, MOST)
    except zlib.error:
        return b""
