"""Request and response bodies of the API (they make the OpenAPI documentation)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class IndicatorOut(BaseModel):
    """One KPI with its definition, the counts it is computed from, and its target."""

    id: str
    name: str
    formula: str = Field(description="The definition, as computed")
    numerator: float | None
    numerator_terms: list[str] = Field(description="Counts summed above the line")
    denominator: float | None
    denominator_terms: list[str] = Field(description="Counts summed below the line")
    value: float | None = Field(description="numerator ÷ denominator; null if no denominator")
    target: float | None
    comparison: str | None
    met: bool | None
    status: Literal["met", "missed", "n/a"]
    unit: str
    window: list[float]
    queue: str | None
    hours: str


class ReportOut(BaseModel):
    """Counts and indicators of one period."""

    window: list[float] = Field(description="[start, end) in Unix seconds")
    queue: str | None
    hours: str
    counts: dict[str, float] = Field(description="The raw counts (see `definitions`)")
    indicators: list[IndicatorOut]


class KpisOut(ReportOut):
    """A KPI report, optionally cut into intervals."""

    intervals: list[ReportOut] = Field(default_factory=list)
    definitions: dict[str, str] = Field(description="What each count counts")
    file0_activations: list[dict[str, Any]] = Field(default_factory=list)


class QueueOut(BaseModel):
    """A queue now: waiting calls, agents by state, and its KPIs with their definitions."""

    name: str
    waiting: int
    longest_wait_s: float | None
    in_progress: int
    agents: dict[str, int] = Field(description="Agents who may take this queue's calls")
    since_midnight: ReportOut
    rolling: ReportOut = Field(description="The last `rolling_window_s` seconds (15 min)")


class AgentOut(BaseModel):
    """An agent now."""

    agent_id: str
    state: str
    reason: str
    since: float
    skills: dict[str, int]
    queues: list[str]
    call_id: str | None
    queue: str | None


class AgentStateIn(BaseModel):
    """A change of an agent's state (by a supervisor, or by the agent at their desk)."""

    state: Literal["login", "pause", "available", "logout", "wrapup"]
    reason: str = Field(default="", max_length=200, description="Pause reason; why (audited)")
    extra_s: float = Field(default=60.0, gt=0, le=3600,
                           description="wrapup: seconds added to the current wrap-up")
    skills: dict[str, int] | None = Field(
        default=None, description="On login: skill -> level 1-10 (replaces the configured ones)"
    )


class File0In(BaseModel):
    """Switch the file 0 message on."""

    mode: Literal["inform", "dissuade"] = Field(
        description="inform: play then continue into the menu; dissuade: play then hang up"
    )
    text: str = Field(default="", max_length=2000, description="Message as text")
    audio_base64: str = Field(
        default="", max_length=20_000_000, description="Recorded message (WAV), base64"
    )
    audio_path: str = Field(default="", max_length=500, description="Or a recorded message "
                            "already on the engine (file name under data_dir/file0)")
    entries: list[str] | None = Field(
        default=None, description="Entry points it applies to; null: all entry points"
    )
    reason: str = Field(min_length=1, max_length=500)
    expires_at: float | None = Field(default=None, description="Unix time it switches off")
    duration_s: float | None = Field(default=None, gt=0, le=30 * 86400)


class File0Out(BaseModel):
    """A file 0 activation."""

    id: str
    mode: str
    requested_at: float
    requested_by: str
    reason: str
    text: str
    audio: str
    entries: list[str] | None
    expires_at: float | None
    ended_at: float | None
    ended_by: str
    active: bool
    first_call_at: float | None = Field(description="First call redirected to it")


class File0State(BaseModel):
    """File 0 now: what is switched on, and every activation."""

    active: list[File0Out]
    activations: list[File0Out]


class AuditOut(BaseModel):
    """An audited action."""

    id: str
    at: float
    who: str
    role: str
    action: str
    target: str
    reason: str
    detail: dict[str, Any]


class Message(BaseModel):
    """An error or a plain answer."""

    detail: str


class ListenIn(BaseModel):
    """A supervisor asks to listen to a call in progress (double écoute)."""

    target: str = Field(
        max_length=256, pattern=r"^sips?:[^\s@<>\"]+(@[^\s@<>\"]+)?$",
        description="SIP URI of the supervisor's phone (sip:user@host:port), dialled by the "
                    "engine; it hears both sides mixed and is never heard",
        examples=["sip:sup1@192.0.2.40:5060"])
    reason: str = Field(default="", max_length=500, description="Why (audited)")


class ListenOut(BaseModel):
    """A listening session, as it stands."""

    id: str
    call_id: str
    target: str
    who: str
    state: Literal["calling", "listening", "ended"]
    requested_at: float
    answered_at: float | None
    ended_at: float | None
    reason: str


class RecordingOut(BaseModel):
    """Where a call's recording is (stereo WAV: left the caller, right the agent)."""

    call_id: str
    queue: str
    path: str
    started_at: float
    ended_at: float | None = Field(description="null while the call is being recorded")
    seconds: float = Field(description="Audio recorded so far")
    bytes: int = Field(description="Size of the WAV written so far")
    failed: str | None = Field(description="Why writing failed, if it did")
