"""Office, Outlook and RTF files: the files and objects embedded in them read as files."""

from __future__ import annotations

import io
import zipfile

from dlpgate import testdata
from dlpgate.config import Limits
from dlpgate.model import FILE_NAMES
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

from .test_attachments import SECRET, parts_and_problems


def test_a_file_dropped_into_a_document_as_an_object_is_read_as_the_file_it_wraps():
    # read as the compound file's text runs, a .docx dropped into a letter was compressed
    # bytes, and went out unread
    word = testdata.with_members(testdata.make_docx(["See the icons below."]), {
        "word/embeddings/oleObject1.bin": testdata.packaged_object(
            "Referral.docx", testdata.make_docx([SECRET])),
        "word/embeddings/oleObject2.bin": testdata.office_embedding(
            testdata.make_xlsx([["Name", "NHS number"], ["Callum Reid", "943 476 5919"]])),
        "word/embeddings/oleObject3.bin": testdata.make_doc(["Minutes", SECRET])})
    msg = parse(make_message(attachments=(("letter.docx", "application/octet-stream", word),)))
    parts = {p.name: p.text for p in msg.parts}
    assert SECRET in parts["letter.docx/oleObject1.bin/Referral.docx"]
    assert "NHS number: 943 476 5919" in parts["letter.docx/oleObject2.bin/object"]
    assert SECRET in parts["letter.docx/oleObject3.bin"]  # a Word document, read as one
    assert "letter.docx/oleObject1.bin" not in parts  # a wrapper's runs said nothing of it
    assert "Referral.docx" in parts[FILE_NAMES].split("\n") and msg.problems == ()
    # objects inside objects stop at the depth limit, and within the message's bytes
    nest = testdata.make_docx([SECRET])
    for _ in range(Limits().max_depth + 1):
        nest = testdata.packaged_object("inner.docx", nest)
    _, problems = parts_and_problems("nest.bin", nest)
    assert problems[:1] == [("unscannable", "nest.bin" + "/inner.docx" * Limits().max_depth)]
    with zipfile.ZipFile(io.BytesIO(word)) as zf:  # room for the document, not its objects
        room = sum(i.file_size for i in zf.infolist())
    parts, problems = parts_and_problems("big.docx", word, limits=Limits(max_expanded=room))
    assert problems == [("unscannable", "big.docx")] and "big.docx/oleObject1.bin" not in parts


def test_a_second_data_attribute_in_winmail_dat_is_a_file_too():
    # it replaced the first, unread
    tnef = bytearray(testdata.make_tnef({"a.csv": b"NHS 943 476 5919"}))
    import struct

    extra = b"Agenda for Thursday"
    tnef += struct.pack("<BII", 2, 0x0006800F, len(extra)) + extra + struct.pack("<H", 0)
    parts, _ = parts_and_problems("winmail.dat", bytes(tnef), "application/ms-tnef")
    assert "NHS 943 476 5919" in parts["winmail.dat/a.csv"]
    assert any("Agenda" in text for text in parts.values())
