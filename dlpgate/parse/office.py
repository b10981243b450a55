"""Text out of office documents: OOXML (docx, xlsx, pptx), ODF (odt, ods, odp), legacy OLE.

Why not python-docx / openpyxl: they build the whole document model, which
costs ten times the time and memory, and they cannot be told to stop at a size
budget. All these formats are ZIP archives of XML, so one bounded reader
(`archive.read_member`) and one XML walk serve them all. XML is parsed with
defusedxml, so entity expansion ("billion laughs") and external entities are
refused instead of being followed.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from dlpgate.parse import officeextras, officestored, officeunseen, package, pages

ReadMember = Callable[[zipfile.ZipInfo], bytes]
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_COLUMNS_REPEATED = f"{{{_TABLE_NS}}}number-columns-repeated"
_ROWS_REPEATED = f"{{{_TABLE_NS}}}number-rows-repeated"


class OfficeError(Exception):
    """The document is damaged or hostile; the message says how, not what it says."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(data: bytes, member: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise OfficeError(f"{member} declares XML entities or a DTD (refused)") from None
    except SafeET.ParseError as exc:
        raise OfficeError(f"{member} is not well-formed XML ({exc.code})") from None


def _ooxml_runs(root: Element) -> str:
    """Text of w:t / a:t runs, a line per paragraph, a tab per w:tab."""
    out: list[str] = []
    _ooxml_walk(root, out)
    return "".join(out)


def _ooxml_walk(el: Element, out: list[str]) -> None:
    name = _local(el.tag)
    if name == "tbl":  # w:tbl in Word, a:tbl in PowerPoint
        out.append(_table([[_cell(tc, _ooxml_walk) for tc in _span(_within(tr, "tc"))]
                           for tr in _within(el, "tr")]))
        return
    if name in ("t", "delText", "text") and el.text:  # deleted text still shows, struck
        out.append(el.text)  # through; "text" is a comment's, in Excel and PowerPoint
    elif name in ("docPr", "cNvPr") and (alt := el.get("descr") or el.get("title")):
        out.append(alt + "\n")  # a picture's alt text: what a screen reader says of it
    elif name == "tab":
        out.append("\t")
    elif name in ("br", "cr"):
        out.append("\n")
    for child in el:
        _ooxml_walk(child, out)
    if name == "p":
        out.append("\n")


def _within(el: Element, name: str) -> Iterator[Element]:
    """The `name` elements of a table or row, through the wrappers Word puts around them
    (content controls, custom XML), not into a nested table's."""
    for child in el:
        local = _local(child.tag)
        if local == name:
            yield child
        elif local not in ("tbl", "tr", "tc"):
            yield from _within(child, name)


def _span(cells: Iterator[Element]) -> Iterator[Element | None]:
    """Word's cells, with a None after one for each further column it spans (w:gridSpan), so
    the cells after a merged one stay under their own headers."""
    for tc in cells:
        yield tc
        for prop in tc:
            if _local(prop.tag) == "tcPr":
                span = next((g for g in prop if _local(g.tag) == "gridSpan"), None)
                wide = _count(span, f"{{{_W_NS}}}val", 64) if span is not None else 1
                yield from [None] * (wide - 1)


def _cell(cell: Element | None, walk: Callable[[Element, list[str]], None]) -> str:
    """A table cell's text on one line: its paragraphs (and any table inside it) by spaces."""
    if cell is None:
        return ""
    out: list[str] = []
    if cell.text:
        out.append(cell.text)
    for child in cell:
        walk(child, out)
        if child.tail:
            out.append(child.tail)
    return " ".join("".join(out).split())


@dataclass
class _Reading:
    """One document being read (ooxml_text, odf_text): its tables and sheets are built and
    labelled up to `limit` (the scan's max_text) and no further. `spent` is shared by nested
    tables (a table in a cell of a table counted afresh, so each level of nesting multiplied
    the limit); `cut` records that something was left out."""

    limit: int = 5 * 1024 * 1024
    spent: int = 0
    cut: bool = False
    why: str = ""  # why it was cut, when not for the text limit (a binary workbook's cells)
    damage: str = ""  # a part read up to its damage (a binary workbook's), said as such

    def over(self) -> bool:
        """Past the limit; what is left is left out, and that is said."""
        if self.spent > self.limit:
            self.cut = True
        return self.cut


_READING: ContextVar[_Reading | None] = ContextVar("office_reading", default=None)


def _reading() -> _Reading:
    return _READING.get() or _Reading()


class TextCut(Exception):  # noqa: N818 (not an error: the text read, with the rest left out)
    """The document was read up to the text limit and the rest left out (`text` holds what
    was read): a repeat count or a cell far off costs the file little and the reader much."""

    def __init__(self, text: str, why: str = "") -> None:
        super().__init__("text limit reached")
        self.text = text
        self.why = why  # what left the rest out, when not the text limit


def _bounded(read_all: Callable[[], str], limit: int) -> str:
    """`read_all()` read up to `limit`; TextCut when it had to stop early."""
    reading = _Reading(limit)
    token = _READING.set(reading)
    try:
        text = read_all()
    finally:
        _READING.reset(token)
    if reading.cut or reading.damage:
        raise TextCut(text, reading.damage or reading.why)
    return text


def _table(rows: list[list[str]]) -> str:
    """A document's table as a sheet: each row under its header, as a spreadsheet is read."""
    from dlpgate.parse.tables import labelled

    return labelled("\n".join("\t".join(cells) for cells in rows), "\t", _reading().limit,
                    quotes=False) + "\n"


def _count(el: Element | None, attribute: str, most: int) -> int:
    """A repeat or span count from the file, between 1 and `most` whatever it says."""
    try:
        return max(1, min(int(el.get(attribute, "1")), most)) if el is not None else 1
    except ValueError:
        return 1


def _odf_text(root: Element) -> str:
    """ODF keeps text in element text and tails; blocks end lines, cells take tabs."""
    out: list[str] = []
    _odf_walk(root, out)
    return "".join(out)


def _odf_walk(el: Element, out: list[str]) -> None:
    name = _local(el.tag)
    if name == "table":  # a sheet of a spreadsheet, or a table in a text document
        out.append(_table(_odf_rows(el)))
        return
    if name == "tab":
        out.append("\t")
    elif name in ("line-break",):
        out.append("\n")
    elif name == "s":
        out.append(" ")
    if el.text:
        out.append(el.text)
    for child in el:
        _odf_walk(child, out)
        if child.tail:
            out.append(child.tail)
    if name in ("p", "h"):
        out.append("\n")


_REPEATS = 20  # copies kept of a non-empty cell or row the file says is repeated
_GAP = 1000  # empty cells kept before a value: a sheet's columns, not its 16384 trailing ones


def _odf_rows(table: Element) -> list[list[str]]:
    """A table's rows of cell text. A repeat count is the file's word: empty cells and rows
    repeated 16384 times are the rest of the sheet, so they are kept only as far as a value
    after them needs to stay in its column, and a value is repeated only a few times; what is
    built counts against the document's text limit, nested tables' included."""
    rows: list[list[str]] = []
    reading = _reading()  # gaps and repeats cost little in the file, much in the reader
    for row in _odf_within(table, "table-row"):
        if reading.over():
            break
        cells: list[str] = []
        empty = 0
        for cell in row:
            if _local(cell.tag) not in ("table-cell", "covered-table-cell"):
                continue
            times = _count(cell, _COLUMNS_REPEATED, 1 << 20)
            text = _cell(cell, _odf_walk)
            if not text:
                empty += times
                continue
            # repeated only as far as the limit: a nested table's text twenty times over,
            # each level of nesting, was gigabytes before anything was counted
            room = 1 + max(0, reading.limit - reading.spent) // (len(text) + 1)
            gap, copies = min(empty, _GAP), min(times, _REPEATS, room)
            cells.extend([""] * gap + [text] * copies)
            reading.spent += gap + (len(text) + 1) * copies
            empty = 0
            if reading.spent > reading.limit:  # one row of 16,000 far-off values was 1 GB
                break
        copies = _count(row, _ROWS_REPEATED, _REPEATS) if cells else 1
        fit = 1 + max(0, reading.limit - reading.spent) // (len(cells) + 1)
        rows.extend([cells] * min(copies, fit))  # repeated only as far as the limit
        reading.spent += (len(cells) + 1) * (min(copies, fit) - 1)
        if copies > fit:  # the rest would be cut anyway: an 8 MB file made 6 GB of rows
            reading.cut = True
            break
        if reading.over():
            break
    return rows


def _odf_within(el: Element, name: str) -> Iterator[Element]:
    """A table's rows through their groups (header rows, row groups), not a nested table's."""
    for child in el:
        local = _local(child.tag)
        if local == name:
            yield child
        elif local != "table":
            yield from _odf_within(child, name)


def _xlsx(zf: zipfile.ZipFile, read: ReadMember, kinds: dict[str, str],
          sheets: list[str], lists: list[str], messages: list[str], tips: list[str],
          constants: dict[tuple[str, ...], None]) -> str:
    """The sheets' text; their dropdown lists go into `lists`, their validation messages
    into `messages`, their links' tooltips into `tips` and their formulas' constants into
    `constants`, for the caller to put last."""
    names = {i.filename: i for i in zf.infolist()}
    shared: list[str] = []
    for part in package.parts(kinds, package.SHARED_STRINGS)[:1]:
        for si in _parse(read(names[part]), part):
            shared.append("".join(t.text or "" for t in si.iter() if _local(t.tag) == "t"))
    from dlpgate.parse.tables import labelled

    dates: frozenset[str] = frozenset()
    for part in package.parts(kinds, package.STYLES)[:1]:
        dates = _date_styles(_parse(read(names[part]), part))
    texts: list[str] = []
    reading = _reading()  # counted as built: a far-off cell is cheap in XML
    for sheet in sheets:
        if reading.over():
            break
        lines: list[str] = []
        formulas: list[str] = []  # the cells' formulas, whose constants are read last
        root = _parse(read(names[sheet]), sheet)
        for row in root.iter():
            if _local(row.tag) != "row":
                continue
            if reading.over():
                break
            cells: list[str] = []
            for c in row:
                if _local(c.tag) != "c":
                    continue
                # Excel leaves empty cells out: place each by its reference ("C5"), or a
                # row's values move left under the wrong headers
                at = _column(c.get("r", ""))
                if at is not None and len(cells) < at <= len(cells) + 1000:
                    cells.extend([""] * (at - len(cells)))
                kind = c.get("t", "n")
                value = ""
                for sub in c:
                    part = _local(sub.tag)
                    if part == "v" and sub.text is not None:
                        value = sub.text
                    elif part == "is":
                        value = "".join(t.text or "" for t in sub.iter() if _local(t.tag) == "t")
                    elif part == "f" and sub.text:
                        formulas.append(sub.text)
                if kind == "s" and value.isascii() and value.isdigit() and len(value) < 10 \
                        and int(value) < len(shared):  # "²" is a digit int() refuses
                    value = shared[int(value)]
                elif kind == "n" and dates and c.get("s") in dates:
                    value = excel_date(value)
                if "\t" in value or "\n" in value or "\r" in value:
                    value = " ".join(value.split())  # a cell's own lines stay in its row
                cells.append(value)
                reading.spent += len(value) + 1
                if reading.spent > reading.limit:  # a 200 KB string in 20,000 cells was 4 GB
                    break
            lines.append("\t".join(cells))
        # each sheet under its own header, and what it prints at the top and foot of a page
        texts.append(labelled("\n".join(lines), "\t", reading.limit, quotes=False))
        texts += [" ".join(PRINT_CODES.sub(" ", el.text).split()) for el in root.iter()
                  if _local(el.tag) in _PRINTED and el.text]
        lists += officeextras.validation_lists(root)
        messages += officestored.validation_messages(root)
        tips += officeunseen.tooltips(root, texts[-1])
        officeunseen.formulas(formulas, constants, reading.limit)
    return "\n".join(texts)


# a sheet's page header and footer ("Looked-after children: Westshire" on every printed page)
_PRINTED = frozenset(f"{page}{part}" for page in ("odd", "even", "first")
                     for part in ("Header", "Footer"))
# their codes: &L &C &R sections, &P page, &D date, &"Font,Bold", &12 point size
PRINT_CODES = re.compile(r'&(?:"[^"]*"|\d+|[A-Za-z&])')


# Excel's built-in number formats that show a date (14 "dd/mm/yyyy" in a UK locale) or a time
_DATE_FORMATS = frozenset({*range(14, 23), 45, 46, 47})
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')  # "text", [$-809] or [Red], \x


def _date_styles(root: Element) -> frozenset[str]:
    """The cell styles (s="3") whose number format shows a date: a date of birth is stored as
    a number of days (40210), and read so it was no date at all."""
    custom: set[str] = set()
    formats: list[str | None] = []
    for part in root:
        name = _local(part.tag)
        if name == "numFmts":
            custom.update(f.get("numFmtId", "") for f in part
                          if _is_date_format(f.get("formatCode", "")))
        elif name == "cellXfs":
            formats = [xf.get("numFmtId") for xf in part if _local(xf.tag) == "xf"]
    return frozenset(str(i) for i, fmt in enumerate(formats) if fmt is not None and (
        fmt in custom or fmt.isdigit() and int(fmt) in _DATE_FORMATS))


def shows_date(number_format: int, custom: dict[int, str]) -> bool:
    """Whether a number format, by its id, shows a date: the workbook's own format code
    when it has one by that id (`custom`), else Excel's built-in one."""
    if number_format in custom:
        return _is_date_format(custom[number_format])
    return number_format in _DATE_FORMATS


def _is_date_format(code: str) -> bool:
    """Days, months or years in a format code, outside its quoted text and [brackets]."""
    code = _NOT_DATE_PARTS.sub("", code).lower()
    return "d" in code or "y" in code or ("m" in code and "h" not in code and "s" not in code)


_EPOCH = datetime.date(1899, 12, 30)


def excel_date(value: str) -> str:
    """A date serial as a UK date, 40210 as 01/02/2010 (times of day left out); the value as it
    was unless it is a day Excel can show. Excel counts 29/02/1900, a day that never was, so
    serials before it are a day further from the epoch."""
    try:
        days = int(float(value))
    except (ValueError, OverflowError):
        return value
    if not 1 <= days <= 2958465:
        return value
    if days == 60:
        return "29/02/1900"
    date = _EPOCH + datetime.timedelta(days=days + (days < 60))
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"


def _column(ref: str) -> int | None:
    """A cell reference's column from 0 ("A1" 0, "C5" 2, "AA3" 26), or None."""
    letters = re.match(r"[A-Z]{1,3}", ref)
    if letters is None:
        return None
    n = 0
    for ch in letters.group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def ooxml_text(zf: zipfile.ZipFile, read: ReadMember, limit: int = 5 * 1024 * 1024,
               kinds: dict[str, str] | None = None) -> str:
    """`limit`: the scan's max_text; tables and sheets are built and labelled up to it
    (TextCut when some were left out). `kinds`: its members' content types (`types`), when
    the caller has read them already."""
    return _bounded(lambda: _ooxml_text(zf, read, kinds or types(zf, read)), limit)


def types(zf: zipfile.ZipFile, read: ReadMember) -> dict[str, str]:
    """Each member's content type, as its [Content_Types].xml declares it (package.py)."""
    try:
        info = zf.getinfo("[Content_Types].xml")
    except KeyError:
        return package.content_types(None, zf.namelist())
    return package.content_types(_parse(read(info), info.filename), zf.namelist())


def _ooxml_text(zf: zipfile.ZipFile, read: ReadMember, kinds: dict[str, str]) -> str:
    infos = {i.filename: i for i in zf.infolist()}

    def roots(kind: tuple[str, ...]) -> Iterator[Element]:
        for name in package.parts(kinds, kind):
            yield _parse(read(infos[name]), name)

    kept: list[str] = []  # what the file keeps beside what it shows, read last (PARSER 12)
    stored: list[str] = []  # and what it stores, read after its links' addresses (PARSER 16)
    dated: list[str] = []  # and the dates its date pickers keep, read after all of that
    unseen: list[str] = []  # and what it marks unshown (tooltips, bookmarks), last (PARSER 21)
    # and its formulas' constants, after: an .xlsx's (PARSER 25), an .xlsb's (PARSER 27)
    constants: dict[tuple[str, ...], None] = {}
    drawn_tips: list[str] = []  # with its drawings' links' tooltips
    if sheets := package.parts(kinds, package.SHEETS):
        texts = [_xlsx(zf, read, kinds, sheets, kept, stored, unseen, constants)]
        texts += [_comments(root) for root in roots(package.SHEET_COMMENTS)]
        texts += _pivots(zf, read, kinds)
    elif package.parts(kinds, package.BINARY_SHEETS):  # an .xlsb: records, not XML
        from dlpgate.parse import xlsb

        texts = [xlsb.text(zf, read, kinds, _reading(), unseen, constants)]
        texts += [_comments(root) for root in roots(package.SHEET_COMMENTS)]  # threaded: XML
    else:  # a document's body first, then its headers, notes and comments; or the slides
        def runs(root: Element) -> str:
            kept.extend(officeextras.word_fields(root))  # a field's instruction, read last
            text = _ooxml_runs(root)
            stored.extend(officestored.word_choices(root, text))  # a dropdown's, after that
            dated.extend(officestored.word_dates(root, text))  # a date picker's, last
            unseen.extend(officeunseen.tooltips(root, text))  # a link's tooltip, after all
            unseen.extend(officeunseen.bookmarks(root, text))
            return text

        texts = ["\n".join(runs(root) for kind in (package.WORD_BODY,
                                                   package.WORD_OTHER, package.SLIDES)
                           for root in roots(kind))]
        drawn = [line for kind, lines in ((package.VISIO_PAGES, pages.visio_shapes),
                                          (package.XPS_PAGES, pages.xps_glyphs))
                 for root in roots(kind) for line in lines(root)]
        if drawn:  # a Visio drawing or an XPS print, read as nothing before (PARSER 16)
            texts[0] = "\n".join(t for t in (texts[0], *drawn) if t)
        elif not any(package.parts(kinds, kind) for kind in _SHOWN):
            raise OfficeError("an Office package with no document, workbook, presentation, "
                              "drawing or print in it: not read")
        texts += [_comments(root) for root in roots(package.SLIDE_COMMENTS)]
    for root in roots(package.DRAWINGS):
        texts.append(_ooxml_runs(root))
        drawn_tips += officeunseen.link_tips(root)  # a shape's or a picture's ScreenTip
    texts += [_custom_properties(root) for root in roots(package.CUSTOM_PROPERTIES)]
    texts += [_properties(_parse(read(i), i.filename)) for i in _members(zf, _CORE)]
    if sheets:  # last, so the text read before it keeps its place
        books = list(roots(package.WORKBOOK))
        texts += [tab_names(el.get("name", "") for root in books
                            for el in root.iter() if _local(el.tag) == "sheet")]
        kept[:0] = [officeextras.defined_names(root) for root in books]
    # after all the above, so what was read before keeps its place
    texts += [officeextras.kept(kept, zf, read, kinds, _ooxml_runs, _reading())]
    texts += [officeextras.link_targets(zf, read, _reading())]  # after that (PARSER 15)
    texts += [officestored.stored(stored, zf, read, kinds, _reading())]  # then (PARSER 16)
    texts += [officestored.dates(dated, _reading())]  # then, so all the above keeps its place
    texts += [_more_properties(zf, read)]  # then
    # last: links' tooltips, bookmarks and a mail merge's source, so all the above keeps its
    # place (PARSER 21)
    texts += [officeunseen.unseen(unseen, zf, read, kinds, _reading())]
    # after all of that, and only what it does not say: formulas' constants, drawings' links'
    # tooltips, a presentation's sections and a workbook's queries (PARSER 25)
    texts += [officeunseen.later(constants, drawn_tips, zf, read, kinds, "\n".join(texts),
                                 _reading())]
    return "\n".join(texts[:1] + [text for text in texts[1:] if text])


# what a package of each kind shows, one of which every package read has (a sheet is asked of
# first, and a binary workbook's)
_SHOWN = (package.WORD_BODY, package.SLIDES, package.VISIO_PAGES, package.XPS_PAGES)
# the names a spreadsheet program gives a new sheet, which say nothing
_DEFAULT_TAB = re.compile(r"(?:sheet|tabelle|feuil|hoja|foglio|taflen)\s*\d+", re.IGNORECASE)


def tab_names(names: Iterable[str]) -> str:
    """A workbook's sheet names, as a line after its text: a contact log kept as a tab a child,
    "Amy Reid", "Leo Hart", names each child only there, and the names went out unread. The
    names a program gives ("Sheet1") are left out; nothing when none is left."""
    kept = [" ".join(n.split()) for n in names if n.strip() and not _DEFAULT_TAB.fullmatch(n)]
    return "Sheets: " + "; ".join(kept) if kept else ""


_CORE = re.compile(r"docProps/core\.xml|meta\.xml")
_ODF_STYLES = re.compile(r"styles\.xml")
_ODF_OBJECTS = re.compile(r"Object \d+/content\.xml")  # a chart or a sheet set in a document


def _members(zf: zipfile.ZipFile, pattern: re.Pattern[str]) -> list[zipfile.ZipInfo]:
    return sorted((i for i in zf.infolist() if pattern.fullmatch(i.filename)),
                  key=lambda i: package.natural(i.filename))


def _comments(root: Element) -> str:
    """A sheet's or a slide's comments, one a line: notes about a person, on the cell of their
    name. Excel's notes and threaded comments, PowerPoint's old and new comments."""
    return "\n".join(" ".join(_ooxml_runs(comment).split())
                     for comment in root.iter()
                     if _local(comment.tag) in ("comment", "threadedComment", "cm"))


def _pivots(zf: zipfile.ZipFile, read: ReadMember, kinds: dict[str, str]) -> list[str]:
    """Each pivot table's copy of its source rows, as a sheet: Excel keeps every row in the
    pivot cache, and they stay there when the sheet they came from is deleted."""
    infos = {i.filename: i for i in zf.infolist()}
    records = {_number(n): n for n in package.parts(kinds, package.PIVOT_RECORDS)}
    out = []
    for name in package.parts(kinds, package.PIVOT_CACHES):
        fields: list[tuple[str, list[str]]] = []
        for field in _parse(read(infos[name]), name).iter():
            if _local(field.tag) == "cacheField":
                items = [item.get("v", "") for shared in field if _local(shared.tag) ==
                         "sharedItems" for item in shared]
                fields.append((field.get("name", ""), items))
        rows = [[f for f, _ in fields]]
        if (other := records.get(_number(name))) is not None:
            for r in _parse(read(infos[other]), other):
                if _local(r.tag) == "r":
                    rows.append([_pivot_value(v, fields[n][1] if n < len(fields) else [])
                                 for n, v in enumerate(r)])
        else:  # no records kept: the distinct values of each field, under its name
            rows += [[" ".join(items)] for _, items in fields]
        out.append(_table(rows))
    return out


def _number(name: str) -> str:
    """A pivot cache's number (pivotCacheDefinition2.xml goes with pivotCacheRecords2.xml)."""
    found = re.search(r"(\d*)\.xml$", name)
    return found.group(1) if found else ""


def _pivot_value(el: Element, items: list[str]) -> str:
    """A record's value: its own (s, n, d, b), or an index into the field's shared items (x)."""
    value = el.get("v", "")
    if _local(el.tag) == "x":
        return items[int(value)] if value.isdigit() and int(value) < len(items) else ""
    return value


def _custom_properties(root: Element) -> str:
    """A document's custom properties (File > Properties > Custom), as "Name: value": case
    systems stamp the client's name and number there on every letter they make."""
    found = []
    for prop in root:
        value = " ".join("".join(prop.itertext()).split())
        if _local(prop.tag) == "property" and value:
            found.append(f"{prop.get('name', '')}: {value}")
    return "; ".join(found)


_PROPERTIES = ("title", "subject", "description", "keywords", "keyword")


def _properties(root: Element) -> str:
    """A document's title, subject, description and keywords (File > Properties), on one
    line: "Referral: Callum Reid" is often the title of the file that is about him."""
    found = [(_local(el.tag), " ".join((el.text or "").split())) for el in root.iter()
             if _local(el.tag) in _PROPERTIES]
    return "; ".join(f"{name.capitalize()}: {text}" for name, text in found if text)


# the other properties a person types (File > Info > Properties, Advanced): core.xml's or
# meta.xml's, then app.xml's (extended); what a program writes (dates, counts, its name, the
# template, the revision) is left out
_MORE_PROPERTIES = {"category": "Category", "contentStatus": "Status",
                    "identifier": "Identifier", "version": "Version", "creator": "Author",
                    "lastModifiedBy": "Last saved by", "initial-creator": "Author",
                    "Manager": "Manager", "Company": "Company", "HyperlinkBase": "Hyperlink base"}
_APP = re.compile(r"docProps/app\.xml")


def _more_properties(zf: zipfile.ZipFile, read: ReadMember) -> str:
    """A document's properties beside its title, subject, description and keywords, on one
    line after everything else: its category, status, identifier, version, company, manager
    and hyperlink base, and its author's and last saver's names where a number is written
    there too (`imagemeta.AUTHORS` says why), each a place an NHS number was hidden."""
    from dlpgate.parse.imagemeta import said_of_author

    found: dict[str, None] = {}
    for info in _members(zf, _CORE) + _members(zf, _APP):
        for el in _parse(read(info), info.filename).iter():
            name = _local(el.tag)
            value = " ".join((el.text or "").split())
            if name in _MORE_PROPERTIES and value and said_of_author(name, value):
                found[f"{_MORE_PROPERTIES[name]}: {value}"] = None
    return "; ".join(found)


def odf_text(zf: zipfile.ZipFile, read: ReadMember, limit: int = 5 * 1024 * 1024) -> str:
    """`limit`: as for ooxml_text."""
    return _bounded(lambda: _odf_text_all(zf, read), limit)


def _odf_text_all(zf: zipfile.ZipFile, read: ReadMember) -> str:
    try:
        info = zf.getinfo("content.xml")
    except KeyError:
        raise OfficeError("OpenDocument file has no content.xml") from None
    content = _parse(read(info), "content.xml")
    body = [_odf_text(content)]
    body += [_odf_text(_parse(read(i), i.filename)) for i in _members(zf, _ODF_OBJECTS)]
    body += [_odf_headers(_parse(read(i), i.filename)) for i in _members(zf, _ODF_STYLES)]
    body += [_properties(_parse(read(i), i.filename)) for i in _members(zf, _CORE)]
    body += [tab_names(table.get(f"{{{_TABLE_NS}}}name", "") for book in content.iter()
                       if _local(book.tag) == "spreadsheet" for table in book
                       if table.tag == f"{{{_TABLE_NS}}}table")]  # a sheet's, not a letter's
    body += [officeextras.kept(list(officeextras.odf_fields(content)), zf, read, {},
                               _ooxml_runs, _reading())]  # last, as an OOXML file's
    body += [officeextras.odf_link_targets(content, _reading())]  # after that (PARSER 15)
    body += [_more_properties(zf, read)]  # then
    # last: its links' titles and bookmarks' names (PARSER 23), so all the above keeps its place
    body += [officeunseen.odf(content, "\n".join(body))]
    # after all of that, and only what it does not say: its cells' formulas' constants (PARSER
    # 27), as an .xlsx's
    constants: dict[tuple[str, ...], None] = {}
    officeunseen.formulas(officeunseen.odf_formulas(content), constants, _reading().limit)
    body += [officeunseen.later(constants, (), zf, read, {}, "\n".join(body), _reading())]
    return "\n".join(text for text in body if text)


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_HEADERS = frozenset(f"{which}{page}" for which in ("header", "footer")
                        for page in ("", "-left", "-first"))


def _odf_headers(root: Element) -> str:
    """The page headers and footers a text document's page styles hold (styles.xml): a letter's
    "Re: Callum Reid, DOB 04/05/2016" on every page is written there, not in content.xml."""
    out: list[str] = []
    for el in root.iter():
        if _local(el.tag) in _ODF_HEADERS:
            for child in el:
                _odf_walk(child, out)
    return "".join(out)


def is_ooxml(zf: zipfile.ZipFile) -> bool:
    return "[Content_Types].xml" in zf.namelist()


def is_odf(zf: zipfile.ZipFile) -> bool:
    try:
        info = zf.getinfo("mimetype")
    except KeyError:
        return False
    return info.file_size < 200 and zf.read(info).startswith(b"application/vnd.oasis.opendocument")


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_UTF16_RUN = re.compile(rb"(?:[\x20-\x7e\xa0-\xff]\x00){4,}")
_ASCII_RUN = re.compile(rb"[\x20-\x7e\t\r\n]{6,}")


def ole_is_encrypted(data: bytes) -> bool:
    """Password-protected OOXML travels as an OLE file with an EncryptedPackage stream."""
    return _ENCRYPTED_PACKAGE in data


def ole_damaged(data: bytes) -> bool:
    """Whether a compound file cannot be opened as one (cut short, its directory gone): its
    text runs are all there is, and a sheet's numbers and labels are not among them."""
    import io

    import olefile

    try:
        olefile.OleFileIO(io.BytesIO(data)).close()
    except Exception:  # olefile reports damage with its own and built-in errors
        return True
    return False


def ole_text(data: bytes) -> str:
    """Legacy .doc/.xls: the text runs, UTF-16 and 8-bit, as `strings` would find them.

    Not a faithful reading of the format, but the words an identifier detector
    needs are stored as such runs, and refusing every legacy file outright would
    hold half a council's attachments.
    """
    runs = [m.group().decode("utf-16-le") for m in _UTF16_RUN.finditer(data)]
    runs += [m.group().decode("latin-1") for m in _ASCII_RUN.finditer(data)]
    return "\n".join(runs)
