"""Which parts of an Office file hold what its reader sees, found by what each part is.

An OOXML file (docx, xlsx, pptx) is a ZIP of parts, and the names of the parts are the writing
program's choice: Word for the web saves the body as `word/document2.xml`, openpyxl writes
a sheet's comments under `xl/comments/`, a sheet can be called anything its workbook points
at. Reading fixed names left such a body unread and said nothing. What a part is, is written
in `[Content_Types].xml`, by name (Override) or by extension (Default): parts are chosen by
that, and by their usual names only where a file declares nothing usable.

Some members are files in their own right, read as any attached file is (attachments.py):
pictures (`word/media/image1.png`, ODF's `Pictures/`): a screenshot of a case list pasted
into a Word document; embedded documents and workbooks (`word/embeddings/`); and the HTML,
RTF or text chunks a document generator imports whole (Word's altChunk, `word/afchunk.htm`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from xml.etree.ElementTree import Element

# content types by what the part holds (matched on their ends, lower-cased: the macro-enabled
# and template kinds of each share them)
WORD_BODY = ("wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml",
             "ms-word.document.macroenabled.main+xml",
             "ms-word.template.macroenabledtemplate.main+xml")
WORD_OTHER = ("wordprocessingml.header+xml", "wordprocessingml.footer+xml",
              "wordprocessingml.footnotes+xml", "wordprocessingml.endnotes+xml",
              "wordprocessingml.comments+xml")
# a slide master's own text is the template's ("Click to edit Master title style") or a footer
# on every slide ("Child protection conference: Callum Reid")
SLIDES = ("presentationml.slide+xml", "presentationml.notesslide+xml",
          "presentationml.slidemaster+xml")
# a slide layout: its placeholders' prompts are left out (shown only while editing an empty
# one), its other shapes read (shown on every slide made from it, as the master's are)
SLIDE_LAYOUTS = ("presentationml.slidelayout+xml",)
SLIDE_COMMENTS = ("presentationml.comments+xml", "ms-powerpoint.comments+xml")
SHEETS = ("spreadsheetml.worksheet+xml", "ms-excel.worksheet+xml")
WORKBOOK = ("spreadsheetml.sheet.main+xml", "spreadsheetml.template.main+xml",
            "ms-excel.sheet.macroenabled.main+xml", "ms-excel.template.macroenabled.main+xml")
SHARED_STRINGS = ("spreadsheetml.sharedstrings+xml",)
STYLES = ("spreadsheetml.styles+xml",)
SHEET_COMMENTS = ("spreadsheetml.comments+xml", "ms-excel.threadedcomments+xml")
PIVOT_CACHES = ("spreadsheetml.pivotcachedefinition+xml",)
PIVOT_RECORDS = ("spreadsheetml.pivotcacherecords+xml",)
# drawn text: an Excel text box, a chart's title and labels, a SmartArt diagram's boxes
DRAWINGS = ("officedocument.drawing+xml", "drawingml.chart+xml", "drawingml.diagramdata+xml")
CUSTOM_PROPERTIES = ("custom-properties+xml",)
# a Word document's glossary: its Quick Parts and the placeholder text of its content controls
GLOSSARY = ("wordprocessingml.document.glossary+xml",)
# custom XML data (a SharePoint library's columns, a letter template's bound fields) has no
# content type of its own: it is plain XML, known by its name alone (its itemProps beside it
# are declared, and hold only the schema's id)
CUSTOM_XML: tuple[str, ...] = ()
# a Visio drawing's pages and an XPS print's (pages.py)
VISIO_PAGES = ("ms-visio.page+xml",)
XPS_PAGES = ("ms-package.xps-fixedpage+xml",)
# what officestored.py reads after everything else: a Word document's settings (its variables),
# the values a workbook keeps of another it looks up, and charts (their cached labels)
SETTINGS = ("wordprocessingml.settings+xml",)
EXTERNAL_LINKS = ("spreadsheetml.externallink+xml",)
CHARTS = ("drawingml.chart+xml", "ms-office.chartex+xml")
# what PARSER 25 reads after everything else: a presentation's own part (its sections' names)
# and a workbook's data connections (where its queries read from)
PRESENTATION = ("presentationml.presentation.main+xml", "presentationml.slideshow.main+xml",
                "presentationml.template.main+xml",
                "ms-powerpoint.presentation.macroenabled.main+xml",
                "ms-powerpoint.slideshow.macroenabled.main+xml",
                "ms-powerpoint.template.macroenabled.main+xml")
CONNECTIONS = ("spreadsheetml.connections+xml",)
# an Excel binary workbook's (.xlsb) parts: BIFF12 records, read by xlsb.py
BINARY_BOOK = ("ms-excel.sheet.binary.macroenabled.main",)
BINARY_SHEETS = ("ms-excel.worksheet",)
BINARY_STRINGS = ("ms-excel.sharedstrings",)
BINARY_STYLES = ("ms-excel.styles",)
BINARY_COMMENTS = ("ms-excel.comments",)

# the usual names, for a part the file declares as nothing in particular (plain XML, or not
# at all): Office refuses such a file, other writers make them
USUAL = {
    WORD_BODY: re.compile(r"word/document\d*\.xml"),
    WORD_OTHER: re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes|comments)\.xml"),
    SLIDES: re.compile(r"ppt/(slides/slide\d+|notesSlides/notesSlide\d+)\.xml"),
    SLIDE_COMMENTS: re.compile(r"ppt/comments/[^/]+\.xml"),
    SLIDE_LAYOUTS: re.compile(r"ppt/slideLayouts/slideLayout\d+\.xml"),
    SHEETS: re.compile(r"xl/worksheets/sheet\d+\.xml"),
    WORKBOOK: re.compile(r"xl/workbook\.xml"),
    SHARED_STRINGS: re.compile(r"xl/sharedStrings\.xml"),
    STYLES: re.compile(r"xl/styles\.xml"),
    SHEET_COMMENTS: re.compile(r"xl/(comments\d*|comments/comment\d*"
                               r"|threadedComments/threadedComment\d*)\.xml"),
    PIVOT_CACHES: re.compile(r"xl/pivotCache/pivotCacheDefinition\d*\.xml"),
    PIVOT_RECORDS: re.compile(r"xl/pivotCache/pivotCacheRecords\d*\.xml"),
    DRAWINGS: re.compile(r"(?:word|xl|ppt)/(?:drawings/drawing\d*|charts/chart\d*"
                         r"|diagrams/data\d*)\.xml"),
    CUSTOM_PROPERTIES: re.compile(r"docProps/custom\.xml"),
    GLOSSARY: re.compile(r"word/glossary/document\d*\.xml"),
    CUSTOM_XML: re.compile(r"customXml/item\d+\.xml", re.IGNORECASE),
    VISIO_PAGES: re.compile(r"visio/pages/page\d+\.xml"),
    XPS_PAGES: re.compile(r"Documents/\d+/Pages/\d+\.fpage", re.IGNORECASE),
    SETTINGS: re.compile(r"word/settings\.xml"),
    EXTERNAL_LINKS: re.compile(r"xl/externalLinks/externalLink\d+\.xml"),
    CHARTS: re.compile(r"(?:word|xl|ppt)/charts/chart(?:Ex)?\d*\.xml"),
    PRESENTATION: re.compile(r"ppt/presentation\.xml"),
    CONNECTIONS: re.compile(r"xl/connections\.xml"),
    BINARY_BOOK: re.compile(r"xl/workbook\.bin"),
    BINARY_SHEETS: re.compile(r"xl/worksheets/sheet\d+\.bin"),
    BINARY_STRINGS: re.compile(r"xl/sharedStrings\.bin"),
    BINARY_STYLES: re.compile(r"xl/styles\.bin"),
    BINARY_COMMENTS: re.compile(r"xl/comments\d*\.bin"),
}
_UNDECLARED = ("", "application/xml", "text/xml")

_PICTURE = re.compile(r"(?:word|xl|ppt)/media/[^/]+|Pictures/[^/]+", re.IGNORECASE)
_PICTURE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
_EMBEDDED = re.compile(r"(?:word|xl|ppt)/embeddings/[^/]+", re.IGNORECASE)
# what Word's altChunk imports whole: HTML, an MHT page, RTF or plain text, under word/
_CHUNK_TYPES = ("text/html", "application/xhtml+xml", "message/rfc822", "application/rtf",
                "text/rtf", "text/plain")


def content_types(root: Element | None, members: Iterable[str]) -> dict[str, str]:
    """Each member's content type (lower case, "" when undeclared), from the parsed
    `[Content_Types].xml`: its Override by part name, else its Default by extension. Part
    names are compared without case, as the format says."""
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root if root is not None else ():
        tag = el.tag.rsplit("}", 1)[-1]
        kind = (el.get("ContentType") or "").strip().lower()
        if tag == "Default":
            defaults[(el.get("Extension") or "").lower()] = kind
        elif tag == "Override":
            overrides[(el.get("PartName") or "").lstrip("/").lower()] = kind
    out = {}
    for name in members:
        ext = name.rpartition(".")[2].lower() if "." in name.rpartition("/")[2] else ""
        out[name] = overrides.get(name.lower()) or defaults.get(ext, "")
    return out


def parts(types: dict[str, str], kinds: tuple[str, ...]) -> list[str]:
    """The members of these kinds, in their natural order (slide2 before slide10): declared
    so, or declared as nothing in particular and having such a part's usual name."""
    usual = USUAL.get(kinds)
    return sorted((name for name, kind in types.items() if kind.endswith(kinds) or (
        kind in _UNDECLARED and usual is not None and usual.fullmatch(name))), key=natural)


def natural(name: str) -> list[object]:
    return [int(tok) if tok.isdigit() else tok for tok in re.split(r"(\d+)", name)]


def pictures(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The pictures a document shows, which OCR reads as attached ones are."""
    return sorted((i for i in zf.infolist() if _PICTURE.fullmatch(i.filename)
                   and i.filename.lower().endswith(_PICTURE_EXT)),
                  key=lambda i: natural(i.filename))


def metafiles(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The EMF pictures a document shows (Excel's "Copy as Picture" pasted into Word), whose
    words are text records, read without OCR."""
    return sorted((i for i in zf.infolist() if _PICTURE.fullmatch(i.filename)
                   and i.filename.lower().endswith(".emf")), key=lambda i: natural(i.filename))


def files(zf: zipfile.ZipFile, types: dict[str, str]) -> list[zipfile.ZipInfo]:
    """The files inside a document, read as attached files are: embedded documents and
    workbooks, and the chunks Word imports whole (an HTML referral a case system wrote)."""
    return sorted((i for i in zf.infolist() if not i.is_dir() and (
        _EMBEDDED.fullmatch(i.filename) or (i.filename.lower().startswith("word/")
                                            and types.get(i.filename, "") in _CHUNK_TYPES))),
                  key=lambda i: natural(i.filename))
