"""Reports: counts for a period and every indicator with its definition attached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from queues.definitions import ALIASES, DEFINITIONS, Comparison, Unit, evaluate, meets
from queues.kpi_facts import Counters
from queues.records import AgentState


@dataclass(frozen=True, slots=True)
class Indicator:
    """One figure with everything needed to show and justify it."""

    id: str
    name: str
    formula: str
    numerator: float
    denominator: float | None
    """``None`` for a plain count."""
    value: float | None
    """``numerator / denominator``; ``None`` when the denominator is 0."""
    target: float | None
    comparison: Comparison | None
    met: bool | None
    """Whether the target is met; ``None`` without a target or a value."""
    unit: Unit
    threshold_s: float
    window: tuple[float, float]
    queue: str | None
    hours: str
    numerator_terms: tuple[str, ...] = ()
    denominator_terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return {
            "id": self.id,
            "name": self.name,
            "formula": self.formula,
            "numerator": self.numerator,
            "numerator_terms": list(self.numerator_terms),
            "denominator": self.denominator,
            "denominator_terms": list(self.denominator_terms),
            "value": self.value,
            "target": self.target,
            "comparison": self.comparison,
            "met": self.met,
            "unit": self.unit,
            "threshold_s": self.threshold_s,
            "window": list(self.window),
            "queue": self.queue,
            "hours": self.hours,
        }


@dataclass(frozen=True, slots=True)
class KpiReport:
    """Counts and indicators of one period, for one queue (or overall) and hours class."""

    window: tuple[float, float]
    """``[start, end)``: calls whose attribution time falls in it, agent time inside it."""
    queue: str | None
    hours: str
    threshold_s: float
    counts: Counters
    indicators: Mapping[str, Indicator]
    """Keyed by definition id, in the order of ``definitions.DEFINITIONS``."""

    def indicator(self, name: str) -> Indicator:
        """The indicator named by id or alias (``"sl_offered"`` is ``T2-IQ01``)."""
        return self.indicators[ALIASES[name]]

    def value(self, name: str) -> float | None:
        """Value of the indicator named by id or alias."""
        return self.indicator(name).value

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return {
            "window": list(self.window),
            "queue": self.queue,
            "hours": self.hours,
            "threshold_s": self.threshold_s,
            "counts": self.counts._asdict(),
            "indicators": {k: v.to_dict() for k, v in self.indicators.items()},
        }


def build_report(
    counts: Counters,
    window: tuple[float, float],
    queue: str | None,
    hours: str,
    threshold_s: float,
) -> KpiReport:
    """Evaluate every definition on ``counts``."""
    values = counts._asdict()
    indicators = {}
    for d in DEFINITIONS:
        num, den, value = evaluate(d, values)
        if d.id == "occupancy" and queue is not None:
            den, value = None, None
        target = d.target_for(hours)
        indicators[d.id] = Indicator(
            id=d.id,
            name=d.display_name(threshold_s),
            formula=d.formula,
            numerator=num,
            denominator=den,
            value=value,
            target=target,
            comparison=d.comparison,
            met=meets(value, target, d.comparison),
            unit=d.unit,
            threshold_s=threshold_s,
            window=window,
            queue=queue,
            hours=hours,
            numerator_terms=d.numerator,
            denominator_terms=d.denominator,
        )
    return KpiReport(window, queue, hours, threshold_s, counts, indicators)


@dataclass(frozen=True, slots=True)
class LiveFigures:
    """What a supervisor sees now for one queue or overall."""

    now: float
    queue: str | None
    waiting: int
    """Calls in a waiting line now (ringing included)."""
    longest_wait_s: float | None
    """``now`` − first queue entry of the longest-waiting call in line; ``None`` if none."""
    in_progress: int
    """Calls answered and not ended (for a queue: answered in that queue)."""
    agents: Mapping[AgentState, int]
    """Agents per state, over all agents (records do not tie idle agents to a queue)."""
    avg_talk_s: Indicator

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return {
            "now": self.now,
            "queue": self.queue,
            "waiting": self.waiting,
            "longest_wait_s": self.longest_wait_s,
            "in_progress": self.in_progress,
            "agents": dict(self.agents),
            "avg_talk_s": self.avg_talk_s.to_dict(),
        }
