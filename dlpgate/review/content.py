"""What a reviewer sees of a held message's content: masked findings, then, with a reason, the text.

The quarantine keeps where each finding is (part, offsets), never its value. The
values are read again from the message's own bytes, parsed the same way as when
it was scanned, so the offsets still point at them. Before a reviewer gives a
reason, each value is shown masked ("9•• ••• ••19"); after, the text of the
body and attachments is shown with the findings marked.
"""

from __future__ import annotations

import email
import functools
import re
from dataclasses import dataclass

from dlpgate.config import Settings
from dlpgate.detect.summary import mask
from dlpgate.model import (
    BODY_PARTS,
    CALENDAR,
    FILE_NAMES,
    HTML_BODY,
    PARSER,
    in_body,
    is_body_picture,
)
from dlpgate.parse.mime import parse
from dlpgate.store.base import HeldMessage

PROBLEMS = ("UNSCANNABLE", "ENCRYPTED_ATTACHMENT", "MALFORMED_MIME")


@dataclass(frozen=True)
class Segment:
    text: str
    entity: str = ""  # empty: plain text between findings


# What each kind of finding is, in a reviewer's words, one of it and more than one; the name a
# policy uses follows it in brackets on the page, for whoever writes the rules
ENTITY_NAMES = {
    "PERSON": ("Name", "Names"), "EMAIL_ADDRESS": ("Email address", "Email addresses"),
    "PHONE_NUMBER": ("Telephone number", "Telephone numbers"),
    "UK_NHS": ("NHS number", "NHS numbers"),
    "UK_NINO": ("National Insurance number", "National Insurance numbers"),
    "UK_POSTCODE": ("Postcode", "Postcodes"),
    "UK_UPN": ("Unique pupil number", "Unique pupil numbers"),
    "UK_SORT_CODE": ("Sort code", "Sort codes"),
    "UK_BANK_ACCOUNT": ("Bank account number", "Bank account numbers"),
    "UK_PASSPORT": ("Passport number", "Passport numbers"),
    "UK_DRIVING_LICENCE": ("Driving licence number", "Driving licence numbers"),
    "IBAN_CODE": ("IBAN", "IBANs"),
    "CREDIT_CARD": ("Payment card number", "Payment card numbers"),
    "DATE_OF_BIRTH": ("Date of birth or age", "Dates of birth and ages"),
    "UK_CASE_REFERENCE": ("Case reference", "Case references"),
    "SPECIAL_CATEGORY": ("Special-category word (health, care, beliefs, crime...)",
                         "Special-category words (health, care, beliefs, crime...)"),
    "UNSCANNABLE": ("Could not be read",) * 2,
    "ENCRYPTED_ATTACHMENT": ("Password-protected or encrypted",) * 2,
    "MALFORMED_MIME": ("Damaged message structure",) * 2,
}


class Names(dict):
    """Each entity's name for more than one of it (`names.get(entity)`), and `of(entity, n)`:
    the name for `n` of it, so that one is "NHS number: 1", not "NHS numbers: 1"."""

    def __init__(self, names: dict[str, tuple[str, str]]):
        super().__init__((e, many) for e, (_, many) in names.items())
        self.one = {e: one for e, (one, _) in names.items()}

    def of(self, entity: str, n: int) -> str:
        return self.one.get(entity, entity) if n == 1 else self.get(entity, entity)


def entity_names(settings: Settings) -> Names:
    """Each entity's name for a reviewer, the council's own references by the names it gave
    them ("Mosaic case ID", one or more: a name a council chose is not made plural):
    "UK_CASE_REFERENCE" told a reviewer nothing of what was found."""
    names = dict(ENTITY_NAMES)
    own: dict[str, list[str]] = {}
    for ref in settings.detection.case_references:
        own.setdefault(ref.entity, []).append(ref.name)
    for entity, given in own.items():
        names[entity] = (", ".join(dict.fromkeys(given)),) * 2
    return Names(names)


def senders(item: HeldMessage) -> list[str]:
    """Who a held message is from: its envelope sender and its From and Sender addresses (a
    case system sends as noreply@ with the worker in From; a bounce-style <> sender has only
    the header)."""
    import email.parser
    import email.policy

    from dlpgate.history import getaddresses

    found = [item.mail_from]
    if item.raw:
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(item.raw)
        found += [a for _, a in getaddresses([str(v) for v in (head.get_all("From") or []) +
                                              (head.get_all("Sender") or [])])]
    return found


class Texts(dict):
    """Each part's text by its name, and `notes`: what the reading left unread without it
    being a problem (pictures past the message's OCR), which a reviewer weighing a release
    needs as much as the findings: the scan did not look there."""

    notes: tuple[str, ...] = ()


# the parse's notes name settings, for the operator who would change them (`scan --json`, the
# log); a reviewer deciding whether to release needs what it means for that decision
_PLAIN_NOTES = (
    (re.compile(r"(\d+) picture\(s\) inside attached documents not read: "),
     "{} picture(s) inside the attached documents were not read: the time the scan gives a "
     "message for reading pictures ran out before them. Open the documents and look at the "
     "pictures before you release it."),
    (re.compile(r"(\d+) small picture\(s\) not read \(logos"),
     "{} small picture(s) were not read: logos, or small cut-outs of a screen, left for the "
     "larger pictures or not readable. A cut-out of a case list can hold a name and a number: "
     "look at them if the message has any you have not seen."),
    (re.compile(r"(\d+) photograph\(s\) not read: a first look"),
     "{} photograph(s) were not read: a quick look found nothing like a line of text in them "
     "(a room, a wall, a garden). A photograph of a letter or a screen is read; look at them "
     "if the message might carry one the look missed."),
)


def plain_notes(notes: tuple[str, ...]) -> list[str]:
    """The parse's notes in words for a reviewer; one this table does not know, as written."""
    out = []
    for note in notes:
        for pattern, plain in _PLAIN_NOTES:
            if m := pattern.match(note):
                out.append(plain.format(m.group(1)))
                break
        else:
            out.append(note)
    return out


UNREAD_NOTE = ("The gateway did not read this message: scanning it failed again and again (the "
               "scan crashed or ran out of time), so none of its text or files were checked. "
               "Releasing it sends it as it is, unchecked.")


def part_texts(item: HeldMessage, settings: Settings) -> Texts:
    """Parsed with the scan's own limits, so the stored offsets match. A page reads them once
    and hands them to the views below (each parsed the message again: three times a reveal).

    A message held unread because its scan failed too often is not parsed: what killed
    the scan workers would kill this process. It has no text here, and says why (the app
    opens it for a reviewer in a process of its own: `review.unread`)."""
    if item.unread:
        texts = Texts()
        texts.notes = (UNREAD_NOTE,)
        return texts
    message = parse(item.raw, None, settings.scan.limits, settings.scan.ocr)
    texts = Texts((p.name, p.text) for p in message.parts)
    texts.notes = message.notes
    return texts


def findings_view(item: HeldMessage, settings: Settings,
                  texts: dict[str, str] | None = None) -> list[dict]:
    """Findings grouped by entity, each value masked; problems carry their explanation.

    Parts are named without their file names ("attachment 2 (.docx)"): a sender names a
    file after its subject ("Oliver-support-plan.pdf"), which the mask beside it hides.
    """
    texts = part_texts(item, settings) if texts is None else texts
    labels = _part_labels(item, texts)
    groups: dict[str, list[dict]] = {}
    values: dict[str, set[str]] = {}
    for f in item.findings:
        value = texts.get(f["part"], "")[f["start"]:f["end"]]
        if f["entity"] in PROBLEMS:  # "{part}: why", the part named as above (masked since
            # its name is, when found in it: `shown`)
            quoted = f.get("shown", f["part"])
            quoted = quoted if quoted in f["explanation"] else f["part"]
            shown = f["explanation"].replace(quoted, labels[f["part"]], 1)
        elif not _placed(f, item):
            shown = _EARLIER
        else:
            shown = mask(f["entity"], value)
        groups.setdefault(f["entity"], []).append({"part": labels[f["part"]], "shown": shown,
                                                   "score": f["score"]})
        values.setdefault(f["entity"], set()).add(" ".join(value.lower().split()) or shown)
    # how many different values, beside how many times found (the reasons count the first)
    return [{"entity": e, "items": v, "distinct": len(values[e])}
            for e, v in sorted(groups.items())]


def hidden_recipients(item: HeldMessage) -> set[str]:
    """The envelope recipients no To or Cc line shows (Bcc): who could see whom matters when
    judging an exposure."""
    import email.parser

    from dlpgate.history import header_addresses

    head = email.parser.BytesHeaderParser().parsebytes(item.raw)
    # by address as written, case aside: normalise() drops a +tag, and a Bcc'd jo+x@ was
    # not marked beside jo@ in To
    shown = {a.lower() for h in ("To", "Cc") for _, a in header_addresses(head, h)}
    return {r for r in item.rcpt_tos if r.lower() not in shown}


_EARLIER = ("(found by an earlier version, whose text of this part differs: give a reason to "
            "read it)")


_TABLE_TAG = re.compile(rb"<table", re.IGNORECASE)


# S/MIME signed data, as a message's headers show it (a pkcs7-mime part, a .p7m file)
_SIGNED_DATA = re.compile(rb"pkcs7-mime|\.p7m\b", re.IGNORECASE)
# winmail.dat, by its type, its name, or a base64 body starting with TNEF's signature
_TNEF = re.compile(rb"(?i:ms-tnef|winmail\.dat)|^eJ8\+I", re.MULTILINE)


def _placed(finding: dict, item: HeldMessage) -> bool:
    """Whether a finding's offsets point into the part as it is read now: a hold made before
    spreadsheets were read as "header: value" has them in other text. The subject is read as
    it was; so is the body, but for an HTML table in it (read as a sheet since PARSER 5).
    OCR (PARSER 6) added text to PDFs alone, where a scanned page's words come before the
    pages after it. Signed data read (PARSER 7) adds parts, and moves the attachment names'
    lines and can rename the files after it ("notes (2).txt"): a message whose headers show
    one keeps its subject and body only (one inside an archive is not seen here). So does
    one PARSER 8 reads more of (`_read_otherwise`), for the same reasons. A message with a
    winmail.dat, whose text, files' names and items PARSER 10 reads otherwise, keeps its
    subject and body only, as one with signed data does. A picture on a PDF's page of text
    is numbered since PARSER 11 among the small ones on its page (a logo now picture 1).
    PARSER 12 reads more of Office and OpenDocument files, after all the text they gave
    before: what 11 found is where it was. A legacy Word document (.doc) is read through its
    piece table since PARSER 13, a table's row on one line and its headers after its text:
    what was found in one, or in a file inside one, before then is not trusted
    (`_in_word_document`). RTF is read by the gateway's own reader since PARSER 14, what its
    fields' instructions hold with it (a hyperlink's address), and the objects embedded in a
    letter as files inside it (a packaged one's name among the files' names): a message that
    shows RTF (a letter, or winmail.dat, whose body is RTF) keeps its subject and body only,
    as one with signed data does, and so does a part called .rtf inside another file (one
    inside an archive under another name is not seen here). PARSER 15 adds the addresses of an
    Office file's links after all its text: what 14 found is where it was. PARSER 16 reads the
    file an OLE object wraps as a file inside it, where the object's text runs were read, and
    a calendar or contact file unfolded and labelled (`_read_otherwise_in_16`), and adds text
    only after what was read elsewhere. PARSER 17 reads a file's name sent as raw 8-bit as
    written, where each such byte was a replacement character: the file and the files' names
    of such a message are named and placed otherwise (`_renamed_in_17`). PARSER 18 reads the
    files an invitation carries, named among the files' names where they come: those lines
    moved in a message that shows a calendar (`_carries_invitation`); what 18 reads besides
    (an invitation's HTML description, an Outlook item's named properties, a PDF's earlier
    revisions, a date picker's date, a picture's metadata) comes after all a part's text, or
    is a part of its own, and a finding's offsets hold (zero-width characters are left out
    by the recognizers, not the reading).
    PARSER 19 reads on past a name libarchive gives as bytes (a CAB's, an old RAR's or a zip
    volume's in Windows' code page), which ended the archive: its files' names after it come
    among the files' names before those of the archives after it, in a message that shows
    a 7z, RAR, CAB, ISO or volume (`_LIBARCHIVE`); and it stops before a 7z's entry marked
    as a link that holds more than 64 KB, whose name and those after it are no longer read.
    PARSER 20 puts back the spaces Tesseract dropped between groups of digits ("807 302
    1579", read "807 3021579"), moving what comes after them in a picture's or scanned
    page's reading: a part that may hold one (`_may_hold_ocr`) is not trusted from before.
    PARSER 21 reads what the less visible places hold (an Outlook item's or an invitation's
    HTML comments and tooltips, Office links' tooltips, bookmarks and mail merge, an .xls
    sheet's page header and footer, RTF form fields' data) after all a part's text, but for
    an RTF body with more after it, a winmail.dat's or an Outlook item's (`_rtf_inside`).
    PARSER 22 stops before such a link in a 7z whose list of files is packed with PPMd or
    behind a filter too: the files' names of a message that shows a 7z (`_SEVEN_ZIP`) are
    not trusted from before. PARSER 23 reads what an HTML body, an attached message's or a
    saved page hides only where its text does not say it: lines after all that part's text
    are left out, and what came after them moved, in a message whose HTML hides something
    (`_hidden_unshown`); all else 23 reads comes after a part's text. PARSER 24 reads a
    picture's alt text in an HTML alternative whose plain twin lacks it, at the head of the
    HTML's lines (`_html_alt`). PARSER 25 reads an Office file's formulas' constants, its
    drawings' links' tooltips, a presentation's sections' names and a workbook's connections
    and Power Query formulas after all else the file gives: what 24 found is where it was.
    PARSER 26 reads a photograph of a page that read to next to nothing again with its light
    made even, its words after the first reading's and before the picture's metadata, which
    moved: a part that may be a photograph (`_photographed`) is not trusted from before.
    PARSER 27 reads an .xlsb's and an OpenDocument spreadsheet's formulas' constants after all
    else they give, an .xlsb's before its drawings' tooltips and queries, which moved: an
    .xlsb (`_FORMULAS_READ_IN_27`) is not trusted from before; an .ods only gained text after
    the last it had, and keeps its masks.

    PARSER 8 stood while much else changed (`_since_8`): a hold made under it is trusted in
    its subject, its body where that did not move, a meeting request, the files' names and a
    plain text file, not in a document, whose reading grew in every kind."""
    parser = finding.get("parser")
    part = finding["part"]
    if parser == PARSER or part == "subject":
        return True
    if _FORMULAS_READ_IN_27.search(part):
        return False  # its formulas' constants read since 27, before what moved
    if parser == 26:
        return True
    if _photographed(part):
        return False  # a page lit unevenly read again, its metadata after it moved, since 26
    if parser in (24, 25):  # 25 only added text after what was read
        return True
    if part == HTML_BODY and _html_alt(item.raw):
        return False  # a picture's alt text its plain twin lacks read at its head since 24
    if parser == 23:
        return True
    if _hidden_unshown(part, item.raw):
        return False  # what its HTML hides read only where its text does not say it since 23
    if parser == 22:
        return True
    if part == FILE_NAMES and _SEVEN_ZIP.search(item.raw):
        return False  # a 7z's names after a link its hand-packed list hid, unread since 22
    if parser == 21:
        return True
    if _rtf_inside(part, item.raw):
        return False  # its RTF form fields' data read in mid-part since 21
    if parser == 20:
        return True
    if _may_hold_ocr(part):
        return False  # its pictures' digits spaced where the page shows a space since 20
    if parser == 19:
        return True
    if part == FILE_NAMES and _LIBARCHIVE.search(item.raw):
        return False  # a name in a code page read since 19, and the archive's files after it
    if parser == 18:
        return True
    if part == FILE_NAMES and _carries_invitation(item.raw):
        return False  # the files an invitation carries are named among the others since 18
    if parser == 17:
        return True
    if _renamed_in_17(part, item.raw):
        return False  # a name of replacement characters before 17, its letters now
    if parser == 16:
        return True
    if _read_otherwise_in_16(part):
        return False  # its text runs, where 16 reads the file it wraps
    if _rtf_read(part, item.raw):
        return False  # read by another reader before PARSER 14
    if parser != 13 and _in_word_document(part, item.raw):
        return False  # read as Word shows it since PARSER 13, its text moved
    if _PDF_PICTURE.search(part) and parser in (8, 9, 10):
        return False  # numbered since PARSER 11 with the small pictures on its page
    if parser in (10, 11, 12, 13, 14, 15):  # 12, 15 and 16 only added text after what was
        # read; 13 moved .doc text, 14 RTF's, 16 an OLE object's (above)
        return True
    if parser == 9:
        return part in BODY_PARTS or not _TNEF.search(item.raw)
    if in_body(part) and _body_moved(part, item.raw):
        return False
    if parser in (5, 6, 7, 8) and _TNEF.search(item.raw):
        return part in BODY_PARTS
    if parser == 8:
        return _since_8(part, item.raw)
    if parser in (5, 6, 7):
        if part in BODY_PARTS:
            return True
        if _read_otherwise(item.raw) or not _since_8(part, item.raw):
            return False
        if parser == 7:
            return True
        if _SIGNED_DATA.search(item.raw):
            return False
        return parser == 6 or not part.lower().endswith(".pdf")
    return part == "body" and not _TABLE_TAG.search(item.raw)


# an archive libarchive reads, as a message's bytes show it: a 7z, RAR, CAB or disc image by
# its name or type, or one volume of a split archive
_LIBARCHIVE = re.compile(rb"\.(?:7z|rar|cab|iso|img|[rz]\d\d|\d{3})\b|7z-compressed|vnd\.rar"
                         rb"|x-rar|ms-cab-compressed|iso9660", re.IGNORECASE)


# a 7z, as a message's bytes show it: by its name or its type
_SEVEN_ZIP = re.compile(rb"\.7z\b|7z-compressed", re.IGNORECASE)


def _may_hold_ocr(part: str) -> bool:
    """Whether a part's text may hold what OCR read: a picture (attached, pasted, or inside
    a document or on a PDF's page, each a part of its own) or a PDF (its scanned pages)."""
    return is_body_picture(part) or bool(_OCR_PART.search(part))


def _photographed(part: str) -> bool:
    """Whether a part may be a photograph read by OCR: a JPEG or HEIC picture attached, or
    one pasted into the body or inside a document or on a PDF's page (named "picture 2",
    whatever its format). Not a PDF's scanned pages, a PNG, a GIF: the read again with its
    light made even (PARSER 26) is a JPEG photograph's alone."""
    return is_body_picture(part) or bool(_PHOTO_PART.search(part))


# an Excel binary workbook, by its name (an OpenDocument spreadsheet's formulas come last)
_FORMULAS_READ_IN_27 = re.compile(r"\.xlsb$", re.IGNORECASE)


_PHOTO_PART = re.compile(r"\.(?:jpe?g|jfif|hei[cf]|avif)$|picture \d+$", re.IGNORECASE)


# a part OCR reads, by its name: a picture's or a PDF's extension, or "picture 2" as a
# document's pictures and a PDF's page's are named
_OCR_PART = re.compile(r"\.(?:pdf|png|jpe?g|gif|bmp|tiff?|webp|hei[cf]|avif)$|picture \d+$",
                       re.IGNORECASE)


# a calendar, as a message's bytes show it: its type, a file's name, or its first line as it
# is or in base64
_CALENDAR = re.compile(rb"text/calendar|\.(?:ics|ical|ifb|vcs)\b|BEGIN:VCALENDAR"
                       rb"|QkVHSU46VkNBTEVOREFS", re.IGNORECASE)


def _carries_invitation(raw: bytes) -> bool:
    """Whether a message may hold an invitation whose carried files PARSER 18 names among the
    files' names, moving the lines after them."""
    return bool(_CALENDAR.search(raw))


# a file's name parameter sent as raw 8-bit bytes, not RFC 2231 or RFC 2047 encoded
_EIGHT_BIT_NAME = re.compile(rb"name\s*=\s*\"?[^\"\r\n;]*[\x80-\xff]", re.IGNORECASE)


def _renamed_in_17(part: str, raw: bytes) -> bool:
    """Whether a part is named, or its text placed, otherwise since PARSER 17: a file whose
    name came as raw 8-bit (read with replacement characters before), and the files' names of
    a message with such a file, whose lines after it moved."""
    return "\ufffd" in part or (part == FILE_NAMES and bool(_EIGHT_BIT_NAME.search(raw)))


# an object embedded in an Office file, as Office names it in its embeddings; a calendar or
# a contact file
_READ_OTHERWISE_IN_16 = re.compile(r"(?:^|/)oleObject\d*\.bin$|\.(?:ics|ical|ifb|vcs|vcf|vcard)$",
                                   re.IGNORECASE)


def _read_otherwise_in_16(part: str) -> bool:
    """Whether a part is one PARSER 16 reads otherwise: an embedded object, whose text runs
    were read where now the file it wraps is a part inside it; a calendar or contact file,
    read as text before and unfolded and labelled now (`parse.ical`)."""
    return bool(_READ_OTHERWISE_IN_16.search(part))


# a legacy Word document (or template) by its name, as a part or a part's container
_WORD_NAME = re.compile(r"\.do[ct](?:/|$)", re.IGNORECASE)
_OLE_FILE = re.compile(rb"^0M8R4KGxGuE", re.MULTILINE)  # a compound file's start, in base64


def _in_word_document(part: str, raw: bytes) -> bool:
    """Whether a part is a legacy Word document's text, or a file inside one: by its name, or,
    for a file whose name says no kind, by the message carrying a compound file (a .doc is
    read as one whatever it is called)."""
    if _WORD_NAME.search(part):
        return True
    if in_body(part) or part in (FILE_NAMES, CALENDAR):
        return False
    leaf = part.rpartition("/")[2]
    return "." not in leaf.strip(".") and bool(_OLE_FILE.search(raw))


# RTF, as a message's bytes show it: a file starting "{\rtf", as it is or in base64
_RTF = re.compile(rb"\{\\rtf|^e1xydGY", re.MULTILINE)


def _rtf_read(part: str, raw: bytes) -> bool:
    """Whether a part may hold RTF read otherwise before PARSER 14: any but the message's own
    text where the message shows RTF or winmail.dat, and a part called .rtf anywhere."""
    if in_body(part) or part == CALENDAR:
        return False
    return part.lower().endswith(".rtf") or bool(_RTF.search(raw) or _TNEF.search(raw))


def _rtf_inside(part: str, raw: bytes) -> bool:
    """Whether a part may hold an RTF body with text after it, whose form fields' data PARSER
    21 reads after the body and before that text: a winmail.dat's (its named properties
    follow) or an Outlook item's (its named properties and hidden places follow)."""
    return not in_body(part) and part != CALENDAR and bool(
        _TNEF.search(raw) or _OUTLOOK_ITEM.search(raw))


# What PARSER 8's years changed (until 2026-12-06), unmarked: an HTML body's pictures read
# (their alt text in its lines, `data:` ones as body pictures numbered with the others);
# Office files, PDFs, RTF letters and saved pages read for more, in places before text read
# before; an Outlook item's OLE objects named among the files
_PICTURE_TAG = re.compile(rb"<img\b", re.IGNORECASE)
_PDF_PICTURE = re.compile(r"\.pdf/page \d+ picture \d+$", re.IGNORECASE)
_DATA_ADDRESS = re.compile(rb"\bdata:[a-z]+/", re.IGNORECASE)
_PLAIN_PART = re.compile(rb"^content-type:[ \t]*text/plain", re.IGNORECASE | re.MULTILINE)
_OUTLOOK_ITEM = re.compile(rb"vnd\.ms-outlook|\.msg\b", re.IGNORECASE)
_UNMOVED = (".txt", ".csv", ".tsv", ".log", ".md", ".json", ".xml", ".ics", ".vcf")


def _body_moved(part: str, raw: bytes) -> bool:
    """Whether the body part a hold from before PARSER 9 found something in reads otherwise
    now: its HTML's lines with a picture's alt text among them, the body too where the HTML
    is all the text there is, and the body pictures numbered with `data:` ones."""
    if part == "body":
        return bool(_PICTURE_TAG.search(raw) and not _PLAIN_PART.search(raw))
    if part in BODY_PARTS:
        return bool(_PICTURE_TAG.search(raw))
    return bool(_DATA_ADDRESS.search(raw))


def _since_8(part: str, raw: bytes) -> bool:
    """Whether a part PARSER 8 read is read the same now (the body asked of `_body_moved`)."""
    if in_body(part) or part == CALENDAR:
        return True
    if _OUTLOOK_ITEM.search(raw):  # its objects' names now taken before the files after it
        return False
    return part == FILE_NAMES or part.lower().endswith(_UNMOVED)


# a part whose text may end with what an HTML page hides: the body's HTML lines, a saved page
# or an attached message, by its name (an attached message named without one: no extension)
_PAGE_PART = re.compile(r"\.(?:html?|xhtml|eml|mht)$", re.IGNORECASE)


def _hidden_unshown(part: str, raw: bytes) -> bool:
    """Whether a part may hold what an HTML page hides, which PARSER 23 reads only where the
    page's text does not say it, in a message whose HTML hides something (`_html_hides`)."""
    if part != HTML_BODY and (in_body(part) or part in (CALENDAR, FILE_NAMES)):
        return False
    leaf = part.rpartition("/")[2]
    return (part == HTML_BODY or bool(_PAGE_PART.search(leaf)) or "." not in leaf.strip(".")) \
        and _html_hides(raw)


def _html_hides(raw: bytes) -> bool:
    """Whether an HTML part of the message, or a page attached, has a comment, a tooltip or
    a field (`html.hides`); one inside an archive or a document is not seen here."""
    from dlpgate.parse.html import hides

    return _html_where(raw, hides)


def _html_alt(raw: bytes) -> bool:
    """Whether an HTML part of the message, or a page attached, gives a picture alt text."""
    return _html_where(raw, _gives_alt)


def _gives_alt(html: str) -> bool:  # one function, so `_html_where`'s cache knows it again
    from dlpgate.parse.mime import pictures_alt

    return bool(pictures_alt(html))


@functools.lru_cache(maxsize=16)  # asked once a finding; the bytes keep their hash
def _html_where(raw: bytes, holds) -> bool:
    """Whether `holds` is true of the markup of an HTML part of the message or a page
    attached, decoded; a message the parser chokes on: yes, it may have moved."""
    from dlpgate.parse.decode import decode_text

    try:
        for p in email.message_from_bytes(raw).walk():
            name = (p.get_filename() or "").lower()
            if p.get_content_type() == "text/html" or name.endswith((".htm", ".html")):
                data = p.get_payload(decode=True)
                if isinstance(data, bytes) and holds(decode_text(data)):
                    return True
    except Exception:
        return True
    return False


@functools.lru_cache(maxsize=8)  # asked once a finding; the bytes keep their hash
def _read_otherwise(raw: bytes) -> bool:
    """Whether PARSER 8 reads the message's parts otherwise than 7: an alternative holding
    more than its text renderings (Apple Mail's files inside the HTML one), or a picture in
    the body (Outlook's named ones were files, numbered among the unnamed)."""
    try:
        for p in email.message_from_bytes(raw).walk():
            kids = p.get_payload() if p.is_multipart() else []
            if p.get_content_type() == "multipart/alternative" and any(
                    c.get_content_maintype() != "text" for c in kids):
                return True
            if p.get_content_maintype() == "image" and not str(
                    p.get("Content-Disposition", "")).lower().startswith("attachment"):
                return True  # any inline picture, whatever its parent: enough to say
    except Exception:  # a message the parser chokes on: say it may have moved
        return True
    return False


def reasons_view(item: HeldMessage, settings: Settings,
                 texts: dict[str, str] | None = None) -> list[str]:
    """The hold's reasons with attachments named as `findings_view` names them: by the name
    the reasons quote, in full (a hold made before names were masked) or as shown."""
    labels = _part_labels(item, part_texts(item, settings) if texts is None else texts)
    labels |= {f["shown"]: labels[f["part"]] for f in item.findings if f.get("shown")}
    return _renamed(item.reasons, labels)


def decided_by(item: HeldMessage, reasons: list[str]) -> tuple[list[str], list[str]]:
    """The hold's reasons as shown (`reasons`, one for each of `item.reasons`, in order),
    split into those a rule whose action was taken gave and those only rules asking for
    less gave: a reviewer read six reasons, five of them rules asking the sender to confirm
    or only to log, with nothing to say which one held the message. Matched by text, for
    the decision keeps a reason two rules gave once (a lookalike domain is `log` in one rule
    and `hold` in another): counted by place, the two lists fell out of step and the page
    showed them as one. A hold whose reasons its matches do not account for (one made before
    they were kept) keeps them as one list."""
    given = {r for m in item.counted_matches() for r in m.get("reasons", ())}
    if not given or len(reasons) != len(item.reasons) or not set(item.reasons) <= given:
        return list(reasons), []
    held = {r for m in item.taken_matches() for r in m.get("reasons", ())}
    taken = [shown for shown, said in zip(reasons, item.reasons, strict=True) if said in held]
    less = [shown for shown, said in zip(reasons, item.reasons, strict=True)
            if said not in held]
    return (taken, less) if taken else (list(reasons), [])


def deciding_rules(item: HeldMessage) -> tuple[list[str], list[str]]:
    """The hold's rules split as `decided_by` splits its reasons: those whose action was
    taken, then the rest. The queue and the page's heading named all of them, thirteen on
    a child-protection report sent to the wrong Sarah, the four that held it among nine
    asking to confirm or only to log. A hold made before its matches were kept, or whose
    taken action no counted match asked for, keeps one list."""
    taken = list(dict.fromkeys(m.get("rule", "") for m in item.taken_matches()))
    if not taken or not set(taken) <= set(item.rules):
        return list(item.rules), []
    return taken, [r for r in item.rules if r not in taken]


def revealed_reasons(item: HeldMessage) -> list[str]:
    """The hold's reasons with the file names they quote in full, for a reviewer who gave a
    reason: they are stored with the values found in a file's name masked (`shown`)."""
    return _renamed(item.reasons, {f["shown"]: f["part"] for f in item.findings
                                   if f.get("shown")})


def _renamed(reasons: tuple[str, ...], labels: dict[str, str]) -> list[str]:
    """`reasons` with each part they name ("{part}: why") as `labels` names it."""
    out = []
    names = sorted((n for n in labels if labels[n] != n), key=len, reverse=True)
    # where a reason names a part ("{part}: why", as a problem's explanation reads), not
    # wherever its letters occur: a file called "to" is not every "to" in the sentence
    pattern = re.compile("|".join(rf"(?<![\w.]){re.escape(n)}(?=: )" for n in names)) \
        if names else None
    for reason in reasons:
        out.append(pattern.sub(lambda m: labels[m.group(0)], reason) if pattern else reason)
    return out


def _part_labels(item: HeldMessage, texts: dict[str, str]) -> dict[str, str]:
    """subject and body (and the parts the parser names, a pasted picture's "body picture 2"
    among them) as they are; every file by its place
    and its kind: "attachment 2 (.docx)", and a file inside another by both places,
    "attachment 1.2 (.docx)" for the second file in winmail.dat or an archive (numbered as
    if each stood alone, the findings' "attachment 2" was a file inside the first)."""
    labels: dict[str, str] = {}
    top: dict[str, int] = {}  # a top-level file's name -> its number
    inner: dict[str, int] = {}  # how many files inside it were numbered
    for name in dict.fromkeys([*texts, *(f["part"] for f in item.findings)]):
        if name in ("subject", FILE_NAMES, CALENDAR) or in_body(name):
            labels[name] = name
            continue
        outer, slash, _ = name.partition("/")
        number = top.setdefault(outer, len(top) + 1)
        if slash:
            inner[outer] = inner.get(outer, 0) + 1
            place = f"{number}.{inner[outer]}"
        else:
            place = str(number)
        leaf = name.rpartition("/")[2]
        ext = leaf.rpartition(".")[2].lower() if "." in leaf else ""
        kind = f" (.{ext})" if ext.isalnum() and len(ext) <= 5 else ""
        labels[name] = f"attachment {place}{kind}"
    return labels


def revealed_parts(item: HeldMessage, settings: Settings,
                   texts: dict[str, str] | None = None) -> list[dict]:
    """Each part's text cut into segments, findings marked. Escaping is the template's job."""
    texts = part_texts(item, settings) if texts is None else texts
    by_part: dict[str, list[dict]] = {}
    for f in item.findings:
        if f["entity"] not in PROBLEMS and f["end"] > f["start"] and _placed(f, item):
            by_part.setdefault(f["part"], []).append(f)
    out = []
    labels = _part_labels(item, texts)
    for name, text in texts.items():
        segments: list[Segment] = []
        pos = 0
        for f in sorted(by_part.get(name, []), key=lambda f: (f["start"], -f["end"])):
            if f["start"] < pos:  # overlaps one already marked
                continue
            segments.append(Segment(text[pos:f["start"]]))
            segments.append(Segment(text[f["start"]:f["end"]], f["entity"]))
            pos = f["end"]
        segments.append(Segment(text[pos:]))
        # the label the findings above use, beside the part's own name now it may be read
        shown = name if labels[name] == name else f"{labels[name]}: {name}"
        out.append({"name": name, "label": shown, "segments": segments})
    return out
