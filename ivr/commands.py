"""Commands an IVR session asks its driver to carry out, in the imperative.

A session is one call, so commands name no call: the driver knows whose session it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from acd.events import CallQueued
from ivr.config import Prompt


@dataclass(frozen=True, slots=True)
class Ring:
    """Tell the caller the call is ringing (SIP 180), before :class:`Answer`."""


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer the call (SIP 200 OK with media); prompts follow at once."""


@dataclass(frozen=True, slots=True)
class PlayPrompt:
    """Play ``prompt`` to the caller; report ``PromptFinished`` when it has played to its end."""

    prompt: Prompt
    barge_in: bool
    """Whether a digit may interrupt it (the session then sends :class:`StopPrompt`)."""


@dataclass(frozen=True, slots=True)
class StopPrompt:
    """Stop the prompt playing now (the caller barged in); no ``PromptFinished`` for it."""


@dataclass(frozen=True, slots=True)
class QueueCall:
    """The call leaves the IVR for an ACD queue: feed ``call`` to ``Acd.handle``.

    The session is over; from now on the caller's events belong to the ACD.
    """

    call: CallQueued
    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}),
                                         hash=False)
    """What the caller entered (``collect`` nodes), e.g. ``{"file_number": "1234567"}``,
    for the agent's screen."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """Transfer the call to ``number`` (blind: SIP REFER), then hang up our leg."""

    number: str
    """A phone number or a ``sip:``/``sips:``/``tel:`` URI, as written in the tree."""


@dataclass(frozen=True, slots=True)
class HangUp:
    """End the call (SIP BYE)."""

    reason: str
    """``message``, ``closed``, ``error`` (an outcome of the tree) or ``dissuaded`` (file 0)."""


Command = Ring | Answer | PlayPrompt | StopPrompt | QueueCall | Transfer | HangUp

__all__ = [
    "Answer",
    "Command",
    "HangUp",
    "PlayPrompt",
    "QueueCall",
    "Ring",
    "StopPrompt",
    "Transfer",
]
