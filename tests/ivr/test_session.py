"""An IVR session on a fake clock: every node kind, retries, barge-in, digit collection."""

from __future__ import annotations

import pytest

from acd.events import CallQueued
from ivr.commands import (
    Answer,
    HangUp,
    PlayPrompt,
    QueueCall,
    Ring,
    StopPrompt,
    Transfer,
)
from ivr.errors import InvalidEvent, IvrError, UnknownEntry
from ivr.events import CallerHungUp, DigitReceived, PromptFinished
from ivr.session import IvrSession
from queues import records as rec
from tests.ivr.harness import MONDAY_10, Call, tree
from tests.ivr.trees import BASIC


def queued(call: Call) -> CallQueued:
    command = call.last()
    assert isinstance(command, QueueCall), call.kinds()
    assert call.session.outcome == "queued"
    assert call.session.finished
    assert call.session.next_deadline() is None
    return command.call


def left(call: Call) -> str:
    """The single CallLeftIvr outcome of the call."""
    records = call.of(rec.CallLeftIvr)
    assert len(records) == 1, call.records
    outcome = records[0].outcome  # type: ignore[attr-defined]
    assert call.session.outcome == outcome
    return str(outcome)


# --- start, play, menu ---------------------------------------------------------------------


def test_start_answers_plays_and_records_received() -> None:
    call = Call.start(BASIC, entry="100", now=MONDAY_10)
    assert call.commands[:2] == [Answer(), PlayPrompt(BASIC.prompts["welcome"], barge_in=True)]
    assert call.records == [rec.CallReceived(MONDAY_10, "c1", "0600000000", "100")]
    assert call.session.phase == "playing"
    assert call.session.node == "welcome"
    assert call.session.next_deadline() is None


def test_menu_choice_after_the_prompt_queues_the_call() -> None:
    call = Call.start(BASIC)
    call.finish(after=3)
    assert call.played() == ["welcome", "menu"]
    call.finish(after=4)
    assert call.session.phase == "waiting"
    assert call.session.next_deadline() == call.now + 5
    call.press("1")
    assert queued(call) == CallQueued("c1", "sales", 0, 0, "0600000000")
    assert [type(r) for r in call.records] == [rec.CallReceived]
    # the ACD owns the call now: late events are ignored
    assert call.session.handle(DigitReceived("2"), call.now) == []
    assert call.session.handle(CallerHungUp(), call.now) == []
    assert call.session.on_timer(call.now + 100) == []
    assert call.session.pop_records() == []


def test_barge_in_stops_the_menu_prompt_and_counts_as_input() -> None:
    call = Call.start(BASIC)
    call.finish()
    out = call.press("1")
    assert [type(c) for c in out] == [StopPrompt, QueueCall]
    assert queued(call).queue == "sales"


def test_typeahead_during_a_barge_in_announcement_answers_the_next_menu() -> None:
    call = Call.start(BASIC)
    out = call.press("1")  # during the welcome
    assert [type(c) for c in out] == [StopPrompt, QueueCall]
    assert call.played() == ["welcome"]


def test_typeahead_feeds_a_collect_after_the_menu() -> None:
    call = Call.start(BASIC)
    call.press("2")  # skips the welcome, answers the menu: the collect prompt plays
    assert call.played() == ["welcome", "ask"]
    call.press("4711#")
    assert queued(call).priority == 2
    assert call.commands[-1] == QueueCall(
        CallQueued("c1", "sales", 2, 5, "0600000000"), {"file": "4711"}
    )


def test_without_barge_in_digits_during_the_prompt_are_ignored() -> None:
    call = Call.start(BASIC, entry="700")
    assert call.commands[-1] == PlayPrompt(BASIC.prompts["quiet_menu"], barge_in=False)
    assert call.press("1") == []
    call.finish()
    call.press("1")
    assert queued(call).queue == "sales"


def test_timeouts_replay_the_menu_then_on_fail() -> None:
    call = Call.start(BASIC)
    call.finish()  # welcome
    call.finish()  # menu
    start = call.now
    call.advance(4.9)
    assert call.played() == ["welcome", "menu"]
    call.advance(0.1)
    assert call.played()[-1] == "no_input"
    assert call.session.next_deadline() is None  # no timer while a prompt plays
    call.finish()
    call.finish()
    call.advance(5)
    call.finish()
    call.finish()
    call.advance(5)  # third failure: retries (2) exhausted
    assert call.played() == ["welcome", "menu", "no_input", "menu", "no_input", "menu"]
    assert queued(call).queue == "operator"
    assert call.now == start + 15


def test_invalid_digits_play_the_invalid_prompt_then_on_fail() -> None:
    call = Call.start(BASIC)
    call.finish()
    call.finish()
    call.press("7")
    assert call.played()[-1] == "invalid"
    call.finish()
    assert call.played()[-1] == "menu"
    call.press("8")  # barge-in during the replayed menu prompt: still invalid
    call.finish()
    call.finish()
    call.press("0")
    assert call.played() == ["welcome", "menu", "invalid", "menu", "invalid", "menu"]
    assert queued(call).queue == "operator"


def test_a_digit_during_the_invalid_prompt_is_a_new_attempt() -> None:
    call = Call.start(BASIC)
    call.finish()
    call.press("7")
    call.press("1")
    assert [type(c) for c in call.commands[-2:]] == [StopPrompt, QueueCall]
    assert queued(call).queue == "sales"


def test_failures_mix_and_a_valid_choice_still_wins() -> None:
    call = Call.start(BASIC)
    call.finish()
    call.press("7")  # invalid 1
    call.finish()
    call.finish()
    call.advance(5)  # no input 2
    call.finish()
    call.press("#")
    assert queued(call).queue == "operator"
    assert call.played() == ["welcome", "menu", "invalid", "menu", "no_input", "menu"]


def test_goto_jumps_and_resets_the_attempts() -> None:
    call = Call.start(BASIC)
    call.finish()
    call.press("7")
    call.finish()
    call.press("9")  # goto menu: a fresh menu
    assert call.played()[-1] == "menu"
    call.press("5")
    call.finish()
    call.press("5")
    call.finish()
    assert call.played()[-1] == "menu"  # two failures after the jump: not yet on_fail
    assert not call.session.finished


def test_menu_with_no_retries_goes_to_on_fail_at_once() -> None:
    call = Call.start(BASIC, entry="700")
    call.finish()
    call.press("5")
    assert queued(call).queue == "operator"
    assert "invalid" not in call.played()


# --- digit collection ------------------------------------------------------------------------


def collecting(entry: str = "100") -> Call:
    call = Call.start(BASIC, entry=entry)
    call.finish()
    call.press("2")
    assert call.played()[-1] == "ask"
    return call


def test_collect_ends_with_the_terminator() -> None:
    call = collecting()
    call.finish()
    call.press("12345#", gap=1)
    assert call.commands[-1] == QueueCall(
        CallQueued("c1", "sales", 2, 5, "0600000000"), {"file": "12345"}
    )


def test_collect_ends_at_max_digits() -> None:
    call = collecting()
    call.press("1234567")  # barge-in on the first; the 7th key comes after the end
    command = call.commands[-1]
    assert isinstance(command, QueueCall)
    assert command.variables == {"file": "123456"}
    assert call.session.variables == {"file": "123456"}


def test_collect_ends_after_the_inter_digit_timeout() -> None:
    call = collecting()
    call.finish()
    call.press("1234")
    assert call.session.next_deadline() == call.now + 5
    call.advance(5)
    command = call.commands[-1]
    assert isinstance(command, QueueCall)
    assert command.variables == {"file": "1234"}


def test_collect_with_too_few_digits_asks_again() -> None:
    call = collecting()
    call.finish()
    call.press("12#")
    assert call.played()[-2:] == ["ask", "invalid"]
    call.finish()
    assert call.played()[-1] == "ask"
    call.press("999#")
    command = call.commands[-1]
    assert isinstance(command, QueueCall)
    assert command.variables == {"file": "999"}


def test_collect_without_input_retries_then_on_fail() -> None:
    call = collecting()
    for _ in range(3):
        call.finish()
        call.advance(5)
        if not call.session.finished:
            call.finish()
    assert call.played()[-5:] == ["ask", "no_input", "ask", "no_input", "ask"]
    assert queued(call).queue == "operator"


def test_collect_without_terminator_takes_hash_as_a_digit() -> None:
    call = Call.start(BASIC, entry="900")
    call.finish()
    call.press("1", gap=1)
    call.press("#", gap=1)  # no terminator: '#' is a digit like the others
    call.advance(2)
    command = call.commands[-1]
    assert isinstance(command, QueueCall)
    assert command.variables == {"code": "1#"}


def test_ring_then_answer() -> None:
    call = Call.start(BASIC, entry="600")
    assert call.commands == [Ring()]
    assert call.session.phase == "ringing"
    assert call.session.next_deadline() == MONDAY_10 + 2
    assert call.press("1") == []  # nothing listens before the answer
    assert call.session.on_timer(MONDAY_10 + 1) == []  # early: nothing
    call.advance(2)
    assert call.commands == [Ring(), Answer(), PlayPrompt(BASIC.prompts["ask"], True)]


def test_caller_cancels_while_ringing() -> None:
    call = Call.start(BASIC, entry="600")
    call.advance(1)
    assert call.hangup() == []
    assert left(call) == "hangup"
    assert call.records[-1] == rec.CallLeftIvr(MONDAY_10 + 1, "c1", "hangup")


# --- ends ------------------------------------------------------------------------------------


def test_message_plays_then_hangs_up() -> None:
    call = Call.start(BASIC)
    call.press("3")
    assert call.commands[-1] == PlayPrompt(BASIC.prompts["info"], barge_in=False)
    assert call.press("1") == []
    call.finish(after=6)
    assert call.last() == HangUp("message")
    assert left(call) == "message"
    assert call.records[-1].at == MONDAY_10 + 6


def test_transfer_plays_its_notice_then_transfers() -> None:
    call = Call.start(BASIC)
    call.press("4")
    assert call.played()[-1] == "transfer_notice"
    call.finish()
    assert call.commands[-1] == Transfer("+33140000000")
    assert left(call) == "transfer"


def test_transfer_entry_and_hangup_node() -> None:
    call = Call.start(BASIC, entry="400")
    call.finish()
    assert left(call) == "transfer"
    call = Call.start(BASIC, entry="500")
    assert call.commands == [Answer(), HangUp("message")]
    assert left(call) == "message"


def test_caller_hangs_up_in_the_menu() -> None:
    call = Call.start(BASIC)
    call.finish()
    call.advance(2)
    assert call.hangup() == []  # nothing to stop: the caller's leg is gone
    assert left(call) == "hangup"
    assert call.session.next_deadline() is None
    assert call.session.node is None


def test_explicit_outcomes_of_message_and_hangup_nodes() -> None:
    ivr = tree(
        """
        prompts: {oops: Erreur}
        entries: {"1": {start: m}, "2": {start: h}}
        nodes:
          m: {type: message, prompt: oops, outcome: error}
          h: {type: hangup, outcome: closed}
        """
    )
    call = Call.start(ivr, entry="1")
    call.finish()
    assert call.commands[-1] == HangUp("error")
    assert left(call) == "error"
    assert left(Call.start(ivr, entry="2")) == "closed"


# --- what the session refuses ----------------------------------------------------------------


def test_events_before_start_are_refused() -> None:
    session = IvrSession(BASIC, "c1", "", "100", MONDAY_10)
    with pytest.raises(InvalidEvent):
        session.handle(DigitReceived("1"), MONDAY_10)
    assert session.phase == "new"
    assert session.on_timer(MONDAY_10) == []
    session.start(MONDAY_10)
    with pytest.raises(InvalidEvent):
        session.start(MONDAY_10)


@pytest.mark.parametrize("digit", ["x", "12", "", "A"])
def test_a_bad_digit_raises_and_changes_nothing(digit: str) -> None:
    call = Call.start(BASIC)
    call.finish()
    call.finish()
    before = (call.session.phase, call.session.next_deadline(), call.session.node)
    with pytest.raises(InvalidEvent):
        call.session.handle(DigitReceived(digit), call.now)
    assert (call.session.phase, call.session.next_deadline(), call.session.node) == before
    call.press("1")
    assert queued(call).queue == "sales"


def test_an_unknown_event_raises() -> None:
    call = Call.start(BASIC)
    with pytest.raises(IvrError):
        call.session.handle("1", call.now)  # type: ignore[arg-type]


def test_a_stale_prompt_finished_is_ignored() -> None:
    call = Call.start(BASIC)
    call.finish()
    session = call.session
    assert session.handle(PromptFinished("welcome"), call.now) == []
    assert session.phase == "playing"
    call.finish()
    assert session.handle(PromptFinished("menu"), call.now) == []
    assert str(session.phase) == "waiting"


def test_an_unknown_number_is_refused_unless_a_catch_all_serves_it() -> None:
    with pytest.raises(UnknownEntry):
        IvrSession(BASIC, "c1", "", "999", MONDAY_10)
    ivr = tree(
        """
        prompts: {p: Bonjour}
        entries: {"*": {start: m}}
        nodes: {m: {type: message, prompt: p}}
        """
    )
    call = Call.start(ivr, entry="anything")
    assert call.session.entry == "anything"
    assert call.session.entry_point.number == "*"
    assert call.records[0] == rec.CallReceived(MONDAY_10, "c1", "0600000000", "anything")


def test_hanging_up_after_a_menu_choice_is_an_abandon() -> None:
    # The contract counts a caller who chose a service and hung up in the IVR (here while
    # typing a file number) as abandoned; before any choice it is a plain IVR hang-up.
    call = Call.start(BASIC)
    call.finish()  # welcome played, the menu prompt starts
    call.press("2")  # -> collect the file number
    call.press("12")
    call.hangup()
    assert left(call) == "abandoned"
    assert call.session.outcome == "abandoned"
