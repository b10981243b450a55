"""Pictures of the kinds councils send, made by seed, to measure OCR on (bench/ocr.py, tests).

A housing officer's inspection report carries twenty to forty phone photographs of damp
walls, mould, cracked ceilings, radiators and gardens; none has a word worth reading. A
social worker's message carries a screenshot of a case list, a phone photograph of a letter
or of a screen; those are what OCR is for. `photo(seed)` makes the first kind, `text(seed)`
the second, each with the identifiers a reading must find in it. Nothing here is copied: the
photographs are shading, texture, shapes and sensor noise; the text is drawn by poppler from
PDF pages written here (`testdata`), then turned, blurred, lit unevenly and compressed as a
phone would. numpy is spaCy's, so it is always installed with dlpgate.
"""

from __future__ import annotations

import math
import random
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass

import numpy as np

from dlpgate import testdata

PHOTOS = ("damp wall", "brick", "room", "tiles", "cracked ceiling", "garden", "low light",
          "carpet")
TEXTS = ("case list", "case list as JPEG", "dark case list", "photographed letter",
         "photographed screen", "scanned letter", "letter on a table")
# Harder light than TEXTS' (kept apart so their figures stay comparable): a page filling the
# picture lit from one side, its far edge a third to a fifth as bright; a letter on a desk
# with a shadow (the phone's, a hand's) across part of it.
LIT = ("letter lit from one side", "letter in a shadow")


@dataclass(frozen=True)
class Picture:
    kind: str
    data: bytes
    # what a reading of it must find (an NHS number, a surname); none in a photograph
    shows: tuple[str, ...] = ()


def photo(seed: int, kind: str | None = None, size: tuple[int, int] | None = None) -> Picture:
    """A phone photograph with no words in it, as a JPEG: `kind` one of PHOTOS (by seed when
    not given), `size` (width, height) 1600 x 1200 to 4032 x 3024 by seed."""
    kind = kind or PHOTOS[seed % len(PHOTOS)]
    w, h = size or [(1600, 1200), (2048, 1536), (1200, 1600), (4032, 3024)][seed // 8 % 4]
    return Picture(kind, jpeg(scene(seed, kind, (w, h)), 70 + seed % 22))


def scene(seed: int, kind: str, size: tuple[int, int]) -> np.ndarray:
    """The colour pixels (height, width, 3) of a photograph of `kind` (one of PHOTOS), with
    the sensor's noise, before it is saved as a JPEG."""
    rng = np.random.default_rng(seed)
    img = _SCENES[kind](rng, *size)
    return img + rng.normal(0, 3 if kind != "low light" else 14, img.shape)


def text(seed: int, kind: str | None = None) -> Picture:
    """A picture that carries personal data (`kind` one of TEXTS, by seed when not given, or
    one of LIT), with the NHS numbers and surnames drawn in it."""
    kind = kind or TEXTS[seed % len(TEXTS)]
    rng = random.Random(seed)
    rows = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", testdata.nhs_number(rng),
             f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2006, 2022)}")
            for _ in range(rng.randrange(3, 12))]
    shows = tuple(r[1] for r in rows) + tuple(r[0].split()[1] for r in rows)
    return Picture(kind, _TEXTS[kind](rng, [("Name", "NHS number", "Date of birth"), *rows]),
                   shows)


# --- the photographs: low-frequency shading, texture, shapes ---

def _fractal(rng, h: int, w: int, octaves: int = 6, persistence: float = 0.6) -> np.ndarray:
    """Value noise summed over octaves: the blotches of damp, plaster, cloud, foliage."""
    out = np.zeros((h, w))
    amp = 1.0
    for o in range(octaves):
        gh, gw = max(2, h >> (octaves + 2 - o)), max(2, w >> (octaves + 2 - o))
        grid = rng.standard_normal((gh + 1, gw + 1))
        ys, xs = np.linspace(0, gh - 1e-6, h), np.linspace(0, gw - 1e-6, w)
        y0, x0 = ys.astype(int), xs.astype(int)
        fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
        top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
        bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
        out += amp * (top * (1 - fy) + bottom * fy)
        amp *= persistence
    return out


def _lit(rng, h: int, w: int, colour) -> np.ndarray:
    """A surface of `colour` under uneven light (a window to one side)."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    light = 1 + 0.35 * (rng.uniform(-1, 1) * xx + rng.uniform(-1, 1) * yy)
    return np.asarray(colour, float)[None, None, :] * light[..., None]


def _damp_wall(rng, w: int, h: int) -> np.ndarray:
    img = _lit(rng, h, w, rng.uniform(150, 225, 3)) + 14 * _fractal(rng, h, w)[..., None]
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(1, 4)):  # stains, darker at their heart
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(h // 10, h // 3)
        stain = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2.0 * r * r))
        stain *= 1 + 0.6 * _fractal(rng, h, w, 4)
        img -= (70 * stain)[..., None] * np.array([1.0, 0.9, 0.7])
    for _ in range(int(rng.integers(200, 2000))):  # mould: specks
        y, x, s = rng.integers(0, h - 6), rng.integers(0, w - 6), rng.integers(1, 6)
        img[y:y + s, x:x + s] *= 0.35
    return img


def _brick(rng, w: int, h: int) -> np.ndarray:
    course = int(rng.integers(40, 90))
    img = _lit(rng, h, w, rng.uniform([120, 50, 30], [180, 90, 60]))
    yy, xx = np.mgrid[0:h, 0:w]
    shift = (yy // course % 2) * course
    mortar = ((yy % course) < course // 7) | (((xx + shift) % (2 * course)) < course // 7)
    img[mortar] = rng.uniform(170, 210)
    return img + 22 * _fractal(rng, h, w)[..., None]


def _room(rng, w: int, h: int) -> np.ndarray:
    """A wall, a floor, a window with a garden beyond, a door frame and a radiator."""
    img = _lit(rng, h, w, rng.uniform(170, 230, 3)) + 8 * _fractal(rng, h, w)[..., None]
    floor = int(h * rng.uniform(0.65, 0.85))
    img[floor:] = _carpet(rng, w, h - floor)
    img[floor - h // 60:floor] = 240  # skirting board
    wx, wy = int(rng.integers(0, w // 2)), int(rng.integers(h // 10, h // 4))
    ww, wh = w // 3, h // 3
    img[wy:wy + wh, wx:wx + ww] = _garden(rng, ww, wh)
    frame = max(4, w // 150)
    img[wy:wy + wh, wx + ww // 2 - frame // 2:wx + ww // 2 + frame // 2] = 245
    img[wy - frame:wy, wx:wx + ww] = img[wy + wh:wy + wh + frame, wx:wx + ww] = 245
    rx, ry = int(rng.integers(w // 2, w - w // 4)), floor - h // 5
    fins = (np.arange(w // 4) // max(3, w // 200)) % 2 == 0
    img[ry:ry + h // 7, rx:rx + w // 4][:, fins] = 250
    img[ry:ry + h // 7, rx:rx + w // 4][:, ~fins] = 200
    return img


def _tiles(rng, w: int, h: int) -> np.ndarray:
    size = int(rng.integers(60, 160))
    img = _lit(rng, h, w, rng.uniform(190, 245, 3))
    yy, xx = np.mgrid[0:h, 0:w]
    grout = ((yy % size) < 5) | ((xx % size) < 5)
    img[grout] *= 0.6
    img[grout & (rng.random((h, w)) < 0.3)] *= 0.5  # mould in the grout
    return img + 5 * _fractal(rng, h, w)[..., None]


def _ceiling(rng, w: int, h: int) -> np.ndarray:
    img = _lit(rng, h, w, rng.uniform(200, 240, 3)) + 6 * _fractal(rng, h, w)[..., None]
    for _ in range(rng.integers(1, 4)):  # cracks: a random walk, dark
        y, x = float(rng.integers(0, h)), float(rng.integers(0, w))
        heading = rng.uniform(0, 6.3)
        for _ in range(int(rng.integers(300, 1500))):
            heading += rng.normal(0, 0.25)
            y, x = y + 2 * math.sin(heading), x + 2 * math.cos(heading)
            if 2 <= y < h - 2 and 2 <= x < w - 2:
                img[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2] *= 0.45
    return img


def _garden(rng, w: int, h: int) -> np.ndarray:
    leaves = _fractal(rng, h, w, 7, 0.85)
    img = np.stack([60 + 30 * leaves, 110 + 45 * leaves, 50 + 20 * leaves], axis=-1)
    sky = int(h * rng.uniform(0.1, 0.4))
    img[:sky] = np.array([150, 190, 235]) + 10 * _fractal(rng, sky, w, 4)[..., None]
    return img


def _low_light(rng, w: int, h: int) -> np.ndarray:
    return _room(rng, w, h) * 0.35


def _carpet(rng, w: int, h: int) -> np.ndarray:
    fibre = rng.random((h, w))
    img = _lit(rng, h, w, rng.uniform(60, 160, 3))
    return img * (0.8 + 0.4 * fibre)[..., None] + 10 * _fractal(rng, h, w, 5)[..., None]



_SCENES = {"damp wall": _damp_wall, "brick": _brick, "room": _room, "tiles": _tiles,
           "cracked ceiling": _ceiling, "garden": _garden, "low light": _low_light,
           "carpet": _carpet}


# --- the pictures with words: drawn by poppler, then photographed ---

_FIRST = ("Amy", "Callum", "Jade", "Oliver", "Priya", "Kacper", "Leah", "Tyler", "Zara", "Noah")
_LAST = ("Reid", "Okafor", "Kowalski", "Hughes", "Patel", "Murray", "Begum", "Lloyd", "Walsh",
         "Nowak", "Fletcher", "Ahmed")
_FONTS = ("Helvetica", "Times-Roman", "Courier", "Helvetica-Bold")


def _table_page(rng, rows, font: str, size: int) -> tuple[bytes, int, int]:
    """A one-page PDF of `rows` as a case system lists them: a title bar, column heads."""
    pitch = size + 6
    widths = [size * 11, size * 9, size * 8]
    width = sum(widths) + 40
    height = pitch * (len(rows) + 2) + 20
    ops = [f"0.16 0.35 0.6 rg 0 {height - pitch - 8} {width} {pitch + 8} re f",
           "1 1 1 rg BT", f"/F1 {size} Tf", f"12 {height - pitch} Td",
           f"{testdata._pdf_string('Children open to the service')} Tj", "ET", "0 0 0 rg"]
    for n, row in enumerate(rows):
        y, x = height - pitch * (n + 2) - 12, 12
        for cell, cw in zip(row, widths, strict=False):
            ops.append(f"BT /F1 {size} Tf {x} {y} Td {testdata._pdf_string(cell)} Tj ET")
            x += cw
    return testdata._page(ops, width, height, font), width, height


def _case_list(rng, rows, fmt: str = "png", dark: bool = False) -> bytes:
    font, size = rng.choice(_FONTS), rng.choice((9, 10, 11, 12, 14))
    page, _, _ = _table_page(rng, rows, font, size)
    scale = rng.choice((1.0, 1.25, 1.5, 2.0))
    pixels = grey(testdata.picture_of(page, round(96 * scale), "pgm"))
    if dark:
        pixels = 255 - pixels * 0.85
    return png(pixels) if fmt == "png" else jpeg(pixels, rng.randrange(60, 90))


def _letter_pixels(rng, rows, resolution: int) -> np.ndarray:
    lines = ["Westshire Council, Children's Services", "", f"Dear {rows[1][0]},", "",
             "We write about the children named below, open to the service:", ""]
    lines += ["    ".join(r) for r in rows[1:]]
    lines += ["", "Yours sincerely,", "Ann Officer, Social Worker"]
    return grey(testdata.picture_of(testdata.make_pdf("\n".join(lines)), resolution, "pgm"))


def _photographed(rng, pixels: np.ndarray, w: int, h: int, angle: float,
                  background: np.ndarray | None = None, fit: float | None = None,
                  shade: np.ndarray | None = None) -> bytes:
    """`pixels` (a page or a screen) turned by `angle` degrees and set on `background` (a
    desk by default) at w x h (the page `fit` times the picture's size where given), then
    taken as a phone takes it (`_camera`, lit by `shade`)."""
    noise = np.random.default_rng(rng.randrange(1 << 30))
    desk = background if background is not None else _carpet(noise, w, h).mean(axis=-1) * 0.7
    ph, pw = pixels.shape
    if fit is None:
        fit = min(0.9 * w / pw, 0.9 * h / ph) * (rng.uniform(0.8, 1.0) if background is None
                                                   else 1)
    else:
        fit = fit * min(w / pw, h / ph)
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    a = np.radians(angle)
    cy, cx = h / 2, w / 2
    sy = ((yy - cy) * np.cos(a) - (xx - cx) * np.sin(a)) / fit + ph / 2
    sx = ((yy - cy) * np.sin(a) + (xx - cx) * np.cos(a)) / fit + pw / 2
    inside = (sy >= 0) & (sy < ph - 1) & (sx >= 0) & (sx < pw - 1)
    y0, x0 = sy.clip(0, ph - 2).astype(int), sx.clip(0, pw - 2).astype(int)
    fy, fx = sy.clip(0, ph - 2) - y0, sx.clip(0, pw - 2) - x0
    drawn = (pixels[y0, x0] * (1 - fx) * (1 - fy) + pixels[y0, x0 + 1] * fx * (1 - fy)
             + pixels[y0 + 1, x0] * (1 - fx) * fy + pixels[y0 + 1, x0 + 1] * fx * fy)
    return _camera(rng, np.where(inside, drawn, desk), shade)


def _camera(rng, img: np.ndarray, shade: np.ndarray | None = None) -> bytes:
    """`img` as a phone saves it: a little out of focus, lit unevenly (and by `shade`, a
    share of the light at each pixel, where given), with sensor noise, a JPEG."""
    h, w = img.shape
    img = (img + np.roll(img, 1, 0) + np.roll(img, 1, 1) + np.roll(img, (1, 1), (0, 1))) / 4
    yy, xx = np.mgrid[0:h, 0:w]
    light = 1 - 0.25 * ((xx / w) * rng.uniform(-1, 1) + (yy / h) * rng.uniform(-1, 1))
    if shade is not None:
        light = light * shade
    noise = np.random.default_rng(rng.randrange(1 << 30))
    return jpeg(img * light + noise.normal(0, 4, img.shape), rng.randrange(70, 92))


def _photographed_letter(rng, rows) -> bytes:
    size = rng.choice([(1600, 1200), (1200, 1600), (2048, 1536), (3024, 4032)])
    return _photographed(rng, _letter_pixels(rng, rows, rng.choice((150, 200))), *size,
                         rng.uniform(-7, 7))


def _lit_from_one_side(rng, rows) -> bytes:
    """A letter photographed close, filling the picture, by a window: the light falls from
    full on one side to a third or a fifth of it on the other, across or down."""
    w, h = rng.choice([(1600, 1200), (1200, 1600), (2048, 1536), (3024, 4032)])
    across = rng.random() < 0.5
    ramp = np.linspace(1.0, rng.uniform(0.2, 0.35), w if across else h)
    ramp = ramp[::-1] if rng.random() < 0.5 else ramp
    shade = np.broadcast_to(ramp[None, :] if across else ramp[:, None], (h, w))
    return _photographed(rng, _letter_pixels(rng, rows, rng.choice((150, 200))), w, h,
                         rng.uniform(-3, 3), fit=1.05, shade=shade)


def _in_a_shadow(rng, rows) -> bytes:
    """A letter on a desk, photographed from above with the phone's (or a hand's) shadow
    across part of it: a soft-edged band at 40-55% of the light."""
    w, h = rng.choice([(1600, 1200), (1200, 1600), (2048, 1536), (3024, 4032)])
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    a = rng.uniform(0, math.pi)
    along = (xx - w * rng.uniform(0.35, 0.65)) * math.cos(a) + \
        (yy - h * rng.uniform(0.25, 0.45)) * math.sin(a)
    half, soft = rng.uniform(0.12, 0.25) * min(w, h), 0.03 * min(w, h)
    inside = 1 / (1 + np.exp((np.abs(along) - half) / soft))
    shade = 1 - rng.uniform(0.45, 0.6) * inside
    return _photographed(rng, _letter_pixels(rng, rows, rng.choice((150, 200))), w, h,
                         rng.uniform(-5, 5), shade=shade)


def _photographed_screen(rng, rows) -> bytes:
    font = rng.choice(_FONTS)
    page, _, _ = _table_page(rng, rows, font, rng.choice((10, 11, 12)))
    screen = grey(testdata.picture_of(page, 96 * 2, "pgm"))
    w, h = rng.choice([(1600, 1200), (2048, 1536)])
    bezel = np.full((h, w), 25.0)
    return _photographed(rng, screen, w, h, rng.uniform(-4, 4), bezel)


def _scanned_letter(rng, rows) -> bytes:
    return jpeg(_letter_pixels(rng, rows, rng.choice((150, 200, 300))), rng.randrange(60, 85))


def _letter_on_table(rng, rows) -> bytes:
    """A room photographed with a letter lying in it: the words a fifth of the picture."""
    w, h = 2048, 1536
    room = _room(np.random.default_rng(rng.randrange(1 << 30)), w, h).mean(axis=-1)
    letter = _letter_pixels(rng, rows, 200)
    lh = int(h * 0.7)
    lw = int(lh * letter.shape[1] / letter.shape[0])
    ys = (np.arange(lh) * letter.shape[0] / lh).astype(int)
    xs = (np.arange(lw) * letter.shape[1] / lw).astype(int)
    y, x = h - lh - h // 40, rng.randrange(0, w - lw)
    room[y:y + lh, x:x + lw] = letter[ys][:, xs] * 0.9
    return _camera(rng, room * 0.85)


_TEXTS = {
    "case list": lambda rng, rows: _case_list(rng, rows),
    "case list as JPEG": lambda rng, rows: _case_list(rng, rows, "jpeg"),
    "dark case list": lambda rng, rows: _case_list(rng, rows, dark=True),
    "photographed letter": _photographed_letter,
    "photographed screen": _photographed_screen,
    "scanned letter": _scanned_letter,
    "letter on a table": _letter_on_table,
    "letter lit from one side": _lit_from_one_side,
    "letter in a shadow": _in_a_shadow,
}


# --- encoding ---

def grey(pgm: bytes) -> np.ndarray:
    """A binary PGM's pixels (as `testdata.picture_of(..., "pgm")` gives) as floats."""
    _, size, _, pixels = pgm.split(b"\n", 3)
    width, height = (int(v) for v in size.split())
    return np.frombuffer(pixels, np.uint8).reshape(height, width).astype(float)


def png(pixels: np.ndarray) -> bytes:
    """Grey (h, w) or colour (h, w, 3) pixels as a PNG."""
    data = np.asarray(pixels).clip(0, 255).astype(np.uint8)
    h, w = data.shape[:2]
    rows = np.concatenate([np.zeros((h, 1), np.uint8), data.reshape(h, -1)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    head = struct.pack(">IIBBBBB", w, h, 8, 2 if data.ndim == 3 else 0, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", head)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def jpeg(pixels: np.ndarray, quality: int = 85) -> bytes:
    """Grey or colour pixels as a JPEG of `quality`, written by poppler's pdftoppm from a
    page that shows them one pixel a point."""
    data = np.asarray(pixels).clip(0, 255).astype(np.uint8)
    h, w = data.shape[:2]
    space = "/DeviceRGB" if data.ndim == 3 else "/DeviceGray"
    packed = zlib.compress(data.tobytes(), 1)
    draw = f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q".encode()
    pdf = testdata._pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Resources << /XObject << "
        f"/Im0 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length " + str(len(draw)).encode() + b" >>\nstream\n" + draw + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {space} "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode()
        + packed + b"\nendstream",
    ])
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/in.pdf", "wb") as f:
            f.write(pdf)
        subprocess.run(["pdftoppm", "-r", "72", "-jpeg", "-jpegopt", f"quality={quality}",
                        *([] if data.ndim == 3 else ["-gray"]), "-singlefile",
                        f"{tmp}/in.pdf", f"{tmp}/out"], check=True, capture_output=True)
        with open(f"{tmp}/out.jpg", "rb") as f:
            return f.read()


def heic(picture: bytes, quality: int = 50) -> bytes:
    """A JPEG or PNG saved as an iPhone saves its photographs, HEIC (HEVC inside HEIF), by
    libheif's heif-enc (Debian's libheif-examples, with x265); about 4 s for 2 megapixels."""
    with tempfile.TemporaryDirectory() as tmp:
        source = f"{tmp}/in.{_PNG_OR_JPEG[picture.startswith(PNG_SIGNATURE)]}"
        with open(source, "wb") as f:
            f.write(picture)
        subprocess.run(["heif-enc", "-q", str(quality), source, "-o", f"{tmp}/out.heic"],
                       check=True, capture_output=True)
        with open(f"{tmp}/out.heic", "rb") as f:
            return f.read()


def report(pictures: list[bytes], title: str = "Inspection report") -> bytes:
    """A Word document showing `pictures` in order, as a housing officer's inspection report
    shows its photographs (word/media/image1.jpeg, ...; a PNG as image N.png)."""
    media = {f"word/media/image{n}.{_PNG_OR_JPEG[p.startswith(PNG_SIGNATURE)]}": p
             for n, p in enumerate(pictures, 1)}
    return testdata.with_members(testdata.make_docx([title, "Photographs of each room."]),
                                 media)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_OR_JPEG = ("jpeg", "png")
