"""A Visio drawing's and an XPS print's pages are read: their shapes' text and data, their
glyphs; a package of no kind read says so."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message


def read(name: str, data: bytes) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    msg = parse(make_message(attachments=((name, "application/octet-stream", data),)))
    return ({p.name: p.text for p in msg.parts},
            [(p.kind, p.part, p.detail) for p in msg.problems])


def test_a_genograms_shapes_are_read_with_their_shape_data():
    # read as an Office file, a Visio drawing had no part of a kind read, and went out
    # unread with nothing said
    data = testdata.make_vsdx([("Amy Reid (12/03/2015)", {"NHS number": "943 476 5919",
                                                          "Blank": ""}),
                               ("Sarah Reid, mother", {})])
    parts, problems = read("genogram.vsdx", data)
    assert parts["genogram.vsdx"].split("\n") == [
        "Amy Reid (12/03/2015); NHS number: 943 476 5919", "Sarah Reid, mother"]
    assert problems == []


def test_a_letter_printed_to_xps_is_read_a_run_of_glyphs_a_line():
    data = testdata.make_xps(["Referral", "Amy Reid, NHS number 943 476 5919", "{}{braces}"])
    parts, problems = read("referral.xps", data)
    assert parts["referral.xps"].split("\n") == [
        "Referral", "Amy Reid, NHS number 943 476 5919", "{braces}"]
    assert problems == []


def test_a_package_of_no_kind_read_is_unscannable_not_passed_as_empty():
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Override PartName="/model/3D.model" ContentType="application/'
             'vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>')
    parts, problems = read("print.xps", testdata.make_zip({
        "[Content_Types].xml": types, "model/3D.model": "<model>Amy Reid</model>"}))
    assert "print.xps" not in parts
    assert problems == [("unscannable", "print.xps", "an Office package with no document, "
                         "workbook, presentation, drawing or print in it: not read")]
