"""The IVR tree as frozen data: prompts, nodes, entry points and calendars.

:mod:`ivr.loader` builds an :class:`IvrTree` from YAML and checks it; a tree is immutable,
so a session in progress keeps walking the tree it started with while a reload installs a
new one for new calls (:class:`ivr.service.IvrService`).

Node kinds, and what a session does when a call reaches one:

========== =================================================================================
``play``     play ``prompt``, then go to ``next`` (a digit skips it if ``barge_in``)
``menu``     play ``prompt``, wait ``timeout_s`` for a digit of ``choices``; invalid digit or
             timeout: play ``invalid`` / ``no_input`` and ask again, ``retries`` times, then
             go to ``on_fail``
``collect``  play ``prompt``, gather up to ``max_digits`` digits ended by ``terminator``,
             ``inter_digit_s`` or the last digit; store them in ``variable``, go to ``next``
``queue``    hand the call to the ACD queue ``queue`` with ``priority`` and ``points``
``message``  play ``prompt``, then hang up (outcome ``message``, or ``closed``)
``transfer`` (play ``prompt``, then) transfer the call to ``number``
``goto``     jump to ``target``
``hours``    go to ``ho``, ``hno`` or ``closed`` as ``calendar`` classifies the moment
``hangup``   hang up
========== =================================================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Final, Literal

from acd.hours import OpeningHours

DIGITS: Final = frozenset("0123456789*#")
"""DTMF keys a caller can press."""

EndOutcome = Literal["message", "closed", "error"]
"""Outcomes a ``message`` or ``hangup`` node may declare (see ``queues.records.CallLeftIvr``)."""

CATCH_ALL: Final = "*"
"""Entry key that serves every dialled number no other entry names."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something to play: a recorded file, a text to speak, or both (text as fallback)."""

    name: str
    file: str | None = None
    """Path of the recording, relative to the prompts directory of the deployment."""
    text: str | None = None
    """Text to speak (text-to-speech), or the transcript of ``file``."""
    lang: str = "fr"
    duration_s: float | None = None
    """Length of the prompt when known: a hint for the simulator and silent test media."""


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry point: the number dialled and where its calls start."""

    number: str
    """Dialled number (user part of the Request-URI), or ``*`` for any other number."""
    start: str
    """First node."""
    calendar: str | None = None
    """Calendar checked at answer; when it says closed the call goes to ``closed``."""
    closed: str | None = None
    """Node for a closed calendar (usually a ``message``); required with ``calendar``."""
    ring_s: float = 0.0
    """Seconds to ring before answering (0: answer at once)."""
    file0: bool = True
    """Whether an active file 0 message plays on this entry."""


@dataclass(frozen=True, slots=True)
class PlayNode:
    """Play a prompt, then go on."""

    kind: ClassVar[str] = "play"
    name: str
    prompt: str
    next: str
    barge_in: bool = False
    """A digit stops the prompt and is kept as the first input of the next menu or collect."""


@dataclass(frozen=True, slots=True)
class MenuNode:
    """Ask for one digit among ``choices``, with retries."""

    kind: ClassVar[str] = "menu"
    name: str
    prompt: str
    choices: Mapping[str, str] = field(hash=False)
    """Digit -> node."""
    on_fail: str
    """Node after ``retries`` + 1 failed attempts (no input or an invalid digit)."""
    timeout_s: float = 5.0
    """Wait for a digit after the prompt ends."""
    retries: int = 2
    """Attempts after the first one before ``on_fail``."""
    invalid: str | None = None
    """Prompt played after a digit not in ``choices``."""
    no_input: str | None = None
    """Prompt played after ``timeout_s`` with no digit."""
    barge_in: bool = True


@dataclass(frozen=True, slots=True)
class CollectNode:
    """Gather several digits (a file number) into a variable."""

    kind: ClassVar[str] = "collect"
    name: str
    prompt: str
    variable: str
    next: str
    on_fail: str
    max_digits: int = 20
    min_digits: int = 1
    terminator: str | None = "#"
    """Key that ends the input (not stored); ``None``: only ``max_digits`` or a pause ends it."""
    timeout_s: float = 5.0
    """Wait for the first digit after the prompt ends."""
    inter_digit_s: float = 5.0
    """Wait for each further digit; when it passes the digits so far are the answer."""
    retries: int = 2
    invalid: str | None = None
    """Prompt played when fewer than ``min_digits`` digits were entered."""
    no_input: str | None = None
    barge_in: bool = True


@dataclass(frozen=True, slots=True)
class QueueNode:
    """Hand the call to an ACD queue (the IVR's part of the call ends here)."""

    kind: ClassVar[str] = "queue"
    name: str
    queue: str
    priority: int = 0
    """Absolute priority class in the ACD (higher is served first)."""
    points: int = 0
    """Relative priority points in the ACD."""


@dataclass(frozen=True, slots=True)
class MessageNode:
    """Play a prompt, then hang up."""

    kind: ClassVar[str] = "message"
    name: str
    prompt: str
    outcome: EndOutcome | None = None
    """Recorded outcome; ``None``: ``closed`` if the call took a closed branch, else ``message``."""


@dataclass(frozen=True, slots=True)
class TransferNode:
    """Transfer the call to an external number (blind transfer, SIP REFER)."""

    kind: ClassVar[str] = "transfer"
    name: str
    number: str
    """A phone number (``+33140000000``) or a ``sip:``/``sips:``/``tel:`` URI."""
    prompt: str | None = None
    """Played before the transfer ("je vous transfère")."""


@dataclass(frozen=True, slots=True)
class GotoNode:
    """Jump to another node."""

    kind: ClassVar[str] = "goto"
    name: str
    target: str


@dataclass(frozen=True, slots=True)
class HoursNode:
    """Branch on a calendar: office hours, off hours or closed."""

    kind: ClassVar[str] = "hours"
    name: str
    calendar: str
    ho: str
    closed: str
    hno: str | None = None
    """Node in off hours; ``None``: same as ``ho``."""

    def branch(self, period: str) -> str:
        """The node for a period ``"HO"``, ``"HNO"`` or ``"closed"``."""
        if period == "closed":
            return self.closed
        if period == "HNO" and self.hno is not None:
            return self.hno
        return self.ho


@dataclass(frozen=True, slots=True)
class HangupNode:
    """Hang up without a message."""

    kind: ClassVar[str] = "hangup"
    name: str
    outcome: EndOutcome | None = None


Node = (
    PlayNode
    | MenuNode
    | CollectNode
    | QueueNode
    | MessageNode
    | TransferNode
    | GotoNode
    | HoursNode
    | HangupNode
)

NODE_TYPES: Final[Mapping[str, type[Node]]] = MappingProxyType(
    {
        cls.kind: cls
        for cls in (
            PlayNode,
            MenuNode,
            CollectNode,
            QueueNode,
            MessageNode,
            TransferNode,
            GotoNode,
            HoursNode,
            HangupNode,
        )
    }
)


def successors(node: Node) -> Iterator[tuple[str, str, bool]]:
    """``(field, target node, needs input)`` for every node ``node`` may lead to.

    ``needs input`` is false for the edges a silent caller can take (after a prompt, a
    timeout, a jump or a calendar branch): a cycle of such edges would never end.
    """
    if isinstance(node, PlayNode):
        yield "next", node.next, False
    elif isinstance(node, MenuNode):
        for digit, target in node.choices.items():
            yield f"choices.{digit}", target, True
        yield "on_fail", node.on_fail, False
    elif isinstance(node, CollectNode):
        yield "next", node.next, True
        yield "on_fail", node.on_fail, False
    elif isinstance(node, GotoNode):
        yield "target", node.target, False
    elif isinstance(node, HoursNode):
        yield "ho", node.ho, False
        if node.hno is not None:
            yield "hno", node.hno, False
        yield "closed", node.closed, False


def prompts_of(node: Node) -> Iterator[tuple[str, str]]:
    """``(field, prompt name)`` for every prompt a node plays."""
    for name in ("prompt", "invalid", "no_input"):
        value = getattr(node, name, None)
        if isinstance(value, str):
            yield name, value


@dataclass(frozen=True, slots=True)
class PeriodicMessage:
    """A message a waiting caller hears every ``every_s`` seconds, music in between."""

    prompt: str
    every_s: float
    first_s: float
    """Wait in line before the first time."""


@dataclass(frozen=True, slots=True)
class CallbackOption:
    """The key a waiting caller presses to be called back instead of waiting on the line."""

    key: str
    offer: str
    """Prompt of the choice: hash for the number presented, or another number then hash."""
    confirm: str
    """Prompt played once the callback is booked, before hanging up."""
    other_number: bool = True
    """Whether the caller may key in another number."""
    min_digits: int = 10
    max_digits: int = 15
    timeout_s: float = 10.0
    """Silence after the offer (or between digits) that cancels the choice."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a caller hears while waiting in one ACD queue."""

    queue: str
    music: str | None = None
    """Prompt looped as music on hold; ``None``: the server's default music (or silence)."""
    messages: tuple[PeriodicMessage, ...] = ()
    announce: bool = True
    """Speak the position and estimated wait when the ACD announces them (the queue's
    ``announce_every_s``)."""
    announce_wait: bool = True
    """Include the estimated wait (rounded in words) in announcements."""
    lang: str = "fr"
    """Language of the spoken announcements."""
    callback: CallbackOption | None = None


@dataclass(frozen=True, slots=True, eq=False)
class IvrTree:
    """A whole IVR configuration, checked and immutable."""

    nodes: Mapping[str, Node]
    prompts: Mapping[str, Prompt]
    entries: Mapping[str, Entry]
    """Dialled number -> entry point (``*`` serves any other number)."""
    calendars: Mapping[str, OpeningHours] = field(default_factory=lambda: MappingProxyType({}))
    lang: str = "fr"
    """Default language of text prompts (and of file 0 texts)."""
    waiting: Mapping[str, Waiting] = field(default_factory=lambda: MappingProxyType({}))
    """Queue name -> what its waiting callers hear (queues absent: the defaults)."""
    source: str = "<string>"
    """File the tree was loaded from, for messages."""

    def entry_for(self, number: str) -> Entry | None:
        """The entry point serving ``number``: its own, else the ``*`` one, else ``None``."""
        return self.entries.get(number) or self.entries.get(CATCH_ALL)

    def queues(self) -> frozenset[str]:
        """Names of the ACD queues the tree routes to."""
        return frozenset(n.queue for n in self.nodes.values() if isinstance(n, QueueNode))

    def summary(self) -> str:
        """One line: counts of entries, nodes by kind, prompts and calendars."""
        kinds: dict[str, int] = {}
        for node in self.nodes.values():
            kinds[node.kind] = kinds.get(node.kind, 0) + 1
        by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        return (
            f"{len(self.entries)} entries, {len(self.nodes)} nodes ({by_kind}), "
            f"{len(self.prompts)} prompts, {len(self.calendars)} calendars"
        )


__all__ = [
    "CATCH_ALL",
    "DIGITS",
    "NODE_TYPES",
    "CallbackOption",
    "CollectNode",
    "EndOutcome",
    "Entry",
    "GotoNode",
    "HangupNode",
    "HoursNode",
    "IvrTree",
    "MenuNode",
    "MessageNode",
    "Node",
    "PeriodicMessage",
    "PlayNode",
    "Prompt",
    "QueueNode",
    "TransferNode",
    "Waiting",
    "prompts_of",
    "successors",
]
