"""What every KPI means, as data: the one table dashboards show and reports justify.

Each indicator is a ratio of two sums of *counts* (or a single count). The counts are those of
:class:`queues.kpi_facts.Counters`, described in :data:`COUNTS`; the engine evaluates an
indicator only through :func:`evaluate`, so the text shown to a supervisor is the formula run.
A term written ``-name`` is subtracted. An empty denominator marks a plain count.

Contractual indicators (T2-*, GAS*, GAP02) are taken from the mission's KPI table; the others
are the load simulator's names. GAP01 (availability) and GVS01 (file 0 activation delay) are
not computed from the call records and are not defined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Comparison = Literal[">=", "<=", "<", ">"]
Unit = Literal["ratio", "seconds", "count"]

#: Every count the engine keeps for a set of calls, with what it counts. "Per queue" applies
#: when a report is restricted to one queue; a call then belongs to the period (interval,
#: hours class) of its first arrival at that queue, otherwise to that of its reception.
COUNTS: Mapping[str, str] = {
    "received": "calls received: every call with a reception time (its CallReceived, or its "
    "first record if the call never had one, as with the simulator). Per queue: calls that "
    "reached the queue (offered to it, or rejected at its door)",
    "offered": "calls offered: calls that entered a queue (at least one CallQueued; per queue, "
    "a CallQueued for that queue). A call rejected at a queue's door did not enter it and is "
    "not offered there",
    "answered": "calls answered (CallAnswered), counted at pickup, before the call ends",
    "abandoned": "calls abandoned: the caller hung up after choosing a service and before an "
    "agent picked up — in the queue (CallAbandoned) or in the IVR after the menu "
    "(CallLeftIvr 'abandoned', overall only: no queue was reached)",
    "timed_out": "calls that left the queue by a rule for a fallback action "
    "(CallOverflowed without to_queue)",
    "overflowed": "per queue only: calls that left the queue for another queue (CallOverflowed "
    "with to_queue); not final overall, the call goes on in the other queue",
    "rejected": "calls refused at a queue's door (CallRejected): lost, never offered there",
    "dissuaded": "calls hung up on by the file 0 message in dissuasion mode (CallDissuaded)",
    "left_ivr": "calls that ended in the IVR other than by an abandon (CallLeftIvr: hangup "
    "before any menu choice, message, transfer, closed, "
    "error)",
    "lost": "lost calls = abandoned + rejected + dissuaded",
    "answered_within": "calls answered with wait_s ≤ the service-level threshold (inclusive); "
    "wait_s runs from the call's first queue entry, also after an overflow",
    "informed": "calls that heard the file 0 message (any CallInformed)",
    "waiting": "calls offered and not yet final (still in a waiting line, ringing included)",
    "in_ivr": "calls received, not offered and not final (still in the IVR)",
    "callbacks": "calls whose caller asked to be called back (CallbackRequested, or an answer "
    "flagged callback)",
    "waited": "calls offered that had to wait in line: first offered to an agent later than "
    "their first queue entry, or never offered to an agent",
    "recovered": "lost calls later renewed: named by a CallRecovered, or whose caller number "
    "(non-empty) had another call answered within the redial window after the loss",
    "sum_wait_answered_s": "sum of wait_s (first queue entry to pickup) of answered calls",
    "sum_talk_s": "sum of talk times (CallEnded − CallAnswered) of answered calls that ended",
    "talk_count": "answered calls that ended (the calls in sum_talk_s)",
    "busy_s": "agent seconds in on_call or wrap_up (per queue: on that queue's calls)",
    "staffed_s": "agent seconds in available, ringing, on_call or wrap_up (overall only; "
    "paused and logged_out excluded)",
}


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """One indicator: how it is computed from counts and what it must reach."""

    id: str
    name: str
    """Display name; ``{threshold}`` stands for the service-level threshold in seconds."""
    formula: str
    """The formula in words, as shown to a supervisor and written in reports."""
    numerator: tuple[str, ...]
    """Counts summed above the line; ``-name`` subtracts."""
    denominator: tuple[str, ...]
    """Counts summed below the line; empty for a plain count."""
    target: float | None = None
    comparison: Comparison | None = None
    """How ``value`` must compare with ``target`` for the target to be met."""
    unit: Unit = "ratio"
    hours_targets: tuple[tuple[str, float], ...] = ()
    """Targets that replace ``target`` for one hours class, e.g. ``(("HNO", 0.10),)``."""
    aliases: tuple[str, ...] = ()
    """Other names of the same figure (the simulator's)."""

    def target_for(self, hours: str) -> float | None:
        """Target for the hours class ``hours`` (``"all"``: the general target)."""
        return dict(self.hours_targets).get(hours, self.target)

    def display_name(self, threshold_s: float) -> str:
        """``name`` with the service-level threshold filled in."""
        return self.name.format(threshold=f"{threshold_s:g}")


def _d(*args: str) -> tuple[str, ...]:
    return args


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "T2-IQ01", "answered within {threshold} s",
        "calls answered with wait ≤ threshold ÷ calls offered to the queue "
        "(abandoned, timed-out and waiting calls count as failures)",
        _d("answered_within"), _d("offered"), 0.80, ">=", aliases=("sl_offered",),
    ),
    KpiDefinition(
        "T2-IQ02", "abandon rate", "calls abandoned ÷ calls offered",
        _d("abandoned"), _d("offered"), 0.10, "<=", aliases=("abandon_rate",),
    ),
    KpiDefinition(
        "T2-IQ03", "global answer rate", "calls answered ÷ calls received",
        _d("answered"), _d("received"), 0.85, ">=",
    ),
    KpiDefinition(
        "T2-IQ04", "recovered calls",
        "lost calls later renewed (called back, or the caller called again and was answered "
        "within the redial window) ÷ lost calls (abandoned + rejected + dissuaded)",
        _d("recovered"), _d("lost"), 0.95, ">=",
    ),
    KpiDefinition(
        "GAS01", "average wait",
        "sum of waits from queue entry to agent pickup ÷ calls answered",
        _d("sum_wait_answered_s"), _d("answered"), 90.0, "<", unit="seconds",
        aliases=("asa_s",),
    ),
    KpiDefinition(
        "GAS02", "daily answer rate", "calls answered ÷ (calls received − calls informed)",
        _d("answered"), _d("received", "-informed"), 0.90, ">=",
    ),
    KpiDefinition(
        "GAP02", "lost-call rate",
        "(abandoned + rejected + dissuaded) ÷ calls received; rejected calls never entered "
        "the queue, so they are lost here though not offered",
        _d("abandoned", "rejected", "dissuaded"), _d("received"), 0.05, "<=",
        hours_targets=(("HNO", 0.10),), aliases=("lost_rate",),
    ),
    KpiDefinition(
        "sl_answered", "answered within {threshold} s, of answered calls",
        "calls answered with wait ≤ threshold ÷ calls answered (abandons not counted: "
        "shown beside T2-IQ01, which counts them as failures)",
        _d("answered_within"), _d("answered"),
    ),
    KpiDefinition(
        "answer_rate", "answer rate (offered)", "calls answered ÷ calls offered",
        _d("answered"), _d("offered"),
    ),
    KpiDefinition(
        "p_wait", "probability of waiting",
        "calls offered that had to wait in line ÷ calls offered",
        _d("waited"), _d("offered"),
    ),
    KpiDefinition(
        "occupancy", "agent occupancy",
        "agent time on call or in wrap-up ÷ agent time staffed (available, ringing, on call, "
        "wrap-up; paused and logged out excluded). Overall only: a queue report gives its "
        "busy_s but no occupancy, since idle agents are not tied to a queue",
        _d("busy_s"), _d("staffed_s"),
    ),
    KpiDefinition(
        "avg_talk_s", "average talk time",
        "sum of talk times of ended answered calls ÷ their number",
        _d("sum_talk_s"), _d("talk_count"), unit="seconds",
    ),
    KpiDefinition(
        "calls_offered", "calls offered", "calls that entered a queue",
        _d("offered"), _d(), unit="count",
    ),
)

BY_ID: Mapping[str, KpiDefinition] = {d.id: d for d in DEFINITIONS}
#: Every accepted name of an indicator (its id and its aliases) mapped to its id.
ALIASES: Mapping[str, str] = {
    name: d.id for d in DEFINITIONS for name in (d.id, *d.aliases)
}


def definition(name: str) -> KpiDefinition:
    """The definition named ``name`` (an id or an alias); ``KeyError`` if unknown."""
    return BY_ID[ALIASES[name]]


def term_sum(terms: tuple[str, ...], counts: Mapping[str, float]) -> float:
    """Sum of the counts named by ``terms`` (``-name`` subtracts)."""
    total = 0.0
    for term in terms:
        if term.startswith("-"):
            total -= counts[term[1:]]
        else:
            total += counts[term]
    return total


def evaluate(
    d: KpiDefinition, counts: Mapping[str, float]
) -> tuple[float, float | None, float | None]:
    """``(numerator, denominator, value)`` of ``d``; value is ``None`` when the denominator is 0.

    A plain count has no denominator: its value is the numerator.
    """
    num = term_sum(d.numerator, counts)
    if not d.denominator:
        return num, None, num
    den = term_sum(d.denominator, counts)
    return num, den, (num / den if den else None)


def meets(value: float | None, target: float | None, comparison: Comparison | None) -> bool | None:
    """Whether ``value`` meets ``target``; ``None`` when either is missing."""
    if value is None or target is None or comparison is None:
        return None
    if comparison == ">=":
        return value >= target
    if comparison == "<=":
        return value <= target
    if comparison == "<":
        return value < target
    return value > target
