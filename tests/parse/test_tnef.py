"""Outlook's rich-text wrapper (winmail.dat): the files inside read one by one, within budget."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.parse import tnef

from .test_attachments import SECRET, parts_and_problems


def test_the_files_in_an_outlook_rich_text_wrapper_are_read_one_by_one():
    # winmail.dat was one unreadable file: every such message leaving was held as
    # unscannable, and the referral inside it was never read
    tnef = testdata.make_tnef({"Referral.docx": testdata.make_docx(["Referral", SECRET]),
                               "notes.txt": b"Agenda for Thursday."}, body="See attached.")
    parts, problems = parts_and_problems("winmail.dat", tnef, "application/ms-tnef")
    assert problems == []
    assert SECRET in parts["winmail.dat/Referral.docx"]
    assert parts["winmail.dat/notes.txt"] == "Agenda for Thursday."
    assert parts["winmail.dat"] == "See attached."
    damaged = tnef[:40]
    assert parts_and_problems("winmail.dat", damaged, "application/ms-tnef")[1] == [
        ("unscannable", "winmail.dat")]


def test_the_files_inside_count_against_the_messages_expansion_budget():
    data = testdata.make_tnef({"a.bin": b"x" * 1000, "b.bin": b"y" * 1000})
    assert [name for name, _ in tnef.read(data, 2000).files] == ["a.bin", "b.bin"]
    with pytest.raises(tnef.TnefError, match="expand beyond 1500 bytes"):
        tnef.read(data, 1500)
