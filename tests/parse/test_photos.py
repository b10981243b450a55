"""A first look at a photograph tells lines of print from rooms, walls and gardens."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from dlpgate import testdata, testpictures
from dlpgate.parse import ocr, photos

needs_poppler = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

CHILDREN = [("Name", "NHS number", "Date of birth"), ("Amy Reid", "943 476 5919", "12/03/2015"),
            ("Callum Reid", "401 023 2137", "04/05/2016"), ("Jade Okafor", "485 777 3456", "")]


def on_a_wall(pixels: np.ndarray, seed: int = 1) -> np.ndarray:
    """`pixels` (grey) as a note pinned to a damp wall, photographed at 1600 x 1200."""
    wall = testpictures.scene(seed, "damp wall", (1600, 1200)).mean(axis=-1)
    h, w = pixels.shape
    wall[500:500 + h, 100:100 + w] = pixels * 0.95
    return wall


def one_line(text: str, points: int, grey: float = 0.0, width: int = 200) -> np.ndarray:
    ops = [f"{grey} g", "BT", f"/F1 {points} Tf", f"6 {points // 2} Td",
           f"{testdata._pdf_string(text)} Tj", "ET"]
    page = testdata._page(ops, width, points * 2, "Helvetica")
    return testpictures.grey(testdata.picture_of(page, 96, "pgm"))


@pytest.mark.parametrize("kind", ["damp wall", "garden", "carpet", "tiles"])
def test_a_photograph_of_a_wall_a_garden_a_carpet_or_tiles_shows_no_line_of_text(kind):
    pixels = testpictures.scene(0, kind, (1600, 1200)).mean(axis=-1)
    assert photos.longest_line(pixels) < photos.LINE


@needs_poppler
def test_a_screenshot_of_a_case_list_and_a_typed_letter_show_lines_of_text():
    shot = testpictures.grey(testdata.screenshot_of(CHILDREN, scale=1.0, fmt="pgm"))
    letter = testpictures.grey(testdata.picture_of(testdata.make_pdf(
        "\n".join("    ".join(row) for row in CHILDREN)), 150, "pgm"))
    assert photos.longest_line(shot) >= photos.LINE
    assert photos.longest_line(letter) >= photos.LINE


@needs_poppler
def test_one_line_of_an_nhs_number_at_nine_points_on_a_wall_is_enough():
    pixels = on_a_wall(one_line("NHS 943 476 5919", 9))
    assert photos.longest_line(pixels) >= photos.LINE
    assert photos.longest_line(on_a_wall(np.full((18, 200), 240.0))) < photos.LINE  # no note


@needs_poppler
def test_text_turned_a_quarter_faint_or_large_shows_lines_of_text_too():
    letter = testpictures.grey(testdata.picture_of(testdata.make_pdf(
        "\n".join("    ".join(row) for row in CHILDREN)), 150, "pgm"))
    faint = 255 - (255 - letter) * 0.06  # a scan of a page printed in grey 240
    heading = testpictures.grey(testdata.picture_of(testdata._page(
        ["BT", "/F1 60 Tf", "6 20 Td", "(943 476 5919) Tj", "ET"], 520, 90, "Helvetica"),
        150, "pgm"))
    assert photos.longest_line(np.rot90(letter)) >= photos.LINE  # a page photographed sideways
    assert photos.longest_line(faint) >= photos.LINE
    assert photos.longest_line(on_a_wall(heading)) >= photos.LINE


def test_a_radiators_fins_repeat_and_are_not_taken_for_a_line_of_text():
    wall = testpictures.scene(2, "damp wall", (1600, 1200)).mean(axis=-1)
    fins = (np.arange(400) // 6) % 2 == 0
    wall[700:800, 300:700][:, fins] = 250
    wall[700:800, 300:700][:, ~fins] = 190
    assert photos.longest_line(wall) < photos.LINE


def frame_header(marker: int, precision: int = 8, components: int = 3) -> bytes:
    """A JPEG's first markers: APP0 (JFIF), then a frame header of `marker`."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = bytes([0xFF, marker]) + struct.pack(">HBHHB", 8 + 3 * components, precision, 1200,
                                              1600, components) + b"\x01\x11\x00" * components
    return b"\xff\xd8" + app0 + sof + b"\x00" * 32


@pytest.mark.parametrize("marker, precision, components, lookable", [
    (0xC0, 8, 3, True),  # baseline, as cameras write
    (0xC2, 8, 1, True),  # progressive grey
    (0xC0, 8, 4, True),  # CMYK
    (0xC1, 12, 3, False),  # 12-bit
    (0xC3, 8, 3, False),  # lossless
    (0xC9, 8, 3, False),  # arithmetic-coded
])
def test_a_jpeg_is_looked_at_only_where_poppler_draws_it(marker, precision, components,
                                                         lookable):
    frame = photos.jpeg_frame(frame_header(marker, precision, components))
    assert frame is not None and (frame.width, frame.height) == (1600, 1200)
    assert photos.lookable(frame) is lookable


def test_what_is_no_jpeg_has_no_frame_and_a_broken_grey_copy_no_pixels():
    assert photos.jpeg_frame(testpictures.PNG_SIGNATURE + b"\x00" * 64) is None
    assert photos.jpeg_frame(b"\xff\xd8\x00\x00") is None
    assert photos.pgm_pixels(b"P5\n4 4\n255\n" + b"\x00" * 15) is None  # a pixel short
    assert photos.pgm_pixels(b"P6\n1 1\n255\n\x00\x00\x00") is None  # colour, not grey
    assert photos.pgm_pixels(b"P5\n2 1\n255\n\x10\x20").tolist() == [[16, 32]]
    # pixels whose values are whitespace's bytes are pixels, not the header's separator
    assert photos.pgm_pixels(b"P5\n2 1\n255\n\x20\x0a").tolist() == [[32, 10]]


@pytest.mark.parametrize("angle", [-6.0, -2.5, 0.0, 3.0, 7.5])
def test_the_skew_of_lines_of_print_is_found(angle):
    # a page of print turned `angle` degrees clockwise (its lines fall to the right), white
    # around it: the angle that sets its lines level is that turn undone, anticlockwise
    page = testpictures.grey(testdata.picture_of(testdata.make_pdf(
        "\n".join(f"Line {n} of the letter, NHS number 943 476 5919" for n in range(20))),
        72, "pgm")).astype(float)
    h, w = page.shape
    a = np.radians(angle)
    yy, xx = np.mgrid[0:h, 0:w].astype(float) - np.array([h / 2, w / 2])[:, None, None]
    sy = (yy * np.cos(a) - xx * np.sin(a) + h / 2).astype(int)
    sx = (yy * np.sin(a) + xx * np.cos(a) + w / 2).astype(int)
    inside = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
    turned = np.where(inside, page[sy.clip(0, h - 1), sx.clip(0, w - 1)], 255.0)
    assert photos.skew(turned) == pytest.approx(angle, abs=0.6)


def test_a_picture_without_ink_has_no_skew():
    assert photos.skew(np.full((300, 400), 200.0)) == 0.0


def lit_from_one_side(pixels: np.ndarray, far: float) -> np.ndarray:
    """`pixels` lit from the right, the left edge `far` as bright, with a camera's noise."""
    light = np.linspace(far, 1.0, pixels.shape[1])[None, :]
    return pixels * light + np.random.default_rng(0).normal(0, 3, pixels.shape)


def letter(lines: int = 12) -> np.ndarray:
    text = "\n".join(f"{n}. {name}   {number}   {born}" for n, (name, number, born)
                     in enumerate(CHILDREN[1:] * (lines // 3), 1))
    return testpictures.grey(testdata.picture_of(testdata.make_pdf(text), 100, "pgm"))


@needs_poppler
def test_a_page_lit_from_one_side_is_made_even_ink_dark_and_paper_white_both_sides():
    page = letter()
    even = photos.flattened(lit_from_one_side(page, 0.3))
    assert even is not None
    paper, ink = page > 250, page < 60
    ys, xs = np.nonzero(ink)
    across = (xs.min() + xs.max()) // 2  # the print's two halves, the left the darker
    left, right = np.zeros_like(paper), np.zeros_like(paper)
    left[ys.min():ys.max(), xs.min():across] = True
    right[ys.min():ys.max(), across:xs.max()] = True
    for side in (left, right):
        assert np.median(even[paper & side]) == 255
        assert np.median(even[ink & side]) < 100


@needs_poppler
def test_a_page_lit_evenly_enough_for_tesseract_is_not_read_again():
    assert photos.flattened(lit_from_one_side(letter(), 0.9)) is None


@pytest.mark.parametrize("seed", [0, 4, 8])
def test_a_brick_wall_lit_from_one_side_is_not_taken_for_a_page(seed):
    # against its mortar's light a brick wall is "ink" all over
    pixels = testpictures.scene(seed, "brick", (1600, 1200)).mean(axis=-1)
    assert photos.flattened(lit_from_one_side(pixels, 0.3)) is None
