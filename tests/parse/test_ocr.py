"""Scanned pages and pictures of documents are read by Tesseract, and what is not read says so."""

from __future__ import annotations

import functools
import shutil
import struct
import zlib
from email.message import EmailMessage

import pytest

from dlpgate import testdata, testpictures
from dlpgate.config import Limits, Ocr
from dlpgate.parse import ocr
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

needs_ocr = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

needs_heif = pytest.mark.skipif(
    not ocr.available() or not ocr.heif_available() or not shutil.which("heif-enc"),
    reason="libheif-examples (heif-convert, heif-enc) is not installed (./scripts/dev test "
    "installs it)")

REFERRAL = ("Referral for Jane Doe\nDate of birth: 12/03/2015\nNHS number: 943 476 5919\n"
            "Concerns: neglect, child protection plan since May.")


def message(*files: tuple[str, str, bytes]) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@westshire.gov.uk", "b@example.org", "Referral"
    msg.set_content("Please see attached.\n")
    for name, ctype, data in files:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


DEFAULT = Ocr()


def read(raw: bytes, settings: Ocr | None = DEFAULT):
    parsed = parse(raw, None, Limits(), settings)
    return {p.name: p.text for p in parsed.parts}, list(parsed.problems)


@needs_ocr
def test_a_scanned_referral_is_read_page_by_page_in_its_place():
    pdf = testdata.make_scanned_pdf([REFERRAL, "Mother: Sarah Doe, 07700 900123"])

    texts, problems = read(message(("referral.pdf", "application/pdf", pdf)))

    assert problems == []
    text = texts["referral.pdf"]
    assert "NHS number: 943 476 5919" in text
    assert "Date of birth: 12/03/2015" in text
    assert text.index("943 476 5919") < text.index("07700 900123")  # page 1 before page 2


@needs_ocr
def test_a_scanners_stamp_on_the_page_does_not_pass_for_its_text():
    pdf = testdata.make_scanned_pdf([REFERRAL], stamp="Scanned by CamScanner")
    texts, _ = read(message(("referral.pdf", "application/pdf", pdf)))
    assert "943 476 5919" in texts["referral.pdf"]


@needs_ocr
def test_a_copiers_long_scanned_by_line_does_not_pass_for_the_pages_text():
    stamp = "Scanned by WESTSHIRE-MFD-0231 (Ricoh IM C3000) on 06/12/2026 at 09:14 for jsmith"
    pdf = testdata.make_scanned_pdf([REFERRAL], resolution=150, stamp=stamp)
    texts, _ = read(message(("referral.pdf", "application/pdf", pdf)))
    assert "943 476 5919" in texts["referral.pdf"]


@needs_ocr
def test_a_searchable_scan_is_read_from_its_text_layer_not_read_again():
    layer = " ".join(["This scan was made searchable; its words are in its text layer."] * 5)
    pdf = testdata.make_scanned_pdf([REFERRAL], stamp=layer)
    texts, _ = read(message(("referral.pdf", "application/pdf", pdf)))
    assert texts["referral.pdf"] == layer


@needs_ocr
def test_a_page_scanned_upside_down_is_read():
    pdf = testdata.make_scanned_pdf([REFERRAL], upside_down=True)
    texts, problems = read(message(("scan.pdf", "application/pdf", pdf)))
    assert problems == [] and "943 476 5919" in texts["scan.pdf"]


@needs_ocr
def test_a_damaged_image_on_a_scanned_page_is_unscannable_not_a_blank_page():
    pdf = testdata.make_scanned_pdf([REFERRAL])
    start = pdf.index(b"/FlateDecode")
    stream = pdf.index(b"stream\n", start) + len(b"stream\n")
    damaged = pdf[:stream] + b"\x00" * 64 + pdf[stream + 64:]  # its first bytes overwritten
    texts, problems = read(message(("scan.pdf", "application/pdf", damaged)))
    assert [(p.kind, p.detail) for p in problems] == [
        ("unscannable", "scanned page 1: its image could not be drawn (damaged)")]


@needs_ocr
@pytest.mark.parametrize("name, data", [
    ("image001.emf", b"\x01\x00\x00\x00" + b"\x00" * 36 + b" EMF" + b"\x00" * 4000),
    ("empty.png", b""),
])
def test_a_picture_ocr_cannot_read_is_passed_over_as_before_not_held_as_damaged(name, data):
    texts, problems = read(message((name, "image/" + name.rpartition(".")[2], data)))
    assert problems == [] and name not in texts


@functools.cache
def photographed_referral() -> bytes:
    """The referral as an iPhone photographs it: a HEIC of the page at 150 dpi."""
    return testpictures.heic(testdata.picture_of(testdata.make_pdf(REFERRAL), 150, "jpeg"))


@needs_heif
def test_a_heic_photograph_pasted_into_the_body_is_read_as_a_body_picture():
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@westshire.gov.uk", "b@example.org", "Amy"
    msg.set_content("See below.")
    msg.add_alternative('<p>See below.</p><img src="cid:photo1">', subtype="html")
    msg.get_payload()[1].add_related(photographed_referral(), "image", "heic", cid="<photo1>",
                                     disposition="inline")
    texts, problems = read(msg.as_bytes())
    assert problems == [] and "943 476 5919" in texts["body picture 1"]


def test_heif_pictures_are_told_by_their_brand_and_videos_are_not():
    assert ocr.is_heif(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    assert ocr.is_heif(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf")
    assert ocr.readable(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic")
    assert not ocr.is_heif(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41")
    assert not ocr.is_heif(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ")


@needs_ocr
@pytest.mark.parametrize("fmt, ctype", [("png", "image/png"), ("jpeg", "image/jpeg"),
                                        ("tiff", "image/tiff")])
def test_a_photographed_form_is_read_whatever_the_picture_format(fmt, ctype):
    picture = testdata.picture_of(testdata.make_pdf(REFERRAL), 150, fmt)
    texts, problems = read(message((f"form.{fmt}", ctype, picture)))
    assert problems == []
    assert "943 476 5919" in texts[f"form.{fmt}"]


@needs_ocr
def test_pages_past_the_messages_allowance_are_said_not_read():
    pdf = testdata.make_scanned_pdf([REFERRAL, "second page", "third page"])
    texts, problems = read(message(("bundle.pdf", "application/pdf", pdf)),
                           Ocr(max_pages=2))
    assert "943 476 5919" in texts["bundle.pdf"]
    [problem] = problems
    assert problem.kind == "unscannable" and problem.part == "bundle.pdf"
    assert problem.detail.startswith("1 page (3) scanned past the message's 2 read")


@needs_ocr
def test_the_allowance_counts_pictures_and_pages_of_the_whole_message():
    picture = testdata.picture_of(testdata.make_pdf(REFERRAL))
    pdf = testdata.make_scanned_pdf([REFERRAL])
    texts, problems = read(message(("form.png", "image/png", picture),
                                   ("referral.pdf", "application/pdf", pdf)), Ocr(max_pages=1))
    assert "943 476 5919" in texts["form.png"]
    assert [(p.kind, p.part) for p in problems] == [("unscannable", "referral.pdf")]


@needs_ocr
def test_a_page_that_takes_too_long_is_unscannable_and_the_rest_is_read():
    pdf = testdata.make_scanned_pdf(["A page of the timeout test"])  # read by no other test
    raw = message(("referral.pdf", "application/pdf", pdf))
    texts, problems = read(raw, Ocr(timeout=0.001))
    assert [(p.kind, p.detail) for p in problems] == [
        ("unscannable", "scanned page 1: OCR could not render it within 0.001 s")]
    assert texts["body"] == "Please see attached.\n"


@needs_ocr
def test_a_bundle_longer_than_the_messages_ocr_time_is_read_as_far_as_it_goes_and_said():
    # a 20-page bundle took two minutes: 451 at every retry, where it needs a verdict
    fresh = "Bundle of the long-time test"  # pages no other test has had read (and kept)
    pdf = testdata.make_scanned_pdf([fresh, "second page", "third page"])
    picture = testdata.picture_of(testdata.make_pdf(fresh))
    _, problems = read(message(("bundle.pdf", "application/pdf", pdf),
                               ("form.png", "image/png", picture)), Ocr(max_seconds=0.001))
    assert [(p.part, p.detail) for p in problems] == [
        ("bundle.pdf", "scanned page 1: OCR could not render it within the message's time for "
                       "OCR (scan.ocr.max_seconds)"),
        ("bundle.pdf", "2 pages (2-3) scanned past the message's 0.001 s of OCR "
                       "(scan.ocr.max_seconds), not read"),
        ("form.png", "image not read: the message's 0.001 s of OCR were spent before it "
                     "(scan.ocr.max_seconds)")]


@needs_ocr
def test_a_decompression_bomb_picture_fails_alone_under_the_memory_limit():
    width = height = 30000  # 112 MB of pixels at one bit, 900 MB once read as grey
    row = b"\x00" * (1 + width // 8)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0,
                                                               0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    texts, problems = read(message(("big.png", "image/png", bomb)))
    [problem] = problems
    assert problem.kind == "unscannable" and problem.part == "big.png"
    assert problem.detail.startswith("image not read: OCR could not read it")


def test_with_ocr_off_a_scanned_page_says_it_was_not_read():
    pdf = testdata.make_scanned_pdf([REFERRAL]) if ocr.available() else SCAN_WITHOUT_POPPLER
    _, problems = read(message(("referral.pdf", "application/pdf", pdf)), Ocr(enabled=False))
    assert [(p.kind, p.detail) for p in problems] == [
        ("unscannable", "1 page (1) scanned, and not read: OCR is off")]


def test_with_ocr_not_installed_a_scanned_page_says_so_and_a_picture_is_passed_over(
        monkeypatch, tmp_path):
    pdf = testdata.make_scanned_pdf([REFERRAL]) if ocr.available() else SCAN_WITHOUT_POPPLER
    monkeypatch.setenv("PATH", str(tmp_path))  # neither program on it
    ocr._programs.cache_clear()
    try:
        texts, problems = read(message(("referral.pdf", "application/pdf", pdf),
                                       ("form.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)))
    finally:
        monkeypatch.undo()
        ocr._programs.cache_clear()
    assert [(p.kind, p.detail) for p in problems] == [
        ("unscannable", "1 page (1) scanned, and not read: OCR is not installed")]
    assert "form.png" not in texts


def test_history_learning_reads_no_pictures():
    # parse() without OCR settings: `history learn` over years of mail must not OCR them
    pdf = testdata.make_scanned_pdf([REFERRAL]) if ocr.available() else SCAN_WITHOUT_POPPLER
    texts, problems = read(message(("referral.pdf", "application/pdf", pdf)), None)
    assert "943 476 5919" not in texts.get("referral.pdf", "")
    assert [p.detail for p in problems] == ["1 page (1) scanned, and not read: OCR is off"]


def test_image_sizes_are_read_from_headers_without_decoding():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x08\x00"
    gif = b"GIF89a" + struct.pack("<HH", 32, 16)
    jpeg = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 1200, 1600) + b"\x03" + b"\x00" * 9)
    assert ocr.image_size(png) == (640, 480)
    assert ocr.image_size(gif) == (32, 16)
    assert ocr.image_size(jpeg) == (1600, 1200)
    assert ocr.image_size(b"II*\x00tiff") is None  # unknown: read, not guessed small


def test_tesseract_words_below_the_confidence_floor_are_left_out():
    tsv = "\n".join([
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf"
        "\ttext",
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96\tNHS",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t91\tnumber",
        "5\t1\t1\t1\t1\t3\t0\t0\t1\t1\t12\t~%#",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t88\t943",
        "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t90\tSigned",
    ])
    assert ocr._lines(tsv, 50) == "NHS number\n943\n\nSigned"


@needs_ocr
def test_the_spaces_between_the_groups_of_an_nhs_number_are_kept():
    # a letter scanned at 300 dpi: Tesseract read "807 3021579" and "3236405627", the
    # digits right and the narrow spaces between the groups dropped, and the NHS numbers,
    # neither spaced as the NHS writes them nor beside a context word, went unfound
    letter = testpictures.text(5)
    assert letter.kind == "scanned letter"
    numbers = [x for x in letter.shows if x[0].isdigit()]

    texts, problems = read(message(("letter.jpg", "image/jpeg", letter.data)))

    assert problems == []
    assert [n for n in numbers if n not in texts["letter.jpg"]] == []


NOTES = ["Reid", "Okafor", "Begum", "Nowak"], ["943 476 5919", "401 023 2137", "450 557 7104",
                                               "485 777 3466"]


def by_hand(angle: float = 0.0, shadow: float = 0.0, desk: float = 0.2) -> bytes:
    """A health visitor's typed notes photographed by hand, made here and not as
    `testpictures` makes its pictures: drawn at 100 dpi (10-point print eight pixels high),
    turned `angle` degrees clockwise on a grey desk showing `desk` of the page's size
    around it (0: the page fills the picture, as a phone's scanning app crops it), a shadow
    darkening the left by `shadow` of its light, out of focus by a pixel, with noise, a JPEG
    of quality 75."""
    import numpy as np

    names, numbers = NOTES
    text = "Health visitor notes\n\n" + "\n".join(
        f"{name}, NHS {number}, seen 0{n}/05/2026"
        for n, (name, number) in enumerate(zip(names, numbers, strict=True), 1))
    page = testpictures.grey(testdata.picture_of(testdata.make_pdf(text + "\n\nNo concerns."),
                                                 100, "pgm")).astype(float)
    h, w = page.shape
    a = np.radians(angle)
    yy, xx = np.mgrid[0:int(h * (1 + desk)), 0:int(w * (1 + desk))].astype(float)
    yy, xx = yy - h * (1 + desk) / 2, xx - w * (1 + desk) / 2
    sy = (yy * np.cos(a) + xx * np.sin(a) + h / 2).astype(int)
    sx = (-yy * np.sin(a) + xx * np.cos(a) + w / 2).astype(int)
    inside = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
    img = np.where(inside, page[sy.clip(0, h - 1), sx.clip(0, w - 1)], 90.0)
    img = sum(np.roll(img, (dy, dx), (0, 1)) for dy in (0, 1) for dx in (0, 1)) / 4
    img = img * (1 - shadow + shadow * np.linspace(0, 1, img.shape[1])[None, :])
    return testpictures.jpeg(img + np.random.default_rng(3).normal(0, 5, img.shape), 75)


@needs_ocr
@pytest.mark.parametrize(("angle", "shadow", "desk", "least"), [
    (6.0, 0.0, 0.2, 6),  # held at a slant: 2 of 8 were read
    (-5.0, 0.3, 0.2, 6),  # the other way, lit from the right, the left a third darker
])
def test_a_page_photographed_turned_is_read(angle, shadow, desk, least):
    names, numbers = NOTES
    texts, problems = read(message(("notes.jpg", "image/jpeg", by_hand(angle, shadow, desk))))
    assert problems == []
    assert sum(x in texts.get("notes.jpg", "") for x in names + numbers) >= least


@needs_ocr
@pytest.mark.parametrize("shadow", [0.5, 0.7])
def test_a_page_filling_a_photograph_lit_from_one_side_is_read(shadow):
    # lit from the right, its left a half or a third as bright: Tesseract's one threshold
    # blackened the left and read nothing of the page; read again with its light made even
    names, numbers = NOTES
    texts, problems = read(message(("notes.jpg", "image/jpeg", by_hand(0.0, shadow, 0.0))))
    assert problems == []
    text = texts["notes.jpg"]
    assert sum(x in text for x in names + numbers) >= 6
    assert "943 476 5919" in text


@needs_ocr
def test_a_letter_with_a_shadow_across_it_is_read():
    letter = testpictures.text(5, "letter in a shadow")  # read as nothing before
    texts, _ = read(message(("letter.jpg", "image/jpeg", letter.data)))
    assert sum(x in texts["letter.jpg"] for x in letter.shows) >= len(letter.shows) // 2


@needs_ocr
def test_a_photographed_letter_lit_from_one_side_is_held_by_dlpgate_scan(tmp_path):
    import json
    import subprocess
    import sys

    letter = testpictures.text(2, "letter lit from one side")
    (tmp_path / "a.eml").write_bytes(make_message(to=("carer.home@gmail.com",), attachments=(
        ("IMG_0412.jpg", "image/jpeg", letter.data),)))
    done = subprocess.run([sys.executable, "-m", "dlpgate", "scan", "--json",
                           str(tmp_path / "a.eml")], capture_output=True, timeout=600,
                          check=False)
    [line] = [json.loads(x) for x in done.stdout.decode().splitlines()]
    assert line["verdict"] == "hold", done.stderr
    assert {f["entity"] for f in line["findings"] if f["part"] == "IMG_0412.jpg"} >= {"UK_NHS"}


@needs_ocr
def test_a_photograph_of_a_wall_is_not_read_again():
    # read in full (scan.ocr.skip_photos off), a damp wall shows no line of text: one reading
    wall = testpictures.photo(0, "damp wall", (1600, 1200)).data
    reader = ocr.Reader(Ocr(skip_photos=False))
    ocr.clear_memo()
    assert reader.image(wall) == ""

@pytest.mark.parametrize(("word", "boxes", "read"), [
    # "3021579" with a gap of 19 pixels between its third and fourth digits, 3-4 elsewhere
    ("3021579", [(653, 675), (679, 701), (704, 725), (744, 764), (768, 790), (793, 815),
                 (819, 841)], "302 1579"),
    ("3021579", [(0, 20), (24, 44), (48, 68), (72, 92), (96, 116), (120, 140), (144, 164)],
     "3021579"),  # evenly set: one number
    ("Kowalski", [(0, 20), (24, 44), (48, 68), (90, 110), (114, 134), (138, 158), (162, 182),
                  (186, 206)], "Kowalski"),  # letters are never split
    ("3021579", [(0, 20)], "3021579"),  # boxes that do not match the word: as read
    ("3021579", None, "3021579"),
])
def test_a_gap_between_digits_as_wide_as_a_space_is_a_space(word, boxes, read):
    chars = None if boxes is None else [(a, b, c) for (a, b), c in zip(boxes, word,
                                                                       strict=False)]
    assert ocr._spaced(word, chars) == read

# An image-only PDF written out by hand, for machines without poppler to draw one: one 8 x 8
# grey image on the page and no text.
def _scan_without_poppler() -> bytes:
    pixels = zlib.compress(b"\xff" * 64)
    return testdata._pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject "
        b"<< /Im0 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length 31 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length " + str(len(pixels)).encode() +
        b" >>\nstream\n" + pixels + b"\nendstream",
    ])


SCAN_WITHOUT_POPPLER = _scan_without_poppler()


def test_the_memo_of_what_was_read_keeps_a_screenshot_past_a_threads_many_logos():
    memo, settings = ocr._Recent(size=4096, chars=10_000), Ocr()
    memo.put(settings, b"screenshot", "NHS 943 476 5919 Amy Reid")
    for n in range(500):  # every reply re-attaches each signature's logo
        memo.put(settings, f"logo {n}".encode(), "")
    assert memo.get(settings, b"screenshot") == "NHS 943 476 5919 Amy Reid"


def test_the_memo_of_what_was_read_is_bounded_by_the_text_it_keeps():
    memo, settings = ocr._Recent(size=4096, chars=10_000), Ocr()
    for n in range(10):
        memo.put(settings, f"page {n}".encode(), "x" * 3_000)
    assert memo.held <= 10_000
    assert memo.get(settings, b"page 9") is not None and memo.get(settings, b"page 0") is None
    memo.put(settings, b"huge", "x" * 20_000)  # larger than the whole memo: not kept
    assert memo.get(settings, b"huge") is None and memo.get(settings, b"page 9") is not None


@needs_ocr
def test_a_photograph_shows_no_text_at_a_first_look_and_a_photographed_letter_does():
    reader = ocr.Reader(DEFAULT)
    wall = testpictures.photo(0, "damp wall", (1600, 1200)).data
    letter = testpictures.text(3, "photographed letter").data
    screenshot = testpictures.text(0, "case list").data  # a PNG: always read
    assert reader.shows_no_text(wall) and reader.shows_no_text(wall)  # the second from memo
    assert not reader.shows_no_text(letter)
    assert not reader.shows_no_text(screenshot)


