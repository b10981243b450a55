"""Attachments: text out of every format a council sends, and a named problem for the rest."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.config import Limits
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SECRET = "Callum Reid 943 476 5919"


def parts_and_problems(name: str, data: bytes, ctype: str = "application/octet-stream",
                       limits: Limits | None = None):
    msg = parse(make_message(attachments=((name, ctype, data),)), limits=limits)
    return ({p.name: p.text for p in msg.parts if p.is_attachment},
            [(p.kind, p.part) for p in msg.problems])


@pytest.mark.parametrize(
    "name, data",
    [
        ("referral.pdf", testdata.make_pdf(f"Referral\n{SECRET}")),
        ("referral.docx", testdata.make_docx(["Referral", SECRET])),
        ("pupils.xlsx", testdata.make_xlsx([["Name", "NHS"], ["Callum Reid", "943 476 5919"]])),
        ("case.pptx", testdata.make_pptx(["Case review", SECRET])),
        ("letter.odt", testdata.make_odt(["Dear Sir", SECRET])),
        ("letter.rtf", testdata.make_rtf(f"Dear Sir\n{SECRET}")),
        ("list.csv", f"name,nhs\n{SECRET.replace(' 9', ',9', 1)}\n".encode()),
        ("notes.txt", SECRET.encode()),
        ("page.html", f"<html><body><p>{SECRET}</p></body></html>".encode()),
    ],
)
def test_text_is_read_out_of_each_format(name, data):
    parts, problems = parts_and_problems(name, data)
    text = parts[name]
    assert "Callum Reid" in text and "943 476 5919" in text.replace(",", " ")
    assert problems == []


def test_numeric_cells_of_a_spreadsheet_are_read_too():
    parts, _ = parts_and_problems("x.xlsx", testdata.make_xlsx([["UPN", 9434765919]]))
    assert "9434765919" in parts["x.xlsx"]


def test_archives_are_read_member_by_member_with_nested_names():
    inner = testdata.make_zip({"deep/report.docx": testdata.make_docx([SECRET])})
    data = testdata.make_zip({"a.txt": "first", "inner.zip": inner})
    parts, problems = parts_and_problems("bundle.zip", data, "application/zip")
    assert parts["bundle.zip/a.txt"] == "first"
    assert SECRET in parts["bundle.zip/inner.zip/deep/report.docx"]
    assert problems == []


@pytest.mark.parametrize(
    "name, data, kind",
    [
        ("locked.pdf", testdata.make_encrypted_pdf(SECRET), "encrypted-attachment"),
        ("locked.zip", testdata.make_encrypted_zip({"a.txt": b"x"}), "encrypted-attachment"),
        ("locked.docx", testdata.make_encrypted_office(), "encrypted-attachment"),
        ("bomb.zip", testdata.make_zip_bomb(), "unscannable"),
        ("laughs.docx", testdata.make_entity_docx(), "unscannable"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "unscannable"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "unscannable"),
        ("mystery.bin", bytes(range(256)) * 8, "unscannable"),
    ],
)
def test_what_cannot_be_read_is_a_named_problem(name, data, kind):
    parts, problems = parts_and_problems(name, data)
    assert (kind, name) in problems
    assert name not in parts or SECRET not in parts[name]


def test_an_image_is_not_a_problem():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    parts, problems = parts_and_problems("logo.png", png, "image/png")
    assert problems == [] and parts == {}


def test_archives_nested_past_the_depth_limit_stop_there():
    data = testdata.make_zip({"x.txt": "bottom"})
    for _ in range(4):
        data = testdata.make_zip({"next.zip": data})
    _, problems = parts_and_problems("nest.zip", data, limits=Limits(max_depth=3))
    assert [k for k, _ in problems] == ["unscannable"]


def test_too_many_members_is_a_problem_not_a_crash():
    data = testdata.make_zip({f"f{i}.txt": "x" for i in range(50)})
    _, problems = parts_and_problems("many.zip", data, limits=Limits(max_parts=20))
    assert ("unscannable", "many.zip") in problems


def test_text_beyond_the_limit_is_cut_and_says_so():
    parts, problems = parts_and_problems("big.txt", b"a" * 5000, limits=Limits(max_text=1000))
    assert len(parts["big.txt"]) == 1000
    assert ("unscannable", "big.txt") in problems


_SEEDS = {
    "a.docx": testdata.make_docx(["Callum Reid, NHS 943 476 5919"]),
    "a.xlsx": testdata.make_xlsx([["name", "upn"], ["Ann", "M202100314549"]]),
    "a.pdf": testdata.make_pdf("NHS number 943 476 5919"),
    "a.zip": testdata.make_zip({"inner.txt": "hello", "b.docx": testdata.make_docx(["x"])}),
    "a.rtf": testdata.make_rtf("hello world"),
    "a.odt": testdata.make_odt(["hello"]),
    "a.pptx": testdata.make_pptx(["slide"]),
}


def _mutated():
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        name = draw(st.sampled_from(sorted(_SEEDS)))
        data = bytearray(_SEEDS[name])
        for _ in range(draw(st.integers(0, 12))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        cut = draw(st.integers(0, len(data) // 2))
        return name, bytes(data[: len(data) - cut])
    return build()


def test_damaged_attachments_of_every_kind_never_crash_the_parse():
    """Fuzzing the extractors: random byte flips and truncations of real files."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutated())
    def check(case):
        name, data = case
        msg = parse(make_message(attachments=((name, "application/octet-stream", data),)))
        assert msg.attachments and msg.attachments[0].name == name
        assert {p.kind for p in msg.problems} <= {"unscannable", "encrypted-attachment",
                                                   "malformed-mime"}

    check()
