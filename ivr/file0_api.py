"""What an IVR session needs from "file 0": a provider of the message active for a call.

The activations themselves (who switched what on, when, for which entry points) live in
:mod:`ivr.file0`; a session only asks, once per call, ``provider(dialled number, now)`` and
gets a :class:`File0Message` or ``None``. Any object with these read-only attributes will do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal, Protocol

from ivr.config import IvrTree, Prompt
from ivr.errors import InvalidFile0

File0Mode = Literal["inform", "dissuade"]

AUDIO_SUFFIXES: Final = (".wav", ".mp3", ".ogg", ".opus", ".gsm", ".ulaw", ".alaw", ".sln",
                         ".g722", ".au")
"""A file 0 ``prompt`` ending so is a recording to play, not a text to speak."""


class File0Message(Protocol):
    """An active "file 0" message, as the provider gives it (read-only attributes)."""

    @property
    def id(self) -> str:
        """Identifies the activation in the ``CallInformed``/``CallDissuaded`` records."""

    @property
    def mode(self) -> File0Mode:
        """``inform``: play then continue to the menu; ``dissuade``: play then hang up."""

    @property
    def prompt(self) -> str:
        """A prompt name of the tree, else a recording's path (``.wav``...), else a text to
        speak in the tree's language."""


File0Provider = Callable[[str, float], File0Message | None]
"""``(dialled number, now) -> the active message, or None``; asked once per call, at start."""


def check_file0(message: File0Message) -> None:
    """Raise :class:`~ivr.errors.InvalidFile0` for a message a session could not play."""
    mode = getattr(message, "mode", None)
    if mode not in ("inform", "dissuade"):
        raise InvalidFile0(f"file 0 mode must be inform or dissuade, got {mode!r}")
    for name in ("id", "prompt"):
        value = getattr(message, name, None)
        if not isinstance(value, str) or (name == "prompt" and not value.strip()):
            raise InvalidFile0(f"file 0 {name} must be a non-empty string, got {value!r}")


def file0_prompt(message: File0Message, tree: IvrTree) -> Prompt:
    """The prompt to play for ``message``: the tree's prompt of that name, a recording, or
    a text; named ``file0:<id>`` unless it is a prompt of the tree."""
    known = tree.prompts.get(message.prompt)
    if known is not None:
        return known
    name = f"file0:{message.id}"
    if message.prompt.strip().lower().endswith(AUDIO_SUFFIXES):
        return Prompt(name, file=message.prompt.strip(), lang=tree.lang)
    return Prompt(name, text=message.prompt, lang=tree.lang)


__all__ = ["AUDIO_SUFFIXES", "File0Message", "File0Mode", "File0Provider", "check_file0",
           "file0_prompt"]
