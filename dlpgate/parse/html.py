"""HTML -> plain text, for detection rather than display.

The standard library's tolerant parser is enough: we need the words a reader
would see, one block per line, with scripts and styles dropped. It never raises
on broken markup, which matters more here than layout fidelity.
"""

from __future__ import annotations

import binascii
import html as htmllib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import unquote

from dlpgate.parse.tables import labelled

_BLOCK = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "title",
}
_CELL = {"td", "th"}
_SKIP = {"script", "style", "head", "template", "noscript"}


class _Table:
    """A table being read: its rows of cells, the row and the cell open now."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def end_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append("".join(self.cell))  # its own lines kept until the table is read
            self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def text(self) -> str:
        """Its rows labelled under its header row, as a sheet's are: an Excel range pasted
        into a message, or a case system's "export to Excel" that is an HTML table, had its
        dates rows away from "Date of birth"."""
        self.end_row()
        if all(len(row) <= 1 for row in self.rows):
            # one column: a wrapper round the message ("Dear Sarah," and the rest in one cell,
            # as templates send them), read line by line as it shows
            return "\n".join(cell for row in self.rows for cell in row)
        return labelled("\n".join("\t".join(" ".join(c.split()) for c in row)
                                  for row in self.rows), "\t", quotes=False)


class _Text(HTMLParser):
    def __init__(self, look: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.look = look  # for tooltips and fields (`hidden`)
        self.out: list[str] = []
        self.skipping = 0
        self.tables: list[_Table] = []  # nested: a layout table holding a data table
        self.hidden: list[str] = []  # what the page carries but never shows (`hidden`)
        self.room = HIDDEN_ROOM

    def _hide(self, label: str, value: str) -> None:
        value = " ".join(value.split())
        if value and self.room > 0:
            self.hidden.append(f"{label}: {value}")
            self.room -= len(self.hidden[-1]) + 1

    def _sink(self) -> list[str]:
        """Where text goes now: the open cell of the innermost table, or the page."""
        if self.tables and self.tables[-1].cell is not None:
            return self.tables[-1].cell
        return self.out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.look and not self.skipping:
            for key, value in attrs:
                if key == "title" and value:  # shown only as the pointer rests on it
                    self._hide("Tooltip", value)
                elif key == "value" and value and tag == "input":  # a field filled in
                    self._hide("Form field", value)
        if tag == "img" and not self.skipping:
            # a picture's alt text is what Outlook shows in its place until pictures are
            # downloaded, which is by default
            alt = next((v for k, v in attrs if k == "alt" and v), "")
            if alt.strip():
                self._sink().append(f" {alt} ")
        if tag in _SKIP and tag != "head":
            self.skipping += 1
        elif tag == "table":
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].end_row()
            self.tables[-1].row = []
        elif tag in _CELL and self.tables:
            self.tables[-1].end_cell()
            self.tables[-1].cell = []
        elif tag in _BLOCK:  # inside a cell too: a cell of a wide table is put on one line later
            self._sink().append("\n")
        elif tag in _CELL:
            self.out.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skipping = max(0, self.skipping - 1)
        elif tag == "table" and self.tables:
            text = self.tables.pop().text()  # then into the cell that holds it, if any
            self._sink().append("\n" + text + "\n")
        elif tag == "tr" and self.tables:
            self.tables[-1].end_row()
        elif tag in _CELL and self.tables:
            self.tables[-1].end_cell()
        elif tag in _BLOCK:
            self._sink().append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._sink().append(data)

    def close(self) -> None:
        super().close()
        while self.tables:  # a table never closed is read all the same
            text = self.tables.pop().text()
            self._sink().append("\n" + text + "\n")


# A "<" whose tag never closes before the next "<" (or the end) is text: the standard
# library's parser looked for that tag's end again from each one ("x<" repeated 40,000 times
# took 4.5 s; "<a" the same)
_NOT_A_TAG = re.compile(r"<(?=[^<>]*(?:<|\Z))")


HIDDEN_ROOM = 64 * 1024  # characters of what a page hides that are read, at most


def html_to_text(html: str) -> str:
    parser = _read(_NOT_A_TAG.sub("&lt;", html))
    text = "".join(parser.out)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _read(markup: str, look: bool = False) -> _Text:
    parser = _Text(look)
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # the parser asserts on a few pathological inputs
        pass
    return parser


def hidden(html: str) -> str:
    """What a page carries and never shows, a line each, to `HIDDEN_ROOM` characters: its
    comments ("Comment: ..."), tooltips (a title attribute, "Tooltip: ...") and form fields'
    values ("Form field: ..."). Read after everything else the page gives: a case system's
    template kept "<!-- NHS 943 476 5919 -->", a link's title named the child, and both went
    out unread. "" at a glance for a page with none (`hides`)."""
    if not hides(html):
        return ""
    markup, comments = _comments_out(html)
    said: list[str] = []
    for comment in comments:
        said.append(" ".join(html_to_text(comment).split()))
        if sum(map(len, said)) > HIDDEN_ROOM:
            break
    parser = _read(_NOT_A_TAG.sub("&lt;", markup), look=True)
    lines = [f"Comment: {c}" for c in said if c] + parser.hidden
    return "\n".join(dict.fromkeys(lines))[:HIDDEN_ROOM]


_WORD = re.compile(r"\w+")


def unshown(html: str, shown: str) -> str:
    """`hidden`'s lines whose value (the words after its label) has a word the text `shown`
    lacks: a place that reads a page's hidden places beside the text it shows (an Outlook
    item's HTML body beside its plain one, an invitation's HTML description beside the rest)
    does not read twice a name the page's tooltip repeats from its text."""
    if not hides(html):
        return ""
    said = set(_WORD.findall(shown.lower()))
    return "\n".join(line for line in hidden(html).splitlines()
                     if not set(_WORD.findall(line.partition(": ")[2].lower())) <= said)


def _comments_out(html: str) -> tuple[str, list[str]]:
    """The markup without its comments, and what they say, in one pass: markup commented out
    ("<!-- <p>Amy Reid ...</p> -->" left in a template) too, which the parser, given it, took
    apart (and looked for each unclosed comment's end again from every "<": 40,000 took 11 s).
    Not Outlook's conditional comments ("[if gte mso 9]"), nor a style sheet's ("<style><!--
    /* Font Definitions */"), which are its own. One never closed is left to the parser."""
    out: list[str] = []
    found: list[str] = []
    pos = 0
    while (start := html.find("<!--", pos)) != -1 and (end := html.find("-->", start + 4)) != -1:
        if not _its_own(html, start, end):
            found.append(html[start + 4:end])
        out.append(html[pos:start])
        pos = end + 3
    out.append(html[pos:])
    return "".join(out), found


# what may hide something for `hidden` to read: a title attribute, a field (searched for apart:
# an alternation of the three tried at every character, three times as slow), a comment
_TOOLTIP = re.compile(r"\stitle\s*=", re.IGNORECASE)
_FIELD = re.compile(r"<input\b", re.IGNORECASE)
_IN_STYLE = re.compile(r"<(?:style|script)\b[^<>]*>\s*$", re.IGNORECASE)


def _its_own(html: str, at: int, end: int) -> bool:
    """Whether the comment opening at `at` (read up to `end`) is Outlook's own: a conditional
    one ("[if gte mso 9]") or a style sheet's or script's, not something hidden in the page."""
    return (html[at + 4:end].lstrip().startswith("[")
            or bool(_IN_STYLE.search(html, max(0, at - 200), at)))


def hides(html: str) -> bool:
    """Whether a page has a comment, a tooltip or a field for `hidden` to read: a glance, so
    a page with none (most) is not read twice. Outlook's conditional comments ("[if gte mso
    9]") and a style sheet's ("<style><!-- /* Font Definitions */", in all Outlook's mail) are
    not: its parser reads the one as its own and the other as the sheet."""
    if _TOOLTIP.search(html) or _FIELD.search(html):
        return True
    at = html.find("<!--")
    while at != -1:
        if not _its_own(html, at, at + 40):
            return True
        at = html.find("<!--", at + 4)
    return False


# A picture written into the markup: an <img>'s src, or a style's url(), holding
# data:image/TYPE[;param...];base64,DATA. The data is a run of base64 letters, wrapped by
# whitespace, its padding perhaps escaped as editors write it ("&#61;"); the run is one
# character class, scanned once and never backtracked over (an alternation repeated per
# letter took 9 s over 20 MB).
_DATA_URI = re.compile(r"data:(image/[a-z0-9.+-]+)(?:;[a-z0-9.=_-]*)*;base64,"
                       r"([a-z0-9+/=\s]+(?:(?:&#61;|&#x3d;|&equals;)\s*)*)", re.IGNORECASE)


def pictures(html: str) -> Iterator[tuple[str, bytes]]:
    """(content type, bytes) of each picture written into `html` as a `data:` address, in
    the order shown. One whose base64 is broken is passed over: a browser shows nothing for
    it either."""
    for m in _DATA_URI.finditer(html):
        letters = "".join(htmllib.unescape(m.group(2)).split()).rstrip("=")
        try:
            data = binascii.a2b_base64(letters + "=" * (-len(letters) % 4))
        except (binascii.Error, ValueError):
            continue
        if data:
            yield m.group(1).lower(), data


# A link's address in the markup: an <a> or an image map's <area>, its href quoted or not.
# Nothing in it crosses a "<" or a ">": from each "<a" the search stops at the next, so the
# markup is scanned about once ("<a " or '<a href="' repeated 20,000 times, each searched to
# the end, took 18 s)
_HREF = re.compile(r"""<a(?:rea)?\s[^<>]*?\bhref\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'"""
                   r"""|([^\s<>"']+))""", re.IGNORECASE)
# what is no address anyone is sent to: a place in the page, a picture of the message's own, a
# script
_NO_ADDRESS = ("#", "cid:", "data:", "javascript:", "about:")
LINK_LENGTH = 2000  # characters kept of one address: a tracking link's tail says nothing


def address(raw: str) -> str:
    """A link's address as read: percent-escapes undone (a case system's link names its
    person as ?name=Amy%20Reid&nhs=9434765919; Outlook's Safe Links wrap the whole address so),
    on one line, its first `LINK_LENGTH` characters."""
    return " ".join(unquote(raw).split())[:LINK_LENGTH]


def links(markup: str, shown: str = "") -> list[str]:
    """The addresses an HTML page's links go to, once each, in their order, without those its
    text `shown` already writes out as a word of its own (`<https://...>`, an e-mail address
    for its mailto:): "open the record" over a case system's address that names the child,
    "email her mother" over a mailto: to a personal address, went out with the address
    unread. Words are compared as a set, so ten thousand links cost no more than one each."""
    said = {word.strip("<>()[]{}.,;:!?'\"") for word in shown.split()}
    found: dict[str, None] = {}
    for m in _HREF.finditer(markup):
        target = address(htmllib.unescape(next(g for g in m.groups() if g is not None)))
        if target and not target.lower().startswith(_NO_ADDRESS) and target not in said \
                and target.removeprefix("mailto:") not in said:
            found[target] = None
    return list(found)

