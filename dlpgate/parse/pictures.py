"""Pictures -> words: OCR of an attached, pasted or shown picture within the message's OCR
allowance (`Budget`), and the words its metadata carries.

One reader for every place a picture turns up: attached (`attachments.extract`), pasted
into the body (pasted.py), shown on a PDF's page of text (pdfparts.py), inside a Word
document, an RTF letter, winmail.dat or a saved web page. ocr.py drives Tesseract; this
module decides what is read, what is only counted in the scan's notes, and what is a
problem. It imports neither attachments.py nor any reader that calls it, so each of them
can use it without an import cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from dlpgate.config import Limits
from dlpgate.model import Problem, TextPart
from dlpgate.parse import emf, ocr
from dlpgate.parse.budget import Budget, Item, _cut


def shown_picture(name: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """A picture a document shows in its pages (`image`), a banner's slogan left out as a
    pasted picture's is: a strip without a number or a date across a letterhead is not what
    the file says (`pasted.is_strip`).

    Read while the message's OCR allowance lasts; past it, counted and said in the scan's
    notes, not made a problem. A housing inspection report with thirty photographs, sent to
    its contractor, was otherwise held as unreadable every time, its text read and its
    photographs of damp walls the only thing not; the picture an attached file or the body
    shows is still a problem when it cannot be read.

    Its metadata (EXIF's descriptions, comments and GPS position, PNG text) is read after
    its words, as an attached picture's is (`described`), whether or not OCR is on: a
    photograph in an inspection report described "Amy Reid, 14 Mill Lane" went out unread.
    A banner's counts only where it shows a number or a date, as its words do."""
    from dlpgate.parse.pasted import is_strip, shows_data  # pasted reads through this module

    size = ocr.image_size(data)
    strip = size is not None and is_strip(*size)
    read = (item for item in image(name, data, budget, inside=True)
            if not (strip and isinstance(item, TextPart) and not shows_data(item.text)))
    yield from described(name, data, read, budget.limits, only_data=strip)


def _spent(budget: Budget, share: float = 1.0) -> bool:
    """Whether `share` of the message's OCR allowance (pages, seconds), or its text, is used
    up: all of it for the pictures inside a document, half for those under `min_pixels`
    (`_crop`), so the logos of a long thread's signatures never take what a full screenshot
    after them needs."""
    return budget.ocr is not None and (
        budget.full() or budget.ocr_read >= share * budget.ocr.max_pages
        or budget.ocr_spent >= share * budget.ocr.max_seconds)


def image(name: str, data: bytes, budget: Budget, inside: bool = False) -> Iterator[Item]:
    """A picture's words: a photographed form, a screenshot of a case list. A small one (a
    logo, an icon) is passed over; so is any when OCR is off, as before. `inside`: a picture
    inside a document, which the message's OCR allowance reads as far as it goes and then
    counts as not read (`Budget.unread_pictures`) rather than make the file unscannable."""
    reader = budget.reader()
    if reader is None or budget.ocr is None:
        return
    if ocr.is_heif(data):
        yield from _heif(name, data, budget, reader, inside)
        return
    size = ocr.image_size(data)
    if size is not None and size[0] * size[1] < budget.ocr.min_pixels:
        if size[0] * size[1] >= budget.ocr.crop_min_pixels:
            yield from _crop(name, data, budget, reader)
        return
    if inside and _spent(budget):
        budget.unread_pictures += 1
        return
    if budget.full():  # as attachments.extract() says it of a file
        yield Problem("unscannable", name, f"not read: the message's text passed "
                      f"{budget.limits.max_message_text} characters before it")
        return
    if budget.ocr_left() <= 0:
        yield budget.out_of_time(name)
        return
    if budget.ocr.skip_photos and _no_text(data, budget, reader):
        budget.unread_photos += 1
        return
    if not budget.take_pages(1):
        yield Problem("unscannable", name, f"image not read: the message had "
                      f"{budget.ocr.max_pages} scanned pages and images read before it "
                      "(scan.ocr.max_pages)")
        return
    try:
        with budget.timing():
            text = reader.image(data, budget.ocr_left())
    except ocr.OcrFailed as exc:
        yield Problem("unscannable", name, f"image not read: {exc}")
        return
    yield from _cut(text, name, budget.limits)


def described(name: str, data: bytes, items: Iterator[Item], limits: Limits,
              only_data: bool = False) -> Iterator[Item]:
    """A picture's reading (`items`, OCR's), with the words its metadata carries
    (`imagemeta`: EXIF descriptions and comments, PNG text) after what OCR read of it, in
    the same part: a screenshot described "Amy Reid, NHS 943 476 5919" went out unread. Read
    whether or not OCR is, as it costs no decoding. `only_data`: the metadata counts only
    where it shows a number or a date (a pasted logo's "Created with GIMP" is nothing the
    message says)."""
    from dlpgate.parse import imagemeta
    from dlpgate.parse.pasted import shows_data  # pasted reads through this module

    found = list(items)
    meta = imagemeta.text(data)
    if not meta or (only_data and not shows_data(meta)):
        yield from found
        return
    for n, item in enumerate(found):
        if isinstance(item, TextPart) and item.name == name:
            found[n] = dataclasses.replace(item, text=f"{item.text}\n{meta}")
            yield from found
            return
    yield from found
    yield from _cut(meta, name, limits)


def _heif(name: str, data: bytes, budget: Budget, reader: ocr.Reader,
          inside: bool) -> Iterator[Item]:
    """A HEIC photograph (an iPhone's: an officer photographs a letter and attaches it),
    drawn as a JPEG (`ocr.Reader.photograph`) and read as one, its drawing's time counted
    against the message's OCR. One that cannot be drawn (damaged, or heif-convert not
    installed) is unscannable, as a JPEG Tesseract fails on is: it went out unread, and said
    nothing, before."""
    if inside and _spent(budget):
        budget.unread_pictures += 1
        return
    if budget.ocr is not None and budget.ocr_left() <= 0:
        yield budget.out_of_time(name)
        return
    try:
        with budget.timing():
            drawn = reader.photograph(data, budget.ocr_left())
    except ocr.OcrFailed as exc:
        yield Problem("unscannable", name, f"image not read: {exc}")
        return
    yield from image(name, drawn, budget, inside)


def _no_text(data: bytes, budget: Budget, reader: ocr.Reader) -> bool:
    """Whether a photograph showed nothing like a line of text at a first look: it is then
    not read, and takes none of the message's `max_pages`, so a screenshot after thirty
    photographs of damp walls is still read; the look's time counts against `max_seconds`."""
    with budget.timing():
        return reader.shows_no_text(data, budget.ocr_left())


# the share of a message's OCR that pictures under `min_pixels` may use (`_spent`)
SMALL_SHARE = 0.5


def _crop(name: str, data: bytes, budget: Budget, reader: ocr.Reader) -> Iterator[Item]:
    """A picture under `min_pixels`: a logo, a badge, or a screenshot cropped to a row or two
    of a case list (at 100% scaling one row is 640 x 38 and three are 640 x 80; all went out
    unread). Its words count only where they show a number or a date, as a record does and a
    logo's slogan does not. Read only while the message has used less than half its OCR, so
    the logos in a long thread's signatures never spend what a full screenshot after them
    needs; one not read (no room, or OCR failed on it) is counted in the scan's notes and is
    no problem, as a logo never was."""
    from dlpgate.parse.pasted import shows_data  # pasted reads through this module

    if _spent(budget, SMALL_SHARE):
        budget.unread_small += 1
        return
    budget.take_pages(1)
    try:
        with budget.timing():
            text = reader.image(data, budget.ocr_left())
    except ocr.OcrFailed:
        budget.unread_small += 1
        return
    if shows_data(text):
        yield from _cut(text, name, budget.limits)


def _metafile(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """An EMF picture's text (`emf.text`), its rows under a header row labelled as a sheet's
    are: Excel's "Copy as Picture" of a range of children is a table drawn."""
    from dlpgate.parse.tables import labelled

    yield from _cut(labelled(emf.text(data), "\t", limits.max_text, quotes=False), name, limits)
