"""HTML -> plain text, for detection rather than display.

The standard library's tolerant parser is enough: we need the words a reader
would see, one block per line, with scripts and styles dropped. It never raises
on broken markup, which matters more here than layout fidelity.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "title",
}
_CELL = {"td", "th"}
_SKIP = {"script", "style", "head", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag != "head":
            self.skipping += 1
        elif tag in _BLOCK:
            self.out.append("\n")
        elif tag in _CELL:
            self.out.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


# A "<" whose tag never closes before the next "<" (or the end) is text: the standard
# library's parser looked for that tag's end again from each one ("x<" repeated 40,000 times
# took 4.5 s; "<a" the same)
_NOT_A_TAG = re.compile(r"<(?=[^<>]*(?:<|\Z))")


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(_NOT_A_TAG.sub("&lt;", html))
        parser.close()
    except AssertionError:  # the parser asserts on a few pathological inputs
        pass
    text = "".join(parser.out)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
