"""Outlook's compressed RTF decoded, whatever its header claims, within the bytes allowed."""

from __future__ import annotations

import struct
import time

import pytest

from dlpgate import testdata
from dlpgate.parse import lzfu

LETTER = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Calibri;}}\f0\fs22 "
          rb"Referral for Amy Reid, NHS 943 476 5919\par Referral received -----------\par}")


def header(body: bytes, raw: int, kind: bytes = b"LZFu") -> bytes:
    return struct.pack("<II4sI", len(body) + 12, raw, kind, 0) + body


def run(references: int, start: int = 208) -> bytes:
    """A dash, then `references` of 17 bytes each (the first a run from the dash, the rest
    a copy of the 17 before): 8 times what it takes, the most LZFu gives."""
    tokens, w = [b"-"], start
    for n in range(references):
        tokens.append(struct.pack(">H", ((w - (17 if n else 1)) % 4096) << 4 | 15))
        w += 17
    flags = [False] + [True] * references
    body = bytearray()
    for at in range(0, len(tokens), 8):
        body += bytes([sum(1 << i for i, f in enumerate(flags[at:at + 8]) if f)])
        body += b"".join(tokens[at:at + 8])
    return bytes(body)


def test_the_example_in_the_specification_decodes_to_its_letter():
    # MS-OXRTFCP's own example: a reference into the dictionary's prefill, literals, the end
    stream = bytes.fromhex("2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232"
                           "0af32068656c0900206277 05b06c647d0a800fa0".replace(" ", ""))
    assert lzfu.decompress(stream, 1000) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"


def test_a_letter_compressed_with_references_and_the_prefill_decodes_as_written():
    stream = testdata.compress_rtf(LETTER)
    assert len(stream) < len(LETTER)  # references made it smaller
    control, first = stream[16], struct.unpack(">H", stream[17:19])[0]
    assert control & 1 and first >> 4 < len(lzfu.PREFILL)  # "{\rtf1\ansi" from the prefill
    assert lzfu.decompress(stream, 10_000) == LETTER
    assert lzfu.decompress(testdata.compress_rtf(LETTER, compressed=False), 10_000) == LETTER


def test_a_reference_overlapping_what_it_writes_repeats_it():
    # "-" then the 17 bytes from one back: a run of dashes, as Outlook compresses a rule
    stream = header(bytes([0b10]) + b"-" + struct.pack(">H", 207 << 4 | 15), 18)
    assert lzfu.decompress(stream, 100) == b"-" * 18


def test_a_raw_size_of_4_gb_is_never_believed():
    stream = bytearray(testdata.compress_rtf(LETTER))
    stream[4:8] = b"\xff\xff\xff\xff"
    started = time.monotonic()
    assert lzfu.decompress(bytes(stream), 10_000) == LETTER
    assert time.monotonic() - started < 0.1


def test_what_expands_past_the_bytes_allowed_stops_there_with_what_it_gave():
    stream = header(run(1000), 0xFFFFFFFF)
    with pytest.raises(lzfu.LzfuError, match="expands past 5000 bytes") as caught:
        lzfu.decompress(stream, 5000)
    assert caught.value.done == b"-" * 5000
    big = header(run(1_000_000), 0)  # 2.1 MB of tokens, 17 MB of dashes
    started = time.monotonic()
    assert len(lzfu.decompress(big, 20_000_000)) == 17_000_001
    assert time.monotonic() - started < 3


def test_a_reference_to_bytes_never_written_is_damage():
    # the dictionary past the prefill holds nothing until written: 4000 is 3793 bytes ahead
    stream = header(bytes([0b10]) + b"A" + struct.pack(">H", 4000 << 4 | 3), 100)
    with pytest.raises(lzfu.LzfuError, match="never written") as caught:
        lzfu.decompress(stream, 100)
    assert caught.value.done == b"A"


@pytest.mark.parametrize("stream, why", [
    (b"\x10\x00\x00\x00", "header cut short"),
    (testdata.compress_rtf(LETTER)[:40], "cut short"),
    (header(b"\x01\x00", 10), "cut short in a reference"),
    (header(b"x", 10, b"ABCD"), "unknown compressed RTF type"),
    (header(b"short", 4_000_000_000, b"MELA"), "uncompressed RTF cut short"),
])
def test_a_damaged_stream_says_so_without_quoting_it(stream, why):
    with pytest.raises(lzfu.LzfuError, match=why) as caught:
        lzfu.decompress(stream, 10_000)
    assert "Amy" not in str(caught.value) and "943" not in str(caught.value)
