"""Office, Outlook and RTF files -> parts: a legacy .doc or .xls, a .msg and the items
attached to it, winmail.dat, an RTF letter, and the files and objects embedded in each, read
through `attachments.extract` a level deeper.

office.py, doc.py, xls.py, outlook.py, tnef.py, rtf.py and ole1.py read the formats; this
module turns what they found into parts and problems within the message's budget. OOXML and
ODF documents are zips: zips.py reads them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from dlpgate.config import Limits
from dlpgate.model import Attachment, Problem, TextPart
from dlpgate.parse import attachments, doc, ical, ocr, office, ole1, outlook, rtf, tnef, xls
from dlpgate.parse.budget import Budget, Item, NestedParser, _cut
from dlpgate.parse.decode import decode_text
from dlpgate.parse.pictures import shown_picture


def read_rtf(name: str, document: str, depth: int, budget: Budget,
         nested: NestedParser) -> Iterator[Item]:
    """An RTF letter's text, its pictures by OCR as any document's (`letter.rtf/picture 1`),
    and the objects embedded in it."""
    yield from _cut(rtf.text(document), name, budget.limits)
    for n, picture in enumerate(rtf.pictures(document), 1):
        if ocr.readable(picture):
            yield from shown_picture(budget.inside(f"{name}/picture {n}"), picture, budget)
    yield from _rtf_objects(name, document, depth, budget, nested)


def packaged(data: bytes, budget: Budget) -> ole1.Embedded | None:
    """The file an OLE object's compound file wraps (`outlook.wrapped`): a file dropped into a
    Word document or a workbook (Object Packager's, oleObject1.bin in its embeddings), or an
    Office or PDF file kept whole; None for any other compound file (a .doc, an .xls), or a
    damaged one, read as before."""
    try:
        found = outlook.wrapped(data, max(0, budget.limits.max_expanded - budget.expanded))
    except outlook.OutlookError:
        return None
    return ole1.Embedded(*found) if found is not None else None


def read_object(name: str, found: ole1.Embedded, depth: int, budget: Budget,
            nested: NestedParser, unnamed: str = "object") -> Iterator[Item]:
    """The file an embedded object holds, read as an attached file is, a level deeper and
    within the message's parts and bytes: by the name its packager gave it, read with the
    files' names (`letter.docx/oleObject1.bin/Referral.docx`), else as `name/unnamed`. Read
    as a compound file's text runs, a .docx dropped into a letter was compressed bytes, and
    went out unread (PARSER 16)."""
    if depth >= budget.limits.max_depth:
        yield Problem("unscannable", name, f"files nested deeper than {budget.limits.max_depth}")
        return
    budget.take_part()
    budget.take_bytes(len(found.data))
    inner = budget.unique(f"{name}/{found.label}") if found.label else \
        budget.inside(f"{name}/{unnamed}")
    yield from attachments.extract(inner, "", found.data, depth + 1, budget, nested)


def _rtf_objects(name: str, document: str, depth: int, budget: Budget,
                 nested: NestedParser) -> Iterator[Item]:
    """The files of the objects embedded in an RTF letter, each read as an attached file is,
    a level deeper, within the message's parts and bytes: `letter.rtf/object 1`, numbered
    as its pictures are, or a packaged file by the name its packager gave it, read with the
    files' names as a file inside an Outlook item is. A workbook pasted into a letter went
    out unread. A linked object's data is a file elsewhere: nothing to read here."""
    limits = budget.limits
    for n, written in enumerate(rtf.objects(document), 1):
        if depth >= limits.max_depth:
            yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
            return
        if not (data := rtf.hex_bytes(written)):
            continue  # no data written: a letter cut short, or a placeholder
        try:
            found = ole1.embedded(data, max(0, limits.max_expanded - budget.expanded))
        except ole1.Ole1Error as exc:
            yield Problem("unscannable", budget.inside(f"{name}/object {n}"),
                          f"damaged embedded object ({exc})")
            continue
        if found is not None:
            yield from read_object(name, found, depth, budget, nested, f"object {n}")


def read_workbook(name: str, data: bytes, limits: Limits, xml: bool = False) -> Iterator[Item]:
    """A legacy .xls cell by cell (`xls.text`), or its XML Spreadsheet 2003 save; nothing when
    it turns out to be no workbook, and its text runs (its text), said to be a partial
    reading, when it is damaged."""
    try:
        text = xls.spreadsheetml_text(data, limits.max_text) if xml else \
            xls.text(data, limits.max_text)
    except xls.NotWorkbook:
        return
    except xls.Encrypted as exc:
        yield Problem("encrypted-attachment", name, str(exc))
        return
    except xls.XlsError as exc:
        yield Problem("unscannable", name, f"{exc}: read as text runs only")
        text = decode_text(data) if xml else office.ole_text(data)
    except xls.TooManyCells as cut:
        yield Problem("unscannable", name, f"the workbook's sheets pass {xls.MAX_CELLS} cells "
                      "together: the sheets from there on not scanned")
        text = cut.text
    except office.TextCut as cut:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters "
                      "scanned")
        text = cut.text
    yield from _cut(text, name, limits)


def read_legacy(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """A legacy workbook cell by cell, or a Word document as Word shows it; nothing when it
    is neither or cannot be read so, and its text runs are read instead."""
    if xls.is_workbook(data) and (found := list(read_workbook(name, data, limits))):
        yield from found
    elif doc.is_document(data):
        yield from _document(name, data, limits)


def _document(name: str, data: bytes, limits: Limits) -> Iterator[Item]:
    """A legacy Word document as Word shows it (`doc.text`); nothing when it cannot be read
    so (damaged, older than Word 97, or nothing in it), and its text runs are read as before."""
    try:
        text = doc.text(data, limits.max_text)
    except doc.Encrypted as exc:
        yield Problem("encrypted-attachment", name, str(exc))
        return
    except doc.DocError:
        return
    except office.TextCut as cut:
        yield Problem("unscannable", name, f"only the first {limits.max_text} characters "
                      "scanned")
        text = cut.text
    yield from _cut(text, name, limits)


def read_outlook(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    """A .msg: its subject and body, and each file attached to it read as an attachment of
    its own. A damaged one is read as its text runs, as any legacy Office file is."""
    limits = budget.limits
    try:
        item = outlook.read(data, max(0, limits.max_expanded - budget.expanded))
    except outlook.OutlookError as exc:
        yield Problem("unscannable", name, str(exc))
        yield from _cut(office.ole_text(data), name, limits)
        return
    if not (item.text or item.files or item.items or item.named or item.hidden):
        yield Problem("unscannable", name, "Outlook item with nothing readable in it")  # cut
    for detail in item.damage:
        yield Problem("unscannable", name, f"Outlook item: {detail}")
    # its named properties (an appointment's location) after all it gave before, in place,
    # and what its HTML body hides after those (PARSER 21)
    yield from _cut(_joined(item.text or office.ole_text(data), item.named, item.hidden), name,
                    limits)
    yield from _item_parts(name, item, depth, budget, nested)


def _item_parts(name: str, item: outlook.Item, depth: int, budget: Budget,
                nested: NestedParser) -> Iterator[Item]:
    """The files of an Outlook item, and the items attached to it with theirs: a forwarded
    message inside the forwarded one was passed over without a trace."""
    yield from files_inside(name, item.files, depth, budget, nested)
    for title, runs in item.objects:  # an OLE object of no kind read whole: its text runs
        budget.take_part()
        label = budget.unique(f"{name}/{title}")
        yield Attachment(name=label, content_type="application/octet-stream", size=0,
                         depth=depth + 1)
        yield from _cut(runs, label, budget.limits)
    for title, inner in item.items:
        budget.take_part()
        label = budget.unique(f"{name}/{title}")
        yield Attachment(name=label, content_type="application/vnd.ms-outlook", size=0,
                         depth=depth + 1)
        yield from (Problem("unscannable", label, f"Outlook item: {d}") for d in inner.damage)
        yield from _cut(_joined(inner.text, inner.named, inner.hidden), label, budget.limits)
        yield from _item_parts(label, inner, depth + 1, budget, nested)


def _joined(*texts: str) -> str:
    return "\n".join(t for t in texts if t)


def files_inside(name: str, files: list[tuple[str, bytes]], depth: int, budget: Budget,
                 nested: NestedParser) -> Iterator[Item]:
    """Files a wrapper carries (winmail.dat, a .msg, an invitation), each read as an
    attachment."""
    limits = budget.limits
    if files and depth >= limits.max_depth:
        yield Problem("unscannable", name, f"files nested deeper than {limits.max_depth}")
        return
    for title, payload in files:
        budget.take_part()
        budget.take_bytes(len(payload))
        inner = budget.unique(f"{name}/{title}")
        yield from attachments.extract(inner, "", payload, depth + 1, budget, nested)


def carried(name: str, unfolded: str, depth: int, budget: Budget,
            nested: NestedParser) -> Iterator[Item]:
    """The files an invitation carries inside it (`ical.files`), read as attached ones, each
    under the invitation's name ("invite.ics/referral.pdf"); one that cannot be decoded is
    unscannable."""
    files, damaged = ical.files(unfolded)
    if damaged:
        yield Problem("unscannable", name, f"{damaged} file(s) inside the invitation could "
                      "not be decoded (damaged base64)")
    yield from files_inside(name, files, depth, budget, nested)


def read_tnef(
    name: str, data: bytes, depth: int, budget: Budget, nested: NestedParser
) -> Iterator[Item]:
    """winmail.dat: its text, the pictures its rich-text body shows, and each file inside read
    as an attachment of its own. An Outlook item attached to it is a TNEF stream of its own,
    read through `extract` as any file inside is, a level deeper: the message's depth, part
    and byte limits hold however deep items nest."""
    limits = budget.limits
    try:
        contents = tnef.read(data, max(0, limits.max_expanded - budget.expanded))
    except tnef.TnefError as exc:
        yield Problem("unscannable", name, f"Outlook rich-text wrapper: {exc}")
        return
    budget.take_bytes(contents.expanded)
    for detail in contents.damage:
        yield Problem("unscannable", name, f"Outlook rich-text wrapper: {detail}")
    # its named properties after all else it says (a hold made before keeps its offsets),
    # then what its HTML hides and its attachments' properties say (PARSER 23)
    text = _joined(contents.subject, contents.body, contents.named, contents.hidden,
                   contents.attached)
    for item in _cut(text, name, limits):
        # marked, for mime.py to leave out what the message's own text part says
        yield dataclasses.replace(item, content_type=tnef.CONTENT_TYPE) \
            if isinstance(item, TextPart) else item
    for n, (ctype, picture) in enumerate(contents.pictures, 1):
        if attachments.is_picture(ctype, picture) and ocr.readable(picture):
            yield from shown_picture(budget.inside(f"{name}/picture {n}"), picture, budget)
    budget.sent_as += (f"{name}/{other}" for other in contents.names)
    yield from files_inside(name, contents.files, depth, budget, nested)
