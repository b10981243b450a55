"""An RTF document's text, with what a reader sees beside the body; its pictures and objects.

Case systems write their letters as RTF, with the client's name and number in the page header
("Re: Callum Reid, DOB 04/05/2016"), and notes in footnotes and comments. Those groups are
what RTF calls destinations, which a reader of the body alone drops: here each is read where
it stands, starting a line. A picture (`{\\pict ...}`, its bytes written in hex) is given back
for OCR: a screenshot pasted into a WordPad letter; so is an object embedded in the letter
(`{\\*\\objdata ...}`: a workbook pasted into it), for the caller to read its file (`ole1.py`).

The text was striprtf's, which took each character and control word through a pattern and
Python in turn: 2-5 MB/s, and a letter with photographs is 10-30 MB of RTF, most of it the
pictures' hex, read a digit at a time for nothing. The reader here takes a run of text, a
run of control words that do nothing here (`\\pard\\plain\\fs22`) and bytes written one after
another each as one token, and passes over a group it does not show (a picture, the font and
style tables) to its closing brace with `str.find`, so a picture costs next to nothing. Its
text is striprtf's: the groups striprtf shows and passes over (its list of destinations), its
code pages (a font's character set before the document's) and the characters it skips after
`\\uN`; tests/parse/test_rtf.py compares the two on documents of every kind. It differs where
striprtf failed or misread, as that test says: a character or code page Python does not have
(striprtf gave up on the whole letter), bytes written just before a document cut short ends
(striprtf lost them), binary data (`\\binN`) passed over as data, not read as RTF (striprtf
cut a letter short after a picture so written), and a field's instruction (striprtf added a
hyperlink's address in one layout of field, not in Word's).

A field's instruction is read where it holds data, as a .docx's is (`officeextras.py`): "Contact
Jo Bloggs" linking to mailto:jo.bloggs@example.org sends a person's address as surely as its
words, and so does a picture's path ("C:\\Cases\\Amy Reid\\photo.jpg"). What it holds is read
as a line of its own after the field, where the field's words do not show it already (an
address written out as its own link is read once); a mail merge's field names and a page
number's format say nothing, and are not read.

Every step is linear in the document: a million braces, a group that never closes, a `\\bin`
claiming gigabytes or a `\\uc` claiming a million characters cost one pass (a pattern over a
whole picture took 336 s over a run of spaces; striprtf's patterns for hyperlinks and for the
font table searched a line again from every place they could start: 20 minutes and three
hours for 3 MB on one line).
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator

from striprtf.striprtf import charset_map as _CHARSETS
from striprtf.striprtf import destinations as _DESTINATIONS
from striprtf.striprtf import specialchars as _SPECIAL

from dlpgate.parse.officeextras import field_arguments, label, value

# what a control word does, by its name; most do nothing here (\pard, \fs22, \rtlch)
_SHOWN_AS_LINE, _PASSED, _SPECIAL_TEXT, _UNICODE, _UNICODE_SKIP, _FONT_SET, _CODE_PAGE = \
    range(7)
# the destinations a reader sees: page headers and footers (all, left, right, first page),
# footnotes and endnotes (\footnote), comments (\*\annotation), each starting a line
_SHOWN = ("header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr", "footerf",
          "footnote", "annotation")
_ACTIONS = {**dict.fromkeys(_DESTINATIONS, _PASSED), **dict.fromkeys(_SHOWN, _SHOWN_AS_LINE),
            **dict.fromkeys(_SPECIAL, _SPECIAL_TEXT), "u": _UNICODE, "uc": _UNICODE_SKIP,
            "f": _FONT_SET, "ansicpg": _CODE_PAGE}


def _either(words: list[str]) -> str:
    """A pattern for any of `words`, as a tree of their shared beginnings: a plain
    alternation of 300 words is tried word by word at every control word of the letter."""
    tree: dict = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: dict) -> str:
    return "(?:" + "|".join(re.escape(letter) + _branches(rest) if letter else ""
                            for letter, rest in sorted(node.items(), reverse=True)) + ")"


# striprtf's patterns ignored case: these are the characters its [a-z] then took (Python folds
# the dotted and dotless i, the long s and the Kelvin sign into ASCII letters). Written out,
# the patterns run twice as fast.
_LETTER = "a-zA-Z\u0130\u0131\u017f\u212a"
_NUMBER_SPACE = r"(?:-?\d{1,10})?[ ]?"
# a control word that does nothing here (\pard, \fs22, \rtlch: most of a Word letter)
_QUIET_WORD = (r"\\(?!" + _either([w for w in _ACTIONS if w.isalpha()]) + rf"(?![{_LETTER}]))"
               rf"[{_LETTER}]{{1,32}}{_NUMBER_SPACE}")
# a token of RTF as striprtf took them, but that text with its line ends, a run of control
# words that do nothing here, groups opening with such a run after them, and bytes written
# one after another are one token each, and line ends after a brace or a control word are
# part of it (they say nothing): Python is asked once for each, not once a character or word
_TOKEN = re.compile(
    r"\{([^\\{}]*+)\}[\r\n]*+"  # 1: a group of text alone
    rf"|((\{{++)(?:{_QUIET_WORD}|[\r\n]++)*+)"  # 2: groups open, 3: their braces
    r"|(\}++)[\r\n]*+"  # 4: groups close
    r"|([^\\{}]++)"  # 5: text, with line ends (which say nothing)
    rf"|({_QUIET_WORD}(?:{_QUIET_WORD}|[\r\n]++)*+)"  # 6: control words that do nothing here
    rf"|(\\([{_LETTER}]{{1,32}})(-?\d{{1,10}})?[ ]?[\r\n]*+)"  # 7: a control word, 8, 9
    r"|((?:\\'[0-9a-fA-F]{2})++)"  # 10: bytes in the document's code page
    rf"|\\([^{_LETTER}])[\r\n]*+"  # 11: a control symbol (an escaped brace, \*, \~)
    r"|(\\)")  # 12: a backslash the document ends on
(_GROUP_TEXT, _OPEN, _BRACES_OPENED, _CLOSE, _TEXT, _QUIET, _WORD, _NAME, _NUMBER, _HEX,
 _SYMBOL, _BACKSLASH) = range(1, 13)
# `\*` makes its group a destination but where a shown one follows it at once (`\*\footer`)
_SHOWN_NEXT = re.compile(r"\\(?:header[lrf]?|footer[lrf]?|footnote|annotation)(?![a-z])")
# in a group passed over, what matters: its braces, binary data (`\binN`: N raw bytes, braces
# among them), a code page that holds after the group, and escapes (so "\{" is no brace)
_PASSED_MARK = re.compile(rf"[{{}}]|\\(?:bin(?![{_LETTER}])(-?\d{{0,10}}) ?|"
                          rf"ansicpg(?![{_LETTER}])(-?\d{{0,10}})|[^{_LETTER}])")
_WINDOW = 4096  # characters of a group passed over searched at a time
_LONGEST_MARK = 24  # "\ansicpg" and ten digits, or "\bin" and ten digits and a space
# a field's instruction (`{\*\fldinst HYPERLINK "mailto:..."}`), and its text without RTF's
# codes: an escaped character kept, a byte as its Latin-1 character, a form field's data left
_INSTRUCTION = re.compile(r"\\fldinst(?![a-z])")
_INSTRUCTION_CODES = re.compile(r"\\([\\{}])|\\'([0-9a-f]{2})|\\[a-z]{1,32}(?:-?\d{1,10})? ?|"
                                r"\\.|[{}]", re.IGNORECASE | re.DOTALL)
_DATA_FIELD = re.compile(r"\{\\\*\\datafield[^{}]*\}")
_INSTRUCTION_READ = 2048  # characters of an instruction read
_RESULT_SHOWN = 16  # pieces of a field's words looked at for what its instruction holds

_FONT = re.compile(r"\\f(\d+)")
_CHARSET = re.compile(r"\\fcharset(\d+)")
_NOT_SEMICOLON = re.compile(r"[^;]")

_CONTROL_WORD = re.compile(r"\\[a-z]+-?\d* ?")
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")
_FORMATS = ("\\pngblip", "\\jpegblip")
_OBJECT_DATA_GROUP = re.compile(r"\{[ \r\n]{0,20}(?:\\\*[ \r\n]{0,20})?\Z")


def text(document: str) -> str:
    """The text of an RTF document, page headers, footers, footnotes and comments included,
    and what its fields' instructions hold (a hyperlink's address, a picture's path); then
    what it keeps beside them (`kept`)."""
    read = _Reader(document).read()
    # then its form fields' defaults and choices it does not show, last (PARSER 21)
    return "\n".join(t for t in (read, kept(document), form_fields(document, read)) if t)


# what a document keeps beside its text: the title, subject, keywords and comments of its
# \info (File > Properties), and its document variables ({\*\docvar {name}{value}})
_KEPT = re.compile(r"\{\\(?:(title|subject|keywords|doccomm)|\*\\(docvar))(?![a-z])")
_KEPT_MOST = 200  # such groups read, each within its first _KEPT_SPAN characters
_KEPT_SPAN = 65536


def kept(document: str) -> str:
    """The document's title, subject, keywords and comments on one line ("Title: Referral:
    Amy Reid; Subject: ..."), then its variables ("Child Name: Amy Reid; NHS Number: ..."),
    which a case system's letter template fills: read after everything else the letter gives
    (PARSER 16), so what it gave before keeps its place. A few hundred groups at most, each in
    its first 64 KB: a letter of a million unclosed "{\\title" costs no more."""
    said, variables = [], []
    for n, found in enumerate(_KEPT.finditer(document)):
        if n == _KEPT_MOST:
            break
        group = _group(document[found.start():found.start() + _KEPT_SPAN], 0)
        if found.group(1):
            if words := _said(group[found.end() - found.start():]):
                said.append(f"{found.group(1).capitalize().replace('Doccomm', 'Comments')}: "
                            f"{words}")
            continue
        inner = group[found.end() - found.start():]
        at, parts = 0, []
        while len(parts) < 2 and (start := inner.find("{", at)) != -1:
            part = _group(inner, start)
            parts.append(_said(part[1:]))
            at = start + len(part)
        if len(parts) == 2 and parts[1]:
            variables.append(f"{label(parts[0])}: {parts[1]}")
    return "\n".join(line for line in ("; ".join(said), "; ".join(variables)) if line)


# a legacy form field's data (`{\*\formfield ...}`, inside its instruction), and in it its
# default text and a dropdown's entries
_FORM_FIELD = re.compile(r"\{\\\*\\formfield(?![a-z])")
_FORM_DATA = re.compile(r"\{\\\*\\(ffdeftext|ffl)(?![a-z])")
_FORM_VALUE_SPAN = 1024  # characters of a value read: Word keeps 255 of a default at most


def form_fields(document: str, shown: str) -> str:
    """A legacy form field's default text where another was typed over it (a template's last
    child), and a dropdown field's entries (the children on a plan, of which one shows), that
    the document's text `shown` does not say, a line each ("List: Amy Reid, Leo Hart"), as
    a .docx's are read (officestored.word_choices). A few hundred fields and values at most
    (Word allows 25 entries a dropdown), each within its field's first 64 KB and its first
    1 KB: a million unclosed fields or entries cost no more."""
    said = set(shown.split())  # a value is said when its every word is, as a set: linear
    lines: dict[str, None] = {}
    values = _KEPT_MOST
    for n, found in enumerate(_FORM_FIELD.finditer(document)):
        if n == _KEPT_MOST or values <= 0:
            break
        field = _group(document[found.start():found.start() + _KEPT_SPAN], 0)
        entries = []
        for data in _FORM_DATA.finditer(field, found.end() - found.start()):
            values -= 1
            if values < 0:
                break
            value = field[data.start():data.start() + _FORM_VALUE_SPAN]
            words = _said(_group(value, 0)[data.end() - data.start():])
            if words and not said.issuperset(words.split()):
                if data.group(1) == "ffl":
                    entries.append(words)
                else:
                    lines[words] = None
        if entries:
            lines["List: " + ", ".join(dict.fromkeys(entries))] = None
    return "\n".join(lines)


def _said(group: str) -> str:
    """The words of a group's inside (after its control word), on one line."""
    return value(_Reader("{\\rtf1 " + group).read())


class _Reader:
    """One pass over a document. The loop over its tokens is one method, its state in local
    names: it runs once per token of a 30 MB letter, where each call and attribute costs."""

    def __init__(self, document: str) -> None:
        self.document = document
        self.out: list[str] = []
        self.encoding = "cp1252"  # the document's code page (\ansicpgN)
        self.fonts = _fonts(document)  # a font's code page, by its number
        self.fields: list[tuple[int, str, int]] = []  # open fields: depth, data, text start

    def read(self) -> str:
        document, out, actions = self.document, self.out, _ACTIONS
        # the groups open: [unicode_skip, font, how many groups opened with them], one entry
        # for groups opened one inside another with the same (a million braces, one entry)
        stack: list[list] = []
        depth, unicode_skip, skip, font, hexes, pos = 0, 1, 0, None, [], 0
        while pos < len(document):
            for token in _TOKEN.finditer(document, pos):
                kind = token.lastindex
                if kind == _HEX:
                    run = token.group(_HEX)
                    if skip > 0:
                        cut = min(skip, len(run) // 4)
                        run, skip = run[4 * cut:], skip - cut
                    if run:
                        hexes.append(run)
                    continue
                if hexes:
                    out.append(self.decoded(hexes, font))
                    hexes = []
                if kind == _OPEN:
                    skip, opened = 0, len(token.group(_BRACES_OPENED))
                    depth += opened
                    if stack and stack[-1][0] == unicode_skip and stack[-1][1] == font:
                        stack[-1][2] += opened
                    else:
                        stack.append([unicode_skip, font, opened])
                elif kind == _CLOSE:
                    skip = 0
                    for _ in range(len(token.group(_CLOSE))):
                        if not depth:  # closing what never opened: nothing after it is read
                            break
                        unicode_skip, font = _closed(stack)
                        depth -= 1
                        while self.fields and depth < self.fields[-1][0]:
                            self.field_closed()
                        if not depth:  # the document's group closed: what follows is not read
                            break
                    if not depth:
                        pos = len(document)
                        break
                elif kind == _TEXT:
                    run = token.group(_TEXT)
                    if skip > 0:
                        run, skip = _skipped(run, skip)
                    if "\n" in run or "\r" in run:
                        run = run.replace("\r", "").replace("\n", "")
                    if run:
                        out.append(run)
                elif kind == _GROUP_TEXT:
                    skip, run = 0, token.group(_GROUP_TEXT)
                    out.append(run.replace("\r", "").replace("\n", ""))
                    if not depth:  # it was the document's group
                        pos = len(document)
                        break
                elif kind == _WORD:
                    skip = 0
                    action = actions.get(token.group(_NAME))
                    if action is None:
                        continue
                    if action == _PASSED:
                        pos = self.passed(token, depth, token.group(_NAME) == "fldinst")
                        break
                    if action == _SPECIAL_TEXT:
                        out.append(_SPECIAL[token.group(_NAME)])
                    elif action == _UNICODE:
                        out.append(_character(token.group(_NUMBER)))
                        skip = unicode_skip
                    elif action == _UNICODE_SKIP:
                        if token.group(_NUMBER) is not None:
                            unicode_skip = int(token.group(_NUMBER))
                    elif action == _FONT_SET:
                        font = token.group(_NUMBER)
                    elif action == _CODE_PAGE:
                        self.encoding = _code_page(token.group(_NUMBER))
                    else:  # shown: "\par " took its place, its number and space left as text
                        word = token.group().rstrip("\r\n")
                        out.append("\n" + word[len(token.group(_NAME)) + 1:])
                elif kind == _QUIET:
                    skip = 0
                elif kind == _SYMBOL:
                    symbol, skip = token.group(_SYMBOL), 0
                    if symbol in _SPECIAL:
                        out.append(_SPECIAL[symbol])
                    elif symbol == "*" and not _SHOWN_NEXT.match(document, token.start() + 2):
                        pos = self.passed(token, depth,
                                          bool(_INSTRUCTION.match(document, token.end())))
                        break
                elif skip > 0:  # a backslash the document ends on
                    skip -= 1
                else:
                    out.append("\\")
            else:
                pos = len(document)
        if hexes:  # a document cut short after a character's bytes (striprtf lost them)
            out.append(self.decoded(hexes, font))
        while self.fields:  # fields a document cut short left open
            self.field_closed()
        return "".join(out)

    def passed(self, token: re.Match, depth: int, instruction: bool = False) -> int:
        """Where the group a token made a destination ends (its closing brace, or the end of
        the document): nothing in it is shown, but what a field's instruction holds is kept
        for when the field closes. Before any group opens, all the rest is passed."""
        if not depth:
            return len(self.document)
        end = self._group_end(token.end())
        if instruction:
            raw = self.document[token.end():min(end, token.end() + _INSTRUCTION_READ)]
            if held := _arguments(raw):
                self.fields.append((depth - 1, held, len(self.out)))
        return end

    def _group_end(self, pos: int) -> int:
        """The closing brace of the group `pos` is in, past its groups, escapes and binary
        data; a code page it sets holds after it, as striprtf held it. What matters is
        searched for a window at a time, and past a window with none of it (a picture's hex)
        the next brace or backslash is found with `str.find`: a pattern searches 5 ns a
        character, 30 MB of photographs in 0.15 s, `find` twenty times faster."""
        document, depth, size = self.document, 0, len(self.document)
        ahead = [-1, -1, -1]  # where the next "{", "}" and "\" are: each stretch searched once
        while True:
            found = _PASSED_MARK.search(document, pos, pos + _WINDOW)
            if found is None:
                if pos + _WINDOW >= size:
                    return size
                pos = _next_mark(document, pos + _WINDOW - _LONGEST_MARK, ahead)
                continue
            if found.end() > pos + _WINDOW - _LONGEST_MARK:  # perhaps cut by the window
                found = _PASSED_MARK.match(document, found.start())
            pos = found.end()
            mark = found.group()
            if mark == "{":
                depth += 1
            elif mark == "}":
                if depth == 0:
                    return found.start()
                depth -= 1
            elif found.group(1) is not None:  # \binN: N bytes, whatever they are
                pos += max(0, _number(found.group(1)))
            elif found.group(2) is not None:
                self.encoding = _code_page(found.group(2) or None)

    def decoded(self, hexes: list[str], font: str | None) -> str:
        """Bytes written as \\'hh, in their font's code page or else the document's."""
        data = bytes.fromhex("".join(hexes).replace("\\'", ""))
        try:
            return data.decode(self.fonts.get(font, self.encoding), "ignore")
        except LookupError:  # a Mac code page Python lacks (striprtf gave up on the letter)
            return data.decode(self.encoding, "ignore")

    def field_closed(self) -> None:
        """A field is closed: what its instruction holds, as a line of its own after it,
        where its words do not show it already ("Jo Bloggs" shows no address; an address
        written out as its own link does)."""
        _, held, start = self.fields.pop()
        shown = "".join(piece[:256] for piece in self.out[start:start + _RESULT_SHOWN])
        if held.casefold().removeprefix("mailto:") not in shown.casefold():
            self.out.append(f"\n{held}\n")


def _arguments(instruction: str) -> str:
    """What a field's instruction holds that is data, read as a .docx's is
    (`officeextras.field_arguments`): a hyperlink's address and screen tip, a picture's or
    a document's path, the text SET, ASK and FILLIN keep; "" for a field of names or
    formats (MERGEFIELD Surname, PAGE)."""
    def plain(code: re.Match) -> str:
        if code.group(2):
            return chr(int(code.group(2), 16))
        return code.group(1) or ""

    return field_arguments(_INSTRUCTION_CODES.sub(plain, _DATA_FIELD.sub("", instruction)))


def _closed(stack: list[list]) -> tuple[int, str | None]:
    """The \\uc and font a group closing gives back."""
    top = stack[-1]
    top[2] -= 1
    if not top[2]:
        stack.pop()
    return top[0], top[1]


def _next_mark(document: str, pos: int, ahead: list[int]) -> int:
    """Where the next brace or backslash from `pos` is (the end, for none), `ahead` keeping
    where each was found, so each stretch of the document is searched once."""
    for n, mark in enumerate("{}\\"):
        if ahead[n] < pos:
            at = document.find(mark, pos)
            ahead[n] = len(document) if at == -1 else at
    return min(ahead)


def _skipped(run: str, skip: int) -> tuple[str, int]:
    """Text without the `skip` characters a `\\uN` is followed by (its stand-in for readers
    without Unicode), and how many are still to skip: line ends are not counted."""
    chars = run.replace("\r", "").replace("\n", "")
    cut = min(skip, len(chars))
    return chars[cut:], skip - cut


def _character(number: str | None) -> str:
    """The character `\\uN` writes (N signed 16 bits); none for a number no character has."""
    if number is None:
        return ""
    code = int(number)
    try:
        return chr(code + 0x10000 if code < 0 else code)
    except (ValueError, OverflowError):  # striprtf gave up on the whole letter
        return ""


def _code_page(number: str | None) -> str:
    """The Python codec of `\\ansicpgN`: UTF-8 where Python has no such code page."""
    name = f"cp{number}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf8"
    return name


def _number(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # "\bin" with no number, or "-" alone
        return 0


def _fonts(document: str) -> dict[str, str]:
    """Each font's code page, by its number, from its `\\fcharsetN`, found as striprtf found
    them: the first `\\fcharset` on the same line after a `\\fN`, and the name up to the next
    ";" (a font with none takes the next one's). Linear: each line is searched once, where
    striprtf's pattern searched it again from each `\\fN` on it."""
    table = _font_table(document)
    fonts: dict[str, str] = {}
    pos, line_end = 0, -1
    while font := _FONT.search(table, pos):
        if line_end < font.end():
            line_end = table.find("\n", font.end())
            line_end = len(table) if line_end == -1 else line_end
        charset = _CHARSET.search(table, font.end(), line_end)
        if charset is None:  # none on this line after this font, nor after any other on it
            pos = line_end
            continue
        number, after = charset.group(1), charset.end()
        name = _NOT_SEMICOLON.search(table, after)
        close = table.find(";", name.start()) if name else -1
        if close == -1:
            if len(number) < 2 or not table.startswith(";", after):
                break  # no name ends after it: no font is found from here on
            number, close = number[:-1], after  # its last digit taken for the name
        fonts[font.group(1)] = _CHARSETS.get(int(number), "cp1252")
        pos = close + 1
    return fonts


def _font_table(document: str) -> str:
    """The first group a brace opens to hold `\\fonttbl` before any other brace, to its
    closing brace by counting braces (escaped ones too, as striprtf counted), or to the end
    of the document. Each stretch is searched once, with `str.find`."""
    pos, last_brace = 0, -1
    while (at := document.find("\\fonttbl", pos)) != -1:
        last_brace = max(last_brace, document.rfind("{", pos, at), document.rfind("}", pos, at))
        pos = at + 1
        if last_brace != -1 and document[last_brace] == "{":
            return _group(document, last_brace)
    return ""


def _group(document: str, start: int) -> str:
    depth, pos, ahead = 0, start, [-1, -1]
    while True:
        for n, brace in enumerate("{}"):
            if ahead[n] < pos:
                at = document.find(brace, pos)
                ahead[n] = len(document) if at == -1 else at
        at = min(ahead)
        if at == len(document):
            return document[start:]
        depth, pos = depth + (1 if at == ahead[0] else -1), at + 1
        if depth == 0:
            return document[start:pos]


def pictures(document: str) -> Iterator[bytes]:
    """The PNG and JPEG pictures in an RTF document, as bytes, in the order shown (the
    metafiles Word also writes are drawings, not read)."""
    at = 0
    while (start := document.find("{\\pict", at)) != -1:
        own, at = _own_text(document, start)
        if any(kind in own for kind in _FORMATS) and (data := hex_bytes(own)) is not None:
            yield data


def objects(document: str) -> Iterator[str]:
    """The data of each object embedded in an RTF document (`{\\*\\objdata ...}`), in the
    order shown, as the group's own text: it writes the bytes in hex, half as many as its
    characters, which the caller counts against what the message may unpack before decoding
    them (`hex_bytes`). A group never closed (a letter cut short) gives nothing."""
    at = 0
    while (word := document.find("\\objdata", at)) != -1:
        at = word + 8
        if document[at:at + 1].isalpha():  # another word
            continue
        opened = _OBJECT_DATA_GROUP.search(document, max(0, word - 48), word)
        if opened is not None:
            own, at = _own_text(document, opened.start())
            yield own


def hex_bytes(own: str) -> bytes | None:
    """The bytes a group's own text writes in hex, its control words left out; None where it
    has no hex digit. The words come before the digits, which are joined with `str.split`
    and decoded at once (a pattern took a tenth of a second over 10 MB of them)."""
    last = own.rfind("\\")
    cut = 0 if last == -1 else (m.end() if (m := _CONTROL_WORD.match(own, last)) else last + 1)
    head = _NOT_HEX.sub("", _CONTROL_WORD.sub("", own[:cut]))
    tail = "".join(own[cut:].split())
    for digits in (head + tail, None):
        if digits is None:  # something besides digits and spaces among them
            digits = head + _NOT_HEX.sub("", tail)
        if not digits:
            return None
        try:
            return binascii.unhexlify(digits[: len(digits) // 2 * 2])
        except ValueError:
            continue
    return None


def _own_text(document: str, start: int) -> tuple[str, int]:
    """The text of the group opening at `start` without the groups inside it, and where it
    ends (the document's end, for a group never closed). Its braces and backslashes are
    found with `str.find`, so its megabytes of hex are passed over in one step (a pattern
    for the whole group cannot follow Word's nested {\\*\\picprop{\\sp{\\sn ...}}} and took
    336 s over a run of spaces)."""
    depth, out, pos, own = 0, [], start, start
    ahead = [-1, -1, -1]
    while (at := _next_mark(document, pos, ahead)) < len(document):
        mark = document[at]
        if mark == "\\":  # an escaped brace or backslash is none, and is left out
            if document[at + 1:at + 2] not in ("{", "}", "\\"):
                pos = at + 1
                continue
            if depth == 1:
                out.append(document[own:at])
            pos = own = at + 2
            continue
        if depth == 1:
            out.append(document[own:at])
        depth += 1 if mark == "{" else -1
        pos = own = at + 1
        if depth == 0:
            return "".join(out), pos
    return "", len(document)
