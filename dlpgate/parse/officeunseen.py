"""What an Office file marks in its text without showing it, read after everything else.

A fourth look at the less visible places of a council's documents (2026-12) found these going
out unread: a link's tooltip (ScreenTip, Ctrl+K > ScreenTip...), shown only as the pointer
rests on the link, in a workbook's cell ("Amy Reid, NHS 943 476 5919" over "open the record"),
a letter or a slide; a Word document's bookmarks, whose names a case worker types to find a
child's paragraph again ("Amy_Reid_LAC_review"); and a mail-merged letter's data source and
query, which Word keeps in the letter it merged: the path of the residents' workbook it read
("C:\\Users\\jsmith\\Documents\\Looked after children Westshire.xlsx") and the query that picked
its rows ("SELECT * FROM `Sheet1$` WHERE `Surname` = 'Reid'"). office.py puts what this module
reads after all it read before (PARSER 21), so a finding's offsets under an earlier parser keep
their place.
"""

from __future__ import annotations

import functools
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from dlpgate.parse import package
from dlpgate.parse.officeextras import (
    _attribute,
    _local,
    formula_values,
    kept,
    label,
    partial,
    value,
)
from dlpgate.parse.officestored import _no_runs

if TYPE_CHECKING:
    from dlpgate.parse.office import _Reading

# where a link keeps its tooltip: a sheet's hyperlink, Word's, a drawing's or a slide's
_LINKS = frozenset({"hyperlink", "hlinkClick", "hlinkHover"})


def tooltips(root: Element, shown: str) -> Iterator[str]:
    """A part's links' tooltips its text (`shown`) does not say, a line each ("Tooltip: ..."):
    Excel, Word and PowerPoint keep them on the link, and show them only as the pointer rests
    on it."""
    return unsaid_tips(link_tips(root), shown)


def link_tips(root: Element) -> Iterator[str]:
    """A part's links' tooltips, as stored."""
    return (_attribute(el, "tooltip") for el in root.iter() if _local(el.tag) in _LINKS)


def unsaid_tips(tips: Iterable[str], shown: str) -> Iterator[str]:
    """Links' tooltips (`tips`, as stored) the text `shown` does not say, a line each: an
    .xlsx's, an .xlsb's (`xlsb.py`) and an OpenDocument file's (`odf`) alike."""
    return _unsaid("Tooltip", map(value, tips), shown)


def bookmarks(root: Element, shown: str) -> Iterator[str]:
    """A Word part's bookmarks' names its text does not say, a line each, as words
    ("Bookmark: Amy Reid LAC review"); not Word's own, hidden ones (`_GoBack`, `_Toc...`,
    `_Hlk...`, each starting "_"), which no one typed."""
    return _unsaid("Bookmark", _names(root, ("bookmarkStart",)), shown)


def odf(content: Element, shown: str) -> str:
    """An OpenDocument file's links' titles (LibreOffice's tooltip, `office:title` on a
    `text:a`) and bookmarks' names (`text:bookmark`, `text:bookmark-start`) its text `shown`
    does not say, a line each, as an Office file's tooltips and bookmarks are read: not
    LibreOffice's own bookmarks (`__RefHeading__...`), which start "_"."""
    tips = unsaid_tips((_attribute(el, "title") for el in content.iter()
                        if _local(el.tag) == "a"), shown)
    marks = _unsaid("Bookmark", _names(content, ("bookmark", "bookmark-start")), shown)
    return "\n".join(dict.fromkeys((*tips, *marks)))


def odf_formulas(content: Element) -> Iterator[str]:
    """An OpenDocument file's cells' formulas (`table:formula`), as written: LibreOffice's
    of:=IF([.B2]="";"Callum Patel 12/03/2015";"") quotes its text as Excel does, so
    `formula_values` reads it. A formula repeated across cells is written once."""
    for tag in _ODF_CELLS:  # looked for by name, not each element's name made: a sheet's
        yield from filter(None, (el.get(_ODF_FORMULA) for el in content.iter(tag)))  # many


_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_CELLS = (f"{_ODF_TABLE}table-cell", f"{_ODF_TABLE}covered-table-cell")
_ODF_FORMULA = f"{_ODF_TABLE}formula"


def _names(root: Element, tags: tuple[str, ...]) -> Iterator[str]:
    """The names, as words, of the bookmarks under `root` (elements of local name `tags`),
    but the program's own, hidden ones (starting "_")."""
    for el in root.iter():
        if _local(el.tag) in tags and not (name := _attribute(el, "name")).startswith("_"):
            yield label(name)


def _unsaid(kind: str, values: Iterable[str], shown: str) -> Iterator[str]:
    """Each of `values` with a word `shown` lacks, as a line "KIND: value"; said when its
    every word is, as a set: linear."""
    said = _words(shown)
    for found in values:
        if _new(found, said):
            yield f"{kind}: {found}"


def _new(found: str, said: set[str]) -> bool:
    """Whether a value has a word beyond those `said` (a text's `_words`)."""
    return bool(found) and not said.issuperset(_words(found))


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    """A text's words, case and punctuation aside ("Yours," says the bookmark "Yours")."""
    return set(_WORD.findall(text.lower()))


_MERGE_SOURCE = "/relationships/mailMergeSource"  # a relationship's type ends so (and Header)
_DATA_SOURCE = re.compile(r"(?:^|;)\s*Data Source=([^;]*)", re.IGNORECASE)


def mail_merge(root: Element, zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
               part: str) -> str:
    """A merged letter's mail merge, from its settings (`w:mailMerge`): the files its data
    came from (its relationships' targets, and the Data Source its connection names), then
    its query, a line each, once each."""
    lines: dict[str, None] = {}
    merge = next((el for el in root.iter() if _local(el.tag) == "mailMerge"), None)
    if merge is None:
        return ""
    for target in _merge_targets(zf, read, part):
        lines[f"Mail merge data source: {_path(target)}"] = None
    for el in merge.iter():
        if _local(el.tag) in ("connectString", "udl"):
            for found in _DATA_SOURCE.finditer(_attribute(el, "val")):
                if source := value(found.group(1).strip("\"' ")):
                    lines[f"Mail merge data source: {_path(source)}"] = None
    for el in merge.iter():
        if _local(el.tag) == "query" and (query := value(_attribute(el, "val"))):
            lines[f"Mail merge query: {query}"] = None
    return "\n".join(lines)


def _merge_targets(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
                   part: str) -> Iterator[str]:
    """The files a settings part's relationships name as its mail merge's data source."""
    folder, leaf = posixpath.split(part)
    try:
        info = zf.getinfo(posixpath.join(folder, "_rels", f"{leaf}.rels"))
    except KeyError:
        return
    rels, _ = partial(read(info))  # a damaged list keeps the sources before the damage
    for el in rels.iter() if rels is not None else ():
        if _local(el.tag) == "Relationship" and _MERGE_SOURCE in el.get("Type", "") \
                and (target := el.get("Target", "")):
            yield target


def _path(source: str) -> str:
    """A data source as a person would write its path: percent-escapes undone, without the
    file:/// Word puts before a local one, so the same file named both ways is read once."""
    path = " ".join(unquote(source).split())[:2000]
    return path[8:] if path.lower().startswith("file:///") else path


def unseen(found: list[str], zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
           kinds: dict[str, str], reading: _Reading) -> str:
    """What the file marks without showing, up to the document's text limit: the lines
    office.py found as it read (`found`: tooltips, bookmarks; each once), then a Word
    document's mail merge from its settings."""
    merge = functools.partial(_merged, zf, read, kinds)
    return kept(found, zf, read, kinds, _no_runs, reading,
                ((package.SETTINGS, "the document's settings", merge),))


def _merged(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipInfo], bytes],
            kinds: dict[str, str], root: Element, runs: Callable[[Element], str]) -> str:
    del runs  # a settings part has no text runs
    return mail_merge(root, zf, read, package.parts(kinds, package.SETTINGS)[0])


# PowerPoint's names for a section no one named
_DEFAULT_SECTIONS = frozenset({"default section", "untitled section"})


def sections(presentation: Element) -> Iterator[list[tuple[str, list[str]]]]:
    """A presentation's sections' names (PowerPoint 2010's `p14:sectionLst`, in an extension of
    `presentation.xml`) and its custom shows' names, a record each: shown only in the slide
    sorter and the slide list, where a worker grouped a conference's slides by child ("Amy Reid
    (NHS 943 476 5919)"). PowerPoint's own names for a new section are left out."""
    for el in presentation.iter():
        kind = _local(el.tag)
        if kind == "sectionLst":
            yield from ([("Section", [found])] for section in el
                        if _local(section.tag) == "section"
                        and (found := value(_attribute(section, "name")))
                        and found.lower() not in _DEFAULT_SECTIONS)
        elif kind == "custShow" and (found := value(_attribute(el, "name"))):
            yield [("Custom show", [found])]


def formulas(texts: Iterable[str], found: dict[tuple[str, ...], None], most: int) -> None:
    """Add to `found` the constants (`officeextras.formula_values`) of each formula of a
    sheet's (`texts`), once each, until all of them come to `most` characters: a million
    formulas cost a search each and keep only what they hold. A shared formula (t="shared")
    keeps its text in its first cell, read once; the others point at it and hold none."""
    keep_constants(map(formula_values, texts), found, most)


def keep_constants(formulas: Iterable[tuple[str, ...]], found: dict[tuple[str, ...], None],
                   most: int) -> None:
    """Add to `found` each of `formulas`' constants (an .xlsx's by `formulas`, an .xlsb's
    from its tokens, `xlsbformulas`) once, until all of them come to `most` characters."""
    size = sum(map(len, itertools.chain.from_iterable(found)))
    for values in formulas:
        if values and values not in found:
            size += sum(map(len, values))
            if size > most:
                return
            found[values] = None


def later(found_formulas: Iterable[tuple[str, ...]], tips: Iterable[str], zf: zipfile.ZipFile,
          read: Callable[[zipfile.ZipInfo], bytes], kinds: dict[str, str], shown: str,
          reading: _Reading) -> str:
    """What PARSER 25 reads after all the rest, a line each, each value only where the file's
    text before it (`shown`) does not say it, so a value is not counted twice: the constants of
    a workbook's formulas ("Formula: Callum Patel 12/03/2015"; one equal to its cell's value is
    said there; an .xlsb's and an OpenDocument file's since PARSER 27) and its drawings' links'
    tooltips (`tips`, as stored: a shape's ScreenTip), then a presentation's sections' names, a
    workbook's connections and its Power Query formulas (officequeries.py); up to the
    document's text limit."""
    from dlpgate.parse import officequeries

    said = _words(shown)

    def lines(records: Iterable[list[tuple[str, list[str]]]]) -> str:
        out: dict[str, None] = {}
        room = reading.limit - reading.spent  # what is past the limit would be cut anyway
        for record in records:
            cells = [f"{name}: {', '.join(new)}" for name, values in record
                     if (new := [v for v in values if _new(v, said)])]
            if cells and (line := "; ".join(cells)) not in out:
                out[line] = None
                room -= len(line) + 1
                if room < 0:
                    reading.cut = True
                    break
        return "\n".join(out)

    def part(read_records: Callable[[Element], Iterable[list[tuple[str, list[str]]]]]) \
            -> Callable[[Element, Callable[[Element], str]], str]:
        return lambda root, runs: lines(read_records(root))

    found = [lines([("Formula", [v for raw in values if (v := value(raw))])]
                   for values in found_formulas),
             lines([("Tooltip", [value(tip)])] for tip in tips)]
    return kept(found, zf, read, kinds, _no_runs, reading, (
        (package.PRESENTATION, "the presentation", part(sections)),
        (package.CONNECTIONS, "the workbook's connections", part(officequeries.connections)),
        (package.CUSTOM_XML, "a custom XML data part", part(officequeries.mashup))))
