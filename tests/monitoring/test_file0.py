"""The file 0 model (ivr/file0.py): which activation a call hears, pure and clock-free."""

from __future__ import annotations

import pytest

from ivr.file0 import Activation, File0, File0Error


def act(ident: str, at: float, mode: str = "inform", entries: frozenset[str] | None = None,
        expires_at: float | None = None) -> Activation:
    return Activation(ident, mode, at, "sup", "incident", text="message",  # type: ignore[arg-type]
                      entries=entries, expires_at=expires_at)


@pytest.mark.parametrize(("entry", "now", "expected"), [
    ("3949", 99, None),  # not yet requested
    ("3949", 100, "all"),
    ("3949", 150, "scoped"),  # the latest request wins
    ("0800", 150, "all"),  # the scoped one does not apply there
    ("3949", 200, "all"),  # the scoped one expired
    ("3949", 300, "dis"),  # a dissuasion wins over an information message
    ("3949", 400, "all"),  # the dissuasion was switched off at 400
])
def test_active_for(entry: str, now: float, expected: str | None) -> None:
    board = File0([act("all", 100), act("scoped", 120, entries=frozenset({"3949"}),
                                        expires_at=200)])
    board.activate(act("dis", 250, "dissuade"))
    board.deactivate("dis", 400, "sup2")
    found = board.active_for(entry, now)
    assert (found.id if found else None) == expected


def test_switching_off_is_kept_with_who_and_when() -> None:
    board = File0([act("a", 10)])
    ended = board.deactivate("a", 20, "boss")
    assert (ended.ended_at, ended.ended_by, ended.end()) == (20, "boss", 20)
    assert board.deactivate("a", 30, "other") == ended  # already off: unchanged
    assert board.active(25) == []


@pytest.mark.parametrize("kwargs", [
    {"mode": "shout"}, {"text": ""}, {"id": ""}, {"expires_at": 5.0}, {"entries": frozenset()},
])
def test_bad_activations_are_refused(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {"id": "x", "mode": "inform", "requested_at": 10.0,
                               "requested_by": "s", "reason": "r", "text": "t"}
    with pytest.raises(File0Error):
        Activation(**{**base, **kwargs})  # type: ignore[arg-type]


def test_round_trip_and_duplicates() -> None:
    board = File0([act("a", 1, entries=frozenset({"1", "2"})), act("b", 2, expires_at=9)])
    again = File0.from_dict(board.to_dict())
    assert again.all() == board.all()
    with pytest.raises(File0Error, match="exists"):
        again.activate(act("a", 3))
    with pytest.raises(File0Error, match="no file 0"):
        again.get("zz")
    with pytest.raises(File0Error):
        File0.from_dict({"activations": [{"id": "x"}]})


def test_an_activation_is_what_the_ivr_session_plays() -> None:
    from ivr.file0_api import check_file0

    board = File0([act("a", 1)])
    message = board.active_for("3949", 2)
    assert message is not None
    check_file0(message)
    assert message.prompt == "message"
    recorded = Activation("r", "dissuade", 1, "s", "r", text="t", audio="/data/file0/r.wav")
    assert recorded.prompt == "/data/file0/r.wav"
