"""Calendars (HO / HNO / closed on fixed dates) and the file 0 message in a session."""

from __future__ import annotations

import pytest

from ivr.commands import Answer, HangUp, PlayPrompt, QueueCall, Ring
from ivr.config import Prompt
from ivr.errors import InvalidFile0
from ivr.session import IvrSession
from queues import records as rec
from tests.ivr.harness import (
    EASTER_MONDAY_10,
    MONDAY_10,
    MONDAY_20,
    SUNDAY_10,
    Call,
    Message,
    paris,
    provider,
    tree,
)
from tests.ivr.trees import BASIC

SATURDAY_ON_DEMAND_10 = paris(2026, 4, 4, 10)
ORDINARY_SATURDAY_10 = paris(2026, 4, 11, 10)
MONDAY_5 = paris(2026, 3, 30, 5)
MONDAY_1730 = paris(2026, 3, 30, 17, 30)

INFORM = Message("f0-1", "inform", "incident")
DISSUADE = Message("f0-2", "dissuade", "Le site est en panne, inutile d'appeler.")


# --- entry calendar: open or the closed message ----------------------------------------------


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (MONDAY_10, True),
        (paris(2026, 3, 30, 8, 30), True),
        (paris(2026, 3, 30, 8, 29), False),
        (MONDAY_1730, False),
        (MONDAY_20, False),
        (SUNDAY_10, False),
        (EASTER_MONDAY_10, False),  # French public holiday
        (SATURDAY_ON_DEMAND_10, True),
        (ORDINARY_SATURDAY_10, False),
    ],
)
def test_entry_calendar_opens_the_menu_or_plays_the_closed_message(
    now: float, is_open: bool
) -> None:
    call = Call.start(BASIC, entry="200", now=now)
    assert call.played() == (["menu"] if is_open else ["closed"])
    if not is_open:
        call.finish()
        assert call.commands[-1] == HangUp("closed")
        assert call.records[-1] == rec.CallLeftIvr(now, "c1", "closed")
        assert call.session.outcome == "closed"


def test_a_caller_hanging_up_during_the_closed_message_counts_as_closed() -> None:
    call = Call.start(BASIC, entry="200", now=SUNDAY_10)
    call.hangup()
    assert call.records[-1] == rec.CallLeftIvr(SUNDAY_10, "c1", "closed")


def test_the_calendar_is_read_when_the_call_is_answered() -> None:
    ringing_into_hours = tree(
        """
        calendars: {office: {ho: {mon-fri: ["08:30-17:30"]}}}
        prompts: {p: Bonjour, c: Fermé}
        entries: {"1": {start: m, calendar: office, closed: c, ring_s: 60}}
        nodes: {m: {type: message, prompt: p}, c: {type: message, prompt: c}}
        """
    )
    call = Call.start(ringing_into_hours, entry="1", now=paris(2026, 3, 30, 8, 29, 30))
    assert call.played() == []
    call.advance(60)  # answered at 08:30:30: open
    assert call.played() == ["p"]
    assert call.records[0].at == paris(2026, 3, 30, 8, 29, 30)


# --- hours node: HO / HNO / closed branches --------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first_prompt", "outcome"),
    [
        (MONDAY_10, "menu", None),
        (MONDAY_5, "hno", "message"),
        (MONDAY_20, "hno", "message"),
        (SUNDAY_10, "closed", "closed"),
        (EASTER_MONDAY_10, "closed", "closed"),
    ],
)
def test_hours_node_branches(now: float, first_prompt: str, outcome: str | None) -> None:
    call = Call.start(BASIC, entry="300", now=now)
    assert call.played() == [first_prompt]
    call.finish()
    if outcome is None:
        assert not call.session.finished
    else:
        assert call.session.outcome == outcome
        assert call.commands[-1] == HangUp(str(outcome))


def test_hours_without_hno_branch_uses_ho() -> None:
    ivr = tree(
        """
        calendars: {ft: {ho: {mon-fri: ["07:00-19:00"]}, hno: {mon-fri: ["19:00-24:00"]}}}
        prompts: {p: Bonjour, c: Fermé}
        entries: {"1": {start: h}}
        nodes:
          h: {type: hours, calendar: ft, ho: q, closed: c}
          q: {type: queue, queue: general}
          c: {type: message, prompt: c}
        """
    )
    call = Call.start(ivr, entry="1", now=MONDAY_20)
    assert isinstance(call.last(), QueueCall)


# --- file 0 ----------------------------------------------------------------------------------


def test_inform_plays_first_counts_informed_at_start_then_continues() -> None:
    asked: list[tuple[str, float]] = []
    base = provider(INFORM)

    def spy(entry: str, now: float) -> Message | None:
        asked.append((entry, now))
        return base(entry, now)  # type: ignore[return-value]

    call = Call.start(BASIC, entry="100", file0=spy)  # type: ignore[arg-type]
    assert asked == [("100", MONDAY_10)]
    assert call.commands == [Answer(), PlayPrompt(BASIC.prompts["incident"], barge_in=False)]
    assert call.records[-1] == rec.CallInformed(MONDAY_10, "c1", "f0-1")
    assert call.press("1") == []  # no barge-in on file 0
    call.finish(after=5)
    assert call.played() == ["incident", "welcome"]
    call.press("1")
    assert isinstance(call.last(), QueueCall)
    assert [type(r) for r in call.records] == [rec.CallReceived, rec.CallInformed]


def test_inform_then_caller_hangs_up_is_informed_and_left() -> None:
    call = Call.start(BASIC, file0=provider(INFORM))
    call.advance(2)
    call.hangup()
    assert [type(r) for r in call.records] == [
        rec.CallReceived,
        rec.CallInformed,
        rec.CallLeftIvr,
    ]
    assert call.session.outcome == "hangup"


def test_inform_comes_before_the_closed_message() -> None:
    call = Call.start(BASIC, entry="200", now=SUNDAY_10, file0=provider(INFORM))
    call.finish()
    assert call.played() == ["incident", "closed"]
    call.finish()
    assert call.session.outcome == "closed"


def test_dissuade_plays_then_hangs_up_and_counts_dissuaded() -> None:
    call = Call.start(BASIC, file0=provider(DISSUADE))
    played = call.commands[-1]
    assert isinstance(played, PlayPrompt)
    assert played.prompt == Prompt("file0:f0-2", text=DISSUADE.prompt, lang="fr")
    assert not played.barge_in
    call.finish(after=7)
    assert call.commands[-1] == HangUp("dissuaded")
    assert call.records == [
        rec.CallReceived(MONDAY_10, "c1", "0600000000", "100"),
        rec.CallDissuaded(MONDAY_10 + 7, "c1", "f0-2"),
    ]
    assert call.session.outcome == "dissuaded"


def test_caller_hanging_up_during_dissuasion_is_dissuaded() -> None:
    call = Call.start(BASIC, file0=provider(DISSUADE))
    call.advance(3)
    call.hangup()
    assert call.records[-1] == rec.CallDissuaded(MONDAY_10 + 3, "c1", "f0-2")
    assert not call.of(rec.CallLeftIvr)


def test_file0_after_ringing() -> None:
    call = Call.start(BASIC, entry="600", file0=provider(INFORM))
    assert call.commands == [Ring()]
    assert not call.of(rec.CallInformed)
    call.advance(2)
    assert call.played() == ["incident"]
    assert call.records[-1] == rec.CallInformed(MONDAY_10 + 2, "c1", "f0-1")


def test_file0_only_on_chosen_entries_and_not_on_opted_out_ones() -> None:
    only_200 = provider(INFORM, entries={"200"})
    assert Call.start(BASIC, entry="100", file0=only_200).played() == ["welcome"]
    assert Call.start(BASIC, entry="200", file0=only_200).played() == ["incident"]
    assert Call.start(BASIC, entry="800", file0=provider(INFORM)).played() == ["welcome"]


def test_file0_recording_path_is_played_as_a_file() -> None:
    call = Call.start(BASIC, file0=provider(Message("f0-3", "inform", "incidents/site.wav")))
    played = call.commands[-1]
    assert isinstance(played, PlayPrompt)
    assert played.prompt == Prompt("file0:f0-3", file="incidents/site.wav", lang="fr")


@pytest.mark.parametrize(
    "message",
    [Message("x", "warn", "texte"), Message("x", "inform", " "), Message(3, "inform", "t")],  # type: ignore[arg-type]
)
def test_a_bad_file0_message_is_refused_before_anything_happens(message: Message) -> None:
    session = IvrSession(BASIC, "c1", "", "100", MONDAY_10, file0=provider(message))
    with pytest.raises(InvalidFile0):
        session.start(MONDAY_10)
    assert session.phase == "new"
