"""MAPI property lists as winmail.dat carries them: every type passed over or read, nothing
believed that the bytes do not hold."""

from __future__ import annotations

import struct
import time

import pytest

from dlpgate import testdata
from dlpgate.parse import mapi


def test_each_kind_of_property_is_read_in_turn_to_the_one_wanted():
    block = testdata.mapi_props([
        (0x0E07, 0x0003, 1),  # fixed, 4 bytes
        (0x0039, 0x0040, 0),  # fixed, 8 bytes
        (0x0FFF, 0x0048, bytes(16)),  # a GUID
        (0x8005, 0x001F, "named"),  # a named property, its name a number
        (0x3A40, 0x101E, ["one", "three"]),  # multi-valued strings
        (0x3A41, 0x1003, [1, 2, 3]),  # multi-valued fixed
        (0x0E1B, 0x000B, 1),  # boolean, padded to 4
        (0x1000, 0x001E, "Amy Reid 943 476 5919"),
        (0x3707, 0x001F, "Amy Reid DOB 12-03-2015.docx"),
        (0x3701, 0x0102, b"\x01\x02\x03"),  # padded to 4
        (0x0037, 0x001E, "after the padding")])
    props = list(mapi.properties(block))
    assert [p.ident for p in props] == [0x0E07, 0x0039, 0x0FFF, 0x8005, 0x3A40, 0x3A41, 0x0E1B,
                                        0x1000, 0x3707, 0x3701, 0x0037]
    by_id = {p.ident: p for p in props}
    assert by_id[0x3A40].values == (b"one\x00", b"three\x00")
    assert by_id[0x3A41].kind == 0x0003 and len(by_id[0x3A41].values) == 3
    assert mapi.text(by_id[0x1000]) == "Amy Reid 943 476 5919"
    assert mapi.text(by_id[0x3707]) == "Amy Reid DOB 12-03-2015.docx"
    assert by_id[0x3701].values == (b"\x01\x02\x03",)
    assert mapi.text(by_id[0x0037]) == "after the padding"
    assert mapi.text(by_id[0x3701]) == ""  # binary: not a string


def test_a_property_named_by_a_string_is_passed_over_to_the_next():
    name = "x-custom".encode("utf-16-le") + b"\x00\x00"
    block = (struct.pack("<IHH", 2, 0x001E, 0x8001) + bytes(16) + struct.pack("<II", 1, len(name))
             + name + b"\x00" * (-len(name) % 4) + struct.pack("<II", 1, 2) + b"a\x00\x00\x00"
             + testdata.mapi_props([(0x0037, 0x001E, "subject")])[4:])
    props = list(mapi.properties(block))
    assert [mapi.text(p) for p in props] == ["a", "subject"]
    assert props[0].name == (bytes(16), "x-custom") and props[1].name is None


def test_a_named_propertys_name_is_its_property_set_and_its_number_or_string():
    appointment = bytes.fromhex("0220060000000000c000000000000046")
    public = bytes.fromhex("2903020000000000c000000000000046")
    block = testdata.mapi_props([
        (0x8001, 0x001F, "Room 4, 12 Mill Lane", (appointment, 0x8208)),
        (0x8002, 0x101F, ["Safeguarding", "Reid family"], (public, "Keywords"))])
    location, keywords = mapi.properties(block)
    assert location.name == (appointment, 0x8208)
    assert mapi.texts(location) == ["Room 4, 12 Mill Lane"]
    # the public strings' set is named as a .msg's name map names it: by no GUID
    assert keywords.name == (b"", "Keywords")
    assert mapi.texts(keywords) == ["Safeguarding", "Reid family"]


@pytest.mark.parametrize("block, why", [
    (struct.pack("<I", 2**31) + b"\x03\x00\x07\x0e" + bytes(4), "property count past"),
    (struct.pack("<IHHI", 1, 0x0102, 0x3701, 2**31) + bytes(8), "value count past"),
    (struct.pack("<IHHII", 1, 0x0102, 0x3701, 1, 0xFFFFFFFF) + bytes(8), "runs past"),
    (struct.pack("<IHH", 1, 0x001E, 0x8001) + bytes(16) + struct.pack("<II", 1, 2**31 - 1)
     + bytes(8), "name runs past"),
    (struct.pack("<IHH", 1, 0x001E, 0x8001) + bytes(16) + struct.pack("<II", 7, 0),
     "unknown kind"),
    (struct.pack("<IHH", 1, 0x0999, 0x3701) + bytes(8), "unknown type"),
    (b"\x01\x00", "cut short"),
])
def test_a_count_or_length_the_bytes_do_not_hold_fails_at_once(block, why):
    started = time.monotonic()
    with pytest.raises(mapi.MapiError, match=why):
        list(mapi.properties(block))
    assert time.monotonic() - started < 0.05


def test_the_properties_before_a_cut_are_given_before_the_damage_is_said():
    block = testdata.mapi_props([(0x3707, 0x001F, "Referral.docx"),
                                 (0x3701, 0x0102, b"x" * 100)])
    found = []
    with pytest.raises(mapi.MapiError, match="runs past"):
        for prop in mapi.properties(block[:-60]):
            found.append(prop)
    assert [mapi.text(p) for p in found] == ["Referral.docx"]


def test_a_long_list_is_read_in_one_pass():
    block = testdata.mapi_props([(0x0E07, 0x0003, n) for n in range(200_000)])
    started = time.monotonic()
    assert sum(1 for _ in mapi.properties(block)) == 200_000
    assert time.monotonic() - started < 2
