"""An RTF document's text, with what a reader sees beside the body, and its pictures.

Case systems write their letters as RTF, with the client's name and number in the page header
("Re: Callum Reid, DOB 04/05/2016"), and notes in footnotes and comments. striprtf drops every
such group as a destination it need not show, so they went out unread: here they are made
ordinary groups first, each starting a line where it stands. A picture (`{\\pict ...}`, its
bytes written in hex) is given back for OCR: a screenshot pasted into a WordPad letter.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator

# the groups a reader sees though RTF calls them destinations: page headers and footers (all,
# left, right, first page), footnotes and endnotes (\footnote), comments (\*\annotation)
_SHOWN = re.compile(r"(?:\\\*)?\\(?:header[lrf]?|footer[lrf]?|footnote|annotation)(?![a-z])")
# what opens, closes or escapes a group: a picture's group is walked by these alone, so its
# hex (megabytes of it) is passed over in one step (a pattern for the whole group cannot
# follow Word's nested {\*\picprop{\sp{\sn ...}}} and took 336 s over a run of spaces)
_MARK = re.compile(r"\\[{}\\]|[{}]")
_CONTROL_WORD = re.compile(r"\\[a-z]+-?\d* ?")
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")
_FORMATS = ("\\pngblip", "\\jpegblip")


def text(document: str) -> str:
    """The text of an RTF document, page headers, footers, footnotes and comments included."""
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(_SHOWN.sub(r"\\par ", document), errors="ignore")


def pictures(document: str) -> Iterator[bytes]:
    """The PNG and JPEG pictures in an RTF document, as bytes, in the order shown (the
    metafiles Word also writes are drawings, not read)."""
    at = 0
    while (start := document.find("{\\pict", at)) != -1:
        own, at = _own_text(document, start)
        if not any(kind in own for kind in _FORMATS):
            continue
        digits = _NOT_HEX.sub("", _CONTROL_WORD.sub("", own))
        if not digits:
            continue
        try:
            yield binascii.unhexlify(digits[: len(digits) // 2 * 2])
        except binascii.Error:
            continue


def _own_text(document: str, start: int) -> tuple[str, int]:
    """The text of the group opening at `start` without the groups inside it, and where it
    ends (the document's end, for a group never closed)."""
    depth, out, pos = 0, [], start
    for m in _MARK.finditer(document, start):
        if depth == 1:
            out.append(document[pos:m.start()])
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
            if depth == 0:
                return "".join(out), m.end()
        pos = m.end()
    return "", len(document)
