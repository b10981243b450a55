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

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


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


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, tuple[int, int]]) -> Any:
    lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node)) if not isinstance(
                key_node, yaml.ScalarNode
            ) else _scalar(key_node)
            lines[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _walk(value_node, path + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, path + (i,), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    constructor = yaml.SafeLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.dispose()


def parse(text: str, filename: str) -> Located:
    """Parse one YAML document; an empty document is an empty mapping."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise SourceError(where, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise SourceError(filename, f"not valid YAML: {exc}") from None
    lines: dict[Path_, tuple[int, int]] = {}
    data = {} if node is None else _walk(node, (), lines)
    return Located(data=data, filename=filename, lines=lines)


def load(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(str(path), f"cannot be read: {exc}") from None
    return parse(text, str(path))
