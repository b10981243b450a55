"""What an Office or OpenDocument file keeps beside the text it shows, read after that text.

A red team's 279 hiding places (2026-12-06) found these going out unread: the custom XML data
a SharePoint library or a case system's letter template writes into the file (a child's name
and NHS number in `customXml/item1.xml`); an Excel dropdown's list of children's names, and a
name defined as a constant (`ChildName` = "Amy Reid"); a Word field's instruction (a
hyperlink's address, the path of a picture it takes in, "C:\\Cases\\Amy Reid\\photo.jpg");
an OpenDocument file's hidden text and user fields; the Quick Parts a worker saved in a
document's glossary; and a slide layout's own text boxes (not its prompts). office.py puts
what this module reads after everything it read before, so a finding's offsets under an
earlier parser keep their place (review/content.py).

Each reader gives lines; office.py counts them against the document's text limit. Values
that are a program's and no one's (GUIDs, true and false, content type ids) are left out,
and a labelled value is written "Label: value; Label: value" on one line per record, as a
spreadsheet row is, so a recognizer's context stops at its own label ("Date referred" is no
date of birth because "DOB" follows it).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from dlpgate.parse import package

if TYPE_CHECKING:
    from dlpgate.parse.office import _Reading

Runs = Callable[[Element], str]  # office.py's reading of OOXML text, a line per paragraph


def kept(found: list[str], zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
         kinds: dict[str, str], runs: Runs, reading: _Reading,
         parts: tuple[Part, ...] | None = None) -> str:
    """What the file keeps beside what it shows, up to the document's text limit (`reading`,
    which counts it and says what was left out): the lines office.py found as it read
    (`found`: defined names, dropdown lists, fields' instructions; each once, a list on every
    sheet), then the parts `parts` names (`_PARTS`, unless another table is given)."""
    out: list[str] = []
    for block in itertools.chain(dict.fromkeys(found),
                                 _parts(zf, read, kinds, runs, reading, parts or _PARTS)):
        if block:
            out.append(block)
            reading.spent += len(block) + 1
        if reading.over():
            break
    return "\n".join(out)


# a part read whole: its kinds, what a damaged one is said to be, and how it is read (with
# office.py's reading of OOXML text)
Part = tuple[tuple[str, ...], str, Callable[[Element, Runs], str]]
_PARTS: tuple[Part, ...] = (
    (package.SLIDE_LAYOUTS, "a slide layout",
     lambda root, runs: "\n".join(layout_shapes(root, runs))),
    (package.GLOSSARY, "the glossary (Quick Parts)", lambda root, runs: runs(root).strip("\n")),
    (package.CUSTOM_XML, "a custom XML data part",
     lambda root, runs: "\n".join(custom_xml(root))),
)


def _parts(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
           kinds: dict[str, str], runs: Runs, reading: _Reading,
           table: tuple[Part, ...]) -> Iterator[str]:
    """Each of the `table`'s parts' text, one at a time, so those past the limit are not read.
    A damaged one is read up to its damage, and that is said without naming the part (a name
    can be anything where the file declares what the part is)."""
    infos = {i.filename: i for i in zf.infolist()}
    for kind, what, text in table:
        for name in package.parts(kinds, kind):
            root, damage = partial(read(infos[name]))
            if damage:
                reading.damage = reading.damage or f"{what} {damage}: read up to there"
            if root is not None:
                yield text(root, runs)


_HYPERLINK = "/relationships/hyperlink"  # the end of a hyperlink relationship's type


def odf_link_targets(content: Element, reading: _Reading) -> str:
    """An OpenDocument file's links' addresses (`text:a`'s `xlink:href`, which its text does not
    show), read as `link_targets` reads an Office file's; a link to a place in the file
    ("#Introduction") is not one."""
    return _addresses((_attribute(el, "href") for el in content.iter() if _local(el.tag) == "a"
                       and not _attribute(el, "href").startswith("#")), reading)


def link_targets(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
                 reading: _Reading) -> str:
    """The addresses a file's links go to, a line each, once each: a link made with Ctrl+K
    keeps its address in the part's relationships (`word/_rels/document.xml.rels`), not in
    its text, so "email her mother" went out with mailto:amy.reid.family@gmail.com behind it
    unread, while the same link written as a HYPERLINK field was read. Read last of all (after
    `kept`), so what earlier versions read keeps its place; up to the document's text limit."""
    def targets() -> Iterator[str]:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if not info.filename.lower().endswith(".rels") or info.filename == "_rels/.rels":
                continue
            root, _ = partial(read(info))  # a damaged list keeps the links before the damage
            for el in root.iter() if root is not None else ():
                if _local(el.tag) == "Relationship" and el.get("TargetMode", "") == "External" \
                        and el.get("Type", "").endswith(_HYPERLINK):
                    yield el.get("Target", "")

    return _addresses(targets(), reading)


def _addresses(targets: Iterable[str], reading: _Reading) -> str:
    """Links' addresses as read: percent-escapes undone, once each, a line each, counted
    against the document's text limit and no further."""
    from urllib.parse import unquote

    found: dict[str, None] = {}
    for raw in targets:
        target = " ".join(unquote(raw).split())[:2000]
        if target and target not in found:
            found[target] = None
            reading.spent += len(target) + 1
            if reading.over():
                break
    return "\n".join(found)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(el: Element, name: str) -> str:
    """An attribute by its local name, in whatever namespace the writer used (Word's strict
    and transitional ones differ; ODF's text: and office: prefixes are the file's own)."""
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return ""


def partial(data: bytes) -> tuple[Element | None, str]:
    """A part's XML as far as it is well formed, and why it stops there ("" when whole): the
    values before a damaged spot are read, as a binary workbook's cells are. Parsed with
    defusedxml, as every part is: entity declarations are refused, not expanded."""
    root: Element | None = None
    try:
        for _, el in SafeET.iterparse(io.BytesIO(data), events=("start",)):
            if root is None:
                root = el
    except DefusedXmlException:
        return root, "declares XML entities or a DTD (refused)"
    except SafeET.ParseError:
        return root, "is not well-formed XML"
    return root, ""


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # XML's escape for a character a name cannot hold
_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def label(name: str) -> str:
    """A column's or a name's words: SharePoint writes "Date of Birth" as Date_x0020_of_x0020_
    Birth, others write DateOfBirth or NHSNumber, and a recognizer looks for "date of birth"
    and "NHS" as words."""
    name = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), name)
    return " ".join(_WORDS.sub(" ", name.replace("_", " ")).split())


_NOISE = re.compile(r"\{?[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?|true|false"
                    r"|0x[0-9A-Fa-f]+", re.IGNORECASE)
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                        r"(?:Z|[+-]\d{2}:\d{2})?")


def value(text: str) -> str:
    """A stored value as a reader would take it: on one line, "" when it is a program's own
    (a GUID, true or false, a content type's 0x0101... id), and a date-time as its day,
    2015-03-12T00:00:00Z as 2015-03-12 (a date followed by T is no date to a recognizer)."""
    text = " ".join(text.split())
    if _NOISE.fullmatch(text):
        return ""
    day = _DATE_TIME.fullmatch(text)
    return day.group(1) if day else text


# schemas and the package's own records, which hold no one's data
# (SharePoint's FormTemplates name its forms)
_SCHEMAS = frozenset({"schema", "contentTypeSchema", "datastoreItem", "FormTemplates"})


def custom_xml(root: Element) -> Iterator[str]:
    """A custom XML data part's values, a line per record: the elements holding text under
    one parent, each "Label: value" ("Child Name: Amy Reid; NHS Number: 943 476 5919"), the
    label its `name` attribute where it has one (SharePoint's long properties) or its tag.
    A SharePoint library writes its columns' values here, and a case system binds a letter
    template's fields to it: the letter shows them, and they stay here when its text is
    changed. A schema describes columns and holds no values: left out."""
    if _local(root.tag) in _SCHEMAS:
        return
    waiting = [root]  # depth first, in the file's order, without recursion however deep
    while waiting:
        el = waiting.pop()
        cells = [f"{label(_attribute(leaf, 'name') or _local(leaf.tag))}: {found}"
                 for leaf in el if not len(leaf) and (found := value(leaf.text or ""))]
        if cells:
            yield "; ".join(cells)
        waiting += reversed([child for child in el if len(child)])


def validation_lists(sheet: Element) -> Iterator[str]:
    """A sheet's dropdown lists written into the rule itself ("Amy Reid,Leo Hart"), one a
    line: a tracker's dropdown of children's names holds them nowhere else. A list taken
    from a range of cells is read with those cells; Excel 2010's rules (x14, in the sheet's
    extensions) are read as the older ones."""
    for part in sheet:
        if _local(part.tag) not in ("dataValidations", "extLst"):
            continue
        for rule in part.iter():
            if _local(rule.tag) == "dataValidation" and rule.get("type") == "list":
                formula = next((f for f in rule if _local(f.tag) == "formula1"), None)
                if formula is not None and (items := _inline_list(formula)):
                    yield "List: " + items


def _inline_list(formula: Element) -> str:
    text = "".join(formula.itertext()).strip()  # x14 keeps it in an xm:f inside
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return ""  # a range or a name: its cells are read where they are
    items = (value(item) for item in text[1:-1].replace('""', '"').split(","))
    return ", ".join(item for item in items if item)


_STRING = re.compile(r'"((?:[^"]|"")*)"')
_CONSTANT = re.compile(r"[\s{},;.0-9eE+-]*")  # numbers in an array, once its strings are out


def constants(formula: str, numbers: bool = True) -> str:
    """The values a formula holds as constants: its strings ("Amy Reid"), and its numbers
    when it is nothing but constants (={"Amy Reid",9434765919}) and `numbers` are wanted;
    "" for a formula of cell references and functions alone (Sheet1!$A$1:$B$3), whose cells
    are read already."""
    formula = formula.strip().removeprefix("=")
    strings = [s.replace('""', '"') for s in _STRING.findall(formula)]
    rest = _STRING.sub(",", formula)
    numbers_in = re.findall(r"-?\d[\d.eE+-]*", rest) \
        if numbers and _CONSTANT.fullmatch(rest) else []
    found = (value(item) for item in [*strings, *numbers_in])
    return ", ".join(item for item in found if item)


# a formula's text constant ("Amy Reid", "" for a quote), or a whole number of nine digits or
# more standing alone (an NHS number, a phone number kept as digits): not a budget's 1000000,
# a row (A1048576, 1:1048576), a decimal's part, a name's (Q1_2015) or ROUND's 2
_FORMULA_CONSTANT = re.compile(r'"((?:[^"]|"")*)"|(?<![\w$.:!\]])(\d{9,})(?![\w.:!(\[])')


def formula_values(formula: str) -> tuple[str, ...]:
    """The data a cell's formula holds as constants, as written: its strings, and its long
    whole numbers. =IF(B2="","Callum Patel 12/03/2015","") shows nothing while B2 is filled,
    and holds a child's name and birthday. Not its cell references, functions, names or small
    numbers (1, 0, ROUND's 2), nor TRUE or FALSE; one search, () for most formulas, which
    hold none. `value` makes them what a reader takes ("" and GUIDs left out)."""
    return tuple(text.replace('""', '"') if text else number
                 for text, number in _FORMULA_CONSTANT.findall(formula) if text or number)


def defined_names(book: Element) -> str:
    """A workbook's names defined as constants, on one line ("Child Name: Amy Reid"): a
    name Excel offers in every formula, and shows nowhere on a sheet. Excel's own names
    (_xlnm.Print_Area, _xlnm._FilterDatabase) are ranges; a name for a range is read with
    its cells."""
    cells = []
    for el in book.iter():
        name = el.get("name", "")
        if _local(el.tag) == "definedName" and not name.startswith(("_xlnm.", "_xlfn.")) \
                and (found := constants(el.text or "")):
            cells.append(f"{label(name)}: {found}")
    return "; ".join(cells)


# A Word field's instruction, by its name: (leading arguments that are names, not read; how
# many arguments after them are read; the switches whose argument is read; quoted ones only).
# A hyperlink's address and screen tip, a picture's or a document's path, SET's and ASK's
# text, IF's branches, an index or contents entry (kept as hidden text), the properties a
# field sets. Not read: MERGEFIELD, DOCPROPERTY, REF and the like name a field or a
# bookmark; DATE, PAGE and TOC say how to show what they show; ADDIN holds a reference
# manager's own record of a citation, whose result is the citation shown.
_MANY = 1 << 16
_FIELDS: dict[str, tuple[int, int, str, bool]] = {
    "HYPERLINK": (0, 1, "o", False),
    "INCLUDEPICTURE": (0, 1, "", False),
    "INCLUDETEXT": (0, 2, "", False),
    "LINK": (1, 2, "", False),
    "DDE": (1, 2, "", False),
    "DDEAUTO": (1, 2, "", False),
    "SET": (1, 1, "", False),
    "ASK": (1, 1, "d", False),
    "FILLIN": (0, 1, "d", False),
    "IF": (0, _MANY, "", True),
    "XE": (0, 1, "t", False),
    "TC": (0, 1, "", False),
    "QUOTE": (0, 1, "", False),
    "GOTOBUTTON": (1, _MANY, "", False),
    "MACROBUTTON": (1, _MANY, "", False),
    **{name: (0, 1, "", False) for name in ("AUTHOR", "TITLE", "SUBJECT", "KEYWORDS",
                                            "COMMENTS", "USERNAME", "USERADDRESS",
                                            "USERINITIALS")},
}
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
_SWITCH = re.compile(r"\\[A-Za-z*@#!]")


def field_arguments(instruction: str) -> str:
    """The arguments of a field's instruction that hold data (`_FIELDS`), on one line:
    HYPERLINK "mailto:amy.reid@example.com" gives the address; "" for a field of names or
    formats. Word doubles a backslash inside a path ("C:\\\\Cases"): read as one."""
    tokens = [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
              for m in _TOKEN.finditer(instruction)]
    if not tokens or tokens[0][1] or tokens[0][0].upper() not in _FIELDS:
        return ""
    skip, most, switches, quoted_only = _FIELDS[tokens[0][0].upper()]
    found: list[tuple[str, bool]] = []
    positional = 0
    at = 1
    while at < len(tokens):
        text, quoted = tokens[at]
        at += 1
        if not quoted and _SWITCH.fullmatch(text):
            # a switch's argument: a quoted one, or a format's (\* MERGEFORMAT, \@ dd/MM/yyyy)
            takes = at < len(tokens) and (tokens[at][1] or text[1] in "*@#")
            if takes and text[1].lower() in switches:
                found.append(tokens[at])
            at += takes
            continue
        positional += 1
        if skip < positional <= skip + most and (quoted or not quoted_only):
            found.append((text, quoted))
    return " ".join(v for v in (value(_unescaped(f) if q else f) for f, q in found) if v)


def _unescaped(text: str) -> str:
    return text.replace("\\\\", "\\").replace('\\"', '"')


_FIELD_TAGS = ("fldSimple", "fldChar", "instrText", "InstrText")


def word_fields(root: Element) -> Iterator[str]:
    """The instruction of each field in a Word part, in its order, read by `field_arguments`:
    a simple field's (w:fldSimple) and a complex one's, whose instruction Word splits across
    runs (w:instrText, deleted ones too) between its begin and separate marks; a field
    inside another's instruction is a field of its own."""
    open_fields: list[list[str] | None] = []  # each open field's instruction, None once past it
    for el in root.iter():
        if not el.tag.endswith(_FIELD_TAGS):  # most elements, passed over at C's speed
            continue
        name = _local(el.tag)
        if name == "fldSimple":
            if found := field_arguments(_attribute(el, "instr")):
                yield found
        elif name == "fldChar":
            kind = _attribute(el, "fldCharType")
            if kind == "begin":
                open_fields.append([])
            elif kind in ("separate", "end") and open_fields:
                pieces = open_fields.pop() if kind == "end" else open_fields[-1]
                if kind == "separate":
                    open_fields[-1] = None
                if pieces is not None and (found := field_arguments("".join(pieces))):
                    yield found
        elif name in ("instrText", "delInstrText") and open_fields and \
                open_fields[-1] is not None:
            open_fields[-1].append(el.text or "")


# ODF's fields and the attributes holding their text: a user field's and a variable's value
# (text:user-field-decl, text:variable-set), text shown or hidden by a condition, a dropdown
# field's choices, and a spreadsheet's named expressions and validation lists
_NAMED_VALUES = ("string-value", "date-value", "value")
_ODF_FIELDS = frozenset({"user-field-decl", "variable-set", "user-defined"})
_ODF_CONDITIONAL = {"hidden-text": ("string-value", "condition"),
                    "hidden-paragraph": ("condition",),
                    "conditional-text": ("string-value-if-true", "string-value-if-false",
                                         "condition")}


def odf_fields(root: Element) -> Iterator[str]:
    """An OpenDocument file's field values kept in attributes, which its text walk does not
    read: named ones on one line ("Child Name: Amy Reid; DOB: 2015-03-12"), then the rest a
    line each. A user field holds a value a letter shows wherever it is used, and keeps it
    when none is; hidden text is an attribute, shown only when its condition fails."""
    named: list[str] = []
    others: list[str] = []
    for el in root.iter():
        name = _local(el.tag)
        if name in _ODF_FIELDS:
            found = next((v for a in _NAMED_VALUES if (v := value(_attribute(el, a)))), "")
            if found:
                named.append(f"{label(_attribute(el, 'name'))}: {found}")
        elif name in _ODF_CONDITIONAL:
            others += _odf_texts(el, _ODF_CONDITIONAL[name])
        elif name == "drop-down":
            others += [v for choice in el if _local(choice.tag) == "label"
                       and (v := value(_attribute(choice, "value")))]
        elif name == "named-expression":
            if found := constants(_odf_formula(_attribute(el, "expression"))):
                named.append(f"{label(_attribute(el, 'name'))}: {found}")
        elif name == "content-validation":
            condition = _attribute(el, "condition")
            if "cell-content-is-in-list(" in condition and (found := constants(
                    _odf_formula(condition).partition("(")[2].rpartition(")")[0])):
                others.append("List: " + found)
    if named:
        yield "; ".join(named)
    yield from others


def _odf_texts(el: Element, attributes: Iterable[str]) -> list[str]:
    """A conditional field's texts; of its condition, the strings it compares with (its
    numbers are a condition's, "1" to hide always)."""
    out = []
    for name in attributes:
        raw = _attribute(el, name)
        found = constants(_odf_formula(raw), numbers=False) if name == "condition" \
            else value(raw)
        if found:
            out.append(found)
    return out


def _odf_formula(text: str) -> str:
    """An ODF formula without its namespace prefix ("of:=...", "ooow:...")."""
    return re.sub(r"^[a-z]+:", "", text.strip())


def layout_shapes(root: Element, runs: Runs) -> Iterator[str]:
    """The text of a slide layout's shapes that are not placeholders, read by `runs`: a text
    box on a layout shows on every slide made from it. A placeholder's text is a prompt
    ("Click to add title"), shown only while an empty one is being edited: left out."""
    for shape in root.iter():
        if _local(shape.tag) == "sp" and not _placeholder(shape) and \
                (text := " ".join(runs(shape).split())):
            yield text


def _placeholder(shape: Element) -> bool:
    """Whether a shape is a placeholder (p:nvSpPr/p:nvPr/p:ph)."""
    return any(_local(ph.tag) == "ph" for props in shape if _local(props.tag) == "nvSpPr"
               for nv in props if _local(nv.tag) == "nvPr" for ph in nv)
