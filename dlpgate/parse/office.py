"""Text out of office documents: OOXML (docx, xlsx, pptx), ODF (odt, ods, odp), legacy OLE.

Why not python-docx / openpyxl: they build the whole document model, which
costs ten times the time and memory, and they cannot be told to stop at a size
budget. All these formats are ZIP archives of XML, so one bounded reader
(`archive.read_member`) and one XML walk serve them all. XML is parsed with
defusedxml, so entity expansion ("billion laughs") and external entities are
refused instead of being followed.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

ReadMember = Callable[[zipfile.ZipInfo], bytes]


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

    def walk(el: Element) -> None:
        name = _local(el.tag)
        if name == "t" and el.text:
            out.append(el.text)
        elif name == "tab":
            out.append("\t")
        elif name in ("br", "cr"):
            out.append("\n")
        for child in el:
            walk(child)
        if name == "p":
            out.append("\n")

    walk(root)
    return "".join(out)


def _odf_text(root: Element) -> str:
    """ODF keeps text in element text and tails; blocks end lines, cells take tabs."""
    out: list[str] = []

    def walk(el: Element) -> None:
        name = _local(el.tag)
        if name == "tab":
            out.append("\t")
        elif name in ("line-break",):
            out.append("\n")
        elif name == "s":
            out.append(" ")
        if el.text:
            out.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                out.append(child.tail)
        if name in ("p", "h", "table-row"):
            out.append("\n")
        elif name == "table-cell":
            out.append("\t")

    walk(root)
    return "".join(out)


def _xlsx(zf: zipfile.ZipFile, read: ReadMember) -> str:
    names = {i.filename: i for i in zf.infolist()}
    shared: list[str] = []
    if "xl/sharedStrings.xml" in names:
        root = _parse(read(names["xl/sharedStrings.xml"]), "xl/sharedStrings.xml")
        for si in root:
            shared.append("".join(t.text or "" for t in si.iter() if _local(t.tag) == "t"))
    from dlpgate.parse.tables import labelled

    texts: list[str] = []
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    for sheet in sheets:
        lines: list[str] = []
        root = _parse(read(names[sheet]), sheet)
        for row in root.iter():
            if _local(row.tag) != "row":
                continue
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
                    if _local(sub.tag) == "v" and sub.text is not None:
                        value = sub.text
                    elif _local(sub.tag) == "is":
                        value = "".join(t.text or "" for t in sub.iter() if _local(t.tag) == "t")
                if kind == "s" and value.isdigit() and int(value) < len(shared):
                    value = shared[int(value)]
                cells.append(value)
            lines.append("\t".join(cells))
        texts.append(labelled("\n".join(lines), "\t"))  # each sheet under its own header
    return "\n".join(texts)


def _column(ref: str) -> int | None:
    """A cell reference's column from 0 ("A1" 0, "C5" 2, "AA3" 26), or None."""
    letters = re.match(r"[A-Z]{1,3}", ref)
    if letters is None:
        return None
    n = 0
    for ch in letters.group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


_OOXML_PARTS = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"
    r"|ppt/(slides/slide\d+|notesSlides/notesSlide\d+)\.xml"
)


def ooxml_text(zf: zipfile.ZipFile, read: ReadMember) -> str:
    names = [i.filename for i in zf.infolist()]
    if any(n.startswith("xl/") for n in names):
        return _xlsx(zf, read)
    parts = sorted(
        (i for i in zf.infolist() if _OOXML_PARTS.fullmatch(i.filename)),
        key=lambda i: (not i.filename.startswith("word/document"), _natural(i.filename)),
    )
    return "\n".join(_ooxml_runs(_parse(read(i), i.filename)) for i in parts)


def odf_text(zf: zipfile.ZipFile, read: ReadMember) -> str:
    try:
        info = zf.getinfo("content.xml")
    except KeyError:
        raise OfficeError("OpenDocument file has no content.xml") from None
    return _odf_text(_parse(read(info), "content.xml"))


def _natural(name: str) -> list[object]:
    return [int(tok) if tok.isdigit() else tok for tok in re.split(r"(\d+)", name)]


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


def ole_text(data: bytes) -> str:
    """Legacy .doc/.xls: the text runs, UTF-16 and 8-bit, as `strings` would find them.

    Not a faithful reading of the format, but the words an identifier detector
    needs are stored as such runs, and refusing every legacy file outright would
    hold half a council's attachments.
    """
    runs = [m.group().decode("utf-16-le") for m in _UTF16_RUN.finditer(data)]
    runs += [m.group().decode("latin-1") for m in _ASCII_RUN.finditer(data)]
    return "\n".join(runs)
