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
