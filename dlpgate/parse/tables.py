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
TITLE_ROWS = 8  # rows above a header (a title, a letterhead, a date printed) looked past


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
    if _is_form(header, lines[at + 1:], delimiter, quoting):
        return text
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
            return _under_group(lines, at, sep, cells, quoting)
        widest = max(widest, len([c for c in cells if c]))
    return None


def _under_group(lines: list[str], at: int, sep: str, cells: list[str],
                 quoting: int) -> tuple[int, str, list[str]]:
    """The header itself when the row found is a group row above it ("Child", "Parent/carer"
    over "Name, Date of birth, NHS number, Name, Phone"): the next row is a header naming more
    columns. Read as data, the real header's words left every date unlabelled."""
    below = next((i for i in range(at + 1, min(at + 3, len(lines) - 1))
                  if lines[i].strip(_DELIMITERS + " ")), None)
    if below is not None:
        try:
            under = [c.strip() for c in next(csv.reader([lines[below]], delimiter=sep,
                                                         quoting=quoting))]
        except (csv.Error, StopIteration):
            return at, sep, cells
        if _is_header(under) and sum(1 for c in under if c) > sum(1 for c in cells if c):
            return below, sep, under
    return at, sep, cells


def tabular(text: str) -> bool:
    """A table whatever its name says: Excel's "Unicode Text" save (.txt), a case system's
    export called `export`. Its first three lines have the same number of one delimiter, which
    prose almost never has: a tab, or two or more of the others (a comma a line is prose's)."""
    lines = [line for line in text[:20000].splitlines()[:10] if line.strip()][:3]
    if len(lines) < 3:
        return False
    return any(len({line.count(d) for line in lines}) == 1 and
               lines[0].count(d) >= (1 if d == "\t" else 2) for d in _DELIMITERS)


def _delimiter(first: str) -> str | None:
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] >= 1 else None


# Words a form's labels are made of ("Child's name", "Date of birth:", "NHS number", "Invoice
# number"), which a table's first column of data (names, references) does not hold.
_FORM_WORDS = frozenset("""name names surname forename forenames date birth dob d.o.b nhs number
no no. address postcode gender sex ethnicity school phone mobile telephone tel email e-mail ref
reference age gp parent carer child child's customer invoice project purchase order session
form id upn nino insurance""".split())
FORM_ROWS = 10  # rows under a "header" looked at to tell a form from a table


def _is_form(header: list[str], rows: list[str], delimiter: str, quoting: int) -> bool:
    """A form laid out as a table, its labels down the first column ("Child's name | Jayden
    Smith", then "Date of birth | 04/05/2016"): no header row at all. Labelled as a table, the
    child's name became the label of every value and "Date of birth" a value beside it, and
    the referral was allowed."""
    firsts = [header[0] if header else ""]
    try:
        for row in csv.reader([r for r in rows if r.strip(_DELIMITERS + " ")][:FORM_ROWS],
                              delimiter=delimiter, quoting=quoting):
            firsts.append(row[0] if row else "")
    except csv.Error:
        return False
    labels = sum(1 for cell in firsts if _is_label(cell))
    if labels == len(firsts) >= 2 or len(firsts) >= 3 and labels * 2 >= len(firsts):
        return True
    return _mixed_pairs(header, rows[:FORM_ROWS * 2], delimiter, quoting)


def _mixed_pairs(header: list[str], rows: list[str], delimiter: str, quoting: int) -> bool:
    """Two columns whose second holds values of different kinds, some with figures and some
    without (a venue, a date, a time): label and value pairs ("Event | King's Birthday
    Honours reception", "Date | 20/06/2025"), where a table's column holds one kind."""
    if len([c for c in header if c.strip()]) != 2:
        return False
    try:
        pairs = [[c for c in row if c.strip()] for row in csv.reader(
            [r for r in rows if r.strip(_DELIMITERS + " ")], delimiter=delimiter,
            quoting=quoting)]
    except csv.Error:
        return False
    if len(pairs) < 2 or any(len(p) > 2 for p in pairs):
        return False
    seconds = [p[1] for p in pairs if len(p) == 2]
    with_figures = sum(1 for v in seconds if any(ch.isdigit() for ch in v))
    return 0 < with_figures < len(seconds)


def _is_label(cell: str) -> bool:
    """A form's label: it ends with a colon, or it is a few words, one of them a label's."""
    cell = cell.strip()
    if cell.endswith(":"):
        return True
    words = cell.lower().replace("'s", "").split()
    return 0 < len(words) <= 4 and any(w.strip("():*") in _FORM_WORDS for w in words) and \
        not any(ch.isdigit() for ch in cell)


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
