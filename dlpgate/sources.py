"""Where offline messages come from: .eml files, directories, mbox, Maildir, stdin.

Used by `dlpgate scan` (and later `history learn`), so every command that reads
saved mail reads it the same way. Yields (label, bytes) without parsing.
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Iterator
from pathlib import Path


class SourceError(Exception):
    pass


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def read_messages(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    for arg in paths:
        if arg == "-":
            yield "-", sys.stdin.buffer.read()
            continue
        path = Path(arg)
        if not path.exists():
            raise SourceError(f"{arg}: no such file or directory")
        if path.is_dir() and _is_maildir(path):
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{arg}#{key}", box.get_bytes(key)
        elif path.is_dir():
            for file in sorted(path.rglob("*.eml"), key=_natural):
                yield str(file), file.read_bytes()
        elif _is_mbox(path):
            box = mailbox.mbox(path, create=False)
            for i, key in enumerate(box.keys()):
                yield f"{arg}#{i + 1}", box.get_bytes(key)
        else:
            yield str(path), path.read_bytes()


def _natural(p: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))]
