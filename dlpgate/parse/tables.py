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

_DIGITS = re.compile(r"\d{4,}")
_LETTER = re.compile(r"[^\W\d_]")
_DELIMITERS = ",;\t|"


LABEL = 40  # characters of a header kept as a label: "Date of birth", not a paragraph


def labelled(text: str, delimiter: str | None = None, limit: int = 5 * 1024 * 1024) -> str:
    """`text` with each row after a header row as "header: value; ..."; unchanged when its
    first row is no header (numbers in it, or fewer than two named columns).

    Labelling stops just past `limit` (the scan's max_text), so the caller's cut says how much
    was scanned: a sheet of 45,000 children read unlabelled because it was too big once
    labelled had no date of birth found in it, and two 60 KB headers over rows of "1,2" would
    make 6 GB of text."""
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    delimiter = delimiter or _delimiter(lines[0])
    if delimiter is None:
        return text
    rows = csv.reader(lines, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(rows)]
    except (csv.Error, StopIteration):
        return text
    if not _is_header(header):
        return text
    header = [" ".join(h.split())[:LABEL] for h in header]
    out = [lines[0]]
    size = len(lines[0])
    try:
        for row in rows:
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


def _delimiter(first: str) -> str | None:
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] >= 1 else None


def _is_header(cells: list[str]) -> bool:
    named = [c for c in cells if c and _LETTER.search(c)]
    return len(named) >= 2 and len(named) * 2 >= len([c for c in cells if c]) and not any(
        _DIGITS.search(c) for c in cells)

