"""A PDF -> parts: its text with its scanned pages read in their places, the pictures on its
pages of text, and the files attached inside it.

pdf.py reads the file (pypdf); this module turns what it found into parts and problems
within the message's budget, spends the message's OCR on its pages and pictures, and gives
each file attached inside back to `attachments.extract`, a level deeper.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

from dlpgate.model import Problem
from dlpgate.parse import attachments, ocr, pdf
from dlpgate.parse.budget import Budget, Item, NestedParser, _cut
from dlpgate.parse.pictures import SMALL_SHARE, _spent, shown_picture

# pypdf logs warnings about damaged files with fragments of their content.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


def read_pdf(name: str, data: bytes, depth: int, budget: Budget,
         nested: NestedParser) -> Iterator[Item]:
    """A PDF's text, its scanned pages read in their places; then the pictures on its pages
    of text and the files attached inside it, each a part of its own."""
    limits = budget.limits

    def scans(wanted: list[tuple[int, int]]) -> tuple[dict[int, str], list[str]]:
        numbers = [n for n, _ in wanted]
        reader = budget.reader()
        if reader is None:
            why = "OCR is off" if budget.ocr is None or not budget.ocr.enabled else \
                "OCR is not installed"
            return {}, [f"{_pages(numbers)} scanned, and not read: {why}"]
        room = budget.take_pages(len(numbers))
        unread = [f"{_pages(numbers[room:])} scanned past the message's "
                  f"{budget.ocr.max_pages} read (scan.ocr.max_pages), not read"] \
            if room < len(numbers) else []
        found: dict[int, str] = {}
        for at, (number, pixels) in enumerate(wanted[:room]):
            left = budget.ocr_left()
            if left <= 0:
                budget.ocr_read -= room - at  # not read: not counted against later files
                unread.append(f"{_pages(numbers[at:room])} scanned past the message's "
                              f"{budget.ocr.max_seconds:g} s of OCR (scan.ocr.max_seconds), "
                              "not read")
                break
            try:
                with budget.timing():
                    found |= reader.pages(data, [number], left,
                                          pictured=pixels >= pdf.SCAN_PIXELS)
            except ocr.OcrFailed as exc:
                unread.append(f"scanned {exc}")
        return found, unread

    ocr_on = budget.ocr is not None and budget.reader() is not None
    # from crop_min_pixels: a crop of a case list pasted into a report saved as a PDF
    looked_for = min(budget.ocr.min_pixels, budget.ocr.crop_min_pixels) if ocr_on else None
    try:
        read = pdf.text(data, limits.max_text, scans, looked_for,
                        budget.ocr.min_pixels if ocr_on else 0)
    except pdf.Encrypted:
        yield Problem("encrypted-attachment", name, "password-protected PDF")
        return
    for detail in read.damage:
        yield Problem("unscannable", name, detail)
    yield from _cut(read.text, name, limits)
    yield from _pdf_pictures(name, data, read.pictured, budget, read.small)
    yield from _pdf_files(name, read.files, depth, budget, nested)


def _pdf_pictures(name: str, data: bytes, pictured: list[tuple[int, list[int]]],
                  budget: Budget, small: frozenset[int] = frozenset()) -> Iterator[Item]:
    """The pictures on a PDF's pages of text, each read as an attached picture is (`image`)
    as part "report.pdf/page 2 picture 1": a screenshot of a case list pasted into a typed
    report went out unread, its page having text of its own. They count against the
    message's pages and seconds of OCR, and what those leave unread is counted as any
    picture inside a document is (`shown_picture`). A banner's slogan is left out as a pasted
    one's is (`pasted.is_strip`), and the same picture is read once. A page whose pictures
    are all `small` (under min_pixels) is not taken apart once the message has no room for
    such pictures (`SMALL_SHARE`): they are counted as `_crop` counts them."""
    reader, settings = budget.reader(), budget.ocr
    if reader is None or settings is None:
        return
    seen: set[bytes] = set()
    for at, (number, objects) in enumerate(pictured):
        if _spent(budget):  # counted, as any picture inside a document is
            budget.unread_pictures += sum(len(objects) for _, objects in pictured[at:])
            return
        if _spent(budget, SMALL_SHARE) and small.issuperset(objects):
            budget.unread_small += len(objects)
            continue
        try:
            with budget.timing():
                found = reader.pictures(data, number, objects, budget.ocr_left())
        except ocr.OcrFailed as exc:
            yield Problem("unscannable", name, f"pictures on {exc}")
            continue
        for n, picture in enumerate(found, 1):
            digest = hashlib.sha256(picture).digest()
            if digest in seen:
                continue
            seen.add(digest)
            yield from shown_picture(budget.inside(f"{name}/page {number} picture {n}"),
                                     picture, budget)


def _pdf_files(name: str, files: Iterator[pdf.Attached], depth: int, budget: Budget,
               nested: NestedParser) -> Iterator[Item]:
    """The files attached inside a PDF, each read as the attached file it is
    ("report.pdf/children.csv"), counted as an archive's members are against the message's
    parts, bytes and depth: a list of children attached to a cover report went out unread,
    and a PDF that holds a PDF that holds a PDF stops at `max_depth`."""
    limits = budget.limits
    while True:
        try:
            file = next(files, None)
        except Exception as exc:  # a damaged list: the files found before it are read
            yield Problem("unscannable", name, f"damaged pdf list of attached files "
                          f"({type(exc).__name__})")
            return
        if file is None:
            return
        if depth >= limits.max_depth:
            yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
            return
        budget.take_part()
        inner = budget.unique(f"{name}/{file.name}")
        try:
            content = file.content()
        except Exception as exc:  # damaged, or past what pypdf expands one stream to
            yield Problem("unscannable", inner, f"damaged pdf attached file "
                          f"({type(exc).__name__})")
            continue
        budget.take_bytes(len(content))
        yield from attachments.extract(inner, "", content, depth + 1, budget, nested)


def _pages(numbers: list[int]) -> str:
    """ "1 page (3)", "5 pages (21-25)", "3 pages (2, 5, 9)": which, for the reviewer to look
    at by hand."""
    n = len(numbers)
    if n == 1:
        return f"1 page ({numbers[0]})"
    if numbers == list(range(numbers[0], numbers[0] + n)):
        which = f"{numbers[0]}-{numbers[-1]}"
    else:
        which = ", ".join(map(str, numbers[:6])) + (", ..." if n > 6 else "")
    return f"{n} pages ({which})"
