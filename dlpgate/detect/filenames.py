"""File names as they may be shown: the personal data found in them masked, as values are.

A sender names a file after its person ("Amy Reid NHS 943 476 5919 DOB 12-03-2015.zip"), and
the name goes wherever the file is spoken of: a problem's explanation ("...zip: password-
protected ZIP archive"), the decision's reasons, a finding's part. The names are read as text
(the `attachment names` part, a line a file), so what is in them is found like anything else;
here each value found in a name is replaced by `mask(entity, value)`, the form findings' values
take wherever they are shown to someone who has not given a reason. A name with nothing found
in it stays as it is: most are harmless, and "minutes.docx" is what a reader needs.

The masked name is made once, beside the findings it comes from (as a recipient signal's
masked explanation is made beside its full one), and carried in the evidence: `Evidence.names`
(part -> name as shown) and each problem finding's `explanation` masked with `revealed` in
full. The part name itself stays the key that findings point into, policies match and the
review app links by; only the text shown to a person changes.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable

from dlpgate.detect.summary import mask
from dlpgate.model import FILE_NAMES, PROBLEM_KINDS, Evidence, Finding, Message, name_line

PROBLEMS = tuple(k.upper().replace("-", "_") for k in PROBLEM_KINDS)
# A term is shown as it is (`mask` keeps it: it names a condition, not a person), so a span
# it shares with a name or a number is masked as the other's.
_UNMASKED = ("SPECIAL_CATEGORY",)

Span = tuple[str, int, int]  # (entity, start, end)


def masked_names(names: Iterable[str], listed: str, found: Iterable[Span]) -> dict[str, str]:
    """{name: the name as shown} for each of `names` (part names, `a.zip/b.docx`) that has
    something found in it; names with nothing found are left out.

    `listed` is the `attachment names` text (a `name_line` a file) and `found` the (entity,
    start, end) of the findings in it. Each path component is a file with its own line, so
    an archive named after its person is masked where its member is named too.
    """
    lines = listed.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    by_line: dict[str, list[Span]] = {}
    for entity, start, end in found:
        i = bisect.bisect_right(starts, start) - 1
        # clipped to its line: a span NER ran over a line's end masks each line's share
        while 0 <= i < len(lines) and starts[i] < end:
            s, e = max(start, starts[i]), min(end, starts[i] + len(lines[i]))
            if e > s:
                by_line.setdefault(lines[i], []).append((entity, s - starts[i], e - starts[i]))
            i += 1
    out: dict[str, str] = {}
    if not by_line:
        return out
    for name in names:
        shown = "/".join(_masked_leaf(c, by_line.get(name_line(c), ())) for c in name.split("/"))
        if shown != name:
            out[name] = shown
    return out


def _masked_leaf(leaf: str, spans: Iterable[Span]) -> str:
    """`leaf` with each span of its line masked in place: spans are offsets in its
    `name_line`, mapped back to the characters of the name as sent (underscores kept where
    the mask keeps the value's length, so "Amy_Reid" reads "A••_R•••")."""
    merged = _merged(spans)
    if not merged:
        return leaf
    line, where = _line_of(leaf)
    out = leaf
    for entity, start, end in reversed(merged):
        a, b = where[start], where[end - 1] + 1
        original = leaf[a:b]
        masked = mask(entity, line[start:end])
        if len(masked) == len(original):
            masked = "".join("_" if o == "_" and m == " " else m
                             for o, m in zip(original, masked, strict=True))
        out = out[:a] + masked + out[b:]
    return out


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans as one (a PERSON inside a DATE_OF_BIRTH's context, two detectors on
    one number): masking each in turn would leave one's end beside the other's mask."""
    out: list[Span] = []
    for entity, start, end in sorted(spans, key=lambda s: (s[1], -s[2])):
        if out and start < out[-1][2]:
            kept, s0, e0 = out[-1]
            out[-1] = (entity if kept in _UNMASKED else kept, s0, max(e0, end))
        else:
            out.append((entity, start, end))
    return out


def _line_of(leaf: str) -> tuple[str, list[int]]:
    """`name_line(leaf)` and, for each of its characters, where it stands in `leaf`."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(leaf):
        if c == "_" or c.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(i)
            continue
        chars.append(c)
        where.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def shown(message: Message, evidence: Evidence) -> Evidence:
    """The evidence with every file name that holds personal data masked where it is shown:
    `names` for outputs that name parts, and each problem finding's `explanation` (which
    quotes its part) masked, its `revealed` in full. Made again from the full explanations
    each time, so it may be called after more findings (NER's) arrive."""
    listed = next((p.text for p in message.parts if p.name == FILE_NAMES), "")
    found = [(f.entity, f.start, f.end) for f in evidence.findings
             if f.part == FILE_NAMES and f.entity not in PROBLEMS and f.end > f.start]
    parts = dict.fromkeys([*(f.part for f in evidence.findings),
                           *(a.name for a in message.attachments)])
    masked = masked_names(parts, listed, found)
    findings = tuple(_explained(f, masked) for f in evidence.findings)
    return dataclasses.replace(evidence, findings=findings, names=tuple(masked.items()))


def _explained(f: Finding, masked: dict[str, str]) -> Finding:
    """A problem's explanation ("{part}: why") with its part as shown."""
    if f.entity not in PROBLEMS:
        return f
    full = f.revealed or f.explanation
    if f.part not in masked or f.part not in full:
        return dataclasses.replace(f, explanation=full, revealed="") if f.revealed else f
    return dataclasses.replace(f, explanation=full.replace(f.part, masked[f.part]),
                               revealed=full)
