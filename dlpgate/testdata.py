"""Builders for attachment files, written from scratch so tests own their data.

Each returns the bytes of a small but genuine file of its format (a PDF with a
text layer, a DOCX, an XLSX...), or a hostile one (zip bomb, encrypted ZIP,
entity-expansion DOCX), so parsers are tested on real structure, not mocks.
"""

from __future__ import annotations

import datetime
import io
import itertools
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

_CT = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'  # noqa: E501
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    """`text` escaped for an attribute's value."""
    return _esc(text).replace('"', "&quot;")


def _zip(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(text: str, fields: dict[str, str] | None = None,
             notes: Sequence[tuple[str, str]] = (), rows: Sequence[Sequence[str]] = (),
             columns: Sequence[int] = (50, 200, 320, 450), links: Sequence[str] = (),
             choices: dict[str, Sequence[str]] | None = None) -> bytes:
    """A one-page PDF whose text layer holds `text` (one line per text line); `fields` are a
    filled form's text fields (name: value), `notes` its annotations as (subtype, contents),
    "Text" for a sticky note, "FreeText" for text typed onto the page. `rows`, in place of
    `text`: lines whose cells are placed at `columns` (points from the left), as a table is
    printed to PDF; an empty cell is nothing, a one-cell row a line of prose. `links`: the
    addresses of links on the page (a web or mailto: address each); `choices`: dropdowns of
    the form (name: its options, the first chosen)."""
    lines = text.splitlines() or [""]
    ops = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
    for line in lines if not rows else ():
        ops.append(f"{_pdf_string(line)} Tj T*")
    for n, row in enumerate(rows):
        ops += [f"1 0 0 1 {x} {780 - 14 * n} Tm {_pdf_string(cell)} Tj"
                for x, cell in zip(columns, row, strict=False) if cell]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", errors="replace")
    extra = [f"<< /Type /Annot /Subtype /Widget /FT /Tx /T {_pdf_string(k)} /V {_pdf_string(v)} "
             "/Rect [50 600 250 620] /P 3 0 R >>" for k, v in (fields or {}).items()]
    extra += [f"<< /Type /Annot /Subtype /Widget /FT /Ch /Ff 131072 /T {_pdf_string(k)} /Opt "
              f"[{' '.join(_pdf_string(o) for o in options)}] /V {_pdf_string(options[0])} "
              "/Rect [50 560 250 580] /P 3 0 R >>" for k, options in (choices or {}).items()]
    extra += [f"<< /Type /Annot /Subtype /{kind} /Rect [50 500 250 520] /Contents "
              f"{_pdf_string(contents)} >>" for kind, contents in notes]
    extra += [f"<< /Type /Annot /Subtype /Link /Rect [50 480 250 495] /A << /S /URI /URI "
              f"{_pdf_string(uri)} >> >>" for uri in links]
    annots = " ".join(f"{6 + i} 0 R" for i in range(len(extra)))
    form = " ".join(f"{6 + i} 0 R" for i in range(len(fields or {}) + len(choices or {})))
    form = f" /AcroForm << /Fields [{form}] >>" if fields or choices else ""
    annots = f" /Annots [{annots}]" if extra else ""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R{form} >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R" + annots.encode() + b" >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ] + [body.encode("latin-1", errors="replace") for body in extra]
    return _pdf_file(objects)


def picture_of(pdf: bytes, resolution: int = 150, fmt: str = "png") -> bytes:
    """The first page of `pdf` as an image (`fmt` png, jpeg, tiff or pgm), drawn by poppler's
    pdftoppm (tests of OCR need it): a photograph or scan of a printed page, in effect."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = f"{tmp}/in.pdf"
        with open(source, "wb") as f:
            f.write(pdf)
        flag = {"pgm": "-gray", "png": "-png", "jpeg": "-jpeg", "tiff": "-tiff"}[fmt]
        subprocess.run(["pdftoppm", "-r", str(resolution), flag, "-singlefile", "-f", "1",
                        "-l", "1", *(["-gray"] if fmt != "pgm" else []), source, f"{tmp}/out"],
                       check=True, capture_output=True)
        ext = {"jpeg": "jpg", "tiff": "tif"}.get(fmt, fmt)
        with open(f"{tmp}/out.{ext}", "rb") as f:
            return f.read()


def screenshot_of(rows: Sequence[Sequence[str]], columns: Sequence[int] = (10, 130, 250, 370),
                  width: int = 480, scale: float = 1.5, fmt: str = "png") -> bytes:
    """A PNG of a case system's list, as pasted from the screen: `rows` of cells at `columns`
    (points from the left) on a page `width` points wide and as tall as the rows, drawn at
    `scale` (1.5: a laptop's 150% display scaling, 96 dpi by 1.5); `fmt` as `picture_of`'s."""
    ops = ["BT", "/F1 11 Tf"]
    height = 16 * len(rows) + 12
    for n, row in enumerate(rows):
        ops += [f"1 0 0 1 {x} {height - 16 * (n + 1)} Tm {_pdf_string(cell)} Tj"
                for x, cell in zip(columns, row, strict=False) if cell]
    ops.append("ET")
    return picture_of(_page(ops, width, height, "Helvetica"), round(96 * scale), fmt)


def banner_of(text: str, width: int = 650, height: int = 120, scale: float = 2.0,
              fmt: str = "png") -> bytes:
    """A PNG of a signature's banner: `text` in large bold letters on a strip `width` by
    `height` points, drawn at `scale` (2: for a sharp screen, as banners are made); `fmt` as
    `picture_of`'s."""
    size = height // 4
    ops = ["BT", f"/F1 {size} Tf", f"20 {(height - size) // 2} Td", f"{_pdf_string(text)} Tj",
           "ET"]
    return picture_of(_page(ops, width, height, "Helvetica-Bold"), round(72 * scale), fmt)


def _page(ops: list[str], width: int, height: int, font: str) -> bytes:
    """A one-page PDF `width` by `height` points drawing `ops` in `font`."""
    stream = "\n".join(ops).encode("latin-1", errors="replace")
    return _pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Resources << /Font "
        f"<< /F1 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream +
        b"\nendstream",
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} >>".encode(),
    ])


def make_scanned_pdf(pages: Sequence[str], resolution: int = 150, stamp: str = "",
                     upside_down: bool = False) -> bytes:
    """A PDF of page images, as a scanner makes it: each page a grey picture of `make_pdf`'s
    page of that text and no text layer, but `stamp` (a "Scanned by" line) if given; each
    picture turned through 180 degrees if `upside_down` (fed into the scanner head first)."""
    import zlib

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for text in pages:
        pgm = picture_of(make_pdf(text), resolution, "pgm")
        magic, size, depth, pixels = pgm.split(b"\n", 3)
        width, height = (int(v) for v in size.split())
        image = zlib.compress(pixels[::-1] if upside_down else pixels)
        first = len(objects) + 1  # page, contents, image, font
        draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        if stamp:
            draw += f"\nBT /F1 6 Tf 20 10 Td {_pdf_string(stamp)} Tj ET".encode()
        objects += [
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject "
            f"<< /Im0 {first + 2} 0 R >> /Font << /F1 {first + 3} 0 R >> >> /Contents "
            f"{first + 1} 0 R >>".encode(),
            b"<< /Length " + str(len(draw)).encode() + b" >>\nstream\n" + draw +
            b"\nendstream",
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
            f"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {len(image)} >>\n"
            f"stream\n".encode() + image + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        kids.append(f"{first} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return _pdf_file(objects)


def make_report_pdf(pages: Sequence[str],
                    pictures: Sequence[Sequence[tuple[bytes, tuple[float, float, float, float]]]]
                    = ()) -> bytes:
    """A typed report: each of `pages` a page of text lines (as `make_pdf`'s), with the
    pictures given for it in `pictures` drawn at (x, y, width, height) points, as Word puts a
    pasted screenshot or a letterhead's logo into its PDF. A picture is a PGM (`picture_of`'s
    "pgm", or b"P5\\n<width> <height>\\n255\\n" and grey bytes) or a JPEG; the same bytes on two
    pages are one image object, as a logo on every page is."""
    import zlib

    from dlpgate.parse.ocr import image_size

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    images: dict[bytes, int] = {}
    kids = []
    for n, text in enumerate(pages):
        drawn = pictures[n] if n < len(pictures) else ()
        ops = []
        for picture, (x, y, w, h) in drawn:
            if picture not in images:
                if picture.startswith(b"P5"):
                    _, size, _, pixels = picture.split(b"\n", 3)
                    width, height = (int(v) for v in size.split())
                    data, codec = zlib.compress(pixels), "/FlateDecode"
                else:
                    width, height = image_size(picture) or (0, 0)
                    data, codec = picture, "/DCTDecode"
                objects.append(f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                               f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter {codec} "
                               f"/Length {len(data)} >>\nstream\n".encode() + data +
                               b"\nendstream")
                images[picture] = len(objects)
            ops.append(f"q {w} 0 0 {h} {x} {y} cm /Im{images[picture]} Do Q")
        ops += ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
        ops += [f"{_pdf_string(line)} Tj T*" for line in text.splitlines()] + ["ET"]
        stream = "\n".join(ops).encode("latin-1", errors="replace")
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream +
                       b"\nendstream")
        shown = " ".join(f"/Im{i} {i} 0 R" for i in sorted({images[p] for p, _ in drawn}))
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
                       f"/Font << /F1 3 0 R >> /XObject << {shown} >> >> /Contents "
                       f"{len(objects)} 0 R >>".encode())
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def make_encrypted_pdf(text: str, password: str = "s3cret", algorithm: str = "RC4-128") -> bytes:
    """`make_pdf(text)` encrypted; an empty `password` opens it, as an owner-password-only
    PDF does (anyone can read it; only printing or editing is restricted)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(text))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm=algorithm)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_docx(paragraphs: list[str], tables: Sequence[list[list[str]]] = (), *,
              custom_xml: Sequence[str] = (), glossary: Sequence[str] = (),
              links: Sequence[tuple[str, str]] = ()) -> bytes:
    """A document of paragraphs, then `tables` (rows of cells) as Word tables. `custom_xml`:
    XML documents kept as its custom XML data (customXml/item1.xml..., each with the
    itemProps Word writes beside it); `glossary`: Quick Parts, a paragraph each; `links`:
    (words shown, address) paragraphs linked as Ctrl+K links them, the address kept in the
    document's relationships (an address starting "#" is a bookmark in it, not External)."""
    body = "".join(f"<w:p><w:r><w:t>{_esc(p)}</w:t></w:r></w:p>" for p in paragraphs)
    rels = ""
    for n, (shown, target) in enumerate(links, start=1):
        body += (f'<w:p><w:hyperlink xmlns:r="{_R}" r:id="rIdLink{n}"><w:r><w:t>{_esc(shown)}'
                 "</w:t></w:r></w:hyperlink></w:p>")
        mode = "" if target.startswith("#") else ' TargetMode="External"'
        rels += (f'<Relationship Id="rIdLink{n}" Type="{_R}/hyperlink" Target="{_esc(target)}"'
                 f"{mode}/>")
    for table in tables:
        rows = "".join("<w:tr>" + "".join(
            f"<w:tc><w:p><w:r><w:t>{_esc(cell)}</w:t></w:r></w:p></w:tc>" for cell in row)
            + "</w:tr>" for row in table)
        body += f"<w:tbl>{rows}</w:tbl>"
    extras = {**_custom_xml(custom_xml), **_glossary(glossary)}
    if rels:
        extras["word/_rels/document.xml.rels"] = (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rels}</Relationships>')
    return with_members(make_docx_body(body), extras) if extras else make_docx_body(body)


def make_docx_body(body: str) -> bytes:
    """A document whose w:body is `body`, WordprocessingML written out (prefix w:)."""
    doc = f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    return _zip({"[Content_Types].xml": _CT, "word/document.xml": doc})


def word_field(instruction: str, result: str = "") -> str:
    """A paragraph holding a field as Word writes one: its instruction split across runs
    (Word splits it wherever an edit was made), then the `result` it shows."""
    half = len(instruction) // 2
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{_esc(part)}</w:instrText></w:r>'
                   for part in (instruction[:half], instruction[half:]))
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>' + runs +
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{_esc(result)}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
            "</w:p>")


def content_control(items: Sequence[str], shown: str, kind: str = "dropDownList") -> str:
    """A paragraph of a Word content control offering `items` (a dropdown, or a "comboBox"),
    showing `shown` (one of them, or its prompt: "Choose an item.")."""
    listed = "".join(f'<w:listItem w:displayText="{_quoted(i)}" w:value="{_quoted(i)}"/>'
                     for i in items)
    return (f"<w:sdt><w:sdtPr><w:{kind}>{listed}</w:{kind}></w:sdtPr><w:sdtContent><w:p><w:r>"
            f"<w:t>{_esc(shown)}</w:t></w:r></w:p></w:sdtContent></w:sdt>")


def date_picker(full: str, shown: str, title: str = "", date_format: str = "MMMM yyyy") -> str:
    """A paragraph of a Word date picker (a content control) given the date `full`
    ("2015-03-12"), showing `shown` in `date_format` (or its prompt, "Click or tap to enter a
    date."), titled `title` as Word's Properties dialog writes it (w:alias and w:tag)."""
    named = f'<w:alias w:val="{_quoted(title)}"/><w:tag w:val="{_quoted(title)}"/>' \
        if title else ""
    return (f'<w:sdt><w:sdtPr>{named}<w:id w:val="-1520391224"/><w:date w:fullDate="{full}'
            f'T00:00:00Z"><w:dateFormat w:val="{_quoted(date_format)}"/><w:lid w:val="en-GB"/>'
            '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
            f"</w:sdtPr><w:sdtContent><w:p><w:r><w:t>{_esc(shown)}</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>")


def form_field(entries: Sequence[str] = (), default: str = "") -> str:
    """A paragraph of a legacy form field as Word 97 made them: a dropdown of `entries`
    (FORMDROPDOWN), or a text field whose default text is `default` (FORMTEXT)."""
    if entries:
        data = "<w:ddList>" + "".join(f'<w:listEntry w:val="{_quoted(e)}"/>' for e in entries) \
            + "</w:ddList>"
        code, shown = "FORMDROPDOWN", ""
    else:
        data = f'<w:textInput><w:default w:val="{_quoted(default)}"/></w:textInput>'
        code, shown = "FORMTEXT", f"<w:r><w:t>{_esc(default)}</w:t></w:r>"
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="F1"/>{data}'
            f"</w:ffData></w:fldChar></w:r><w:r><w:instrText> {code} </w:instrText></w:r>"
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{shown}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def word_variables(**variables: str) -> dict[str, str]:
    """word/settings.xml holding document variables (w:docVars), as a case system's letter
    template sets them for its DOCVARIABLE fields."""
    found = "".join(f'<w:docVar w:name="{_quoted(k)}" w:val="{_quoted(v)}"/>'
                    for k, v in variables.items())
    return {"word/settings.xml": f'<?xml version="1.0"?><w:settings xmlns:w="{_W}"><w:docVars>'
                                 f"{found}</w:docVars></w:settings>"}


def chart_part(path: str, series: str, categories: Sequence[str]) -> dict[str, str]:
    """A chart (at `path`, "word/charts/chart1.xml") of one series over `categories`, its
    labels kept in its caches as Office keeps them, its numbers all 1."""
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    points = "".join(f'<c:pt idx="{i}"><c:v>{_esc(v)}</c:v></c:pt>' for i, v in enumerate(
        categories))
    return {path: (
        f'<?xml version="1.0"?><c:chartSpace xmlns:c="{c}"><c:chart><c:plotArea><c:barChart>'
        f"<c:ser><c:tx><c:strRef><c:f>Sheet1!$B$1</c:f><c:strCache><c:pt idx=\"0\"><c:v>"
        f"{_esc(series)}</c:v></c:pt></c:strCache></c:strRef></c:tx><c:cat><c:strRef><c:f>"
        f"Sheet1!$A$2:$A$9</c:f><c:strCache>{points}</c:strCache></c:strRef></c:cat><c:val>"
        "<c:numRef><c:numCache>" + "".join(f'<c:pt idx="{i}"><c:v>1</c:v></c:pt>' for i in
                                          range(len(categories)))
        + "</c:numCache></c:numRef></c:val></c:ser></c:barChart></c:plotArea></c:chart>"
        "</c:chartSpace>")}


def external_link(book: str, rows: Sequence[Sequence[str]]) -> dict[str, str]:
    """xl/externalLinks/externalLink1.xml: the values Excel keeps of the cells a workbook's
    formulas look up in `book` (another workbook), row by row from row 1."""
    cells = "".join(f'<row r="{r}">' + "".join(
        f'<cell r="{chr(65 + c)}{r}" t="str"><v>{_esc(v)}</v></cell>' for c, v in enumerate(row))
        + "</row>" for r, row in enumerate(rows, start=1))
    return {"xl/externalLinks/externalLink1.xml": (
        f'<?xml version="1.0"?><externalLink xmlns="{_S}"><externalBook><sheetNames><sheetName '
        f'val="{_quoted(book)}"/></sheetNames><sheetDataSet><sheetData sheetId="0">{cells}'
        "</sheetData></sheetDataSet></externalBook></externalLink>")}


def sharepoint_properties(**columns: str) -> str:
    """The custom XML a SharePoint document library writes into a file: its columns' values
    under p:properties/documentManagement, by their internal names (a space is _x0020_)."""
    values = "".join(f"<{name}>{_esc(v)}</{name}>" for name, v in columns.items())
    return ('<?xml version="1.0"?><p:properties xmlns:p="http://schemas.microsoft.com/office/'
            '2006/metadata/properties" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<documentManagement>{values}</documentManagement></p:properties>")


def _custom_xml(items: Sequence[str]) -> dict[str, str]:
    members = {}
    for n, item in enumerate(items, start=1):
        members[f"customXml/item{n}.xml"] = item
        members[f"customXml/itemProps{n}.xml"] = (
            '<?xml version="1.0"?><ds:datastoreItem ds:itemID="{6C6B1A54-8D1F-4D0C-9E5B-'
            '2B1C3E7F9A01}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/'
            'customXml"><ds:schemaRefs/></ds:datastoreItem>')
    return members


def _glossary(parts: Sequence[str]) -> dict[str, str]:
    if not parts:
        return {}
    bodies = "".join(f'<w:docPart><w:docPartPr><w:name w:val="Part {n}"/></w:docPartPr>'
                     f"<w:docPartBody><w:p><w:r><w:t>{_esc(text)}</w:t></w:r></w:p>"
                     "</w:docPartBody></w:docPart>" for n, text in enumerate(parts, start=1))
    return {"word/glossary/document.xml": (
        f'<?xml version="1.0"?><w:glossaryDocument xmlns:w="{_W}"><w:docParts>{bodies}'
        "</w:docParts></w:glossaryDocument>")}


def make_xlsx(rows: list[list[str | int | datetime.date | None]],
              date_format: int | str = 14, sheet: str | None = None, *,
              validation: Sequence[str] = (), defined_names: dict[str, str] | None = None,
              custom_xml: Sequence[str] = (), messages: Sequence[tuple[str, str]] = ()) -> bytes:
    """A workbook of one sheet; a None cell is left out, as Excel leaves out empty ones, and a
    date is stored as Excel stores it, a day number in a cell styled with `date_format` (a
    built-in format's id, or a format code). `sheet`: the sheet's name, in an
    xl/workbook.xml as Excel writes one (none is written without it, unless there are
    `defined_names`). `validation`: the formulas of dropdown lists on column B, as Excel
    writes them ('"Amy Reid,Leo Hart"' for a list typed in, 'Lists!$A$1:$A$9' for a
    range); `defined_names`: names and their formulas ('"Amy Reid"', 'Sheet1!$A$1');
    `messages`: the (title, text) of the input message each of a rule on column C shows."""
    shared: list[str] = []
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if value is None:
                continue
            if isinstance(value, datetime.date):
                serial = (value - datetime.date(1899, 12, 30)).days  # Excel counts 29/02/1900
                serial -= value < datetime.date(1900, 3, 1)
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            elif isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                shared.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    rules = "".join(f'<dataValidation type="list" allowBlank="1" sqref="B2:B{100 + n}">'
                    f"<formula1>{_esc(f)}</formula1></dataValidation>"
                    for n, f in enumerate(validation))
    rules += "".join(f'<dataValidation allowBlank="1" showInputMessage="1" promptTitle='
                     f'"{_quoted(title)}" prompt="{_quoted(text)}" sqref="C{n + 2}"/>'
                     for n, (title, text) in enumerate(messages))
    count = len(validation) + len(messages)
    rules = f'<dataValidations count="{count}">{rules}</dataValidations>' if count else ""
    sheet_xml = f'<?xml version="1.0"?><worksheet xmlns="{_S}"><sheetData>{"".join(xml_rows)}</sheetData>{rules}</worksheet>'  # noqa: E501
    sst = "".join(f"<si><t>{_esc(s)}</t></si>" for s in shared)
    strings = f'<?xml version="1.0"?><sst xmlns="{_S}">{sst}</sst>'
    fmt_id, custom = (date_format, "") if isinstance(date_format, int) else (
        164, '<numFmts count="1"><numFmt numFmtId="164" formatCode="'
             + _esc(date_format).replace('"', "&quot;") + '"/></numFmts>')
    styles = (f'<?xml version="1.0"?><styleSheet xmlns="{_S}">{custom}<cellXfs count="2">'
              f'<xf numFmtId="0"/><xf numFmtId="{fmt_id}" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    names = "".join(f'<definedName name="{_quoted(name)}">{_esc(formula)}</definedName>'
                    for name, formula in (defined_names or {}).items())
    names = f"<definedNames>{names}</definedNames>" if names else ""
    book = {} if sheet is None and not names else {"xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook xmlns="{_S}" xmlns:r="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships"><sheets><sheet name="'
        + _esc(sheet or "Sheet1").replace('"', "&quot;") + '" sheetId="1" r:id="rId1"/>'
        f"</sheets>{names}</workbook>")}
    return _zip({"[Content_Types].xml": _CT, **book, "xl/sharedStrings.xml": strings,
                 "xl/styles.xml": styles, "xl/worksheets/sheet1.xml": sheet_xml,
                 **_custom_xml(custom_xml)})


XlsbCell = str | int | float | bool | datetime.date | None


@dataclass(frozen=True)
class Formula:
    """A formula cell of a binary workbook, holding its last calculated `value` and its formula
    as Excel's parsed tokens (`tokens`, none unless given). `shared`: the tokens of a shared
    formula this cell is the first of; the cell then points at it (PtgExp, its own row), and
    it follows the cell (BrtShrFmla) over the cell's row and the next."""

    value: str | float | bool
    tokens: bytes = b""
    shared: bytes = b""


def ptg_str(text: str) -> bytes:
    """A formula's text constant as Excel parses it (PtgStr): a count of UTF-16 units, then
    them."""
    units = text.encode("utf-16-le")
    return b"\x17" + struct.pack("<H", len(units) // 2) + units


def ptg_num(value: float) -> bytes:
    """A number constant (PtgNum), as Excel keeps one past 16 bits or with a fraction."""
    return b"\x1f" + struct.pack("<d", value)


def ptg_int(value: int) -> bytes:
    """A whole number of 16 bits (PtgInt)."""
    return b"\x1e" + struct.pack("<H", value)


def ptg_ref(row: int, col: int) -> bytes:
    """A reference to a cell of the sheet (PtgRef), relative as Excel writes B2."""
    return b"\x24" + struct.pack("<IH", row, col | 0xC000)


def ptg_attr(kind: int, data: int = 0) -> bytes:
    """An attribute (PtgAttr): IF's jump (2), a GOTO (8), SUM (0x10), a space (0x40)..."""
    return b"\x19" + bytes([kind]) + struct.pack("<H", data)


def ptg_call(argc: int, function: int) -> bytes:
    """A call of a built-in function with `argc` arguments (PtgFuncVar): IF is 1, SUM 4."""
    return b"\x42" + struct.pack("<BH", argc, function)


PTG_EQ = b"\x0b"


def xlsb_if(test: bytes, then: bytes, otherwise: bytes) -> bytes:
    """IF(test, then, otherwise) as Excel parses it: the test, a jump past THEN, THEN, a jump,
    OTHERWISE, a jump, then the call."""
    return test + ptg_attr(0x02, len(then) + 4) + then + ptg_attr(0x08, len(otherwise) + 7) \
        + otherwise + ptg_attr(0x08, 3) + ptg_call(3, 1)


def _brt(kind: int, body: bytes = b"") -> bytes:
    """One BIFF12 record: its type and size as MS-XLSB writes them, 7 bits a byte, the high
    bit saying another byte follows (the type in one or two bytes, the size in up to four)."""
    def varint(n: int, most: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                break
        assert len(out) <= most
        return bytes(out)

    return varint(kind, 2) + varint(len(body), 4) + body


def _wide(text: str | None) -> bytes:
    """An XLWideString (a count of UTF-16 units, then them); None the null one."""
    if text is None:
        return b"\xff\xff\xff\xff"
    units = text.encode("utf-16-le")
    return struct.pack("<I", len(units) // 2) + units


def _rk(value: float) -> bytes | None:
    """`value` as an RkNumber, when one holds it exactly: a 30-bit integer, one hundredth
    of one, or a double whose low 34 bits are zero."""
    for scaled, x100 in ((value, 0), (value * 100, 1)):
        if float(scaled).is_integer() and -(1 << 29) <= scaled < (1 << 29) and \
                scaled / (100 if x100 else 1) == value:
            return struct.pack("<i", (int(scaled) << 2) | 2 | x100)
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    if bits & ((1 << 34) - 1) == 0:
        return struct.pack("<I", (bits >> 32) & 0xFFFFFFFC)
    return None


def _xlsb_cell(row: int, column: int, value: str | float | datetime.date | Formula,
               shared: list[str], inline: bool, dates_1904: bool) -> bytes:
    style = 1 if isinstance(value, datetime.date) else 0
    cell = struct.pack("<II", column, style)  # column, then the XF index (24 bits) and flags
    if isinstance(value, Formula):
        # its flags (fShrFmla, 8, for a shared one's), then the formula: its tokens (cce, rgce)
        # and no extra data (cb 0)
        tokens = b"\x01" + struct.pack("<I", row) if value.shared else value.tokens
        inner = value.value
        flags = struct.pack("<HI", 8 if value.shared else 0, len(tokens)) + tokens + bytes(4)
        after = _brt(427, struct.pack("<IIII", row, row + 1, column, column)  # BrtShrFmla
                     + struct.pack("<I", len(value.shared)) + value.shared + bytes(4)) \
            if value.shared else b""
        if isinstance(inner, bool):
            return _brt(10, cell + bytes([inner]) + flags) + after  # BrtFmlaBool
        if isinstance(inner, str):
            return _brt(8, cell + _wide(inner) + flags) + after  # BrtFmlaString
        return _brt(9, cell + struct.pack("<d", inner) + flags) + after  # BrtFmlaNum
    if isinstance(value, bool):
        return _brt(4, cell + bytes([value]))  # BrtCellBool
    if isinstance(value, datetime.date):
        serial = (value - datetime.date(1899, 12, 30)).days
        value = serial - 1462 if dates_1904 else serial - (value < datetime.date(1900, 3, 1))
    if isinstance(value, int | float):
        rk = _rk(float(value))
        return _brt(2, cell + rk) if rk is not None else \
            _brt(5, cell + struct.pack("<d", value))  # BrtCellRk, BrtCellReal
    if inline:
        return _brt(6, cell + _wide(value))  # BrtCellSt
    shared.append(value)
    return _brt(7, cell + struct.pack("<I", len(shared) - 1))  # BrtCellIsst


_XLSB_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="bin" ContentType="application/'
            'vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/>{}</Types>')
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _rels(targets: list[tuple[str, str, str]]) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
            + "".join(f'<Relationship Id="{rid}" Type="{_REL}{kind}" Target="{target}"/>'
                      for rid, kind, target in targets) + "</Relationships>")


def make_xlsb(sheets: dict[str, list[list[XlsbCell | Formula]]], inline: bool = False,
              date_format: int | str = 14, dates_1904: bool = False,
              comments: Sequence[str] = (), header: str = "",
              tips: Sequence[str] = ()) -> bytes:
    """An Excel binary workbook (.xlsb) as MS-XLSB lays it out, written record by record here
    (not by the reader under test): text in the shared strings (or in the cells, `inline`),
    whole numbers and hundredths as RK numbers, others as doubles, dates as day counts in a
    cell styled with `date_format` (a built-in id or a format code), counted from 1904 when
    `dates_1904`; a None cell is left out, as Excel leaves out empty ones. `comments`: notes
    on the first sheet's first cells; `header`: its printed page header; `tips`: tooltips of
    links on the first sheet's first cells (BrtHLink, to a place in the workbook)."""
    shared: list[str] = []
    members: dict[str, bytes | str] = {}
    overrides = []
    book = [_brt(131), _brt(153, struct.pack("<II", int(dates_1904), 0) + _wide("")),
            _brt(143)]  # BrtBeginBook, BrtWbProp (f1904 its first bit), BrtBeginBundleShs
    wb_rels = []
    for n, (title, rows) in enumerate(sheets.items(), start=1):
        book.append(_brt(156, struct.pack("<II", 0, n) + _wide(f"rId{n}") + _wide(title)))
        wb_rels.append((f"rId{n}", "worksheet", f"worksheets/sheet{n}.bin"))
        width = max((len(r) for r in rows), default=1)
        body = [_brt(129), _brt(148, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0,
                                                 max(width - 1, 0))), _brt(145)]
        for r, row in enumerate(rows):
            body.append(_brt(0, struct.pack("<IIHBBBI", r, 0, 300, 0, 0, 0, 0)))  # BrtRowHdr
            body += [_xlsb_cell(r, c, v, shared, inline, dates_1904) for c, v in enumerate(row)
                     if v is not None]
        body.append(_brt(146))  # BrtEndSheetData
        if n == 1:  # BrtHLink: its cells, no relationship, a place, its tooltip, no display
            body += [_brt(494, struct.pack("<IIII", r, r, 0, 0) + _wide(None) + _wide("A1")
                          + _wide(tip) + _wide("")) for r, tip in enumerate(tips)]
        if header and n == 1:
            body += [_brt(479, struct.pack("<H", 0) + _wide(header) + _wide(None) * 5),
                     _brt(480)]  # BrtBeginHeaderFooter: odd header, the others null
        body.append(_brt(130))
        members[f"xl/worksheets/sheet{n}.bin"] = b"".join(body)
        overrides.append((f"/xl/worksheets/sheet{n}.bin", "vnd.ms-excel.worksheet"))
    book += [_brt(144), _brt(132)]
    members["xl/workbook.bin"] = b"".join(book)
    if comments:
        notes = [_brt(628), _brt(630), _brt(632, _wide("Case worker")), _brt(631), _brt(633)]
        for r, note in enumerate(comments):
            # BrtBeginComment (author, cell, guid); BrtCommentText, a RichStr with one run
            notes += [_brt(635, struct.pack("<iIIII", 0, r, r, 0, 0) + bytes(16)),
                      _brt(637, b"\x01" + _wide(note) + struct.pack("<IHH", 1, 0, 0)),
                      _brt(636)]
        members["xl/comments1.bin"] = b"".join(notes + [_brt(634), _brt(629)])
        members["xl/worksheets/_rels/sheet1.bin.rels"] = _rels(
            [("rId1", "comments", "../comments1.bin")])
        overrides.append(("/xl/comments1.bin", "vnd.ms-excel.comments"))
    members["xl/sharedStrings.bin"] = b"".join(
        [_brt(159, struct.pack("<II", len(shared), len(shared)))]
        + [_brt(19, b"\0" + _wide(s)) for s in shared] + [_brt(160)])
    fmt_id, custom = (date_format, []) if isinstance(date_format, int) else (
        164, [_brt(615, struct.pack("<I", 1)),  # BrtBeginFmts and BrtFmt: a format code
              _brt(44, struct.pack("<H", 164) + _wide(date_format)), _brt(616)])
    xf = struct.pack("<HHHHHBBI", 0, 0, 0, 0, 0, 0, 0, 0)  # BrtXF: parent, format, ...
    date_xf = struct.pack("<HHHHHBBI", 0, fmt_id, 0, 0, 0, 0, 0, 0)
    members["xl/styles.bin"] = b"".join(  # a style XF, then the cells' XFs (the second a date)
        [_brt(278)] + custom + [_brt(626, struct.pack("<I", 1)),
                                _brt(47, struct.pack("<H", 0xFFFF) + xf[2:]), _brt(627),
                                _brt(617, struct.pack("<I", 2)), _brt(47, xf),
                                _brt(47, date_xf), _brt(618), _brt(279)])
    overrides += [("/xl/sharedStrings.bin", "vnd.ms-excel.sharedStrings"),
                  ("/xl/styles.bin", "vnd.ms-excel.styles")]
    wb_rels += [("rIdS", "sharedStrings", "sharedStrings.bin"), ("rIdY", "styles", "styles.bin")]
    members["xl/_rels/workbook.bin.rels"] = _rels(wb_rels)
    members["_rels/.rels"] = _rels([("rId1", "officeDocument", "xl/workbook.bin")])
    members["[Content_Types].xml"] = _XLSB_CT.format("".join(
        f'<Override PartName="{part}" ContentType="application/{kind}"/>'
        for part, kind in overrides))
    return _zip(members)


def make_pptx(texts: list[str], tables: Sequence[list[list[str]]] = ()) -> bytes:
    """A slide per text, then a slide per table (rows of cells)."""
    members: dict[str, bytes | str] = {"[Content_Types].xml": _CT}
    slides = [f"<a:p><a:r><a:t>{_esc(text)}</a:t></a:r></a:p>" for text in texts]
    for table in tables:
        rows = "".join("<a:tr>" + "".join(
            f"<a:tc><a:txBody><a:p><a:r><a:t>{_esc(cell)}</a:t></a:r></a:p></a:txBody></a:tc>"
            for cell in row) + "</a:tr>" for row in table)
        slides.append(f"<p:graphicFrame><a:graphic><a:graphicData><a:tbl>{rows}</a:tbl>"
                      "</a:graphicData></a:graphic></p:graphicFrame>")
    for i, slide in enumerate(slides, start=1):
        members[f"ppt/slides/slide{i}.xml"] = (
            f'<?xml version="1.0"?><p:sld xmlns:p="urn:p" xmlns:a="{_A}">{slide}</p:sld>')
    return _zip(members)


def _package(relationship: str, parts: dict[str, tuple[str, str]]) -> bytes:
    """An Open Packaging file: each part (name: (content type, XML)) declared by name, the
    first its main part by `relationship` (its type)."""
    overrides = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>'
                        for name, (kind, _) in parts.items())
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
             'openxmlformats-package.relationships+xml"/>' + overrides + "</Types>")
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{relationship}" '
            f'Target="{next(iter(parts))}"/></Relationships>')
    return _zip({"[Content_Types].xml": types, "_rels/.rels": rels,
                 **{name: xml for name, (_, xml) in parts.items()}})


_VISIO = "http://schemas.microsoft.com/office/visio/2012/main"
_XPS = "http://schemas.microsoft.com/xps/2005/06"


def make_vsdx(shapes: Sequence[tuple[str, dict[str, str]]]) -> bytes:
    """A Visio drawing of one page (a genogram), a shape per (text, shape data: label: value)
    as Visio 2013 and later save them."""
    body = ""
    for n, (text, data) in enumerate(shapes, start=1):
        rows = "".join(f'<Row N="Row_{i}"><Cell N="Label" V="{_quoted(k)}"/><Cell N="Value" '
                       f'V="{_quoted(val)}"/></Row>' for i, (k, val) in enumerate(data.items()))
        section = f'<Section N="Property">{rows}</Section>' if rows else ""
        body += f'<Shape ID="{n}" Type="Shape">{section}<Text><cp IX="0"/>{_esc(text)}</Text>' \
            "</Shape>"
    kind = "application/vnd.ms-visio."
    return _package("http://schemas.microsoft.com/visio/2010/relationships/document", {
        "visio/document.xml": (kind + "drawing.main+xml", f'<VisioDocument xmlns="{_VISIO}"/>'),
        "visio/pages/page1.xml": (kind + "page+xml", f'<PageContents xmlns="{_VISIO}"><Shapes>'
                                                     f"{body}</Shapes></PageContents>")})


def make_xps(lines: Sequence[str]) -> bytes:
    """An XPS print of one page (Windows' "Microsoft XPS Document Writer"), a run of glyphs a
    line."""
    glyphs = "".join(f'<Glyphs OriginX="96" OriginY="{96 + 20 * n}" FontRenderingEmSize="12" '
                     f'FontUri="/Resources/f.odttf" UnicodeString="{_quoted(line)}"/>'
                     for n, line in enumerate(lines))
    page = f'<FixedPage xmlns="{_XPS}" Width="816" Height="1056">{glyphs}</FixedPage>'
    kind = "application/vnd.ms-package.xps-fixed"
    return _package(f"{_XPS}/fixedrepresentation", {
        "FixedDocSeq.fdseq": (kind + "documentsequence+xml", f'<FixedDocumentSequence '
                                                             f'xmlns="{_XPS}"/>'),
        "Documents/1/Pages/1.fpage": (kind + "page+xml", page)})


_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:xlink="http://www.w3.org/1999/xlink"')

# A cell of an OpenDocument table: its text, or (text, times repeated); None is an empty cell.
OdfCell = str | tuple[str, int] | None


def _odf_table(rows: list[list[OdfCell]], trailing: bool, name: str = "Sheet1") -> str:
    """A table:table; `trailing` adds what LibreOffice writes after a sheet's data: an empty
    cell repeated to column 16384 in each row, and an empty row repeated to row 1048576."""
    xml_rows = []
    for row in rows:
        cells = []
        for cell in row:
            text, times = cell if isinstance(cell, tuple) else (cell, 1)
            repeat = f' table:number-columns-repeated="{times}"' if times > 1 else ""
            body = f"<text:p>{_esc(text)}</text:p>" if text is not None else ""
            cells.append(f"<table:table-cell{repeat}>{body}</table:table-cell>")
        if trailing:
            cells.append('<table:table-cell table:number-columns-repeated="16384"/>')
        xml_rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    if trailing:
        xml_rows.append('<table:table-row table:number-rows-repeated="1048576">'
                        '<table:table-cell table:number-columns-repeated="16384"/>'
                        "</table:table-row>")
    title = _esc(name).replace('"', "&quot;")
    return f'<table:table table:name="{title}">{"".join(xml_rows)}</table:table>'


def _odf(mimetype: str, body: str) -> bytes:
    content = f'<?xml version="1.0"?><office:document-content {_ODF_NS}><office:body>' \
              f"{body}</office:body></office:document-content>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def make_odt(paragraphs: list[str], tables: Sequence[list[list[OdfCell]]] = (), *,
             user_fields: dict[str, str] | None = None, hidden: Sequence[str] = (),
             links: Sequence[tuple[str, str]] = (), titles: Sequence[str] = (),
             bookmarks: Sequence[str] = ()) -> bytes:
    """A text document of paragraphs, then `tables` (rows of cells). `user_fields`: user
    fields declared with their values (Insert > Field > More Fields > Variables), none of
    them shown; `hidden`: texts hidden by a condition, a paragraph each; `links`: (words
    shown, address) paragraphs, each a link, with the title (its tooltip) in `titles` of the
    same place if any; `bookmarks`: names of bookmarks set in the first paragraph, the first
    as a point, the others as a start and an end."""
    decls = "".join(f'<text:user-field-decl office:value-type="string" text:name="{_quoted(n)}" '
                    f'office:string-value="{_quoted(v)}"/>' for n, v in (user_fields or {}).items())
    body = f"<text:user-field-decls>{decls}</text:user-field-decls>" if decls else ""
    marks = "".join(f'<text:bookmark text:name="{_quoted(b)}"/>' if n == 0 else
                    f'<text:bookmark-start text:name="{_quoted(b)}"/><text:bookmark-end '
                    f'text:name="{_quoted(b)}"/>' for n, b in enumerate(bookmarks))
    body += "".join(f"<text:p>{marks if n == 0 else ''}{_esc(p)}</text:p>"
                    for n, p in enumerate(paragraphs))
    body += "".join(f'<text:p><text:hidden-text text:condition="ooow:1" text:string-value="'
                    f'{_quoted(h)}" text:is-hidden="true"/></text:p>' for h in hidden)
    body += "".join(f'<text:p><text:a xlink:type="simple" xlink:href="{_quoted(href)}"'
                    + (f' office:title="{_quoted(titles[n])}"' if n < len(titles) else "")
                    + f">{_esc(shown)}</text:a></text:p>" for n, (shown, href) in enumerate(links))
    body += "".join(_odf_table(table, trailing=False) for table in tables)
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def make_ods(sheets: list[list[list[OdfCell]]], trailing: bool = True,
             names: Sequence[str] = ()) -> bytes:
    """A spreadsheet, a table:table per sheet, written as LibreOffice writes them; `names`
    the sheets' names in order (LibreOffice's own, Sheet1..., past them)."""
    body = "".join(_odf_table(sheet, trailing, names[n] if n < len(names) else f"Sheet{n + 1}")
                   for n, sheet in enumerate(sheets))
    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                f"<office:spreadsheet>{body}</office:spreadsheet>")


def with_members(data: bytes, members: dict[str, str] | dict[str, bytes]) -> bytes:
    """A copy of the ZIP-based file `data` with `members` added (properties, comments...)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        kept: dict[str, bytes | str] = {i.filename: zf.read(i) for i in zf.infolist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in {**kept, **members}.items():  # an ODF mimetype stays first, stored
            zf.writestr(name, body, zipfile.ZIP_STORED if name == "mimetype"
                        else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ooxml_properties(**fields: str) -> dict[str, str]:
    """docProps/core.xml with title=, subject=, description=, keywords=, creator=,
    lastModifiedBy=, category=, contentStatus=, identifier=, version= as File > Info sets,
    and docProps/app.xml with Company=, Manager=, HyperlinkBase= (Advanced Properties)."""
    tags = {"title": "dc:title", "subject": "dc:subject", "description": "dc:description",
            "keywords": "cp:keywords", "creator": "dc:creator", "identifier": "dc:identifier",
            "lastModifiedBy": "cp:lastModifiedBy", "category": "cp:category",
            "contentStatus": "cp:contentStatus", "version": "cp:version"}
    body = "".join(f"<{tags[k]}>{_esc(v)}</{tags[k]}>" for k, v in fields.items() if k in tags)
    out = {"docProps/core.xml": (
        '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
        'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"{body}</cp:coreProperties>")}
    if extended := "".join(f"<{k}>{_esc(v)}</{k}>" for k, v in fields.items() if k not in tags):
        out["docProps/app.xml"] = (
            '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/extended-properties"><Application>Microsoft Office Word'
            f"</Application><Template>Normal.dotm</Template>{extended}</Properties>")
    return out


def xlsx_comments(comments: list[str]) -> dict[str, str]:
    """xl/comments1.xml holding `comments`, a cell's note each."""
    body = "".join(f'<comment ref="A{i}" authorId="0"><text><r><t>{_esc(c)}</t></r></text>'
                   "</comment>" for i, c in enumerate(comments, start=1))
    return {"xl/comments1.xml": f'<?xml version="1.0"?><comments xmlns="{_S}"><commentList>'
                                f"{body}</commentList></comments>"}


def odf_properties(**fields: str) -> dict[str, str]:
    """meta.xml with title=, subject=, description=, keyword= as File > Properties sets."""
    tags = {"title": "dc:title", "subject": "dc:subject", "description": "dc:description",
            "keyword": "meta:keyword"}
    body = "".join(f"<{tags[k]}>{_esc(v)}</{tags[k]}>" for k, v in fields.items())
    return {"meta.xml": (
        '<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:'
        'opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:'
        '1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<office:meta>{body}</office:meta></office:document-meta>")}


def odf_page_style(header: str, footer: str) -> dict[str, str]:
    """styles.xml whose page style prints `header` and `footer` on every page."""
    return {"styles.xml": (
        f'<?xml version="1.0"?><office:document-styles {_ODF_NS} xmlns:style="urn:oasis:names:'
        'tc:opendocument:xmlns:style:1.0"><office:master-styles><style:master-page '
        'style:name="Standard"><style:header-style/>'
        f"<style:header><text:p>{_esc(header)}</text:p></style:header>"
        f"<style:footer><text:p>{_esc(footer)}</text:p></style:footer>"
        "</style:master-page></office:master-styles></office:document-styles>")}


def make_rtf(text: str) -> bytes:
    body = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    body = body.replace("\n", "\\par\n")
    return ("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 " + body + "}").encode("ascii")


# (property id, type, value): a MAPI property as make_tnef writes it. Value: a str for a
# string type (0x001E 8-bit, 0x001F UTF-16), bytes for binary (0x0102) and object (0x000D,
# its 16-byte interface id first), an int or bytes for a fixed type; a list of them for a
# multi-valued type (type | 0x1000). An id from 0x8000 up is written as a named property.
# (id, type, value), and for a named property (id 0x8000 up) its name if not the default:
# (its property set's GUID as stored, a number or a string)
MapiProp = tuple[int, int, object] | tuple[int, int, object, tuple[bytes, int | str]]
_PUBLIC_STRINGS = bytes.fromhex("2903020000000000c000000000000046")
# (attAttachTitle or "", attAttachData or None, its MAPI properties)
TnefAttachment = tuple[str, bytes | None, list[MapiProp]]
IID_IMESSAGE = bytes.fromhex("0703020000000000c000000000000046")
IID_ISTORAGE = bytes.fromhex("0b00000000000000c000000000000046")


def make_tnef(files: dict[str, bytes], body: str = "", *, subject: str = "",
              props: list[MapiProp] | None = None,
              attachments: list[TnefAttachment] | None = None) -> bytes:
    """winmail.dat as Exchange writes it: the message's subject and text, its MAPI properties
    (attMsgProps: `props`), then each file's rendering, title and data attributes, then each
    of `attachments` with its MAPI properties (attAttachment), each attribute with its
    checksum (MS-OXTNEF)."""
    import struct

    def attribute(level: int, ident: int, value: bytes) -> bytes:
        checksum = sum(value) & 0xFFFF
        return struct.pack("<BII", level, ident, len(value)) + value + \
            struct.pack("<H", checksum)

    out = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x0001)
    out += attribute(1, 0x00089006, b"\x00\x01\x00\x00")  # attTnefVersion
    if subject:
        out += attribute(1, 0x00018004, subject.encode("cp1252") + b"\x00")
    if body:
        out += attribute(1, 0x0002800C, body.encode("cp1252") + b"\x00")
    if props:
        out += attribute(1, 0x00069003, mapi_props(props))
    for title, data in files.items():
        out += attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)  # attAttachRendData
        out += attribute(2, 0x00018010, title.encode("cp1252") + b"\x00")
        out += attribute(2, 0x0006800F, data)
    for title, data, attached in attachments or []:
        out += attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)
        if title:
            out += attribute(2, 0x00018010, title.encode("cp1252") + b"\x00")
        if data is not None:
            out += attribute(2, 0x0006800F, data)
        if attached:
            out += attribute(2, 0x00069005, mapi_props(attached))
    return out


def tnef_item(name: str, stream: bytes) -> TnefAttachment:
    """An Outlook item attached inside winmail.dat as Outlook writes one: method 5 (embedded
    message), its display name, and its TNEF `stream` in PR_ATTACH_DATA_OBJ after IID_IMessage."""
    return ("", None, [(0x3705, 0x0003, 5), (0x3001, 0x001E, name),
                       (0x3701, 0x000D, IID_IMESSAGE + stream)])


def mapi_props(props: list[MapiProp]) -> bytes:
    """A MAPI property list as TNEF carries it (MS-OXTNEF 2.1.3.4): a count, then each
    property's type, id, name (for a named one), value count where the type has one, and each
    value's length, bytes and padding to 4."""
    import struct

    def pad(raw: bytes) -> bytes:
        return raw + b"\x00" * (-len(raw) % 4)

    def encoded(kind: int, value: object) -> bytes:
        if isinstance(value, str):
            return value.encode("utf-16-le") + b"\x00\x00" if kind == 0x001F else \
                value.encode("cp1252") + b"\x00"
        assert isinstance(value, bytes)
        return value

    sizes = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
             0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16}
    out = bytearray(struct.pack("<I", len(props)))
    for ident, kind, value, *named in props:
        out += struct.pack("<HH", kind, ident)
        if ident >= 0x8000:  # by default PS_PUBLIC_STRINGS' number 1; else (GUID, number or
            # string) as given after the value
            guid, said = named[0] if named else (_PUBLIC_STRINGS, 1)
            out += guid
            if isinstance(said, int):
                out += struct.pack("<II", 0, said)
            else:
                raw = said.encode("utf-16-le") + b"\x00\x00"
                out += struct.pack("<II", 1, len(raw)) + pad(raw)
        base, many = kind & ~0x1000, bool(kind & 0x1000)
        values = value if many else [value]
        assert isinstance(values, list)
        if base in sizes:
            if many:
                out += struct.pack("<I", len(values))
            for v in values:
                raw = v.to_bytes(sizes[base], "little") if isinstance(v, int) else v
                out += pad(raw)[: sizes[base]].ljust(sizes[base], b"\x00")
            continue
        out += struct.pack("<I", len(values))
        for v in values:
            raw = encoded(base, v)
            out += struct.pack("<I", len(raw)) + pad(raw)
    return bytes(out)


def compress_rtf(document: bytes, compressed: bool = True) -> bytes:
    """A PR_RTF_COMPRESSED value (MS-OXRTFCP): `document` as LZFu tokens, greedy matches of 2
    to 17 bytes against the 4096-byte dictionary (the 207 bytes it starts with among them:
    "{\\rtf1\\ansi" is a reference), with its CRC; or as it is ("MELA")."""
    import struct
    import zlib

    from dlpgate.parse.lzfu import PREFILL

    if not compressed:
        return struct.pack("<II4sI", len(document) + 12, len(document), b"MELA", 0) + document
    buf = PREFILL + document
    seen: dict[bytes, list[int]] = {}

    def note(at: int) -> None:
        seen.setdefault(buf[at:at + 2], []).append(at)

    for at in range(len(PREFILL) - 1):
        note(at)
    tokens: list[bytes] = []  # a literal's byte, or a reference's two
    flags: list[bool] = []
    pos = len(PREFILL)
    while pos < len(buf):
        best, where = 1, -1
        for cand in reversed(seen.get(buf[pos:pos + 2], [])[-16:]):
            if pos - cand > 4095:
                break
            n = 0
            while n < 17 and pos + n < len(buf) and cand + n < pos and \
                    buf[cand + n] == buf[pos + n]:
                n += 1
            if n > best:
                best, where = n, cand
        if where >= 0:
            tokens.append(struct.pack(">H", (where % 4096) << 4 | (best - 2)))
            flags.append(True)
        else:
            tokens.append(buf[pos:pos + 1])
            flags.append(False)
            best = 1
        for at in range(pos, pos + best):
            note(at)
        pos += best
    tokens.append(struct.pack(">H", (len(buf) % 4096) << 4))  # the end: where the next goes
    flags.append(True)
    body = bytearray()
    for at in range(0, len(tokens), 8):
        control = sum(1 << i for i, f in enumerate(flags[at:at + 8]) if f)
        body += bytes([control]) + b"".join(tokens[at:at + 8])
    crc = zlib.crc32(body, 0xFFFFFFFF) ^ 0xFFFFFFFF  # MS-OXRTFCP's: no inversion either end
    return struct.pack("<II4sI", len(body) + 12, len(document), b"LZFu", crc) + bytes(body)


def make_outlook_msg(subject: str, body: str, files: dict[str, bytes] | None = None,
                     items: dict[str, tuple[str, str]] | None = None,
                     html: bytes | None = None,
                     objects: dict[str, list[tuple[str, bytes]]] | None = None,
                     rtf: bytes | None = None,
                     named: Sequence[tuple[str, int | str, str | list[str]]] = ()) -> bytes:
    """An Outlook item (.msg) as Outlook saves one: a compound file (MS-CFB, version 3) whose
    Unicode subject and body are property streams, with a storage per attached file holding
    its long name and its bytes, and per attached item (display name: (subject, body)) its
    properties in an embedded-message storage (MS-OXMSG). `html`: an HTML body (bytes, as
    PR_BODY_HTML is stored) in place of the plain one where `body` is empty, beside it (as
    Outlook saves an HTML message) where it is not. `objects`: OLE objects attached
    (PR_ATTACH_METHOD 6: display name: the streams of the object's own storage, such as
    `ole_package`'s), as a rich-text message carries a file dropped into its body. `rtf`: a
    compressed RTF body (`compress_rtf`'s) in place of the plain one, as an item saved with no
    other holds it. `named`: named properties (property set's GUID, "" for the public
    strings'; a number or a name; a string or, multi-valued, a list of them), ids given
    from 0x8000 in order and mapped in the root's `__nameid_version1.0` storage."""
    streams = _item_streams(subject, body, files or {}, items or {}, 32)
    if named:
        streams += _named_streams(named)
    for i, (name, children) in enumerate((objects or {}).items(), start=len(streams)):
        streams.append((f"__attach_version1.0_#{i:08X}", [
            ("__properties_version1.0", bytes(16)),
            ("__substg1.0_3001001F", name.encode("utf-16-le")),
            ("__substg1.0_3701000D", list(children))]))
    for stream, body_bytes in (("__substg1.0_10130102", html), ("__substg1.0_10090102", rtf)):
        if body_bytes is not None:
            streams = [s for s in streams if s[0] != "__substg1.0_1000001F" or body]
            streams.insert(2, (stream, body_bytes))
    return _compound_file(streams)


def _named_streams(named: Sequence[tuple[str, int | str, str | list[str]]]) -> list:
    """Named properties' values and the storage that maps their ids to their names (MS-OXMSG
    2.2.3): a stream of GUIDs, one of 8-byte entries (a number, or where its name is in the
    string stream; then the id's index, the GUID's index and whether it is a name) and the
    names, each its length in bytes then UTF-16, padded to 4."""
    import uuid

    guids: list[bytes] = []
    entries, strings = bytearray(), bytearray()
    values: list[tuple[str, list | bytes]] = []
    for index, (guid, key, value) in enumerate(named):
        if guid:
            raw = uuid.UUID(guid).bytes_le
            if raw not in guids:
                guids.append(raw)
            guid_at = 3 + guids.index(raw)
        else:
            guid_at = 2  # PS_PUBLIC_STRINGS
        if isinstance(key, str):
            name = key.encode("utf-16-le")
            entries += struct.pack("<II", len(strings), index << 16 | guid_at << 1 | 1)
            strings += struct.pack("<I", len(name)) + name + bytes(-len(name) % 4)
        else:
            entries += struct.pack("<II", key, index << 16 | guid_at << 1)
        tag = f"{0x8000 + index:04X}"
        if isinstance(value, list):
            encoded = [v.encode("utf-16-le") + b"\0\0" for v in value]
            values.append((f"__substg1.0_{tag}101F",
                           b"".join(struct.pack("<I", len(v)) for v in encoded)))
            values += [(f"__substg1.0_{tag}101F-{n:08X}", v) for n, v in enumerate(encoded)]
        else:
            values.append((f"__substg1.0_{tag}001F", value.encode("utf-16-le")))
    return values + [("__nameid_version1.0", [
        ("__substg1.0_00020102", b"".join(guids)), ("__substg1.0_00030102", bytes(entries)),
        ("__substg1.0_00040102", bytes(strings))])]


def _item_streams(subject: str, body: str, files: dict[str, bytes],
                  items: dict[str, tuple[str, str]], header: int) -> list:
    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    # (name, children or bytes): a storage's children are a list, a stream's data bytes
    top: list[tuple[str, list | bytes]] = [
        ("__properties_version1.0", bytes(header)),
        ("__substg1.0_0037001F", utf16(subject)),
        ("__substg1.0_1000001F", utf16(body))]
    for i, (name, data) in enumerate(files.items()):
        top.append((f"__attach_version1.0_#{i:08X}", [
            ("__properties_version1.0", bytes(16)),
            ("__substg1.0_3707001F", utf16(name)),
            ("__substg1.0_37010102", data)]))
    for i, (name, (inner_subject, inner_body)) in enumerate(items.items(), start=len(files)):
        top.append((f"__attach_version1.0_#{i:08X}", [
            ("__properties_version1.0", bytes(16)),
            ("__substg1.0_3001001F", utf16(name)),
            ("__substg1.0_3701000D", _item_streams(inner_subject, inner_body, {}, {}, 24))]))
    return top


def ole_package(label: str, data: bytes) -> tuple[str, bytes]:
    """The "\x01Ole10Native" stream of an OLE Package object: a file wrapped by Windows'
    Object Packager (a document dropped into a rich-text message), its label, source path,
    temporary path and bytes in the order Windows writes them."""
    import struct

    path = f"C:\\Users\\worker\\{label}".encode("cp1252") + b"\0"
    body = (struct.pack("<H", 2) + label.encode("cp1252") + b"\0" + path
            + struct.pack("<I", 0x00030000) + struct.pack("<I", len(path)) + path
            + struct.pack("<I", len(data)) + data)
    return "\x01Ole10Native", struct.pack("<I", len(body)) + body


def ole1_object(class_name: str, native: bytes, linked: bool = False) -> bytes:
    """An OLE 1 object as an RTF letter's `\\objdata` holds it (MS-OLEDS 2.2.4): its version,
    format (embedded, or linked), class, topic and item names, and its native data."""
    def name(text: str) -> bytes:
        data = text.encode("cp1252") + b"\0" if text else b""
        return struct.pack("<I", len(data)) + data

    head = struct.pack("<II", 0x0501, 1 if linked else 2) + name(class_name) + name("") + \
        name("")
    return head + (struct.pack("<I", len(native)) + native if not linked else b"")


def packaged_object(label: str, data: bytes) -> bytes:
    """A file dropped into a Word document or a workbook, as Windows' Object Packager wraps it:
    the compound file Office keeps in its embeddings (`word/embeddings/oleObject1.bin`), its
    "\x01Ole10Native" stream holding the file's label and bytes (`ole_package`)."""
    return _compound_file([("\x01CompObj", b"\x01\x00\xfe\xff" + bytes(24)),
                           ole_package(label, data)])


def office_embedding(document: bytes) -> bytes:
    """An Excel or Word 2007 file as Office embeds it as an object: a compound file holding
    the file whole in its "Package" stream, beside the object's class."""
    return _compound_file([("\x01CompObj", b"\x01\x00\xfe\xff" + bytes(24)),
                           ("Package", document)])


def make_rtf_with_objects(text: str, objects: Sequence[bytes], class_name: str = "") -> bytes:
    """An RTF letter, `text` then each object as Word writes one pasted into it (its class,
    size, data in hex lines of 128 digits, and the picture of it readers show)."""
    letter = make_rtf(text)[:-1].decode("ascii")
    for data in objects:
        digits = data.hex()
        lines = "\r\n".join(digits[i:i + 128] for i in range(0, len(digits), 128))
        letter += (r"\par {\object\objemb{\*\objclass " + class_name + r"}\objw2000\objh800"
                   r"{\*\objdata " + "\r\n" + lines + r"}{\result{\pict\wmetafile8\picw2000 "
                   r"0100090000}}}")
    return (letter + "}").encode("ascii")


def _compound_file(top: list) -> bytes:
    """A minimal compound file: streams under 4,096 bytes in the mini stream, the rest in
    sectors of their own; each storage's children chained through their right siblings."""
    import struct

    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "kids": []}]

    def add(items: list, parent: dict) -> None:
        for name, content in items:
            entry = {"name": name, "type": 1 if isinstance(content, list) else 2, "kids": []}
            entries.append(entry)
            parent["kids"].append(len(entries) - 1)
            if isinstance(content, list):
                add(content, entry)
            else:
                entry["data"] = content

    add(top, entries[0])
    mini, minifat, big = bytearray(), [], []
    for entry in entries:
        data = entry.get("data")
        if data is None:
            continue
        if len(data) < 4096:
            entry["start"], n = len(mini) // 64, -(-len(data) // 64) or 1
            minifat += [entry["start"] + k + 1 for k in range(n - 1)] + [end]
            mini += data.ljust(n * 64, b"\0")
        else:
            big.append(entry)
    dir_sectors = -(-len(entries) // 4)
    minifat_sectors = -(-len(minifat) // 128) if minifat else 0
    mini_sectors = -(-len(mini) // 512)
    big_sectors = [-(-len(e["data"]) // 512) for e in big]
    body = dir_sectors + minifat_sectors + mini_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + body:
        fat_sectors += 1
    fat = [fat_mark] * fat_sectors
    sector = fat_sectors

    def chain(n: int) -> int:
        nonlocal sector
        first = sector
        fat.extend([sector + k + 1 for k in range(n - 1)] + [end])
        sector += n
        return first

    first_dir = chain(dir_sectors)
    first_minifat = chain(minifat_sectors) if minifat_sectors else end
    entries[0]["start"] = chain(mini_sectors) if mini_sectors else end
    entries[0]["size"] = len(mini)
    for entry, n in zip(big, big_sectors, strict=True):
        entry["start"] = chain(n)
    fat += [free] * (fat_sectors * 128 - len(fat))

    def record(entry: dict) -> bytes:
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        child = entry["kids"][0] if entry["kids"] else none
        size = entry.get("size", len(entry.get("data", b"")))
        return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), entry["type"], 1)
                + struct.pack("<III", none, entry.get("right", none), child) + bytes(36)
                + struct.pack("<IQ", entry.get("start", end if entry["type"] != 1 else 0),
                              size if entry["type"] != 1 else 0))

    for entry in entries:  # siblings are linked before any is written
        kids = entry["kids"]
        for a, b in zip(kids, kids[1:], strict=False):
            entries[a]["right"] = b
    directory = b"".join(record(e) for e in entries).ljust(dir_sectors * 512, b"\0")
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIII", 0, fat_sectors, first_dir, 0)
              + struct.pack("<IIIII", 4096, first_minifat, minifat_sectors, end, 0)
              + struct.pack("<109I", *difat))
    out = header + struct.pack(f"<{len(fat)}I", *fat) + directory
    if minifat_sectors:
        out += struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_sectors * 512, b"\xff")
    out += bytes(mini).ljust(mini_sectors * 512, b"\0")
    for entry, n in zip(big, big_sectors, strict=True):
        out += entry["data"].ljust(n * 512, b"\0")
    return out


def make_emf(rows: Sequence[Sequence[str]], glyph_numbers: bool = False) -> bytes:
    """An EMF picture as Excel's "Copy as Picture" draws a range ([MS-EMF]): a header record,
    a text record (EMR_EXTTEXTOUTW) a cell, the cells of a row on one baseline, and the end
    record; `glyph_numbers`: its strings are a font's glyph numbers (ETO_GLYPH_INDEX), as some
    printers' drivers draw text."""
    records = b""
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            utf16 = cell.encode("utf-16-le")
            utf16 += bytes(-len(utf16) % 4)
            size = 76 + len(utf16) + 4 * len(cell)
            records += (struct.pack("<II4iIff", 84, size, 0, 0, 100, 20, 1, 1.0, 1.0)
                        + struct.pack("<iiIII", 10 + 120 * c, 20 + 18 * r, len(cell), 76,
                                      0x10 if glyph_numbers else 0)
                        + bytes(16) + struct.pack("<I", 76 + len(utf16)) + utf16
                        + struct.pack(f"<{len(cell)}I", *([7] * len(cell))))
    end = struct.pack("<IIIII", 14, 20, 0, 16, 20)
    total = 88 + len(records) + len(end)
    header = (struct.pack("<II4i4i", 1, 88, 0, 0, 500, 200, 0, 0, 13000, 5000)
              + b" EMF" + struct.pack("<III", 0x10000, total, 3 + len(rows)) + bytes(16)
              + struct.pack("<4i", 1920, 1080, 508, 286))
    return header + records + end


def make_zip(members: dict[str, bytes | str]) -> bytes:
    return _zip(members)


def make_encrypted_zip(members: dict[str, bytes]) -> bytes:
    """A ZIP whose members carry the 'encrypted' flag, as password-protected archives do.

    zipfile cannot encrypt, so the flag bit is set in each local and central header.
    """
    data = bytearray(_zip(dict(members)))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(signature, start)) >= 0:
            data[i + flag_at] |= 0x1
            start = i + 4
    return bytes(data)


def make_zip_bomb(expanded: int = 64 * 1024 * 1024) -> bytes:
    """One member of zeros: ~1000:1 compression, the shape of a decompression bomb."""
    buf = io.BytesIO()
    with (zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("payload.txt", "w", force_zip64=True) as fh):
        chunk = b"\0" * (1 << 20)
        for _ in range(expanded // len(chunk)):
            fh.write(chunk)
    return buf.getvalue()


def make_entity_docx() -> bytes:
    """A DOCX whose XML declares entities (the 'billion laughs' shape)."""
    doctype = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    doc = (f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{_W}"><w:body>'
           "<w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>")
    return _zip({"[Content_Types].xml": _CT, "word/document.xml": doc})


def make_encrypted_office() -> bytes:
    """The outline of a password-protected .docx: an OLE file with an EncryptedPackage stream."""
    from dlpgate.parse.office import OLE_MAGIC

    return OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024


XlsCell = str | int | float | datetime.date | None


def make_xls(sheets: dict[str, list[list[XlsCell]]], dates_1904: bool = False,
             printed: tuple[str, str] = ("&P", "&F")) -> bytes:
    """A legacy Excel workbook (.xls) as Excel 2003 saved them, written by xlwt (a writer of
    its own, not the reader under test): numbers as numbers, dates as date-formatted day
    counts, counted from 1904 when saved on a Mac. `printed`: every sheet's page header and
    footer, with Excel's codes (xlwt's default: the page number, the file's name)."""
    import xlwt

    book = xlwt.Workbook()
    book.set_dates_1904(dates_1904)
    as_date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        # past xlwt's setters, which fail on a str under Python 3 (and decode bytes as ASCII);
        # its record writer takes a str as it is
        sheet._Worksheet__header_str, sheet._Worksheet__footer_str = printed
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write(r, c, value, as_date)
                elif value is not None:
                    sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypt_xls(data: bytes) -> bytes:
    """The workbook as Excel saves it with a password to open: a FILEPASS record (RC4) after
    the workbook's first record, the cells after it ciphertext (left as they were here: a
    reader must stop at the record, not read on)."""
    import struct

    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = ole.openstream("Workbook").read()
    first = 4 + struct.unpack_from("<H", stream, 2)[0]
    filepass = struct.pack("<HHHHH", 0x002F, 54, 1, 1, 2) + bytes(48)
    return _compound_file([("Workbook", stream[:first] + filepass + stream[first:])])


# Identifiers, generated with their check digits, valid or deliberately not.

def make_doc(paragraphs: Sequence[str], tables: Sequence[list[list[str]]] = (), *,
             header: str = "", footer: str = "", footnotes: Sequence[str] = (),
             comments: Sequence[str] = (), compressed: bool = True, fast_saved: bool = False,
             table_stream: str = "1Table") -> bytes:
    """A legacy Word document (.doc) as Word 97-2003 saves one ([MS-DOC]): a compound file
    with a WordDocument stream (the File Information Block, the text, its paragraph
    properties in 512-byte pages) and a table stream (the piece table, where those pages
    are, where the headers and notes begin). `paragraphs` may hold Word's own marks (a field
    is "\x13instruction\x14result\x15"); `tables` follow them, a cell's lines ("\n") its
    paragraphs. `compressed`: text a byte a character (cp1252) where it fits, else UTF-16.
    `fast_saved`: the text in pieces kept in the stream in reverse order, as Word's fast save
    appends each edit, so only the piece table puts it in order. Footnotes and comments are
    referenced from the end of the first paragraph."""
    refs = "\x02" * len(footnotes) + "\x05" * len(comments)
    main = [_DocParagraph(p + (refs if n == 0 else "")) for n, p in enumerate(paragraphs)]
    for table in tables:
        for row in table:
            for cell in row:
                lines = cell.split("\n")
                main += [_DocParagraph(line, in_table=True) for line in lines[:-1]]
                main.append(_DocParagraph(lines[-1], in_table=True, end="\x07"))
            main.append(_DocParagraph("", in_table=True, end="\x07", columns=len(row)))
    if tables or not main:
        main.append(_DocParagraph(""))
    headers, header_cps = _header_story(header, footer)
    stories = [main, [_DocParagraph("\x02 " + f) for f in footnotes], headers,
               [_DocParagraph("\x05" + c) for c in comments]]
    counts = [sum(p.size for p in story) for story in stories]
    text = "".join(p.text + p.end for p in main)
    plcs: dict[int, bytes] = {}
    if footnotes:  # where each is referenced (an FRD each, its number) and where it begins
        plcs[2] = _plc(_refs(text, "\x02") + [counts[0]], struct.pack(
            f"<{len(footnotes)}h", *range(1, len(footnotes) + 1)))
        plcs[3] = _plc(_starts(stories[1]))
    if headers:
        plcs[11] = _plc(header_cps)
    if fields := _fields(text):  # each field mark of the main text (PlcFld: FLDs)
        plcs[16] = _plc([at for at, _ in fields] + [counts[0]], b"".join(f for _, f in fields))
    if comments:  # where each is referenced (an ATRD each: initials, no author) and begins
        atrd = struct.pack("<H9H", 1, ord("W"), *[0] * 8) + struct.pack("<hHHi", 0, 0, 0, -1)
        plcs[4] = _plc(_refs(text, "\x05") + [counts[0]], atrd * len(comments))
        plcs[5] = _plc(_starts(stories[3]))
    runs = [p for story in stories for p in story]
    if any(stories[1:]):  # Word ends the last story with one more paragraph mark
        runs.append(_DocParagraph(""))
    return _doc_file(runs, counts, plcs, compressed, fast_saved, table_stream)


@dataclass
class _DocParagraph:
    text: str
    in_table: bool = False
    end: str = "\r"
    columns: int = 0  # a row's end: its cells' count (sprmTDefTable)

    @property
    def size(self) -> int:
        return len(self.text) + 1

    def grpprl(self) -> bytes:
        """Its properties: style 0, then in a table (sprmPFInTable), a row's end (sprmPFTtp)
        with the row's columns laid out (sprmTDefTable)."""
        out = b"\0\0"
        if self.in_table:
            out += struct.pack("<HB", 0x2416, 1)
        if self.columns:
            layout = struct.pack("<B", self.columns) + struct.pack(
                f"<{self.columns + 1}h", *range(0, 1440 * (self.columns + 1), 1440)) \
                + bytes(20 * self.columns)
            out += struct.pack("<HB", 0x2417, 1) + struct.pack("<HH", 0xD608, len(layout) + 1) \
                + layout
        return out


def _header_story(header: str, footer: str) -> tuple[list[_DocParagraph], list[int]]:
    """The header document and where its stories begin (Plcfhdd): six note separators (empty
    here), then the section's even header, odd header, even footer, odd footer, first-page
    header and footer, each story not empty ending with a guard paragraph mark of its own;
    then the document's last mark, and an undefined last CP."""
    if not header and not footer:
        return [], []
    paragraphs: list[_DocParagraph] = []
    cps, at = [0] * 6, 0
    for text in ("", header, "", footer, "", ""):
        cps.append(at)
        if text:
            paragraphs += [_DocParagraph(text), _DocParagraph("")]
            at += len(text) + 2
    paragraphs.append(_DocParagraph(""))
    return paragraphs, cps + [at, at + 1]


# field types by the instruction's first word (flt); 0 for one Word would not know
_FIELD_TYPES = {"PAGE": 33, "DATE": 31, "MERGEFIELD": 59, "HYPERLINK": 88, "FORMTEXT": 70}


def _fields(text: str) -> list[tuple[int, bytes]]:
    """Where each field begins, separates and ends, with its FLD: the field's type at its
    begin, and whether it had a separator at its end (fHasSep)."""
    out: list[tuple[int, bytes]] = []
    kinds: list[int] = []
    separated: list[bool] = []
    for at, ch in enumerate(text):
        if ch == "\x13":
            word = text[at + 1:].split(maxsplit=1)[0].strip("\x14\x15")
            out.append((at, bytes([0x13, _FIELD_TYPES.get(word.upper(), 0)])))
            kinds.append(at)
            separated.append(False)
        elif ch == "\x14" and kinds:
            out.append((at, b"\x14\xff"))
            separated[-1] = True
        elif ch == "\x15" and kinds:
            kinds.pop()
            out.append((at, bytes([0x15, 0x80 if separated.pop() else 0])))
    return out


def _refs(text: str, mark: str) -> list[int]:
    return [n for n, ch in enumerate(text) if ch == mark]


def _starts(story: list[_DocParagraph]) -> list[int]:
    """Where each note begins, its end, and one past it (a PLC's last CP)."""
    starts = list(itertools.accumulate([0] + [p.size for p in story]))
    return starts + [starts[-1] + 1]


def _plc(cps: list[int], data: bytes = b"") -> bytes:
    return struct.pack(f"<{len(cps)}i", *cps) + data


def _doc_file(runs: list[_DocParagraph], counts: list[int], plcs: dict[int, bytes],
              compressed: bool, fast_saved: bool, table_stream: str) -> bytes:
    """The compound file: the text in pieces, its paragraph pages, the table stream."""
    texts = [p.text + p.end for p in runs]
    pieces = [texts] if not fast_saved else [texts[:len(texts) // 2], texts[len(texts) // 2:]]
    pieces = [piece for piece in pieces if piece]
    text_at = 1024
    body = bytearray()
    placed: list[tuple[int, bool]] = []  # each piece's offset and whether compressed
    for piece in reversed(pieces) if fast_saved else pieces:
        chars = "".join(piece)
        narrow = compressed and _fits_cp1252(chars)
        placed.append((text_at + len(body), narrow))
        body += chars.encode("cp1252") if narrow else chars.encode("utf-16-le")
    if fast_saved:
        placed.reverse()
    paragraphs: list[tuple[int, int, bytes]] = []  # each paragraph's bytes and properties
    cps, pcds = [0], b""
    runs_left = iter(runs)
    for piece, (offset, narrow) in zip(pieces, placed, strict=True):
        width = 1 if narrow else 2
        pcds += struct.pack("<HIH", 0, offset * 2 | 0x40000000 if narrow else offset, 0)
        for text in piece:
            paragraphs.append((offset, offset + len(text) * width, next(runs_left).grpprl()))
            offset += len(text) * width
        cps.append(cps[-1] + sum(map(len, piece)))
    first_page = -(-(text_at + len(body)) // 512)
    pages, bte = _papx_pages(sorted(paragraphs), first_page + 1)
    # one run of default character properties over all the text, on the page before them
    chpx = bytearray(512)
    struct.pack_into("<II", chpx, 0, text_at, text_at + len(body))
    chpx[511] = 1
    word = bytearray(text_at) + body
    word[_SEPX_AT:_SEPX_AT + 5] = struct.pack("<hHB", 3, 0x3009, 2)  # the section: new page
    word += bytes(first_page * 512 - len(word)) + chpx + pages
    word += bytes(max(0, 4096 - len(word)))  # past the mini stream, as Word's always is
    plcs |= {33: b"\x02" + struct.pack("<I", len(pcds) + 4 * len(cps)) + _plc(cps) + pcds,
             13: bte, 12: struct.pack("<III", text_at, text_at + len(body), first_page),
             1: _DOC_STYLES, 15: _DOC_FONTS,
             6: _plc([0, counts[0]], struct.pack("<HIHI", 0, _SEPX_AT, 0, 0xFFFFFFFF))}
    table, where = bytearray(), {}
    for index, data in sorted(plcs.items()):
        where[index] = (len(table), len(data))
        table += data
    fib = _fib(counts, where, fast_saved, table_stream == "1Table", text_at,
               text_at + len(body), len(word))
    word[:len(fib)] = fib
    return _compound_file([("WordDocument", bytes(word)), (table_stream, bytes(table))])


_SEPX_AT = 960  # the one section's properties, between the FIB and the text
# The stylesheet (STSH): its header (Stshif, one style), then "Normal", a paragraph style
# based on none, with no paragraph or character properties of its own
_NORMAL = (struct.pack("<HHHHH", 0, 0xFFF1, 0x0002, 0, 0) + struct.pack("<H6sH", 6, "Normal"
           .encode("utf-16-le"), 0) + struct.pack("<HH", 2, 0) + struct.pack("<H", 0))
_DOC_STYLES = (struct.pack("<H9H", 18, 1, 10, 1, 0x5B, 15, 0, 0, 0, 0)
               + struct.pack("<H", len(_NORMAL)) + _NORMAL)
# The font table (SttbfFfn): one FFN, Times New Roman, TrueType, roman, 400 weight
_FFN = (struct.pack("<BHBB", 0x16, 400, 0, 0) + bytes(34)
        + "Times New Roman".encode("utf-16-le") + b"\0\0")
_DOC_FONTS = struct.pack("<HHB", 1, 0, len(_FFN)) + _FFN


def _fits_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _papx_pages(paragraphs: list[tuple[int, int, bytes]], first: int) -> tuple[bytes, bytes]:
    """The paragraphs' properties in formatted disk pages (PapxFkp), as many to a page as fit,
    and the bin table (PlcBtePapx) saying which page holds which bytes."""
    pages, starts, numbers = [], [], []
    n = 0
    while n < len(paragraphs):
        chunk = paragraphs[n:n + 29]
        while True:  # fewer on the page until their properties fit
            papx = [_papx_in_fkp(g) for _, _, g in chunk]
            if 4 * (len(chunk) + 1) + 13 * len(chunk) + sum(map(len, papx)) <= 511:
                break
            chunk = chunk[:-1]
        page = bytearray(512)
        struct.pack_into(f"<{len(chunk) + 1}I", page, 0, *[s for s, _, _ in chunk],
                         chunk[-1][1])
        at = 511
        for k, blob in enumerate(papx):
            at = (at - len(blob)) & ~1
            page[at:at + len(blob)] = blob
            page[4 * (len(chunk) + 1) + 13 * k] = at // 2
        page[511] = len(chunk)
        starts.append(chunk[0][0])
        numbers.append(first + len(pages))
        pages.append(bytes(page))
        n += len(chunk)
    bte = struct.pack(f"<{len(starts) + 1}I", *starts, paragraphs[-1][1]) \
        + struct.pack(f"<{len(numbers)}I", *numbers)
    return b"".join(pages), bte


def _papx_in_fkp(grpprl: bytes) -> bytes:
    """cb then the style and sprms: 2cb - 1 bytes long when odd, else cb 0 and 2cb'."""
    if len(grpprl) % 2:
        return struct.pack("<B", (len(grpprl) + 1) // 2) + grpprl
    return struct.pack("<BB", 0, len(grpprl) // 2) + grpprl


def _fib(counts: list[int], where: dict[int, tuple[int, int]], complex_: bool,
         one_table: bool, text_at: int, text_end: int, size: int) -> bytes:
    """The File Information Block of Word 97 (nFib 0xC1): FibBase, 14 words, 22 longs (the
    stories' character counts among them), 93 offset and size pairs, no newer parts."""
    flags = 0x1000 | (0x0004 if complex_ else 0) | (0x0200 if one_table else 0)  # fExtChar
    base = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0xC1, 0, 0x0809, 0, flags, 0xBF, 0, 0, 0,
                       0, 0, text_at, text_end)
    longs = [size, 0, 0, *counts[:3], 0, counts[3], 0, 0, 0] + [0] * 11
    pairs = [0] * 186
    for index, (fc, lcb) in where.items():
        pairs[2 * index:2 * index + 2] = [fc, lcb]
    return (base + struct.pack("<H14H", 14, *[0] * 14) + struct.pack("<H22i", 22, *longs)
            + struct.pack("<H186I", 93, *pairs) + struct.pack("<H", 0))


def nhs_number(rng, valid: bool = True, sep: str = " ") -> str:
    from stdnum.gb import nhs

    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        total = sum(d * (10 - i) for i, d in enumerate(digits))
        check = (11 - total % 11) % 11
        if check == 10:
            continue
        if not valid:
            check = (check + rng.randrange(1, 10)) % 10
            if nhs.is_valid("".join(map(str, digits)) + str(check)):
                continue
        s = "".join(map(str, digits)) + str(check)
        return f"{s[:3]}{sep}{s[3:6]}{sep}{s[6:]}"


def nino(rng, valid: bool = True) -> str:
    first, second = "ABCEGHJKLMNPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = rng.choice(first) + rng.choice(second)
        if valid != (prefix in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}):
            break
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    return f"{prefix}{digits[:2]} {digits[2:4]} {digits[4:]} {rng.choice('ABCD')}"


def upn(rng, valid: bool = True) -> str:
    from stdnum.gb import upn as stdupn

    la = rng.choice([201, 202, 330, 336, 380, 383, 800, 801, 873, 926, 936, 938])
    body = f"{la:03d}{rng.randrange(1000, 9999)}{rng.randrange(10, 26)}{rng.randrange(0, 999):03d}"
    check = stdupn.calc_check_digit(body)
    if not valid:
        alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
        check = alphabet[(alphabet.index(check) + rng.randrange(1, 22)) % 23]
    code = check + body
    assert stdupn.is_valid(code) == valid
    return code


def postcode(rng) -> str:
    area = rng.choice(["LS", "M", "B", "SW", "NE", "CF", "EH", "BS", "L", "S", "YO", "CB"])
    return f"{area}{rng.randrange(1, 20)} {rng.randrange(1, 10)}" \
           f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def mobile(rng, international: bool = False) -> str:
    import phonenumbers

    while True:
        n = f"07{rng.choice('1234589')}{rng.randrange(10**7, 10**8)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(n, "GB")):
            break
    return f"+44 {n[1:5]} {n[5:]}" if international else f"{n[:5]} {n[5:]}"


def landline(rng) -> str:
    import phonenumbers

    while True:
        area = rng.choice(["0113", "0121", "0161", "0114", "0117", "0131", "0151"])
        n = f"{area}{rng.randrange(2000000, 9999999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(n, "GB")):
            return f"{n[:4]} {n[4:7]} {n[7:]}"


def slip(text: str, rng) -> str:
    """One typing slip: a transposition, a dropped, doubled or changed letter."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    for _ in range(50):
        i = rng.choice(letters)
        kind = rng.randrange(4)
        if kind == 0 and i + 1 < len(text) and text[i + 1].isalpha() and text[i] != text[i + 1]:
            out = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif kind == 1:
            out = text[:i] + text[i + 1:]
        elif kind == 2:
            out = text[:i] + text[i] + text[i:]
        else:
            out = text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1:]
        if out != text and out[0] not in ".-_" and out[-1] not in ".-_" and ".." not in out:
            return out
    return text + "e"


def openssl_available() -> bool:
    import shutil

    return shutil.which("openssl") is not None


def _signer() -> tuple[str, str]:
    """A throwaway key and self-signed certificate, made once a process (tests of S/MIME)."""
    global _SIGNER
    if _SIGNER is None:
        import atexit
        import shutil
        import subprocess
        import tempfile

        tmp = tempfile.mkdtemp(prefix="dlpgate-signer-")
        atexit.register(shutil.rmtree, tmp, True)
        key, cert = f"{tmp}/key.pem", f"{tmp}/cert.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "30", "-subj", "/CN=Alice Jones"],
                       check=True, capture_output=True)
        _SIGNER = (key, cert)
    return _SIGNER


_SIGNER: tuple[str, str] | None = None


def make_signed(entity: bytes, outform: str = "SMIME", stream: bool = False) -> bytes:
    """`entity` (a MIME entity: headers, an empty line, a body) signed opaquely, as
    `openssl smime -sign -nodetach` does it: with outform "SMIME" the message part it writes
    (application/x-pkcs7-mime; smime-type=signed-data, smime.p7m, in base64), with "DER" the
    CMS bytes alone. `stream` writes BER, as Outlook does: indefinite lengths, and the content
    as an OCTET STRING in 4 KB pieces. Needs the openssl program."""
    import subprocess

    key, cert = _signer()
    return subprocess.run(["openssl", "smime", "-sign", "-nodetach", "-binary", "-signer",
                           cert, "-inkey", key, "-outform", outform,
                           *(["-stream"] if stream else [])],
                          input=entity, check=True, capture_output=True).stdout


def make_enveloped(entity: bytes) -> bytes:
    """`entity` encrypted for the throwaway certificate (`openssl cms -encrypt`), DER."""
    import subprocess

    _key, cert = _signer()
    return subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-outform", "DER", cert],
                          input=entity, check=True, capture_output=True).stdout
