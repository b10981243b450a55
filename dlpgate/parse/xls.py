"""A legacy Excel workbook (.xls, Excel 97-2003, or its XML Spreadsheet 2003 save): its
sheets, cell by cell, labelled.

Read as the text runs of any legacy Office file, a pupil list kept in .xls lost every
number: an NHS number typed into a cell is stored as a floating-point number and a date of
birth as a count of days, neither of them text, so the sheet went out with nothing found.
Its headers were runs too, nowhere near their values. Here the workbook is read by xlrd
(cell values, with dates known by their formats) and each sheet is labelled like an
.xlsx, "NHS number: 9434765919; Date of birth: 04/05/2016".

xlrd pads each row out to its last cell, so a cell in column 256 of every row costs 256
cells for every 14 bytes of file (a 9 MB file made 50 million). The cells the workbook
would make are counted from its records before xlrd is given it, and a sheet that would
pass `MAX_CELLS` is left out, and that is said.
"""

from __future__ import annotations

import io
import struct

from dlpgate.parse.office import PRINT_CODES, TextCut, excel_date, tab_names

MAX_CELLS = 2_000_000  # a sheet of 45,000 pupils in 20 columns is 900,000
_BOF, _BOUNDSHEET, _SST = 0x0809, 0x0085, 0x00FC
_PRINTED = frozenset({0x0014, 0x0015})  # a sheet's page header and footer (HEADER, FOOTER)
# records holding one cell, its row and column first; MULRK and MULBLANK hold a run of a
# row's cells, the last one's column at the end
_ONE_CELL = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0201, 0x0205, 0x0006, 0x00D6})
_CELL_RUN = frozenset({0x00BD, 0x00BE})
_TEXT, _NUMBER, _DATE, _BOOLEAN = 1, 2, 3, 4  # xlrd's cell types


class XlsError(Exception):
    """Damaged, or not a workbook; says how, never what the cells hold."""


class Encrypted(XlsError):
    """Saved with a password to open: its cells are ciphertext."""


class TooManyCells(TextCut):  # noqa: N818 (the text read, the rest left out)
    """A sheet would make more than MAX_CELLS cells; it and the sheets after it are left out."""


class NotWorkbook(XlsError):
    """A compound file with no workbook stream after all: a .doc whose text says "Workbook"."""


def is_workbook(data: bytes) -> bool:
    """A compound file with a workbook stream (a .doc has WordDocument instead)."""
    return "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") + b"\0\0" in data


def text(data: bytes, limit: int = 5 * 1024 * 1024) -> str:
    """Each sheet's rows, tab-joined and labelled under their header, up to `limit` characters
    (the scan's max_text); TextCut when a sheet or row was left out for the limit or for
    MAX_CELLS."""
    import xlrd

    from dlpgate.parse.tables import labelled

    sheets = _cells_per_sheet(_stream(data))  # before xlrd: it trusts what records say
    try:
        # xlrd writes its warnings, with cell text in some, to a log file: kept here, unread
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True,
                                  logfile=io.StringIO(), verbosity=0)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise Encrypted("password-protected workbook") from None
        raise XlsError(f"damaged workbook ({type(exc).__name__})") from None
    except Exception as exc:  # xlrd reports damage with built-in errors too
        raise XlsError(f"damaged workbook ({type(exc).__name__})") from None
    texts: list[str] = []
    spent = cells = 0
    cut = False
    with book:
        for index in range(book.nsheets):
            cells += sheets.at(index)
            if cells > MAX_CELLS:
                raise TooManyCells("\n".join(texts))
            if spent > limit:
                cut = True
                break
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:
                raise XlsError(f"damaged sheet ({type(exc).__name__})") from None
            lines: list[str] = []
            for row in range(sheet.nrows):
                values = [_value(c.ctype, c.value, book.datemode) for c in sheet.row(row)]
                lines.append("\t".join(values))
                spent += sum(map(len, values)) + len(values)
                if spent > limit:
                    cut = True
                    break
            book.unload_sheet(index)
            texts.append(labelled("\n".join(lines), "\t", limit, quotes=False))
        if not cut and (tabs := tab_names(book.sheet_names())):
            texts.append(tabs)  # last, as an .xlsx's
    if not cut and sheets.printed:  # after all of that, so it keeps its place (PARSER 21)
        texts.append("\n".join(sheets.printed))
    out = "\n".join(texts)
    if cut:
        raise TextCut(out)
    return out


def _value(kind: int, value: object, datemode: int) -> str:
    """A cell as Excel would show it in a UK locale: 9434765919, not 9434765919.0; a date
    as 04/05/2016 (a workbook saved on a Mac counts days from 1904)."""
    if kind == _TEXT:
        return " ".join(str(value).split())  # a cell's own lines stay in its row
    if kind == _DATE and isinstance(value, float):
        # a time of day alone (under a day) is no date in either system: 1462 made 01/01/1904
        return excel_date(str(value + (1462 if datemode == 1 and value >= 1 else 0)))
    if kind in (_NUMBER, _DATE) and isinstance(value, float):
        return number(value)
    if kind == _BOOLEAN:
        return "TRUE" if value else "FALSE"
    return ""  # empty, blank, or an error such as #N/A


def number(value: float) -> str:
    """A number as Excel shows it: 9434765919, not 9434765919.0; 0.1, not 0.1000000001."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else f"{value:.15g}"


def _stream(data: bytes) -> bytes:
    """The workbook stream's bytes, through olefile: a stream claiming more than the file
    holds is a loop in its sector chain, and is damage."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile reports damage with its own and built-in errors
        raise XlsError(f"damaged compound file ({type(exc).__name__})") from None
    with ole:
        for name in ("Workbook", "Book"):
            if ole.exists(name):
                if ole.get_size(name) > len(data):
                    raise XlsError("the workbook stream claims more than the file holds")
                return ole.openstream(name).read()
    raise NotWorkbook("no workbook stream")


class _Sheets:
    """How many cells xlrd would make for each sheet it lists, from the records alone."""

    def __init__(self, at_offset: dict[int, int], order: list[int], total: int,
                 printed: list[str]) -> None:
        self._at_offset, self._order, self._total = at_offset, order, total
        self.printed = printed  # the sheets' page headers and footers, each once

    def at(self, index: int) -> int:
        """A sheet whose records were not found where its entry says (an older format,
        or damage) is counted as the whole stream's cells: never fewer than it makes."""
        if index < len(self._order) and self._order[index] in self._at_offset:
            return self._at_offset[self._order[index]]
        return self._total


def _cells_per_sheet(stream: bytes) -> _Sheets:
    """Walk the stream's records (type, length, body): the worksheets' entries give where
    each begins, and each cell record's row and column how far that row is padded."""
    last_column: dict[tuple[int, int], int] = {}  # (sheet's offset, row) -> last column
    printed: dict[str, None] = {}
    order: list[int] = []
    sheet = pos = 0
    end = len(stream)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if body + size > end:
            break
        if kind == _BOF:
            sheet = pos
        elif kind == _BOUNDSHEET and size >= 6:
            offset, _, sheet_type = struct.unpack_from("<iBB", stream, body)
            if sheet_type == 0:  # a worksheet; xlrd passes over charts and macros
                order.append(offset)
        elif kind == _SST and size >= 8:
            # each string takes three bytes at least; xlrd makes as many as this says, and
            # 4 billion empty ones, each read from the same bytes, is no workbook
            if struct.unpack_from("<I", stream, body + 4)[0] * 3 > end:
                raise XlsError("damaged workbook (more strings than the file holds)")
        elif kind in _ONE_CELL and size >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            key = (sheet, row)
            if last_column.get(key, -1) < column:
                last_column[key] = column
        elif kind in _PRINTED and size >= 3 and (said := _printed(stream[body:body + size])):
            printed[said] = None
        elif kind in _CELL_RUN and size >= 6:
            row, = struct.unpack_from("<H", stream, body)
            column, = struct.unpack_from("<H", stream, body + size - 2)
            key = (sheet, row)
            if last_column.get(key, -1) < column:
                last_column[key] = column
        pos = body + size
    at_offset: dict[int, int] = {}
    for (offset, _), column in last_column.items():
        at_offset[offset] = at_offset.get(offset, 0) + column + 1
    return _Sheets(at_offset, order, sum(at_offset.values()), list(printed))


def _printed(record: bytes) -> str:
    """A page header's or footer's words (BIFF8's string: its length in characters, a flag
    byte saying whether they are two bytes each, then the characters), without Excel's codes
    (&P the page, &"Arial,Bold"): "Looked-after children: Amy Reid" printed on every page of
    a sheet went out unread, as xlrd does not read it."""
    count, wide = record[0] | record[1] << 8, record[2] & 1
    raw = record[3:3 + count * (2 if wide else 1)]
    said = raw.decode("utf-16-le" if wide else "latin-1", "replace")
    return " ".join(PRINT_CODES.sub(" ", said).split())


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
SPREADSHEETML = b"urn:schemas-microsoft-com:office:spreadsheet"


def is_spreadsheetml(data: bytes) -> bool:
    """Excel's "XML Spreadsheet 2003" save, often named .xls: XML with that namespace."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") and SPREADSHEETML in head


def spreadsheetml_text(data: bytes, limit: int = 5 * 1024 * 1024) -> str:
    """Each worksheet's rows labelled under their header, as an .xls's; read as XML text
    the values sat between tags, rows from their headers. Dates (ss:Type DateTime) as a UK
    date; a cell placed by ss:Index keeps its column. XlsError when the XML is damaged,
    TextCut past `limit`."""
    import defusedxml.ElementTree as SafeET

    from dlpgate.parse.tables import labelled

    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml refuses entities; ParseError for damage
        raise XlsError(f"damaged XML spreadsheet ({type(exc).__name__})") from None
    texts: list[str] = []
    spent = 0
    for sheet in root.iter(f"{_SS}Worksheet"):
        lines = []
        for row in sheet.iter(f"{_SS}Row"):
            cells: list[str] = []
            for cell in row.iter(f"{_SS}Cell"):
                index = cell.get(f"{_SS}Index", "")
                if index.isdigit() and len(cells) < int(index) - 1 <= len(cells) + 1000:
                    cells.extend([""] * (int(index) - 1 - len(cells)))
                data_el = cell.find(f"{_SS}Data")
                value = "" if data_el is None else "".join(data_el.itertext())
                if data_el is not None and data_el.get(f"{_SS}Type") == "DateTime":
                    value = _iso_date(value.strip())
                cells.append(" ".join(value.split()))
            lines.append("\t".join(cells))
            spent += len(lines[-1]) + 1
            if spent > limit:
                texts.append(labelled("\n".join(lines), "\t", limit, quotes=False))
                raise TextCut("\n".join(texts))
        texts.append(labelled("\n".join(lines), "\t", limit, quotes=False))
    return "\n".join(texts)


def _iso_date(value: str) -> str:
    """2016-06-09T00:00:00.000 as 09/06/2016; anything else as it was."""
    day = value[:10]
    if len(day) == 10 and day[4] == day[7] == "-" and day.replace("-", "").isdigit():
        return f"{day[8:10]}/{day[5:7]}/{day[:4]}"
    return value
