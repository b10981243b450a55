"""Opaque-signed S/MIME: the signed MIME entity out of its CMS SignedData wrapper.

`openssl smime -sign -nodetach`, Outlook's "opaque" signing and some gateways send a signed
message as one application/pkcs7-mime part (smime-type=signed-data, smime.p7m) whose DER or
BER bytes hold the whole message inside. Read as an unknown binary file, every such message
leaving the council was held as unreadable whatever it said, and a child's NHS number in it
was never seen.

Only as much of CMS (RFC 5652) as leads to the content is read: ContentInfo, SignedData,
encapContentInfo, its eContent OCTET STRING (one piece, or chunked as BER streams it). The
signature is not verified: the gateway is not the message's recipient and trusts no signer;
what matters here is what the message says, and that is the same whoever signed it.

Bounded: every length is checked against the bytes there are, elements nest at most
MAX_DEPTH deep, at most MAX_ELEMENTS are read, and the content stops at the caller's limit.
Anything else raises SmimeError with a reason that quotes nothing of the content.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_DEPTH = 32  # real messages nest a handful deep; chunked content one or two more
MAX_ELEMENTS = 200_000  # a 100 MB content in BER's 1,000-byte chunks is 100,000

# content types (RFC 5652, RFC 5083), as their DER encodings' contents
_TYPES = {
    bytes.fromhex("2a864886f70d010701"): "data",
    bytes.fromhex("2a864886f70d010702"): "signed-data",
    bytes.fromhex("2a864886f70d010703"): "enveloped-data",
    bytes.fromhex("2a864886f70d010705"): "digested-data",
    bytes.fromhex("2a864886f70d010706"): "encrypted-data",
    bytes.fromhex("2a864886f70d0109100117"): "auth-enveloped-data",
    bytes.fromhex("2a864886f70d0109100109"): "compressed-data",
}
ENCRYPTED = ("enveloped-data", "auth-enveloped-data", "encrypted-data")

_SEQUENCE, _SET, _INTEGER, _OID, _OCTETS = 0x30, 0x31, 0x02, 0x06, 0x04
_OCTETS_CONSTRUCTED, _EXPLICIT_0 = 0x24, 0xA0


class SmimeError(ValueError):
    """Bytes that are not a well-formed SignedData with its content."""


class TooLarge(SmimeError):
    """Content past the caller's limit."""


class _Element(NamedTuple):
    tag: int  # the identifier octet; a high tag number keeps its first octet only
    start: int  # where its contents start
    end: int | None  # where they end; None for BER's indefinite length (ends at 00 00)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read = 0

    def element(self, pos: int, limit: int, depth: int, whole: bool = True) -> _Element:
        """The element whose identifier is at `pos`, its contents within `limit` (unless not
        `whole`: its header alone read)."""
        if depth > MAX_DEPTH:
            raise SmimeError(f"nested deeper than {MAX_DEPTH}")
        self.read += 1
        if self.read > MAX_ELEMENTS:
            raise SmimeError(f"more than {MAX_ELEMENTS} elements")
        data = self.data
        if pos + 2 > limit:
            raise SmimeError("cut short")
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:  # high tag number: base-128 octets, none of which we need
            for _ in range(4):
                if pos >= limit:
                    raise SmimeError("cut short")
                pos += 1
                if not data[pos - 1] & 0x80:
                    break
            else:
                raise SmimeError("tag number too long")
        if pos >= limit:
            raise SmimeError("cut short")
        first = data[pos]
        pos += 1
        if first == 0x80:
            if not tag & 0x20:
                raise SmimeError("indefinite length on a primitive element")
            return _Element(tag, pos, None)
        if first < 0x80:
            length = first
        else:
            width = first & 0x7F
            if not 1 <= width <= 4:
                raise SmimeError(f"length of {width} octets")
            if pos + width > limit:
                raise SmimeError("cut short")
            length = int.from_bytes(data[pos:pos + width], "big")
            pos += width
        if pos + length > limit and whole:
            raise SmimeError("cut short: a length runs past the end")
        return _Element(tag, pos, pos + length)

    def limit(self, el: _Element, outer: int) -> int:
        """How far an element's contents may reach."""
        return outer if el.end is None else el.end

    def at_end(self, el: _Element, pos: int, outer: int) -> bool:
        """Whether `pos` is past an element's last child (at its end-of-contents, for BER)."""
        if el.end is not None:
            return pos >= el.end
        if pos + 2 > outer:
            raise SmimeError("cut short: no end-of-contents")
        return self.data[pos] == 0 and self.data[pos + 1] == 0

    def expect(self, pos: int, limit: int, depth: int, tag: int, why: str) -> _Element:
        """The element at `pos`, which must be a `tag` (else SmimeError(why))."""
        el = self.element(pos, limit, depth)
        if el.tag != tag:
            raise SmimeError(why)
        return el

    def after(self, el: _Element, outer: int, depth: int) -> int:
        """Where the next element starts: after its contents, or its end-of-contents."""
        if el.end is not None:
            return el.end
        pos = el.start
        while not self.at_end(el, pos, outer):
            pos = self.after(self.element(pos, outer, depth + 1), outer, depth + 1)
        return pos + 2

    def octets(self, el: _Element, outer: int, depth: int, out: list[bytes],
               room: list[int]) -> int:
        """An OCTET STRING's bytes into `out`, primitive or constructed of pieces (as Outlook
        and `openssl -stream` write it); returns where it ends."""
        if el.tag == _OCTETS:
            assert el.end is not None  # a primitive element always has a length
            room[0] -= el.end - el.start
            if room[0] < 0:
                raise TooLarge("content past the limit")
            out.append(self.data[el.start:el.end])
            return el.end
        if el.tag != _OCTETS_CONSTRUCTED:
            raise SmimeError("content is not an OCTET STRING")
        pos, limit = el.start, self.limit(el, outer)
        while not self.at_end(el, pos, limit):
            pos = self.octets(self.element(pos, limit, depth + 1), limit, depth + 1, out, room)
        return pos + 2 if el.end is None else pos  # pieces stay within it (element())


def kind(data: bytes) -> str | None:
    """The content type a CMS ContentInfo declares ("signed-data", "enveloped-data"...), by
    its first bytes (a ContentInfo cut short still says what it was); None for bytes that do
    not start as one."""
    reader = _Reader(data)
    try:
        top = reader.element(0, len(data), 0, whole=False)
        if top.tag != _SEQUENCE:
            return None
        oid = reader.element(top.start, len(data), 1)
    except SmimeError:
        return None
    if oid.tag != _OID or oid.end is None:
        return None
    return _TYPES.get(data[oid.start:oid.end])


def signed_content(data: bytes, limit: int) -> bytes | None:
    """The content a ContentInfo of type signedData encapsulates, as the signer gave it: the
    signed MIME entity, for S/MIME. None when it holds none (a detached signature, or
    certificates only). At most `limit` bytes of content, or SmimeError."""
    r = _Reader(data)
    outer = len(data)
    top = r.expect(0, outer, 0, _SEQUENCE, "not a CMS structure")
    outer = r.limit(top, outer)
    oid = r.element(top.start, outer, 1)
    if oid.tag != _OID or _TYPES.get(data[oid.start:oid.end]) != "signed-data":
        raise SmimeError("not signed data")
    wrap = r.expect(r.after(oid, outer, 1), outer, 1, _EXPLICIT_0, "no content after its type")
    outer = r.limit(wrap, outer)
    signed = r.expect(wrap.start, outer, 2, _SEQUENCE, "SignedData is not a SEQUENCE")
    outer = r.limit(signed, outer)
    version = r.expect(signed.start, outer, 3, _INTEGER, "SignedData has no version")
    digests = r.expect(r.after(version, outer, 3), outer, 3, _SET,
                       "SignedData has no digest algorithms")
    encap = r.expect(r.after(digests, outer, 3), outer, 3, _SEQUENCE,
                     "SignedData has no encapsulated content")
    outer = r.limit(encap, outer)
    etype = r.expect(encap.start, outer, 4, _OID, "encapsulated content has no type")
    named = _TYPES.get(data[etype.start:etype.end])
    if named != "data":
        raise SmimeError(f"encapsulated content is {named or 'of an unknown type'}, not data")
    pos = r.after(etype, outer, 4)
    if r.at_end(encap, pos, outer):
        return None
    explicit = r.expect(pos, outer, 4, _EXPLICIT_0, "encapsulated content is not tagged [0]")
    out: list[bytes] = []
    outer = r.limit(explicit, outer)
    r.octets(r.element(explicit.start, outer, 5), outer, 5, out, [limit])
    return b"".join(out)


# A MIME entity's header block: field lines (and folded ones) up to an empty line, one of
# them Content-Type or MIME-Version. A signed document that is no MIME entity (a CAdES
# "report.pdf.p7m", a text whose first line is "Name: Amy Reid") is read as a file instead.
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*")
_MIME_FIELD = re.compile(rb"(?:content-type|mime-version)[ \t]*:", re.IGNORECASE)


def is_entity(content: bytes) -> bool:
    """Whether signed content is a MIME entity (headers, an empty line, a body)."""
    pos, named = 0, False
    for _ in range(200):
        if content.startswith((b"\r\n", b"\n"), pos):
            return named and pos > 0
        m = _FIELD.match(content, pos)
        if m is None:
            return False
        named = named or bool(_MIME_FIELD.match(content, pos))
        pos = m.end()
    return False
