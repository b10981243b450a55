"""An RTF letter is read with its page headers, footers, footnotes and comments, and its
pictures are read by OCR as attached ones are."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.config import Limits, Ocr
from dlpgate.parse import ocr, rtf
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

HEAD = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}"


def test_a_letters_page_header_and_footer_are_read_where_they_stand():
    letter = HEAD + r"{\header\pard Re: Callum Reid, DOB 04/05/2016\par}" \
                    r"{\footerf\pard Case 4471\par}Dear Ms Reid,\par}"
    got = rtf.text(letter)
    assert "Re: Callum Reid, DOB 04/05/2016" in got and "Case 4471" in got
    assert got.index("Callum") < got.index("Dear Ms Reid")


def test_footnotes_and_comments_are_read_and_a_comments_author_tag_is_not():
    letter = HEAD + r"Visit{\super\chftn}{\footnote\pard{\super\chftn} NHS 943 476 5919}" \
                    r" done{\*\atnid JB}{\*\atnauthor Jo Bloggs}\chatn" \
                    r"{\*\annotation{\*\atnref 1}\pard Mum disclosed domestic abuse}\par}"
    got = rtf.text(letter)
    assert "NHS 943 476 5919" in got and "Mum disclosed domestic abuse" in got
    assert "JB" not in got and "Visit" in got and "done" in got


def test_a_png_or_jpeg_picture_is_given_back_and_a_metafile_is_not():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    wrapped = "\r\n".join(png.hex()[i:i + 64] for i in range(0, len(png.hex()), 64))
    letter = HEAD + r"Body{\pict{\*\picprop{\sp x}}\pngblip\picw900\pich210" + "\r\n" \
        + wrapped + r"}{\pict\wmetafile8 0100090000}{\pict\jpegblip ffd8ffe0}\par}"
    assert list(rtf.pictures(letter)) == [png, b"\xff\xd8\xff\xe0"]


@pytest.mark.parametrize("hostile", [
    r"{\pict\pngblip " + " " * 200_000 + "zz",  # spaces either part of the pattern could take
    r"{\pict\pngblip " * 100_000,
    r"{\pict\pngblip " + "0 " * 500_000 + "zz"])
def test_a_picture_that_never_ends_is_no_picture(hostile):
    # each read in one pass (a pattern over the whole group took 336 s on the first)
    assert list(rtf.pictures(hostile)) == []


@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr is not installed "
                    "(./scripts/dev test installs it)")
def test_a_screenshot_pasted_into_an_rtf_letter_is_read_as_part_of_it():
    shot = testdata.screenshot_of([("Name", "NHS number"), ("Amy Reid", "943 476 5919"),
                                   *[(f"Child {c}", "") for c in "ABCDEFGH"]])
    letter = HEAD + r"The list:{\pict\pngblip " + shot.hex() + r"}\par}"
    msg = parse(make_message(to=("x@gmail.com",), body="Attached.", attachments=(
        ("letter.rtf", "application/rtf", letter.encode()),)), None, Limits(), Ocr())
    parts = {p.name: p for p in msg.parts}
    assert "943 476 5919" in parts["letter.rtf/picture 1"].text
    assert parts["letter.rtf/picture 1"].is_attachment and msg.problems == ()
