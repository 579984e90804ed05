"""Events a driver feeds to an IVR session, in the past tense."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DigitReceived:
    """The caller pressed a key (RFC 4733 event, SIP INFO or in-band, as the endpoint saw it)."""

    digit: str
    """One of ``0123456789*#``."""


@dataclass(frozen=True, slots=True)
class PromptFinished:
    """The prompt last asked for with ``PlayPrompt`` played to its end.

    Not sent for a prompt stopped by ``StopPrompt`` or by the end of the call; a stale one
    (naming a prompt that is no longer playing) is ignored.
    """

    prompt: str
    """``Prompt.name`` of the ``PlayPrompt`` command."""


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The caller's leg ended (BYE, or CANCEL while ringing)."""


Event = DigitReceived | PromptFinished | CallerHungUp

__all__ = ["CallerHungUp", "DigitReceived", "Event", "PromptFinished"]
