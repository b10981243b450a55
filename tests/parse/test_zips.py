"""Zips: each member read as an attached file, within the budget, its comments after it."""

from __future__ import annotations

import io
import zipfile

from dlpgate import testdata
from dlpgate.model import FILE_NAMES
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message, sent_to_webmail

from .test_attachments import NHS, SECRET, parts_and_problems, scanner


def test_archives_are_read_member_by_member_with_nested_names():
    inner = testdata.make_zip({"deep/report.docx": testdata.make_docx([SECRET])})
    data = testdata.make_zip({"a.txt": "first", "inner.zip": inner})
    parts, problems = parts_and_problems("bundle.zip", data, "application/zip")
    assert parts["bundle.zip/a.txt"] == "first"
    assert SECRET in parts["bundle.zip/inner.zip/deep/report.docx"]
    assert problems == []


def test_a_small_file_that_compresses_well_is_read_not_taken_for_a_bomb():
    # 900 KB of one padded line said over and over, then the child: more than 300:1 deflated,
    # and under a megabyte, where no other archive's ratio is weighed; it was held unread
    export = ("0" * 60 + "\n") * 14_500 + SECRET + "\n"
    data = testdata.make_zip({"export.txt": export})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("export.txt")
    assert info.file_size / info.compress_size > 300 and info.file_size < 1 << 20
    parts, problems = parts_and_problems("export.zip", data, "application/zip")
    assert SECRET in parts["export.zip/export.txt"] and problems == []


def test_a_member_past_a_megabyte_and_the_ratio_is_still_a_bomb():
    data = testdata.make_zip({"zeros.txt": "0" * (4 << 20)})
    _, problems = parts_and_problems("zeros.zip", data, "application/zip")
    assert problems == [("unscannable", "zeros.zip")]


def test_the_folders_an_archive_keeps_its_files_in_are_read_after_the_files_names():
    # a case folder per child, named after them, went out unread: only the files' own names
    # were read, and an empty folder was passed over
    folder = "Reid, Amy (NHS 943 476 5919) DOB 12-03-2015"
    inner = testdata.make_zip({"Leo Hart/": b"", "Leo Hart/plan.txt": "plan"})
    data = testdata.make_zip({f"{folder}/letter.txt": "Dear parent", "Empty folder/": b"",
                              "more.zip": inner, "Cases\\Old\\note.txt": "note"})
    msg = parse(make_message(attachments=(("Amy Reid 2.zip", "application/zip", data),)))
    names = {p.name: p.text for p in msg.parts}[FILE_NAMES]
    assert names.split("\n") == ["Amy Reid 2.zip", "letter.txt", "more.zip", "plan.txt",
                                  "Cases\\Old\\note.txt", folder, "Empty folder", "Leo Hart",
                                  "Cases", "Old"]
    found = scanner().scan(make_message(to=("carol@gmail.com",), attachments=(
        ("cases.zip", "application/zip", data),)))
    assert ("UK_NHS", FILE_NAMES) in {(f.entity, f.part) for f in found.evidence.findings}


def commented_zip(comment: str, member_comment: str = "") -> bytes:
    """A zip of one letter with `comment` on the archive (and `member_comment` on the
    letter), as WinZip's or 7-Zip's comment box writes it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("letter.txt", "Please see the letter.")
        zf.getinfo("letter.txt").comment = member_comment.encode()
        zf.comment = comment.encode()
    return buf.getvalue()


def test_a_zips_comments_are_read_after_its_files_and_held():
    data = commented_zip(f"Amy Reid {NHS}", "Draft")
    parts, problems = parts_and_problems("letters.zip", data)
    assert parts == {"letters.zip/letter.txt": "Please see the letter.",
                     "letters.zip": f"Archive comment: Amy Reid {NHS}\nComment on letter.txt: "
                                    "Draft"} and problems == []
    assert list(parts)[-1] == "letters.zip"  # the files' parts first, as before
    found, verdict = sent_to_webmail(attachments=(("letters.zip", "application/zip", data),))
    assert ("UK_NHS", NHS) in found and verdict == "hold"
    assert "letters.zip" not in parts_and_problems("letters.zip", commented_zip(""))[0]
