"""An Outlook item (.msg): its subject and body, and the files attached to it.

Outlook's "forward as attachment" and a message dragged out of Outlook are .msg files:
compound files (MS-CFB) whose properties are streams (MS-OXMSG). Read as the text runs
of any legacy Office file, the body came through but a referral attached inside it was
compressed bytes, and went out unread. Here the item is opened as a compound file: the
subject and body properties as text, each attachment's data as a file of its own, and an
item attached to it (a forwarded message inside the forwarded one) as an item of its own.

An OLE object attached (PR_ATTACH_METHOD 6: a file dropped into a rich-text message, a
document inserted as an object) shares the embedded item's storage name but holds the
object's own streams, not an item's properties, and was read as an item with nothing in it:
the referral inside went out unread and unlisted. A packaged file (Object Packager's
"\x01Ole10Native") and an Office file kept whole ("Package", "CONTENTS") are files of their
own; any other object (a Word or Excel document as a storage of streams) is read as the text
runs of its streams, as a legacy Office file is. An object embedded in an RTF letter is a
compound file of the same streams, read by the same rule (`wrapped`, from `ole1.py`).

What Outlook adds to an item beyond a message's properties (an appointment's location, a
contact's e-mail addresses and file-as name, a task's companies and contacts, categories) is
kept in named properties: ids from 0x8000 up, each mapped to a property set's GUID and a
number or a name in the item's `__nameid_version1.0` storage (MS-OXMSG 2.2.3). An
appointment sent as a .msg, "Core group: Amy Reid (NHS 943 476 5919)" its location, went out
with its location unread. Their string values are read after the item's body, a line each,
labelled where the property is a known one ("Location: ...").
"""

from __future__ import annotations

import contextlib
import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dlpgate.parse.decode import decode_text
from dlpgate.parse.html import unshown
from dlpgate.parse.office import ole_text

_SUBJECT, _BODY, _HTML, _RTF = "0037", "1000", "1013", "10090102"
_LONG_NAME, _SHORT_NAME, _DISPLAY_NAME = "3707", "3704", "3001"
_DATA, _EMBEDDED = "37010102", "3701000D"
_ATTACHMENT = "__attach_version1.0_#"
# what an embedded item's storage holds and an OLE object's does not
_ITEM_STREAMS = ("__substg1.0_", "__properties_version1.0", "__recip_version1.0_",
                 "__attach_version1.0_", "__nameid_version1.0")
_NATIVE, _WHOLE = "\x01Ole10Native", ("Package", "CONTENTS")
DEPTH = 5  # items inside items, at most
_NAME_IDS = "__nameid_version1.0/"
_GUIDS, _ENTRIES, _NAMES = "__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"
_NAMED_FROM = 0x8000
# the named properties a reader would recognise by their label (MS-OXPROPS): by property set
# (its GUID's bytes as stored) and number, or by name
_APPOINTMENT = bytes.fromhex("0220060000000000c000000000000046")  # PSETID_Appointment
_ADDRESS = bytes.fromhex("0420060000000000c000000000000046")  # PSETID_Address
_COMMON = bytes.fromhex("0820060000000000c000000000000046")  # PSETID_Common
LABELS: dict[tuple[bytes, int | str], str] = {
    (_APPOINTMENT, 0x8208): "Location", (_APPOINTMENT, 0x8238): "Attendees",
    (_APPOINTMENT, 0x823B): "To attendees", (_APPOINTMENT, 0x823C): "Cc attendees",
    (_ADDRESS, 0x8005): "File as", (_ADDRESS, 0x8083): "E-mail",
    (_ADDRESS, 0x8093): "E-mail 2", (_ADDRESS, 0x80A3): "E-mail 3",
    (_COMMON, 0x853A): "Contacts", (_COMMON, 0x8539): "Companies",
    (b"", "Keywords"): "Categories",
}


class OutlookError(Exception):
    """Damaged, or more than the budget allows."""


@dataclass
class Item:
    text: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)
    items: list[tuple[str, Item]] = field(default_factory=list)  # attached Outlook items
    objects: list[tuple[str, str]] = field(default_factory=list)  # OLE objects' text runs
    damage: list[str] = field(default_factory=list)  # what of it could not be read, and why
    named: str = ""  # its named properties' string values, a line each (read after its text)
    hidden: str = ""  # what its HTML body carries and never shows, a line each (after those)


def is_item(data: bytes) -> bool:
    """An OLE file holding Outlook's property streams, not a .doc or .xls."""
    return b"_\x00_\x00s\x00u\x00b\x00s\x00t\x00g\x001\x00.\x000\x00_\x00" in data


def read(data: bytes, most: int) -> Item:
    """`most`: bytes the attached files may add up to (the message's expansion budget)."""
    with _opened(data, most, "Outlook item") as reader:
        return reader.item("", 0)


@contextlib.contextmanager
def _opened(data: bytes, most: int, what: str) -> Iterator[_Reader]:
    """A reader of the compound file's streams, closed after; damage is an OutlookError
    naming `what` it was meant to be."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile reports damage with its own and built-in errors
        raise OutlookError(f"damaged {what} ({type(exc).__name__})") from None
    with ole:
        streams = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
        yield _Reader(ole, streams, len(data), most)


class _Reader:
    def __init__(self, ole, streams: set[str], size: int, most: int) -> None:
        self.ole, self.streams, self.size, self.most = ole, streams, size, most
        self.total = 0

    def item(self, where: str, depth: int) -> Item:
        """The item whose properties are under `where` ("" for the file's own)."""
        from dlpgate.parse import rtf, rtfhtml

        found = Item()
        markup, plain = self.markup(where), self.string(where, _BODY)
        # without an HTML body, the RTF one, which may carry the page (PARSER 23)
        document = "" if markup else self.rtf(where, found, whole=not plain)
        body = plain or _html(markup) or (rtf.text(document) if document else "")
        found.text = "\n".join(t for t in (self.string(where, _SUBJECT), body) if t)
        found.named = self.named(where, found.text)
        # its HTML body's comments, tooltips and fields, read whether or not its text came
        # from the HTML: Outlook keeps both bodies, and its plain one drops all three; where
        # it kept the page only inside its RTF body, from there
        found.hidden = unshown(markup or rtfhtml.markup(document),
                               f"{found.text}\n{found.named}")
        storages = sorted({s[len(where):].split("/")[0] for s in self.streams
                           if s.startswith(where + _ATTACHMENT)})
        for storage in storages:
            inside = f"{where}{storage}/"
            embedded = f"{inside}__substg1.0_{_EMBEDDED}/"
            name = self.string(inside, _LONG_NAME) or self.string(inside, _SHORT_NAME) or \
                self.string(inside, _DISPLAY_NAME) or storage[-8:]
            if f"{inside}__substg1.0_{_DATA}" in self.streams:
                found.files.append((name, self.stream(f"{inside}__substg1.0_{_DATA}", True)))
            elif children := {s[len(embedded):] for s in self.streams
                              if s.startswith(embedded)}:
                if not any(c.startswith(_ITEM_STREAMS) for c in children):
                    self.ole_object(found, name, embedded, children)
                    continue
                if depth >= DEPTH:
                    raise OutlookError(f"items nested deeper than {DEPTH}")
                found.items.append((name, self.item(embedded, depth + 1)))
        return found

    def ole_object(self, found: Item, name: str, where: str, children: set[str]) -> None:
        """An OLE object attached: the file it wraps, or the text runs of its streams."""
        wrapped = _wrapped(children, lambda child: self.stream(where + child, True))
        if wrapped is not None:
            found.files.append((wrapped[0] or name, wrapped[1]))
            return
        runs = b"".join(self.stream(where + c, True) for c in sorted(children))
        found.objects.append((name, ole_text(runs)))

    def named(self, where: str, said: str) -> str:
        """The string values of the item's named properties (single or multi-valued), in
        order of their ids, a line each, labelled where `LABELS` knows the property; a
        value the item's text already `said` (a location Outlook repeats in the body) is
        left out. The names are the file's own, at its root, for the items inside it too."""
        ids = sorted({int(s[len(where) + 12:len(where) + 16], 16)
                      for s in self.streams if s.startswith(f"{where}__substg1.0_")
                      and "/" not in s[len(where):] and _is_named_string(s[len(where) + 12:])})
        if not ids:
            return ""
        names = self.names()
        lines: list[str] = []
        for ident in ids:
            tag = f"{ident:04X}"
            values = [self.string(where, tag)] + self.strings(where, tag)
            label = LABELS.get(names.get(ident, (b"", "")), "")
            for value in values:
                value = " ".join(value.split())
                if value and value not in said:
                    lines.append(f"{label}: {value}" if label else value)
        return "\n".join(dict.fromkeys(lines))

    def names(self) -> dict[int, tuple[bytes, int | str]]:
        """The named properties' ids -> (property set's GUID, or b"" for the public strings'
        and MAPI's own; a number or a name), from the root's name-to-id map (`name_map`):
        where it is damaged, the values are read all the same, unlabelled."""
        def read(stream: str) -> bytes:
            path = _NAME_IDS + stream
            return self.stream(path) if path in self.streams else b""

        return name_map(read(_GUIDS), read(_ENTRIES), read(_NAMES))

    def strings(self, where: str, tag: str) -> list[str]:
        """A multi-valued string property's values (101F, 101E): one stream a value."""
        out = []
        for kind, encoding in (("101F", "utf-16-le"), ("101E", "cp1252")):
            base = f"{where}__substg1.0_{tag}{kind}-"
            for path in sorted(s for s in self.streams if s.startswith(base)):
                out.append(self.stream(path).decode(encoding, "replace").rstrip("\0").strip())
        return out

    def string(self, where: str, tag: str) -> str:
        """A string property: Unicode (001F) or 8-bit (001E, Windows-1252)."""
        for kind, encoding in (("001F", "utf-16-le"), ("001E", "cp1252")):
            path = f"{where}__substg1.0_{tag}{kind}"
            if path in self.streams:
                return self.stream(path).decode(encoding, "replace").rstrip("\0").strip()
        return ""

    def markup(self, where: str) -> str:
        """The HTML body's markup, "" for an item without one: stored as bytes in the item's
        code page, or as a string."""
        path = f"{where}__substg1.0_{_HTML}0102"
        return decode_text(self.stream(path)) if path in self.streams else \
            self.string(where, _HTML)

    def rtf(self, where: str, found: Item, whole: bool = True) -> str:
        """The compressed RTF body, decompressed: the text of an item saved with neither a
        plain nor an HTML body (an archiver's export, a rich-text item saved by another
        program), whose subject alone was read and the referral typed into it went out
        unread; and the HTML page Outlook may keep inside it (`rtfhtml`). Decompressed within
        the bytes the item's files may add up to; a body that does not decompress is read up
        to its damage, and that is said. Not `whole` (beside a plain body): only a body that
        carries a page, whose hidden places are all it gives, and its damage not said."""
        from dlpgate.parse import lzfu, rtfhtml

        path = f"{where}__substg1.0_{_RTF}"
        if path not in self.streams:
            return ""
        data = self.stream(path)
        if not whole:
            try:
                head = lzfu.decompress(data, rtfhtml.HEADER)
            except lzfu.LzfuError as exc:
                head = exc.done
            if not rtfhtml.from_html(head.decode("latin-1")):
                return ""
        try:
            document = lzfu.decompress(data, max(0, self.most - self.total))
        except lzfu.LzfuError as exc:
            if whole:
                found.damage.append(f"the body's {exc}: the rest of it not read")
            document = exc.done
        self.total += len(document)
        return document.decode("latin-1")  # RTF is 7-bit: the rest escaped

    def stream(self, path: str, counted: bool = False) -> bytes:
        """A stream's bytes, after asking its size: a compound file stores streams as they
        are, so one claiming more than the whole file is a loop in its sector chain (a 40 KB
        item claimed 4 GB, and was read to it)."""
        size = self.ole.get_size(path)
        if size > self.size:
            raise OutlookError("a stream claims more than the file holds")
        if counted:
            self.total += size
            if self.total > self.most:
                raise OutlookError(f"attached files expand beyond {self.most} bytes")
        return self.ole.openstream(path).read()


def _html(markup: str) -> str:
    """The HTML body's text, for an item saved with no plain-text body (programs other than
    Outlook write them so, and the whole letter went unread), its links' addresses last."""
    from dlpgate.parse.html import html_to_text, links

    shown = html_to_text(markup) if markup else ""
    return "\n".join([shown, *links(markup, shown)]) if markup else ""


def name_map(guids: bytes, entries: bytes, strings: bytes) -> dict[int, tuple[bytes, int | str]]:
    """The named properties' ids -> (GUID, number or name) from the three streams of an
    item's `__nameid_version1.0` storage: its GUIDs, its 8-byte entries and its names. An
    entry that points past the streams is left out."""
    found: dict[int, tuple[bytes, int | str]] = {}
    for at in range(0, len(entries) - 7, 8):
        key, packed = struct.unpack_from("<II", entries, at)
        index, guid_at, is_string = packed >> 16, (packed >> 1) & 0x7FFF, packed & 1
        guid = guids[(guid_at - 3) * 16:(guid_at - 2) * 16] if guid_at >= 3 else b""
        if guid_at >= 3 and len(guid) != 16:
            continue
        if not is_string:
            found[_NAMED_FROM + index] = (guid, key)
        elif key + 4 <= len(strings):
            (length,) = struct.unpack_from("<I", strings, key)
            found[_NAMED_FROM + index] = (guid, strings[key + 4:key + 4 + length].decode(
                "utf-16-le", "replace"))
    return found


def _is_named_string(tail: str) -> bool:
    """Whether a property stream's name after "__substg1.0_" is a named property's string
    value, or one of a multi-valued one's ("8208001F", "853A101F-00000000")."""
    try:
        return int(tail[:4], 16) >= _NAMED_FROM and tail[4:8] in ("001F", "001E", "101F",
                                                                  "101E")
    except ValueError:
        return False


def wrapped(data: bytes, most: int) -> tuple[str, bytes] | None:
    """(label or "", bytes) of the file an OLE object's compound file wraps, as an attached
    object's storage is read (an object embedded in an RTF letter is such a file); None where
    it wraps none (a Word or Excel document of streams, itself the file). `most`: the bytes
    its streams may add up to."""
    with _opened(data, most, "compound file") as reader:
        return _wrapped({s for s in reader.streams if "/" not in s},
                        lambda child: reader.stream(child, True))


def _wrapped(children: set[str], stream: Callable[[str], bytes]) -> tuple[str, bytes] | None:
    """The file an OLE object's streams wrap: a packaged one (its label, its bytes), or an
    Office file kept whole ("", its bytes); None for any other."""
    if _NATIVE in children and (packaged := unpackage(stream(_NATIVE))) is not None:
        return packaged
    for whole in _WHOLE:
        if whole in children:
            return "", stream(whole)
    return None


def unpackage(native: bytes) -> tuple[str, bytes] | None:
    """(label, bytes) of the file an Object Packager stream wraps: its size, a type, the
    label and the source path (each ending in a NUL), a type and the length of the temporary
    path, that path, then the file's size and bytes. None where the lengths do not fit
    (another packager's layout): the stream is then read as text runs."""
    try:
        at = 6  # the stream's size, and a type
        label_end = native.index(b"\0", at)
        label = native[at:label_end].decode("cp1252", "replace").strip()
        at = native.index(b"\0", label_end + 1) + 1 + 4  # past the source path and a type
        (temp,) = struct.unpack_from("<I", native, at)
        at += 4 + temp
        (size,) = struct.unpack_from("<I", native, at)
    except (ValueError, struct.error):
        return None
    at += 4
    if at + size > len(native):
        return None
    return label.rpartition("\\")[2], native[at:at + size]
