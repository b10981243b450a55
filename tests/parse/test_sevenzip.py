"""A 7z's list of files read ahead of libarchive: the links too big to be a path."""

from __future__ import annotations

import bz2
import functools
import lzma
import os
import struct
import subprocess
import zlib

import pytest

from dlpgate import testarchives as ta
from dlpgate.parse import sevenzip
from dlpgate.parse.sevenzip import LINK_MOST, big_links

needs_7zip = pytest.mark.skipif(ta.seven_zip_program() is None,
                                reason="7-Zip's program (Debian's 7zip) is not installed")


def test_a_link_holding_more_than_a_path_is_found_by_its_place_and_size():
    data = ta.make_7z({"a.txt": "x", "folder/": b"", "empty.txt": b""},
                      links={"big": b"a" * (LINK_MOST + 1), "small": b"../x"})
    # libarchive writes the entries with data first (a.txt, big, small, then the empty file
    # and the folder), and reads them back in that order
    assert big_links(data) == {1: LINK_MOST + 1}
    assert big_links(ta.make_7z({"a.txt": "x"}, links={"l": b"a" * LINK_MOST})) == {}


@needs_7zip
@pytest.mark.parametrize("options", [[], ["-mhc=off"], ["-m0=copy"], ["-ms=off"],
                                     ["-m0=PPMd"], ["-mf=BCJ2"]])
def test_what_7zip_writes_is_read_its_link_a_path(tmp_path, options):
    # its header packed with LZMA, or not; solid or not; a folder of two coders (BCJ2)
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "a.txt").write_text("hello")
    (src / "empty.txt").write_text("")
    (src / "d" / "r.bin").write_bytes(os.urandom(100_000))
    (src / "link").symlink_to("Reid, Amy/letter.docx")
    subprocess.run([ta.seven_zip_program(), "a", "-bd", "-snl", *options, "../x.7z", "."],
                   cwd=src, check=True, capture_output=True)
    assert big_links((tmp_path / "x.7z").read_bytes()) == {}


def test_what_cannot_be_read_here_is_none(monkeypatch):
    data = ta.make_7z({"a.txt": "x"}, links={"big": b"a" * 100_000})
    for bad in (b"", b"not a 7z", data[:40], data[:-10], data[:32] + bytes(len(data) - 32)):
        assert big_links(bad) is None
    # a packed header that would unpack to more than HEADER_MOST is not unpacked here
    monkeypatch.setattr(sevenzip, "HEADER_MOST", 10)
    assert big_links(data) is None


def test_byte_flips_and_cuts_never_raise():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    seed = ta.make_7z({"a.txt": "x", "b.txt": "y" * 5000}, links={"big": b"a" * 100_000,
                                                                 "l": b"../x"})

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)),
                    max_size=8), st.integers(0, len(seed)))
    def check(flips, cut):
        data = bytearray(seed)
        for at, value in flips:
            data[at] = value
        found = big_links(bytes(data[:cut]))
        assert found is None or isinstance(found, dict)

    check()


def _packed_list(header: bytes) -> bytes:
    """A 7z of no files whose list is `header`, packed with LZMA2 as 7-Zip packs it."""
    packed = lzma.compress(header, format=lzma.FORMAT_RAW,
                           filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}])

    def number(n: int) -> bytes:
        return bytes([n]) if n < 0x80 else b"\xff" + struct.pack("<Q", n)

    # EncodedHeader: one packed stream at 0, one folder of one LZMA2 coder (a 1 MB dictionary)
    encoded = (b"\x17\x06\x00\x01\x09" + number(len(packed)) + b"\x00\x07\x0b\x01\x00\x01"
               b"\x21\x21\x01\x10\x0c" + number(len(header)) + b"\x00\x00")
    return (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(4) + struct.pack("<QQ", len(packed),
            len(encoded)) + bytes(4) + packed + encoded)


def test_a_list_of_more_small_things_than_any_writer_gives_is_not_walked_here():
    # 4 MB of empty archive properties, two bytes each, packed into 762 bytes: 4.5 s to walk
    # a byte at a time (16 MB, 22 s), now given up after READS_MOST to libarchive
    assert big_links(_packed_list(b"\x01\x02" + b"\x01\x00" * (2 << 20) + b"\x00\x00")) is None
    assert big_links(_packed_list(b"\x01\x02" + b"\x01\x00" * 1000 + b"\x00\x00")) == {}


@pytest.mark.parametrize(("method", "pack"), [
    (b"\x00", lambda b: b),
    (b"\x04\x01\x08", lambda b: (lambda c: c.compress(b) + c.flush())(
        zlib.compressobj(9, zlib.DEFLATED, -15))),
    (b"\x04\x02\x02", bz2.compress),
])
def test_a_list_stored_or_packed_with_deflate_or_bzip2_is_read(method, pack):
    # libarchive reads such a list; left to it, the link check was skipped (a 200 MB link
    # with its list stored: 431 MB and 1.2 s, where the check stops it at once)
    data = ta.make_7z({"a.txt": "x"}, links={"big": b"a" * (LINK_MOST + 1)})
    offset, _ = struct.unpack_from("<QQ", data, 12)
    streams, packed = data[32:32 + offset], pack(sevenzip._header(data))
    encoded = (b"\x17\x06\xff" + struct.pack("<Q", len(streams)) + b"\x01\x09\xff"
               + struct.pack("<Q", len(packed)) + b"\x00\x07\x0b\x01\x00\x01"
               + bytes([len(method)]) + method + b"\x0c\xff"
               + struct.pack("<Q", len(sevenzip._header(data))) + b"\x00\x00")
    recoded = (data[:12] + struct.pack("<QQ", len(streams) + len(packed), len(encoded))
               + bytes(4) + streams + packed + encoded)
    assert big_links(recoded) == {1: LINK_MOST + 1}


def _libarchive_unpack():
    from dlpgate.parse import archivelib

    lib = archivelib.libarchive()
    return functools.partial(archivelib._list_unpacked, lib)


@pytest.mark.parametrize("packing", ["ppmd", "bcj", "delta"])
def test_a_list_packed_otherwise_is_unpacked_by_the_caller_as_a_7z_of_one_file(packing):
    data = ta.make_7z_list_packed({"a.txt": "x"}, packing,
                                  links={"big": b"a" * (LINK_MOST + 1), "l": b"../x"})
    assert big_links(data) is None  # not read here alone
    assert big_links(data, _libarchive_unpack()) == {1: LINK_MOST + 1}


def test_a_packed_list_is_unpacked_no_further_than_it_says_nor_past_header_most(monkeypatch):
    data = ta.make_7z_list_packed({"a.txt": "x"}, "ppmd", links={"big": b"a" * 100_000})
    asked = []

    def unpack(made: bytes, most: int) -> bytes | None:
        asked.append(most)
        return _libarchive_unpack()(made, most)

    assert big_links(data, unpack) == {1: 100_000}
    # asked for what the list says it unpacks to, and nothing when that is past HEADER_MOST
    assert asked == [len(sevenzip._header(ta.make_7z({"a.txt": "x"}, compression="store",
                                                     links={"big": b"a" * 100_000})))]
    monkeypatch.setattr(sevenzip, "HEADER_MOST", 10)
    assert big_links(data, unpack) is None and len(asked) == 1
    # an unpacking that gives more or less than the list says is not read
    monkeypatch.undo()
    assert big_links(data, lambda made, most: b"\x01\x00") is None
    assert big_links(data, lambda made, most: None) is None


@needs_7zip
def test_a_list_hidden_by_a_password_is_not_given_to_unpack():
    data = ta.make_7z_by_7zip({"a.txt": "x"}, password="secret", encrypt_names=True)
    assert big_links(data, lambda made, most: pytest.fail("asked")) is None
