"""A legacy Word document (.doc, Word 97-2003): its text as Word shows it, per [MS-DOC].

Read as the text runs of any legacy Office file (`office.ole_text`), a .doc lost what a
run-finder cannot see: a child's first name alone in a table cell ("Amy") is under a run's
length, a fast-saved document's later edits sit at the end of the file and were read there,
a mail merge's field instructions ("MERGEFIELD Surname") read as text, and a table's labels
and values came out a line apart or run together where formatting broke a run. Here the
text is read as Word reads it: the File Information Block (FIB) says where the piece table
is, the piece table says where each stretch of text lies and in what order, and the
paragraph properties say which cell marks end a table's row, so a row reads "NHS\t943 476
5919" on one line. The main text comes first, then the footnotes, headers and footers,
comments, endnotes and text boxes, each from a new line, in the order Word keeps them.

Every count and offset in the file is checked against the bytes it points into before it is
used, and no more characters are decoded than the scan keeps (`limit`): a piece table that
claims four gigabytes, or a million pieces over the same bytes, costs what the file's bytes
cost. A document that does not hold together raises DocError, and the caller reads it as
text runs, as before; one saved with a password to open raises Encrypted.
"""

from __future__ import annotations

import array
import bisect
import io
import re
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from dlpgate.parse.office import TextCut, ole_text
from dlpgate.parse.tables import labelled

_IDENT = 0xA5EC
_WORD_97 = 0x00C0  # Word 6 and 95 (nFib 101-105) keep their text otherwise: read as runs
_ENCRYPTED, _WHICH_TABLE = 0x0100, 0x0200
_COMPRESSED = 0x40000000
_PAGE = 512  # a formatted disk page (FKP) of paragraph properties
# the stories in CP order, as FibRgLw97 counts them; the macro story (its 4th) is never text
_STORIES = ("text", "footnotes", "headers", "macros", "comments", "endnotes", "text boxes",
            "header text boxes")
_SHOWN = frozenset(_STORIES) - {"macros"}
# streams the document's text is read from, and the one naming its kind ("MSWordDoc"); every
# other stream of the file (its properties, embedded objects) is read as text runs, as before
_NOT_RUNS = frozenset({"WordDocument", "0Table", "1Table", "Data", "\x01CompObj"})

_IN_TABLE, _ROW_END, _HUGE_PAPX = 0x2416, 0x2417, 0x6646  # sprmPFInTable, sprmPFTtp, ...
_TABLE_DEF = frozenset({0xD608, 0xD606})  # sprmTDefTable(10): a 2-byte size, plus one
_CHANGE_TABS = 0xC615  # sprmPChgTabs: a size of 255 means its own layout
_OPERAND = (1, 1, 2, 4, 2, 2, 0, 3)  # operand size by spra; 0 is variable

# Word's marks in the text: paragraph, cell and row ends, breaks, fields, anchors
_MARKS = re.compile("[\x00-\x08\x0a-\x1f]")
_PARAGRAPH_ENDS = re.compile("[\r\x07]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_FIELD_MARKS = re.compile("[\x13\x14\x15]")
_MAILTO = re.compile(r'HYPERLINK\s+"?mailto:([^"\s?]+)', re.IGNORECASE)
_AS_LINE = {"\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\n": "\n", "\x1e": "-"}


class DocError(Exception):
    """The document does not hold together as Word 97 text; says how, never what it says."""


class Encrypted(DocError):
    """Saved with a password to open: its text is ciphertext."""


def is_document(data: bytes) -> bool:
    """A compound file with a Word stream (an .xls has Workbook instead)."""
    return "WordDocument".encode("utf-16-le") in data


def text(data: bytes, limit: int = 5 * 1024 * 1024) -> str:
    """The document's text, up to `limit` characters (the scan's max_text); TextCut when
    some was left out, DocError when it cannot be read so."""
    streams = _Streams(data)
    word = streams.read("WordDocument")
    fib = _Fib.read(word)
    table = streams.read(fib.table)
    paragraphs = _Paragraphs.read(word, table, fib.papx, streams)
    stories, cut = _stories(word, _pieces(table, *fib.clx), fib.counts, limit)
    texts = [_Reader(paragraphs, limit).read(stories.get(name)) for name in _STORIES
             if name in _SHOWN]
    texts += [streams.runs(name) for name in streams.others()]
    out = "\n".join(t for t in (t.rstrip("\n") for t in texts) if t.strip())
    if cut or len(out) > limit:
        raise TextCut(out[:limit])
    return out


class _Streams:
    """The compound file's streams, each read whole once it is known to fit in the file."""

    def __init__(self, data: bytes) -> None:
        import olefile

        try:
            self._ole = olefile.OleFileIO(io.BytesIO(data))
        except Exception as exc:  # olefile reports damage with its own and built-in errors
            raise DocError(f"damaged compound file ({type(exc).__name__})") from None
        self._size = len(data)
        self._read: dict[str, bytes] = {}
        if not self._ole.exists("WordDocument"):
            raise DocError("no Word stream")

    def read(self, name: str, needed: bool = True) -> bytes:
        if name not in self._read:
            if not self._ole.exists(name):
                if needed:
                    raise DocError(f"no {name} stream")
                return b""
            if self._ole.get_size(name) > self._size:  # a loop in its sector chain
                raise DocError(f"the {name} stream claims more than the file holds")
            try:
                self._read[name] = self._ole.openstream(name).read()
            except Exception as exc:
                raise DocError(f"damaged {name} stream ({type(exc).__name__})") from None
        return self._read[name]

    def others(self) -> list[str]:
        """The streams Word's text is not read from: properties, embedded objects, macros."""
        names = ["/".join(path) for path in self._ole.listdir(streams=True, storages=False)]
        return [name for name in names if name not in _NOT_RUNS]

    def runs(self, name: str) -> str:
        try:
            return ole_text(self.read(name))
        except DocError:  # an embedded object's damage is not the document's
            return ""


@dataclass(frozen=True)
class _Fib:
    """What the File Information Block says: where the piece table and the paragraph
    properties are, in which table stream, and how many characters each story has."""

    table: str
    counts: tuple[int, ...]
    clx: tuple[int, int]
    papx: tuple[int, int]

    @classmethod
    def read(cls, word: bytes) -> _Fib:
        if len(word) < 34:
            raise DocError("the Word stream is shorter than its header")
        ident, nfib = struct.unpack_from("<HH", word, 0)
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if ident != _IDENT:
            raise DocError("no Word header")
        if flags & _ENCRYPTED:  # fEncrypted, with or without fObfuscated: ciphertext either way
            raise Encrypted("password-protected Word document")
        if nfib < _WORD_97:
            raise DocError("a Word document older than Word 97")
        at = 32 + 2 + 2 * _u16(word, 32)  # past FibBase and fibRgW
        longs = _u16(word, at)
        lw = at + 2
        at = lw + 4 * longs
        pairs = _u16(word, at)
        blob = at + 2
        if longs < 11 or pairs < 34 or blob + 8 * 34 > len(word):
            raise DocError("the Word header is cut short")
        counts = struct.unpack_from("<8i", word, lw + 12)  # ccpText .. ccpHdrTxbx
        if min(counts) < 0:
            raise DocError("the Word header counts fewer than no characters")
        clx = struct.unpack_from("<II", word, blob + 8 * 33)  # fcClx, lcbClx
        papx = struct.unpack_from("<II", word, blob + 8 * 13)  # fcPlcfBtePapx, lcb
        return cls("1Table" if flags & _WHICH_TABLE else "0Table", counts, clx, papx)


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise DocError("the Word header is cut short")
    return int.from_bytes(data[at:at + 2], "little")


@dataclass(frozen=True)
class _Piece:
    """A stretch of the text: characters [start, end) in text order, at `offset` in the Word
    stream, a byte a character (cp1252) when compressed, else two (UTF-16)."""

    start: int
    end: int
    offset: int
    width: int


def _pieces(table: bytes, fc: int, lcb: int) -> Iterator[_Piece]:
    """The piece table (PlcPcd) inside the CLX, its property runs (Prc) skipped first; each
    piece made only when it is reached, so a million of them cost what is read of them."""
    at, end = fc, fc + lcb
    if lcb < 5 or end > len(table):
        raise DocError("the piece table lies outside the table stream")
    while at < end:
        kind = table[at]
        if kind == 1 and at + 3 <= end:  # a Prc: its size, then its properties
            at += 3 + max(0, struct.unpack_from("<h", table, at + 1)[0])
        elif kind == 2 and at + 5 <= end:  # the Pcdt: its size, then the PlcPcd
            size = struct.unpack_from("<I", table, at + 1)[0]
            at += 5
            if size > end - at or size < 16 or (size - 4) % 12:
                raise DocError("the piece table's size does not fit its pieces")
            return _plc_pcd(table, at, (size - 4) // 12)
        else:
            break
    raise DocError("no piece table")


def _plc_pcd(table: bytes, at: int, count: int) -> Iterator[_Piece]:
    """Each piece's character range and where its bytes are. Empty pieces are passed over;
    characters out of order are damage: text order is what the table is for."""
    cps = memoryview(table)[at:at + 4 * (count + 1)]
    pcds = memoryview(table)[at + 4 * (count + 1):at + 12 * count + 4]
    starts = (cp for (cp,) in struct.iter_unpack("<i", cps))
    if next(starts) != 0:
        raise DocError("the piece table does not start at the text's start")
    start = 0
    for end, (_, fc, _) in zip(starts, struct.iter_unpack("<HIH", pcds), strict=True):
        if end < start:
            raise DocError("the piece table's characters are out of order")
        if end > start:
            compressed = bool(fc & _COMPRESSED)
            fc &= 0x3FFFFFFF
            yield _Piece(start, end, fc // 2 if compressed else fc, 1 if compressed else 2)
        start = end


@dataclass
class _Story:
    """One story's text, and where in the Word stream each of its paragraph and cell marks
    is: the paragraph properties are kept by that offset."""

    text: io.StringIO = field(default_factory=io.StringIO)
    size: int = 0
    marks: array.array = field(default_factory=lambda: array.array("q"))
    offsets: array.array = field(default_factory=lambda: array.array("q"))

    def add(self, chars: str, offset: int, width: int, count: int) -> None:
        """`count` characters read as `chars`: fewer where two UTF-16 units made one."""
        astral = [m.start() for m in _ASTRAL.finditer(chars)] if len(chars) < count else []
        for mark in _PARAGRAPH_ENDS.finditer(chars):
            k = mark.start()
            self.marks.append(self.size + k)
            self.offsets.append(offset + width * (k + bisect.bisect_left(astral, k)))
        self.text.write(chars)
        self.size += len(chars)

    def offset(self, index: int) -> int | None:
        n = bisect.bisect_left(self.marks, index)
        return self.offsets[n] if n < len(self.marks) and self.marks[n] == index else None


def _stories(word: bytes, pieces: Iterator[_Piece], counts: tuple[int, ...],
             limit: int) -> tuple[dict[str, _Story], bool]:
    """Each story's text in text order, no more than `limit` characters in all; and whether
    the rest was left out. Pieces that stop before the counts say the text ends are damage."""
    bounds = [0]
    for count in counts:
        bounds.append(bounds[-1] + count)
    want = min(bounds[-1], limit + 1)
    stories: dict[str, _Story] = {}
    read = 0
    for piece in pieces:
        if piece.start >= want:
            break
        start, end = piece.start, min(piece.end, want)
        while start < end:  # a piece may run on from one story into the next
            n = bisect.bisect_right(bounds, start) - 1
            stop = min(end, bounds[n + 1])
            offset = piece.offset + piece.width * (start - piece.start)
            chars = _decode(word, offset, piece.width, stop - start)
            stories.setdefault(_STORIES[n], _Story()).add(chars, offset, piece.width,
                                                          stop - start)
            start = stop
        read = end
    if read < want:
        raise DocError("the piece table holds fewer characters than the header counts")
    return stories, bounds[-1] > limit


def _decode(word: bytes, offset: int, width: int, count: int) -> str:
    """`count` characters at `offset`, which must lie inside the Word stream."""
    if offset + width * count > len(word):
        raise DocError("a piece of text lies past the end of the Word stream")
    raw = word[offset:offset + width * count]
    return raw.decode("cp1252", "replace") if width == 1 else raw.decode("utf-16-le", "replace")


class _Paragraphs:
    """Which paragraphs are in a table and which end a row, from the paragraph properties
    (PlcBtePapx, its formatted disk pages, their sprms). A cell mark and a row's end are the
    same character; only these tell them apart. Each page and property list is read once."""

    def __init__(self, word: bytes, fcs: array.array, pages: array.array,
                 streams: _Streams) -> None:
        self._word, self._fcs, self._pages, self._streams = word, fcs, pages, streams
        self._runs: dict[int, tuple[tuple[int, ...], bytes] | None] = {}
        self._props: dict[tuple[int, int], tuple[bool, bool]] = {}

    @classmethod
    def read(cls, word: bytes, table: bytes, where: tuple[int, int],
             streams: _Streams) -> _Paragraphs | None:
        """None when the document keeps none, or the table of them does not fit."""
        fc, lcb = where
        if lcb < 12 or (lcb - 4) % 8 or fc + lcb > len(table):
            return None
        count = (lcb - 4) // 8
        fcs = _unsigned(table[fc:fc + 4 * (count + 1)])
        pages = _unsigned(table[fc + 4 * (count + 1):fc + lcb])
        return cls(word, fcs, array.array("I", (p & 0x3FFFFF for p in pages)), streams)

    def at(self, offset: int) -> tuple[bool, bool] | None:
        """(in a table, ends a row) for the paragraph whose mark is at `offset`; None when
        the properties do not say."""
        n = bisect.bisect_right(self._fcs, offset) - 1
        if n < 0 or n >= len(self._pages) or offset >= self._fcs[n + 1]:
            return None
        page = self._pages[n]
        runs = self._page(page)
        if runs is None:
            return None
        bounds, offsets = runs
        k = bisect.bisect_right(bounds, offset) - 1
        if k < 0 or k >= len(offsets) or offset >= bounds[k + 1]:
            return None
        if offsets[k] == 0:  # no properties of its own: a plain paragraph
            return False, False
        key = (page, offsets[k])
        if key not in self._props:
            self._props[key] = self._flags(page, 2 * offsets[k])
        return self._props[key]

    def _page(self, page: int) -> tuple[tuple[int, ...], bytes] | None:
        if page not in self._runs:
            start = page * _PAGE
            fkp = self._word[start:start + _PAGE]
            count = fkp[-1] if len(fkp) == _PAGE else 0  # cpara: its paragraphs, 1 to 29
            runs = None
            if 0 < count <= 29:  # their bounds, then a BxPap (13 bytes) each: its offset first
                bounds = struct.unpack_from(f"<{count + 1}I", fkp, 0)
                runs = bounds, fkp[4 * (count + 1):4 * (count + 1) + 13 * count:13]
            self._runs[page] = runs
        return self._runs[page]

    def _flags(self, page: int, at: int) -> tuple[bool, bool]:
        """A PapxInFkp: its size (2cb - 1, or 2cb' when cb is 0), a style, then sprms."""
        fkp = self._word[page * _PAGE:(page + 1) * _PAGE]
        cb = fkp[at]
        size, at = (2 * cb - 1, at + 1) if cb else (2 * fkp[min(at + 1, 511)], at + 2)
        return self._sprms(fkp[at + 2:min(at + size, 511)], huge=True)

    def _sprms(self, grpprl: bytes, huge: bool) -> tuple[bool, bool]:
        in_table = ends_row = False
        at = 0
        while at + 2 <= len(grpprl):
            sprm = int.from_bytes(grpprl[at:at + 2], "little")
            at += 2
            value = grpprl[at] if at < len(grpprl) else 0
            if sprm == _IN_TABLE:
                in_table = value != 0
            elif sprm == _ROW_END:
                ends_row = value != 0
            elif sprm == _HUGE_PAPX and huge and at + 4 <= len(grpprl):
                # the properties too long for the page, in the Data stream (a wide table)
                more = self._huge(struct.unpack_from("<I", grpprl, at)[0])
                in_table, ends_row = in_table or more[0], ends_row or more[1]
            at += _operand(sprm, grpprl, at)
        return in_table, ends_row

    def _huge(self, offset: int) -> tuple[bool, bool]:
        try:
            data = self._streams.read("Data", needed=False)
        except DocError:
            return False, False
        if offset + 2 > len(data):
            return False, False
        size = max(0, struct.unpack_from("<h", data, offset)[0])
        return self._sprms(data[offset + 2:offset + 2 + size], huge=False)


def _unsigned(raw: bytes) -> array.array:
    """Little-endian 32-bit numbers, four bytes each in memory as in the file."""
    numbers = array.array("I", raw)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def _operand(sprm: int, grpprl: bytes, at: int) -> int:
    """How many bytes a sprm's operand takes (Sprm.spra), the few odd ones included."""
    size = _OPERAND[sprm >> 13]
    if size:
        return size
    if sprm in _TABLE_DEF:
        return int.from_bytes(grpprl[at:at + 2], "little") + 1
    count = grpprl[at] if at < len(grpprl) else 0
    if sprm == _CHANGE_TABS and count == 255:  # deleted tabs, closed tabs, added tabs
        deleted = grpprl[at + 1] if at + 1 < len(grpprl) else 0
        added_at = at + 2 + 4 * deleted
        added = grpprl[added_at] if added_at < len(grpprl) else 0
        return 2 + 4 * deleted + 1 + 3 * added
    return 1 + count


@dataclass
class _Field:
    """A field being read: its instruction until the separator, then its result, shown."""

    instruction: list[str] = field(default_factory=list)
    showing: bool = False
    link: str = ""  # a mailto: address its instruction holds
    line: list[str] | None = None  # the line its result began on, and where in it
    since: int = 0


class _Reader:
    """One story's text turned into lines as Word shows them: paragraphs on lines, a table
    row on one line with its cells by tabs (a cell's own lines joined by spaces), each table
    labelled as a document's tables are (`tables.labelled`), a field's result kept and its
    instruction left out, anchors and hyphenation marks dropped."""

    def __init__(self, paragraphs: _Paragraphs | None, limit: int) -> None:
        self._paragraphs, self._limit = paragraphs, limit
        self._out: list[str] = []
        self._line: list[str] = []
        self._cell: list[str] = []
        self._row: list[str] = []
        self._rows: list[list[str]] = []
        self._after_cell = False  # the last mark ended a cell: a row's end may follow

    def read(self, story: _Story | None) -> str:
        if story is None:
            return ""
        chars = story.text.getvalue()
        stray = _stray_fields(chars)
        fields: list[_Field] = []
        at = 0
        for mark in _MARKS.finditer(chars):
            i, ch = mark.start(), mark.group()
            shown = all(f.showing for f in fields)
            if shown:
                self._line.append(chars[at:i])
            elif not fields[-1].showing:
                fields[-1].instruction.append(chars[at:i])
            at = i + 1
            if ch in "\x13\x14\x15" and i not in stray:
                self._field(ch, fields)
            elif shown and ch in "\r\x07":
                self._paragraph(ch, story.offset(i))
            elif shown and ch in _AS_LINE:
                self._line.append(_AS_LINE[ch])
        if all(f.showing for f in fields):
            self._line.append(chars[at:])
        self._end_table()
        self._out.append("".join(self._line))
        return "".join(self._out)

    def _field(self, ch: str, fields: list[_Field]) -> None:
        """Begin, separator, end. A link's mailto: address is kept after what the link shows,
        when that is something else ("Email Amy's mother"): the address goes with the file,
        and a click on the link shows it. Other instructions (MERGEFIELD Surname, a picture's
        path) are Word's codes, not text anyone reads."""
        if ch == "\x13":
            fields.append(_Field())
        elif ch == "\x14" and fields and not fields[-1].showing:
            current = fields[-1]
            current.showing = True
            found = _MAILTO.search("".join(current.instruction))
            current.link = found.group(1) if found else ""
            current.line, current.since = self._line, len(self._line)
        elif ch == "\x15" and fields:
            done = fields.pop()
            if done.link and all(f.showing for f in fields):
                shown = "".join(self._line[done.since:] if done.line is self._line
                                else self._line)
                if done.link.lower() not in shown.lower():
                    self._line.append(f" ({done.link})")

    def _paragraph(self, ch: str, offset: int | None) -> None:
        props = self._paragraphs.at(offset) if self._paragraphs and offset is not None \
            else None
        if ch == "\x07":
            # without properties: a mark right after a cell's end, nothing between, ends
            # the row (an empty cell there reads as a row's end: the layout, not the text)
            ends_row = props[1] if props else (self._after_cell and not
                                               "".join(self._line).strip())
            if ends_row:
                if "".join(self._line).strip():
                    self._row.append(" ".join("".join(self._line).split()))
                self._rows.append(self._row)
                self._row = []
            else:
                self._row.append(" ".join("".join(self._cell + self._line).split()))
                self._cell = []
            self._line = []
            self._after_cell = not ends_row
            return
        if props and props[0]:  # a paragraph inside a cell: the cell's lines by spaces
            self._cell += self._line + [" "]
        else:
            self._end_table()
            self._out.append("".join(self._line) + "\n")
        self._line = []
        self._after_cell = False

    def _end_table(self) -> None:
        if self._row:
            self._rows.append(self._row)
            self._row = []
        if self._rows:
            rows = "\n".join("\t".join(cells) for cells in self._rows)
            self._out.append(labelled(rows, "\t", self._limit, quotes=False) + "\n")
            self._rows = []


def _stray_fields(chars: str) -> set[int]:
    """Field marks with no partner: a begin never ended would hide the rest of the story
    as its instruction, so it is read past as if it were not there."""
    open_at: list[int] = []
    stray: set[int] = set()
    for mark in _FIELD_MARKS.finditer(chars):
        ch, i = mark.group(), mark.start()
        if ch == "\x13":
            open_at.append(i)
        elif not open_at:
            stray.add(i)
        elif ch == "\x15":
            open_at.pop()
    return stray | set(open_at)
