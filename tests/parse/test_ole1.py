"""An object embedded in an RTF letter gives back the file it holds, and one whose lengths lie
is damage, said in lengths alone, at once."""

from __future__ import annotations

import struct
import time

import pytest

from dlpgate import testdata
from dlpgate.parse import ole1

SECRET = "Callum Reid, NHS 943 476 5919"


def test_an_office_document_kept_whole_in_the_object_is_that_document():
    book = testdata.make_xlsx([["Name", "NHS number"], ["Callum Reid", "943 476 5919"]])
    found = ole1.embedded(testdata.ole1_object(
        "Excel.Sheet.12", testdata.office_embedding(book)), 1_000_000)
    assert found == ole1.Embedded("", book)


def test_a_packaged_file_is_given_back_with_the_name_its_packager_gave_it():
    _, stream = testdata.ole_package("Referral for Callum.txt", SECRET.encode())
    found = ole1.embedded(testdata.ole1_object("Package", stream[4:]), 1_000_000)
    assert found == ole1.Embedded("Referral for Callum.txt", SECRET.encode())


def test_a_legacy_document_of_streams_or_any_other_data_is_the_file_itself():
    # a .doc or .xls is a compound file of its own streams: read as the file it is
    document = testdata.make_xls({"Pupils": [["Name"], ["Callum Reid"]]})
    for class_name, native in (("Excel.Sheet.8", document), ("PBrush", b"BM" + bytes(60))):
        found = ole1.embedded(testdata.ole1_object(class_name, native), 1_000_000)
        assert found == ole1.Embedded("", native)


def test_a_linked_object_holds_no_file():
    assert ole1.embedded(testdata.ole1_object("Excel.Sheet.12", b"", linked=True), 100) is None


def lying(at: int, value: int) -> bytes:
    """An object of a packaged file with the 4-byte number at `at` made `value`."""
    _, stream = testdata.ole_package("notes.txt", SECRET.encode())
    data = bytearray(testdata.ole1_object("Package", stream[4:]))
    data[at:at + 4] = struct.pack("<I", value)
    return bytes(data)


@pytest.mark.parametrize("data, said", [
    (lying(8, 0xFFFFFFFF), "a name claims 4294967295 bytes, "),  # the class name: 4 GB
    (lying(20, 0x7FFFFFFF), "a name claims 2147483647 bytes, "),  # the topic name
    (lying(28, 0xFFFFFFFF), "its data claims 4294967295 bytes, "),  # the native data: 4 GB
    (lying(4, 7), "not an OLE object (format 7)"),
    (testdata.ole1_object("Package", b"x")[:14], "a name claims 8 bytes, 2 are left"),
    (b"\x01\x05\x00", "cut short at byte 3"),
    (testdata.ole1_object("Excel.Sheet.12", testdata.office_embedding(b"x" * 5000)),
     "attached files expand beyond 2000 bytes"),
    (testdata.ole1_object("Word.Document.12", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(60)),
     "damaged compound file"),
])
def test_an_object_whose_lengths_lie_is_damage_said_without_its_content(data, said):
    started = time.monotonic()
    with pytest.raises(ole1.Ole1Error) as raised:
        ole1.embedded(data, 2000)
    assert said in str(raised.value) and "Callum" not in str(raised.value)
    assert time.monotonic() - started < 0.5
