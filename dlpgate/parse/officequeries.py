"""Where a workbook's queries read from, and what they ask: its data connections and Power Query.

A red team's workbooks (2026-12) went out with their queries unread: a sheet filled by Data >
Get Data keeps, beside the rows it shows, the connection that fetched them
(`xl/connections.xml`: the file it read, "\\\\fs01\\Safeguarding\\Reid, Amy\\contacts.xlsx",
the SQL it ran, "SELECT * FROM contacts WHERE surname='Reid'"), and a Power Query keeps its
formula (M) in a custom XML part, `DataMashup`: a base64 stream holding a small zip whose
`Formulas/Section1.m` names the same file and the same filter. Each names a child where the
sheet may show only a reference. officeunseen.py puts these lines after all else the file
gave (PARSER 25), each value only where that text does not say it already.

Each reader yields records: a list of (label, values), a line "Label: value; Label: v1, v2"
once the values the text says are taken out.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from dlpgate.parse.officeextras import _local, value
from dlpgate.parse.officeunseen import _path

Record = list[tuple[str, list[str]]]

# a connection string's parts that say where the data is (a file's path, a server, a
# database, Power Query's query): never its user or password
_WHERE = re.compile(r"(?:^|;)\s*(?:Data Source|DBQ|Location|Initial Catalog|Database|Server)"
                    r"\s*=\s*(\"[^\"]*\"|'[^']*'|[^;]*)", re.IGNORECASE)
_PROGRAMS_OWN = re.compile(r"\$\w+\$")  # Power Query's "$Workbook$": the workbook itself
_DEFAULT_NAME = re.compile(r"Connection\d*")  # Excel's name for a connection no one named


def connections(root: Element) -> Iterator[Record]:
    """A workbook's data connections (`xl/connections.xml`), a record each: the name and
    description a person gave it, the files and servers it reads (its own path, its .odc
    file's, a text import's, a web query's address, its connection string's data source), the
    command it runs, and the text its parameters hold or ask with."""
    for conn in root.iter():
        if _local(conn.tag) != "connection":
            continue
        sources: list[str] = [conn.get("sourceFile", ""), conn.get("odcFile", "")]
        commands: list[str] = []
        for el in conn.iter():
            name = _local(el.tag)
            if name == "dbPr":
                sources += [found.group(1).strip("\"' ")
                            for found in _WHERE.finditer(el.get("connection", ""))]
                commands += [el.get("command", ""), el.get("serverCommand", "")]
            elif name in ("webPr", "textPr"):
                sources += [el.get("url", ""), el.get("editPage", ""), el.get("sourceFile", "")]
                commands.append(el.get("post", ""))
            elif name == "parameter":
                commands += [el.get("prompt", ""), el.get("string", "")]
        named = conn.get("name", "")
        record = [("Connection", _values([] if _DEFAULT_NAME.fullmatch(named) else [named])),
                  ("Description", _values([conn.get("description", "")])),
                  ("Source", [_path(s) for s in _values(sources)
                              if not _PROGRAMS_OWN.fullmatch(s)]),
                  ("Query", _values(commands))]
        if record := [(label, found) for label, found in record if found]:
            yield record


def _values(raw: list[str]) -> list[str]:
    """Each value as read (`officeextras.value`), once each, the empty ones left out."""
    return list(dict.fromkeys(found for item in raw if (found := value(item))))


_MASHUP_MOST = 4 << 20  # of a Power Query formula's text: its sources and steps, not data
_MEMBER = re.compile(r'\bshared\s+(#"(?:[^"]|"")*"|[\w.]+)\s*=')
_M_STRING = re.compile(r'(#?)"((?:[^"]|"")*)"')  # a text, or a quoted name (#"Changed Type")
_M_ESCAPE = re.compile(r"#\([^)]{1,40}\)")  # #(lf), #(cr,lf), #(tab), #(0041)


def mashup(root: Element) -> Iterator[Record]:
    """A workbook's Power Query formulas, a record per query ("Power Query contacts: the
    texts it holds"): the file path it opens, the server, the values it filters on. The
    custom XML part `DataMashup` holds them base64-encoded, as MS-QDEFF lays them out (a
    version, then the length of a zip of parts, then the zip, whose `Formulas/*.m` are the
    queries' text). Its step names (#"Changed Type") are Power Query's words, not data: left
    out. A stream not so laid out gives nothing; a part of another kind, nothing."""
    if _local(root.tag) != "DataMashup" or not (root.text or "").strip():
        return
    try:
        stream = base64.b64decode("".join(root.text.split()), validate=True)
        version, size = struct.unpack_from("<II", stream)
    except (binascii.Error, ValueError, struct.error):
        return
    if version != 0 or size > len(stream) - 8:
        return
    for formula in _formulas(stream[8:8 + size]):
        for name, text in _members(formula):
            texts = [found for escape, raw in _M_STRING.findall(text) if not escape
                     and (found := value(_M_ESCAPE.sub(" ", raw.replace('""', '"'))))]
            if texts:
                yield [(f"Power Query {name}", list(dict.fromkeys(texts)))]


def _formulas(package: bytes) -> Iterator[str]:
    """The text of each `Formulas/*.m` in a mashup's zip of parts, up to `_MASHUP_MOST`
    characters in all however much the zip says it expands to; none from a damaged zip."""
    left = _MASHUP_MOST
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            for info in zf.infolist():
                if left <= 0 or not re.fullmatch(r"Formulas/[^/]+\.m", info.filename):
                    continue
                with zf.open(info) as member:
                    data = member.read(left)
                left -= len(data)
                yield data.decode("utf-8-sig", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, RuntimeError):  # damaged, or packed in a way zipfile cannot unpack
        return


def _members(formula: str) -> Iterator[tuple[str, str]]:
    """A section document's queries: each shared member's name and its text, the name as a
    person typed it (#"Reid contacts" as Reid contacts)."""
    found = list(_MEMBER.finditer(formula))
    for n, member in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(formula)
        name = member.group(1)
        if name.startswith('#"'):
            name = name[2:-1].replace('""', '"')
        yield name, formula[member.end():end]
