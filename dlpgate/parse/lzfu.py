"""Outlook's compressed RTF (MS-OXRTFCP): the body of a rich-text message, as winmail.dat keeps it.

Outlook stores a rich-text or HTML message's body as PR_RTF_COMPRESSED alone, often with no
plain copy: a referral typed in Outlook and sent as TNEF had its words only here, and they went
out unread. The format is small enough to decode here rather than depend on a package: a
16-byte header (COMPSIZE, RAWSIZE, COMPTYPE, CRC), then either the RTF as it is ("MELA") or
LZ77 tokens ("LZFu") over a 4096-byte circular dictionary that starts out holding 207 bytes of
RTF every document begins with.

Everything in the header is the sender's word. RAWSIZE is never used to allocate or to decide
when to stop: output grows with what the tokens really give, up to the caller's `most` (a
4 GB claim costs nothing). The CRC is not checked: Outlook refuses a body whose CRC is wrong,
but a gateway reading more than Outlook would show is safe, reading less is not.
"""

from __future__ import annotations

import struct

# the dictionary's first 207 bytes (MS-OXRTFCP 3.1.1.1.1): what any compressor may refer to
# before it has written anything
PREFILL = (rb"{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern "
           rb"\fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0"
           rb"\green0\blue0" b"\r\n" rb"\par \pard\plain\f0\fs20\b\i\u\tab\tx")
COMPRESSED, UNCOMPRESSED = b"LZFu", b"MELA"
WINDOW = 4096
HEADER = 16


class LzfuError(Exception):
    """Damaged, or past the bytes allowed. `done`: what was decoded before it, which the
    caller may read and say the rest was not."""

    def __init__(self, message: str, done: bytes = b"") -> None:
        super().__init__(message)
        self.done = done


def decompress(data: bytes, most: int) -> bytes:
    """The RTF document in a PR_RTF_COMPRESSED value; `most`: bytes it may decode to."""
    if len(data) < HEADER:
        raise LzfuError("compressed RTF header cut short")
    compsize, rawsize = struct.unpack_from("<II", data)
    kind = data[8:12]
    # COMPSIZE counts the bytes after itself: the rest of the header and the tokens
    body = data[HEADER:4 + compsize] if compsize >= HEADER - 4 else b""
    cut = 4 + compsize > len(data)
    if kind == UNCOMPRESSED:
        out = body[:rawsize]
        if len(out) > most:
            raise LzfuError(f"uncompressed RTF past {most} bytes", out[:most])
        if cut or len(out) < rawsize:
            raise LzfuError("uncompressed RTF cut short", out)
        return out
    if kind != COMPRESSED:
        raise LzfuError("unknown compressed RTF type")
    out = _tokens(body, most)
    if cut:
        raise LzfuError("compressed RTF cut short", out)
    return out


def _tokens(body: bytes, most: int) -> bytes:
    """The LZFu tokens decoded. The dictionary is not kept apart: the output, after the
    prefill, is the dictionary unrolled, position p of it the byte at the latest index that is
    p modulo 4096. So a reference is a slice copy, and a run (one overlapping its own output,
    "-----" as one literal and one reference) a repeated slice: no byte-by-byte loop over
    what a reference gives, whatever lengths the tokens claim."""
    buf = bytearray(PREFILL)
    start = len(PREFILL)
    limit = start + most
    pos, end = 0, len(body)
    while pos < end:
        control = body[pos]
        pos += 1
        if control == 0 and pos + 8 <= end:  # eight literals: the common case, at once
            buf += body[pos:pos + 8]
            pos += 8
        else:
            for bit in range(8):
                if pos >= end:  # the tokens end without the end marker: what they gave
                    break
                if not control & (1 << bit):
                    buf.append(body[pos])
                    pos += 1
                    continue
                if pos + 2 > end:
                    raise LzfuError("compressed RTF cut short in a reference",
                                    bytes(buf[start:limit]))
                ref = body[pos] << 8 | body[pos + 1]
                pos += 2
                written = len(buf)
                back = (written - (ref >> 4)) % WINDOW
                if back == 0:  # a reference to where the next byte goes: the end
                    return _done(buf, start, limit, most)
                at = written - back
                if at < 0:
                    raise LzfuError("compressed RTF refers to bytes never written",
                                    bytes(buf[start:limit]))
                length = (ref & 0xF) + 2
                if back >= length:
                    buf += buf[at:at + length]
                else:
                    buf += (buf[at:written] * (length // back + 1))[:length]
        if len(buf) > limit:
            raise LzfuError(f"compressed RTF expands past {most} bytes", bytes(buf[start:limit]))
    return _done(buf, start, limit, most)


def _done(buf: bytearray, start: int, limit: int, most: int) -> bytes:
    if len(buf) > limit:
        raise LzfuError(f"compressed RTF expands past {most} bytes", bytes(buf[start:limit]))
    return bytes(buf[start:])
