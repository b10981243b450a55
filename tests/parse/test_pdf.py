"""A PDF is read as a reader sees it: its pages, tables labelled, its notes and its form."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.parse import pdf


def test_a_page_its_notes_and_its_form_are_read_in_that_order():
    data = testdata.make_pdf("Referral form", fields={"NHS number": "943 476 5919"},
                             notes=[("Text", "seen by the school nurse")])
    text, damage = pdf.text(data)
    assert [line for line in text.splitlines() if line.strip()] == [
        "Referral form", "seen by the school nurse", "NHS number: 943 476 5919"]
    assert damage == []


def test_a_table_on_the_page_is_read_under_its_header_and_prose_as_it_was():
    rows = [["Child", "Date of birth", "NHS number"], ["Amy Reid", "04/05/2016", "943 476 5919"],
            ["Leo Barnes", "22/09/2016", "401 023 2137"]]
    text, _ = pdf.text(testdata.make_pdf("", rows=rows))
    assert "Child: Leo Barnes; Date of birth: 22/09/2016; NHS number: 401 023 2137" in text
    prose = "We met on 04/05/2016 and again on 05/05/2016.\nThe plan was agreed."
    assert pdf.text(testdata.make_pdf(prose))[0].strip() == prose


def test_a_pdf_that_needs_a_password_is_encrypted_and_the_text_stops_past_the_limit():
    with pytest.raises(pdf.Encrypted):
        pdf.text(testdata.make_encrypted_pdf("NHS 943 476 5919"))
    text, _ = pdf.text(testdata.make_pdf("\n".join(f"line {i} of the notes" for i in range(50))),
                       limit=100)
    assert 100 < len(text) < 1200  # read past the limit only by the page it fell in
