"""Outlook's rich-text wrapper (TNEF, `winmail.dat`): its body, and the files and items inside.

Exchange sends a message as TNEF when the sender's Outlook used rich text, or the
recipient's settings ask for it. To the gateway that was one unreadable file: every such
message leaving was held as unscannable, and the referral inside it was never read.

TNEF is a flat run of attributes (MS-OXTNEF 2.1): a 4-byte signature and a 2-byte key,
then for each attribute its level (message or attachment), a 4-byte id (type in the high
16 bits, name in the low), a 4-byte length, the data, and a 2-byte checksum. A file starts
at an attachment's rendering attribute; its title and its bytes follow.

What the older attributes cannot hold is in MAPI property blocks (`mapi.py`), and a probe
found personal data there going out unread: a body typed in Outlook is often only compressed
RTF (`lzfu.py`), an attached Outlook item or OLE object has its bytes only there, and the
long file name ("Amy Reid DOB 12-03-2015.docx") is there while the title is "AMYREI~1.DOC".
So the body is read from every copy the wrapper holds (its plain text, then what the RTF and
HTML add to it, line by line, so one finding is not counted three times), files are named by
their long names, and an attached item is given back as a file whose bytes are TNEF again,
for the caller to read within its depth and byte budget.

Damage costs only what it touches, where the stream says where that ends: a MAPI block that
does not parse loses the properties after the damage, a compressed body that does not decode
what comes after the damage, each said in `damage`; an attribute that runs past the end loses
the rest of the stream (nothing says where the next begins), said too. Files past the bytes
the message may unpack are TnefError, as for an archive.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from dlpgate.parse import lzfu, mapi
from dlpgate.parse.html import unshown
from dlpgate.parse.outlook import LABELS as _LABELS

SIGNATURE = b"\x78\x9f\x3e\x22"
# what the text of a wrapper is sent as: mime.py finds it by this to leave out what the
# message's own text part already says (Exchange sends that beside winmail.dat)
CONTENT_TYPE = "application/ms-tnef"

_MESSAGE, _ATTACHMENT = 1, 2
_SUBJECT = 0x8004  # attSubject
_BODY = 0x800C  # attBody: the message's text
_MESSAGE_PROPS = 0x9003  # attMsgProps: the message's MAPI properties
_RENDERING = 0x9002  # attAttachRendData: a new attachment begins
_DATA = 0x800F  # attAttachData: its bytes
_TITLE = 0x8010  # attAttachTitle: its (8.3) file name
_ATTACHMENT_PROPS = 0x9005  # attAttachment: its MAPI properties

# MAPI property ids (MS-OXPROPS)
_PR_SUBJECT, _PR_BODY, _PR_RTF, _PR_HTML = 0x0037, 0x1000, 0x1009, 0x1013
_PR_LONG_NAME, _PR_DISPLAY_NAME, _PR_SHORT_NAME = 0x3707, 0x3001, 0x3704
_PR_DATA = 0x3701  # PR_ATTACH_DATA_BIN, or _OBJ: a 16-byte interface id, then the object
# an attachment's properties that carry text beyond its names, with what each is: a file
# attached by reference (a folder on a server) has its path only, "\\\\files\\Children\\Amy
# Reid\\plan.docx"
_ATTACHMENT_TEXT = {0x370D: "Path", 0x3708: "Path", 0x3713: "Address", 0x3004: "Comment"}
_ALIAS = re.compile(r"~\d")  # an 8.3 name Windows made of a long one: "AMYREI~1.DOC"
_WORD = re.compile(r"\w+")


class TnefError(Exception):
    """Not TNEF, or its files expand beyond the bytes allowed."""


@dataclass
class Contents:
    subject: str = ""
    body: str = ""  # its plain text, then the lines its RTF and HTML add
    pictures: list[tuple[str, bytes]] = field(default_factory=list)  # its RTF's and HTML's
    # files, an attached Outlook item among them as a TNEF stream of its own
    files: list[tuple[str, bytes]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # other names its attachments were given
    damage: list[str] = field(default_factory=list)  # what was not read, said without content
    expanded: int = 0  # bytes its compressed bodies decoded to, for the message's budget
    # the message's named properties' string values (an appointment's location, its
    # categories), a line each, labelled where known; read after its body
    named: str = ""
    # what its HTML body, or the page its RTF body carries, hides and its text does not say
    # (comments, tooltips, fields: `html.unshown`), a line each; read after those (PARSER 23)
    hidden: str = ""
    # its attachments' properties that carry text (a path, a comment, named properties), a
    # line each, where the text before does not say them; read last (PARSER 23)
    attached: str = ""


@dataclass
class _Attachment:
    title: str = ""
    payloads: list[bytes] = field(default_factory=list)
    props: list[mapi.Prop] = field(default_factory=list)


def read(data: bytes, most: int) -> Contents:
    """The body and the files of a TNEF stream; `most`: bytes its files and its decompressed
    body may add up to (the message's expansion budget), past which reading stops with
    TnefError."""
    if not data.startswith(SIGNATURE) or len(data) < 6:
        raise TnefError("not a TNEF stream")
    reader = _Reader(most)
    try:
        for level, name, value in _attributes(data, 6):
            reader.attribute(level, name, value)
    except _Cut as exc:
        reader.out.damage.append(f"{exc}: the rest of the stream not read")
    return reader.finish()


class _Cut(Exception):
    pass


def _attributes(data: bytes, pos: int) -> Iterator[tuple[int, int, bytes]]:
    while pos < len(data):
        if pos + 9 > len(data):
            raise _Cut("an attribute is cut short")
        level = data[pos]
        ident, length = struct.unpack_from("<II", data, pos + 1)
        start = pos + 9
        end = start + length
        if end + 2 > len(data):
            raise _Cut("an attribute runs past the end of the stream")
        yield level, ident & 0xFFFF, data[start:end]
        pos = end + 2  # the checksum: a damaged one changes no text we read, so not checked


class _Reader:
    def __init__(self, most: int) -> None:
        self.most, self.total = most, 0
        self.out = Contents()
        self.plain: list[str] = []  # attBody, PR_BODY
        self.rich: list[str] = []  # the RTF documents, as text
        self.html: list[str] = []
        self.attachment: _Attachment | None = None
        self.named: list[tuple[str, str]] = []  # (label, value)
        self.pages: list[str] = []  # the HTML body's markup
        self.carried: list[str] = []  # the pages the RTF bodies carry (`rtfhtml`)
        self.attached: list[tuple[str, str]] = []  # (label, value), of every attachment

    def attribute(self, level: int, name: int, value: bytes) -> None:
        if level == _ATTACHMENT:
            if name == _RENDERING or self.attachment is None:
                self.attachment_done()
                self.attachment = _Attachment()
            if name == _TITLE:
                self.attachment.title = _text(value)
            elif name == _DATA:
                self.count(len(value), "files inside")
                self.attachment.payloads.append(value)
            elif name == _ATTACHMENT_PROPS:
                self.attachment.props += self.props(value, "an attachment's")
        elif level == _MESSAGE:
            if name == _BODY:
                self.plain.append(_text(value))
            elif name == _SUBJECT:
                self.out.subject = self.out.subject or _text(value)
            elif name == _MESSAGE_PROPS:
                for prop in self.props(value, "the message's"):
                    self.message_prop(prop)

    def props(self, block: bytes, whose: str) -> list[mapi.Prop]:
        found: list[mapi.Prop] = []
        try:
            found.extend(mapi.properties(block))
        except mapi.MapiError as exc:
            self.out.damage.append(f"{whose} MAPI properties damaged ({exc}): those after "
                                   "the damage not read")
        return found

    def message_prop(self, prop: mapi.Prop) -> None:
        if prop.name is not None:  # named: what Outlook keeps of a meeting, a contact
            label = _LABELS.get(prop.name, "")
            self.named += ((label, value) for value in mapi.texts(prop))
        elif prop.ident == _PR_SUBJECT:
            self.out.subject = self.out.subject or mapi.text(prop)
        elif prop.ident == _PR_BODY:
            self.plain.append(mapi.text(prop))
        elif prop.ident == _PR_RTF and prop.kind == mapi.BINARY:
            for value in prop.values:
                self.rtf(value)
        elif prop.ident == _PR_HTML:
            page = mapi.text(prop) if prop.kind != mapi.BINARY else \
                (_html_bytes(prop.values[0]) if prop.values else "")
            if page:
                from dlpgate.parse.html import html_to_text, pictures

                self.html.append(html_to_text(page))
                self.pages.append(page)
                self.out.pictures += pictures(page)

    def rtf(self, value: bytes) -> None:
        """A compressed RTF body: its text, and the pictures it shows."""
        from dlpgate.parse import rtf, rtfhtml

        try:
            document = lzfu.decompress(value, max(0, self.most - self.total))
        except lzfu.LzfuError as exc:
            self.out.damage.append(f"the body's {exc}: the rest of it not read")
            document = exc.done
        self.total += len(document)
        self.out.expanded += len(document)
        text = document.decode("latin-1")  # RTF is 7-bit: its other characters escaped
        self.rich.append(rtf.text(text))
        self.carried.append(rtfhtml.markup(text))
        self.out.pictures += (("", p) for p in rtf.pictures(text))

    def count(self, size: int, what: str) -> None:
        self.total += size
        if self.total > self.most:
            raise TnefError(f"{what} expand beyond {self.most} bytes")

    def attachment_done(self) -> None:
        """The attachment read so far, as files: its long name first (Outlook keeps the 8.3
        one in the title), its bytes from the data attribute, or from its properties where
        only they hold them (an attached Outlook item, an OLE object)."""
        att, self.attachment = self.attachment, None
        if att is None:
            return
        strings = {p.ident: mapi.text(p) for p in att.props if p.kind in (mapi.STRING8,
                                                                          mapi.UNICODE)}
        for prop in att.props:
            if prop.name is not None or prop.ident in _ATTACHMENT_TEXT:
                label = _ATTACHMENT_TEXT[prop.ident] if prop.name is None else \
                    _LABELS.get(prop.name, "")
                self.attached += ((label, value) for value in mapi.texts(prop))
        names = list(dict.fromkeys(n for n in (strings.get(_PR_LONG_NAME),
                                               strings.get(_PR_DISPLAY_NAME), att.title,
                                               strings.get(_PR_SHORT_NAME)) if n))
        payloads = list(att.payloads)
        for prop in att.props:
            if prop.ident != _PR_DATA or prop.kind not in (mapi.BINARY, mapi.OBJECT):
                continue
            for value in prop.values:
                if prop.kind == mapi.OBJECT:  # its interface id first; an item's is TNEF
                    if len(value) < 16:
                        self.out.damage.append("an attached object is cut short")
                        continue
                    value = value[16:]
                if value and value not in payloads:
                    self.count(len(value), "files inside")
                    payloads.append(value)
        name = names[0] if names else f"file{len(self.out.files) + 1}"
        self.out.files += ((name, payload) for payload in payloads)
        given = names[1:] if payloads else names
        self.out.names += (n for n in given if not (names[0] != n and _ALIAS.search(n)))

    def finish(self) -> Contents:
        self.attachment_done()
        out, said = [], set()
        for text in (*self.plain, *self.rich, *self.html):
            lines = unsaid(text, said) if out else text.strip().splitlines()
            out += lines
            said |= words(text)
        self.out.body = "\n".join(out).strip()
        said = "\n".join((self.out.subject, self.out.body))
        self.out.named = _lines(self.named, said)
        said = "\n".join((said, self.out.named))
        self.out.hidden = unshown("\n".join(self.pages or self.carried), said)
        said = "\n".join((said, self.out.hidden, *self.out.names,
                          *(name for name, _ in self.out.files)))
        self.out.attached = _lines(self.attached, said)
        return self.out


def _lines(found: list[tuple[str, str]], said: str) -> str:
    """Labelled values a line each ("Location: ..."), once each, but those `said` holds
    already: a location the body repeats is read there, a path that is the file's name alone
    is read among the files' names."""
    lines = []
    for label, value in found:
        value = " ".join(value.split())
        if value and value not in said:
            lines.append(f"{label}: {value}" if label else value)
    return "\n".join(dict.fromkeys(lines))


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def unsaid(text: str, said: set[str]) -> list[str]:
    """The lines of `text` with a word `said` lacks: the same words in another layout (a
    table's cells a line each, wrapping) are nothing new. mime.py weighs an HTML
    alternative's lines against the plain text's with it too."""
    return [line for line in text.splitlines() if not words(line) <= said]


def _text(value: bytes) -> str:
    """An 8-bit string attribute, NUL-terminated, in the sender's code page (Windows-1252
    for UK mail)."""
    return value.split(b"\x00", 1)[0].decode("cp1252", "replace").strip()


def _html_bytes(value: bytes) -> str:
    """PR_HTML's bytes: UTF-8 as Outlook writes them now, else the sender's code page."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", "replace")
