"""The simulator (driver + ACD core + KPI engine) against exact Erlang C / Erlang A values.

Every KPI the reference file gives and the KPI engine defines must agree within three
95 % half-widths, with service-level half-widths under 0.5 percentage points. A fast
subset (one Erlang C case, two Erlang A cases) runs by default; the other cases are marked
slow. ``python -m simulation.reference`` runs them all and prints the table.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulation import reference

CASES = {c["id"]: c for c in reference.load_cases()} if reference.DEFAULT_CASES.is_file() else {}
FAST = ("C01", "C06", "C12")


def _case(case_id: str) -> dict[str, Any]:
    if case_id not in CASES:
        pytest.skip(f"{reference.DEFAULT_CASES} has no case {case_id}")
    return CASES[case_id]


def _check(case_id: str) -> None:
    rows = reference.check_case(_case(case_id), seed=7)
    assert rows, "no metric compared"
    assert {r.kpi for r in rows} >= {"sl_offered", "asa_s", "p_wait", "occupancy"}
    bad = [r for r in rows if not r.agrees]
    assert not bad, "\n" + reference.table(rows)


@pytest.mark.parametrize("case_id", FAST)
def test_reference_case(case_id: str) -> None:
    _check(case_id)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("case_id", sorted(set(CASES) - set(FAST)) or ["none"])
def test_reference_case_slow(case_id: str) -> None:
    _check(case_id)


def test_run_lengths_follow_the_reference_estimate() -> None:
    case = _case("C01")
    sim = case["simulated"]
    ref = sim["metrics"]["sl_offered"]["ci95_half_width"]
    assert reference.calls_needed(case, ref) == sim["calls_observed_total"]
    plan = reference.plan_for(case, 4000)
    assert plan.n_intervals == 800 and plan.groups[0].staffed[0] == 2
    assert plan.warmup_s == pytest.approx(20 * 580)


def test_the_table_marks_disagreement() -> None:
    rows = [reference.Row("X", "sl_40s", "sl_offered", 0.8, 0.79, 0.002),
            reference.Row("X", "p_wait", "p_wait", 0.3, 0.3001, 0.001)]
    text = reference.table(rows)
    assert "NO" in text.splitlines()[2] and "yes" in text.splitlines()[3]
    assert not reference.Row("X", "sl", "sl_offered", 0.8, 0.8, 0.006).agrees  # too wide
