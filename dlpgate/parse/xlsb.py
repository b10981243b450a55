"""An Excel binary workbook (.xlsb): its sheets, cell by cell, labelled as an .xlsx's are.

An .xlsb is the same ZIP package as an .xlsx, but its workbook, sheets, shared strings and
comments are BIFF12 records (MS-XLSB), not XML. Read as an .xlsx it had no sheet to read,
and finance and data teams' big workbooks went out with their cells unread and nothing said.

Read here rather than with pyxlsb: it opens the ZIP itself, so its parts would be unpacked
outside the message's budget (a sheet claiming 10 GB, a zip bomb), and it reads neither the
number formats that tell a date of birth from a number nor inline strings. Each part comes
through the same bounded reader as an .xlsx's XML (`zips._read_member`), and what is
built counts against the same text limit (`office._Reading`).

A record's type and size are the file's word, so the walk checks each against the bytes the
part has. The records walked (`MAX_RECORDS`) and the cells they make (`xls.MAX_CELLS`, as an
.xls's) are capped, so a part of millions of empty records costs seconds, not minutes. A
damaged part is read up to its damage and that is said; no message says what a cell holds.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Callable, Iterator

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from dlpgate.parse import office, package, xls, xlsbformulas

ReadMember = Callable[[zipfile.ZipInfo], bytes]

# record types (MS-XLSB 2.3): cells first, each opening with its column and style
_ROW, _BLANK, _RK, _ERROR, _BOOL, _REAL, _ST, _ISST = range(8)
_FMLA_STRING, _FMLA_NUM, _FMLA_BOOL, _FMLA_ERROR = range(8, 12)
_RSTRING = 62  # a cell of rich (formatted) text, kept in the cell
_SST_ITEM, _FMT, _XF = 19, 44, 47
_WB_PROP, _BUNDLE_SH = 153, 156
_HEADER_FOOTER = 479
_HLINK = 494  # a cell's link: its range, relationship id, place, tooltip and display text
_BEGIN_CELL_XFS, _END_CELL_XFS = 617, 618
_COMMENT_TEXT = 637
_ARR_FMLA, _SHR_FMLA = 426, 427  # an array formula's or a shared one's tokens, after its cell
_GAP = 1000  # empty cells kept before a value, as an .xlsx's (office._xlsx)
# records walked in one workbook, its parts together: three for each cell it may make (the
# cell, its share of the row headers, its shared string); 6 million take about 2 s
MAX_RECORDS = 3 * xls.MAX_CELLS


class _Damaged(Exception):
    """A part's records run past its bytes: what came before is kept."""


class _Walk:
    """Records walked in one workbook, against `limit`: past it, each part's walk ends where
    it is (`spent`), the reading of the workbook stops, and that is said."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit
        self.spent = False

    def records(self, data: bytes) -> Iterator[tuple[int, int, int]]:
        """Each record's type and where its data starts and stops. The type takes one or two
        bytes and the size one to four, seven bits a byte (MS-XLSB 2.1.4): a size with a
        fifth byte, or one past the part's end, is damage, never a read of what it claims."""
        pos, end = 0, len(data)
        while pos < end:
            self.left -= 1
            if self.left < 0:
                self.spent = True
                return
            kind = data[pos]
            pos += 1
            if kind & 0x80:
                if pos >= end:
                    raise _Damaged("cut short inside a record's type")
                kind = (kind & 0x7F) | (data[pos] & 0x7F) << 7
                pos += 1
            size = shift = 0
            while True:
                if pos >= end:
                    raise _Damaged("cut short inside a record's size")
                byte = data[pos]
                pos += 1
                size |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
                shift += 7
                if shift > 21:
                    raise _Damaged("a record's size runs past four bytes")
            if pos + size > end:
                raise _Damaged("a record runs past the end of its part")
            yield kind, pos, pos + size
            pos += size


def _wide(data: bytes, at: int, stop: int) -> tuple[str, int]:
    """An XLWideString at `at` (a count of UTF-16 units, then them) and where it ends; only
    as much as the record holds, whatever the count says. A null one (count 0xFFFFFFFF)
    is empty."""
    if at + 4 > stop:
        return "", stop
    count = struct.unpack_from("<I", data, at)[0]
    if count == 0xFFFFFFFF:
        return "", at + 4
    end = min(at + 4 + 2 * count, stop)
    return data[at + 4:end].decode("utf-16-le", errors="replace"), end


def _cell_formula(kind: int, data: bytes, start: int, stop: int) -> int:
    """Where a formula cell's formula starts: past its column and style, its value (a string,
    a number, or a byte: TRUE or an error) and its flags."""
    at = start + 8
    if kind == _FMLA_STRING:  # its count of UTF-16 units, then them: not decoded again
        if at + 4 > stop:
            return stop
        count = struct.unpack_from("<I", data, at)[0]
        return at + 4 + (0 if count == 0xFFFFFFFF else 2 * count) + 2
    return at + (8 if kind == _FMLA_NUM else 1) + 2


def _formula(data: bytes, at: int, stop: int, found: list[tuple[str, ...]]) -> None:
    """Add to `found` the constants of the formula at `at` (its tokens' size, then them;
    `xlsbformulas`), if it holds any: only as many tokens as the record holds, whatever the
    size says. A cell of a shared formula holds a pointer to it (PtgExp), and nothing else:
    the formula, kept once after the first of its cells, is read once."""
    if at + 4 <= stop and (values := xlsbformulas.constants(
            data, at + 4, min(at + 4 + struct.unpack_from("<I", data, at)[0], stop))):
        found.append(values)


def _one_line(value: str) -> str:
    """A cell's own lines stay in its row."""
    return " ".join(value.split()) if "\t" in value or "\n" in value or "\r" in value else value


def _rk(raw: int) -> float:
    """An RkNumber: a 30-bit integer or the top 30 bits of a double, perhaps hundredths."""
    if raw & 2:
        value = float(struct.unpack("<i", struct.pack("<I", raw))[0] >> 2)
    else:
        value = struct.unpack("<d", struct.pack("<Q", (raw & 0xFFFFFFFC) << 32))[0]
    return value / 100 if raw & 1 else value


class _Book:
    """The workbook being read: its shared strings, date styles, date system, and what was
    left out or found damaged, for the caller to say."""

    def __init__(self, reading: office._Reading) -> None:
        self.reading = reading
        self.walk = _Walk(MAX_RECORDS)
        self.strings: list[str] = []
        self.dates: frozenset[int] = frozenset()
        self.date1904 = False
        self.cells = 0
        self.missing = 0  # cells pointing past the shared strings

    def damaged(self, part: str, why: str) -> None:
        self.reading.damage = self.reading.damage or \
            f"{part} is damaged ({why}): the workbook read up to there"

    def value(self, kind: int, data: bytes, start: int, stop: int, style: int) -> str:
        at = start + 8  # past the column and the style
        if kind in (_RK, _REAL, _FMLA_NUM):
            if kind == _RK:
                if stop - at < 4:
                    return ""
                number = _rk(struct.unpack_from("<I", data, at)[0])
            elif stop - at < 8:
                return ""
            else:
                number = struct.unpack_from("<d", data, at)[0]
            if style in self.dates:
                shift = 1462 if self.date1904 and number >= 1 else 0
                return office.excel_date(str(number + shift))
            return xls.number(number)
        if kind in (_ST, _FMLA_STRING):
            return _one_line(_wide(data, at, stop)[0])
        if kind == _RSTRING:  # flags, then the string
            return _one_line(_wide(data, at + 1, stop)[0])
        if kind == _ISST:
            if stop - at < 4:
                return ""
            index = struct.unpack_from("<I", data, at)[0]
            if index < len(self.strings):
                return self.strings[index]
            self.missing += 1
            return ""
        if kind in (_BOOL, _FMLA_BOOL):
            return ("TRUE" if data[at] else "FALSE") if stop > at else ""
        return ""  # blank, or an error such as #N/A

    def sheet(self, data: bytes, part: str, formulas: list[tuple[str, ...]]
              ) -> tuple[list[str], list[str], list[str]]:
        """A sheet's rows, tab-joined (empty ones left out), its page headers and footers,
        and its links' tooltips; its formulas' constants go into `formulas`."""
        reading = self.reading
        lines: list[str] = []
        printed: list[str] = []
        tips: list[str] = []
        cells: list[str] = []
        try:
            for kind, start, stop in self.walk.records(data):
                if kind == _ROW:
                    if any(cells):
                        lines.append("\t".join(cells))
                    cells = []
                    if reading.over():
                        break
                elif kind <= _FMLA_ERROR or kind == _RSTRING:
                    if stop - start < 8:
                        continue
                    column, style = struct.unpack_from("<II", data, start)
                    value = self.value(kind, data, start, stop, style & 0xFFFFFF)
                    if _FMLA_STRING <= kind <= _FMLA_ERROR:
                        _formula(data, _cell_formula(kind, data, start, stop), stop, formulas)
                    before = len(cells)
                    if before < column <= before + _GAP:
                        cells.extend([""] * (column - before))
                    cells.append(value)
                    self.cells += len(cells) - before
                    reading.spent += len(value) + 1
                    if self.cells > xls.MAX_CELLS:
                        reading.why = reading.why or (
                            f"the workbook's sheets pass {xls.MAX_CELLS} cells together: the "
                            "cells from there on not scanned")
                        reading.cut = True
                        break
                    if reading.spent > reading.limit:
                        reading.cut = True
                        break
                elif kind in (_SHR_FMLA, _ARR_FMLA):  # the cells range, an array's flags
                    _formula(data, start + (16 if kind == _SHR_FMLA else 17), stop, formulas)
                elif kind == _HEADER_FOOTER:
                    at = start + 2  # past the flags: odd, even and first pages' pairs
                    for _ in range(6):
                        text, at = _wide(data, at, stop)
                        if text:
                            printed.append(" ".join(office.PRINT_CODES.sub(" ", text).split()))
                elif kind == _HLINK and len(tips) < xls.MAX_CELLS:
                    at = start + 16  # past the cells it covers: then its id and its place
                    for _ in range(2):
                        at = _wide(data, at, stop)[1]
                    tips.append(_wide(data, at, stop)[0])
        except _Damaged as exc:
            self.damaged(part, str(exc))
        if any(cells):
            lines.append("\t".join(cells))
        return lines, printed, tips

    def shared_strings(self, data: bytes, part: str) -> None:
        try:
            for kind, start, stop in self.walk.records(data):
                if kind == _SST_ITEM:  # a RichStr: flags, then the string
                    if len(self.strings) >= xls.MAX_CELLS:
                        break  # more than the cells read could use; a cell past it is said
                    self.strings.append(_one_line(_wide(data, start + 1, stop)[0]))
        except _Damaged as exc:
            self.damaged(part, str(exc))

    def styles(self, data: bytes, part: str) -> None:
        """The cell styles (by index) whose number format shows a date: a date of birth is
        stored as a count of days, and read as a number it was no date at all."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        inside = False
        try:
            for kind, start, stop in self.walk.records(data):
                if kind == _FMT and stop - start >= 2:
                    custom[struct.unpack_from("<H", data, start)[0]] = \
                        _wide(data, start + 2, stop)[0]
                elif kind in (_BEGIN_CELL_XFS, _END_CELL_XFS):
                    inside = kind == _BEGIN_CELL_XFS
                elif kind == _XF and inside and stop - start >= 4:
                    formats.append(struct.unpack_from("<H", data, start + 2)[0])
        except _Damaged as exc:
            self.damaged(part, str(exc))
        self.dates = frozenset(i for i, fmt in enumerate(formats)
                               if office.shows_date(fmt, custom))

    def workbook(self, data: bytes, part: str) -> list[tuple[str, str]]:
        """Each sheet's relationship id and name, in the workbook's order, and its date
        system (a workbook saved on a Mac may count days from 1904)."""
        sheets = []
        try:
            for kind, start, stop in self.walk.records(data):
                if kind == _WB_PROP and stop - start >= 4:
                    self.date1904 = bool(data[start] & 1)
                elif kind == _BUNDLE_SH and stop - start >= 8:
                    rid, at = _wide(data, start + 8, stop)
                    sheets.append((rid, _one_line(_wide(data, at, stop)[0])))
        except _Damaged as exc:
            self.damaged(part, str(exc))
        return sheets


def text(zf: zipfile.ZipFile, read: ReadMember, kinds: dict[str, str],
         reading: office._Reading, unseen: list[str],
         constants: dict[tuple[str, ...], None]) -> str:
    """Each sheet, in the workbook's order and under its name, its rows labelled under their
    header (`tables.labelled`); then the cells' comments. Its links' tooltips that a sheet's
    text does not say go into `unseen`, for office.py to read after all the rest (PARSER 23),
    and its formulas' constants into `constants`, for it to read after that where the text
    does not say them (PARSER 27), as an .xlsx's. What the limits leave out, or damage stops,
    is said through `reading` (`why`, `damage`)."""
    from dlpgate.parse.officeunseen import keep_constants, unsaid_tips
    from dlpgate.parse.tables import labelled

    infos = {i.filename: i for i in zf.infolist()}
    book = _Book(reading)
    texts: list[str] = []
    names: dict[str, str] = {}
    order: list[str] = []
    for part in _workbook_part(package.parts(kinds, package.BINARY_BOOK))[:1]:
        relations = _relations(zf, read, part)
        for rid, name in book.workbook(read(infos[part]), part):
            if (target := relations.get(rid)) in infos:
                names.setdefault(target, name)
                order.append(target)
    for part in package.parts(kinds, package.BINARY_STRINGS)[:1]:
        book.shared_strings(read(infos[part]), part)
    for part in package.parts(kinds, package.BINARY_STYLES)[:1]:
        book.styles(read(infos[part]), part)
    sheets = package.parts(kinds, package.BINARY_SHEETS)
    # the workbook's sheets in its order, then any part declared a sheet it does not name
    for part in dict.fromkeys([p for p in order if p in sheets] + sheets):
        if reading.over() or book.walk.spent:
            break
        formulas: list[tuple[str, ...]] = []
        lines, printed, tips = book.sheet(read(infos[part]), part, formulas)
        keep_constants(formulas, constants, reading.limit)
        body = labelled("\n".join(lines), "\t", reading.limit, quotes=False)
        texts.append("\n".join(t for t in (names.get(part, ""), body, *printed) if t))
        unseen.extend(unsaid_tips(tips, texts[-1]))
    for part in package.parts(kinds, package.BINARY_COMMENTS):
        if reading.over() or book.walk.spent:
            break
        texts.append(_comments(book, read(infos[part]), part))
    if book.walk.spent:
        reading.why = reading.why or (f"the workbook passes {book.walk.limit} records: the "
                                      "rest not scanned")
        reading.cut = True
    if book.missing:
        reading.damage = reading.damage or (
            f"{book.missing} cells point past the workbook's shared strings (a damaged or "
            "missing strings part): their text not read")
    return "\n".join(t for t in texts if t)


def _comments(book: _Book, data: bytes, part: str) -> str:
    """A sheet's comments, one a line: notes about a person, on the cell of their name."""
    out = []
    try:
        for kind, start, stop in book.walk.records(data):
            if kind == _COMMENT_TEXT:  # a RichStr: flags, then the string
                out.append(" ".join(_wide(data, start + 1, stop)[0].split()))
                book.reading.spent += len(out[-1]) + 1
                if book.reading.over():
                    break
    except _Damaged as exc:
        book.damaged(part, str(exc))
    return "\n".join(line for line in out if line)


def _workbook_part(parts: list[str]) -> list[str]:
    """The workbook itself: any .bin part a file leaves undeclared is typed as one by the
    package's default, so the usual name first."""
    return sorted(parts, key=lambda p: p != "xl/workbook.bin")


def _relations(zf: zipfile.ZipFile, read: ReadMember, part: str) -> dict[str, str]:
    """The workbook's relationships, id to the member it names ("worksheets/sheet1.bin" from
    xl/workbook.bin is xl/worksheets/sheet1.bin)."""
    folder, _, leaf = part.rpartition("/")
    rels = f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"
    try:
        info = zf.getinfo(rels)
    except KeyError:
        return {}
    try:
        root = SafeET.fromstring(read(info))
    except (DefusedXmlException, SafeET.ParseError):  # the sheets unnamed, in their order
        return {}
    found = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id", "")] = path
    return found
