"""CDRs folded from the records: every timestamp, outcome rules, idempotence."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queues import records as r
from store import keys
from store.cdr import CALL_COLUMNS, Cdr, apply, rows
from tests.store.eventlog import RECORDS, T0


def fold(records: list[r.Record]) -> dict[str, Cdr]:
    out: dict[str, Cdr] = {}
    for record in records:
        if isinstance(record, r.AgentStateChanged):
            continue
        cdr = apply(out.get(record.call_id), record)
        assert cdr is not None
        out[record.call_id] = cdr
    return out


def test_every_timestamp_of_an_answered_call() -> None:
    c5 = fold(RECORDS)["c5"]
    assert (c5.received_at, c5.informed_at, c5.ivr_exit_at, c5.queued_at, c5.offered_at,
            c5.answered_at, c5.ended_at) == (T0 + 60, T0 + 62, T0 + 70, T0 + 70, T0 + 75,
                                             T0 + 80, T0 + 200)
    assert (c5.caller, c5.entry, c5.queue, c5.agent_id, c5.outcome, c5.wait_s, c5.talk_s,
            c5.ended_by, c5.closed) == ("0605", "3949", "billing", "b1", "answered", 10.0,
                                        120.0, "agent", True)
    assert [(leg.agent_id, leg.offered_at, leg.answered_at) for leg in c5.legs] == [
        ("b1", T0 + 75, T0 + 80)]


@pytest.mark.parametrize(("call", "outcome", "closed_when"), [
    ("c3", "abandoned", T0 + 65), ("c4", "dissuaded", T0 + 50), ("c6", "ivr_hangup", T0 + 100),
    ("c7", "rejected", T0 + 110), ("c10", "timed_out", T0 + 445),
])
def test_outcomes_of_calls_that_were_not_answered(call: str, outcome: str,
                                                  closed_when: float) -> None:
    cdr = fold(RECORDS)[call]
    assert (cdr.outcome, cdr.outcome_at, cdr.closed) == (outcome, closed_when, True)


def test_an_answered_call_is_open_until_it_ends() -> None:
    upto = [x for x in RECORDS if not isinstance(x, r.CallEnded) or x.call_id != "c1"]
    assert not fold(upto)["c1"].closed


def test_ring_no_answer_makes_a_failed_leg_then_a_new_one() -> None:
    records: list[r.Record] = [
        r.CallReceived(0, "x", "0700"), r.CallQueued(1, "x", "q"),
        r.CallOffered(2, "x", "q", "a"), r.CallOfferFailed(17, "x", "q", "a", "no_answer"),
        r.CallOffered(18, "x", "q", "b"), r.CallAnswered(20, "x", "q", "b", 19.0),
        r.CallEnded(80, "x", "q", "b", "caller"),
    ]
    cdr = fold(records)["x"]
    assert [(leg.agent_id, leg.failed_at, leg.fail_reason, leg.answered_at, leg.ended_at)
            for leg in cdr.legs] == [("a", 17, "no_answer", None, None), ("b", None, "", 20, 80)]
    exported = list(rows(cdr))
    assert [row["leg"] for row in exported] == [0, 1, 2]
    assert all(set(row) == set(CALL_COLUMNS) for row in exported)
    assert [row["outcome"] for row in exported] == ["answered", "failed", "answered"]


@given(st.lists(st.sampled_from(RECORDS), max_size=40))
def test_applying_records_again_changes_nothing(records: list[r.Record]) -> None:
    once = fold(sorted(records, key=lambda x: x.at))
    twice = fold(sorted(records + records, key=lambda x: x.at))
    assert once == twice


def test_round_trip_through_a_dict() -> None:
    for cdr in fold(RECORDS).values():
        assert Cdr.from_dict(cdr.to_dict()) == cdr


def test_rows_can_hide_the_caller() -> None:
    assert {row["caller"] for row in rows(fold(RECORDS)["c8"], with_caller=False)} == {""}


def test_only_keys_py_names_redis_keys() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root)) for folder in ("store", "monitoring")
        for path in (root / folder).rglob("*.py")
        if path.name != "keys.py" and keys.PREFIX in path.read_text()
    ]
    assert offenders == []
    assert keys.cdr("c1").startswith(keys.PREFIX) and keys.counters(900, 3) == "accueil:kpi:900:3"
