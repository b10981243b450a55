"""smime: the signed MIME entity out of CMS SignedData, DER or BER, within bounds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.parse import smime

needs_openssl = pytest.mark.skipif(not testdata.openssl_available(),
                                   reason="the openssl program is not installed (Debian's "
                                   "openssl package): the tests sign with it")

ENTITY = (b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
          b"NHS number 943 476 5919, date of birth 12/03/2015\r\n")


def _tlv(tag: int, body: bytes) -> bytes:
    """One DER element, its length in the shortest form."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    width = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | width]) + n.to_bytes(width, "big") + body


_SIGNED = bytes.fromhex("06092a864886f70d010702")
_DATA = bytes.fromhex("06092a864886f70d010701")


def _content_info(econtent: bytes | None, etype: bytes = _DATA) -> bytes:
    """A ContentInfo of signedData round `econtent` (the OCTET STRING element, as given),
    with no certificates and no signers: all the reader looks at."""
    inner = etype + (_tlv(0xA0, econtent) if econtent is not None else b"")
    signed = _tlv(0x02, b"\x01") + _tlv(0x31, b"") + _tlv(0x30, inner) + _tlv(0x31, b"")
    return _tlv(0x30, _SIGNED + _tlv(0xA0, _tlv(0x30, signed)))


@needs_openssl
@pytest.mark.parametrize("stream", [False, True], ids=["DER", "BER streamed"])
def test_the_signed_entity_comes_out_of_what_openssl_writes(stream):
    signed = testdata.make_signed(ENTITY, "DER", stream=stream)
    if stream:  # BER as Outlook writes it: indefinite lengths, the content in pieces
        assert signed[1] == 0x80 and b"\x24\x80\x04" in signed
    assert smime.kind(signed) == "signed-data"
    assert smime.signed_content(signed, 1 << 20) == ENTITY
    assert smime.is_entity(ENTITY)


@needs_openssl
def test_a_large_streamed_content_comes_out_whole_from_its_pieces():
    body = b"".join(b"row %06d, NHS number 943 476 5919\r\n" % i for i in range(200_000))
    entity = b"Content-Type: text/csv\r\n\r\n" + body
    signed = testdata.make_signed(entity, "DER", stream=True)
    assert signed.count(b"\x04\x82\x10\x00") > 1000  # openssl's 4 KB pieces
    assert smime.signed_content(signed, len(entity)) == entity
    with pytest.raises(smime.TooLarge):
        smime.signed_content(signed, len(entity) - 1)


@needs_openssl
def test_a_detached_signature_and_an_encrypted_message_give_no_content():
    # a signature with its content sent apart: openssl without -nodetach
    import subprocess

    key, cert = testdata._signer()
    detached = subprocess.run(["openssl", "smime", "-sign", "-binary", "-signer", cert,
                               "-inkey", key, "-outform", "DER"], input=ENTITY,
                              check=True, capture_output=True).stdout
    assert smime.kind(detached) == "signed-data"
    assert smime.signed_content(detached, 1 << 20) is None
    enveloped = testdata.make_enveloped(ENTITY)
    assert smime.kind(enveloped) == "enveloped-data" and "enveloped-data" in smime.ENCRYPTED
    with pytest.raises(smime.SmimeError, match="not signed data"):
        smime.signed_content(enveloped, 1 << 20)


@needs_openssl
@pytest.mark.parametrize("stream", [False, True], ids=["DER", "BER streamed"])
def test_signed_data_cut_short_anywhere_is_an_error_that_quotes_nothing(stream):
    signed = testdata.make_signed(ENTITY, "DER", stream=stream)
    for n in range(len(signed)):
        try:
            got = smime.signed_content(signed[:n], 1 << 20)
        except smime.SmimeError as exc:
            assert "943" not in str(exc) and "NHS" not in str(exc)
            continue
        # cut inside the certificates or signature, after the content: its whole text is
        # there (what was signed is read; the signature is not checked)
        assert got == ENTITY, n


def test_a_content_in_pieces_nested_a_few_deep_is_read_and_too_deep_is_refused():
    piece = _tlv(0x04, ENTITY)
    chunked = _tlv(0x24, _tlv(0x04, ENTITY[:10]) + _tlv(0x04, ENTITY[10:]))
    assert smime.signed_content(_content_info(chunked), 1 << 20) == ENTITY
    for _ in range(20):
        piece = _tlv(0x24, piece)
    assert smime.signed_content(_content_info(piece), 1 << 20) == ENTITY
    for _ in range(10_000):  # a stack of strings inside strings: no RecursionError, no hang
        piece = _tlv(0x24, piece)
    with pytest.raises(smime.SmimeError, match="nested deeper than"):
        smime.signed_content(_content_info(piece), 1 << 20)
    # the same with indefinite lengths, never closed
    with pytest.raises(smime.SmimeError, match="nested deeper than"):
        smime.signed_content(_content_info(b"\x24\x80" * 10_000), 1 << 20)


def test_a_content_in_a_quarter_of_a_million_pieces_is_refused():
    pieces = b"\x04\x01x" * 250_000
    with pytest.raises(smime.SmimeError, match="more than 200000 elements"):
        smime.signed_content(_content_info(b"\x24\x80" + pieces + b"\x00\x00"), 1 << 30)


@pytest.mark.parametrize("data, why", [
    (b"", "cut short"),
    (b"\x30\x84\xff\xff\xff\xff", "cut short"),  # a length far past the bytes there are
    (b"\x30\x89" + bytes(9), "length of 9 octets"),
    (b"\x04\x80\x00\x00", "indefinite length on a primitive"),
    (_tlv(0x30, _DATA + _tlv(0xA0, _tlv(0x04, b"x"))), "not signed data"),
    (_content_info(_tlv(0x04, b"x"), etype=_SIGNED), "encapsulated content is signed-data"),
    (_content_info(_tlv(0x02, b"x")), "not an OCTET STRING"),
    (_content_info(b"\x24\x04\x04\x05abcde"), "runs past"),  # a piece longer than its string
])
def test_damaged_signed_data_says_what_is_wrong(data, why):
    with pytest.raises(smime.SmimeError, match=why):
        smime.signed_content(data, 1 << 20)
    assert smime.kind(data) in (None, "signed-data", "data")


def test_signed_data_with_no_content_inside_gives_none():
    assert smime.signed_content(_content_info(None), 1 << 20) is None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6),
       st.integers(0, 2000))
def test_damaged_bytes_never_raise_anything_but_a_smime_error(flips, cut):
    data = bytearray(_content_info(_tlv(0x24, _tlv(0x04, ENTITY[:40]) + b"\x24\x80" +
                                        _tlv(0x04, ENTITY[40:]) + b"\x00\x00")))
    for at, value in flips:
        data[at % len(data)] = value
    data = bytes(data[:cut])
    try:
        got = smime.signed_content(data, 1 << 20)
    except smime.SmimeError:
        return
    assert got is None or isinstance(got, bytes)
    smime.kind(data)


@pytest.mark.parametrize("content, entity", [
    (ENTITY, True),
    (b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x--\n", True),
    (b"Content-Type: text/plain;\r\n charset=utf-8\r\n\r\nfolded\r\n", True),
    (b"%PDF-1.7\n...", False),  # a signed document (CAdES report.pdf.p7m), not a message
    (b"Name: Amy Reid\nNHS number: 943 476 5919\n\nNotes", False),  # a text that looks like one
    (b"Content-Type: text/plain", False),  # no end to its headers
])
def test_a_mime_entity_is_known_by_its_header_block(content, entity):
    assert smime.is_entity(content) is entity
