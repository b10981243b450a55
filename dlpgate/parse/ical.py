"""A calendar or contact file (iCalendar .ics, vCard .vcf) as its reader sees it.

Both are lines of `NAME;PARAM=...:value`, folded at 75 octets by starting the next line with
a space, wherever the fold falls: read as plain text, an invitation's description folded inside
an NHS number ("943 47" / " 6 5919") went out unfound. Outlook's vCard 2.1 ("Forward as
Business Card") writes a note in quoted-printable ("943=20476=205919"), its lines broken by a
trailing "=", not a space. Here each property is unfolded, decoded and unescaped, and read as
"Label: value" a line each (a birthday as "Birthday: 2015-03-12", which a date-of-birth
recognizer knows), without what is a program's own (its ids, stamps, time zones, rules) or a
photograph's base64.
"""

from __future__ import annotations

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
    return "\n".join(dict.fromkeys(out))  # a name given twice (N, FN) read once


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
