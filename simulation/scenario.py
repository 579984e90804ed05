"""Scenario files: the YAML a planner writes, validated with pydantic, resolved into a plan.

The smallest scenario (a stationary M/M/c+M queue, used to check the simulator against
Erlang A) reads::

    horizon_hours: 2000
    warmup_hours: 20
    queues: [{name: support, skill: support}]
    arrivals: [{queue: support, calls_per_hour: 100}]
    handle_time: {distribution: exponential, mean_s: 580}
    patience: {distribution: exponential, mean_s: 180}   # omit for infinite patience
    agents: [{count: 15, skills: {support: 1}}]

Queues are :class:`queues.config.QueueConfig` mappings, the objects the live engine runs.
A rate or a head count given as a list has one value per interval (a day profile). Every
error raises :class:`~simulation.errors.ScenarioError` naming the file, line and field.

Time is in seconds of the day: the observed window starts at ``start`` and lasts
``horizon_hours``. The warm-up runs before it, with the first interval's traffic and
staffing; its calls are discarded. Arrivals stop at the end of the window and the calls
still in the centre are followed to completion (drain); each counts in the interval it
arrived in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from acd.engine import AcdConfig
from acd.model import AgentConfig
from queues.config import QueueConfig
from queues.errors import ConfigError
from simulation.distributions import Constant, Duration, NoPatience, Patience
from simulation.errors import Loc, ScenarioError, field_name, locate

_HHMM = r"^([01]\d|2[0-3]):([0-5]\d)$"
NO_DELAY: Final = Constant(distribution="constant", value_s=0.0)
"""Agents pick up at once unless the scenario says otherwise."""
Level = Annotated[int, Field(ge=1, le=10)]
Count = Annotated[int, Field(ge=0)]
Rate = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Redials(_Model):
    """Callers who leave unanswered (abandon, rejected, timed out) may call again."""

    probability: float = Field(ge=0, le=1)
    delay: Duration
    max_attempts: int = Field(default=3, ge=1)
    """Most calls one caller makes (the first one included)."""


class Callbacks(_Model):
    """Callers whose patience runs out may ask to be called back, keeping their place."""

    probability: float = Field(ge=0, le=1)


class Targets(_Model):
    """The service targets (``None`` switches one off) and the staffing occupancy cap."""

    sl_threshold_s: float = Field(default=40.0, ge=0)
    sl_offered: float | None = Field(default=0.80, ge=0, le=1)
    asa_s: float | None = Field(default=90.0, gt=0)
    abandon_rate: float | None = Field(default=0.10, ge=0, le=1)
    lost_rate: float | None = Field(default=0.05, ge=0, le=1)
    max_occupancy: float | None = Field(default=0.90, gt=0, le=1)
    """Staffing never plans agents busier than this on average."""


class Arrival(_Model):
    """Poisson arrivals to one queue: a constant rate or one rate per interval."""

    queue: str
    calls_per_hour: Rate | list[Rate]
    priority: int = 0
    handle_time: Duration | None = None
    patience: Patience | None = None
    redials: Redials | None = None
    callbacks: Callbacks | None = None


class Shift(_Model):
    """``count`` agents from ``start`` to ``end`` (clock times, every day)."""

    start: str = Field(pattern=_HHMM)
    end: str = Field(pattern=_HHMM)
    count: Count


class AgentGroup(_Model):
    """Agents sharing skills: a head count (constant or per interval) or shifts."""

    name: str | None = None
    skills: dict[str, Level] = Field(min_length=1)
    count: Count | list[Count] | None = None
    shifts: list[Shift] | None = None
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    """Fraction of staffed heads away on breaks (paused) at any time."""
    answer_delay: Duration | None = None
    """Seconds from the phone ringing to pickup (default 0)."""


class Scenario(_Model):
    """A scenario file, as written."""

    name: str = ""
    horizon_hours: float | None = Field(default=None, gt=0)
    """Observed window; may be omitted when a profile gives one value per interval."""
    warmup_hours: float = Field(default=0.0, ge=0)
    interval_minutes: Literal[15, 30, 60] = 60
    start: str = Field(default="00:00", pattern=_HHMM)
    """Clock time at which the observed window starts (interval labels)."""
    queues: list[dict[str, Any]] = Field(min_length=1)
    fairness: Literal["longest_wait", "priority"] = "longest_wait"
    arrivals: list[Arrival] = Field(min_length=1)
    handle_time: Duration | None = None
    patience: Patience | None = None
    redials: Redials | None = None
    callbacks: Callbacks | None = None
    agents: list[AgentGroup] = Field(min_length=1)
    targets: Targets = Targets()


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """The traffic of one queue, resolved per interval."""

    queue: str
    rates_per_s: tuple[float, ...]
    handle: Duration
    patience: Patience
    redials: Redials | None
    callback_probability: float
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """One agent group, resolved per interval."""

    name: str
    skills: dict[str, int]
    staffed: tuple[int, ...]
    """Heads logged in during each interval (the last value holds after the window)."""
    shrinkage: float = 0.0
    answer_delay: Duration = NO_DELAY

    def agent_ids(self) -> list[str]:
        """Ids of every agent the group ever needs."""
        return [f"{self.name}-{i}" for i in range(max(self.staffed, default=0))]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one replication needs; times in seconds of the day (start at ``start_s``)."""

    name: str
    start_s: float
    interval_s: float
    n_intervals: int
    warmup_s: float
    queues: tuple[QueueConfig, ...]
    loads: tuple[QueueLoad, ...]
    groups: tuple[Group, ...]
    targets: Targets
    fairness: Literal["longest_wait", "priority"] = "longest_wait"

    @property
    def end_s(self) -> float:
        """End of the observed window (arrivals stop here; calls then drain)."""
        return self.start_s + self.n_intervals * self.interval_s

    def acd_config(self) -> AcdConfig:
        """The ACD configuration: the scenario's queues and every agent of every group."""
        agents = tuple(
            AgentConfig(agent_id, dict(g.skills)) for g in self.groups for agent_id in g.agent_ids()
        )
        return AcdConfig(self.queues, agents, self.fairness)

    def with_staffing(self, staffed: dict[str, tuple[int, ...]]) -> Plan:
        """The same plan with other head counts per interval for the groups named."""
        groups = tuple(
            replace(g, staffed=staffed[g.name]) if g.name in staffed else g for g in self.groups
        )
        return replace(self, groups=groups)


def load(path: str | Path) -> Plan:
    """Read, validate and resolve a scenario file."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(file, None, "", f"cannot read the file ({exc.strerror})") from None
    return parse(text, file)


def parse(text: str, file: str = "<scenario>") -> Plan:
    """Validate and resolve scenario YAML text (``file`` names it in errors)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise ScenarioError(file, line, "", f"not valid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(file, 1, "", "expected a mapping of scenario fields")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _from_pydantic(exc, root, file) from None
    try:
        return resolve(scenario)
    except _Problem as problem:
        line, kept = locate(root, problem.loc, keep_last=True)
        raise ScenarioError(file, line, field_name(kept), problem.message) from None


def _from_pydantic(exc: ValidationError, root: yaml.Node | None, file: str) -> ScenarioError:
    """The first error (a misspelt key first of all), with the count of other fields."""
    found: dict[Loc, tuple[int | None, str]] = {}
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    for error in errors:
        line, kept = locate(root, error["loc"], keep_last=error["type"] == "missing")
        found.setdefault(kept, (line, _MESSAGES.get(error["type"], error["msg"])))
    (kept, (line, message)), *others = found.items()
    if others:
        message += f" (and {len(others)} more error{'s' if len(others) > 1 else ''})"
    return ScenarioError(file, line, field_name(kept), message)


_MESSAGES = {"extra_forbidden": "unknown field", "missing": "required field is missing"}


class _Problem(Exception):
    """An error found after pydantic, at a path into the data."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


# ---------------------------------------------------------------------------- resolving


def resolve(s: Scenario) -> Plan:
    """Check what pydantic cannot and build the :class:`Plan`."""
    interval_s = s.interval_minutes * 60.0
    start_s = _clock(s.start)
    if start_s % interval_s:
        raise _Problem(("start",), f"must fall on a {s.interval_minutes}-minute boundary")
    n = _n_intervals(s, interval_s)
    queues = _queues(s)
    names = {q.name for q in queues}
    loads = tuple(_load(s, i, a, n, names) for i, a in enumerate(s.arrivals))
    groups = _groups(s, n, start_s, interval_s)
    _check_coverage(queues, groups)
    return Plan(
        name=s.name,
        start_s=start_s,
        interval_s=interval_s,
        n_intervals=n,
        warmup_s=s.warmup_hours * 3600.0,
        queues=queues,
        loads=loads,
        groups=groups,
        targets=s.targets,
        fairness=s.fairness,
    )


def _n_intervals(s: Scenario, interval_s: float) -> int:
    lengths = [
        (("arrivals", i, "calls_per_hour"), len(a.calls_per_hour))
        for i, a in enumerate(s.arrivals) if isinstance(a.calls_per_hour, list)
    ] + [
        (("agents", i, "count"), len(g.count))
        for i, g in enumerate(s.agents) if isinstance(g.count, list)
    ]
    if s.horizon_hours is None:
        if not lengths:
            raise _Problem(("horizon_hours",), "Field required (no per-interval list gives it)")
        n = lengths[0][1]
    else:
        exact = s.horizon_hours * 3600.0 / interval_s
        n = round(exact)
        if n < 1 or abs(exact - n) > 1e-9:
            raise _Problem(("horizon_hours",),
                           f"must be a whole number of {s.interval_minutes}-minute intervals")
    for loc, length in lengths:
        if length != n:
            raise _Problem(loc, f"one value per interval: expected {n}, got {length}")
    return n


def _queues(s: Scenario) -> tuple[QueueConfig, ...]:
    out = []
    for i, data in enumerate(s.queues):
        where = f"queues[{i}]"
        values = dict(data)
        values.setdefault("sl_threshold_s", s.targets.sl_threshold_s)
        try:
            out.append(QueueConfig.from_mapping(values, where=where))
        except ConfigError as exc:
            raise _Problem(*_config_loc(str(exc), ("queues", i))) from None
    names = [q.name for q in out]
    for i, q in enumerate(out):
        if names.index(q.name) != i:
            raise _Problem(("queues", i, "name"), f"two queues are named {q.name!r}")
        if q.overflow_to is not None and q.overflow_to not in names:
            raise _Problem(("queues", i, "overflow_to"), f"no queue named {q.overflow_to!r}")
    return tuple(out)


_WHERE = re.compile(r"^(?:queues\[\d+\]|queue '[^']*')((?:\.\w+|\[\d+\])*): (.*)$", re.S)
_NAMED = re.compile(r"(?:unknown|missing) field '(\w+)'")


def _config_loc(message: str, base: Loc) -> tuple[Loc, str]:
    """Path and message of a :class:`ConfigError` raised for the queue at ``base``."""
    match = _WHERE.match(message)
    if match is None:
        return base, message
    loc: list[str | int] = list(base)
    for part in re.findall(r"\.(\w+)|\[(\d+)\]", match.group(1)):
        loc.append(part[0] if part[0] else int(part[1]))
    text = match.group(2)
    named = _NAMED.search(text)
    if named is not None:
        loc.append(named.group(1))
    return tuple(loc), text


def _load(s: Scenario, i: int, a: Arrival, n: int, names: set[str]) -> QueueLoad:
    if a.queue not in names:
        raise _Problem(("arrivals", i, "queue"), f"no queue named {a.queue!r}")
    handle = a.handle_time or s.handle_time
    if handle is None:
        raise _Problem(("arrivals", i, "handle_time"), "Field required (no top-level handle_time)")
    rates = a.calls_per_hour if isinstance(a.calls_per_hour, list) else [a.calls_per_hour] * n
    callbacks = a.callbacks or s.callbacks
    return QueueLoad(
        queue=a.queue,
        rates_per_s=tuple(r / 3600.0 for r in rates),
        handle=handle,
        patience=a.patience or s.patience or NoPatience(distribution="none"),
        redials=a.redials or s.redials,
        callback_probability=0.0 if callbacks is None else callbacks.probability,
        priority=a.priority,
    )


def _groups(s: Scenario, n: int, start_s: float, interval_s: float) -> tuple[Group, ...]:
    out: list[Group] = []
    for i, g in enumerate(s.agents):
        name = g.name or f"g{i + 1}"
        if any(other.name == name for other in out):
            raise _Problem(("agents", i, "name"), f"two agent groups are named {name!r}")
        if (g.count is None) == (g.shifts is None):
            raise _Problem(("agents", i), "give exactly one of 'count' and 'shifts'")
        if g.shifts is not None:
            staffed = _from_shifts(g.shifts, n, start_s, interval_s)
        elif isinstance(g.count, list):
            staffed = tuple(g.count)
        else:
            staffed = (g.count or 0,) * n
        extra = {} if g.answer_delay is None else {"answer_delay": g.answer_delay}
        out.append(Group(name, dict(g.skills), staffed, g.shrinkage, **extra))
    return tuple(out)


def _from_shifts(shifts: list[Shift], n: int, start_s: float, interval_s: float) -> tuple[int, ...]:
    counts = []
    for k in range(n):
        t = (start_s + k * interval_s) % 86400.0
        total = 0
        for shift in shifts:
            a, b = _clock(shift.start), _clock(shift.end)
            inside = a <= t < b if a <= b else (t >= a or t < b)  # a night shift wraps
            total += shift.count if inside else 0
        counts.append(total)
    return tuple(counts)


def _check_coverage(queues: tuple[QueueConfig, ...], groups: tuple[Group, ...]) -> None:
    for i, q in enumerate(queues):
        if not any(may_serve(g.skills, q) for g in groups):
            raise _Problem(("queues", i, "skill"), f"no agent group can take calls of {q.name!r}")


def may_serve(skills: dict[str, int], q: QueueConfig) -> bool:
    """Whether an agent with ``skills`` may take calls of ``q`` at some escalation stage."""
    return any(
        skills.get(q.skill, 0) >= st.primary_min_level
        or any(skills.get(sk, 0) >= lvl for sk, lvl in st.extra_skills)
        for st in q.stage_requirements()
    )


def _clock(hhmm: str) -> float:
    hours, minutes = hhmm.split(":")
    return float(int(hours) * 3600 + int(minutes) * 60)


def clock_label(t: float) -> str:
    """``HH:MM`` of a time in seconds (days wrap; a day index is added after the first)."""
    day, rest = divmod(math.floor(t), 86400)
    label = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return label if day == 0 else f"d{day + 1} {label}"
