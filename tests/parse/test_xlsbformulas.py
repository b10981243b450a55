"""A binary workbook's formula tokens give their strings and long numbers, as an .xlsx's text
does, and a damaged or hostile stream gives what came before its damage, quickly."""

from __future__ import annotations

import struct
import time

from hypothesis import given
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.parse.xlsbformulas import constants

text, number, whole, ref = (testdata.ptg_str, testdata.ptg_num, testdata.ptg_int,
                           testdata.ptg_ref)
attr, if_formula = testdata.ptg_attr, testdata.xlsb_if
EQ, MUL, ADD, SUB = testdata.PTG_EQ, b"\x05", b"\x03", b"\x04"
ROUND = 27


def tokens(data: bytes) -> tuple[str, ...]:
    return constants(b"junk" + data + b"more", 4, 4 + len(data))  # read only its own bytes


def test_an_if_formulas_text_and_long_number_are_read_not_its_reference_or_small_ones():
    # =IF(B2="","Callum Patel 12/03/2015","") shows nothing while B2 is filled
    assert tokens(if_formula(ref(1, 1) + text("") + EQ, text("Callum Patel 12/03/2015"),
                             text(""))) == ("Callum Patel 12/03/2015",)
    # =IF(A2=9434765919,1,0)
    assert tokens(if_formula(ref(1, 0) + number(9434765919) + EQ, whole(1), whole(0))) == (
        "9434765919",)


def test_references_functions_and_numbers_under_nine_digits_or_with_a_fraction_give_nothing():
    # =SUM(A1:A1048576)*1000000+ROUND(C2,2)-1, and 12345678 and 2500000000.5
    area = b"\x25" + struct.pack("<IIHH", 0, 1048575, 0xC000, 0xC000)
    everyday = (area + attr(0x10) + number(1000000) + MUL + ref(1, 2) + whole(2)
                + b"\x41" + struct.pack("<H", ROUND) + ADD + whole(1) + SUB
                + number(12345678) + ADD + number(2500000000.5) + ADD + number(-1e300) + ADD)
    assert tokens(everyday) == ()


def test_every_kind_of_token_is_stepped_over_to_the_string_after_it():
    # each of them before a name, in each of its classes: a token taken at the wrong size made
    # the rest of the stream noise
    steps = [
        b"\x01" + struct.pack("<I", 4),  # PtgExp
        b"\x15", b"\x16", b"\x12", b"\x14",  # a parenthesis, a missing argument, +, %
        b"\x1c\x07", b"\x1d\x01",  # #DIV/0!, TRUE
        b"\x18\x19" + bytes(12),  # PtgList: a table's columns
        b"\x18\x1d" + bytes(4),  # PtgSxName
        attr(0x01), attr(0x40, 0x0200), attr(0x41), attr(0x20), attr(0x21), attr(0x80),
        attr(0x04, 2) + bytes(6),  # CHOOSE's jumps: two choices and the end
    ]
    for cls in (0x20, 0x40, 0x60):
        steps += [bytes([cls | base]) + bytes(size - 1) for base, size in (
            (0x00, 15), (0x01, 3), (0x02, 4), (0x03, 5), (0x04, 7), (0x05, 13), (0x06, 7),
            (0x07, 7), (0x08, 7), (0x09, 3), (0x0A, 7), (0x0B, 13), (0x0C, 7), (0x0D, 13),
            (0x19, 7), (0x1A, 9), (0x1B, 15), (0x1C, 9), (0x1D, 15))]
    for step in steps:
        assert tokens(step + text("Amy Reid")) == ("Amy Reid",), step.hex()
    assert tokens(b"".join(steps) + text("Amy Reid") + number(4010232137)) == (
        "Amy Reid", "4010232137")


def test_a_token_unknown_or_cut_short_ends_the_reading_and_keeps_what_came_before():
    before = text("Amy Reid")
    for unknown in (b"\x00", b"\x02" + bytes(6), b"\x2e" + bytes(6), b"\x80", b"\xff",
                    b"\x18\x01" + bytes(4), b"\x19\x03\x00\x00"):
        assert tokens(before + unknown + text("Leo Hart")) == ("Amy Reid",), unknown.hex()
    for cut in (b"\x18", b"\x19\x02", b"\x19\x04\xff\xff", b"\x17\x05\x00A\x00",
                b"\x17\xff\xff" + bytes(20), b"\x17\x01", b"\x1f" + bytes(7), b"\x24\x01\x00"):
        assert tokens(before + cut) == ("Amy Reid",), cut.hex()


def test_a_stream_costs_no_more_than_its_bytes():
    # a jump table claiming 65,535 choices, strings claiming 65,535 characters, a million
    # one-byte operators: each a step, none a read of what it claims
    for stream in (attr(0x04, 0xFFFF) * 1000, b"\x17\xff\xff" * 100_000,
                   b"\x03" * 1_000_000 + text("Amy Reid")):
        started = time.process_time()
        constants(stream, 0, len(stream))
        assert time.process_time() - started < 1
    assert constants(b"\x03" * 1_000_000 + text("Amy Reid"), 0, 1_000_000 + 19) == (
        "Amy Reid",)


@given(st.binary(max_size=200), st.integers(0, 220), st.integers(0, 220))
def test_any_bytes_never_raise_and_nothing_past_the_stream_is_read(data, start, stop):
    found = constants(data + text("Zed Past"), start, min(stop, len(data)))
    assert all(isinstance(value, str) for value in found)
    assert "Zed Past" not in found
