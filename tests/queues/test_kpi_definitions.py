"""The definitions table: complete, consistent with the counts, and the contract's targets."""

from __future__ import annotations

import pytest

from queues.definitions import (
    ALIASES,
    COUNTS,
    DEFINITIONS,
    definition,
    evaluate,
    meets,
)
from queues.kpi import Counters

CONTRACT = {  # id: (target, comparison), from the mission's KPI table
    "T2-IQ01": (0.80, ">="),
    "T2-IQ02": (0.10, "<="),
    "T2-IQ03": (0.85, ">="),
    "T2-IQ04": (0.95, ">="),
    "GAS01": (90.0, "<"),
    "GAS02": (0.90, ">="),
    "GAP02": (0.05, "<="),
}


def test_every_count_is_described_in_field_order() -> None:
    assert tuple(COUNTS) == Counters._fields


def test_every_term_names_a_count() -> None:
    for d in DEFINITIONS:
        for term in d.numerator + d.denominator:
            assert term.lstrip("-") in COUNTS, (d.id, term)


@pytest.mark.parametrize(("kpi_id", "expected"), sorted(CONTRACT.items()))
def test_contract_targets(kpi_id: str, expected: tuple[float, str]) -> None:
    d = definition(kpi_id)
    assert (d.target, d.comparison) == expected


def test_gap02_tolerates_10_percent_off_hours() -> None:
    d = definition("lost_rate")
    assert (d.target_for("HO"), d.target_for("HNO"), d.target_for("all")) == (0.05, 0.10, 0.05)


def test_simulator_names_are_aliases() -> None:
    assert {k: v for k, v in ALIASES.items() if k != v} == {
        "sl_offered": "T2-IQ01", "abandon_rate": "T2-IQ02", "asa_s": "GAS01",
        "lost_rate": "GAP02",
    }
    assert {"answer_rate", "p_wait", "occupancy", "avg_talk_s", "calls_offered"} <= set(ALIASES)


def test_evaluate_subtracts_minus_terms_and_guards_zero() -> None:
    gas02 = definition("GAS02")
    assert evaluate(gas02, {"answered": 9, "received": 12, "informed": 2}) == (9, 10, 0.9)
    assert evaluate(gas02, {"answered": 0, "received": 2, "informed": 2}) == (0, 0, None)
    assert evaluate(definition("calls_offered"), {"offered": 7}) == (7, None, 7)


@pytest.mark.parametrize(
    ("value", "target", "comparison", "met"),
    [
        (0.80, 0.80, ">=", True), (0.79, 0.80, ">=", False), (0.10, 0.10, "<=", True),
        (90.0, 90.0, "<", False), (89.9, 90.0, "<", True), (1.0, 0.5, ">", True),
        (None, 0.8, ">=", None), (0.5, None, None, None),
    ],
)
def test_meets(value: float | None, target: float | None, comparison: str | None,
               met: bool | None) -> None:
    assert meets(value, target, comparison) is met  # type: ignore[arg-type]
