"""One call's walk through an IVR tree: a sans-I/O state machine (the h11/aioquic style).

The driver creates a session when a call arrives, calls :meth:`IvrSession.start`, then feeds
what it sees (:mod:`ivr.events`) to :meth:`~IvrSession.handle`, re-arms one timer at
:meth:`~IvrSession.next_deadline` and calls :meth:`~IvrSession.on_timer` when it expires.
Every call returns the :mod:`ivr.commands` to carry out; :meth:`~IvrSession.pop_records`
gives the :mod:`queues.records` facts for the call event stream. Time is always a parameter.

Who answers: the session. It sends :class:`~ivr.commands.Ring` then, ``ring_s`` later,
:class:`~ivr.commands.Answer` (at once when ``ring_s`` is 0), because the tree decides how
long an entry rings and nothing may be played before the answer.

A call's life, and its records:

1. created: ``CallReceived`` (at the arrival time given to the constructor);
2. ringing (``ring_s`` > 0), then answered;
3. file 0, when the provider has an active message for the dialled number:
   ``inform`` plays it (no barge-in) then goes on, and records ``CallInformed`` **when it
   starts playing** (a caller who hangs up during it has been informed: that is the
   message's purpose, and it is the moment "redirected to file 0" of KPI GVS01);
   ``dissuade`` plays it then hangs up, and records ``CallDissuaded`` when the call ends,
   by our hang-up or the caller's (a dissuaded call is not also counted informed);
4. the entry's calendar, if any: closed goes to the entry's ``closed`` node;
5. the nodes, until the call ends in exactly one way: a ``QueueCall`` command (the ACD
   records the rest), a ``CallLeftIvr`` record (``hangup`` when the caller hangs up,
   ``message``, ``transfer``, ``closed``, ``error``), or ``CallDissuaded``.

Once a call took a closed branch (entry calendar or ``hours`` node), an end without an
explicit outcome (a message, a hang-up, the caller hanging up) is recorded ``closed``.

Events after the end are ignored (a caller's BYE crossing ours is normal); an event that is
malformed, or comes before :meth:`~IvrSession.start`, raises
:class:`~ivr.errors.InvalidEvent` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal

from acd.events import CallQueued
from ivr.commands import (
    Answer,
    Command,
    HangUp,
    PlayPrompt,
    QueueCall,
    Ring,
    StopPrompt,
    Transfer,
)
from ivr.config import (
    DIGITS,
    CollectNode,
    EndOutcome,
    Entry,
    GotoNode,
    HangupNode,
    HoursNode,
    IvrTree,
    MenuNode,
    MessageNode,
    Node,
    PlayNode,
    Prompt,
    QueueNode,
    TransferNode,
)
from ivr.errors import InvalidEvent, UnknownEntry
from ivr.events import CallerHungUp, DigitReceived, Event, PromptFinished
from ivr.file0_api import File0Message, File0Provider, check_file0, file0_prompt
from queues.records import (
    CallDissuaded,
    CallInformed,
    CallLeftIvr,
    CallReceived,
    IvrOutcome,
    Record,
)

Phase = Literal["new", "ringing", "playing", "waiting", "done"]
Outcome = Literal[
    "queued", "dissuaded", "hangup", "abandoned", "message", "transfer", "closed", "error"
]
"""How a session ended: queued, dissuaded, or the ``CallLeftIvr`` outcome."""

MAX_TYPEAHEAD = 32
"""Digits kept from barged-in announcements for the next menu or collect."""


_Then = Callable[[float], None]
_OnDigit = Callable[[str, float], None]


class IvrSession:
    """One call in the IVR. See the module docstring for its life and records."""

    def __init__(
        self,
        tree: IvrTree,
        call_id: str,
        caller: str,
        entry: str,
        now: float,
        file0: File0Provider | None = None,
    ) -> None:
        """A call to ``entry`` (the dialled number) from ``caller``, arrived at ``now``.

        Raises :class:`~ivr.errors.UnknownEntry` if no entry point serves the number (the
        driver should refuse the call, e.g. SIP 404, before creating a session).
        """
        found = tree.entry_for(entry)
        if found is None:
            raise UnknownEntry(f"no entry point for {entry!r} in {tree.source}")
        self.tree = tree
        """The tree this call walks, kept to the end even if the service reloads."""
        self.call_id = call_id
        self.caller = caller
        self.entry = entry
        """Dialled number."""
        self.entry_point: Entry = found
        self.outcome: Outcome | None = None
        """How the session ended, once it has."""
        self._file0 = file0
        self._phase: Phase = "new"
        self._node: Node | None = None
        self._playing: Prompt | None = None
        self._after: _Then | None = None
        self._on_digit: _OnDigit | None = None
        self._deadline: float | None = None
        self._on_timer: _Then | None = None
        self._commands: list[Command] = []
        self._records: list[Record] = [CallReceived(now, call_id, caller, entry)]
        self._variables: dict[str, str] = {}
        self._typeahead: list[str] = []
        self._failures = 0
        self._digits = ""
        self._closed = False
        self._chose = False
        """A menu choice was made: hanging up from now on is an abandon (contract rule)."""
        self._dissuading: File0Message | None = None

    # -- the driver's interface ---------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """``new``, ``ringing``, ``playing`` (a prompt), ``waiting`` (for a digit) or ``done``."""
        return self._phase

    @property
    def finished(self) -> bool:
        """Whether the call has left the IVR (queued, transferred, hung up...)."""
        return self._phase == "done"

    @property
    def node(self) -> str | None:
        """Name of the node the call is in (``None`` before the tree and after the end)."""
        return None if self._node is None or self.finished else self._node.name

    @property
    def variables(self) -> Mapping[str, str]:
        """What the caller entered so far (``collect`` nodes), read-only."""
        return MappingProxyType(dict(self._variables))

    def start(self, now: float) -> list[Command]:
        """Ring or answer, then play the first prompts. Call once.

        Asks the file 0 provider now; raises :class:`~ivr.errors.InvalidFile0` (changing
        nothing) if its message cannot be played.
        """
        if self._phase != "new":
            raise InvalidEvent("the session has already started")
        message = None
        if self._file0 is not None and self.entry_point.file0:
            message = self._file0(self.entry, now)
            if message is not None:
                check_file0(message)
        ring_s = self.entry_point.ring_s
        if ring_s > 0:
            self._phase = "ringing"
            self._commands.append(Ring())
            self._arm(now + ring_s, lambda t: self._answer(message, t))
        else:
            self._answer(message, now)
        return self._flush()

    def handle(self, event: Event, now: float) -> list[Command]:
        """Take what the driver saw; return what to do."""
        if self._phase == "new":
            raise InvalidEvent("start() the session before feeding it events")
        if isinstance(event, DigitReceived):
            if not isinstance(event.digit, str) or event.digit not in DIGITS:
                raise InvalidEvent(f"not a DTMF key: {event.digit!r}")
            if not self.finished:
                self._digit(event.digit, now)
        elif isinstance(event, PromptFinished):
            if not self.finished:
                self._prompt_finished(event.prompt, now)
        elif isinstance(event, CallerHungUp):
            if not self.finished:
                self._caller_left(now)
        else:
            raise InvalidEvent(f"not an IVR event: {event!r}")
        return self._flush()

    def next_deadline(self) -> float | None:
        """When :meth:`on_timer` must be called next (``None``: no timer)."""
        return None if self.finished else self._deadline

    def on_timer(self, now: float) -> list[Command]:
        """The timer expired; an early or stale call does nothing."""
        if self.finished or self._deadline is None or now < self._deadline:
            return []
        then = self._on_timer
        self._disarm()
        self._on_digit = None
        if then is not None:
            then(now)
        return self._flush()

    def pop_records(self) -> list[Record]:
        """The records since the last call, oldest first."""
        out, self._records = self._records, []
        return out

    # -- plumbing -----------------------------------------------------------------------

    def _flush(self) -> list[Command]:
        out, self._commands = self._commands, []
        return out

    def _arm(self, at: float, then: _Then) -> None:
        self._deadline, self._on_timer = at, then

    def _disarm(self) -> None:
        self._deadline, self._on_timer = None, None

    def _play(self, prompt: str | Prompt, barge_in: bool, then: _Then,
              on_digit: _OnDigit | None = None) -> None:
        """Play, go on with ``then`` when it ends; a digit stops it if ``barge_in``."""
        if isinstance(prompt, str):
            prompt = self.tree.prompts.get(prompt) or Prompt(prompt)
        barge_in = barge_in and on_digit is not None
        self._phase = "playing"
        self._playing, self._after = prompt, then
        self._on_digit = on_digit if barge_in else None
        self._disarm()
        self._commands.append(PlayPrompt(prompt, barge_in))

    def _wait(self, deadline: float, on_digit: _OnDigit, on_timeout: _Then) -> None:
        self._phase = "waiting"
        self._on_digit = on_digit
        self._arm(deadline, on_timeout)

    def _digit(self, digit: str, now: float) -> None:
        handler = self._on_digit
        if handler is None:
            return  # ringing, or a prompt without barge-in: the key is ignored
        if self._playing is not None:
            self._commands.append(StopPrompt())
            self._playing, self._after = None, None
        self._disarm()
        self._on_digit = None
        handler(digit, now)

    def _prompt_finished(self, name: str, now: float) -> None:
        if self._playing is None or self._playing.name != name:
            return  # stale: not the prompt playing now
        then = self._after
        self._playing, self._after, self._on_digit = None, None, None
        if then is not None:
            then(now)

    def _finish(self, outcome: Outcome) -> None:
        self._phase = "done"
        self.outcome = outcome
        self._playing, self._after, self._on_digit = None, None, None
        self._typeahead.clear()
        self._disarm()

    # -- the call's life ----------------------------------------------------------------

    def _answer(self, message: File0Message | None, now: float) -> None:
        self._commands.append(Answer())
        if message is None:
            self._enter_tree(now)
            return
        prompt = file0_prompt(message, self.tree)
        if message.mode == "inform":
            self._records.append(CallInformed(now, self.call_id, message.id))
            self._play(prompt, False, self._enter_tree)
        else:
            self._dissuading = message
            self._play(prompt, False, self._dissuaded)

    def _dissuaded(self, now: float) -> None:
        message = self._dissuading
        self._commands.append(HangUp("dissuaded"))
        self._records.append(CallDissuaded(now, self.call_id, message.id if message else ""))
        self._finish("dissuaded")

    def _enter_tree(self, now: float) -> None:
        entry = self.entry_point
        calendar = self.tree.calendars.get(entry.calendar or "")
        if calendar is not None and entry.closed and calendar.classify(now) == "closed":
            self._closed = True
            self._go(entry.closed, now)
        else:
            self._go(entry.start, now)

    def _go(self, name: str, now: float) -> None:
        """Follow jumps and calendar branches, then enter the node reached."""
        nodes = self.tree.nodes
        for _hop in range(len(nodes) + 1):
            node = nodes.get(name)
            if isinstance(node, GotoNode):
                name = node.target
            elif isinstance(node, HoursNode):
                calendar = self.tree.calendars.get(node.calendar)
                period = calendar.classify(now) if calendar is not None else "closed"
                self._closed = self._closed or period == "closed"
                name = node.branch(period)
            elif node is None:
                break  # only a tree built by hand can name a missing node
            else:
                self._enter(node, now)
                return
        self._end("error", now)  # a missing node, or a jump loop the loader would refuse

    def _enter(self, node: Node, now: float) -> None:
        self._node = node
        match node:
            case PlayNode():
                self._play(node.prompt, node.barge_in, lambda t: self._go(node.next, t),
                           lambda d, t: self._skip(node, d, t))
            case MenuNode():
                self._enter_menu(node, now)
            case CollectNode():
                self._enter_collect(node, now)
            case QueueNode():
                self._queue(node)
            case MessageNode():
                self._play(node.prompt, False, lambda t: self._end(node.outcome, t))
            case TransferNode():
                self._enter_transfer(node, now)
            case HangupNode():
                self._end(node.outcome, now)
            case _:  # pragma: no cover - goto and hours never get here
                self._end("error", now)

    def _skip(self, node: PlayNode, digit: str, now: float) -> None:
        if len(self._typeahead) < MAX_TYPEAHEAD:
            self._typeahead.append(digit)
        self._go(node.next, now)

    def _end(self, outcome: EndOutcome | None, now: float) -> None:
        """The engine hangs up: the node's outcome, else ``closed`` or ``message``."""
        result: IvrOutcome = outcome or ("closed" if self._closed else "message")
        self._commands.append(HangUp(result))
        self._records.append(CallLeftIvr(now, self.call_id, result))
        self._finish(result)

    def _caller_left(self, now: float) -> None:
        if self._dissuading is not None:
            self._records.append(CallDissuaded(now, self.call_id, self._dissuading.id))
            self._finish("dissuaded")
            return
        outcome: IvrOutcome = (
            "closed" if self._closed else "abandoned" if self._chose else "hangup"
        )
        self._records.append(CallLeftIvr(now, self.call_id, outcome))
        self._finish(outcome)

    def _queue(self, node: QueueNode) -> None:
        call = CallQueued(self.call_id, node.queue, node.priority, node.points, self.caller)
        self._commands.append(QueueCall(call, MappingProxyType(dict(self._variables))))
        self._finish("queued")

    def _enter_transfer(self, node: TransferNode, now: float) -> None:
        if node.prompt is None:
            self._transfer(node, now)
        else:
            self._play(node.prompt, False, lambda t: self._transfer(node, t))

    def _transfer(self, node: TransferNode, now: float) -> None:
        self._commands.append(Transfer(node.number))
        self._records.append(CallLeftIvr(now, self.call_id, "transfer"))
        self._finish("transfer")

    # -- menus --------------------------------------------------------------------------

    def _enter_menu(self, node: MenuNode, now: float) -> None:
        self._failures = 0
        if self._typeahead:
            self._menu_digit(node, self._typeahead.pop(0), now)
        else:
            self._ask_menu(node, now)

    def _ask_menu(self, node: MenuNode, now: float) -> None:
        def waiting(t: float) -> None:
            self._wait(t + node.timeout_s, on_digit,
                       lambda t2: self._menu_fail(node, node.no_input, t2))

        def on_digit(digit: str, t: float) -> None:
            self._menu_digit(node, digit, t)

        self._play(node.prompt, node.barge_in, waiting, on_digit)

    def _menu_digit(self, node: MenuNode, digit: str, now: float) -> None:
        target = node.choices.get(digit)
        if target is None:
            self._menu_fail(node, node.invalid, now)
        else:
            self._chose = True
            self._go(target, now)

    def _menu_fail(self, node: MenuNode, feedback: str | None, now: float) -> None:
        self._failures += 1
        self._typeahead.clear()
        if self._failures > node.retries:
            self._go(node.on_fail, now)
        elif feedback is None:
            self._ask_menu(node, now)
        else:
            self._play(feedback, node.barge_in, lambda t: self._ask_menu(node, t),
                       lambda d, t: self._menu_digit(node, d, t))

    # -- digit collection ---------------------------------------------------------------

    def _enter_collect(self, node: CollectNode, now: float) -> None:
        self._failures = 0
        self._digits = ""
        if self._typeahead:
            self._phase = "waiting"
            self._collect_digit(node, self._typeahead.pop(0), now)
        else:
            self._ask_collect(node, now)

    def _ask_collect(self, node: CollectNode, now: float) -> None:
        def waiting(t: float) -> None:
            self._wait(t + node.timeout_s, on_digit,
                       lambda t2: self._collect_fail(node, node.no_input, t2))

        def on_digit(digit: str, t: float) -> None:
            self._collect_digit(node, digit, t)

        self._play(node.prompt, node.barge_in, waiting, on_digit)

    def _collect_digit(self, node: CollectNode, digit: str, now: float) -> None:
        if digit == node.terminator:
            self._collect_done(node, now)
            return
        self._digits += digit
        if len(self._digits) >= node.max_digits:
            self._collect_done(node, now)
        elif self._typeahead:
            self._collect_digit(node, self._typeahead.pop(0), now)
        else:
            self._wait(now + node.inter_digit_s,
                       lambda d, t: self._collect_digit(node, d, t),
                       lambda t: self._collect_done(node, t))

    def _collect_done(self, node: CollectNode, now: float) -> None:
        if len(self._digits) < node.min_digits:
            self._collect_fail(node, node.invalid, now)
            return
        self._variables[node.variable] = self._digits
        self._digits = ""
        self._go(node.next, now)

    def _collect_fail(self, node: CollectNode, feedback: str | None, now: float) -> None:
        self._failures += 1
        self._digits = ""
        self._typeahead.clear()
        if self._failures > node.retries:
            self._go(node.on_fail, now)
        elif feedback is None:
            self._ask_collect(node, now)
        else:
            self._play(feedback, node.barge_in, lambda t: self._ask_collect(node, t),
                       lambda d, t: self._collect_digit(node, d, t))


__all__ = [
    "IvrSession",
    "Outcome",
    "Phase",
]
