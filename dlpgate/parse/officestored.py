"""What an Office file stores beside what it shows, read after everything else it gives.

A third red team's hiding places (2026-12) found these going out unread, each plausible in a
council's mail: the document variables a case system's letter template fills (`w:docVars` in
`word/settings.xml`: "ChildName" = "Amy Reid"), shown only where a DOCVARIABLE field asks; the
values of another workbook a tracker looks up, which Excel keeps in the tracker
(`xl/externalLinks/`) and sends with it; a chart's cached labels (the children's names along
its axis, kept in the chart when its rows are deleted or its workbook is linked, not
embedded); the choices of a Word content control's dropdown or combo box and of a legacy form
field's dropdown (a list of the children on a plan, of which only the one chosen shows), and
a legacy text field's default text; and the input and error messages of Excel's data
validation. office.py puts what this module reads after the addresses of the file's links
(PARSER 15), so a finding's offsets under an earlier parser keep their place.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from dlpgate.parse import package
from dlpgate.parse.officeextras import _attribute, _local, kept, label, value

if TYPE_CHECKING:
    from dlpgate.parse.office import _Reading


def word_choices(root: Element, shown: str) -> Iterator[str]:
    """A Word part's choices its text (`shown`) does not say, a line a list ("List: Amy Reid,
    Leo Hart"): a content control's dropdown or combo box items beside the one chosen, a
    legacy dropdown field's entries, and a legacy text field's default text where another
    was typed over it (a template's last child)."""
    words = set(shown.split())  # an item is said when its every word is, as a set: linear
    for el in root.iter():
        name = _local(el.tag)
        if name in ("dropDownList", "comboBox", "ddList"):
            items = _items(el) if name != "ddList" else (
                v for e in el if _local(e.tag) == "listEntry"
                and (v := value(_attribute(e, "val"))))
            if found := [item for item in dict.fromkeys(items) if not words.issuperset(
                    item.split())]:
                yield "List: " + ", ".join(found)
        elif name == "textInput":
            yield from (v for e in el if _local(e.tag) == "default"
                        and (v := value(_attribute(e, "val")))
                        and not words.issuperset(v.split()))


_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def word_dates(root: Element, shown: str) -> Iterator[str]:
    """The dates Word's date pickers (content controls) keep that their text does not show,
    a line each, labelled by the control's title or tag ("Date of birth: 12/03/2015"): a
    picker formatted to show "March 2015", or left showing its prompt, keeps the whole date
    it was given (`w:date w:fullDate`), and it went out unread."""
    for props in root.iter():
        if _local(props.tag) != "sdtPr":
            continue
        picked = next((e for e in props if _local(e.tag) == "date"), None)
        full = value(_attribute(picked, "fullDate")) if picked is not None else ""
        if not (ymd := _YMD.match(full)):
            continue
        year, month, day = (int(n) for n in ymd.groups())
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            continue
        written = f"{day:02d}/{month:02d}/{year}"
        if any(form in shown for form in (
                written, f"{day}/{month}/{year}", full[:10], f"{day} {_MONTHS[month - 1]} {year}",
                f"{day:02d} {_MONTHS[month - 1]} {year}", f"{_MONTHS[month - 1]} {day}, {year}")):
            continue
        names = [value(_attribute(e, "val")) for kind in ("alias", "tag")
                 for e in props if _local(e.tag) == kind]
        yield f"{next((n for n in names if n), 'Date')}: {written}"


def dates(found: list[str], reading: _Reading) -> str:
    """The date pickers' dates (`word_dates`), each once, up to the document's text limit;
    read after everything else the file gives, so what was read before keeps its place."""
    out: list[str] = []
    for line in dict.fromkeys(found):
        if reading.over():
            break
        out.append(line)
        reading.spent += len(line) + 1
    return "\n".join(out)


def _items(kind: Element) -> Iterator[str]:
    """A dropdown's items: the text each shows, and the value it stores where that differs
    ("Amy Reid" storing "9434765919")."""
    for item in kind:
        if _local(item.tag) == "listItem":
            shown = value(_attribute(item, "displayText"))
            stored = value(_attribute(item, "value"))
            yield from dict.fromkeys(v for v in (shown, stored) if v)


_MESSAGES = (("promptTitle", "prompt"), ("errorTitle", "error"))


def validation_messages(sheet: Element) -> Iterator[str]:
    """A sheet's data-validation messages, a line each as "title: message": the input message
    shown beside a cell ("Amy Reid: NHS number 943 476 5919") and the error shown when a value
    is refused. Excel 2010's rules (x14, in the sheet's extensions) are read as the older
    ones."""
    for part in sheet:
        if _local(part.tag) not in ("dataValidations", "extLst"):
            continue
        for rule in part.iter():
            if _local(rule.tag) != "dataValidation":
                continue
            for title, message in _MESSAGES:
                said = [v for a in (title, message) if (v := value(rule.get(a, "")))]
                if said:
                    yield ": ".join(said)


def doc_variables(root: Element, reading: _Reading) -> str:
    """A Word document's variables (`w:docVar`, in its settings), on one line as "Child Name:
    Amy Reid; NHS Number: 943 476 5919": a case system's letter template fills them, and they
    stay in the file whatever the letter shows."""
    del reading  # a line, counted by `stored`
    return "; ".join(f"{label(_attribute(v, 'name'))}: {found}" for v in root.iter()
                     if _local(v.tag) == "docVar" and (found := value(_attribute(v, "val"))))


def external_values(root: Element, reading: _Reading) -> str:
    """The values of another workbook that a workbook's formulas look up, which Excel keeps
    in it (an external link's `sheetDataSet`): each of its sheets' rows, labelled under the
    first row where that is a header, as a sheet is. Counted as built, up to the document's
    text limit: a lookup over a whole column keeps every cell of it."""
    from dlpgate.parse.tables import labelled

    out: list[str] = []
    for sheet in root.iter():
        if _local(sheet.tag) != "sheetData":
            continue
        rows = []
        for row in sheet:
            cells = [" ".join((v.text or "").split()) for cell in row
                     for v in cell if _local(v.tag) == "v"]
            rows.append("\t".join(cells))
            reading.spent += len(rows[-1]) + 1
            if reading.over():
                break
        out.append(labelled("\n".join(rows), "\t", reading.limit, quotes=False))
        if reading.cut:
            break
    return "\n".join(text for text in out if text)


# where a chart keeps its text: a classic chart's strings (c:strCache, c:multiLvlStrCache) and
# an Excel 2016 chart's (cx:strDim)
_CHART_STRINGS = ("strCache", "multiLvlStrCache", "strDim")


def chart_labels(root: Element, reading: _Reading) -> str:
    """A chart's cached labels, a line each series or axis, once each: its series' names and
    its categories ("Amy Reid (943 476 5919)" along the axis of an attendance chart). They
    stay in the chart when the rows they came from are deleted, and a chart in a document or
    a slide whose workbook is linked, not embedded, has nothing else."""
    del reading  # lines, counted by `stored`
    lines: dict[str, None] = {}
    for cache in root.iter():
        if _local(cache.tag) in _CHART_STRINGS:
            found = [t for el in cache.iter() if _local(el.tag) in ("v", "pt") and el.text
                     and (t := " ".join(el.text.split()))]
            if found:
                lines["; ".join(dict.fromkeys(found))] = None
    return "\n".join(lines)


# the parts read whole, by what they are, what a damaged one is said to be, and how each is read
_PARTS = (
    (package.SETTINGS, "the document's settings", doc_variables),
    (package.EXTERNAL_LINKS, "an external link", external_values),
    (package.CHARTS, "a chart", chart_labels),
)


def stored(found: list[str], zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
           kinds: dict[str, str], reading: _Reading) -> str:
    """What the file stores beside what it shows, up to the document's text limit: the lines
    office.py found as it read (`found`: dropdowns' choices, validation messages), then the
    parts `_PARTS` names, read one at a time as officeextras' own are (`kept`)."""
    parts = tuple((kind, what, functools.partial(_with, text, reading))
                  for kind, what, text in _PARTS)
    return kept(found, zf, read, kinds, _no_runs, reading, parts)


def _with(text: Callable[[Element, _Reading], str], reading: _Reading, root: Element,
          runs: Callable[[Element], str]) -> str:
    del runs  # none of these parts is read as runs of text
    return text(root, reading)


def _no_runs(root: Element) -> str:
    return ""
