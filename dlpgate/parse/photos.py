"""Whether a photograph can hold text, from a quick look at a small grey copy of it.

A housing officer's inspection report carries thirty phone photographs of damp walls; OCR
read each for 0.3 to 5 s and found nothing, and the message waited up to 17 s for its
verdict. The look here costs a few hundredths of a second: poppler's pdftoppm draws the JPEG
(wrapped in a one-page PDF, where its decoder is) in grey, at most `LOOK_SIDE` pixels a side,
under the memory and time limits of OCR's programs; then `longest_line` looks for what print
and screens show and photographs of rooms do not: small cells side by side, each of two sharp
tones (ink and paper) crossed by strokes both ways, as a line of letters is. A picture with
no such line is not read, and is counted in the scan's notes; one with any, or one the look
cannot draw, is read in full as before. Only JPEGs are looked at: cameras save photographs
so, while screenshots (PNG) are what OCR is for, and are always read.

The look leans to reading: a radiator's fins, a brick wall's mortar or a tiled floor's grout
can pass for lines of text, and are read as before; one line of an NHS number at 9 points,
screenshot or photographed, is enough to be read, and so are text turned a quarter (a page
photographed sideways), faint text (grey 240 on white) and headings.
"""

from __future__ import annotations

import math
import re
import struct
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np

# The longest side the look draws a picture at: a 12-megapixel photograph's page of text is
# still letters of five pixels and more at it, and the look costs 30-60 ms.
LOOK_SIDE = 1600
_CELL = 16  # pixels a side of the cells a line of text crosses
_CONTRAST = 8  # grey levels between ink and paper, at the least (of 255)
_SHARE = 0.2  # and a fifth of the picture's range of greys: print stands out where it is
_MIDDLE = 0.35  # share of a cell's pixels between its two tones, at most: print is two tones
_INK = 0.05  # share of a cell that is the lesser tone (the ink), at the least
_ACROSS, _DOWN = 1.0, 0.5  # strokes crossed a row and a column of a cell, at the least
_SCALES = 3  # the picture's size, half and a quarter: print, headings, posters
_CHECKED = 32  # repeating runs looked through, the longest first, before one is taken as text
_REPEATS = 0.8  # correlation of a strip with itself moved along, from which it is a pattern
LINE = 5  # cells side by side that make a line: 80 pixels, "943 476" at 9 points on a screen


class Frame(NamedTuple):
    """A JPEG's frame header: how its pixels are coded, and how many."""

    marker: int  # 0xC0 baseline, 0xC1 extended, 0xC2 progressive; others lossless, arithmetic
    precision: int
    width: int
    height: int
    components: int


def jpeg_frame(data: bytes) -> Frame | None:
    """The frame header of a JPEG, found by walking its markers, or None when there is none
    in its first megabyte (not a JPEG, or damaged)."""
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 < len(data) and at < 1 << 20:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
            at += 1 if marker == 0xFF else 2  # a fill byte, or a marker without a length
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return Frame(marker, data[at + 4], width, height, data[at + 9])
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return None


def lookable(frame: Frame | None) -> bool:
    """An 8-bit Huffman-coded JPEG of grey, colour or CMYK, as cameras write: poppler draws
    it. Others (12-bit, lossless, arithmetic-coded: rare) are read in full."""
    return frame is not None and frame.marker in (0xC0, 0xC1, 0xC2) and \
        frame.precision == 8 and frame.components in (1, 3, 4) and \
        frame.width > 0 and frame.height > 0


def page_of(data: bytes, frame: Frame, angle: float = 0.0) -> bytes:
    """A one-page PDF that shows the JPEG `data` a pixel a point, for pdftoppm to draw;
    turned `angle` degrees anticlockwise about its middle (`skew`'s answer straightens it),
    on a page as large as the turned picture."""
    width, height = frame.width, frame.height
    space = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}[frame.components]
    draw = f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()
    box = f"{width} {height}"
    if angle:
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        across, up = abs(width * c) + abs(height * s), abs(width * s) + abs(height * c)
        box = f"{across:.0f} {up:.0f}"
        draw = (f"q 1 0 0 1 {across / 2:.2f} {up / 2:.2f} cm {c:.6f} {s:.6f} {-s:.6f} {c:.6f} "
                f"{-(c * width - s * height) / 2:.2f} {-(s * width + c * height) / 2:.2f} cm "
                f"{width} 0 0 {height} 0 0 cm /Im0 Do Q").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {box}] /Resources << "
        f"/XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
        f"{space} /BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n"
        .encode() + data + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


_PGM_HEADER = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+255\s")


def pgm_pixels(pgm: bytes) -> np.ndarray | None:
    """The grey pixels of a binary PGM as pdftoppm writes it, or None when it is not one."""
    import numpy as np

    # one whitespace byte ends the header; the pixels after it may be whitespace's values
    # (a grey of 32 or 10), which a split on whitespace took as part of the separator
    header = _PGM_HEADER.match(pgm)
    if header is None:
        return None
    width, height = int(header.group(1)), int(header.group(2))
    pixels = pgm[header.end():]
    if width < 1 or height < 1 or len(pixels) < width * height:
        return None
    return np.frombuffer(pixels, np.uint8, width * height).reshape(height, width)


def longest_line(grey: np.ndarray) -> int:
    """The most cells side by side in `grey` that each look like a piece of a line of text
    (two sharp tones, crossed by strokes both ways), in a row or, for a page turned a
    quarter, in a column, but for a pattern repeated (`_repeats`); at the picture's size,
    half and a quarter of it (for headings). Under `LINE`: nothing like a line of text."""
    import numpy as np

    grey = np.asarray(grey, dtype=np.int16)
    least = None  # a fifth of the picture's range of greys, from its cells' two tones
    found = 0
    for _ in range(_SCALES):
        across, down, dark, tones = _cells(grey, least)
        if least is None:
            if not tones.size:
                return 0
            low, high = np.percentile(tones[0], 0.5), np.percentile(tones[1], 99.5)
            least = max(_CONTRAST, _SHARE * (high - low))
            across, down, dark, tones = _cells(grey, least, tones)
        found = max(found, _longest(across, dark.mean(axis=2)),
                    _longest(down.T, dark.mean(axis=3).transpose(1, 0, 2)))
        if found >= LINE:
            return found
        grey = _halved(grey)
    return found


def _halved(grey: np.ndarray) -> np.ndarray:
    h, w = grey.shape[0] // 2 * 2, grey.shape[1] // 2 * 2
    g = grey[:h, :w]
    return (g[0::2, 0::2] + g[1::2, 0::2] + g[0::2, 1::2] + g[1::2, 1::2]) // 4


def _cells(grey: np.ndarray, least: float | None,
           tones: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """For each cell: whether it looks like a piece of a line of text running across, and
    running down (with contrast of `least` at the least; None: only its tones are wanted);
    its pixels that are the darker of its two tones; and the tones (dark, light), which
    `tones` gives where they are known."""
    import numpy as np

    n = _CELL
    rows, cols = grey.shape[0] // n, grey.shape[1] // n
    cells = grey[:rows * n, :cols * n].reshape(rows, n, cols, n).transpose(0, 2, 1, 3)
    flat = cells.reshape(rows, cols, n * n)
    if tones is None:
        low_at, high_at = int(0.05 * n * n), int(0.95 * n * n)
        ranked = np.partition(flat, (low_at, high_at), axis=-1)
        tones = np.stack([ranked[..., low_at], ranked[..., high_at]])
    if least is None or rows < 1 or cols < 1:
        empty = np.zeros((rows, cols), bool)
        return empty, empty, cells < 0, tones
    low, high = tones
    contrast = high - low
    middle = (low + high) // 2
    dark = cells < middle[..., None, None]
    ink = dark.mean(axis=(-1, -2))
    ink = np.minimum(ink, 1 - ink)
    between = (np.abs(flat - middle[..., None]) * 4 < contrast[..., None]).mean(axis=-1)
    across = (dark[..., :, 1:] != dark[..., :, :-1]).sum(axis=(-1, -2)) / n
    down = (dark[..., 1:, :] != dark[..., :-1, :]).sum(axis=(-1, -2)) / n
    two_tones = (contrast >= least) & (between <= _MIDDLE) & (ink >= _INK)
    return (two_tones & (across >= _ACROSS) & (down >= _DOWN),
            two_tones & (down >= _ACROSS) & (across >= _DOWN), dark, tones)


def _longest(text: np.ndarray, profiles: np.ndarray) -> int:
    """The most text-like cells side by side in a row of `text`, but for runs of a pattern
    that repeats; `profiles` holds each cell's share of dark pixels along the row. Past
    `_CHECKED` repeating runs the next is taken as a line, as a look too long is read."""
    import numpy as np

    if text.size == 0:
        return 0
    padded = np.zeros((text.shape[0], text.shape[1] + 2), np.int8)
    padded[:, 1:-1] = text
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    runs = sorted(zip(ends - starts, rows, starts, strict=True), reverse=True)
    for checked, (length, row, start) in enumerate(runs):
        if length < LINE or checked >= _CHECKED:
            return int(length)
        if not _repeats(profiles[row, start:start + length].ravel()):
            return int(length)
    return 0


def _repeats(profile: np.ndarray) -> bool:
    """Whether a strip of cells is one pattern over and over (a radiator's fins, tiles'
    grout, a brick wall's joints), as a line of letters never is: its columns' share of dark
    pixels (each cell dark by its own two tones, as light falls unevenly on a wall) matches
    itself moved along by some period."""
    import numpy as np

    p = profile - profile.mean()
    n = len(p)
    lags = np.arange(3, n // 2 + 1)
    if not len(lags):
        return False
    products = np.correlate(p, p, "full")[n - 1:][lags]
    squares = np.concatenate([[0.0], np.cumsum(p * p)])
    norms = np.sqrt(squares[n - lags] * (squares[n] - squares[lags]))
    with np.errstate(divide="ignore", invalid="ignore"):
        return bool(np.any(np.where(norms > 0, products / norms, 0) >= _REPEATS))


# How far `skew` looks, in degrees either way, and in what steps: a page photographed by
# hand is turned a few degrees, one turned further was laid so on purpose
_SKEW_MOST, _SKEW_STEP, _SKEW_FINE = 15.0, 0.5, 0.1
_SKEW_POINTS = 100_000  # ink pixels weighed at the most (a sample, the same each time)


def skew(grey: np.ndarray) -> float:
    """The angle in degrees (anticlockwise, as `page_of` turns) that sets the lines of text
    in `grey` level: a projection profile. Ink is a pixel darker than the mean of the 31 x 31
    around it by 20 or more (so uneven light does not count as ink); at the right angle the
    ink falls into few rows, the lines, and the rows between are empty, so the sum of the
    squares of the rows' ink counts is largest. Looked for in steps of half a degree, then a
    tenth about the best. 0.0 where there is no ink."""
    import numpy as np

    g = np.asarray(grey, dtype=np.float32)
    k = 15
    total = np.pad(np.pad(g, k, mode="edge").cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    n = 2 * k + 1
    mean = (total[n:, n:] - total[:-n, n:] - total[n:, :-n] + total[:-n, :-n]) / (n * n)
    ys, xs = np.nonzero(g < mean - 20)
    if len(ys) < 100:
        return 0.0
    if len(ys) > _SKEW_POINTS:
        pick = np.random.default_rng(0).choice(len(ys), _SKEW_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys, xs = ys.astype(np.float64), xs.astype(np.float64)

    def sharpness(angle: float) -> float:
        a = math.radians(angle)
        rows = ys * math.cos(a) - xs * math.sin(a)
        counts = np.bincount((rows - rows.min()).astype(np.int64)).astype(np.float64)
        return float((counts * counts).sum())

    steps = np.arange(-_SKEW_MOST, _SKEW_MOST + _SKEW_STEP / 2, _SKEW_STEP)
    best = max(steps, key=sharpness)
    fine = np.arange(best - _SKEW_STEP, best + _SKEW_STEP + _SKEW_FINE / 2, _SKEW_FINE)
    return round(float(max(fine, key=sharpness)), 1)


# A page lit from one side (`flattened`): the cells its paper's light is measured in, pixels a
# side; the share of a cell's pixels darker than its paper, at the most (the ink of dense
# print is a fifth of a cell); and how dark, of the paper's light, a pixel is ink.
_PAPER_CELL, _PAPER_AT = 24, 0.8
_INK_UNDER = 0.6
# Where Tesseract's one threshold for the picture (Otsu's) fails: it takes this share of the
# picture, and more, for ink; while against its own paper's light ink is a page's share of it
# (print is 0.6% of a short note's page to 12% of a dense letter's; a brick wall is 50-80%
# "ink"; a cracked ceiling's 0.4-0.7% is a note's, and is read again)
_OTSU_DARK, _INK_LEAST, _INK_MOST = 0.4, 0.003, 0.15
# Past this share of the paper's light a pixel is white (the grain of the paper, and the
# camera's noise, amplified where the light was dim)
_WHITE = 0.8


def flattened(grey: np.ndarray) -> np.ndarray | None:
    """`grey` with its light made even: each pixel divided by the light on the paper around it
    (the brightest of each 24-pixel cell's pixels but a fifth, the cells' lights spread to
    their neighbours and drawn smooth), so ink is dark and paper white wherever the window
    was. None where the picture is not a page Tesseract's own threshold loses: where that
    threshold would take less than two fifths of the picture for ink, or where, against its
    paper's light, none of it or much of it is ink (a bare wall, a brick wall).

    Tesseract thresholds a picture once, at Otsu's level for the whole: a page filling a
    photograph lit by a window, its far side a third as bright, is black there and white
    here, and read as nothing (`bench/ocr.py`'s pictures "letter lit from one side"). Divided
    by its light it reads as a scan does."""
    import numpy as np

    g = np.asarray(grey, dtype=np.float32)
    light = _light(g)
    ratio = g / np.maximum(light, 1.0)
    ink = float((ratio < _INK_UNDER).mean())
    if not _INK_LEAST <= ink < _INK_MOST or _otsu_dark(g) < _OTSU_DARK:
        return None
    darkest = float(np.percentile(ratio, 0.5))
    out = (ratio - darkest) / max(_WHITE - darkest, 0.05)
    return (np.clip(out, 0.0, 1.0) * 255).astype(np.uint8)


def _light(g: np.ndarray) -> np.ndarray:
    """The light falling on the paper at each pixel of `g` (`flattened`)."""
    import numpy as np

    n = _PAPER_CELL
    h, w = g.shape
    rows, cols = -(-h // n), -(-w // n)
    cells = np.pad(g, ((0, rows * n - h), (0, cols * n - w)), mode="edge")
    cells = cells.reshape(rows, n, cols, n).transpose(0, 2, 1, 3).reshape(rows, cols, n * n)
    at = int(_PAPER_AT * n * n)
    paper = np.partition(cells, at, axis=-1)[..., at]
    # a cell of a heading's ink takes its neighbours' paper; then smoothed, 3 x 3
    for pick in (np.max, np.mean):
        padded = np.pad(paper, 1, mode="edge")
        paper = pick([padded[i:i + rows, j:j + cols] for i in range(3) for j in range(3)],
                     axis=0)
    # drawn to the picture's pixels, each between the middles of the four cells about it
    ys = np.clip((np.arange(h) + 0.5) / n - 0.5, 0, rows - 1)
    xs = np.clip((np.arange(w) + 0.5) / n - 0.5, 0, cols - 1)
    y0, x0 = ys.astype(int), xs.astype(int)
    y1, x1 = np.minimum(y0 + 1, rows - 1), np.minimum(x0 + 1, cols - 1)
    fy, fx = (ys - y0)[:, None].astype(np.float32), (xs - x0)[None, :].astype(np.float32)
    top = paper[y0][:, x0] * (1 - fx) + paper[y0][:, x1] * fx
    bottom = paper[y1][:, x0] * (1 - fx) + paper[y1][:, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def _otsu_dark(g: np.ndarray) -> float:
    """The share of `g` at or under Otsu's threshold for it: what one threshold for the
    whole picture, as Tesseract's, takes for ink."""
    import numpy as np

    counts = np.bincount(np.clip(g, 0, 255).astype(np.uint8).ravel(), minlength=256)
    p = counts / max(counts.sum(), 1)
    below = np.cumsum(p)
    mean_below = np.cumsum(p * np.arange(256))
    between = (mean_below[-1] * below - mean_below) ** 2 / np.maximum(below * (1 - below),
                                                                      1e-12)
    return float(below[int(np.argmax(between))])
