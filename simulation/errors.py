"""The one exception base of the ``simulation`` package, and where a YAML value sits.

A :class:`ScenarioError` names the file, the line and the field, so a planner fixes a
scenario without reading a traceback: ``day.yaml:12: arrivals[0].calls_per_hour: ...``.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

Loc = tuple[str | int, ...]
"""A path into the scenario data: mapping keys and list indices."""


class SimulationError(Exception):
    """Anything the simulator cannot do with its input."""


class ScenarioError(SimulationError):
    """A scenario file is invalid; ``str()`` is the one line to show the user."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def field_name(loc: Sequence[str | int]) -> str:
    """``("queues", 0, "skill")`` -> ``queues[0].skill``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def locate(
    root: yaml.Node | None, loc: Sequence[str | int], keep_last: bool = False
) -> tuple[int | None, Loc]:
    """Line (1-based) of the deepest node of ``loc`` found in ``root``, and the path kept.

    Parts missing from the data are dropped (pydantic adds union tags to its paths); with
    ``keep_last``, a missing last part is kept as the field name (a missing field, reported
    on its parent's line).
    """
    node = root
    kept: list[str | int] = []
    line = None if root is None else root.start_mark.line + 1
    for i, part in enumerate(loc):
        child = _child(node, part)
        if child is None:
            if keep_last and i == len(loc) - 1:
                kept.append(part)
            continue
        node = child
        kept.append(part)
        line = child.start_mark.line + 1
    return line, tuple(kept)


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, value in pairs:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        items: list[yaml.Node] = node.value
        return items[part] if 0 <= part < len(items) else None
    return None
