"""KPI reports: every indicator of the requirements, justified by its counts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status

from monitoring import figures
from monitoring.deps import EngineDep, Planner, ZoneDep
from monitoring.schemas import KpisOut
from monitoring.timeparse import parse_time
from queues.kpi import KpiError

router = APIRouter(prefix="/api/kpis", tags=["reports"])


@router.get("", response_model=KpisOut, responses={422: {"description": "Bad period"}})
async def kpis(
    _user: Planner,
    engine: EngineDep,
    zone: ZoneDep,
    start: Annotated[str | None, Query(alias="from", description="Unix s or ISO 8601; "
                                       "default: local midnight")] = None,
    end: Annotated[str | None, Query(alias="to", description="Unix s or ISO 8601 "
                                     "(excluded); default: now")] = None,
    queue: Annotated[str | None, Query(description="One queue; default: overall")] = None,
    hours: Annotated[Literal["HO", "HNO", "all"], Query()] = "all",
    interval: Annotated[float | None, Query(ge=60, le=366 * 86400,
                                            description="Also cut into intervals of "
                                            "this many seconds")] = None,
) -> dict[str, Any]:
    """Every indicator with numerator, denominator, value, target and met/missed.

    Calls count in the period they arrived in (per queue: their first arrival at the queue).
    """
    now = engine.now()
    try:
        t0 = parse_time(start, zone) if start else figures.local_midnight(now, zone)
        t1 = parse_time(end, zone) if end else now
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if t1 < t0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'to' is before 'from'")
    if queue is not None and queue not in engine.queue_names():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no queue {queue!r}")
    try:
        return await figures.kpi_report(engine, t0, t1, queue, hours, interval)
    except (KpiError, ValueError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
