"""The "file 0" message: an information or dissuasion message for a collective incident.

A supervisor switches it on in one action (an :class:`Activation`) and off again; the IVR asks
:meth:`File0.active_for` on each new call which activation applies to the entry point the
call arrived on. ``inform`` plays the message then carries on into the menu (the call counts
as *informed*); ``dissuade`` plays it then hangs up (the call counts as *dissuaded*, a lost
call). Pure: no clock (every query takes ``now``), no I/O; the store persists
:meth:`File0.to_dict` and the monitoring API audits every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

Mode = Literal["inform", "dissuade"]
MODES: tuple[Mode, ...] = ("inform", "dissuade")


class File0Error(ValueError):
    """An activation that cannot be (bad mode, no message, unknown id...)."""


@dataclass(frozen=True, slots=True)
class Activation:
    """One switching-on of the file 0 message."""

    id: str
    mode: Mode
    """``inform``: play then continue into the menu; ``dissuade``: play then hang up."""
    requested_at: float
    """When the supervisor asked for it (GVS01 counts from here)."""
    requested_by: str
    reason: str
    text: str = ""
    """Message as text (spoken by text-to-speech), if any."""
    audio: str = ""
    """Path of a recorded message, if any (played in preference to ``text``)."""
    entries: frozenset[str] | None = None
    """Entry points it applies to; ``None`` means every entry point."""
    expires_at: float | None = None
    """It switches itself off at this time, if set."""
    ended_at: float | None = None
    """When a supervisor switched it off (``None`` while not switched off)."""
    ended_by: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise File0Error(f"mode: one of {', '.join(MODES)}, not {self.mode!r}")
        if not self.text and not self.audio:
            raise File0Error("a file 0 activation needs a text or an audio message")
        if not self.id:
            raise File0Error("a file 0 activation needs an id")
        if self.expires_at is not None and self.expires_at <= self.requested_at:
            raise File0Error("expires_at must be after requested_at")
        if self.entries is not None and not self.entries:
            raise File0Error("entries: give at least one entry point, or None for all")

    @property
    def prompt(self) -> str:
        """What the IVR plays (``ivr.file0_api.File0Message``): the recording, else the text."""
        return self.audio or self.text

    def is_active(self, now: float) -> bool:
        """Switched on at ``now``: requested, not switched off, not expired."""
        if now < self.requested_at:
            return False
        if self.ended_at is not None and now >= self.ended_at:
            return False
        return self.expires_at is None or now < self.expires_at

    def applies_to(self, entry: str) -> bool:
        """Whether calls arriving on ``entry`` hear it."""
        return self.entries is None or entry in self.entries

    def end(self) -> float | None:
        """When it stopped or will stop (the earlier of switch-off and expiry)."""
        ends = [t for t in (self.ended_at, self.expires_at) if t is not None]
        return min(ends) if ends else None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return {
            "id": self.id,
            "mode": self.mode,
            "requested_at": self.requested_at,
            "requested_by": self.requested_by,
            "reason": self.reason,
            "text": self.text,
            "audio": self.audio,
            "entries": sorted(self.entries) if self.entries is not None else None,
            "expires_at": self.expires_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Activation:
        """Inverse of :meth:`to_dict`; raises :class:`File0Error` naming what is wrong."""
        try:
            entries = data.get("entries")
            return cls(
                id=str(data["id"]),
                mode=cast(Mode, data["mode"]),
                requested_at=float(data["requested_at"]),
                requested_by=str(data.get("requested_by", "")),
                reason=str(data.get("reason", "")),
                text=str(data.get("text", "")),
                audio=str(data.get("audio", "")),
                entries=None if entries is None else frozenset(str(e) for e in entries),
                expires_at=_opt_float(data.get("expires_at")),
                ended_at=_opt_float(data.get("ended_at")),
                ended_by=str(data.get("ended_by", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, File0Error):
                raise
            raise File0Error(f"bad file 0 activation: {exc!r}") from None


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


class File0:
    """Every activation, switched on or not; the IVR asks which one applies to a call."""

    def __init__(self, activations: Iterable[Activation] = ()) -> None:
        self._by_id: dict[str, Activation] = {}
        for activation in activations:
            self._by_id[activation.id] = activation

    def activate(self, activation: Activation) -> Activation:
        """Switch an activation on; its id must be new."""
        if activation.id in self._by_id:
            raise File0Error(f"file 0 activation {activation.id!r} exists already")
        self._by_id[activation.id] = activation
        return activation

    def deactivate(self, activation_id: str, now: float, by: str) -> Activation:
        """Switch an activation off at ``now`` (no change if it has already ended)."""
        current = self.get(activation_id)
        if current.ended_at is not None and current.ended_at <= now:
            return current
        ended = replace(current, ended_at=max(now, current.requested_at), ended_by=by)
        self._by_id[activation_id] = ended
        return ended

    def get(self, activation_id: str) -> Activation:
        """The activation with this id; :class:`File0Error` if none."""
        found = self._by_id.get(activation_id)
        if found is None:
            raise File0Error(f"no file 0 activation {activation_id!r}")
        return found

    def all(self) -> list[Activation]:
        """Every activation, oldest request first."""
        return sorted(self._by_id.values(), key=lambda a: (a.requested_at, a.id))

    def active(self, now: float) -> list[Activation]:
        """Activations switched on at ``now``, the most recent request first."""
        return [a for a in reversed(self.all()) if a.is_active(now)]

    def active_for(self, entry: str, now: float) -> Activation | None:
        """The activation a call arriving on ``entry`` at ``now`` hears (the latest request).

        This is an ``ivr.file0_api.File0Provider``: give ``board.active_for`` to the IVR.

        A dissuasion message wins over an information one: a caller told not to call is not
        also let through by an older information message.
        """
        found = [a for a in self.active(now) if a.applies_to(entry)]
        for activation in found:
            if activation.mode == "dissuade":
                return activation
        return found[0] if found else None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form of every activation."""
        return {"activations": [a.to_dict() for a in self.all()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> File0:
        """Inverse of :meth:`to_dict`."""
        items = data.get("activations", [])
        if not isinstance(items, list):
            raise File0Error("activations: expected a list")
        return cls(Activation.from_dict(item) for item in items)
