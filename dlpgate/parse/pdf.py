"""A PDF's text: its pages (tables on them labelled, `layout`), its notes, its form, its
title and its bookmarks; and what it holds that is read apart: the pictures on its pages of
text, and the files attached inside it.

What a PDF shows is more than its text layer: a comment on any mark a reader made on a page
(a sticky note, text typed onto the page, a highlight, a box, a stamp), a filled form's
values, which are kept in the form and not on the page (an XFA form's in XML of its own), its
title, subject and keywords, and its bookmarks' titles are read after it. A picture on a page
that has text of its own (a screenshot of a case list pasted into a report) and a file
attached inside the PDF (a spreadsheet of children behind a cover report) are not text of the
page: `text` names them, and the caller reads each as it reads a picture or a file.

A PDF edited and saved by Acrobat (or a form filled in a browser) keeps what it was before:
each save appends the objects it changed and a new end (`%%EOF`), and the earlier objects
stay in the file that leaves. Text "redacted" by typing over it, a child's details deleted
from a letter, a form cleared and refilled: the earlier text is there for anyone who opens the
file's earlier revision (Acrobat's own "view signed version", or a text editor). Each earlier
revision's pages that differ from the current ones, and its form's values, are read after
everything else, marked as an earlier revision, their lines the current text lacks
(`_revisions`).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dlpgate.parse.layout import Pages, has_rows

# Reads the scanned pages given, (number from 1, pixels of its largest picture) each: their
# text, and what could not be read.
ScanReader = Callable[[list[tuple[int, int]]], tuple[dict[int, str], list[str]]]


class Encrypted(Exception):  # noqa: N818 (a state of the file, not a failure of reading)
    """It opens only with a password: its text cannot be read."""


@dataclass
class Attached:
    """A file attached inside the PDF: in its list of attachments, or pinned to a page."""

    name: str
    file: Any  # its stream, read only when asked for (`content`), within the caller's budget

    def content(self) -> bytes:
        """The file's bytes; pypdf's errors when its stream is damaged or past pypdf's limit
        on what one stream may expand to."""
        return bytes(self.file.get_object().get_data())


class Read(NamedTuple):
    """What `text` found in a PDF."""

    text: str
    damage: list[str]  # what of it was damaged or not read, said without its content
    pictured: list[tuple[int, list[int]]]  # (page number, its pictures' object numbers)
    files: Iterator[Attached]  # walked as they are read, so the caller's budget bounds it
    small: frozenset[int] = frozenset()  # those of `pictured` under `large` pixels


def text(data: bytes, limit: int = 5 * 1024 * 1024, scans: ScanReader | None = None,
         min_pixels: int | None = None, large: int = 0) -> Read:
    """The document's text, read until it passes `limit` (the caller cuts it there), and
    what of it was damaged or not read. Encrypted when it opens only with a password; pypdf's
    own errors for a PDF too damaged to open (the caller makes them a problem). A page that
    is a picture of text (`scanned`) is read by `scans`, in its place among the others. The
    pictures of `min_pixels` or more on pages with text of their own (None: not looked for)
    are named in `pictured`, each once in the document, those under `large` pixels in `small`
    too (the caller reads them as crops of a screen), and the files attached in `files`."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # owner-password-only PDFs open with an empty password
        except Exception:
            opened = 0
        if not opened:
            raise Encrypted("password-protected PDF")
    pages: list[str] = []
    damage: list[str] = []
    size = 0
    tables = Pages(limit)
    scanned: dict[int, tuple[int, int]] = {}  # page number -> (its place, picture's pixels)
    pictured: list[tuple[int, list[int]]] = []
    shown: set[int] = set()  # pictures named already: a banner on every page is read once
    sizes: dict[int, int] = {}  # their pixels
    notes_read = _Notes()
    for number, page in enumerate(reader.pages, 1):
        read = _page(page, tables)
        wordy = sum(1 for _ in itertools.islice(_WORDY.finditer(read), 200))  # no more needed
        if scans is not None and (pixels := _scanned(page, wordy)) is not None:
            scanned[number] = (len(pages), pixels)
        elif min_pixels is not None and (found := _pictures(page, wordy, min_pixels, shown)):
            pictured.append((number, list(found)))
            shown.update(found)
            sizes.update(found)
        pages.append(read)
        notes = _notes(page, limit - size, notes_read)
        if notes:
            pages.append(notes)
        size += len(read) + len(notes)
        if size > limit:
            break
    if size <= limit:
        for what, reading in (("form", _forms), ("properties", _properties),
                              ("bookmarks", _bookmarks)):
            try:
                found = reading(reader, limit - size)
            except Exception as exc:  # a damaged form or outline: the pages are still read
                damage.append(f"damaged pdf {what} ({type(exc).__name__})")
                found = ""
            if found:
                pages.append(found)
                size += len(found)
    if size <= limit:  # after everything above, so what it read keeps its place (PARSER 15)
        try:
            found = _kept(reader, notes_read.links, limit - size)
        except Exception as exc:  # a damaged form: the rest is read all the same
            damage.append(f"damaged pdf form ({type(exc).__name__})")
            found = ""
        if found:
            pages.append(found)
    # last: what a later save replaced, after all the current text
    if size <= limit and (found := _revisions(data, reader, "\n".join(pages), limit - size)):
        pages.append(found)
        size += len(found)
    if size <= limit:  # after that, what no reader is shown (PARSER need not change)
        try:
            found = _unshown(reader, data, notes_read.subjects, limit - size)
        except Exception:  # a damaged script or name tree: passed over, not said, as a
            found = ""  # program's metadata is damaged in many a file and hides nothing shown
        if found:
            pages.append(found)
    if scanned and scans is not None:
        found_scans, unread = scans([(n, pixels) for n, (_, pixels) in scanned.items()])
        damage += unread
        for number, read in found_scans.items():
            place = scanned[number][0]
            pages[place] = f"{pages[place]}\n{read}".strip("\n")
    return Read("\n".join(pages), damage, pictured, _attached(reader, notes_read.pinned),
                frozenset(key for key, pixels in sizes.items() if pixels < large))


_WORDY = re.compile(r"[^\W_]")
_END = re.compile(rb"%%EOF")
REVISIONS = 8  # earlier revisions read, the latest first: each costs a reading of the file


def _revisions(data: bytes, current: Any, said: str, room: int) -> str:
    """The text of the document's earlier revisions (each save's `%%EOF` ends one) that the
    current one does not say: of each, the pages whose content differs from the current
    page's, and its form's values, a line each where the line has a word the text read so
    far lacks, under "Earlier revision N of M (replaced by a later save):". An earlier
    revision that cannot be opened is passed over: the current document is what was read,
    and a linearized file's first part (a first page's objects, not a revision) is such
    a one."""
    ends = [m.end() for m in _END.finditer(data)]
    if len(ends) < 2:
        return ""
    from pypdf import PdfReader

    known = _words(said)
    out: list[str] = []
    for n in range(len(ends) - 1, max(0, len(ends) - 1 - REVISIONS), -1):
        if room - sum(len(line) + 1 for line in out) <= 0:
            break
        try:
            earlier = PdfReader(io.BytesIO(data[:ends[n - 1]]), strict=False)
            if earlier.is_encrypted:
                continue
            lines = [line for line in _earlier_text(earlier, current).splitlines()
                     if not _words(line) <= known]
        except Exception:  # damaged, or no revision: the current text stands
            continue
        if lines:
            out += [f"Earlier revision {n} of {len(ends)} (replaced by a later save):", *lines]
            known |= _words("\n".join(lines))
    text = "\n".join(out)
    return text[:max(room, 0)]


def _earlier_text(earlier: Any, current: Any) -> str:
    """An earlier revision's pages whose content is not the current page's, and its form."""
    found = []
    now = list(current.pages)
    for at, page in enumerate(earlier.pages):
        was = page.get_contents()
        if at < len(now) and was is not None and (then := now[at].get_contents()) is not None \
                and was.get_data() == then.get_data():
            continue
        found.append(page.extract_text() or "")
    found.append(_fields(earlier))
    return "\n".join(t for t in found if t)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.lower()))
SCAN_PIXELS = 1_000_000  # an A5 page at 150 dpi: a page's picture, not a logo on it
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s.{0,2000}?\sID\s", re.DOTALL)
# Drawn over this share of its page or more, a picture on a page of text is the page's scan
# and the text its searchable layer, read already: not a picture pasted in between margins.
PAGE_SHARE = 0.75


def _scanned(page: Any, wordy: int) -> int | None:
    """A page that is a picture of text: it shows an image and has next to no text of its own
    (fewer than 40 letters and digits), or it shows a page-sized image and has only a line or
    two (fewer than 200: a copier's "Scanned by ... on ... at ..." line, or a searchable
    layer that holds only the heading). A scan made searchable throughout is read as text.
    The pixels of its largest picture (0 for one written into the page), or None."""
    if wordy >= 200:
        return None
    try:
        sizes = [(w, h) for _, w, h in _images(page.get("/Resources"), 0)]
        if not sizes and wordy < 40:  # a picture written into the page itself (BI ... ID)
            contents = page.get_contents()
            inline = contents is not None and _INLINE_IMAGE.search(contents.get_data())
            return 0 if inline else None
    except Exception:  # a damaged page's resources: read as it is
        return None
    largest = max((w * h for w, h in sizes), default=0)
    return largest if sizes and (wordy < 40 or largest >= SCAN_PIXELS) else None


def _pictures(page: Any, wordy: int, min_pixels: int, shown: set[int]) -> dict[int, int]:
    """The pictures of `min_pixels` or more a page with text of its own draws (their object
    numbers, and their pixels), but those named for an earlier page (a banner on every page)
    and, on a page of
    200 letters or more, one drawn over most of the page: that is a scan made searchable, its
    words read from the text layer over it. Only the pages whose resources hold such a picture
    are walked for where each is drawn (a page's resources can list every picture of the
    document); a logo on every page costs a look at its size."""
    try:
        large = {key: w * h for key, w, h in _images(page.get("/Resources"), 0)
                 if key is not None and w * h >= min_pixels and key not in shown}
        if not large:
            return {}
        box = page.mediabox
        area = abs(float(box.width) * float(box.height)) or 1.0
        drawn: dict[int, float] = {}
        _drawn(page.get_contents(), page.get("/Resources"), _IDENTITY, drawn, set(), page.pdf)
    except Exception:  # damaged resources or contents: the page's text stands as read
        return {}
    return {key: large[key] for key, covered in drawn.items()
            if key in large and (wordy < 200 or covered / area < PAGE_SHARE)}


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Matrix = tuple[float, float, float, float, float, float]


def _drawn(contents: Any, resources: Any, ctm: Matrix, out: dict[int, float], walked: set[int],
           pdf: Any, depth: int = 0) -> None:
    """The images `contents` draws, each object number with the most page area (square
    points) it covers, through forms three deep and each form once (one that draws itself a
    thousand times would be read a billion times)."""
    from pypdf.generic import ContentStream, IndirectObject

    if contents is None:
        return
    resources = resources.get_object() if resources is not None else None
    objects = resources.get("/XObject") if isinstance(resources, dict) else None
    objects = objects.get_object() if objects is not None else None
    if not isinstance(objects, dict):
        return
    saved: list[Matrix] = []
    for operands, operator in contents.operations:
        if operator == b"q":
            saved.append(ctm)
        elif operator == b"Q" and saved:
            ctm = saved.pop()
        elif operator == b"cm" and len(operands) == 6:
            ctm = _times(_matrix(operands), ctm)
        elif operator == b"Do" and operands and operands[0] in objects:
            ref = objects.raw_get(operands[0])
            found = ref.get_object()
            key = ref.idnum if isinstance(ref, IndirectObject) else None
            if not isinstance(found, dict) or key is None:
                continue
            if found.get("/Subtype") == "/Image":
                out[key] = max(out.get(key, 0.0), abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]))
            elif found.get("/Subtype") == "/Form" and depth < 3 and key not in walked:
                walked.add(key)
                matrix = _matrix(found["/Matrix"]) if "/Matrix" in found else _IDENTITY
                _drawn(ContentStream(found, pdf), found.get("/Resources") or resources,
                       _times(matrix, ctm), out, walked, pdf, depth + 1)


def _matrix(values: Any) -> Matrix:
    """Six numbers as a matrix; ValueError for what is not (a damaged page)."""
    a, b, c, d, e, f = (float(v) for v in values)
    return a, b, c, d, e, f


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n, as PDF's matrices are multiplied (a `cm` before the matrix in force)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _images(resources: Any, depth: int) -> Iterator[tuple[int | None, int, int]]:
    """(object number, width, height) of the images a page's resources hold, through forms
    three deep (a scan app wraps the page's picture in a form, and some wrap that form in
    another)."""
    from pypdf.generic import IndirectObject

    resources = resources.get_object() if resources is not None else None
    objects = resources.get("/XObject") if isinstance(resources, dict) else None
    objects = objects.get_object() if objects is not None else None
    if not isinstance(objects, dict):
        return
    for ref in list(objects.values())[:64]:
        found = ref.get_object()
        if not isinstance(found, dict):
            continue
        if found.get("/Subtype") == "/Image":
            key = ref.idnum if isinstance(ref, IndirectObject) else None
            yield key, _number(found.get("/Width")), _number(found.get("/Height"))
        elif found.get("/Subtype") == "/Form" and depth < 3:
            yield from _images(found.get("/Resources"), depth + 1)


def _number(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _page(page: Any, tables: Pages) -> str:
    """A page's text; a page with a table under a header read again as laid out, each value
    labelled with its column (`layout.Pages`), so a date under "Date of birth" is one."""
    text = page.extract_text() or ""
    if not has_rows(text):
        tables.skip()
        return text
    try:
        table = tables.page(page.extract_text(extraction_mode="layout") or "")
    except Exception:  # pypdf's layout reading fails where its plain one did not
        tables.skip()
        table = None
    return text if table is None else table


@dataclass
class _Notes:
    """What the document's annotations gave so far: an annotation, or a page's list of them,
    is read once in the whole document however many pages refer to it (500 pages sharing one
    list of 20,000 took 15 s read page by page)."""

    seen: set[Any] = field(default_factory=set)  # annotations and lists of them looked at
    read: set[Any] = field(default_factory=set)  # annotations whose comment was read
    pinned: list[Any] = field(default_factory=list)  # files pinned to pages, in page order
    links: list[str] = field(default_factory=list)  # the addresses links on pages go to
    subjects: list[str] = field(default_factory=list)  # the subject lines of those read


def _notes(page: Any, room: int, done: _Notes) -> str:
    """What readers wrote in the page's annotations: not in its text layer, shown to anyone.
    Every kind of mark carries its comment in /Contents, not only a sticky note and typed-on
    text: a highlight, an underline, a box, a stamp or a drawing with a comment went out
    unread. Where only rich text (/RC) holds it, that is read. A pop-up shows its parent's
    comment, read once with the parent. A file pinned to the page is kept in `done.pinned`.
    Each note once, however often the document refers to it, and no more than `room`
    characters: one 20 KB note referred to 99,000 times made 5 GB of text before any limit
    was asked."""
    listed = page.raw_get("/Annots") if "/Annots" in page else None
    key = _key(listed)
    if listed is None or key in done.seen:
        return ""
    if key is not None:
        done.seen.add(key)
    annots = listed.get_object()
    if not isinstance(annots, list):
        return ""
    notes: list[str] = []
    size = 0
    for ref in annots:
        key = _key(ref)
        if key is not None:
            if key in done.seen:
                continue
            done.seen.add(key)
        annot = ref.get_object()
        if not isinstance(annot, dict):
            continue
        if annot.get("/Subtype") == "/FileAttachment" and (fs := annot.get("/FS")) is not None:
            done.pinned.append(fs)
        if annot.get("/Subtype") == "/Link":
            done.links += _link(annot)
        parent = annot.raw_get("/Parent") if "/Parent" in annot else None
        if annot.get("/Subtype") == "/Popup" and parent is not None:
            key, annot = _key(parent), parent.get_object()
            if not isinstance(annot, dict):
                continue
        if key is not None:
            if key in done.read:
                continue
            done.read.add(key)
        notes.append(_comment(annot))
        if subject := _string(annot.get("/Subj")):
            done.subjects.append(subject)
        size += len(notes[-1]) + len(subject) + 1
        if size > room:
            break
    return "\n".join(n for n in notes if n)


def _link(annot: dict) -> list[str]:
    """Where a link on a page goes: a web or mailto: address (a case system's, naming the child
    in its query), or a file it opens ("S:\\Children\\Amy Reid\\plan.pdf")."""
    action = annot.get("/A")
    action = action.get_object() if action is not None else None
    if not isinstance(action, dict):
        return []
    target = action.get("/URI") if action.get("/S") == "/URI" else action.get("/F")
    target = target.get_object() if target is not None else None
    if isinstance(target, dict):  # a file specification
        target = target.get("/UF") or target.get("/F")
    from dlpgate.parse.html import address

    found = address(_string(target)) if target is not None else ""
    return [found] if found else []


def _kept(reader: Any, links: list[str], room: int) -> str:
    """What the document keeps beside what it shows, a line each, once each, up to `room`
    characters: the addresses its links go to (not in its text: "the record" over an address
    naming the child), then the choices its form's lists and dropdowns offer, beside the one
    chosen (a dropdown of the children on a plan). Read after everything else."""
    found: dict[str, None] = dict.fromkeys(links)
    for entry in (reader.get_fields() or {}).values():
        options = entry.get("/Opt")
        options = options.get_object() if options is not None else None
        chosen = _string(entry.get("/V"))  # read with the form's values already
        for option in options if isinstance(options, list) else ():
            option = option.get_object() if hasattr(option, "get_object") else option
            shown = option[-1] if isinstance(option, list) and option else option  # [export, shown]
            if (text := " ".join(_string(shown).split())) and text != chosen:
                found[text] = None
    out, size = [], 0
    for line in found:
        out.append(line)
        size += len(line) + 1
        if size > room:
            break
    return "\n".join(out)


def _key(ref: Any) -> tuple[int, int] | None:
    """An indirect object's number and generation: the same object, however often referred to."""
    number = getattr(ref, "idnum", None)
    return None if number is None else (number, getattr(ref, "generation", 0))


def _comment(annot: dict) -> str:
    """An annotation's comment: its /Contents, or the text of its rich text (/RC) alone."""
    found = _string(annot.get("/Contents"))
    if found or "/RC" not in annot:
        return found
    rich = annot.get("/RC")
    rich = rich.get_object() if rich is not None else None
    if hasattr(rich, "get_data"):  # rich text may be a stream
        rich = rich.get_data().decode("utf-8", "replace")
    from dlpgate.parse.html import html_to_text

    return html_to_text(_string(rich)).strip()


def _string(value: Any) -> str:
    """A PDF string as text: pypdf gives text strings as str, others as bytes."""
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, bytes):
        return value.decode("utf-16" if value[:2] in (b"\xfe\xff", b"\xff\xfe") else "latin-1",
                            "replace").strip()
    return str(value or "").strip()


def _forms(reader: Any, room: int) -> str:
    """The values of a filled form: its fields, and an XFA form's data where it holds more."""
    fields = _fields(reader)
    return "\n".join(text for text in (fields, _xfa(reader, fields, room - len(fields))) if text)


def _fields(reader: Any) -> str:
    """A filled form's values, each as "field name: value" so the name labels it: a field
    called "NHS number" is what makes its ten digits one. They are kept in the form, not the
    page's text."""
    lines = []
    for entry in (reader.get_fields() or {}).values():
        value = entry.get("/V")
        value = value.get_object() if hasattr(value, "get_object") else value
        if isinstance(value, list):  # a list box's choices
            value = ", ".join(str(v) for v in value)
        value = str(value or "").strip().removeprefix("/")  # a ticked box's /Yes
        if not value or value == "Off":
            continue
        label = str(entry.get("/TU") or entry.get("/T") or "").strip()  # TU: the name shown
        lines.append(f"{label}: {value}" if label else value)
    return "\n".join(lines)


def _xfa(reader: Any, fields: str, room: int) -> str:
    """An XFA form's typed values (LiveCycle's forms, used by some councils' and NHS
    referrals): they are kept as XML in the form's "datasets" packet, each as
    "element: value", and the page shows only "Please wait..." to a reader without Adobe's.
    A value the form's fields gave already is not read twice. Parsed with defusedxml, as an
    Office file is, and streamed, so a large one costs no more than `room` characters of
    text."""
    import defusedxml.ElementTree as SafeET
    from pypdf.generic import ArrayObject

    form = reader.root_object.get("/AcroForm")
    form = form.get_object() if form is not None else None
    xfa = form.get("/XFA") if isinstance(form, dict) else None
    xfa = xfa.get_object() if xfa is not None else None
    if isinstance(xfa, ArrayObject):  # packets by name, ["preamble", <stream>, ...]
        packets = list(xfa)
        found = [packets[i + 1] for i in range(0, len(packets) - 1, 2)
                 if _string(packets[i]) == "datasets"]
        xfa = found[0].get_object() if found else None
    if not hasattr(xfa, "get_data"):
        return ""
    known = set(line.partition(": ")[2] for line in fields.splitlines())
    lines: list[str] = []
    size = 0
    path: list[str] = []
    for event, el in SafeET.iterparse(io.BytesIO(xfa.get_data()), events=("start", "end")):
        name = el.tag.rpartition("}")[2]
        if event == "start":
            path.append(name)
            continue
        path.pop()
        value = " ".join((el.text or "").split())
        if "data" in path and len(el) == 0 and value and value not in known:
            lines.append(f"{name}: {value}")
            size += len(lines[-1]) + 1
            if size > room:
                break
        el.clear()  # read: only the open elements are kept, however large the data
    return "\n".join(lines)


def _properties(reader: Any, room: int) -> str:
    """The document's title, subject and keywords, on one line as an Office file's are: a
    report's title is often the name of the child it is about."""
    info = reader.metadata or {}
    found = [(name, " ".join(_string(info.get(f"/{name}")).split()))
             for name in ("Title", "Subject", "Keywords")]
    return "; ".join(f"{name}: {value}" for name, value in found if value)[:room]


_AFTER_END = re.compile(rb"[\x20-\x7e\t]{6,}")


def _unshown(reader: Any, data: bytes, subjects: list[str], room: int) -> str:
    """What the document carries and no reader is shown, a line each, up to `room`
    characters: its author where a number is written there (`imagemeta.AUTHORS` says why) and
the program that made it ("Author: ...; Creator: ..."), its
    XMP metadata's words beside those ("XMP creator: ..."), its notes' subject lines
    ("Note subject: ..."), its scripts ("JavaScript: ..."), and text after its last end
    ("After the end: ..."), which no reader reads. Each, once, held an NHS number a red team
    hid there that went out unread."""
    info = reader.metadata or {}
    found = {name: " ".join(_string(info.get(f"/{name}")).split())
             for name in ("Title", "Subject", "Keywords", "Author", "Creator")}
    from dlpgate.parse.imagemeta import said_of_author

    lines = ["; ".join(f"{name}: {found[name]}" for name in ("Author", "Creator")
                       if found[name] and said_of_author(name, found[name]))]
    said = set(found.values())  # what the XMP packet repeats of them is read once
    lines += [line for line in _xmp(reader, room) if line.partition(": ")[2] not in said]
    lines += [f"Note subject: {s}" for s in subjects]
    lines += [f"JavaScript: {js}" for js in _scripts(reader, room)]
    end = data.rfind(b"%%EOF")
    if end != -1:
        tail = data[end + 5:end + 5 + room]
        lines += [f"After the end: {m.group().decode('ascii').strip()}"
                  for m in _AFTER_END.finditer(tail)]
    out, size = [], 0
    for line in dict.fromkeys(" ".join(line.split()) for line in lines if line.strip()):
        out.append(line)
        size += len(line) + 1
        if size > room:
            break
    return "\n".join(out)[:max(room, 0)]


def _xmp(reader: Any, room: int) -> list[str]:
    """The words of the document's XMP packet (its /Metadata stream), as a picture's are
    read (`imagemeta.xmp`): what a program or a hand put there beside the information
    dictionary (a case reference, a child's name as its "creator")."""
    from dlpgate.parse.imagemeta import xmp

    meta = reader.root_object.get("/Metadata")
    meta = meta.get_object() if meta is not None else None
    return xmp(meta.get_data(), room) if hasattr(meta, "get_data") else []


def _scripts(reader: Any, room: int) -> list[str]:
    """The document's JavaScript: its named scripts, and what it runs as it opens. A script's
    text whole, on one line, no more than `room` characters of them together."""
    actions = [action for _, action in _named(reader, "/JavaScript")]
    if (opening := reader.root_object.get("/OpenAction")) is not None:
        actions.append(opening)
    out: list[str] = []
    size = 0
    for action in actions:
        action = action.get_object()
        script = action.get("/JS") if isinstance(action, dict) else None
        script = script.get_object() if script is not None else None
        if hasattr(script, "get_data"):  # a script may be a stream
            script = script.get_data().decode("latin-1")
        if script is not None and (text := " ".join(_string(script).split())[:room - size]):
            out.append(text)
            size += len(text) + 1
            if size >= room:
                break
    return out


def _bookmarks(reader: Any, room: int) -> str:
    """The titles of the document's bookmarks, one a line in their order: "Child 3: Amy Reid"
    in the side panel. Each once, so an outline whose entries point back at each other
    ends."""
    outlines = reader.root_object.get("/Outlines")
    outlines = outlines.get_object() if outlines is not None else None
    if not isinstance(outlines, dict):
        return ""
    titles: list[str] = []
    seen: set[Any] = set()
    size = 0
    stack = [outlines.raw_get("/First")] if "/First" in outlines else []
    while stack and size <= room:
        ref = stack.pop()
        key = _key(ref) or id(ref)
        item = ref.get_object()
        if key in seen or not isinstance(item, dict):
            continue
        seen.add(key)
        if title := " ".join(_string(item.get("/Title")).split()):
            titles.append(title)
            size += len(title) + 1
        # its next sibling after its children: pushed first, taken last
        stack += [item.raw_get(k) for k in ("/Next", "/First") if k in item]
    return "\n".join(titles)


def _attached(reader: Any, pinned: list[Any]) -> Iterator[Attached]:
    """The files attached inside the document: its list of attachments (the /EmbeddedFiles
    name tree), then those pinned to its pages. Each file once, and each node of the tree
    once (one whose branches point back at it ends); walked as the caller reads them, so its
    budget of parts, not this, bounds a PDF with thousands."""
    seen: set[Any] = set()
    for title, spec in itertools.chain(_named(reader), (("", fs) for fs in pinned)):
        spec = spec.get_object()
        if not isinstance(spec, dict):  # a path to a file kept elsewhere: nothing inside
            continue
        streams = spec.get("/EF")
        streams = streams.get_object() if streams is not None else None
        if not isinstance(streams, dict):
            continue
        file = next((streams.raw_get(k) for k in ("/F", "/UF") if k in streams), None)
        key = _key(file) or id(file)
        if file is None or key in seen:
            continue
        seen.add(key)
        name = _string(spec.get("/UF")) or _string(spec.get("/F")) or title
        leaf = re.split(r"[\\/]", name)[-1].strip()  # a path where it was attached from
        yield Attached(leaf or "attachment", file)


def _named(reader: Any, which: str = "/EmbeddedFiles") -> Iterator[tuple[str, Any]]:
    """The (name, value) pairs of one of the document's name trees, each node once."""
    names = reader.root_object.get("/Names")
    names = names.get_object() if names is not None else None
    tree = names.get(which) if isinstance(names, dict) else None
    stack = [tree] if tree is not None else []
    seen: set[Any] = set()
    while stack:
        ref = stack.pop()
        key = _key(ref) or id(ref)
        node = ref.get_object()
        if key in seen or not isinstance(node, dict):
            continue
        seen.add(key)
        pairs = node.get("/Names")
        pairs = pairs.get_object() if pairs is not None else None
        if isinstance(pairs, list):
            for i in range(0, len(pairs) - 1, 2):
                yield _string(pairs[i]), pairs[i + 1]
        kids = node.get("/Kids")
        kids = kids.get_object() if kids is not None else None
        if isinstance(kids, list):
            stack += reversed(kids)
