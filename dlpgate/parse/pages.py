"""The pages of the two Office packages that are neither a document, a workbook nor a slide
show: a Visio drawing (.vsdx) and an XPS print (.xps, .oxps).

Both are ZIPs of XML parts declared in `[Content_Types].xml`, as a .docx is, and were read as
one: no part of a kind Word, Excel or PowerPoint writes, so no text, and nothing said. A
genogram or an ecomap drawn in Visio names the child and their family, the text of each shape
in its `<Text>` and what a shape records (Visio's shape data: "NHS number" = "943 476 5919") in
its Property rows; a letter printed to XPS ("Microsoft XPS Document Writer") keeps its words
in each `<Glyphs>`' UnicodeString.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from dlpgate.parse.officeextras import _attribute, _local, value


def visio_shapes(page: Element) -> Iterator[str]:
    """A Visio page's shapes, a line each: the text shown in it, then its shape data as
    "Label: value" ("Amy Reid (12/03/2015); NHS number: 943 476 5919")."""
    for shape in page.iter():
        if _local(shape.tag) != "Shape":
            continue
        said = [" ".join("".join(text.itertext()).split()) for text in shape
                if _local(text.tag) == "Text"]
        for section in shape:
            if _local(section.tag) == "Section" and section.get("N") == "Property":
                said += [_datum(row) for row in section if _local(row.tag) == "Row"]
        if line := "; ".join(s for s in said if s):
            yield line


def _datum(row: Element) -> str:
    """A shape data row as "Label: value" (its label, or the row's name where it has none)."""
    cells = {cell.get("N"): cell.get("V", "") for cell in row if _local(cell.tag) == "Cell"}
    found = value(cells.get("Value", ""))
    name = value(cells.get("Label", "")) or row.get("N", "")
    return f"{name}: {found}" if found and name else found


def xps_glyphs(page: Element) -> Iterator[str]:
    """An XPS page's text, a line a run of glyphs, in the order it is drawn."""
    for glyphs in page.iter():
        if _local(glyphs.tag) == "Glyphs" and (text := value(_attribute(glyphs, "UnicodeString"))):
            yield text.removeprefix("{}")  # "{}" escapes a string starting "{"
