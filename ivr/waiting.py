"""A caller waiting in an ACD queue: music, periodic messages, announcements, callback key.

:class:`WaitingSession` is sans-I/O like :class:`ivr.session.IvrSession`: the driver feeds
it events with ``now`` and carries out the commands it returns; it exposes its next
deadline. It starts when the IVR hands the caller to the ACD and ends when an agent is
connected (the driver drops it) or the caller has booked a callback (it hangs up).

- Music on hold loops (:class:`PlayMusic`) whenever nothing else plays.
- Periodic messages interrupt the music every ``every_s`` seconds, first after
  ``first_s``; the ACD's announcements (:class:`Announce`, from ``PlayAnnouncement``) are
  spoken as two prompts, the position then the estimated wait rounded in words
  (:func:`position_text`, :func:`wait_text`). What arrives while something plays waits
  its turn (a newer announcement replaces an older one not yet spoken).
- The callback key opens a short dialogue: the offer prompt, then hash alone for the number
  presented, or another number then hash; star or silence cancels and the music resumes.
  A valid number yields :class:`RequestCallback`; the driver asks the ACD and answers
  :class:`CallbackBooked` (the confirmation plays, then :class:`~ivr.commands.HangUp`) or
  :class:`CallbackRefused` (back to the music; e.g. an agent is ringing for this call).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from acd.model import DIALLABLE
from ivr.commands import HangUp, PlayPrompt, StopPrompt
from ivr.config import Prompt, Waiting
from ivr.errors import IvrError
from ivr.events import DigitReceived, PromptFinished

__all__ = [
    "Announce",
    "CallbackBooked",
    "CallbackRefused",
    "PlayMusic",
    "RequestCallback",
    "WaitingSession",
    "position_text",
    "wait_text",
]

#: Positions above this are announced as "more than N".
MAX_POSITION: Final = 20


@dataclass(frozen=True, slots=True)
class Announce:
    """The ACD announces the caller's position and estimated wait (``None``: unknown)."""

    position: int
    wait_s: float | None


@dataclass(frozen=True, slots=True)
class CallbackBooked:
    """The ACD took the callback request: the caller keeps their place without waiting."""


@dataclass(frozen=True, slots=True)
class CallbackRefused:
    """The ACD could not take the callback request now."""


WaitingEvent = DigitReceived | PromptFinished | Announce | CallbackBooked | CallbackRefused


@dataclass(frozen=True, slots=True)
class PlayMusic:
    """Loop the music on hold (``None``: the server's default music, or silence)."""

    prompt: str | None


@dataclass(frozen=True, slots=True)
class RequestCallback:
    """Ask the ACD to call the caller back at ``number`` (``CallbackRequested``)."""

    number: str


WaitingCommand = PlayMusic | PlayPrompt | StopPrompt | RequestCallback | HangUp

_TEXTS: Final = {
    "fr": {
        "next": "Vous êtes le prochain correspondant.",
        "position": "Vous êtes en position {n}.",
        "many": "Plus de {n} personnes attendent avant vous.",
        "under_minute": "Votre attente est estimée à moins d'une minute.",
        "minutes": "Votre attente est estimée à environ {n} minutes.",
        "one_minute": "Votre attente est estimée à environ une minute.",
        "over_hour": "Votre attente est estimée à plus d'une heure.",
    },
    "en": {
        "next": "You are next in line.",
        "position": "You are number {n} in line.",
        "many": "There are more than {n} callers ahead of you.",
        "under_minute": "Your estimated wait is less than a minute.",
        "minutes": "Your estimated wait is about {n} minutes.",
        "one_minute": "Your estimated wait is about one minute.",
        "over_hour": "Your estimated wait is more than an hour.",
    },
}


def _texts(lang: str) -> dict[str, str]:
    return _TEXTS.get(lang.split("-")[0], _TEXTS["en"])


def position_text(position: int, lang: str = "fr") -> tuple[str, str]:
    """``(prompt name, words)`` of a position in line (1 is next)."""
    t = _texts(lang)
    if position <= 1:
        return f"announce-{lang}-next", t["next"]
    if position > MAX_POSITION:
        return f"announce-{lang}-many", t["many"].format(n=MAX_POSITION)
    return f"announce-{lang}-pos{position}", t["position"].format(n=position)


def wait_minutes(wait_s: float) -> int:
    """The estimated wait as a caller hears it: 0 (under a minute), whole minutes up to
    ten, then fives up to the hour, 60 for longer (rounded to the nearest)."""
    if wait_s < 60:
        return 0
    minutes = wait_s / 60
    if minutes < 10:
        return max(1, math.floor(minutes + 0.5))
    if minutes >= 57.5:
        return 60
    return min(55, 5 * math.floor(minutes / 5 + 0.5))


def wait_text(wait_s: float, lang: str = "fr") -> tuple[str, str]:
    """``(prompt name, words)`` of an estimated wait, rounded (:func:`wait_minutes`)."""
    t = _texts(lang)
    minutes = wait_minutes(wait_s)
    if minutes == 0:
        return f"announce-{lang}-wait0", t["under_minute"]
    if minutes == 1:
        return f"announce-{lang}-wait1", t["one_minute"]
    if minutes >= 60:
        return f"announce-{lang}-wait60", t["over_hour"]
    return f"announce-{lang}-wait{minutes}", t["minutes"].format(n=minutes)


class WaitingSession:
    """One waiting caller; see the module docstring.

    ``prompts`` are the IVR tree's prompts (names in ``config`` refer to them); ``caller``
    is the number presented (dialled back on hash alone when it is diallable).
    """

    def __init__(self, config: Waiting, prompts: Mapping[str, Prompt], caller: str,
                 now: float) -> None:
        self.config = config
        self.prompts = prompts  # the tree's (read-only) mapping: shared, never copied
        self.caller = caller
        self.state = "music"
        """``music``, ``message`` (a message or an announcement plays), ``offer`` (the
        callback dialogue), ``requesting``, ``confirming``, ``done``."""
        self.playing: str | None = None
        self._pending: list[Prompt] = []
        self._next: list[float] = [now + m.first_s for m in config.messages]
        self._digits = ""
        self._offer_until: float | None = None
        self.booked: str | None = None
        """The number a callback was booked for."""

    # ------------------------------------------------------------------ driver API

    def start(self, now: float) -> list[WaitingCommand]:
        """The caller joins the line: the music starts."""
        return [PlayMusic(self.config.music)]

    def next_deadline(self) -> float | None:
        if self.state == "done":
            return None
        times = list(self._next) if self.state in ("music", "message") else []
        if self._offer_until is not None:
            times.append(self._offer_until)
        return min(times) if times else None

    def on_timer(self, now: float) -> list[WaitingCommand]:
        out: list[WaitingCommand] = []
        if self._offer_until is not None and now >= self._offer_until:
            out += self._end_offer()  # silence: the choice is cancelled
        if self.state in ("music", "message"):
            for i, message in enumerate(self.config.messages):
                if self._next[i] <= now:
                    self._next[i] = now + message.every_s
                    out += self._say([self._prompt(message.prompt)])
        return out

    def handle(self, event: WaitingEvent, now: float) -> list[WaitingCommand]:
        """Apply one event; raises :class:`~ivr.errors.IvrError` for one that cannot."""
        match event:
            case Announce():
                return self._announce(event)
            case PromptFinished(prompt=name):
                return self._finished(name, now)
            case DigitReceived(digit=digit):
                return self._digit(digit, now)
            case CallbackBooked():
                if self.state != "requesting":
                    raise IvrError("no callback request is pending")
                self.state = "confirming"
                return self._play(self._prompt(_confirm(self.config)), barge_in=False)
            case CallbackRefused():
                if self.state != "requesting":
                    raise IvrError("no callback request is pending")
                self.booked = None
                self.state = "music"
                return self._resume()
        raise IvrError(f"unexpected event {type(event).__name__}")

    # ------------------------------------------------------------------ internals

    def _prompt(self, name: str) -> Prompt:
        prompt = self.prompts.get(name)
        if prompt is None:
            raise IvrError(f"waiting: no prompt {name!r}")
        return prompt

    def _announce(self, event: Announce) -> list[WaitingCommand]:
        config = self.config
        if not config.announce or self.state not in ("music", "message"):
            return []
        lang = config.lang
        parts = [Prompt(*_named(position_text(event.position, lang)), lang=lang)]
        if config.announce_wait and event.wait_s is not None:
            parts.append(Prompt(*_named(wait_text(event.wait_s, lang)), lang=lang))
        # a newer announcement replaces one not spoken yet
        self._pending = [p for p in self._pending if not p.name.startswith("announce-")]
        return self._say(parts)

    def _say(self, prompts: list[Prompt]) -> list[WaitingCommand]:
        if self.state == "message":
            self._pending.extend(p for p in prompts if p not in self._pending)
            return []
        first, *rest = prompts
        self._pending.extend(rest)
        self.state = "message"
        return self._play(first, barge_in=True)

    def _play(self, prompt: Prompt, *, barge_in: bool) -> list[WaitingCommand]:
        self.playing = prompt.name
        return [PlayPrompt(prompt, barge_in)]

    def _finished(self, name: str, now: float) -> list[WaitingCommand]:
        if name != self.playing:
            return []  # a prompt stopped or replaced meanwhile
        self.playing = None
        if self.state == "message":
            return self._resume()
        if self.state == "offer":
            option = self.config.callback
            assert option is not None
            self._offer_until = now + option.timeout_s
            return []
        if self.state == "confirming":
            self.state = "done"
            return [HangUp("callback")]
        return []

    def _resume(self) -> list[WaitingCommand]:
        """Play what waits its turn, else back to the music."""
        if self._pending:
            self.state = "message"
            return self._play(self._pending.pop(0), barge_in=True)
        self.state = "music"
        return [PlayMusic(self.config.music)]

    def _digit(self, digit: str, now: float) -> list[WaitingCommand]:
        option = self.config.callback
        if option is None:
            return []
        if self.state in ("music", "message"):
            if digit != option.key:
                return []
            out: list[WaitingCommand] = [StopPrompt()] if self.playing else []
            self._pending.clear()
            self.state, self._digits, self._offer_until = "offer", "", None
            return out + self._play(self._prompt(option.offer), barge_in=True)
        if self.state != "offer":
            return []
        out = []
        if self.playing is not None:  # barge-in: the caller already chose
            self.playing = None
            out.append(StopPrompt())
        self._offer_until = now + option.timeout_s
        if digit == "*":
            return out + self._end_offer()
        if digit != "#":
            if option.other_number and len(self._digits) < option.max_digits:
                self._digits += digit
            return out
        number = self._digits or self.caller
        typed = bool(self._digits)
        if typed and not option.min_digits <= len(number) <= option.max_digits:
            return out + self._end_offer()
        if not DIALLABLE.fullmatch(number):
            return out + self._end_offer()
        self.state, self._offer_until, self.booked = "requesting", None, number
        return [*out, RequestCallback(number)]

    def _end_offer(self) -> list[WaitingCommand]:
        out: list[WaitingCommand] = [StopPrompt()] if self.playing else []
        self.playing = None
        self._offer_until = None
        self._digits = ""
        self.state = "music"
        return [*out, PlayMusic(self.config.music)]


def _confirm(config: Waiting) -> str:
    assert config.callback is not None
    return config.callback.confirm


def _named(pair: tuple[str, str]) -> tuple[str, None, str]:
    """``(name, words)`` -> the positional fields ``name, file, text`` of a Prompt."""
    name, words = pair
    return name, None, words
