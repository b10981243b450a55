"""The constants a binary workbook's (.xlsb) formulas hold: their text, and long whole numbers.

An .xlsb keeps each formula as Excel parsed it, a stream of tokens ("Ptgs", MS-XLSB 2.5.98)
in reverse Polish order, beside the value it last gave. =IF(B2="","Callum Patel 12/03/2015","")
shows nothing while B2 is filled, yet holds a child's name and birthday, as a PtgStr token: the
cell's value was read, the formula was not. An .xlsx's formulas are read from their text
(`officeextras.formula_values`); these are read from their tokens, and give what that gives:
the strings, and the whole numbers of nine digits or more (an NHS number compared against), not
the references, functions, names or small numbers beside them.

The stream is the file's word. Each other token is stepped over by the size MS-XLSB gives it,
and the walk stops, keeping what came before, at a token it does not know (its size unknown,
what follows cannot be told from data) or one running past the stream: one step a token at
most, so a stream costs no more than its bytes, whatever it claims. Array constants
(={"Amy Reid"}) keep their values after the tokens (PtgExtraArray): not read.
"""

from __future__ import annotations

import struct

_STR, _EXTEND, _ATTR, _NUM = 0x17, 0x18, 0x19, 0x1F
_ATTR_CHOOSE = 0x04  # a CHOOSE's jump table: a count, then an offset for each choice and one

# each token's size by its first byte, where that alone tells it; 0 for one unknown
_SIZES = bytearray(256)
_SIZES[0x01] = 5  # PtgExp: the row of the cell whose shared or array formula this cell uses
_SIZES[0x03:0x17] = b"\x01" * 0x14  # operators, a parenthesis, a missing argument
_SIZES[0x1C] = _SIZES[0x1D] = 2  # an error value, TRUE or FALSE
_SIZES[0x1E] = 3  # PtgInt: 16 bits, never nine digits
# operands, by their token less its class (reference, value or array: 0x20, 0x40 or 0x60):
# an array (its values kept after the tokens), a function and one of many arguments, a name,
# references and areas (rows of 4 bytes, columns of 2), on this sheet, relative or on another
# sheet, and the subexpressions Excel keeps beside them (their tokens follow in the stream)
_OPERANDS = {0x00: 15, 0x01: 3, 0x02: 4, 0x03: 5, 0x04: 7, 0x05: 13, 0x06: 7, 0x07: 7,
             0x08: 7, 0x09: 3, 0x0A: 7, 0x0B: 13, 0x0C: 7, 0x0D: 13, 0x19: 7, 0x1A: 9,
             0x1B: 15, 0x1C: 9, 0x1D: 15}
for _base, _size in _OPERANDS.items():
    for _class in (0x20, 0x40, 0x60):
        _SIZES[_class | _base] = _size
_EXTENDED = {0x19: 14, 0x1D: 6}  # after 0x18: PtgList (a table's columns), PtgSxName
# after 0x19: the attributes of 4 bytes (a semicolon, IF's and GOTO's jumps, SUM, a space...)
_ATTRIBUTES = frozenset({0x01, 0x02, 0x08, 0x10, 0x20, 0x21, 0x40, 0x41, 0x80})
_FIRST_LONG = 1e8  # nine digits, as formula_values takes them
_PAST_EXACT = 1e15  # a double holds every whole number below it as written


def constants(data: bytes, start: int, stop: int) -> tuple[str, ...]:
    """The strings and long whole numbers of the token stream data[start:stop], in its order:
    () at once for most formulas, of references and functions alone, whose bytes hold no
    string or number token."""
    if data.find(b"\x17", start, stop) < 0 and data.find(b"\x1f", start, stop) < 0:
        return ()
    found: list[str] = []
    at = start
    while at < stop:
        ptg = data[at]
        if ptg == _STR:  # a count of UTF-16 units, then them
            if at + 3 > stop:
                break
            end = at + 3 + 2 * struct.unpack_from("<H", data, at + 1)[0]
            if end > stop:
                break
            if end > at + 3:
                found.append(data[at + 3:end].decode("utf-16-le", errors="replace"))
            at = end
            continue
        if ptg == _NUM:
            if at + 9 > stop:
                break
            number = struct.unpack_from("<d", data, at + 1)[0]
            if _FIRST_LONG <= abs(number) < _PAST_EXACT and number.is_integer():
                found.append(str(int(abs(number))))
            at += 9
            continue
        size = _SIZES[ptg]
        if ptg == _EXTEND and at + 1 < stop:
            size = _EXTENDED.get(data[at + 1], 0)
        elif ptg == _ATTR and at + 4 <= stop:
            kind = data[at + 1]
            if kind == _ATTR_CHOOSE:
                size = 4 + 2 * (struct.unpack_from("<H", data, at + 2)[0] + 1)
            elif kind in _ATTRIBUTES:
                size = 4
        if not size:
            break  # unknown: what follows cannot be told apart
        at += size
    return tuple(found)
