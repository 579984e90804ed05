"""Exact Erlang C / Erlang A formulas against the shared reference cases and closed forms."""

from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulation.erlang import (
    ErlangAResult,
    erlang_a,
    erlang_b,
    erlang_c,
    min_agents_erlang_a,
    min_agents_erlang_c,
)

# The repo is /work/main and shared/ is its sibling: tests/simulation/ -> tests -> main -> /work.
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "simulation" / "reference_cases.json"
REL = 1e-9
ABS = 1e-12


def _reference_cases() -> list[dict[str, Any]]:
    if not REFERENCE.is_file():
        return []
    cases: list[dict[str, Any]] = json.loads(REFERENCE.read_text())["cases"]
    return cases


def _field_params(model: str) -> list[Any]:
    params = [
        pytest.param(case, field, id=f"{case['id']}-{field}")
        for case in _reference_cases()
        for field in case["analytic"].get(model, {})
    ]
    return params or [
        pytest.param(None, None, marks=pytest.mark.skip(reason=f"{REFERENCE} is absent"))
    ]


def _rate(case: dict[str, Any]) -> float:
    return float(case["inputs"]["calls_per_hour"]) / 3600.0


def _close(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, rel=REL, abs=ABS)


# ----------------------------------------------------------------- reference cases


@pytest.mark.parametrize(("case", "field"), _field_params("erlang_c"))
def test_reference_erlang_c(case: dict[str, Any], field: str) -> None:
    inputs = case["inputs"]
    t = float(inputs["sl_threshold_s"])
    r = erlang_c(_rate(case), inputs["aht_s"], inputs["agents"], t)
    expected = case["analytic"]["erlang_c"][field]
    if field == "note":  # free text, nothing to compute
        return
    if field == "stable":
        assert r.stable is expected
        return
    attribute = {
        f"sl_{t:g}s": "service_level",
        "asa_s": "asa_s",
        "p_wait": "p_wait",
        "occupancy": "occupancy",
    }[field]
    assert _close(getattr(r, attribute), expected)


@pytest.mark.parametrize(("case", "field"), _field_params("erlang_a"))
def test_reference_erlang_a(case: dict[str, Any], field: str) -> None:
    inputs = case["inputs"]
    assert inputs["patience_dist"] == "exponential"
    r = erlang_a(
        _rate(case),
        inputs["aht_s"],
        inputs["agents"],
        inputs["patience_mean_s"],
        inputs["sl_threshold_s"],
    )
    expected = case["analytic"]["erlang_a"][field]
    if field == "truncation_states":
        assert r.truncation_states == expected
    else:
        assert _close(getattr(r, field), expected)


def test_reference_offered_load_matches_inputs() -> None:
    cases = _reference_cases()
    if not cases:
        pytest.skip(f"{REFERENCE} is absent")
    for case in cases:
        inputs = case["inputs"]
        r = erlang_c(_rate(case), inputs["aht_s"], inputs["agents"], inputs["sl_threshold_s"])
        assert _close(r.offered_load, inputs["offered_load_erlang"])


# ----------------------------------------------------------------- hand-checkable cases


def test_erlang_b_small_closed_forms() -> None:
    a = 1.7
    assert erlang_b(a, 1) == pytest.approx(a / (1 + a), rel=1e-15)
    assert erlang_b(a, 2) == pytest.approx((a * a / 2) / (1 + a + a * a / 2), rel=1e-15)
    assert erlang_b(0.0, 3) == 0.0


@pytest.mark.parametrize("t", [0.0, 15.0, 120.0])
def test_mm1_closed_forms(t: float) -> None:
    lam, aht = 1 / 100, 60.0
    mu, rho = 1 / aht, lam * aht
    r = erlang_c(lam, aht, 1, t)
    assert r.stable
    assert r.p_wait == pytest.approx(rho, rel=1e-14)
    assert r.service_level == pytest.approx(1 - rho * math.exp(-(mu - lam) * t), rel=1e-14)
    assert r.asa_s == pytest.approx(rho / (mu - lam), rel=1e-14)
    assert r.occupancy == pytest.approx(rho, rel=1e-15)


def test_erlang_c_two_agents_closed_form() -> None:
    lam, aht = 1 / 50, 80.0  # A = 1.6
    a = lam * aht
    c_closed = (a * a / 2 * 2 / (2 - a)) / (1 + a + a * a / 2 * 2 / (2 - a))
    r = erlang_c(lam, aht, 2, 30.0)
    assert r.p_wait == pytest.approx(c_closed, rel=1e-14)
    assert r.asa_s == pytest.approx(c_closed / (2 / aht - lam), rel=1e-14)


def test_unstable_erlang_c_is_reported_not_raised() -> None:
    for agents in (3, 4):  # A = 4: A = c and A > c
        r = erlang_c(4 / 300, 300.0, agents, 20.0)
        assert not r.stable
        assert r.service_level == 0.0
        assert math.isinf(r.asa_s)
        assert r.p_wait == 1.0


def test_erlang_a_mm1_with_patience_equal_to_aht_is_poisson() -> None:
    # θ = μ makes the death rate n·μ in every state: the stationary law is Poisson(A) for any
    # c, and a call finding j others waiting is served with probability 1/(j + 2) when c = 1.
    lam, aht = 1 / 40, 100.0
    a = lam * aht
    r = erlang_a(lam, aht, 1, aht, 25.0)
    assert r.p_wait == pytest.approx(1 - math.exp(-a), rel=1e-12)
    mean_queue = a - 1 + math.exp(-a)  # E[(N - 1)+] for N ~ Poisson(a)
    assert r.mean_queue == pytest.approx(mean_queue, rel=1e-12)
    assert r.p_abandon == pytest.approx(mean_queue / a, rel=1e-12)
    p_abandon = sum(
        math.exp(-a) * a ** (j + 1) / math.factorial(j + 1) * (j + 1) / (j + 2) for j in range(80)
    )
    assert r.p_abandon == pytest.approx(p_abandon, rel=1e-12)
    assert r.occupancy == pytest.approx(1 - math.exp(-a), rel=1e-12)


def test_erlang_a_mm1_arrival_in_state_one_only() -> None:
    # Tiny λ: almost every waiting call finds exactly one call in service and nobody ahead,
    # so V ~ Exp(μ) races T ~ Exp(θ): answered within t ≈ μ/(μ+θ)·(1 - exp(-(μ+θ)t)).
    lam, aht, patience, t = 1e-9, 120.0, 60.0, 30.0
    mu, theta = 1 / aht, 1 / patience
    r = erlang_a(lam, aht, 1, patience, t)
    p1 = r.p_wait
    assert p1 == pytest.approx(lam * aht, rel=1e-6)
    served_within = mu / (mu + theta) * (1 - math.exp(-(mu + theta) * t))
    assert (1 - r.sl_offered) == pytest.approx(p1 * (1 - served_within), rel=1e-6)
    abandon_within = theta / (mu + theta) * (1 - math.exp(-(mu + theta) * t))
    assert r.p_abandon_within_t == pytest.approx(p1 * abandon_within, rel=1e-6)
    assert r.asa_served == pytest.approx(p1 * mu / (mu + theta) ** 2, rel=1e-6)


@pytest.mark.parametrize("patience", [1e12, math.inf])
@pytest.mark.parametrize(("lam", "aht", "agents"), [(1 / 60, 300.0, 6), (0.5, 300.0, 160)])
def test_erlang_a_without_abandonment_is_erlang_c(
    patience: float, lam: float, aht: float, agents: int
) -> None:
    c = erlang_c(lam, aht, agents, 40.0)
    a = erlang_a(lam, aht, agents, patience, 40.0)
    rel = 1e-7 if math.isfinite(patience) else 1e-12
    assert a.p_wait == pytest.approx(c.p_wait, rel=rel)
    assert a.sl_offered == pytest.approx(c.service_level, rel=rel)
    assert a.sl_answered == pytest.approx(c.service_level, rel=rel)
    assert a.asa_served == pytest.approx(c.asa_s, rel=rel)
    assert a.mean_wait_all == pytest.approx(c.asa_s, rel=rel)
    assert a.occupancy == pytest.approx(c.occupancy, rel=rel)
    assert a.p_abandon == pytest.approx(0.0, abs=1e-6)
    rho = c.occupancy
    assert a.mean_queue == pytest.approx(c.p_wait * rho / (1 - rho), rel=rel)


def test_erlang_a_without_abandonment_refuses_an_unstable_queue() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_a(1 / 60, 300.0, 5, math.inf, 20.0)


def test_erlang_a_with_tiny_patience_is_erlang_b_loss() -> None:
    lam, aht, agents = 1 / 30, 300.0, 12
    b = erlang_b(lam * aht, agents)
    r = erlang_a(lam, aht, agents, 1e-6, 20.0)
    assert r.p_wait == pytest.approx(b, rel=1e-6)
    assert r.p_abandon == pytest.approx(b, rel=1e-6)
    assert r.p_abandon_within_t == pytest.approx(b, rel=1e-6)
    assert r.sl_offered == pytest.approx(1 - b, rel=1e-6)
    assert r.sl_answered == pytest.approx(1.0, abs=1e-6)
    assert r.asa_served == pytest.approx(0.0, abs=1e-6)
    assert r.occupancy == pytest.approx(lam * aht * (1 - b) / agents, rel=1e-6)


def test_zero_threshold_and_zero_traffic() -> None:
    r = erlang_a(1 / 60, 300.0, 6, 180.0, 0.0)
    assert r.sl_offered == pytest.approx(1 - r.p_wait, rel=1e-14)
    assert r.p_abandon_within_t == 0.0
    assert r.p_W_le_t == pytest.approx(1 - r.p_wait, rel=1e-14)
    c = erlang_c(1 / 60, 300.0, 6, 0.0)
    assert c.service_level == pytest.approx(1 - c.p_wait, rel=1e-14)
    idle = erlang_a(0.0, 300.0, 3, 60.0, 20.0)
    assert (idle.sl_offered, idle.p_abandon, idle.occupancy) == (1.0, 0.0, 0.0)
    assert erlang_c(0.0, 300.0, 3, 20.0).service_level == 1.0


# ----------------------------------------------------------------- independent solver


def _independent_erlang_a(
    lam: float, aht: float, c: int, patience: float, t: float, queue_states: int = 150
) -> dict[str, float]:
    """Same metrics by brute force: a linear solve for the chain, uniformisation for t."""
    mu, theta = 1 / aht, 1 / patience
    n_max = c + queue_states
    gen = np.zeros((n_max + 1, n_max + 1))
    for n in range(n_max + 1):
        if n < n_max:
            gen[n, n + 1] = lam
        if n > 0:
            gen[n, n - 1] = min(n, c) * mu + max(n - c, 0) * theta
        gen[n, n] = -gen[n].sum()
    lhs = gen.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(n_max + 1)
    rhs[-1] = 1.0
    pi = np.linalg.solve(lhs, rhs)
    # The tagged call with j calls ahead: j -> j-1 at cμ + jθ, 0 -> served at cμ, abandon at θ.
    size = queue_states
    sub = np.zeros((size, size))
    for j in range(size):
        sub[j, j] = -(c * mu + (j + 1) * theta)
        if j > 0:
            sub[j, j - 1] = c * mu + j * theta
    to_served = np.zeros(size)
    to_served[0] = c * mu
    to_abandon = np.full(size, theta)
    inv = np.linalg.inv(-sub)
    p_served = inv @ to_served
    served_wait = inv @ (inv @ to_served)
    # Uniformisation at rate Λ: P(absorbed by t) = Σ_k Poisson(k; Λt)·h_k, where h_k is the
    # probability of being absorbed (served, or abandoned) within k jumps of the jump chain.
    rate = -sub.diagonal().min()
    jump = np.eye(size) + sub / rate
    h_s, h_a = np.zeros(size), np.zeros(size)
    within_s, within_a = np.zeros(size), np.zeros(size)
    mean = rate * t
    for k in range(int(mean + 20 * math.sqrt(mean) + 50)):
        if mean > 0:
            pk = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
        else:
            pk = 1.0 if k == 0 else 0.0
        within_s += pk * h_s
        within_a += pk * h_a
        h_s = to_served / rate + jump @ h_s
        h_a = to_abandon / rate + jump @ h_a
    arriving = pi[c:n_max]  # the arrival at n_max would be blocked in this truncated chain
    below = pi[:c].sum()
    answered = below + arriving @ p_served
    served_within = below + arriving @ within_s
    abandon_within = arriving @ within_a
    mean_queue = float(np.arange(n_max + 1 - c) @ pi[c:])
    busy = float(np.minimum(np.arange(n_max + 1), c) @ pi)
    return {
        "p_wait": float(pi[c:].sum()),
        "p_abandon": float(1 - answered),
        "sl_offered": float(served_within),
        "p_abandon_within_t": float(abandon_within),
        "p_W_le_t": float(served_within + abandon_within),
        "asa_served": float(arriving @ served_wait / answered),
        "mean_queue": mean_queue,
        "mean_wait_all": mean_queue / lam,
        "occupancy": busy / c,
    }


@pytest.mark.parametrize(
    ("lam", "aht", "agents", "patience", "t"),
    [
        (1 / 100, 60.0, 1, 90.0, 20.0),
        (1 / 30, 100.0, 1, 45.0, 0.0),  # overloaded single agent, held stable by abandonment
        (1 / 20, 240.0, 10, 300.0, 40.0),
        (1 / 60, 300.0, 6, 180.0, 40.0),  # the inputs of reference case C06
        (1 / 10, 180.0, 15, 30.0, 10.0),  # overloaded desk, impatient callers
    ],
)
def test_erlang_a_matches_a_brute_force_solver(
    lam: float, aht: float, agents: int, patience: float, t: float
) -> None:
    r = erlang_a(lam, aht, agents, patience, t)
    expected = _independent_erlang_a(lam, aht, agents, patience, t)
    for field, value in expected.items():
        assert getattr(r, field) == pytest.approx(value, rel=1e-8, abs=1e-12), field


def test_erlang_a_internal_identities() -> None:
    r = erlang_a(0.3, 200.0, 58, 150.0, 30.0)
    assert r.p_abandon == pytest.approx(r.p_abandon_check_little, rel=1e-12)
    assert r.answer_rate == pytest.approx(1 - r.p_abandon, rel=1e-15)
    assert r.p_W_le_t == pytest.approx(r.sl_offered + r.p_abandon_within_t, rel=1e-15)
    assert r.sl_answered == pytest.approx(r.sl_offered / r.answer_rate, rel=1e-15)
    assert r.sl_excl_short_ab == pytest.approx(r.sl_offered / (1 - r.p_abandon_within_t), rel=1e-15)
    assert r.mean_wait_all == pytest.approx(r.mean_queue / 0.3, rel=1e-15)
    assert r.occupancy == pytest.approx(60 * (1 - r.p_abandon) / 58, rel=1e-14)
    assert 0 < r.p_abandon_within_t < r.p_abandon < r.p_wait < 1
    assert r.sl_offered < r.sl_excl_short_ab < r.sl_answered < 1


# ----------------------------------------------------------------- monotonicity


def _metrics_over_agents(lam: float, aht: float, patience: float, t: float) -> list[ErlangAResult]:
    top = math.ceil(lam * aht * 1.5) + 5
    return [erlang_a(lam, aht, c, patience, t) for c in range(1, top)]


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "t"),
    [(1 / 60, 300.0, 180.0, 40.0), (0.5, 300.0, 120.0, 20.0), (1 / 36, 580.0, 600.0, 0.0)],
)
def test_more_agents_means_better_service(
    lam: float, aht: float, patience: float, t: float
) -> None:
    results = _metrics_over_agents(lam, aht, patience, t)
    tol = 1e-13
    for fewer, more in itertools.pairwise(results):
        assert more.sl_offered >= fewer.sl_offered - tol
        assert more.sl_answered >= fewer.sl_answered - tol
        assert more.p_abandon <= fewer.p_abandon + tol
        assert more.p_wait <= fewer.p_wait + tol
        assert more.asa_served <= fewer.asa_served * (1 + tol)
        assert more.occupancy <= fewer.occupancy + tol
    assert results[-1].sl_offered > results[0].sl_offered
    assert results[-1].p_abandon < results[0].p_abandon
    stable = [erlang_c(lam, aht, c, t) for c in range(math.floor(lam * aht) + 1, len(results) + 1)]
    for fewer_c, more_c in itertools.pairwise(stable):
        assert more_c.service_level > fewer_c.service_level
        assert more_c.asa_s < fewer_c.asa_s


# ----------------------------------------------------------------- staffing


@pytest.mark.parametrize(
    "targets",
    [
        {"sl_target": 0.8},
        {"sl_target": 0.9, "asa_target_s": 15.0},
        {"asa_target_s": 30.0},
        {"max_occupancy": 0.85},
        {"sl_target": 0.8, "max_occupancy": 0.9},
        {},
    ],
)
@pytest.mark.parametrize(("lam", "aht"), [(1 / 60, 300.0), (100 / 3600, 580.0), (2.0, 240.0)])
def test_min_agents_erlang_c_is_the_minimum(
    targets: dict[str, float], lam: float, aht: float
) -> None:
    t = 20.0
    c = min_agents_erlang_c(
        lam,
        aht,
        t,
        sl_target=targets.get("sl_target"),
        asa_target_s=targets.get("asa_target_s"),
        max_occupancy=targets.get("max_occupancy"),
    )

    def meets(agents: int) -> bool:
        r = erlang_c(lam, aht, agents, t)
        return (
            r.stable
            and r.service_level >= targets.get("sl_target", 0.0)
            and r.asa_s <= targets.get("asa_target_s", math.inf)
            and r.occupancy <= targets.get("max_occupancy", 1.0)
        )

    assert meets(c)
    assert not meets(c - 1)
    assert c == next(n for n in range(1, 10 * c) if meets(n))  # against a plain linear scan


@pytest.mark.parametrize(
    "targets",
    [
        {"sl_target": 0.8},
        {"sl_target": 0.5},  # loose: fewer agents than erlangs suffice when callers give up
        {"abandon_target": 0.03},
        {"asa_target_s": 10.0, "abandon_target": 0.05},
        {"sl_target": 0.9, "max_occupancy": 0.8},
        {"max_occupancy": 0.95},
        {},
    ],
)
@pytest.mark.parametrize(
    ("lam", "aht", "patience"),
    [(1 / 60, 300.0, 180.0), (100 / 3600, 580.0, 600.0), (2.0, 240.0, 90.0)],
)
def test_min_agents_erlang_a_is_the_minimum(
    targets: dict[str, float], lam: float, aht: float, patience: float
) -> None:
    t = 40.0
    c = min_agents_erlang_a(
        lam,
        aht,
        patience,
        t,
        sl_target=targets.get("sl_target"),
        asa_target_s=targets.get("asa_target_s"),
        abandon_target=targets.get("abandon_target"),
        max_occupancy=targets.get("max_occupancy"),
    )

    def meets(agents: int) -> bool:
        r = erlang_a(lam, aht, agents, patience, t)
        return (
            r.sl_offered >= targets.get("sl_target", 0.0)
            and r.asa_served <= targets.get("asa_target_s", math.inf)
            and r.p_abandon <= targets.get("abandon_target", 1.0)
            and r.occupancy <= targets.get("max_occupancy", 1.0)
        )

    assert c >= 1
    assert meets(c)
    assert c == 1 or not meets(c - 1)
    assert c == next(n for n in range(1, 10 * c + 10) if meets(n))


def test_min_agents_loose_erlang_a_target_below_offered_load() -> None:
    lam, aht, patience = 0.5, 300.0, 60.0  # A = 150
    c = min_agents_erlang_a(lam, aht, patience, 40.0, sl_target=0.5)
    assert c < 150


def test_min_agents_without_abandonment_matches_erlang_c() -> None:
    lam, aht = 0.4, 300.0
    c = min_agents_erlang_c(lam, aht, 20.0, sl_target=0.8, asa_target_s=20.0)
    a = min_agents_erlang_a(lam, aht, math.inf, 20.0, sl_target=0.8, asa_target_s=20.0)
    assert a == c


def test_min_agents_edge_cases() -> None:
    assert min_agents_erlang_c(0.0, 300.0, 20.0, sl_target=0.8) == 0
    assert min_agents_erlang_a(0.0, 300.0, 60.0, 20.0, sl_target=0.8) == 0
    # A = 30: 31 agents are far from 99 % in 20 s, and 20 are not even stable.
    for cap in (31, 20):
        with pytest.raises(ValueError, match="meets the targets"):
            min_agents_erlang_c(0.1, 300.0, 20.0, sl_target=0.99, max_agents=cap)
        with pytest.raises(ValueError, match="meets the targets"):
            min_agents_erlang_a(0.1, 300.0, 600.0, 20.0, abandon_target=0.001, max_agents=cap)
    with pytest.raises(ValueError, match="sl_target"):
        min_agents_erlang_c(0.1, 300.0, 20.0, sl_target=80.0)


# ----------------------------------------------------------------- scale and robustness


def _log_erlang_c(load: float, agents: int) -> float:
    """C(c, A) from log-space sums with lgamma: an independent route for large c."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    top = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    peak = max([*logs, top])
    below = math.fsum(math.exp(x - peak) for x in logs)
    return math.exp(top - peak) / (below + math.exp(top - peak))


def test_two_thousand_agents_is_fast_and_finite() -> None:
    lam, aht, agents = 6.6, 300.0, 2000  # A = 1980
    start = time.perf_counter()
    c = erlang_c(lam, aht, agents, 20.0)
    a = erlang_a(lam, aht, agents, 120.0, 20.0)
    staffed_c = min_agents_erlang_c(lam, aht, 20.0, sl_target=0.8)
    staffed_a = min_agents_erlang_a(lam, aht, 120.0, 20.0, sl_target=0.8, abandon_target=0.02)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert c.stable
    assert c.p_wait == pytest.approx(_log_erlang_c(lam * aht, agents), rel=1e-10)
    for value in (c.p_wait, c.service_level, a.p_wait, a.sl_offered, a.p_abandon):
        assert 0.0 < value < 1.0
    assert math.isfinite(c.asa_s) and math.isfinite(a.asa_served)
    assert 1980 < staffed_c < 2100
    assert 1900 < staffed_a < 2100


def test_huge_staff_and_short_handle_times() -> None:
    # cμt = 2,666: the per-call terms underflow unless summed in log space.
    a = erlang_a(60.0, 30.0, 2000, 60.0, 40.0)
    assert 0.0 <= a.p_wait < 1e-3
    assert a.sl_offered == pytest.approx(1.0 - a.p_abandon, abs=1e-12)
    b = erlang_b(20_000.0, 25_000)
    assert 0.0 <= b < 1e-100
    assert erlang_c(4.0, 5000.0, 20_500, 20.0).stable


def test_heavy_overload_with_weak_abandonment() -> None:
    # A = 3,000 erlangs on 100 agents with patient callers: the queue weights climb past the
    # float range before they fall, which the chain handles by rescaling.
    r = erlang_a(10.0, 300.0, 100, 3600.0, 40.0)
    assert r.truncation_states > 30_000
    assert r.p_abandon == pytest.approx(1 - 100 / 3000, rel=1e-3)
    assert r.p_abandon == pytest.approx(r.p_abandon_check_little, rel=1e-9)
    assert r.occupancy == pytest.approx(1.0, abs=1e-9)
    assert r.p_wait == pytest.approx(1.0, abs=1e-12)
    assert r.sl_offered < 1e-6


def test_max_states_guard() -> None:
    with pytest.raises(ValueError, match="queue states"):
        erlang_a(10.0, 300.0, 100, 3600.0, 40.0, max_states=1000)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_c(-1.0, 300.0, 3, 20.0),
        lambda: erlang_c(0.1, 0.0, 3, 20.0),
        lambda: erlang_c(0.1, 300.0, 0, 20.0),
        lambda: erlang_c(0.1, 300.0, 3, -1.0),
        lambda: erlang_c(0.1, 300.0, 3, math.nan),
        lambda: erlang_a(0.1, 300.0, 3, 0.0, 20.0),
        lambda: erlang_a(0.1, 300.0, True, 60.0, 20.0),
        lambda: erlang_b(-1.0, 3),
    ],
)
def test_bad_inputs_raise_value_error(call: Any) -> None:
    with pytest.raises(ValueError):
        call()
