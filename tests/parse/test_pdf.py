"""A PDF is read as a reader sees it: its pages, tables labelled, its notes and its form."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.parse import pdf


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
