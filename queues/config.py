"""Queue configuration: the rules the ACD applies to one waiting line.

The same objects serve the live engine and the simulator, so a staffing plan is checked
against exactly the rules that will run on the day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from queues.errors import ConfigError

#: When may a caller join, or must a waiting caller leave, given the agents of the queue?
#: ``always``: whatever the agents; ``logged_in``: at least one eligible agent logged in
#: (paused or busy counts); ``staffed``: at least one eligible agent logged in and not paused.
EmptyRule = Literal["always", "logged_in", "staffed"]
LeaveRule = Literal["never", "logged_in", "staffed"]

STRATEGIES = ("longest_idle", "highest_level", "fewest_calls", "round_robin", "random")


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """A widening of who may take a call, applied once it has waited ``after_s`` seconds.

    Steps are cumulative: a call at step 2 may go to anyone steps 0, 1 and 2 allow.
    """

    after_s: float
    """Seconds in this queue after which the step applies."""
    min_level: int | None = None
    """New (lower) minimum level for the queue's own skill; ``None`` keeps the previous one."""
    skills: tuple[tuple[str, int], ...] = ()
    """Other skills, as ``(skill, minimum level)``, whose agents may now take the call."""


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """One queue: the skill it needs and the rules of its waiting line."""

    name: str
    skill: str
    min_level: int = 1
    """Minimum level of ``skill`` (levels run 1–10) an agent needs at first."""
    strategy: str = "longest_idle"
    """How the free agent is chosen: one of :data:`STRATEGIES`."""
    max_wait_s: float | None = None
    """Longest time a caller stays in this queue before overflow or fallback."""
    overflow_to: str | None = None
    """Queue that takes callers past ``max_wait_s`` (or leaving by ``leave_empty``)."""
    fallback: str = "hangup"
    """Action (opaque to the core, run by the driver) for callers leaving with nowhere to go."""
    max_length: int | None = None
    """Most callers waiting at once; a caller arriving at a full queue is rejected."""
    join_empty: EmptyRule = "always"
    leave_empty: LeaveRule = "never"
    ring_timeout_s: float = 15.0
    """How long an agent's phone rings before the call goes back to its place."""
    wrapup_s: float = 0.0
    """Wrap-up time after each call of this queue, before the agent is free again."""
    escalation: tuple[EscalationStep, ...] = ()
    announce_every_s: float | None = None
    """Period of position / estimated-wait announcements; ``None`` for none."""
    aging_s_per_point: float = 60.0
    """Relative priority: one point puts a caller ahead as if it had waited this long more."""
    sl_threshold_s: float = 40.0
    """Service-level threshold of this queue's KPIs (T2-IQ01)."""
    default_handle_s: float = 300.0
    """Handle time assumed by the wait estimate before any call of this queue has ended."""
    callback_attempts: int = 3
    """Calls to a caller waiting for a callback before giving up (each after an agent is
    connected; the caller not answering counts as one attempt)."""
    callback_retry_s: float = 300.0
    """Spacing of callback attempts: an unreached callback rejoins its place after this."""
    callback_lost: bool = False
    """Call back automatically the callers who abandon in this line (lost calls): a callback
    entry keeps their place one priority class below the callers on the line."""
    callback_lost_after_s: float = 10.0
    """Only abandons after this wait are called back (shorter ones are mostly misdials)."""

    def __post_init__(self) -> None:
        check_queue(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "queue") -> QueueConfig:
        """Build from plain data (YAML, JSON); errors name ``where`` and the field."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown field {unknown[0]!r}")
        for required in ("name", "skill"):
            if required not in data:
                raise ConfigError(f"{where}: missing field {required!r}")
        values = dict(data)
        steps = values.pop("escalation", ()) or ()
        if not isinstance(steps, (list, tuple)):
            raise ConfigError(f"{where}.escalation: expected a list of steps")
        values["escalation"] = tuple(
            _step_from_mapping(step, f"{where}.escalation[{i}]") for i, step in enumerate(steps)
        )
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def stage_requirements(self) -> tuple[StageRequirement, ...]:
        """Who may take a call at each escalation stage (stage 0 = no escalation yet)."""
        stages = [StageRequirement(self.min_level, ())]
        for step in self.escalation:
            prev = stages[-1]
            level = prev.primary_min_level if step.min_level is None else step.min_level
            extra = dict(prev.extra_skills)
            for skill, lvl in step.skills:
                extra[skill] = min(lvl, extra.get(skill, lvl))
            stages.append(StageRequirement(level, tuple(sorted(extra.items()))))
        return tuple(stages)


@dataclass(frozen=True, slots=True)
class StageRequirement:
    """Eligibility at one escalation stage: the queue skill's level or any extra skill."""

    primary_min_level: int
    extra_skills: tuple[tuple[str, int], ...] = field(default=())


def _step_from_mapping(data: Any, where: str) -> EscalationStep:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = sorted(set(data) - {"after_s", "min_level", "skills"})
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}")
    if "after_s" not in data:
        raise ConfigError(f"{where}: missing field 'after_s'")
    skills_raw = data.get("skills") or {}
    if not isinstance(skills_raw, Mapping):
        raise ConfigError(f"{where}.skills: expected a mapping skill -> minimum level")
    skills = tuple((str(k), _level(v, f"{where}.skills.{k}")) for k, v in skills_raw.items())
    min_level = data.get("min_level")
    return EscalationStep(
        after_s=_seconds(data["after_s"], f"{where}.after_s"),
        min_level=None if min_level is None else _level(min_level, f"{where}.min_level"),
        skills=skills,
    )


def _level(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise ConfigError(f"{where}: a skill level is a whole number from 1 to 10, not {value!r}")
    return value


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}: expected a number of seconds >= 0, not {value!r}")
    return float(value)


def check_queue(q: QueueConfig) -> None:
    """Raise :class:`ConfigError` naming the first invalid field of ``q``."""
    where = f"queue {q.name!r}"
    if not q.name or not isinstance(q.name, str):
        raise ConfigError("queue: 'name' must be a non-empty string")
    if not q.skill or not isinstance(q.skill, str):
        raise ConfigError(f"{where}: 'skill' must be a non-empty string")
    _level(q.min_level, f"{where}.min_level")
    if q.strategy not in STRATEGIES:
        raise ConfigError(
            f"{where}.strategy: unknown strategy {q.strategy!r} (one of {', '.join(STRATEGIES)})"
        )
    for name in ("ring_timeout_s", "wrapup_s", "aging_s_per_point", "sl_threshold_s",
                 "callback_retry_s", "callback_lost_after_s"):
        _seconds(getattr(q, name), f"{where}.{name}")
    if q.default_handle_s <= 0:
        raise ConfigError(f"{where}.default_handle_s: must be > 0")
    attempts = q.callback_attempts
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 20:
        raise ConfigError(f"{where}.callback_attempts: a whole number from 1 to 20")
    if not isinstance(q.callback_lost, bool):
        raise ConfigError(f"{where}.callback_lost: true or false")
    for name in ("max_wait_s", "announce_every_s"):
        value = getattr(q, name)
        if value is not None and _seconds(value, f"{where}.{name}") <= 0:
            raise ConfigError(f"{where}.{name}: must be > 0 when set")
    _check_rules(q, where)


def _check_rules(q: QueueConfig, where: str) -> None:
    if q.max_length is not None and (not isinstance(q.max_length, int) or q.max_length < 0):
        raise ConfigError(f"{where}.max_length: expected a whole number >= 0")
    if q.join_empty not in ("always", "logged_in", "staffed"):
        raise ConfigError(f"{where}.join_empty: one of always, logged_in, staffed")
    if q.leave_empty not in ("never", "logged_in", "staffed"):
        raise ConfigError(f"{where}.leave_empty: one of never, logged_in, staffed")
    if q.overflow_to == q.name:
        raise ConfigError(f"{where}.overflow_to: a queue cannot overflow to itself")
    last = -1.0
    for i, step in enumerate(q.escalation):
        if step.after_s < last:
            raise ConfigError(f"{where}.escalation[{i}].after_s: steps must be in time order")
        last = step.after_s
