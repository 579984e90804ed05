"""Reading YAML node by node, so that every problem names its line and field.

The loader works on ``yaml.compose`` nodes rather than constructed Python data: nodes
carry their position, and a scalar's raw text is kept (a dialled number ``0140000000``
stays a string, a queue named ``no`` is not the boolean false). Problems are collected,
not raised one at a time, so ``accueil ivr check`` reports all of them at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from typing import Final

import yaml

from ivr.errors import Problem

_NULL: Final = "tag:yaml.org,2002:null"
_INT: Final = "tag:yaml.org,2002:int"
_FLOAT: Final = "tag:yaml.org,2002:float"
_TRUE: Final = frozenset({"true", "yes", "on"})
_FALSE: Final = frozenset({"false", "no", "off"})
MAX_DEPTH: Final = 20


def line_of(node: yaml.Node | None) -> int:
    """1-based line where ``node`` starts (0 without a node)."""
    return 0 if node is None else node.start_mark.line + 1


def is_null(node: yaml.Node) -> bool:
    """Whether ``node`` is an empty value or ``null``/``~``."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def plain(node: yaml.Node, depth: int = 0) -> object:
    """Plain Python data of a subtree: dicts, lists, ``None`` and strings (scalars raw).

    Raises ``ValueError`` past :data:`MAX_DEPTH` levels (a recursive alias never ends).
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, yaml.MappingNode):
        return {str(plain(key, depth + 1)): plain(value, depth + 1) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain(item, depth + 1) for item in node.value]
    return None if is_null(node) else str(node.value)


def describe(node: yaml.Node) -> str:
    """A short description of what a value is, for messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "nothing" if is_null(node) else repr(node.value)


def syntax_problem(filename: str, exc: yaml.YAMLError) -> Problem:
    """The problem of a file ``yaml`` cannot parse, at the line where it stopped."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 0
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else str(problem)
    if "alias" in detail:
        detail += ' (a key or value starting with * must be quoted: "*")'
    return Problem(filename, line, "", f"YAML syntax error: {detail}")


class Reader:
    """Collects the problems of one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | None, field: str, message: str) -> None:
        """Note a problem at ``node``'s line."""
        self.problems.append(Problem(self.filename, line_of(node), field, message))

    def mapping(
        self,
        node: yaml.Node | None,
        path: str,
        known: Collection[str] | None = None,
        *,
        required: bool = False,
    ) -> Fields:
        """Read ``node`` as a mapping (an empty one, after noting why, if it is not one).

        An absent or empty value is an empty mapping, or a problem if ``required``.
        """
        return Fields(self, node, path, known, required)


class Fields:
    """One YAML mapping read as an object: typed getters, unknown and duplicate keys noted.

    Getters note a problem and return the default when a value is missing or wrong, so the
    caller can go on and find the next problem.
    """

    def __init__(
        self,
        reader: Reader,
        node: yaml.Node | None,
        path: str,
        known: Collection[str] | None,
        required: bool = False,
    ) -> None:
        self.reader = reader
        self.node = node
        self.path = path
        self.items: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        self.ok = isinstance(node, yaml.MappingNode)
        if node is None or is_null(node):
            if required:
                reader.error(node, path, "expected a mapping, got nothing")
            return
        if not isinstance(node, yaml.MappingNode):
            reader.error(node, path, f"expected a mapping, got {describe(node)}")
            return
        for key, value in node.value:
            self._add(key, value)
        if known is not None:
            self.restrict(known)

    def _add(self, key: yaml.Node, value: yaml.Node) -> None:
        if not isinstance(key, yaml.ScalarNode) or is_null(key):
            self.reader.error(key, self.path, f"keys must be plain names, got {describe(key)}")
            return
        name = str(key.value)
        if name in self.items:
            first = line_of(self.items[name][0])
            self.reader.error(key, self.sub(name), f"duplicate key (first at line {first})")
            return
        self.items[name] = (key, value)

    def restrict(self, known: Collection[str]) -> None:
        """Note, and drop, every key not in ``known``."""
        for name in [name for name in self.items if name not in known]:
            key, _value = self.items.pop(name)
            self.reader.error(
                key, self.sub(name), f"unknown field (known: {', '.join(sorted(known))})"
            )

    # -- structure ------------------------------------------------------------------------

    def sub(self, key: str) -> str:
        """Dotted path of field ``key``."""
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> yaml.Node | None:
        """The value node of ``key``, or ``None`` when absent or empty."""
        item = self.items.get(key)
        if item is None or is_null(item[1]):
            return None
        return item[1]

    def pairs(self) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """``(key, key node, value node)`` in file order."""
        for name, (key, value) in self.items.items():
            yield name, key, value

    def error(self, key: str, message: str, node: yaml.Node | None = None) -> None:
        """Note a problem with field ``key`` (at its value, else at this mapping)."""
        self.reader.error(node or self.get(key) or self.node, self.sub(key), message)

    def missing(self, key: str, hint: str = "") -> None:
        """Note that required field ``key`` is absent (unless this is no mapping at all,
        which is already noted)."""
        if self.ok:
            message = f"required field is missing {hint}" if hint else "required field is missing"
            self.reader.error(self.node, self.sub(key), message)

    # -- typed getters --------------------------------------------------------------------

    def scalar(self, key: str) -> yaml.ScalarNode | None:
        """The scalar value of ``key``; a list or mapping there is noted as a problem."""
        node = self.get(key)
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.error(key, f"expected a single value, got {describe(node)}")
            return None
        return node

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        what: str = "",
    ) -> str | None:
        """A string; ``pattern`` must match all of it (``what`` says what is expected)."""
        node = self.scalar(key)
        if node is None:
            if required and self.get(key) is None:
                self.missing(key)
            return None
        value = str(node.value)
        if not value.strip():
            self.error(key, "must not be empty")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.error(key, f"expected {what or pattern.pattern}, got {value!r}")
            return None
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        """A number of seconds (or so) within ``[low, high]``."""
        node = self.scalar(key)
        if node is None:
            return default
        try:
            if node.tag not in (_INT, _FLOAT):
                raise ValueError
            value = float(str(node.value).replace("_", ""))
        except ValueError:
            self.error(key, f"expected a number, got {node.value!r}")
            return default
        if not (math.isfinite(value) and low <= value <= high):
            self.error(key, f"must be between {low:g} and {high:g}, got {node.value}")
            return default
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number within ``[low, high]``."""
        node = self.scalar(key)
        if node is None:
            return default
        try:
            if node.tag != _INT:
                raise ValueError
            value = int(str(node.value).replace("_", ""), 10)
        except ValueError:
            self.error(key, f"expected a whole number, got {node.value!r}")
            return default
        if not low <= value <= high:
            self.error(key, f"must be between {low} and {high}, got {value}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean (``true``/``false``, ``yes``/``no``, ``on``/``off``)."""
        node = self.scalar(key)
        if node is None:
            return default
        raw = str(node.value).strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.error(key, f"expected true or false, got {node.value!r}")
        return default

    def choice(self, key: str, options: Collection[str]) -> str | None:
        """One of ``options`` (``None`` when absent)."""
        value = self.text(key)
        if value is not None and value not in options:
            self.error(key, f"expected one of {', '.join(sorted(options))}, got {value!r}")
            return None
        return value


__all__ = ["Fields", "Reader", "describe", "is_null", "line_of", "plain", "syntax_problem"]
