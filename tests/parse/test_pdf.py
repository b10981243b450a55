"""A PDF is read as a reader sees it: its pages, tables labelled, its notes and its form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.config import Limits, Ocr, Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse import ocr, pdf
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SETTINGS = Settings()


def test_a_page_its_notes_and_its_form_are_read_in_that_order():
    data = testdata.make_pdf("Referral form", fields={"NHS number": "943 476 5919"},
                             notes=[("Text", "seen by the school nurse")])
    read = pdf.text(data)
    assert [line for line in read.text.splitlines() if line.strip()] == [
        "Referral form", "seen by the school nurse", "NHS number: 943 476 5919"]
    assert read.damage == []


def test_a_table_on_the_page_is_read_under_its_header_and_prose_as_it_was():
    rows = [["Child", "Date of birth", "NHS number"], ["Amy Reid", "04/05/2016", "943 476 5919"],
            ["Leo Barnes", "22/09/2016", "401 023 2137"]]
    text = pdf.text(testdata.make_pdf("", rows=rows)).text
    assert "Child: Leo Barnes; Date of birth: 22/09/2016; NHS number: 401 023 2137" in text
    prose = "We met on 04/05/2016 and again on 05/05/2016.\nThe plan was agreed."
    assert pdf.text(testdata.make_pdf(prose)).text.strip() == prose


def test_a_pdf_that_needs_a_password_is_encrypted_and_the_text_stops_past_the_limit():
    with pytest.raises(pdf.Encrypted):
        pdf.text(testdata.make_encrypted_pdf("NHS 943 476 5919"))
    text = pdf.text(testdata.make_pdf("\n".join(f"line {i} of the notes" for i in range(50))),
                    limit=100).text
    assert 100 < len(text) < 1200  # read past the limit only by the page it fell in


needs_ocr = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

PROSE = "\n".join(["The multi-agency panel met on Tuesday and agreed the actions below with",
                   "partners from health, education and the police. Each action has an owner",
                   "and a date, and the panel will look at them again when it meets next month.",
                   "Minutes of the meeting will be sent round to members within the week."])
CHILDREN = [["Child", "Date of birth", "NHS number"], ["Amy Reid", "04/05/2016", "943 476 5919"],
            ["Leo Barnes", "22/09/2016", "401 023 2137"], ["Mia Khan", "01/02/2017", "(none)"],
            ["Zoe Hart", "03/03/2015", "(none)"]]
PASTED = (50, 400, 480, 92)  # a screenshot between the margins, under the report's text


def grey(width: int, height: int, shade: int = 0xFF) -> bytes:
    """A picture of one grey `shade`, as `make_report_pdf` takes it (no program draws it)."""
    return f"P5\n{width} {height}\n255\n".encode() + bytes([shade]) * (width * height)


def read(data: bytes, settings: Ocr | None = None, *before: tuple[str, str, bytes]):
    files = (*before, ("report.pdf", "application/pdf", data))
    parsed = parse(make_message(attachments=files), None, Limits(), settings or Ocr())
    return ({p.name: p.text for p in parsed.parts if p.is_attachment},
            [(p.kind, p.part, p.detail) for p in parsed.problems])


def test_pictures_pasted_between_the_margins_of_pages_of_text_are_named_each_once():
    shot, logo, scan = grey(960, 184), grey(200, 100, 0x80), grey(1654, 2339, 0xF0)
    data = testdata.make_report_pdf(
        [PROSE, PROSE, PROSE, "Appendix B: the case list as it was on the day of the panel"],
        [[(shot, PASTED), (logo, (480, 780, 60, 30))],
         [(shot, PASTED), (logo, (480, 780, 60, 30))],  # the same screenshot again: read once
         [(scan, (0, 0, 595, 842))],  # drawn under its text layer: a searchable scan
         [(grey(700, 1000), (50, 100, 400, 560))]])  # a scan with its heading as text
    found = pdf.text(data, min_pixels=150_000).pictured
    assert [number for number, _ in found] == [1, 4]
    assert len(found[0][1]) == 1  # the screenshot, not the logo
    assert pdf.text(data).pictured == []  # not looked for where pictures are not read


@needs_ocr
def test_a_screenshot_pasted_into_a_page_of_text_is_read_as_a_part_of_its_own():
    # the page had text of its own, so its case list of NHS numbers went out unread
    data = testdata.make_report_pdf(
        [PROSE], [[(testdata.screenshot_of(CHILDREN, fmt="pgm"), PASTED)]])
    texts, problems = read(data)
    assert problems == []
    assert texts["report.pdf"].strip() == PROSE
    assert "943 476 5919" in texts["report.pdf/page 1 picture 1"]
    assert "Leo Barnes" in texts["report.pdf/page 1 picture 1"]


@needs_ocr
def test_a_logo_on_every_page_is_passed_over_and_a_banner_on_every_page_read_once_unsaid():
    banner = testdata.banner_of("Proud to support people living with dementia", fmt="pgm")
    logo = testdata.picture_of(testdata.make_pdf("Westshire Council"), 30, "pgm")
    letterhead = [(banner, (40, 790, 520, 48)), (logo, (480, 700, 80, 110))]
    shot = (testdata.screenshot_of(CHILDREN, fmt="pgm"), PASTED)
    data = testdata.make_report_pdf([PROSE] * 20, [letterhead] * 19 + [[*letterhead, shot]])
    texts, problems = read(data, Ocr(max_pages=2))  # the banner once, and the screenshot
    assert problems == [] and list(texts) == ["report.pdf", "report.pdf/page 20 picture 1"]
    assert "943 476 5919" in texts["report.pdf/page 20 picture 1"]
    assert "dementia" not in texts["report.pdf/page 20 picture 1"]


@needs_ocr
def test_pictures_past_the_messages_ocr_allowance_are_counted_in_its_notes_not_held():
    # a report's photographs, past the allowance, made every such report unreadable
    form = ("form.png", "image/png", testdata.screenshot_of(CHILDREN))
    data = testdata.make_report_pdf([PROSE], [[(testdata.screenshot_of(CHILDREN, fmt="pgm"),
                                                PASTED)]])
    files = (form, ("report.pdf", "application/pdf", data))
    parsed = parse(make_message(attachments=files), None, Limits(), Ocr(max_pages=1))
    texts = {p.name: p.text for p in parsed.parts if p.is_attachment}
    assert "943 476 5919" in texts["form.png"] and list(texts) == ["form.png", "report.pdf"]
    assert parsed.problems == () and parsed.notes == (
        "1 picture(s) inside attached documents not read: the message's OCR "
        "(scan.ocr.max_pages, max_seconds) was spent before them",)


def pdf_with(data: bytes, change) -> bytes:
    """`data` rewritten by pypdf after `change(writer)`: annotations, a form, an outline."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_comment_on_every_kind_of_mark_is_read_and_a_pop_ups_once_with_its_mark():
    # a highlight's comment naming a child went out unread: only notes and typed text were
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def annot(subtype: str, **entries) -> DictionaryObject:
        found = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                  NameObject("/Subtype"): NameObject(subtype)})
        found.update({NameObject(f"/{k}"): v for k, v in entries.items()})
        return found

    def marks(writer) -> None:
        box = writer._add_object(annot("/Square", Contents=TextStringObject("Mother: Sarah Doe")))
        popup = writer._add_object(annot("/Popup", Parent=box,
                                         Contents=TextStringObject("Mother: Sarah Doe")))
        box.get_object()[NameObject("/Popup")] = popup
        rich = annot("/Highlight", RC=TextStringObject(
            '<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml"><p>Brother: '
            '<span style="font-weight:bold">Leo Doe</span></p></body>'))
        alone = annot("/Popup", Contents=TextStringObject("Seen at home 04/05/2016"))
        writer.pages[0][NameObject("/Annots")].extend(
            [popup, box, writer._add_object(rich), writer._add_object(alone)])

    kinds = ["Highlight", "Underline", "StrikeOut", "Squiggly", "Square", "Circle", "Stamp",
             "Ink", "Line", "Polygon", "Caret"]
    data = pdf_with(testdata.make_pdf("Case review", notes=[(kind, f"{kind}: Amy Reid")
                                                            for kind in kinds]), marks)
    read = pdf.text(data)
    assert [line for line in read.text.splitlines() if line.strip()] == [
        "Case review", *[f"{kind}: Amy Reid" for kind in kinds], "Mother: Sarah Doe",
        "Brother: Leo Doe", "Seen at home 04/05/2016"]
    assert read.damage == []


def xfa_form(data: bytes, datasets: bytes, fields: dict[str, str] | None = None) -> bytes:
    """`data` made an XFA form whose typed values are `datasets` (the packet's XML)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    def form(writer) -> None:
        packet = DecodedStreamObject()
        packet.set_data(datasets)
        acroform = writer._root_object.get("/AcroForm")
        acroform = acroform.get_object() if acroform is not None else DictionaryObject(
            {NameObject("/Fields"): ArrayObject()})
        acroform[NameObject("/XFA")] = ArrayObject([TextStringObject("datasets"),
                                                    writer._add_object(packet)])
        writer._root_object[NameObject("/AcroForm")] = acroform

    return pdf_with(testdata.make_pdf("Please wait...", fields=fields), form)


XFA_DATA = (b'<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"><xfa:data>'
            b'<referral><child><ChildName>Amy Reid</ChildName><NHSNumber>943 476 5919'
            b'</NHSNumber></child><Reason>Attendance and\n   wellbeing</Reason></referral>'
            b'</xfa:data><dd:dataDescription xmlns:dd="http://ns.adobe.com/data-description/">'
            b'<referral><ChildName>Name of the child</ChildName></referral>'
            b'</dd:dataDescription></xfa:datasets>')


def test_an_xfa_forms_typed_values_are_read_from_its_data_each_once():
    # the page says "Please wait..."; the NHS number typed into the form is in its XML
    read = pdf.text(xfa_form(testdata.make_pdf("Please wait..."), XFA_DATA))
    assert read.text.splitlines()[-3:] == ["ChildName: Amy Reid", "NHSNumber: 943 476 5919",
                                           "Reason: Attendance and wellbeing"]
    assert read.damage == []
    both = pdf.text(xfa_form(testdata.make_pdf("Please wait..."), XFA_DATA,
                             fields={"NHS number": "943 476 5919"}))  # a form in both kinds
    assert both.text.count("943 476 5919") == 1 and "ChildName: Amy Reid" in both.text


def test_an_xfa_form_that_declares_entities_is_a_damaged_form_and_its_page_is_still_read():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "Amy Reid 943 476 5919">]>'
              b'<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"><xfa:data>'
              b'<n>&a;</n></xfa:data></xfa:datasets>')
    read = pdf.text(xfa_form(testdata.make_pdf("Please wait..."), laughs))
    assert read.text.strip() == "Please wait..."
    assert read.damage == ["damaged pdf form (EntitiesForbidden)"]


def test_a_pdfs_title_subject_keywords_and_bookmarks_are_read_after_its_pages():
    def describe(writer) -> None:
        writer.add_metadata({"/Title": "Referral: Amy Reid", "/Subject": "Child protection",
                             "/Keywords": "943 476 5919", "/Author": "J Smith"})
        chapter = writer.add_outline_item(title="Children in the family", page_number=0)
        writer.add_outline_item(title="Amy Reid (04/05/2016)", page_number=0, parent=chapter)
        writer.add_outline_item(title="Actions", page_number=0)

    text = pdf.text(pdf_with(testdata.make_pdf("Report"), describe)).text
    assert [line for line in text.splitlines() if line.strip()] == [
        "Report", "Title: Referral: Amy Reid; Subject: Child protection; Keywords: 943 476 5919",
        "Children in the family", "Amy Reid (04/05/2016)", "Actions"]


def test_where_its_links_go_and_its_dropdowns_choices_are_read_after_everything_else():
    # "the record" over a case system's address naming the child went out unread, and so did
    # a form's dropdown of the children on a plan, beside the one chosen
    data = testdata.make_pdf(
        "Referral", fields={"NHS number": "943 476 5919"}, notes=[("Text", "seen")],
        links=["https://mosaic.example.gov.uk/person?name=Amy%20Reid&nhs=9434765919",
               "mailto:amy.reid.family@gmail.com", "mailto:amy.reid.family@gmail.com"],
        choices={"Child": ["Leo Hart", "Amy Reid (943 476 5919)", "Leo Hart"]})
    lines = [line for line in pdf.text(data).text.splitlines() if line.strip()]
    assert lines == [
        "Referral", "seen", "NHS number: 943 476 5919", "Child: Leo Hart",
        "https://mosaic.example.gov.uk/person?name=Amy Reid&nhs=9434765919",
        "mailto:amy.reid.family@gmail.com", "Amy Reid (943 476 5919)"]
    plain = pdf.text(testdata.make_pdf("Referral", notes=[("Text", "seen")])).text
    assert plain.rstrip("\n").endswith("seen")  # nothing added where there is nothing to add


def test_bookmarks_that_point_back_at_each_other_are_read_once_and_end():
    from pypdf.generic import NameObject

    def loop(writer) -> None:
        first = writer.add_outline_item(title="Amy Reid", page_number=0)
        second = writer.add_outline_item(title="Leo Barnes", page_number=0)
        second.get_object()[NameObject("/Next")] = first  # and round again
        first.get_object()[NameObject("/First")] = first  # its own child

    read = pdf.text(pdf_with(testdata.make_pdf("Report"), loop))
    assert [line for line in read.text.splitlines() if line.strip()] == [
        "Report", "Amy Reid", "Leo Barnes"]


@needs_ocr
def test_a_crop_of_one_row_pasted_into_a_report_saved_as_pdf_is_read_and_a_logo_gives_nothing():
    # under min_pixels, as the crop was in the Word file it was saved from: it went unread
    row = testdata.screenshot_of([CHILDREN[1]], fmt="pgm")
    logo = testdata.banner_of("Westshire Council", 160, 60, scale=1, fmt="pgm")
    for png in (testdata.screenshot_of([CHILDREN[1]]),
                testdata.banner_of("Westshire Council", 160, 60, scale=1)):  # their sizes
        width, height = ocr.image_size(png)
        assert Ocr().crop_min_pixels <= width * height < Ocr().min_pixels
    data = testdata.make_report_pdf([PROSE, PROSE], [[(logo, (480, 780, 60, 30))],
                                                     [(row, (50, 400, 480, 28))]])
    texts, problems = read(data)
    assert problems == [] and texts["report.pdf"].strip().startswith(PROSE[:40])
    assert "943 476 5919" in texts["report.pdf/page 2 picture 1"]
    assert "report.pdf/page 1 picture 1" not in texts  # the logo: no number, no date


@needs_ocr
def test_a_page_of_small_pictures_past_half_the_allowance_is_not_taken_apart(monkeypatch):
    taken = []
    real = ocr.Reader.pictures
    monkeypatch.setattr(ocr.Reader, "pictures", lambda self, data, number, *a, **k: (
        taken.append(number), real(self, data, number, *a, **k))[1])
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1, fmt="pgm")
             for n in range(4)]
    data = testdata.make_report_pdf([PROSE] * 4, [[(logo, (480, 780, 60, 30))]
                                                  for logo in logos])
    parsed = parse(make_message(attachments=(("report.pdf", "application/pdf", data),)),
                   None, Limits(), Ocr(max_pages=4))
    assert taken == [1, 2] and parsed.problems == ()
    assert parsed.notes[0].startswith("2 small picture(s) not read")


LETTER = "Referral\nChild: Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015\n" \
    "Concerns: neglect"


def saved_again(data: bytes, edit) -> bytes:
    """`data` edited by `edit(writer)` and saved as Acrobat saves, by pypdf: an incremental
    update appended, the objects it replaced left where they were."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter(io.BytesIO(data), incremental=True)
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def over_typed(writer) -> None:
    """The child's line typed over, as someone "redacting" in an editor does."""
    from pypdf.generic import DecodedStreamObject

    page = DecodedStreamObject()
    page.set_data(b"BT /F1 11 Tf 14 TL 50 780 Td (Referral) Tj T* (Child: [removed]) Tj T* "
                  b"(Concerns: neglect) Tj T* ET")
    writer.pages[0].replace_contents(page)


def test_a_pdfs_earlier_revision_is_read_after_the_current_text_and_marked_so():
    # an edit saved by Acrobat keeps the text it replaced in the file that leaves
    edited = saved_again(testdata.make_pdf(LETTER), over_typed)
    assert edited.count(b"%%EOF") == 2
    msg = parse(make_message(attachments=(("letter.pdf", "application/pdf", edited),)))
    [text] = [p.text for p in msg.parts if p.name == "letter.pdf"]
    current, _, earlier = text.partition("Earlier revision 1 of 2 (replaced by a later save):")
    assert current.split() == ["Referral", "Child:", "[removed]", "Concerns:", "neglect"]
    assert earlier.strip() == "Child: Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015"
    found = PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
    assert ("UK_NHS", "943 476 5919") in {(f.entity, f.text) for f in found}
    assert msg.problems == ()


def test_a_forms_earlier_values_are_read_where_a_later_save_cleared_them():
    def cleared(writer) -> None:
        writer.update_page_form_field_values(writer.pages[0], {"NHS number": "not known"},
                                             auto_regenerate=False)

    edited = saved_again(testdata.make_pdf("Referral form", fields={"NHS number":
                                                                    "943 476 5919"}), cleared)
    text = pdf.text(edited).text
    assert "NHS number: not known" in text.split("Earlier revision")[0]
    assert text.split("Earlier revision")[1].splitlines()[1:] == ["NHS number: 943 476 5919"]


def test_a_revision_that_says_nothing_new_adds_nothing():
    def retitled(writer) -> None:
        writer.add_metadata({"/Title": "Referral"})

    text = pdf.text(saved_again(testdata.make_pdf(LETTER), retitled)).text
    assert "Title: Referral" in text and "Earlier revision" not in text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(
    [b"%%EOF", b"%%EOF\n", b"\x00" * 7, b"startxref\n0\n", b"xref\n0 1\n", b"trailer <<>>"])),
    max_size=6))
def test_no_revision_however_damaged_breaks_the_reading(changes):
    data = EDITED
    for at, piece in changes:
        cut = int(at * len(data))
        data = data[:cut] + piece + data[cut:]
    parse(make_message(attachments=(("letter.pdf", "application/pdf", data),)))


EDITED = saved_again(testdata.make_pdf(LETTER), over_typed)


XMP = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
       'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Microsoft Word" '
       'xmp:Label="{label}"><dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq>'
       '</dc:creator><dc:format>application/pdf</dc:format></rdf:Description>'
       '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def with_xmp(packet: str):
    def change(writer) -> None:
        from pypdf.generic import DecodedStreamObject, NameObject

        stream = DecodedStreamObject()
        stream.set_data(packet.encode())
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    return change


def with_script(script: str):
    """A document-level script, named in the /JavaScript name tree as Acrobat's Document
    JavaScripts are."""
    def change(writer) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject(script)})
        tree = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("init"), writer._add_object(action)])})
        writer.root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)})
    return change


def with_note_subject(subject: str):
    def change(writer) -> None:
        from pypdf.annotations import Text
        from pypdf.generic import NameObject, TextStringObject

        note = Text(rect=(50, 550, 70, 570), text="See the plan.")
        note[NameObject("/Subj")] = TextStringObject(subject)
        writer.add_annotation(page_number=0, annotation=note)
    return change


HIDDEN_PDF = {  # where a red team hid an NHS number in a PDF, and the line it is read as
    "author": (lambda w: w.add_metadata({"/Author": "Amy Reid 943 476 5919"}),
               "Author: Amy Reid 943 476 5919"),
    "creator": (lambda w: w.add_metadata({"/Creator": "943 476 5919"}), "Creator: 943 476 5919"),
    "xmp": (with_xmp(XMP.format(label="Amy Reid 943 476 5919", creator="J Smith")),
            "XMP Label: Amy Reid 943 476 5919"),
    "xmp creator": (with_xmp(XMP.format(label="Draft", creator="Amy Reid 943 476 5919")),
                    "XMP creator: Amy Reid 943 476 5919"),
    "note subject": (with_note_subject("Amy Reid 943 476 5919"),
                     "Note subject: Amy Reid 943 476 5919"),
    "javascript": (with_script('app.alert("Amy Reid 943 476 5919");'),
                   'JavaScript: app.alert("Amy Reid 943 476 5919");'),
}


def hidden_pdf(where: str) -> bytes:
    if where == "after the end":
        return testdata.make_pdf("Visit notes") + b"\n% Amy Reid 943 476 5919\n"
    return pdf_with(testdata.make_pdf("Visit notes"), HIDDEN_PDF[where][0])


@pytest.mark.parametrize("where", [*HIDDEN_PDF, "after the end"])
def test_what_a_pdf_carries_and_no_reader_is_shown_is_read_last_and_held(where):
    from dlpgate.testing import sent_to_webmail

    data = hidden_pdf(where)
    read = pdf.text(data)
    assert read.text.startswith("Visit notes") and read.damage == []
    line = HIDDEN_PDF[where][1] if where in HIDDEN_PDF else "After the end: % Amy Reid 943 476 5919"
    assert read.text.splitlines()[-1] == line or where == "xmp" and line in read.text
    found, verdict = sent_to_webmail(attachments=(("visit.pdf", "application/pdf", data),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_a_pdfs_xmp_says_once_what_its_properties_say_and_not_the_programs_or_authors_name():
    data = pdf_with(testdata.make_pdf("Visit notes"), with_xmp(XMP.format(
        label="", creator="J Smith")))
    data = pdf_with(data, lambda w: w.add_metadata({"/Author": "J Smith"}))
    # nor its author's name, which is its program's user's (an officer's) on nearly every file
    assert [line for line in pdf.text(data).text.splitlines() if line] == ["Visit notes"]


def test_a_pdfs_hidden_text_is_read_to_its_room():
    data = pdf_with(testdata.make_pdf("Visit notes"), with_script("x" * 50_000))
    assert len(pdf.text(data, limit=1000).text) < 1100
