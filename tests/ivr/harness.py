"""A fake-clock driver for IVR sessions, for synchronous tests."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.commands import Command, HangUp, PlayPrompt, QueueCall, StopPrompt, Transfer
from ivr.config import IvrTree, Prompt
from ivr.events import CallerHungUp, DigitReceived, PromptFinished
from ivr.file0_api import File0Provider
from ivr.loader import load
from ivr.session import IvrSession
from queues import records as rec

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch of a Paris wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS).timestamp()


MONDAY_10 = paris(2026, 3, 30, 10)
"""An ordinary Monday morning: office hours everywhere."""
MONDAY_20 = paris(2026, 3, 30, 20)
"""Monday evening: HNO for France Travail, closed for the Conseil d'État."""
SUNDAY_10 = paris(2026, 3, 29, 10)
EASTER_MONDAY_10 = paris(2026, 4, 6, 10)


def tree(text: str, queues: set[str] | None = None) -> IvrTree:
    """A tree from an indented YAML snippet."""
    return load(textwrap.dedent(text), filename="t.yaml", queues=queues)


@dataclass(frozen=True)
class Message:
    """A file 0 message (what ivr.file0 provides), for tests."""

    id: str
    mode: str
    prompt: str


def provider(message: Message | None, entries: set[str] | None = None) -> File0Provider:
    """A file 0 provider that returns ``message`` for ``entries`` (all if ``None``)."""

    def active(entry: str, now: float) -> Message | None:
        return message if entries is None or entry in entries else None

    return active  # type: ignore[return-value]


@dataclass
class Call:
    """One session driven on a fake clock; remembers every command and record."""

    session: IvrSession
    now: float
    commands: list[Command] = field(default_factory=list)
    records: list[rec.Record] = field(default_factory=list)
    playing: Prompt | None = None

    @classmethod
    def start(
        cls,
        ivr: IvrTree,
        entry: str = "100",
        now: float = MONDAY_10,
        file0: File0Provider | None = None,
        call_id: str = "c1",
        caller: str = "0600000000",
    ) -> Call:
        session = IvrSession(ivr, call_id, caller, entry, now, file0=file0)
        call = cls(session, now)
        call._take(session.start(now))
        return call

    def _take(self, commands: list[Command]) -> list[Command]:
        for command in commands:
            if isinstance(command, PlayPrompt):
                self.playing = command.prompt
            elif isinstance(command, StopPrompt | HangUp | QueueCall | Transfer):
                self.playing = None
        self.commands += commands
        self.records += self.session.pop_records()
        return commands

    def advance(self, seconds: float) -> list[Command]:
        """Move the clock on, firing every timer due on the way."""
        target = self.now + seconds
        out: list[Command] = []
        while (deadline := self.session.next_deadline()) is not None and deadline <= target:
            self.now = max(self.now, deadline)
            out += self._take(self.session.on_timer(self.now))
        self.now = target
        return out

    def press(self, keys: str, gap: float = 0.0) -> list[Command]:
        """Press keys, ``gap`` seconds apart (timers fire in between)."""
        out: list[Command] = []
        for key in keys:
            out += self._take(self.session.handle(DigitReceived(key), self.now))
            if gap:
                out += self.advance(gap)
        return out

    def finish(self, after: float = 0.0) -> list[Command]:
        """The prompt playing now ends, ``after`` seconds from now."""
        out = self.advance(after)
        assert self.playing is not None, "no prompt is playing"
        name = self.playing.name
        self.playing = None
        return out + self._take(self.session.handle(PromptFinished(name), self.now))

    def finish_all(self, limit: int = 20) -> None:
        """Let prompts play to their end until the session waits for something else."""
        for _ in range(limit):
            if self.playing is None or self.session.finished:
                return
            self.finish()
        raise AssertionError("prompts keep coming")

    def hangup(self) -> list[Command]:
        return self._take(self.session.handle(CallerHungUp(), self.now))

    def played(self) -> list[str]:
        """Names of the prompts asked for, in order."""
        return [c.prompt.name for c in self.commands if isinstance(c, PlayPrompt)]

    def kinds(self) -> list[str]:
        return [type(c).__name__ for c in self.commands]

    def last(self) -> Command:
        return self.commands[-1]

    def of(self, kind: type) -> list[object]:
        return [r for r in self.records if isinstance(r, kind)]
