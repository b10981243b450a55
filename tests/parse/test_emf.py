"""An EMF picture's text records are read: attached, or shown in an Office document."""

from __future__ import annotations

import struct

from dlpgate import testdata
from dlpgate.parse import emf
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

ROWS = [["Child", "NHS number"], ["Amy Reid", "943 476 5919"], ["Leo Hart", "401 023 2137"]]


def test_the_text_a_picture_draws_is_read_a_line_a_baseline():
    assert emf.text(testdata.make_emf(ROWS)).split("\n") == [
        "Child\tNHS number", "Amy Reid\t943 476 5919", "Leo Hart\t401 023 2137"]
    assert emf.text(testdata.make_emf(ROWS, glyph_numbers=True)) == ""  # a font's, no text


def test_a_damaged_or_hostile_picture_ends_its_walk_with_what_came_before():
    data = testdata.make_emf(ROWS)
    second = 88 + struct.unpack_from("<I", data, 92)[0]  # the second text record
    for size in (0, 6, 0x7FFFFFFF):
        broken = data[:second + 4] + struct.pack("<I", size) + data[second + 8:]
        assert emf.text(broken) == "Child", size
    lying = bytearray(data)  # a string said to lie past its record
    struct.pack_into("<I", lying, 88 + 48, 1 << 30)
    assert emf.text(bytes(lying)).split("\n")[0] == "NHS number"
    assert not emf.is_emf(b"\x01\x00\x00\x00" + bytes(40)) and not emf.is_emf(b"GIF89a")


def test_an_attached_picture_and_one_in_a_document_are_read_as_sheets():
    # Excel's "Copy as Picture" of a range, pasted into Word: Tesseract reads no EMF, and
    # the list of children went out unread
    docx = testdata.with_members(testdata.make_docx(["See the list."]),
                                 {"word/media/image1.emf": testdata.make_emf(ROWS)})
    msg = parse(make_message(attachments=(
        ("image001.emf", "application/octet-stream", testdata.make_emf(ROWS)),
        ("list.docx", "application/octet-stream", docx))))
    parts = {p.name: p.text for p in msg.parts}
    for name in ("image001.emf", "list.docx/image1.emf"):
        assert "Child: Amy Reid; NHS number: 943 476 5919" in parts[name]
    assert msg.problems == ()
