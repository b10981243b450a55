"""Tables in a PDF page's text as laid out: found, and each value labelled with its column.

A PDF has no tables, only text placed in columns. Read as lines, "Date of birth" stood rows
above the dates it names, and a pupil list went out with no date of birth found. pypdf's
layout mode keeps the columns apart with spaces; here a header line is found in that text,
each value below is put under the header whose middle is nearest its own (an empty cell is
only spaces, so counting cells from the left moved the rest of the row under the wrong
headers, and a number right-aligned under a centred header meets it by the middle), and the
rows are labelled as a sheet's are (`tables.labelled`).

What a printed table does that a sheet does not, each met in a council's own PDFs: a header
wrapped over two lines ("Date of" above "birth"), a group row above the header ("Child",
"Parent / carer"), a cell wrapped onto a line of its own (the rest of an address), blank lines
between rows, a row with only a name, and a second table right under the first.
"""

from __future__ import annotations

import re

from dlpgate.parse.tables import LABEL, _is_header, labelled

_CELL = re.compile(r"\S+(?: \S+)*")  # words one space apart; two spaces or more end a cell
_FIGURES = re.compile(r"\d[\d /.-]{3,}")  # a date, or a number of four digits or more
LONG_CELLS = 30  # the mean length of a table's cells above which its "rows" are prose columns

Cells = list[tuple[float, str]]


def cells(line: str) -> Cells:
    """A laid-out line's cells, each with its middle column."""
    return [((m.start() + m.end()) / 2, m.group()) for m in _CELL.finditer(line)]


def has_rows(text: str) -> bool:
    """Whether a page's plain text could hold a table worth laying out: two lines with a
    date or number of four digits or more, as a list's rows have (prose pages pass over)."""
    return sum(1 for line in text.splitlines() if _FIGURES.search(line)) >= 2


def laid_out(text: str, limit: int = 5 * 1024 * 1024) -> str | None:
    """One page (`Pages.page`), read on its own."""
    return Pages(limit).page(text)


class Pages:
    """A document's pages in order: a table that runs to the foot of one page goes on at the
    top of the next under the same header, as a spreadsheet is printed (its header on the
    first page only: 38 of 86 dates of birth were found, those of page one)."""

    def __init__(self, limit: int = 5 * 1024 * 1024) -> None:
        self.limit = limit
        self.carried: tuple[list[str], list[float]] | None = None  # header names, middles

    def skip(self) -> None:
        """A page with no table on it: a table does not go on past it."""
        self.carried = None

    def page(self, text: str) -> str | None:
        """The page with each table under a header labelled like a sheet, the lines outside
        tables with their words one space apart; None when the page has no such table, and
        its plain text is better read as it was."""
        lines = text.splitlines()
        carried, self.carried = self.carried, None
        out: list[str] = []
        found = False
        at = 0
        while at < len(lines):
            head = cells(lines[at])
            # only lines above the page's first table go on one from the page before
            if carried and not found and _goes_on(head, carried):
                names, middles = carried
                table, at = _rows(lines, at, _shifted(middles, lines, at))
                self._table(out, names, table, middles, lines, at)
                found = True
                continue
            if not _header(head):
                out.append(" ".join(lines[at].split()))
                at += 1
                continue
            start = at
            head, at = _widest(head, lines, at)
            if at != start:  # a group row above the header: kept as a line of its own
                out.append(" ".join(lines[start].split()))
            names = [c for _, c in head]
            header = names
            if at == start and start > 0 and lines[start - 1].strip() and out:
                header = _joined_above(names, [m for m, _ in head], cells(lines[start - 1]))
            table, end = _rows(lines, at + 1, [m for m, _ in head])
            if not _is_table(table):
                if at != start:
                    out.pop()
                out += [" ".join(line.split()) for line in lines[start:end]]
                at = end
                continue
            if header != names:  # the line above was the header's first line
                out.pop()
            self._table(out, header, table, [m for m, _ in head], lines, end)
            found = True
            at = end
        return "\n".join(out) if found else None

    def _table(self, out: list[str], header: list[str], table: list[list[str]],
               middles: list[float], lines: list[str], end: int) -> None:
        """The table labelled into `out`; carried to the next page when only a footer ("Page
        1 of 4") or nothing follows it on this one."""
        rows = ["\t".join(header), *("\t".join(row) for row in table)]
        out.append(labelled("\n".join(rows), "\t", self.limit, quotes=False))
        rest = [line for line in lines[end:] if line.strip()]
        if len(rest) <= 2 and all(len(cells(line)) <= 2 for line in rest):
            self.carried = header, middles


def _goes_on(line: Cells, carried: tuple[list[str], list[float]]) -> bool:
    """A row of the table carried from the page before: two cells or more, a date or number
    among them, and no more cells than its header has."""
    return 2 <= len(line) <= len(carried[1]) and any(_FIGURES.search(c) for _, c in line)


def _shifted(middles: list[float], lines: list[str], at: int) -> list[float]:
    """The carried header's middles moved as this page is: pypdf trims each page's left
    margin to its own widest text, so the same columns can begin nine places further left.
    Measured on the first full row near the top (one value a column), else left as they
    were."""
    for line in lines[at:at + 10]:
        row = cells(line)
        if len(row) == len(middles):
            shift = sum(m - h for (m, _), h in zip(row, middles, strict=True)) / len(row)
            return [h + shift for h in middles]
    return middles


def _header(head: Cells) -> bool:
    """A header as a page prints one: two names or more, each a few words (a sentence with
    two spaces after its full stop has many)."""
    names = [c for _, c in head]
    return len(names) >= 2 and all(len(c) <= LABEL and c.count(" ") < 7 for c in names) and \
        _is_header(names)


def _widest(head: Cells, lines: list[str], at: int) -> tuple[Cells, int]:
    """The header itself when a group row sits above it ("Child | Parent / carer" over "Name |
    Date of birth | ... | Name | Phone"): the next line with text is a header with more
    names."""
    below = next((i for i in range(at + 1, min(at + 3, len(lines))) if lines[i].strip()), None)
    if below is not None and _header(under := cells(lines[below])) and len(under) > len(head):
        return under, below
    return head, at


def _joined_above(header: list[str], middles: list[float], above: Cells) -> list[str]:
    """A header wrapped upwards: "Date of" on the line above "birth". Each short piece with no
    figures goes before the name under it; a title or prose above is left alone."""
    if not above or any(len(c) > LABEL // 2 or _FIGURES.search(c) for _, c in above):
        return header
    joined = list(header)
    for middle, piece in above:
        k = _nearest(middles, middle)
        joined[k] = f"{piece} {joined[k]}"
    return joined


def _rows(lines: list[str], at: int, middles: list[float]) -> tuple[list[list[str]], int]:
    """The rows under a header, each value under the nearest header, until a line runs across
    the columns (a sentence), a wider header comes, or, after a blank line, a new header fills
    every column (a second table right under the first, or under a blank form's header) or,
    in a table whose rows have figures, no row with figures follows (the letter goes on)."""
    rows: list[list[str]] = []
    gap = middles[1] - middles[0]
    blank = None  # where the blank lines before this one began: the table ends there
    while at < len(lines):
        line = cells(lines[at])
        if not line:
            blank = at if blank is None else blank
            at += 1
            continue
        after_blank = blank is not None
        if len(line) == 1 and len(line[0][1]) > 2 * gap:
            break  # a sentence across the columns
        if len(line) >= len(middles) + 2 and not rows:
            break  # rows far wider than the "header": it was a running header, not theirs
        if len(line) > len(middles) and _header(line):
            # a wider header: what was taken for one was a running header ("Westshire
            # Council ... OFFICIAL - SENSITIVE") above the titles and the table
            return rows, at if blank is None else blank
        figures = any(_FIGURES.search(v) for row in rows for v in row)
        if after_blank and (figures or not rows) and len(line) == len(middles) and \
                _header(line) or after_blank and figures and not _figures_soon(lines, at):
            return rows, blank  # a second table, one under a blank form's, or prose
        row = [""] * len(middles)
        for middle, cell in line:
            k = _nearest(middles, middle)
            row[k] = f"{row[k]} {cell}".strip()
        rows.append(row)
        blank = None
        at += 1
    return rows, at if blank is None else blank  # blank lines after the table stay outside


def _figures_soon(lines: list[str], at: int) -> bool:
    """Whether a row with figures comes within the next three lines with text: a name alone,
    or the rest of a wrapped address, is followed by one; "Kind regards," is not."""
    ahead = [line for line in lines[at:at + 6] if line.strip()][:3]
    return any(_FIGURES.search(line) for line in ahead)


def _nearest(middles: list[float], middle: float) -> int:
    return min(range(len(middles)), key=lambda i: abs(middles[i] - middle))


def _is_table(rows: list[list[str]]) -> bool:
    """Rows with two values or more, of cells as short as a table's: two columns of prose (a
    newsletter's) have a "row" on every line, each cell half a sentence."""
    values = [v for row in rows for v in row if v]
    return any(sum(1 for v in row if v) >= 2 for row in rows) and \
        sum(map(len, values)) / len(values) <= LONG_CELLS
