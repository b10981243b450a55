"""An Outlook item (.msg): its subject and body, and the files attached to it.

Outlook's "forward as attachment" and a message dragged out of Outlook are .msg files:
compound files (MS-CFB) whose properties are streams (MS-OXMSG). Read as the text runs
of any legacy Office file, the body came through but a referral attached inside it was
compressed bytes, and went out unread. Here the item is opened as a compound file: the
subject and body properties as text, each attachment's data as a file of its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

_SUBJECT, _BODY = "0037", "1000"
_LONG_NAME, _SHORT_NAME, _DATA = "3707", "3704", "37010102"
_ATTACHMENT = "__attach_version1.0_#"


class OutlookError(Exception):
    """Damaged, or more than the budget allows."""


@dataclass
class Item:
    text: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)


def is_item(data: bytes) -> bool:
    """An OLE file holding Outlook's property streams, not a .doc or .xls."""
    return b"_\x00_\x00s\x00u\x00b\x00s\x00t\x00g\x001\x00.\x000\x00_\x00" in data


def read(data: bytes, most: int) -> Item:
    """`most`: bytes the attached files may add up to (the message's expansion budget)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile reports damage with its own and built-in errors
        raise OutlookError(f"damaged Outlook item ({type(exc).__name__})") from None
    with ole:
        streams = ["/".join(p) for p in ole.listdir(streams=True, storages=False)]
        item = Item(text="\n".join(t for t in (_property(ole, streams, "", _SUBJECT),
                                               _property(ole, streams, "", _BODY)) if t))
        total = 0
        for storage in sorted({s.split("/")[0] for s in streams if s.startswith(_ATTACHMENT)}):
            path = f"{storage}/__substg1.0_{_DATA}"
            if path not in streams:
                continue  # an embedded item or an OLE object: not a file's bytes
            total += ole.get_size(path)
            if total > most:
                raise OutlookError(f"attached files expand beyond {most} bytes")
            name = _property(ole, streams, storage + "/", _LONG_NAME) or \
                _property(ole, streams, storage + "/", _SHORT_NAME) or storage[-8:]
            item.files.append((name, ole.openstream(path).read()))
    return item


def _property(ole, streams: list[str], where: str, tag: str) -> str:
    """A string property: Unicode (001F) or 8-bit (001E, Windows-1252)."""
    for kind, encoding in (("001F", "utf-16-le"), ("001E", "cp1252")):
        path = f"{where}__substg1.0_{tag}{kind}"
        if path in streams:
            return ole.openstream(path).read().decode(encoding, "replace").rstrip("\0").strip()
    return ""
