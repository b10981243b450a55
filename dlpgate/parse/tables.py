"""Spreadsheets read with their column names beside each value.

A recognizer knows a date is a date of birth, or ten digits an NHS number, by the words near
it ("DOB", "NHS number"). In a table those words are the column's header, rows away: a CSV of
eighteen children with a `Date of birth` column went to a new provider with no date of birth
found. Each row is therefore written as "header: value; header: value", so every value has its
column's name beside it, as it would in a letter.
"""

from __future__ import annotations

import csv
import re

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]{3,}")
# Words a date written out has ("Monday 12 March 2016"): no header's words, whatever its numbers
_CALENDAR = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june "
    "july august september october november december mon tue tues wed thu thur thurs fri sat "
    "sun monday tuesday wednesday thursday friday saturday sunday".split())
_DELIMITERS = ",;\t|"
TITLE_ROWS = 4  # rows above a header (a title, a date printed, blank ones) looked past


LABEL = 40  # characters of a header kept as a label: "Date of birth", not a paragraph


def labelled(text: str, delimiter: str | None = None, limit: int = 5 * 1024 * 1024,
             quotes: bool = True) -> str:
    """`text` with each row after a header row as "header: value; ..."; unchanged when none of
    its first rows is a header (a value in it, or fewer than two named columns).

    Labelling stops just past `limit` (the scan's max_text), so the caller's cut says how much
    was scanned: a sheet of 45,000 children read unlabelled because it was too big once
    labelled had no date of birth found in it, and two 60 KB headers over rows of "1,2" would
    make 6 GB of text. `quotes`: whether a cell may be quoted, as in a CSV file; not in the
    tab-joined rows of a sheet or a document's table, where a note beginning with a straight
    quote swallowed every row below it, their dates of birth unlabelled."""
    lines = text.splitlines()
    quoting = csv.QUOTE_MINIMAL if quotes else csv.QUOTE_NONE
    found = _header(lines, delimiter, quoting)
    if found is None:
        return text
    at, delimiter, header = found
    header = [" ".join(h.split())[:LABEL] for h in header]
    out = lines[: at + 1]
    size = sum(len(line) + 1 for line in out) - 1
    try:
        for row in csv.reader(lines[at + 1:], delimiter=delimiter, quoting=quoting):
            if size > limit:
                break
            cells = [f"{h}: {v.strip()}" if h else v.strip()
                     for h, v in zip(header, row, strict=False) if v.strip()]
            cells += [v.strip() for v in row[len(header):] if v.strip()]
            out.append("; ".join(cells))
            size += len(out[-1]) + 1
    except csv.Error:  # a damaged row: the text as it was
        return text
    if size > limit:  # one long row can be many times the limit: keep just past it
        return "\n".join(out)[: limit + 1]
    return "\n".join(out)


def _header(lines: list[str], delimiter: str | None,
            quoting: int = csv.QUOTE_MINIMAL) -> tuple[int, str, list[str]] | None:
    """Where the header row is, its delimiter and cells: the first row, or one below a title.

    "Oakfield Primary - Year 4 pupil list" above the header left a whole sheet unlabelled. Rows
    above a header are narrower than it (a title, a printed date); a row as wide as the header
    is the table's own, so a sheet whose first row is data finds no header further down."""
    widest = 0
    seen = 0
    for at in range(len(lines) - 1):  # a header needs a row below it
        line = lines[at]
        if not line.strip(_DELIMITERS + " "):
            continue
        seen += 1
        if seen > TITLE_ROWS + 1:
            return None
        sep = delimiter or _delimiter(line)
        if sep is None:
            widest = max(widest, 1)
            continue
        try:
            cells = [c.strip() for c in next(csv.reader([line], delimiter=sep,
                                                         quoting=quoting))]
        except (csv.Error, StopIteration):
            return None
        named = [c for c in cells if c and _LETTER.search(c)]
        if widest < len(named) and _is_header(cells):
            return at, sep, cells
        widest = max(widest, len([c for c in cells if c]))
    return None


def tabular(text: str) -> bool:
    """A table whatever its name says: Excel's "Unicode Text" save (.txt), a case system's
    export called `export`. Its first three lines have the same number of one delimiter, which
    prose almost never has: a tab, or two or more of the others (a comma a line is prose's)."""
    lines = [line for line in text[:20000].splitlines()[:10] if line.strip()][:3]
    if len(lines) < 3:
        return False
    return any(len({line.count(d) for line in lines}) == 1 and
               lines[0].count(d) >= (1 if d == "\t" else 2) for d in _DELIMITERS)


_GAP = re.compile(r"\S+(?: \S+)*")  # a cell: words one space apart; two or more end it


def _cells(line: str) -> list[tuple[float, str]]:
    """A laid-out line's cells, each by its middle column (a header is centred over its
    values, a number right-aligned under it: their middles meet, their starts need not)."""
    return [((m.start() + m.end()) / 2, m.group()) for m in _GAP.finditer(line)]


def laid_out(text: str, limit: int = 5 * 1024 * 1024) -> str | None:
    """A page's text as laid out (columns kept apart by spaces, as pypdf's layout mode gives
    it) with each table under a header labelled like a sheet; None when it has no such
    table, and the page's plain text is better read as it was.

    In a PDF a table is text placed in columns: read as lines, "Date of birth" stood rows
    above the dates it names, and a pupil list went out with no date of birth found. Each
    value is put under the header whose middle is nearest its own: an empty cell is only
    spaces, and counting cells from the left moved the rest of the row under the wrong
    headers. Lines outside tables keep their words, one space apart."""
    lines = text.splitlines()
    out: list[str] = []
    found = False
    at = 0
    while at < len(lines):
        header = _cells(lines[at])
        if not _laid_out_header([c for _, c in header]):
            out.append(" ".join(lines[at].split()))
            at += 1
            continue
        start = at
        middles = [m for m, _ in header]
        rows = ["\t".join(c for _, c in header)]
        at += 1
        while at < len(lines):
            cells = _cells(lines[at])
            if not cells:
                if at + 1 < len(lines) and len(_cells(lines[at + 1])) < 2:
                    break  # a blank line, then prose: the table has ended
                at += 1
                continue
            if len(cells) == 1 and len(cells[0][1]) > 2 * (middles[1] - middles[0]):
                break  # one run across the columns: a sentence, not a cell
            row = [""] * len(middles)
            for middle, cell in cells:
                k = min(range(len(middles)), key=lambda i: abs(middles[i] - middle))
                row[k] = f"{row[k]} {cell}".strip()
            rows.append("\t".join(row))
            at += 1
        if not any(row.count("\t") + 1 - row.split("\t").count("") >= 2 for row in rows[1:]):
            # no row with two values: two phrases on a line ("Jo Smith,   Early Help")
            out += [" ".join(line.split()) for line in lines[start:at]]
            continue
        out.append(labelled("\n".join(rows), "\t", limit, quotes=False))
        found = True
    return "\n".join(out) if found else None


_FIGURES = re.compile(r"\d[\d /.-]{3,}")


def _laid_out_header(cells: list[str]) -> bool:
    """A header as a page prints one: two names or more, each a few words with no figures in
    it (a sentence with two spaces after its full stop has a date, or many words)."""
    return len(cells) >= 2 and all(len(c) <= LABEL and c.count(" ") < 4 and
                                   not _FIGURES.search(c) for c in cells) and _is_header(cells)


def has_rows(text: str) -> bool:
    """Whether a page's plain text could hold a table worth laying out: two lines with a
    date or number of four digits or more, as a list's rows have (prose pages pass over)."""
    return sum(1 for line in text.splitlines() if _FIGURES.search(line)) >= 2


def _delimiter(first: str) -> str | None:
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] >= 1 else None


def _is_header(cells: list[str]) -> bool:
    named = [c for c in cells if c and _LETTER.search(c)]
    return len(named) >= 2 and len(named) * 2 >= len([c for c in cells if c]) and not any(
        _is_value(c) for c in cells)


def _is_value(cell: str) -> bool:
    """A number, date or code as data rows hold them (9434765919, 04/05/2016, M202100314549,
    QQ 12 34 56 C, 12 March 2016), which no header is; "Status 2024/25" is a header's."""
    if sum(ch.isdigit() for ch in cell) < 4:
        return False
    return all(word.lower() in _CALENDAR for word in _WORD.findall(cell))
