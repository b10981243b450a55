"""The HTML page an RTF body carries inside it (MS-OXRTFEX): Outlook's copy of an HTML message.

Outlook keeps an HTML message's body as compressed RTF that "encapsulates" the page: the
document says `\\fromhtml1` in its header, each tag, comment and style sheet of the page is a
group of its own (`{\\*\\htmltag84 <a href="..." title="Amy Reid">}`), and the text between
them is RTF. An item saved with that body and no HTML one (an archiver's export, a .msg
dragged out of some Outlook versions, a winmail.dat) had its text read and what the page hid
lost: a comment left in a template, a link's tooltip naming the child. Here the page's tags
are put back together, in order, for `html.unshown` to read what they hide as it reads an
HTML body's. The text between them is not needed for that, and is read as RTF already.

One pass over the document, each group's characters decoded as RTF writes them (a byte in
the document's code page, an escaped brace, `\\par` for a line end, `\\uN`), up to
`MARKUP_ROOM` characters of tags: a page of a million tags costs no more than its first.
"""

from __future__ import annotations

import re

# the header's mark of a document made from HTML, in its first characters: Outlook writes it
# straight after \rtf1\ansi\ansicpgN, before the font table
_FROM_HTML = re.compile(r"\\fromhtml1(?![0-9])")
HEADER = 1024
_CODE_PAGE = re.compile(r"\\ansicpg(\d{1,5})")
_TAG = re.compile(r"\{\\\*\\htmltag\d{0,10} ?")
# in a tag's group: a run of text, a byte, an escaped character, a control word and its
# number, another control symbol, a brace
_TOKEN = re.compile(r"([^\\{}]+)|\\'([0-9a-fA-F]{2})|\\([\\{}])|\\([a-zA-Z]{1,32})(-?\d{1,10})?"
                    r" ?|\\(.?)|([{}])", re.DOTALL)
_WORDS = {"par": "\n", "line": "\n", "tab": "\t"}
MARKUP_ROOM = 1 << 20  # characters of tags put back together, at most


def markup(document: str) -> str:
    """The tags, comments and style sheets of the HTML page `document` encapsulates, one after
    another as the page has them; "" for a document not made from HTML."""
    if not from_html(document):
        return ""
    page = _CODE_PAGE.search(document, 0, HEADER)
    encoding = f"cp{page.group(1)}" if page else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:  # a code page Python does not have: its bytes read as Windows'
        encoding = "cp1252"
    out: list[str] = []
    size, pos = 0, 0
    while size < MARKUP_ROOM and (found := _TAG.search(document, pos)) is not None:
        tag, pos = _group(document, found.end(), encoding)
        out.append(tag)
        size += len(tag)
    return "".join(out)[:MARKUP_ROOM]


def from_html(document: str) -> bool:
    """Whether an RTF document says in its header that it was made from an HTML page."""
    return _FROM_HTML.search(document, 0, HEADER) is not None


def _group(document: str, start: int, encoding: str) -> tuple[str, int]:
    """The characters of the group whose inside starts at `start`, decoded, and where it
    ends (the document's end, for a group never closed)."""
    out: list[str] = []
    pending = bytearray()  # bytes in a row: a character of a double-byte code page is two
    depth, skip = 1, 0  # skip: the stand-in character after a \uN, left out
    for token in _TOKEN.finditer(document, start):
        run, byte, escaped, word, number, _, brace = token.groups()
        if byte is not None:
            if skip:
                skip -= 1
            else:
                pending.append(int(byte, 16))
            continue
        if pending:
            out.append(pending.decode(encoding, "replace"))
            pending.clear()
        if brace is not None:
            depth += 1 if brace == "{" else -1
            if depth == 0:
                return "".join(out), token.end()
        elif run is not None:  # its line ends say nothing: \par is the page's
            out.append(run.replace("\r", "").replace("\n", "")[skip:])
            skip = 0
        elif escaped is not None:
            out.append(escaped)
        elif word == "u" and number is not None:
            out.append(chr(int(number) % 65536))
            skip = 1
        elif word is not None:
            out.append(_WORDS.get(word, ""))
    if pending:
        out.append(pending.decode(encoding, "replace"))
    return "".join(out), len(document)
