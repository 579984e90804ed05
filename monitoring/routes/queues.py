"""Queues now: waiting calls, longest wait, calls in progress, agents, KPIs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from monitoring import figures
from monitoring.deps import EngineDep, LiveUser, SettingsDep, ZoneDep
from monitoring.schemas import QueueOut

router = APIRouter(prefix="/api/queues", tags=["queues"])


@router.get("", response_model=list[QueueOut])
def list_queues(
    _user: LiveUser, engine: EngineDep, settings: SettingsDep, zone: ZoneDep
) -> list[dict[str, Any]]:
    """Every queue now, with its KPIs since midnight and over the rolling window."""
    now = engine.now()
    return [
        figures.queue_status(engine, name, now, zone, settings.rolling_window_s)
        for name in engine.queue_names()
    ]


@router.get("/{name}", response_model=QueueOut, responses={404: {"description": "No such queue"}})
def get_queue(
    name: str, _user: LiveUser, engine: EngineDep, settings: SettingsDep, zone: ZoneDep
) -> dict[str, Any]:
    """One queue now."""
    if name not in engine.queue_names():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no queue {name!r}")
    return figures.queue_status(engine, name, engine.now(), zone, settings.rolling_window_s)
