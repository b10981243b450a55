"""Pictures pasted into the body, read by OCR as attached ones are.

Council staff paste screenshots of case systems into the message: a list of children with
their dates of birth and NHS numbers. Outlook sends each as an inline part of a
multipart/related, with a Content-ID its HTML shows it by, and the parser passed them over
as signature logos, or read Outlook's named ones as files. Each is read now as an attached
picture is (`pictures.image`: from `scan.ocr.min_pixels` up, within the message's pages
and seconds of OCR, an `unscannable` problem where those ran out), as a part of its own
named `body picture N`, which policy reads as body.

A signature's pictures are what to keep cheap and quiet. A logo is under `min_pixels` (its
size is in its header) and costs nothing. A banner over it is read once a worker process:
it is the same bytes on every message, and OCR's cache keys on them. Its slogan must not
pass for what the message says: the lexicon's `not_about_anyone` knows the schemes' names
("Disability Confident Employer"), not whatever a banner's designer wrote ("Supporting staff
living with dementia" is a special-category word on every message). So a strip, three times
as wide as it is tall or more and no taller than 400 pixels, gives its words only where it
shows a number or a date. It is not skipped for its shape alone: a screenshot cropped to a
row or two of a case list is such a strip, and its dates of birth and NHS numbers are what
the reading is for.

A picture can also be written into the HTML itself as a `data:` address (`<img
src="data:image/png;base64,...">`): web mail and rich-text editors paste a screenshot so, and
so do the reports some case systems send by mail. No MIME part holds it, and it went out
unread; `html.pictures` finds each one for the same reading here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator

from dlpgate.model import TextPart
from dlpgate.parse import ocr
from dlpgate.parse.budget import Budget, Item
from dlpgate.parse.pictures import described, image

# A banner's shape: sized for a signature, at most 200 points tall on a sharp screen.
_STRIP_RATIO = 3
_STRIP_HEIGHT = 400
# What a record shows and a slogan does not: six digits (single spaces between groups allowed:
# an NHS number, a NINO's, a telephone number), or a date (12/03/2015, 12 March 2015). Not a
# year or a span of years ("2024-2027" on an award).
_DATA = re.compile(r"\d(?: ?\d){5}|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
                   r"|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"[a-z]*\.? \d{2,4}\b", re.IGNORECASE)


def read(name: str, content_type: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """The words of a picture pasted into the body, as part `name`; nothing for one the
    message showed before (the same screenshot twice, a reply quoting it), which is read once
    and counted once against the message's OCR."""
    digest = hashlib.sha256(data).digest()
    if digest in budget.pasted:
        return
    budget.pasted.add(digest)
    size = ocr.image_size(data)
    # EMF: not read (an attached EMF's text is); its metadata where it shows a number or a date
    reading = image(name, data, budget) if ocr.readable(data) else iter(())
    for item in described(name, data, reading, budget.limits, only_data=True):
        if isinstance(item, TextPart):
            if size is not None and is_strip(*size) and not shows_data(item.text):
                continue  # a banner: its slogan is not what the message says
            item = dataclasses.replace(item, content_type=content_type, is_attachment=False)
        yield item


def is_strip(width: int, height: int) -> bool:
    """Shaped like a banner under a signature (or a crop of a row or two of a screen)."""
    return width >= _STRIP_RATIO * height and height <= _STRIP_HEIGHT


def shows_data(text: str) -> bool:
    """Whether read words carry a number or a date, as a record does and a slogan does not."""
    return _DATA.search(text) is not None
