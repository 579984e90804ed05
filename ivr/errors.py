"""The one exception base of the ``ivr`` package.

A configuration that cannot load raises :class:`IvrConfigError`, whose message names the
file, the line and the field of every problem found (``ivr.yaml:14: nodes.main.choices.3:
unknown node 'sales_q'``). An event a session cannot apply raises :class:`InvalidEvent`
and leaves the session exactly as it was (h11 style).
"""

from __future__ import annotations

from dataclasses import dataclass


class IvrError(ValueError):
    """Base of every error the IVR raises."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an IVR file."""

    filename: str
    line: int
    """1-based line of the offending value (0 when the file has no line to point at)."""
    field: str
    """Dotted path of the field, e.g. ``nodes.main.choices.3``."""
    message: str

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}" if self.line else self.filename
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.message}"


class IvrConfigError(IvrError):
    """An IVR file does not load; ``problems`` lists every problem, in file order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        if not problems:
            raise ValueError("IvrConfigError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.line, p.field))
        )
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def filename(self) -> str:
        """File of the first problem."""
        return self.problems[0].filename

    @property
    def line(self) -> int:
        """Line of the first problem."""
        return self.problems[0].line

    @property
    def field(self) -> str:
        """Field of the first problem."""
        return self.problems[0].field


class InvalidEvent(IvrError):
    """An event a session cannot take (bad digit, not started, unknown event type)."""


class UnknownEntry(IvrError):
    """No entry point of the tree serves the dialled number (and there is no ``*`` entry)."""


class InvalidFile0(IvrError):
    """The file 0 provider returned a message the session cannot play (bad mode, no prompt)."""


__all__ = [
    "InvalidEvent",
    "InvalidFile0",
    "IvrConfigError",
    "IvrError",
    "Problem",
    "UnknownEntry",
]
