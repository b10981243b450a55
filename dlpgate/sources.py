"""Where offline messages come from: .eml files, directories, mbox, Maildir, stdin.

Used by `dlpgate scan` (and later `history learn`), so every command that reads
saved mail reads it the same way. Yields (label, bytes) without parsing.
"""

from __future__ import annotations

import email.parser
import mailbox
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


class SourceError(Exception):
    pass


_BOM = b"\xef\xbb\xbf"
# Files in a directory read as messages or mailboxes; anything else there is left alone.
_MESSAGE_SUFFIXES = {".eml", ".msg822"}
_MBOX_SUFFIXES = {".mbox", ".mbx"}


def is_mail(raw: bytes) -> bool:
    """Whether any header at all can be read from `raw`. A message without recipients (a
    draft) is still mail; a text file, a picture or a PDF named by mistake is not, and every
    command that reads saved mail says so and exits 1 (INTERFACE.md: the input could not be
    parsed) rather than reporting success over input it could not use."""
    return bool(email.parser.BytesHeaderParser().parsebytes(raw).keys())


def _is_mbox(path: Path) -> bool:
    """An mbox starts with a "From " line, after any blank lines or byte-order mark an
    export put before it."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    return head.removeprefix(_BOM).lstrip(b"\r\n").startswith(b"From ")


def _is_maildir(path: Path) -> bool:
    """cur/ and new/: a Maildir copied or unzipped without its empty tmp/ is still one."""
    return all((path / sub).is_dir() for sub in ("cur", "new"))


def read_messages(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    """Every message in `paths`: a file (one message, or an mbox), a Maildir (with its
    Maildir++ folders), or a directory searched for .eml files, mbox files (.mbox, .mbx, or
    any file without a suffix that starts like one: Thunderbird's "Sent") and Maildirs.

    Every path is checked before any message is read, so a mistyped last argument stops the
    command before it has learned from the first. A path that holds no message is said on
    stderr: "0 learned" from the wrong directory is otherwise indistinguishable from success.
    """
    for arg in paths:
        if arg != "-" and not Path(arg).exists():
            raise SourceError(f"{arg}: no such file or directory")
    for arg in paths:
        if arg == "-":
            yield "-", sys.stdin.buffer.read()
            continue
        found = 0
        for item in _read(Path(arg), arg):
            found += 1
            yield item
        if not found:
            print(f"dlpgate: {arg}: no messages found (read: .eml files, mbox files, Maildir "
                  "folders)", file=sys.stderr)


def _read(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    if path.is_dir() and _is_maildir(path):
        yield from _maildir(path, label)
    elif path.is_dir():
        for child in sorted(path.iterdir(), key=_natural):
            if child.is_dir() and not child.is_symlink():  # a link back up would loop
                yield from _read(child, str(child))
            elif child.suffix.lower() in _MESSAGE_SUFFIXES:
                yield str(child), child.read_bytes()
            elif (child.suffix.lower() in _MBOX_SUFFIXES or not child.suffix) and \
                    _is_mbox(child):
                yield from _mbox(child, str(child))
    elif _is_mbox(path):
        yield from _mbox(path, label)
    else:
        yield str(path), path.read_bytes()


def _maildir(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.keys()):
        yield f"{label}#{key}", box.get_bytes(key)
    for folder in sorted(box.list_folders()):  # Maildir++: .Sent, .Archive.2024
        yield from _maildir(path / f".{folder}", f"{label}/.{folder}")


def _mbox(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    with path.open("rb") as fh:
        marked = fh.read(len(_BOM)) == _BOM
    if marked:  # the mailbox module would take the first message for a preamble
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "mbox"
            plain.write_bytes(path.read_bytes()[len(_BOM):])
            yield from _mbox(plain, label)
        return
    box = mailbox.mbox(path, create=False)
    for i, key in enumerate(box.keys()):
        yield f"{label}#{i + 1}", box.get_bytes(key)


def _natural(p: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))]
