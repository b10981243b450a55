"""Text files decoded: by a byte order mark, as UTF-16 without one, then as declared."""

from __future__ import annotations

import codecs

import pytest

from .test_attachments import parts_and_problems

ROWS = "Name,NHS number\nCallum Reid,943 476 5919\n"


LABELLED_ROW = "Name: Callum Reid; NHS number: 943 476 5919"


@pytest.mark.parametrize("name, data, second", [
    ("list.csv", codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"), LABELLED_ROW),
    ("list.csv", codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"), LABELLED_ROW),
    ("list.csv", codecs.BOM_UTF8 + ROWS.encode(), LABELLED_ROW),
    ("export", codecs.BOM_UTF16_LE + ROWS.replace(",", "\t").encode("utf-16-le"),
     "Callum Reid\t943 476 5919"),
], ids=["utf-16-le csv", "utf-16-be csv", "utf-8 csv", "unicode text export"])
def test_text_with_a_byte_order_mark_is_read_in_its_encoding(name, data, second):
    # Excel's "Unicode Text" and UTF-16 CSV exports were read as cp1252, NULs between letters
    parts, problems = parts_and_problems(name, data)
    assert parts[name].splitlines()[0] in ("Name,NHS number", "Name\tNHS number")
    assert parts[name].splitlines()[1] == second
    assert problems == []


def test_utf16_text_without_a_byte_order_mark_is_read():
    # read as UTF-8 it was letters with NULs between them, and nothing was found
    rows = "Child\tNHS number\nAmy Reid\t943 476 5919\nLeo Barnes\t401 023 2137\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        parts, _ = parts_and_problems("pupils.txt", rows.encode(encoding))
        assert "NHS number: 943 476 5919" in parts["pupils.txt"], encoding


def test_a_utf32_text_file_is_read_by_its_byte_order_mark():
    for codec in ("utf-32-le", "utf-32-be"):
        data = "\ufeffCallum Reid NHS 943 476 5919\n".encode(codec)
        parts, problems = parts_and_problems("notes.txt", data, "text/plain")
        assert "943 476 5919" in parts["notes.txt"] and problems == [], codec
