"""The text in images: scanned PDF pages and pictures of documents, read by Tesseract.

Councils scan paper (a referral form, a signed consent, a health visitor's notes) and send the
PDF; a PDF of page images has no text layer, and it went out unread. Tesseract and poppler's
pdftoppm (and pdfimages, which takes a picture out of a page of text) run as programs of
their own, each under `scan.ocr.memory` and `scan.ocr.timeout`: a decompression bomb or a
file that hangs the decoder costs one failed reading, said as a problem, and never the scan
worker. They are Debian packages (tesseract-ocr, poppler-utils);
their language data is installed with them, never fetched.

An iPhone saves its photographs as HEIC (HEIF), which Tesseract's image library cannot open:
an officer's photograph of a letter went out unread. libheif's heif-convert (Debian's
libheif-examples) draws one as the JPEG a camera would have saved, under the same limits,
and that JPEG is read as any photograph is (`Reader.photograph`). It is a program, not a
library in the worker (pillow-heif), for the reason the others are: the HEVC decoder is a
large body of C fed with a stranger's bytes, and a file that crashes or exhausts it costs one
failed reading here. Where OCR is installed and heif-convert is not, a HEIC picture is said
to be unread, not passed over.

What is read is kept deterministic (one engine mode, one page segmentation, one thread), so
the review app, reading a held message again, finds its findings where the scan found them.
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from dlpgate.config import Ocr
from dlpgate.parse import photos


class OcrFailed(Exception):
    """An image or page that could not be read; the message says why, never what it shows."""


@functools.cache
def _programs() -> tuple[str, str, str, str] | None:
    """(tesseract, pdftoppm, prlimit or "", pdfimages), or None when OCR is not installed
    (pdftoppm and pdfimages are both poppler-utils)."""
    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    pdfimages = shutil.which("pdfimages")
    if not tesseract or not pdftoppm or not pdfimages:
        return None
    return tesseract, pdftoppm, shutil.which("prlimit") or "", pdfimages


def available() -> bool:
    return _programs() is not None


@functools.cache
def _heif_convert() -> str | None:
    return shutil.which("heif-convert")


def heif_available() -> bool:
    """Whether HEIC photographs can be drawn for OCR to read (libheif-examples)."""
    return _heif_convert() is not None


# The brands an ISO base media file names in its first box (`ftyp`) when it is a HEIF
# picture: an iPhone's photograph (heic), its edits and bursts (heix, heim, heis, hevc, hevx,
# mif1, msf1), and AVIF, the same container with AV1 inside (some Android phones, the web).
# Not a video (isom, mp42, qt), whose first box is `ftyp` too.
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
                b"avif", b"avis")


def is_heif(data: bytes) -> bool:
    """A HEIF picture (HEIC, AVIF), by the major brand of its `ftyp` box."""
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


@functools.cache
def installed_languages() -> frozenset[str]:
    found = _programs()
    if found is None:
        return frozenset()
    done = subprocess.run([found[0], "--list-langs"], capture_output=True, timeout=30,
                          check=False)
    lines = done.stdout.decode("ascii", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def missing_languages(settings: Ocr) -> list[str]:
    """The configured languages Tesseract has no data for (empty when OCR is not installed:
    then nothing is read, and scanned pages say so)."""
    if not settings.enabled or not available():
        return []
    return [lang for lang in settings.languages if lang not in installed_languages()]


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, BMP or JPEG header, or None when not found cheaply:
    enough to pass over a logo without starting a program for it."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if frame := photos.jpeg_frame(data):
        return frame.width, frame.height
    return None


@dataclass
class Reader:
    """Reads images and scanned pages with one message's settings."""

    settings: Ocr

    def image(self, data: bytes, left: float | None = None) -> str:
        """The words in an image (PNG, JPEG, TIFF, GIF, BMP, WebP), a line of the image a line
        of text, within `timeout` and the `left` seconds of the message's OCR. Raises
        OcrFailed."""
        key = hashlib.sha256(data).digest()
        known = _CACHE.get(self.settings, key)
        if known is not None:
            return known
        with tempfile.TemporaryDirectory(prefix="dlpgate-ocr-") as tmp:
            path = os.path.join(tmp, "image")
            with open(path, "wb") as f:
                f.write(data)
            # a second look only at what screenshots are saved as: on a photograph with
            # no words in it, reading it as one block takes forty seconds
            flat = data.startswith((b"\x89PNG", b"GIF8", b"BM"))
            clock, started = _Clock(self.settings.timeout, left), time.monotonic()
            text = self._tesseract(path, clock, second_look=flat)
            frame = None if flat else photos.jpeg_frame(data)
            if photos.lookable(frame):
                took = time.monotonic() - started
                text = self._straightened(data, frame, tmp, clock, text, took)
                text = self._relit(data, frame, tmp, clock, text, took)
        _CACHE.put(self.settings, key, text)
        return text

    def _straightened(self, data: bytes, frame: photos.Frame, tmp: str, clock: _Clock,
                      found: str, took: float) -> str:
        """A photograph of a page read again straightened, where the first reading found
        words (three and more, `_words`) and the page is turned (`photos.skew`) more than
        Tesseract's own layout analysis follows on small print; the reading with more words
        stands.

        Held by hand, a page is photographed turned a few degrees, and the lines of 10-point
        print, eight pixels high in a 12-megapixel picture of a whole A4 page, are lost to
        Tesseract's line finding at four degrees and more (`bench/ocr.py`: 4 of 22 names and
        numbers read at 6.5 degrees, 14 straightened). So the copy read again is drawn by
        pdftoppm in grey, turned level (poppler turns it, in C, as it draws), and read with
        Tesseract's Sauvola thresholding (5.0 and on: a threshold for each pixel from the mean
        and spread of its neighbours), as the light on a photographed page is uneven where a
        scan's is not. A second opinion, as the screenshot's is: three times the first
        reading's time at most (five seconds at least), and a failure of it leaves the first
        reading standing. A photograph whose first reading found next to nothing (a wall or
        tiles the look let through) is not read again here: that cost seconds on every one;
        a page lit so unevenly Tesseract read none of it is read again by `_relit`, where
        the picture's measures say it is such a page."""
        if _words(found) < _FEW_WORDS:
            return found  # a wall or tiles the look let through: read again, seconds for none
        try:
            pixels = self._grey(data, frame, tmp, clock)
            angle = photos.skew(pixels) if pixels is not None else 0.0
            if abs(angle) < _TURNED:
                return found
            source, copy = os.path.join(tmp, "straight.pdf"), os.path.join(tmp, "straight")
            with open(source, "wb") as f:
                f.write(photos.page_of(data, frame, angle))
            self._run([_need()[1], "-gray", "-r", "72", "-singlefile", source, copy],
                      "straighten", clock)
            again = self._read(copy + ".pgm", "1", clock, cap=max(5.0, 3 * took),
                               options=("-c", "thresholding_method=2"))
        except OcrFailed:
            return found
        return again if _words(again) > _words(found) else found

    def _relit(self, data: bytes, frame: photos.Frame, tmp: str, clock: _Clock, found: str,
               took: float) -> str:
        """A photograph of a page read to next to nothing (fewer than three words) read
        again with its light made even (`photos.flattened`), where it is a page that
        Tesseract's one threshold for the picture loses: lit from one side, or with a shadow
        across it, the dark part black to Tesseract and the words in it gone. The copy is
        drawn in grey by pdftoppm at most `_RELIT_SIDE` pixels a side; what it reads comes
        after the first reading, and stands only where it has more words. A second opinion,
        as the others are: three times the first reading's time at most (five seconds at
        least), and a failure of it leaves the first reading standing. A wall, a ceiling or
        tiles the look let through are passed over by the picture's measures, for the cost
        of drawing the copy (a few tenths of a second), not read again."""
        if _words(found) >= _FEW_WORDS:
            return found
        try:
            pixels = self._grey(data, frame, tmp, clock, _RELIT_SIDE, "relit")
            even = photos.flattened(pixels) if pixels is not None else None
            if even is None:
                return found
            path = os.path.join(tmp, "even.pgm")
            with open(path, "wb") as f:
                f.write(b"P5\n%d %d\n255\n" % (even.shape[1], even.shape[0]) + even.tobytes())
            again = self._read(path, "1", clock, cap=max(5.0, 3 * took))
        except OcrFailed:
            return found
        if _words(again) <= _words(found):
            return found
        return "\n\n".join(t for t in (found, again) if t)

    def _grey(self, data: bytes, frame: photos.Frame, tmp: str, clock: _Clock,
              side: int = photos.LOOK_SIDE, name: str = "look"):
        """A grey copy of a JPEG photograph, at most `side` pixels a side, drawn by pdftoppm
        (None where it drew nothing a PGM holds). Raises OcrFailed."""
        source, copy = os.path.join(tmp, f"{name}.pdf"), os.path.join(tmp, name)
        with open(source, "wb") as f:
            f.write(photos.page_of(data, frame))
        size = ["-scale-to", str(side)] if max(frame.width, frame.height) > side \
            else ["-r", "72"]
        done = self._run([_need()[1], "-gray", *size, "-singlefile", source, copy], "look at",
                         clock)
        if done.stderr.strip():  # "Corrupt JPEG data": read, and fail, as before
            raise OcrFailed("OCR could not look at it: damaged")
        with open(copy + ".pgm", "rb") as f:
            return photos.pgm_pixels(f.read())

    def photograph(self, data: bytes, left: float | None = None) -> bytes:
        """A HEIF picture (`is_heif`) as a JPEG of quality 92, drawn by heif-convert with
        its rotation applied, within `timeout` and the `left` seconds of the message's OCR;
        of a file with several pictures (a burst, rare), the first. Deterministic, as the
        review app needs: the same bytes give the same JPEG, and so the same words. Raises
        OcrFailed, also when heif-convert is not installed."""
        program = _heif_convert()
        if program is None:
            raise OcrFailed("HEIC pictures are not read here: heif-convert is not "
                            "installed (Debian's libheif-examples)")
        with tempfile.TemporaryDirectory(prefix="dlpgate-ocr-") as tmp:
            source, copy = os.path.join(tmp, "picture.heic"), os.path.join(tmp, "picture.jpg")
            with open(source, "wb") as f:
                f.write(data)
            self._run([program, "--quiet", "-q", "92", source, copy], "draw",
                      _Clock(self.settings.timeout, left))
            # a file of several top-level pictures is written one a file, numbered from 1
            for path in (copy, os.path.join(tmp, "picture-1.jpg")):
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        return f.read()
        raise OcrFailed("OCR could not draw it: no picture in it")

    def shows_no_text(self, data: bytes, left: float | None = None) -> bool:
        """Whether a JPEG photograph shows nothing like a line of text at a first look
        (`photos`): a grey copy of it drawn by pdftoppm, at most `photos.LOOK_SIDE` pixels a
        side, within `timeout` and the `left` seconds of the message's OCR. False for any
        other picture, and for one the look could not draw whole (a JPEG cut short or
        damaged, which Tesseract then fails on and says so, as before)."""
        frame = photos.jpeg_frame(data)
        if not photos.lookable(frame) or b"\xff\xd9" not in data[-4096:]:
            return False  # no end of image: cut short, drawn grey below the cut
        key = b"look:" + hashlib.sha256(data).digest()
        known = _CACHE.get(self.settings, key)
        if known is not None:
            return known == _NO_TEXT
        with tempfile.TemporaryDirectory(prefix="dlpgate-ocr-") as tmp:
            try:
                pixels = self._grey(data, frame, tmp, _Clock(self.settings.timeout, left))
            except OcrFailed:
                return False
        if pixels is None:
            return False
        blank = photos.longest_line(pixels) < photos.LINE
        _CACHE.put(self.settings, key, _NO_TEXT if blank else "")
        return blank

    def pages(self, pdf: bytes, numbers: list[int], left: float | None = None,
              pictured: bool = False) -> dict[int, str]:
        """The words on the given pages (numbered from 1) of a PDF, each rendered in grey at
        `resolution` and read, each within `timeout` and all within `left` seconds. A page
        that cannot be read raises OcrFailed naming it; so does one drawn blank though it
        shows a page-sized picture (`pictured`)."""
        clock = _Clock(self.settings.timeout, left)
        out: dict[int, str] = {}
        with tempfile.TemporaryDirectory(prefix="dlpgate-ocr-") as tmp:
            source = os.path.join(tmp, "document.pdf")
            with open(source, "wb") as f:
                f.write(pdf)
            for number in numbers:
                key = hashlib.sha256(pdf + number.to_bytes(4, "big")).digest()
                known = _CACHE.get(self.settings, key)
                if known is None:
                    image = os.path.join(tmp, f"page-{number}")
                    clock.page()
                    try:
                        self._run([_need()[1], "-r", str(self.settings.resolution), "-gray",
                                   "-f", str(number), "-l", str(number), "-singlefile", source,
                                   image], "render", clock)
                        if not _blank(image + ".pgm"):
                            known = self._tesseract(image + ".pgm", clock)
                        elif pictured:
                            # pdftoppm draws a scan whose image it cannot decode as white,
                            # and says nothing: read, it would be a blank page let go
                            raise OcrFailed("its image could not be drawn (damaged)")
                        else:
                            known = ""  # a blank page: nothing on it to read
                    except OcrFailed as exc:
                        raise OcrFailed(f"page {number}: {exc}") from None
                    _CACHE.put(self.settings, key, known)
                out[number] = known
        return out

    def pictures(self, pdf: bytes, number: int, objects: list[int],
                 left: float | None = None) -> list[bytes]:
        """The pictures that are image objects `objects` on page `number` of a PDF, in that
        order, each as poppler's pdfimages takes it out: a JPEG as the JPEG it was put in
        as, any other as PNG (so Tesseract reads a screenshot at its own pixels, not the
        page's text drawn again around it). Within `timeout` and the `left` seconds of the
        message's OCR; raises OcrFailed naming the page."""
        clock = _Clock(self.settings.timeout, left)
        found: list[bytes] = []
        with tempfile.TemporaryDirectory(prefix="dlpgate-ocr-") as tmp:
            source = os.path.join(tmp, "document.pdf")
            with open(source, "wb") as f:
                f.write(pdf)
            pages = ["-f", str(number), "-l", str(number)]
            try:
                listed = self._run([_need()[3], "-list", *pages, source], "list its pictures",
                                   clock)
                nums: dict[int, tuple[int, int]] = {}  # object number -> (place, pixels)
                for row in listed.stdout.decode("ascii", "replace").splitlines()[2:]:
                    cols = row.split()
                    if len(cols) > 10 and cols[2] == "image" and \
                            all(c.isdigit() for c in (cols[1], cols[3], cols[4], cols[10])):
                        nums.setdefault(int(cols[10]), (int(cols[1]), int(cols[3]) * int(cols[4])))
                wanted = [nums[key] for key in objects if key in nums]
                if any(pixels * _BYTES_A_PIXEL > self.settings.memory for _, pixels in wanted):
                    # Tesseract would fail for want of memory, after seconds spent taking it out
                    raise OcrFailed("a picture too large to read: more than "
                                    f"{self.settings.memory // 1024**2} MB")
                if not wanted:
                    return []
                root = os.path.join(tmp, "picture")
                self._run([_need()[3], "-png", "-j", *pages, source, root],
                          "take out its pictures", clock)
            except OcrFailed as exc:
                raise OcrFailed(f"page {number}: {exc}") from None
            for num, _ in wanted:
                for ext in ("jpg", "png"):
                    path = f"{root}-{num:03d}.{ext}"
                    if os.path.exists(path):
                        with open(path, "rb") as f:
                            found.append(f.read())
                        break
        return found

    def _tesseract(self, path: str, clock: _Clock, second_look: bool = False) -> str:
        """Read with the page's layout found and its orientation detected first (psm 1: a page
        scanned sideways or upside down, a phone photo held in portrait, read nothing under
        psm 3). With `second_look`, where that finds next to nothing, read again as one block
        of text (psm 6), which is how a screenshot of a case list, its coloured title bar
        taken for a picture, gives its rows; that look is a second opinion, so it gets three
        times the first one's time at most (five seconds at least) and a failure of it
        leaves the first reading standing."""
        started = time.monotonic()
        found = self._read(path, "1", clock)
        if not second_look or len(found.split()) >= _FEW_WORDS:
            return found
        try:
            again = self._read(path, "6", clock, cap=max(5.0, 3 * (time.monotonic() - started)))
        except OcrFailed:
            return found
        return again if _words(again) > _words(found) else found

    def _read(self, path: str, psm: str, clock: _Clock, cap: float | None = None,
              options: tuple[str, ...] = ()) -> str:
        """The words Tesseract reads in the image at `path` (`_lines`), with the spaces its
        boxes show between groups of digits put back (`_spaced`)."""
        out = f"{path}-read-{psm}"
        done = self._run([_need()[0], path, out, "-l", "+".join(self.settings.languages),
                          "--oem", "1", "--psm", psm, "-c", "hocr_char_boxes=1", *options,
                          "tsv", "hocr"], "read", clock, cap)
        if _GAVE_UP.search(done.stderr):  # out of memory half-way, and exit status 0
            raise OcrFailed("OCR could not read it: damaged, or more than "
                            f"{self.settings.memory // 1024**2} MB to read")
        texts = []
        for ext in ("tsv", "hocr"):
            try:
                with open(f"{out}.{ext}", "rb") as f:
                    texts.append(f.read().decode("utf-8", "replace"))
            except OSError:
                raise OcrFailed("OCR could not read it: no reading written") from None
        return _lines(texts[0], self.settings.min_confidence, _gaps(texts[1]))

    def _run(self, argv: list[str], verb: str, clock: _Clock,
             cap: float | None = None) -> subprocess.CompletedProcess:
        """One program under the memory limit and the time left (or `cap`, if sooner); its
        error output is never shown (it may quote the file's metadata)."""
        limit = _need()[2]
        allowed, why = clock.left()
        if cap is not None and cap < allowed:
            allowed, why = cap, f"{cap:.0f} s"
        if limit:  # the CPU limit ends it even if the worker waiting for it is killed first
            # and the file size limit a picture taken out that would fill the disk
            argv = [limit, f"--as={self.settings.memory}", f"--fsize={self.settings.memory}",
                    f"--cpu={math.ceil(max(allowed, 0)) + 1}", "--", *argv]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1",
               "LC_ALL": "C"}
        try:
            done = subprocess.run(argv, capture_output=True, timeout=max(allowed, 0.001),
                                  env=env, check=False)
        except subprocess.TimeoutExpired:
            raise OcrFailed(f"OCR could not {verb} it within {why}") from None
        except OSError as exc:
            raise OcrFailed(f"OCR could not start ({type(exc).__name__})") from None
        if done.returncode != 0:
            raise OcrFailed(f"OCR could not {verb} it: damaged, or more than "
                            f"{self.settings.memory // 1024**2} MB to read "
                            f"(exit status {done.returncode})")
        return done


class _Clock:
    """The time a page may take: `timeout` for each page, and no more than the message's
    OCR had `left` when reading began."""

    def __init__(self, timeout: float, left: float | None) -> None:
        self.timeout = timeout
        now = time.monotonic()
        self.page_ends = now + timeout
        self.all_ends = now + left if left is not None else None

    def page(self) -> None:
        self.page_ends = time.monotonic() + self.timeout

    def left(self) -> tuple[float, str]:
        """(seconds left, how to say the limit that was reached)."""
        now = time.monotonic()
        page = self.page_ends - now
        if self.all_ends is not None and self.all_ends - now < page:
            return self.all_ends - now, "the message's time for OCR (scan.ocr.max_seconds)"
        return page, f"{self.timeout:g} s"


# What Tesseract says when the image library could not make the picture in memory, where
# it then reads an empty page and exits 0: a decompression bomb let go as a blank.
_GAVE_UP = re.compile(rb"pixCreate|pixd not made|bad_alloc|Error during processing|"
                      rb"Failed to read|Image file .* cannot be read")
_NO_TEXT = "no text"  # the memo's word for a photograph `shows_no_text`
_FEW_WORDS = 3  # fewer read than this, and the page is read again as one block
# Degrees a photographed page may be turned before it is read again straightened (Tesseract
# follows lines turned a degree or two itself)
_TURNED = 2.0
# The longest side of the copy of a photograph read again with its light made even: a page
# filling a 12-megapixel picture is still print of 20 pixels a line at it
_RELIT_SIDE = 2400
# What Tesseract needs a pixel, at the least: 8,000 x 8,000 grey took 300 MB, and 11,000 x
# 11,000 did not fit in 512 MB.
_BYTES_A_PIXEL = 4


def _words(text: str) -> int:
    """The words in a reading of three letters or digits and more: "Reid", "943", not the
    "a" and "|" Tesseract makes of a texture."""
    return sum(sum(c.isalnum() for c in word) >= 3 for word in text.split())


def _blank(path: str) -> bool:
    """A grey page of one shade only: nothing was drawn on it."""
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n", 3)
    pixels = parts[3] if len(parts) == 4 else b""
    return not pixels.strip(pixels[:1])


def readable(data: bytes) -> bool:
    """A picture Tesseract's image library reads (PNG, JPEG, TIFF, GIF, BMP or WebP), or a
    HEIF one drawn as a JPEG for it (`Reader.photograph`). Others (EMF from Outlook, icons)
    are not read, as before OCR: a photo no one could read here was held as if damaged."""
    head = data[:12]
    return (head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a",
                             b"II*\x00", b"MM\x00*", b"BM"))
            or (head.startswith(b"RIFF") and head[8:12] == b"WEBP") or is_heif(data))


def _need() -> tuple[str, str, str, str]:
    found = _programs()
    if found is None:
        raise OcrFailed("OCR is not installed (tesseract-ocr, poppler-utils)")
    return found


# A word of hOCR, and a character of it with its box (`hocr_char_boxes`)
_HOCR_WORD = re.compile(r"class='ocrx_word'[^>]*title='bbox (\d+) (\d+) (\d+) (\d+);")
_HOCR_CHAR = re.compile(r"title='x_bboxes (\d+) \d+ (\d+) \d+;[^']*'>([^<]*)</span>")


def _gaps(hocr: str) -> dict[tuple[str, ...], list[tuple[int, int, str]]]:
    """Each word of Tesseract's hOCR, by its box as the TSV gives it (left, top, width,
    height), as its characters' (left, right, character)."""
    out: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
    words = list(_HOCR_WORD.finditer(hocr))
    for n, word in enumerate(words):
        left, top, right, bottom = (int(x) for x in word.groups())
        ends = words[n + 1].start() if n + 1 < len(words) else len(hocr)
        key = (str(left), str(top), str(right - left), str(bottom - top))
        out[key] = [(int(a), int(b), html.unescape(c))
                    for a, b, c in _HOCR_CHAR.findall(hocr, word.end(), ends)]
    return out


def _spaced(word: str, chars: list[tuple[int, int, str]] | None) -> str:
    """`word` with a space where its characters' boxes show one between two digits.

    Tesseract's LSTM reads the digits of a number written in groups right but often drops
    the narrow space between the groups ("807 3021579", "3236405627" for 807 302 1579),
    most on small or photographed print; the NHS writes its numbers so, and the recognizer
    needs the spaces to know one without a context word. The boxes still show the gap: one
    between two digits as wide as half a digit, and over twice the word's usual gap between
    its characters, is a space on the page. Only between digits: a word of letters is not
    split (its letters' boxes are less even, and the dictionary placed its spaces)."""
    if chars is None or len(chars) != len(word) or len(chars) < 4:
        return word
    gaps = [b[0] - a[1] for a, b in zip(chars, chars[1:], strict=False)]
    usual = sorted(gaps)[len(gaps) // 2]
    width = sorted(b - a for a, b, _ in chars)[len(chars) // 2]
    out = [word[0]]
    for n, gap in enumerate(gaps):
        if word[n].isdigit() and word[n + 1].isdigit() and gap * 2 >= width and \
                gap > 2 * max(usual, 1):
            out.append(" ")
        out.append(word[n + 1])
    return "".join(out)


def _lines(tsv: str, min_confidence: int,
           boxes: dict[tuple[str, ...], list[tuple[int, int, str]]] | None = None) -> str:
    """Tesseract's TSV as text: its words of at least `min_confidence`, a line per line it
    found, a blank line between blocks (so a form's separate boxes stay separate); with
    `boxes` (`_gaps`), the spaces between groups of digits put back (`_spaced`)."""
    out: list[str] = []
    current: tuple[str, str, str] | None = None
    words: list[str] = []
    block = None
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5: a word
            continue
        try:
            confidence = float(cols[10])
        except ValueError:
            continue
        word = cols[11].strip()
        if not word or confidence < min_confidence:
            continue
        line = (cols[2], cols[3], cols[4])
        if line != current:
            if words:
                out.append(" ".join(words))
            if block is not None and cols[2] != block:
                out.append("")
            current, words, block = line, [], cols[2]
        if boxes is not None and sum(c.isdigit() for c in word) >= 4:
            word = _spaced(word, boxes.get(tuple(cols[6:10])))
        words.append(word)
    if words:
        out.append(" ".join(words))
    return "\n".join(out)


class _Recent:
    """What was read lately, by the hash of the bytes read and the settings read with: the
    review app reads a held message again on every page it shows, and a council's letterhead
    is on every scan.

    Bounded by the text it keeps as well as by entries: most pictures read are logos and
    banners that give no words (each signature's logo is re-attached to every reply of a
    thread), and a count alone let a long thread's logos push out the one screenshot worth
    keeping. A full page of text is a few thousand characters, so the default holds hundreds.
    """

    def __init__(self, size: int = 4096, chars: int = 2_000_000) -> None:
        self.size, self.chars, self.held = size, chars, 0
        self.items: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()  # the review app reads held messages in several threads

    def get(self, settings: Ocr, key: bytes) -> str | None:
        with self.lock:
            found = self.items.get((_settings_key(settings), key))
            if found is not None:
                self.items.move_to_end((_settings_key(settings), key))
            return found

    def put(self, settings: Ocr, key: bytes, text: str) -> None:
        if len(text) > self.chars:
            return  # kept, it would push out everything else
        with self.lock:
            old = self.items.pop((_settings_key(settings), key), None)
            self.held -= len(old) if old is not None else 0
            self.items[(_settings_key(settings), key)] = text
            self.held += len(text)
            while len(self.items) > self.size or self.held > self.chars:
                self.held -= len(self.items.popitem(last=False)[1])


def _settings_key(settings: Ocr) -> tuple:
    return (tuple(settings.languages), settings.resolution, settings.min_confidence)


_CACHE = _Recent()


def clear_memo() -> None:
    """Forget what was read and looked at (bench/ocr.py times cold readings)."""
    with _CACHE.lock:
        _CACHE.items.clear()
        _CACHE.held = 0
