"""Property: whatever the caller does, a session ends exactly once, in one way.

Random sequences of digits, prompt ends, waits, timer expiries, bad events and hang-ups, on
the test tree and on the example, at random moments of the week, with or without an active
file 0 message. After the sequence the caller falls silent: the session must still end
(the loader refuses loops a silent caller never leaves). Checked throughout: only
:class:`~ivr.errors.IvrError` is ever raised, and a refused event changes nothing; exactly
one ``CallReceived``, first; then exactly one end (a ``QueueCall`` command, a
``CallLeftIvr`` or a ``CallDissuaded`` record), after which nothing more happens; the
driver is never asked to stop a prompt that is not playing, to play over one that is, nor to
play before the answer.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.commands import Answer, Command, HangUp, PlayPrompt, QueueCall, StopPrompt, Transfer
from ivr.config import IvrTree
from ivr.errors import InvalidEvent, IvrConfigError
from ivr.events import CallerHungUp, DigitReceived, PromptFinished
from ivr.loader import load, load_file
from ivr.session import IvrSession
from queues import records as rec
from tests.ivr.harness import MONDAY_10, Message, provider
from tests.ivr.trees import BASIC

EXAMPLE = load_file(Path(__file__).parents[2] / "examples" / "ivr" / "contact_center.yaml")
TREES = {"basic": BASIC, "example": EXAMPLE}
WEEK = 7 * 86_400.0
FILE0 = [None, Message("f-i", "inform", "incident"), Message("f-d", "dissuade", "Panne")]

actions = st.one_of(
    st.tuples(st.just("digit"), st.sampled_from("0123456789*#")),
    st.tuples(st.just("finish"), st.none()),
    st.tuples(st.just("wait"), st.floats(0.0, 40.0)),
    st.tuples(st.just("timer"), st.none()),
    st.tuples(st.just("hangup"), st.none()),
    st.tuples(st.just("bad"), st.sampled_from(["", "x", "11", "digit"])),
    st.tuples(st.just("stale"), st.sampled_from(["menu", "welcome", "nothing"])),
)


class Driver:
    """Plays the driver's part and checks the commands as they come."""

    def __init__(self, session: IvrSession, now: float) -> None:
        self.session = session
        self.now = now
        self.playing: str | None = None
        self.answered = False
        self.ends: list[object] = []
        self.records: list[rec.Record] = []
        self.take(session.start(now))

    def take(self, commands: list[Command]) -> None:
        for command in commands:
            assert not self.ends, f"{command} after the end"
            if isinstance(command, Answer):
                assert not self.answered
                self.answered = True
            elif isinstance(command, PlayPrompt):
                assert self.answered, "a prompt before the answer"
                assert self.playing is None, "a prompt over another one"
                self.playing = command.prompt.name
            elif isinstance(command, StopPrompt):
                assert self.playing is not None, "StopPrompt with nothing playing"
                self.playing = None
            elif isinstance(command, QueueCall | Transfer | HangUp):
                self.playing = None
                if isinstance(command, QueueCall):
                    self.ends.append(command)
        for record in self.session.pop_records():
            assert not any(
                isinstance(r, rec.CallLeftIvr | rec.CallDissuaded) for r in self.records
            ), f"{record} after the end"
            self.records.append(record)
            if isinstance(record, rec.CallLeftIvr | rec.CallDissuaded):
                self.ends.append(record)

    def act(self, kind: str, arg: object) -> None:
        s = self.session
        if kind == "digit":
            self.take(s.handle(DigitReceived(str(arg)), self.now))
        elif kind == "finish" and self.playing is not None:
            name, self.playing = self.playing, None
            self.take(s.handle(PromptFinished(name), self.now))
        elif kind == "wait":
            self.wait(float(arg))  # type: ignore[arg-type]
        elif kind == "timer" and s.next_deadline() is not None:
            self.now = max(self.now, s.next_deadline() or self.now)
            self.take(s.on_timer(self.now))
        elif kind == "hangup":
            self.take(s.handle(CallerHungUp(), self.now))
            assert s.finished
        elif kind == "bad":
            self.refused(DigitReceived(str(arg)))
        elif kind == "stale" and self.playing != arg:
            self.take(s.handle(PromptFinished(str(arg)), self.now))

    def wait(self, seconds: float) -> None:
        target = self.now + seconds
        while (deadline := self.session.next_deadline()) is not None and deadline <= target:
            self.now = max(self.now, deadline)
            self.take(self.session.on_timer(self.now))
        self.now = target

    def refused(self, event: DigitReceived) -> None:
        s = self.session
        before = (s.phase, s.next_deadline(), s.node, s.outcome)
        try:
            s.handle(event, self.now)
        except InvalidEvent:
            assert (s.phase, s.next_deadline(), s.node, s.outcome) == before
        else:
            raise AssertionError(f"{event} accepted")

    def fall_silent(self) -> None:
        """No more input: prompts play out, timers expire; the session must end."""
        for _ in range(500):
            if self.session.finished:
                return
            if self.playing is not None:
                self.act("finish", None)
            elif self.session.next_deadline() is not None:
                self.act("timer", None)
            else:
                raise AssertionError(f"stuck in {self.session.phase} at {self.session.node}")
        raise AssertionError("a silent caller never leaves")


@settings(max_examples=300, deadline=None)
@given(
    tree_name=st.sampled_from(sorted(TREES)),
    entry_index=st.integers(0, 20),
    offset=st.floats(0.0, WEEK),
    file0=st.sampled_from(FILE0),
    steps=st.lists(actions, max_size=40),
)
def test_a_session_ends_exactly_once(
    tree_name: str, entry_index: int, offset: float, file0: Message | None,
    steps: list[tuple[str, object]],
) -> None:
    tree: IvrTree = TREES[tree_name]
    entries = sorted(tree.entries)
    entry = entries[entry_index % len(entries)]
    now = MONDAY_10 + offset
    session = IvrSession(tree, "c1", "0600000000", entry, now, file0=provider(file0))
    driver = Driver(session, now)
    for kind, arg in steps:
        driver.act(kind, arg)
    driver.fall_silent()

    assert len(driver.ends) == 1, driver.ends
    assert isinstance(driver.records[0], rec.CallReceived)
    assert sum(isinstance(r, rec.CallReceived) for r in driver.records) == 1
    assert sum(isinstance(r, rec.CallInformed) for r in driver.records) <= 1
    end = driver.ends[0]
    if isinstance(end, QueueCall):
        assert session.outcome == "queued"
        assert end.call.call_id == "c1"
        assert end.call.queue in tree.queues()
    elif isinstance(end, rec.CallDissuaded):
        assert session.outcome == "dissuaded"
        assert file0 is not None
        assert file0.mode == "dissuade"
    else:
        assert isinstance(end, rec.CallLeftIvr)
        assert session.outcome == end.outcome
    assert session.next_deadline() is None
    # after the end, everything is ignored
    assert session.handle(DigitReceived("1"), driver.now) == []
    assert session.handle(CallerHungUp(), driver.now) == []
    assert session.on_timer(driver.now + 1e6) == []
    assert session.pop_records() == []


EXAMPLE_TEXT = (Path(__file__).parents[2] / "examples" / "ivr" / "contact_center.yaml").read_text()
LINES = EXAMPLE_TEXT.splitlines(keepends=True)


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["drop", "copy", "swap", "char"]),
            st.integers(0, len(LINES) - 1),
            st.integers(0, len(LINES) - 1),
            st.sampled_from([" ", "-", ":", "[", "{", "'", '"', "*", "&a", "#", "\t", "0", "x"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_damaged_file_loads_or_reports_problems(
    edits: list[tuple[str, int, int, str]],
) -> None:
    """Whatever the damage, loading gives a tree or an IvrConfigError with lines, no crash."""
    lines = list(LINES)
    for kind, i, j, text in edits:
        i, j = i % len(lines), j % len(lines)
        if kind == "drop" and len(lines) > 1:
            del lines[i]
        elif kind == "copy":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = lines[i]
            cut = j % (len(line) or 1)
            lines[i] = line[:cut] + text + line[cut:]
    try:
        load("".join(lines), filename="ivr.yaml")
    except IvrConfigError as exc:
        assert exc.problems
        assert all(str(p).startswith("ivr.yaml") for p in exc.problems)
