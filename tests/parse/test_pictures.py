"""Pictures: read by OCR as far as the message's allowance goes; a logo, a photograph of a
wall and a HEIC each as a picture of its kind."""

from __future__ import annotations

import pytest

from dlpgate import testdata, testpictures
from dlpgate.config import Limits, Ocr
from dlpgate.parse import ocr
from dlpgate.parse.mime import parse

from .test_attachments import parts_and_problems
from .test_ocr import (
    DEFAULT,
    REFERRAL,
    message,
    needs_heif,
    needs_ocr,
    photographed_referral,
    read,
)


def test_an_image_is_not_a_problem():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    parts, problems = parts_and_problems("logo.png", png, "image/png")
    assert problems == [] and parts == {}
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64  # no text even if it looks so
    assert parts_and_problems("photo.jpg", jpeg, "image/jpeg") == ({}, [])


@needs_heif
@pytest.mark.parametrize("ctype", ["image/heic", "application/octet-stream"])
def test_an_iphones_heic_photograph_of_a_letter_is_read_as_a_jpeg_one_is(ctype):
    # an officer photographs the referral and attaches it: the iPhone saves HEIC, which
    # Tesseract cannot open, and it went out unread (as image/heic) or was held as an
    # unrecognised binary (as application/octet-stream)
    heic = photographed_referral()
    assert ocr.is_heif(heic) and not heic.startswith(b"\xff\xd8")
    texts, problems = read(message(("IMG_4512.HEIC", ctype, heic)))
    assert problems == []
    assert "943 476 5919" in texts["IMG_4512.HEIC"]
    assert "12/03/2015" in texts["IMG_4512.HEIC"]


@needs_heif
def test_a_heic_photograph_of_a_damp_wall_is_looked_at_and_not_read_as_a_jpeg_one_is():
    wall = testpictures.heic(testpictures.photo(0, "damp wall", (1600, 1200)).data)
    parsed = parse(message(("IMG_4513.HEIC", "image/heic", wall)), None, Limits(), DEFAULT)
    assert parsed.problems == () and parsed.notes == (
        "1 photograph(s) not read: a first look found nothing like a line of text in them "
        "(scan.ocr.skip_photos)",)


@needs_heif
def test_a_damaged_heic_is_unscannable_as_a_damaged_jpeg_is_not_passed_over():
    heic = photographed_referral()
    for damaged in (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 4000,
                    heic[:len(heic) // 3]):
        texts, problems = read(message(("IMG_4514.HEIC", "image/heic", damaged)))
        assert [(p.kind, p.part) for p in problems] == [("unscannable", "IMG_4514.HEIC")]
        assert problems[0].detail.startswith("image not read: OCR could not draw it")
        assert "IMG_4514.HEIC" not in texts


@needs_ocr
def test_a_heic_is_said_unread_where_heif_convert_is_not_installed(monkeypatch):
    monkeypatch.setattr(ocr, "_heif_convert", lambda: None)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 4000
    texts, problems = read(message(("IMG_4515.HEIC", "image/heic", heic)))
    assert [(p.kind, p.detail) for p in problems] == [
        ("unscannable", "image not read: HEIC pictures are not read here: heif-convert is "
                        "not installed (Debian's libheif-examples)")]


@needs_ocr
def test_a_logo_is_too_small_to_be_a_document_and_is_not_read():
    logo = testdata.picture_of(testdata.make_pdf(REFERRAL), 30)  # 248 x 351 pixels
    assert ocr.image_size(logo)[0] * ocr.image_size(logo)[1] < Ocr().min_pixels
    texts, problems = read(message(("logo.png", "image/png", logo)))
    assert "logo.png" not in texts and problems == []


@needs_ocr
def test_an_attached_crop_of_one_row_under_min_pixels_is_read_for_its_numbers():
    row = testdata.screenshot_of([("Jane Doe", "12/03/2015", "943 476 5919", "CP plan")])
    assert ocr.image_size(row)[0] * ocr.image_size(row)[1] < Ocr().min_pixels
    texts, problems = read(message(("row.png", "image/png", row)))
    assert "943 476 5919" in texts["row.png"] and problems == []


@needs_ocr
def test_a_care_homes_photographs_are_looked_at_not_read_and_said_in_the_notes():
    shots = [(f"IMG_{n}.jpg", "image/jpeg", testpictures.photo(n, kind, (1600, 1200)).data)
             for n, kind in enumerate(("damp wall", "garden", "carpet"))]
    parsed = parse(message(*shots), None, Limits(), DEFAULT)
    assert parsed.problems == () and not any(p.is_attachment for p in parsed.parts)
    assert parsed.notes == ("3 photograph(s) not read: a first look found nothing like a line "
                            "of text in them (scan.ocr.skip_photos)",)
    # as before with the look turned off: each read by Tesseract, nothing found, nothing said
    before = parse(message(*shots), None, Limits(), Ocr(skip_photos=False))
    assert before.problems == () and before.notes == ()


@needs_ocr
def test_a_jpeg_cut_short_is_not_judged_by_its_look_but_read_and_said_unreadable():
    wall = testpictures.photo(1, "damp wall", (1600, 1200)).data
    cut = wall[:len(wall) // 2]  # poppler draws it grey below the cut, and says nothing
    assert not ocr.Reader(DEFAULT).shows_no_text(cut)
    texts, problems = read(message(("wall.jpg", "image/jpeg", cut)))
    assert [(p.kind, p.part) for p in problems] == [("unscannable", "wall.jpg")]
