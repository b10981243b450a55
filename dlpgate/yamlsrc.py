"""YAML that remembers where each value came from.

Configuration and policy errors must name file and line ("dlpgate.yaml:12
relay.listen: ..."), so documents are composed into nodes first and every
mapping key and sequence item is indexed by its path before being turned into
plain Python data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class SourceError(Exception):
    """A document that cannot be read at all (bad YAML, missing file)."""

    def __init__(self, where: str, message: str, column: int = 1) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.column = column  # where on the line, when the parser says


@dataclass(frozen=True)
class Located:
    """Plain data from a YAML document plus the line of every path in it."""

    data: Any
    filename: str
    lines: dict[Path_, tuple[int, int]]

    def where(self, path: Path_) -> str:
        """`file:line` for the deepest known prefix of `path`."""
        for cut in range(len(path), -1, -1):
            pos = self.lines.get(tuple(path[:cut]))
            if pos is not None:
                return f"{self.filename}:{pos[0]}"
        return self.filename

    def line(self, path: Path_) -> int:
        return self._pos(path)[0]

    def column(self, path: Path_) -> int:
        return self._pos(path)[1]

    def _pos(self, path: Path_) -> tuple[int, int]:
        for cut in range(len(path), -1, -1):
            pos = self.lines.get(tuple(path[:cut]))
            if pos is not None:
                return pos
        return (1, 1)


# The most values one document may hold once its aliases are expanded: a policy or a
# configuration has a few thousand; ten levels of ten aliases each (a "billion laughs") would
# otherwise be expanded for ever while the relay waits for its reload.
MAX_VALUES = 200_000


class _Walk:
    """Nodes to plain data, each path's position noted; aliases counted as they expand."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: dict[Path_, tuple[int, int]] = {}
        self.values = 0
        self.open: set[int] = set()  # the nodes being walked, to tell an alias of itself

    def __call__(self, node: yaml.Node, path: Path_) -> Any:
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.lines.setdefault(path, where)
        self.values += 1
        if self.values > MAX_VALUES:
            raise SourceError(f"{self.filename}:{where[0]}", f"more than {MAX_VALUES:,} values "
                              "once its aliases (*name) are expanded")
        if id(node) in self.open:
            raise SourceError(f"{self.filename}:{where[0]}", "an alias (*name) refers to the "
                              "value it is inside")
        if isinstance(node, yaml.MappingNode):
            self.open.add(id(node))
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # was a traceback
                    raise SourceError(f"{self.filename}:{key_node.start_mark.line + 1}",
                                      "a merge key (<<: *name) is not read here: write the "
                                      "keys out, or use the alias as a whole value")
                key = yaml.safe_load(yaml.serialize(key_node)) if not isinstance(
                    key_node, yaml.ScalarNode
                ) else _scalar(key_node)
                line = key_node.start_mark.line + 1
                if isinstance(key, list | dict):
                    raise SourceError(f"{self.filename}:{line}", "a key must be a name, not a "
                                      "list or a mapping")
                if key in out:
                    # YAML would keep the last: a second `organisation:` emptied the internal
                    # domains of the first, and every colleague became a stranger
                    name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                   for p in (*path, key)).lstrip(".")
                    raise SourceError(f"{self.filename}:{line}", f"{name} is given twice (first "
                                      f"at line {self.lines[path + (key,)][0]}); the second "
                                      "would replace the first: merge them into one")
                self.lines[path + (key,)] = (line, key_node.start_mark.column + 1)
                out[key] = self(value_node, path + (key,))
            self.open.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            self.open.add(id(node))
            items = [self(item, path + (i,)) for i, item in enumerate(node.value)]
            self.open.discard(id(node))
            return items
        return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    constructor = yaml.SafeLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.dispose()


_CLOSERS = {"flow sequence": ("[", "]", "list"), "flow mapping": ("{", "}", "mapping")}


def _plain(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[yaml.Mark | None, str]:
    """Where a YAML mistake is and what to do about it, in the words of someone who edits a
    policy file rather than the parser's ("expected <block end>, but found '<scalar>'" was
    all an information-governance officer was told of an apostrophe in quotes). The common
    mistakes are named; anything else keeps the parser's own words."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    before = line[:mark.column] if mark else ""
    value = before.partition(": ")[2].lstrip()
    if problem.startswith("found character '\\t'"):
        return mark, ("a tab character: YAML is indented with spaces only; replace the tab "
                      "with spaces")
    if problem.startswith("found character '") and "cannot start any token" in problem:
        char = problem.split("'")[1]
        return mark, (f"a value cannot begin with {char} unless it is in quotes: "
                      f"write \"{char}...\"")
    if "quoted scalar" in context and "end of stream" in problem:
        return exc.context_mark, ("this quotation mark is never closed: end the text with the "
                                  "same mark on this line")
    if value[:1] in ("{", "["):
        return mark, (f"a value that begins with {value[0]} is read as a "
                      f"{'mapping' if value[0] == '{' else 'list'}: put the whole value in "
                      "quotes (explain: \"{recipient}: ...\")")
    if problem == "mapping values are not allowed here":
        if line.lstrip().startswith("-") and line.lstrip()[1:2] not in (" ", ""):
            return mark, "a list item needs a space after its dash: \"- id: ...\""
        if ": " in before.rstrip():
            return mark, ("a colon and a space inside a value: put the whole value in quotes "
                          "(title: \"Exception: ...\")")
        return mark, ("this line is indented further than the line above it, which already "
                      "has a value: line its key up with the keys above")
    for name, (opener, closer, kind) in _CLOSERS.items():
        if name in context and problem.startswith(f"expected ',' or '{closer}'"):
            opened = exc.context_mark.line + 1 if exc.context_mark else "?"
            return mark, (f"the {kind} opened with {opener} at line {opened} is not closed with "
                          f"{closer}, or an entry in it holds a colon or a comma and needs "
                          "quotes")
    if problem.startswith("expected <block end>, but found '<scalar>'"):
        if any(q in before for q in "\"'"):
            return mark, ("text goes on after a quoted value: a quotation mark or apostrophe "
                          "inside the quotes ends them early (inside '...' write an apostrophe "
                          "twice, 'the council''s', or quote with \"...\"), or a quotation mark "
                          "on a line above is never closed")
        return mark, ("this line does not line up with the lines above it: keys of one "
                      "mapping, and items of one list, start in the same column")
    if problem.startswith("expected <block end>, but found '<block"):
        return mark, ("this line does not line up with the lines above it: keys of one "
                      "mapping, and items of one list, start in the same column")
    return mark, problem or context


def parse(text: str, filename: str) -> Located:
    """Parse one YAML document; an empty document is an empty mapping."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark, said = _plain(exc, text.splitlines())
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise SourceError(where, f"not valid YAML: {said}",
                          mark.column + 1 if mark else 1) from None
    except yaml.YAMLError as exc:
        raise SourceError(filename, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise SourceError(filename, "nested too deeply to read") from None
    walk = _Walk(filename)
    try:
        data = {} if node is None else walk(node, ())
    except RecursionError:
        raise SourceError(filename, "nested too deeply to read") from None
    return Located(data=data, filename=filename, lines=walk.lines)


def load(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(str(path), f"cannot be read: {exc}") from None
    return parse(text, str(path))
