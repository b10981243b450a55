"""An Office file's parts are found by what they are, and the files and pictures inside it are
read as attached ones are."""

from __future__ import annotations

import io
import zipfile

import pytest

from dlpgate import testdata, testpictures
from dlpgate.config import Limits, Ocr
from dlpgate.parse import ocr, package
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

needs_ocr = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

SECRET = "Amy Reid NHS number 943 476 5919"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
OFFICE = "application/vnd.openxmlformats-officedocument."
WORD_BODY = OFFICE + "wordprocessingml.document.main+xml"
SHEET = OFFICE + "spreadsheetml.worksheet+xml"


def office_file(members: dict[str, tuple[str | None, bytes | str]]) -> bytes:
    """A package as Office writes one: every part's content type declared, by an Override
    for the XML parts and by extension for pictures."""
    overrides = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>'
                        for name, (kind, _) in members.items() if kind)
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="png" ContentType="image/png"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Default Extension="xlsx" ContentType="{OFFICE}spreadsheetml.sheet"/>'
             f"{overrides}</Types>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        for name, (_, data) in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def word(text: str, extra: str = "") -> str:
    return (f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>{text}'
            f"</w:t></w:r></w:p>{extra}</w:body></w:document>")


def sheet(*cells: str) -> str:
    row = "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells)
    return f'<?xml version="1.0"?><worksheet xmlns="{S}"><sheetData><row>{row}</row>' \
           "</sheetData></worksheet>"


def read(name: str, data: bytes, settings: Ocr | None = None):
    got = parse(make_message(to=("x@gmail.com",), body="Attached.",
                             attachments=((name, "application/octet-stream", data),)),
                None, Limits(), settings or Ocr())
    return {p.name: p for p in got.parts}, [(p.kind, p.part, p.detail) for p in got.problems]


def test_content_types_come_from_an_override_by_name_then_a_default_by_extension():
    root = zipfile.ZipFile(io.BytesIO(office_file({"word/Document2.xml": (WORD_BODY, "")})))
    from dlpgate.parse import office

    kinds = office.types(root, root.read)
    assert kinds["word/Document2.xml"] == WORD_BODY
    assert package.content_types(None, ["a/b.png"]) == {"a/b.png": ""}
    assert package.parts(kinds, package.WORD_BODY) == ["word/Document2.xml"]


def test_a_word_body_saved_as_document2_is_read_by_the_type_it_declares():
    # Word for the web saves its body so; a fixed name left the whole letter unread
    data = office_file({"word/document2.xml": (WORD_BODY, word(SECRET))})
    parts, problems = read("letter.docx", data)
    assert SECRET in parts["letter.docx"].text and problems == []


def test_a_part_declared_as_plain_xml_is_read_by_its_usual_name():
    # openpyxl writes a sheet's notes under xl/comments/, declared as nothing in particular
    notes = (f'<?xml version="1.0"?><comments xmlns="{S}"><commentList><comment ref="A1">'
             f"<text><r><t>{SECRET}</t></r></text></comment></commentList></comments>")
    data = office_file({"xl/worksheets/sheet1.xml": (SHEET, sheet("Name")),
                        "xl/comments/comment1.xml": (None, notes)})
    parts, _ = read("list.xlsx", data)
    assert SECRET in parts["list.xlsx"].text


def test_a_pivot_caches_copy_of_the_rows_is_read_under_its_field_names():
    # Excel keeps every source row in the cache, after the sheet they came from is deleted
    definition = (f'<?xml version="1.0"?><pivotCacheDefinition xmlns="{S}"><cacheFields>'
                  '<cacheField name="Child"><sharedItems><s v="Amy Reid"/><s v="Leo Turner"/>'
                  '</sharedItems></cacheField><cacheField name="NHS number"><sharedItems/>'
                  "</cacheField></cacheFields></pivotCacheDefinition>")
    records = (f'<?xml version="1.0"?><pivotCacheRecords xmlns="{S}">'
               '<r><x v="0"/><s v="943 476 5919"/></r><r><x v="1"/><s v="401 023 2137"/></r>'
               "</pivotCacheRecords>")
    data = office_file({
        "xl/worksheets/sheet1.xml": (SHEET, sheet("Total", "2")),
        "xl/pivotCache/pivotCacheDefinition1.xml": (
            OFFICE + "spreadsheetml.pivotCacheDefinition+xml", definition),
        "xl/pivotCache/pivotCacheRecords1.xml": (
            OFFICE + "spreadsheetml.pivotCacheRecords+xml", records)})
    text = read("summary.xlsx", data)[0]["summary.xlsx"].text
    assert "Child: Amy Reid" in text and "NHS number: 943 476 5919" in text
    assert "Child: Leo Turner" in text


def test_threaded_comments_page_headers_and_drawn_text_of_a_workbook_are_read():
    threaded = ('<?xml version="1.0"?><ThreadedComments xmlns="urn:tc"><threadedComment '
                f'ref="A1"><text>Mum says {SECRET}</text></threadedComment></ThreadedComments>')
    printed = sheet("Name").replace(
        "</worksheet>", "<headerFooter><oddHeader>&amp;L&amp;\"Arial,Bold\"Looked-after: "
                        "Leo Turner&amp;RPage &amp;P</oddHeader></headerFooter></worksheet>")
    box = (f'<?xml version="1.0"?><xdr:wsDr xmlns:xdr="urn:xdr" xmlns:a="{A}"><a:p><a:r>'
           "<a:t>Chart: Callum Reid's visits</a:t></a:r></a:p></xdr:wsDr>")
    data = office_file({
        "xl/worksheets/sheet1.xml": (SHEET, printed),
        "xl/threadedComments/threadedComment1.xml": (
            "application/vnd.ms-excel.threadedcomments+xml", threaded),
        "xl/drawings/drawing1.xml": (OFFICE + "drawing+xml", box)})
    text = read("list.xlsx", data)[0]["list.xlsx"].text
    assert f"Mum says {SECRET}" in text and "Looked-after: Leo Turner Page" in text
    assert "Callum Reid's visits" in text


def test_slide_comments_old_and_new_and_a_masters_footer_are_read():
    slide = OFFICE + "presentationml.slide+xml"
    old = f'<?xml version="1.0"?><p:cmLst xmlns:p="urn:p"><p:cm><p:text>{SECRET}</p:text>' \
          "</p:cm></p:cmLst>"
    new = (f'<?xml version="1.0"?><p188:cmLst xmlns:p188="urn:p188" xmlns:a="{A}"><p188:cm>'
           "<p188:txBody><a:p><a:r><a:t>Leo Turner DOB 04/05/2016</a:t></a:r></a:p>"
           "</p188:txBody></p188:cm></p188:cmLst>")
    master = (f'<?xml version="1.0"?><p:sldMaster xmlns:p="urn:p" xmlns:a="{A}"><a:p><a:r>'
              "<a:t>Conference: Callum Reid</a:t></a:r></a:p></p:sldMaster>")
    data = office_file({
        "ppt/slides/slide1.xml": (slide, f'<p:sld xmlns:p="urn:p" xmlns:a="{A}"/>'),
        "ppt/comments/comment1.xml": (OFFICE + "presentationml.comments+xml", old),
        "ppt/comments/modernComment_1.xml": ("application/vnd.ms-powerpoint.comments+xml", new),
        "ppt/slideMasters/slideMaster1.xml": (OFFICE + "presentationml.slideMaster+xml",
                                              master)})
    text = read("conference.pptx", data)[0]["conference.pptx"].text
    assert SECRET in text and "Leo Turner DOB 04/05/2016" in text
    assert "Conference: Callum Reid" in text


def test_custom_properties_and_a_pictures_alt_text_are_read():
    custom = ('<?xml version="1.0"?><Properties xmlns="urn:cp" xmlns:vt="urn:vt">'
              '<property name="ClientName"><vt:lpwstr>Amy Reid</vt:lpwstr></property>'
              '<property name="Blank"><vt:lpwstr/></property></Properties>')
    picture = '<w:p><w:r><w:drawing><wp:docPr xmlns:wp="urn:wp" id="1" name="Picture 1" ' \
              'descr="Leo Turner at the contact centre"/></w:drawing></w:r></w:p>'
    data = office_file({"word/document.xml": (WORD_BODY, word("Letter", picture)),
                        "docProps/custom.xml": (OFFICE + "custom-properties+xml", custom)})
    text = read("letter.docx", data)[0]["letter.docx"].text
    assert "ClientName: Amy Reid" in text and "Blank" not in text
    assert "Leo Turner at the contact centre" in text


def test_a_workbook_embedded_in_a_document_is_read_as_a_file_inside_it():
    inner = testdata.make_xlsx([["Name", "NHS number"], ["Amy Reid", "943 476 5919"]])
    data = office_file({"word/document.xml": (WORD_BODY, word("See the table below.")),
                        "word/embeddings/Microsoft_Excel_Worksheet.xlsx": (None, inner)})
    parts, problems = read("report.docx", data)
    assert "NHS number: 943 476 5919" in parts[
        "report.docx/Microsoft_Excel_Worksheet.xlsx"].text
    assert problems == []


def test_an_html_chunk_word_imports_whole_is_read():
    # a case system writes its referral as HTML and has Word import it (altChunk)
    data = office_file({"word/document.xml": (WORD_BODY, word("Referral")),
                        "word/afchunk1.htm": ("text/html", f"<p><b>{SECRET}</b></p>")})
    assert SECRET in read("referral.docx", data)[0]["referral.docx/afchunk1.htm"].text


def test_documents_inside_documents_stop_at_the_depth_limit():
    data = office_file({"word/document.xml": (WORD_BODY, word(SECRET))})
    for _ in range(Limits().max_depth + 2):
        data = office_file({"word/document.xml": (WORD_BODY, word("Cover")),
                            "word/embeddings/inner.docx": (None, data)})
    parts, problems = read("nest.docx", data)
    assert any(kind == "unscannable" and detail.startswith("files nested deeper than")
               for kind, _, detail in problems)


def test_an_odf_documents_embedded_object_is_read():
    data = testdata.make_odt(["Report"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    content = members["content.xml"].decode().replace("<text:p>Report</text:p>",
                                                       f"<text:p>{SECRET}</text:p>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", members["mimetype"])
        zf.writestr("content.xml", members["content.xml"])
        zf.writestr("Object 1/content.xml", content)
    assert SECRET in read("report.odt", buf.getvalue())[0]["report.odt"].text


@needs_ocr
def test_a_screenshot_pasted_into_a_word_document_is_read_once_as_part_of_it():
    shot = testdata.screenshot_of([("Name", "NHS number"), ("Amy Reid", "943 476 5919"),
                                   *[(f"Child {c}", "") for c in "ABCDEFGH"]])
    data = office_file({"word/document.xml": (WORD_BODY, word("The list, as it showed:")),
                        "word/media/image1.png": (None, shot),
                        "word/media/image2.png": (None, shot)})  # the same picture again
    parts, problems = read("list.docx", data)
    picture = parts["list.docx/image1.png"]
    assert "943 476 5919" in picture.text and picture.is_attachment
    assert "list.docx/image2.png" not in parts and problems == []


@needs_ocr
def test_a_photographed_screen_after_a_reports_photographs_is_read_and_the_photographs_said():
    # an inspection report's photographs of damp walls took the message's OCR allowance, and
    # the screen photographed after them went out unread
    walls = [testpictures.photo(n, kind, (1600, 1200)).data
             for n, kind in enumerate(("damp wall", "garden", "carpet", "damp wall"))]
    screen = testpictures.text(4, "photographed screen")
    report = testpictures.report([*walls, screen.data])
    got = parse(make_message(to=("x@contractor.co.uk",), body="Attached.", attachments=(
        ("report.docx", "application/octet-stream", report),)), None, Limits(), Ocr(max_pages=2))
    texts = {p.name: p.text for p in got.parts if p.is_attachment}
    assert list(texts) == ["report.docx", "report.docx/image5.jpeg"]
    assert all(shown in texts["report.docx/image5.jpeg"] for shown in screen.shows[:3])
    assert got.problems == () and got.notes == (
        "4 photograph(s) not read: a first look found nothing like a line of text in them "
        "(scan.ocr.skip_photos)",)
    # before the look, two photographs were read, and the screen counted as not read
    before = parse(make_message(to=("x@contractor.co.uk",), body="Attached.", attachments=(
        ("report.docx", "application/octet-stream", report),)), None, Limits(),
        Ocr(max_pages=2, skip_photos=False))
    assert not any(p.name == "report.docx/image5.jpeg" for p in before.parts)
    assert before.notes == ("3 picture(s) inside attached documents not read: the message's "
                            "OCR (scan.ocr.max_pages, max_seconds) was spent before them",)


@needs_ocr
def test_a_documents_pictures_are_not_read_with_ocr_off():
    shot = testdata.screenshot_of([("Name", "NHS number"), ("Amy Reid", "943 476 5919")])
    data = office_file({"word/document.xml": (WORD_BODY, word("The list:")),
                        "word/media/image1.png": (None, shot)})
    parts, problems = read("list.docx", data, Ocr(enabled=False))
    assert "list.docx/image1.png" not in parts and problems == []


@needs_ocr
def test_pictures_past_the_messages_ocr_allowance_are_counted_not_made_a_problem():
    # a housing inspection report with thirty photographs was held as unreadable every time
    shots = [testdata.screenshot_of([("Room", "Note"), (f"Bedroom {n}", "damp on the wall"),
                                     *[(f"Wall {c}", "") for c in "ABCDEFGH"]])
             for n in (1, 2, 3)]
    data = office_file({"word/document.xml": (WORD_BODY, word("Inspection report")),
                        **{f"word/media/image{n}.png": (None, shot)
                           for n, shot in enumerate(shots, 1)}})
    got = parse(make_message(to=("x@contractor.co.uk",), body="Attached.", attachments=(
        ("report.docx", "application/octet-stream", data),)), None, Limits(), Ocr(max_pages=1))
    assert [p.name for p in got.parts if "image" in p.name] == ["report.docx/image1.png"]
    assert got.problems == () and got.notes == (
        "2 picture(s) inside attached documents not read: the message's OCR "
        "(scan.ocr.max_pages, max_seconds) was spent before them",)
    # a picture attached to the message itself, past the allowance, is still a problem
    again = parse(make_message(to=("x@contractor.co.uk",), body="Attached.", attachments=(
        ("report.docx", "application/octet-stream", data), ("wall.png", "image/png", shots[2]))),
        None, Limits(), Ocr(max_pages=1))
    assert [(p.kind, p.part) for p in again.problems] == [("unscannable", "wall.png")]
