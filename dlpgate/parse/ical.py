"""A calendar or contact file (iCalendar .ics, vCard .vcf) as its reader sees it.

Both are lines of `NAME;PARAM=...:value`, folded at 75 octets by starting the next line with
a space, wherever the fold falls: read as plain text, an invitation's description folded inside
an NHS number ("943 47" / " 6 5919") went out unfound. Outlook's vCard 2.1 ("Forward as
Business Card") writes a note in quoted-printable ("943=20476=205919"), its lines broken by a
trailing "=", not a space. Here each property is unfolded, decoded and unescaped, and read as
"Label: value" a line each (a birthday as "Birthday: 2015-03-12", which a date-of-birth
recognizer knows), without what is a program's own (its ids, stamps, time zones, rules) or a
photograph's base64.

An invitation can carry more than its lines of text. Outlook writes its description twice,
plain (DESCRIPTION) and as HTML (X-ALT-DESC), and a calendar that shows the HTML shows
what a sender edited there alone; a meeting request read only its plain description. The
HTML keeps what no calendar shows too (a comment, a link's tooltip), read by `html_hidden`. And a
file can travel inside it (ATTACH, base64, with its name in X-FILENAME): a referral
attached to a strategy meeting's invitation went out unread. `html_description` gives the
first and `files` the second, each file then read as an attached one.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

_FILES = (".ics", ".ical", ".ifb", ".vcs", ".vcf", ".vcard")
_TYPES = ("text/calendar", "text/vcard", "text/x-vcard", "text/directory", "application/ics",
          "text/x-vcalendar")
_BEGINS = re.compile(r"\A(?:\ufeff)?\s*BEGIN:(?:VCALENDAR|VCARD)\b", re.IGNORECASE)
_FOLD = re.compile(r"\r?\n[ \t]")
_LINE = re.compile(r"^([A-Za-z0-9-]+)((?:;[^:\n]*)?):(.*)$")
_ESCAPE = re.compile(r"\\([nN,;:\\])")
# the properties that are the program's, not what anyone wrote about someone
_NOISE = frozenset({
    "BEGIN", "END", "VERSION", "PRODID", "UID", "DTSTAMP", "SEQUENCE", "CREATED",
    "LAST-MODIFIED", "TRANSP", "STATUS", "CLASS", "PRIORITY", "METHOD", "CALSCALE", "TZID",
    "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "EXDATE", "RDATE", "DTSTART", "DTEND",
    "DUE", "DURATION", "TRIGGER", "ACTION", "REV", "PHOTO", "LOGO", "SOUND", "KEY",
    "RECURRENCE-ID", "X-WR-TIMEZONE", "X-ENTOURAGE_UUID"})
_NOISE_PREFIX = ("X-MICROSOFT-", "X-MS-OLK-", "X-ABUID", "X-APPLE-")
_LABELS = {"N": "Name", "FN": "Name", "BDAY": "Birthday", "ADR": "Address", "TEL": "Telephone",
           "X-ALT-DESC": "Description"}


def is_calendar(name: str, content_type: str, text: str) -> bool:
    """Whether a text file is a calendar or contact file: named or typed as one, and starting
    as one does."""
    return (name.lower().endswith(_FILES) or content_type.lower() in _TYPES) and \
        bool(_BEGINS.match(text))


def unfold(document: str) -> str:
    """The document with each folded line joined to the one it continues."""
    return _FOLD.sub("", document.replace("\r\n", "\n"))


def unescape(value: str) -> str:
    """A text value as written: "\\n" a new line, "\\," a comma, "\\\\" a backslash."""
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def text(document: str) -> str:
    """The file's properties as "Label: value" lines, unfolded, decoded and unescaped."""
    lines = unfold(document).split("\n")
    out: list[str] = []
    at = 0
    while at < len(lines):
        line, at = lines[at], at + 1
        found = _LINE.match(line)
        if found is None:
            continue
        name, written, value = found.group(1).upper(), found.group(2), found.group(3)
        params = written.upper()
        if "QUOTED-PRINTABLE" in params:  # vCard 2.1: a trailing "=" breaks its lines
            pieces = [value]
            while pieces[-1].endswith("=") and at < len(lines):
                pieces[-1] = pieces[-1][:-1]
                pieces.append(lines[at])
                at += 1
            value = "".join(pieces)
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                _charset(params), "replace")
        if name in _NOISE or name.startswith(_NOISE_PREFIX) or "BASE64" in params or \
                "ENCODING=B" in params:
            continue
        value = unescape(value)
        if name in ("N", "ADR"):  # parts by semicolons: "Reid;Amy;;;" is Amy Reid
            value = " ".join(p for p in reversed(value.split(";")[:2]) if p) if name == "N" \
                else ", ".join(p for p in value.split(";") if p.strip())
        elif "FMTTYPE=TEXT/HTML" in params:
            from dlpgate.parse.html import html_to_text

            value = html_to_text(value)
        if common := _COMMON_NAME.search(written):  # an attendee's name beside their address
            value = f"{common.group(1) or common.group(2)} <{value}>"
        if value := " ".join(value.split()):
            out.append(f"{_LABELS.get(name, name.capitalize())}: {value}")
    said = "\n".join(dict.fromkeys(out))  # a name given twice (N, FN) read once
    # what its HTML description hides, last, so what was found before keeps its place
    return "\n".join(t for t in (said, html_hidden(unfold(document), said)) if t)


_ALT = re.compile(r"^X-ALT-DESC((?:;[^:\n]*)?):(.*)$", re.MULTILINE | re.IGNORECASE)


def html_description(unfolded: str) -> str:
    """The text of an invitation's HTML descriptions (X-ALT-DESC;FMTTYPE=text/html), each as
    a calendar shows it, from the document `unfold` gave."""
    from dlpgate.parse.html import html_to_text

    return "\n".join(html_to_text(unescape(m.group(2))) for m in _ALT.finditer(unfolded)
                     if "TEXT/HTML" in m.group(1).upper())


def html_hidden(unfolded: str, shown: str) -> str:
    """What an invitation's HTML descriptions carry and never show (their comments, tooltips
    and fields, `html.unshown`) that the text `shown` lacks, a line each: Outlook writes its
    description twice, and a template's comment naming the child is in the HTML alone."""
    from dlpgate.parse.html import unshown

    return "\n".join(dict.fromkeys(
        line for m in _ALT.finditer(unfolded) if "TEXT/HTML" in m.group(1).upper()
        for line in unshown(unescape(m.group(2)), shown).splitlines()))


_ATTACH = re.compile(r"^ATTACH((?:;[^:\n]*)?):(.*)$", re.MULTILINE | re.IGNORECASE)
_FILENAME = re.compile(r';[A-Z-]*FILENAME=(?:"([^"]*)"|([^;:]*))', re.IGNORECASE)


def files(unfolded: str) -> tuple[list[tuple[str, bytes]], int]:
    """The files an invitation carries inline (ATTACH;ENCODING=BASE64;VALUE=BINARY), each
    with the name its writer gave (X-FILENAME, FILENAME; "attachment N" without one), from
    the document `unfold` gave; and how many could not be decoded. An ATTACH that is an
    address is a line of `text`, not a file."""
    found: list[tuple[str, bytes]] = []
    damaged = 0
    for m in _ATTACH.finditer(unfolded):
        params = m.group(1).upper()
        if "BASE64" not in params and "VALUE=BINARY" not in params:
            continue
        try:
            data = base64.b64decode(re.sub(r"\s+", "", m.group(2)), validate=True)
        except (binascii.Error, ValueError):
            damaged += 1
            continue
        named = _FILENAME.search(m.group(1))
        name = (named.group(1) or named.group(2)).strip() if named else ""
        name = name.replace("/", "_").replace("\\", "_") or f"attachment {len(found) + 1}"
        found.append((name, data))
    return found, damaged


_COMMON_NAME = re.compile(r';CN=(?:"([^"]*)"|([^;:]*))', re.IGNORECASE)


def _charset(params: str) -> str:
    """A quoted-printable value's charset, where Python has a codec for it (Windows-1252 if
    not: Outlook's own)."""
    import codecs

    found = re.search(r"CHARSET=([A-Z0-9_-]+)", params)
    try:
        return codecs.lookup(found.group(1)).name if found else "utf-8"
    except LookupError:
        return "cp1252"
