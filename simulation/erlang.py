"""Exact Erlang C (M/M/c) and Erlang A (M/M/c+M) formulas for the staffing search.

Notation (time in seconds): arrival rate ``λ``, mean handle time ``AHT = 1/μ``, offered load
``A = λ·AHT`` erlangs, ``c`` agents, mean patience ``1/θ`` (Erlang A only), service-level
threshold ``t``. Every metric follows the ``conventions`` block of
``shared/simulation/reference_cases.json``.

Numerics: nothing here evaluates a factorial or a power of ``A`` directly. Both models start
from the Erlang B recursion ``B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1))`` (stable for
thousands of agents) and the Erlang A chain is summed relative to the state ``n = c``, in
log space wherever a term could overflow or underflow.

Erlang A waiting-time law (FCFS, exponential patience): a call that finds ``j`` calls queued
ahead of it reaches an agent after ``V = Σ_{i=0..j} Exp(cμ + iθ)`` unless its own patience
``T ~ Exp(θ)`` runs out first. With ``α = cμ/θ``, ``X = exp(-θV)`` is Beta(α, j+1)
distributed, so with ``x = exp(-θt)`` and ``n = j+1``:

* ``P(served) = E[X] = cμ / (cμ + nθ)``
* ``P(V > t) = I_x(α, n) = x^α Σ_{m<n} (α)_m/m! (1-x)^m`` (finite sum of positive terms)
* ``P(served, V ≤ t) = P(served)·(1 - I_x(α+1, n))``
* ``P(min(V, T) ≤ t) = 1 - x·I_x(α, n)``; the difference with the previous line is the
  probability of abandoning within ``t``
* ``E[V; served] = P(served)·Σ_{i=1..n} 1/(cμ + iθ)``

which become the Erlang C (Erlang-``n``) expressions when ``θ = 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "min_agents_erlang_a",
    "min_agents_erlang_c",
]

TRUNCATION_EPS = 1e-15
"""The Erlang A chain stops at the first queue length whose weight, and a geometric bound on
all later weights, are below this fraction of the weight kept so far (states ``n ≥ c``)."""

DEFAULT_MAX_STATES = 1_000_000
"""Refuse Erlang A inputs that would need more queue states than this (very weak abandonment
on an overloaded system)."""

DEFAULT_MAX_AGENTS = 100_000
"""Staffing searches give up (``ValueError``) above this many agents."""

_RESCALE_ABOVE = 1e280


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Steady-state metrics of an M/M/c queue without abandonment (Erlang C)."""

    offered_load: float
    """``A = λ·AHT`` in erlangs."""
    agents: int
    """``c``."""
    sl_threshold_s: float
    """Service-level threshold ``t`` in seconds."""
    stable: bool
    """``A < c``; otherwise the queue grows without bound and the metrics below are limits."""
    p_wait: float
    """``C(c, A)``: probability that a call waits (1 when unstable)."""
    service_level: float
    """``P(W ≤ t) = 1 - C·exp(-(cμ - λ)t)`` (0 when unstable)."""
    asa_s: float
    """Mean wait of all calls ``C / (cμ - λ)`` (``inf`` when unstable)."""
    occupancy: float
    """``A / c`` (1 when unstable: agents never idle)."""


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state metrics of an M/M/c+M queue (Erlang A: exponential patience)."""

    offered_load: float
    """``A = λ·AHT`` in erlangs."""
    agents: int
    """``c``."""
    sl_threshold_s: float
    """Service-level threshold ``t`` in seconds."""
    p_wait: float
    """``P(n ≥ c)``: probability that all agents are busy at arrival (PASTA)."""
    p_abandon: float
    """``Σ_{j≥0} p_{c+j}·(j+1)θ / (cμ + (j+1)θ)``: fraction of offered calls abandoning."""
    p_abandon_check_little: float
    """``θ·E[Q] / λ``: the same fraction from Little's law (equal up to rounding)."""
    answer_rate: float
    """``1 - p_abandon``."""
    sl_offered: float
    """Answered within ``t`` / offered (abandons count as failures): the contract KPI."""
    sl_answered: float
    """Answered within ``t`` / answered."""
    sl_excl_short_ab: float
    """Answered within ``t`` / (offered - abandoned within ``t``)."""
    p_W_le_t: float
    """(Answered within ``t`` + abandoned within ``t``) / offered: ``P(min(V, T) ≤ t)``."""
    p_abandon_within_t: float
    """Abandoned within ``t`` / offered."""
    asa_served: float
    """Mean queue wait of answered calls, zero waits included: ``E[V; served] / P(served)``."""
    mean_wait_all: float
    """Mean time in queue over all offered calls, abandoned ones included: ``E[Q] / λ``."""
    mean_queue: float
    """``E[Q] = Σ_{j≥0} j·p_{c+j}``: mean number of calls waiting."""
    occupancy: float
    """Busy agent time / (agents × time) ``= A·(1 - p_abandon) / c``."""
    truncation_states: int
    """Number of states ``n = c, c+1, …`` of the birth–death chain kept."""


def erlang_b(offered_load: float, agents: int) -> float:
    """Erlang B blocking probability ``B(c, A) = (A^c/c!) / Σ_{k≤c} A^k/k!``.

    Computed by the recursion ``B(k) = A·B(k-1) / (k + A·B(k-1))``, which never overflows.
    """
    _check_load(offered_load)
    _check_agents(agents)
    b = 1.0
    for k in range(1, agents + 1):
        ab = offered_load * b
        b = ab / (k + ab)
    return b


def erlang_c(
    arrival_rate_per_s: float, aht_s: float, agents: int, sl_threshold_s: float
) -> ErlangCResult:
    """Erlang C (M/M/c, FCFS, infinite patience) metrics.

    ``C(c, A) = B / (1 - (A/c)(1 - B))`` with ``B = B(c, A)``;
    ``SL = P(W ≤ t) = 1 - C·exp(-(cμ - λ)t)``; ``ASA = C / (cμ - λ)``; occupancy ``A/c``.
    An unstable system (``A ≥ c``) is reported with ``stable=False``, SL 0 and infinite ASA.
    """
    _check_rates(arrival_rate_per_s, aht_s, sl_threshold_s)
    _check_agents(agents)
    load = arrival_rate_per_s * aht_s
    return _erlang_c_from_b(
        arrival_rate_per_s, aht_s, agents, sl_threshold_s, erlang_b(load, agents)
    )


def erlang_a(
    arrival_rate_per_s: float,
    aht_s: float,
    agents: int,
    patience_mean_s: float,
    sl_threshold_s: float,
    *,
    max_states: int = DEFAULT_MAX_STATES,
) -> ErlangAResult:
    """Erlang A (M/M/c+M, FCFS, exponential patience of mean ``1/θ``) metrics, exact.

    Stationary law of the birth–death chain (birth ``λ``, death ``min(n, c)μ + (n-c)⁺θ``):
    ``p_{c+j} = p_c·Π_{i=1..j} λ/(cμ + iθ)`` and ``Σ_{n<c} p_n = p_c·(1/B(c, A) - 1)``,
    truncated once further states are negligible (see ``TRUNCATION_EPS``). Each metric is
    the PASTA average over the arrival state of the per-call laws given in the module
    docstring. ``patience_mean_s = math.inf`` gives Erlang C (``ValueError`` if ``A ≥ c``).
    Raises ``ValueError`` if more than ``max_states`` queue states would be needed.
    """
    _check_rates(arrival_rate_per_s, aht_s, sl_threshold_s)
    _check_agents(agents)
    if not patience_mean_s > 0:
        raise ValueError(f"patience_mean_s must be > 0, got {patience_mean_s!r}")
    load = arrival_rate_per_s * aht_s
    if math.isinf(patience_mean_s) and load >= agents:
        raise ValueError(f"no abandonment and A = {load!r} >= c = {agents}: unstable queue")
    b = erlang_b(load, agents)
    return _erlang_a_from_b(
        arrival_rate_per_s, aht_s, agents, patience_mean_s, sl_threshold_s, b, max_states
    )


def min_agents_erlang_c(
    arrival_rate_per_s: float,
    aht_s: float,
    sl_threshold_s: float,
    *,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> int:
    """Smallest ``c`` whose Erlang C metrics meet every given target.

    Targets: ``service_level ≥ sl_target``, ``asa_s ≤ asa_target_s``,
    ``occupancy ≤ max_occupancy``; the result is always a stable ``c > A`` (0 when
    ``λ = 0``). Metrics improve with ``c``, so the search gallops upward from the first
    stable ``c`` and bisects. Raises ``ValueError`` if ``max_agents`` is not enough.
    """
    _check_rates(arrival_rate_per_s, aht_s, sl_threshold_s)
    _check_targets(sl_target, asa_target_s, None, max_occupancy)
    if arrival_rate_per_s == 0:
        return 0
    load = arrival_rate_per_s * aht_s
    table = _ErlangBTable(load)

    def meets(c: int) -> bool:
        r = _erlang_c_from_b(arrival_rate_per_s, aht_s, c, sl_threshold_s, table.at(c))
        return (
            r.stable
            and (sl_target is None or r.service_level >= sl_target)
            and (asa_target_s is None or r.asa_s <= asa_target_s)
            and (max_occupancy is None or r.occupancy <= max_occupancy)
        )

    lowest = math.floor(load) + 1
    return _search_min(meets, lowest, lowest, max_agents)


def min_agents_erlang_a(
    arrival_rate_per_s: float,
    aht_s: float,
    patience_mean_s: float,
    sl_threshold_s: float,
    *,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    abandon_target: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> int:
    """Smallest ``c ≥ 1`` whose Erlang A metrics meet every given target.

    Targets: ``sl_offered ≥ sl_target``, ``asa_served ≤ asa_target_s``,
    ``p_abandon ≤ abandon_target``, ``occupancy ≤ max_occupancy`` (0 agents when ``λ = 0``).
    With abandonment fewer than ``A`` agents can meet loose targets, so the search starts at
    ``ceil(A)``, gallops down or up, then bisects (every metric is monotone in ``c``).
    Raises ``ValueError`` if ``max_agents`` is not enough.
    """
    _check_rates(arrival_rate_per_s, aht_s, sl_threshold_s)
    _check_targets(sl_target, asa_target_s, abandon_target, max_occupancy)
    if not patience_mean_s > 0:
        raise ValueError(f"patience_mean_s must be > 0, got {patience_mean_s!r}")
    if arrival_rate_per_s == 0:
        return 0
    load = arrival_rate_per_s * aht_s
    table = _ErlangBTable(load)

    def meets(c: int) -> bool:
        r = _erlang_a_from_b(
            arrival_rate_per_s,
            aht_s,
            c,
            patience_mean_s,
            sl_threshold_s,
            table.at(c),
            DEFAULT_MAX_STATES,
        )
        return (
            (sl_target is None or r.sl_offered >= sl_target)
            and (asa_target_s is None or r.asa_served <= asa_target_s)
            and (abandon_target is None or r.p_abandon <= abandon_target)
            and (max_occupancy is None or r.occupancy <= max_occupancy)
        )

    lowest = 1
    if math.isinf(patience_mean_s):
        lowest = math.floor(load) + 1  # no abandonment: only stable systems have a chain
    return _search_min(meets, lowest, max(lowest, math.ceil(load)), max_agents)


# --------------------------------------------------------------------------- internals


def _check_load(offered_load: float) -> None:
    if not (offered_load >= 0 and math.isfinite(offered_load)):
        raise ValueError(f"offered load must be finite and >= 0, got {offered_load!r}")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents must be an int >= 1, got {agents!r}")


def _check_rates(arrival_rate_per_s: float, aht_s: float, sl_threshold_s: float) -> None:
    if not (arrival_rate_per_s >= 0 and math.isfinite(arrival_rate_per_s)):
        raise ValueError(f"arrival_rate_per_s must be finite and >= 0, got {arrival_rate_per_s!r}")
    if not (aht_s > 0 and math.isfinite(aht_s)):
        raise ValueError(f"aht_s must be finite and > 0, got {aht_s!r}")
    if not (sl_threshold_s >= 0 and math.isfinite(sl_threshold_s)):
        raise ValueError(f"sl_threshold_s must be finite and >= 0, got {sl_threshold_s!r}")


def _check_targets(
    sl_target: float | None,
    asa_target_s: float | None,
    abandon_target: float | None,
    max_occupancy: float | None,
) -> None:
    for name, value in (
        ("sl_target", sl_target),
        ("abandon_target", abandon_target),
        ("max_occupancy", max_occupancy),
    ):
        if value is not None and not 0 <= value <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    if asa_target_s is not None and not asa_target_s >= 0:
        raise ValueError(f"asa_target_s must be >= 0, got {asa_target_s!r}")


class _ErlangBTable:
    """``B(k, A)`` for k = 0, 1, …, extended on demand (the staffing search probes many c)."""

    def __init__(self, offered_load: float) -> None:
        self._load = offered_load
        self._b = [1.0]

    def at(self, agents: int) -> float:
        b = self._b
        while len(b) <= agents:
            ab = self._load * b[-1]
            b.append(ab / (len(b) + ab))
        return b[agents]


def _search_min(meets: Callable[[int], bool], lowest: int, start: int, highest: int) -> int:
    """Smallest ``c`` in ``[lowest, highest]`` with ``meets(c)``, for a monotone predicate.

    ``lowest - 1`` is taken as failing. Gallops away from ``start`` (steps 1, 2, 4, …), then
    bisects, so a search costs O(log distance) evaluations.
    """
    if start > highest:
        raise ValueError(f"no staffing up to {highest} agents meets the targets")
    step = 1
    if meets(start):
        good, bad = start, lowest - 1
        while good > lowest:
            probe = max(start - step, lowest)
            if not meets(probe):
                bad = probe
                break
            good = probe
            step *= 2
    else:
        bad, good = start, -1
        while good < 0:
            probe = min(start + step, highest)
            if meets(probe):
                good = probe
            elif probe == highest:
                raise ValueError(f"no staffing up to {highest} agents meets the targets")
            else:
                bad = probe
                step *= 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if meets(mid):
            good = mid
        else:
            bad = mid
    return good


def _erlang_c_from_b(
    arrival_rate_per_s: float, aht_s: float, agents: int, sl_threshold_s: float, b: float
) -> ErlangCResult:
    load = arrival_rate_per_s * aht_s
    if load >= agents:
        return ErlangCResult(load, agents, sl_threshold_s, False, 1.0, 0.0, math.inf, 1.0)
    rho = load / agents
    p_wait = b / (1.0 - rho * (1.0 - b))
    drain = agents / aht_s - arrival_rate_per_s  # cμ - λ > 0
    sl = 1.0 - p_wait * math.exp(-drain * sl_threshold_s)
    return ErlangCResult(load, agents, sl_threshold_s, True, p_wait, sl, p_wait / drain, rho)


def _queue_weights(
    arrival_rate_per_s: float, c_mu: float, theta: float, max_states: int
) -> tuple[list[float], float]:
    """Weights ``w_j ∝ p_{c+j}/p_c = Π_{i≤j} λ/(cμ + iθ)`` and ``log`` of their common scale.

    ``q_j = w_j·exp(scale)``. Stops at the first ``j`` where ``w_j·max(1, r/(1-r))`` is below
    ``TRUNCATION_EPS·Σ_{i≤j} w_i`` with ``r = λ/(cμ + (j+1)θ) < 1``: since ``r`` only
    decreases, ``w_j·r/(1-r)`` bounds every weight dropped.
    """
    weights = [1.0]
    total = 1.0
    log_scale = 0.0
    j = 0
    while True:
        r_next = arrival_rate_per_s / (c_mu + (j + 1) * theta)
        w = weights[-1]
        if r_next < 1.0 and w * max(1.0, r_next / (1.0 - r_next)) < TRUNCATION_EPS * total:
            return weights, log_scale
        if j + 1 >= max_states:
            raise ValueError(
                f"Erlang A chain needs more than {max_states} queue states "
                "(overloaded system with too little abandonment)"
            )
        j += 1
        w *= r_next
        weights.append(w)
        total += w
        if w > _RESCALE_ABOVE:  # overloaded system with weak abandonment: keep floats finite
            weights = [x / w for x in weights]
            total /= w
            log_scale += math.log(w)


@dataclass(slots=True)
class _QueueSums:
    """Unnormalised ``Σ_j w_j·f(j)`` over the queue states for each per-call quantity."""

    wait: float = 0.0
    abandon: float = 0.0
    served_within: float = 0.0
    abandon_within: float = 0.0
    queue: float = 0.0
    served_wait: float = 0.0


def _queue_sums(
    weights: list[float], c_mu: float, theta: float, sl_threshold_s: float
) -> _QueueSums:
    """Weighted sums of the per-call laws of the module docstring over ``j = 0..J``.

    ``ln_b``/``ln_d`` are the logs of the ``m``-th terms of ``I_x(α, ·)`` and
    ``I_x(α+1, ·)`` (negative-binomial probabilities); ``tail_b``/``tail_d`` their running
    sums, i.e. ``P(V > t)`` and ``I_x(α+1, j+1)`` for the current ``j``.
    """
    t = sl_threshold_s
    x = math.exp(-theta * t)
    g = t if theta == 0 else -math.expm1(-theta * t) / theta  # (1 - x)/θ, → t as θ → 0
    ln_g = math.log(g) if g > 0 else -math.inf
    ln_b = -c_mu * t
    ln_d = -(c_mu + theta) * t
    tail_b = tail_d = 0.0
    harmonic = 0.0  # Σ_{i=1..j+1} 1/(cμ + iθ)
    s = _QueueSums()
    for j, w in enumerate(weights):
        if j > 0:
            ln_b += math.log(c_mu + (j - 1) * theta) + ln_g - math.log(j)
            ln_d += math.log(c_mu + j * theta) + ln_g - math.log(j)
        tail_b += math.exp(ln_b)
        tail_d += math.exp(ln_d)
        rate = c_mu + (j + 1) * theta
        served = c_mu / rate
        harmonic += 1.0 / rate
        served_within = served * (1.0 - tail_d)
        s.wait += w
        s.abandon += w * (1.0 - served)
        s.served_within += w * served_within
        s.abandon_within += w * max(0.0, (1.0 - x * tail_b) - served_within)
        s.queue += w * j
        s.served_wait += w * served * harmonic
    return s


def _erlang_a_from_b(
    arrival_rate_per_s: float,
    aht_s: float,
    agents: int,
    patience_mean_s: float,
    sl_threshold_s: float,
    b: float,
    max_states: int,
) -> ErlangAResult:
    load = arrival_rate_per_s * aht_s
    if arrival_rate_per_s == 0:
        return _idle_erlang_a(agents, sl_threshold_s)
    theta = 1.0 / patience_mean_s
    c_mu = agents / aht_s
    weights, log_scale = _queue_weights(arrival_rate_per_s, c_mu, theta, max_states)
    s = _queue_sums(weights, c_mu, theta, sl_threshold_s)
    # p_{c+j} = b·w_j / norm and P(n < c) = (1 - b)·exp(-log_scale) / norm.
    below = (1.0 - b) * math.exp(-log_scale)
    norm = below + b * s.wait
    k = b / norm
    p_abandon = k * s.abandon
    answered = 1.0 - p_abandon
    sl_offered = below / norm + k * s.served_within
    abandon_within = k * s.abandon_within
    mean_queue = k * s.queue
    return ErlangAResult(
        offered_load=load,
        agents=agents,
        sl_threshold_s=sl_threshold_s,
        p_wait=k * s.wait,
        p_abandon=p_abandon,
        p_abandon_check_little=theta * mean_queue / arrival_rate_per_s,
        answer_rate=answered,
        sl_offered=sl_offered,
        sl_answered=sl_offered / answered,
        sl_excl_short_ab=sl_offered / (1.0 - abandon_within),
        p_W_le_t=sl_offered + abandon_within,
        p_abandon_within_t=abandon_within,
        asa_served=k * s.served_wait / answered,
        mean_wait_all=mean_queue / arrival_rate_per_s,
        mean_queue=mean_queue,
        occupancy=min(1.0, load * answered / agents),  # rounding can exceed 1 by an ulp
        truncation_states=len(weights),
    )


def _idle_erlang_a(agents: int, sl_threshold_s: float) -> ErlangAResult:
    """No traffic: nobody waits, and the ratios over offered calls take their limits."""
    return ErlangAResult(
        offered_load=0.0,
        agents=agents,
        sl_threshold_s=sl_threshold_s,
        p_wait=0.0,
        p_abandon=0.0,
        p_abandon_check_little=0.0,
        answer_rate=1.0,
        sl_offered=1.0,
        sl_answered=1.0,
        sl_excl_short_ab=1.0,
        p_W_le_t=1.0,
        p_abandon_within_t=0.0,
        asa_served=0.0,
        mean_wait_all=0.0,
        mean_queue=0.0,
        occupancy=0.0,
        truncation_states=1,
    )
