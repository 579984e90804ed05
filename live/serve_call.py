"""One call held by ``accueil serve``, and the structured line logged per call event."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ivr.session import IvrSession
from ivr.waiting import WaitingSession
from live.media import Leg
from live.scheduler import Handle
from sip.sdp import Negotiated, SessionDescription

__all__ = ["Call", "call_log"]

log = logging.getLogger("accueil.calls")


@dataclass(eq=False, slots=True)
class Call:
    """One call: where it is in its life (:mod:`live.serve_calls`), its media, its timer."""

    call_id: str
    """The SIP Call-ID."""
    caller: str
    called: str
    """The number dialled."""
    arrived: float
    phase: str = "setup"
    """``setup``, ``ivr``, ``queued``, ``callback`` (booked, hearing the confirmation),
    ``transfer``, ``fallback``, ``ending``, ``gone``."""
    session: IvrSession | None = None
    waiting: WaitingSession | None = None
    """While queued: music, messages, announcements, the callback key."""
    leg: Leg | None = None
    local_sdp: SessionDescription | None = None
    """Our last SDP (offer or answer), revised by re-offers."""
    negotiated: Negotiated | None = None
    """Codec and remote of the last offer/answer (None for a late offer until it is known)."""
    answered: bool = False
    playing: str | None = None
    """Name of the IVR prompt playing (for ``PromptFinished``)."""
    timer: Handle | None = None
    """The session's one timer."""
    timer_at: float | None = None
    queue: str | None = None
    """The ACD queue, once queued."""


def call_log(event: str, call_id: str, **fields: object) -> None:
    """One structured line per call event: ``event=... call=... key=value ...``."""
    if log.isEnabledFor(logging.INFO):
        extra = " ".join(f"{k}={_value(v)}" for k, v in fields.items())
        log.info("event=%s call=%s%s", event, call_id, f" {extra}" if extra else "")


def _value(value: object) -> str:
    text = str(value)
    return text if text and " " not in text and '"' not in text else f'"{text}"'
