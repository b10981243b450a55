"""The per-message scan budget, and what every attachment reader yields within it.

One `Budget` is shared by the whole message, so depth, member count, expanded size, characters
of text and the pages and seconds of OCR are bounded however the attachments nest (a zip quine
stops at the depth limit). Its own module, below every reader, so that each of them
(attachments.py, pictures.py, pdfparts.py, documents.py, zips.py, archives.py, unpack.py,
pasted.py) can count against it, and cut a part's text to `max_text` (`_cut`), without
importing the dispatcher that calls it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dlpgate.config import Limits, Ocr
from dlpgate.model import (
    BODY_PARTS,
    BODY_PICTURE,
    CALENDAR,
    FILE_NAMES,
    Attachment,
    Problem,
    TextPart,
    is_body_picture,
)
from dlpgate.parse import ocr

Item = TextPart | Attachment | Problem


# Parses a nested message (.eml, message/rfc822); injected to avoid an import cycle.
NestedParser = Callable[[bytes, str, int, "Budget"], Iterator[Item]]


class BudgetExceeded(Exception):
    pass


@dataclass
class Budget:
    limits: Limits
    parts: int = 0
    expanded: int = 0
    names: set[str] = field(default_factory=lambda: {"subject", *BODY_PARTS, FILE_NAMES,
                                                     CALENDAR})
    sent_as: list[str] = field(default_factory=list)  # each part's name as the message gave it
    # the folders an archive's members are kept in ("Reid, Amy (943 476 5919)/letter.docx"),
    # each once, read after the files' names
    folders: dict[str, None] = field(default_factory=dict)
    # the names of the files and folders inside a .gz, .tar, .7z, .rar or .cab, read after all
    # the others (`archives._names_last`); `unpacking` while one is being read
    unpacked_names: list[str] = field(default_factory=list)
    unpacked_folders: dict[str, None] = field(default_factory=dict)
    unpacking: bool = False
    text: int = 0  # characters of text the message's parts have given so far
    ocr: Ocr | None = None  # None: images are not read (`history learn`, tests of text alone)
    ocr_read: int = 0  # scanned pages and images read so far (`scan.ocr.max_pages`)
    ocr_spent: float = 0.0  # seconds of OCR so far (`scan.ocr.max_seconds`)
    pictures: dict[str, int] = field(default_factory=dict)  # pasted pictures, per message
    pasted: set[bytes] = field(default_factory=set)  # the sha256 of each pasted picture seen
    # pictures inside documents the message's OCR had no room for (`shown_picture`)
    unread_pictures: int = 0
    # pictures under `min_pixels` (`_crop`) left unread: no room kept for them, or OCR failed
    unread_small: int = 0
    # photographs not read, where a first look found nothing like a line of text in them
    # (`scan.ocr.skip_photos`, `ocr.Reader.shows_no_text`)
    unread_photos: int = 0

    def full(self) -> bool:
        """The message has given all the text one scan reads (`max_message_text`)."""
        return self.text >= self.limits.max_message_text

    def ours(self, name: str) -> str:
        """A part name the parser gives (the meeting request): reserved against files of that
        name, itself the first time it is given, numbered after."""
        if name in self.names and name not in self.sent_as:
            self.sent_as.append(name)
            return name
        return self.unique(name)

    def unique(self, name: str) -> str:
        """`name`, or "notes (2).txt" when a part of the message already has it (or it is
        the subject's or the body's): findings point into a part by its name, and a second
        notes.txt, or a file called "body", showed the reviewer its text in place of the
        first one's, whose NHS number they never saw. A file called "body picture 1" is
        renamed so too: policy would read it as the body."""
        self.sent_as.append(name)
        return self._free(name, taken=is_body_picture(name))

    def picture(self, prefix: str) -> str:
        """The name of the next picture pasted into the body of the message at `prefix` (""
        for the message itself, else an attached one's): "body picture 2"."""
        n = self.pictures[prefix] = self.pictures.get(prefix, 0) + 1
        return self._free(f"{prefix}/{BODY_PICTURE} {n}" if prefix else f"{BODY_PICTURE} {n}")

    def inside(self, name: str) -> str:
        """`name` made unique, for a part the message never named (a picture inside a saved
        page): not read with the files' names, as a name someone gave is."""
        return self._free(name)

    def _free(self, name: str, taken: bool = False) -> str:
        if not taken and name not in self.names:
            self.names.add(name)
            return name
        head, slash, leaf = name.rpartition("/")
        stem, dot, ext = leaf.rpartition(".") if "." in leaf.lstrip(".") else (leaf, "", "")
        n = 2
        while (other := f"{head}{slash}{stem} ({n}){dot}{ext}") in self.names:
            n += 1
        self.names.add(other)
        return other

    def take_part(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise BudgetExceeded(f"more than {self.limits.max_parts} parts and archive members")

    def take_bytes(self, n: int) -> None:
        self.expanded += n
        if self.expanded > self.limits.max_expanded:
            raise BudgetExceeded(f"archives expand beyond {self.limits.max_expanded} bytes")

    def reader(self) -> ocr.Reader | None:
        """The OCR reader, when images are read here and it is installed."""
        if self.ocr is None or not self.ocr.enabled or not ocr.available():
            return None
        return ocr.Reader(self.ocr)

    def take_pages(self, wanted: int) -> int:
        """How many of `wanted` scanned pages or images may still be read."""
        room = max(0, self.ocr.max_pages - self.ocr_read) if self.ocr else 0
        given = min(room, wanted)
        self.ocr_read += given
        return given

    def ocr_left(self) -> float:
        """Seconds of OCR the message has left (`scan.ocr.max_seconds`)."""
        return max(0.0, self.ocr.max_seconds - self.ocr_spent) if self.ocr else 0.0

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        """What runs inside counted against the message's OCR (`ocr_left`), whether it
        gives its words or raises."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.ocr_spent += time.monotonic() - started

    def out_of_time(self, name: str) -> Problem:
        """A picture not read because the message's OCR time was spent before it."""
        seconds = self.ocr.max_seconds if self.ocr else 0
        return Problem("unscannable", name, f"image not read: the message's {seconds:g} s of "
                       "OCR were spent before it (scan.ocr.max_seconds)")


def _cut(text: str, name: str, limits: Limits) -> Iterator[Item]:
    if len(text) > limits.max_text:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters scanned")
        text = text[: limits.max_text]
    if text.strip():
        yield TextPart(name=name, text=text, is_attachment=True)
