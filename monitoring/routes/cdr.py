"""Call detail records for a BI tool: CSV or Parquet, one row per call and per agent leg."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from monitoring import figures
from monitoring.deps import CdrUser, EngineDep, StoreDep, ZoneDep
from monitoring.timeparse import parse_time
from store import export

router = APIRouter(prefix="/api/cdr", tags=["reports"])

MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@router.get(
    "",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
                     "description": "The CDRs"}, 422: {"description": "Bad period"}},
)
async def cdrs(
    _user: CdrUser,
    engine: EngineDep,
    store: StoreDep,
    zone: ZoneDep,
    start: Annotated[str | None, Query(alias="from", description="Unix s or ISO 8601")] = None,
    end: Annotated[str | None, Query(alias="to", description="Unix s or ISO 8601")] = None,
    fmt: Annotated[Literal["csv", "parquet"], Query(alias="format")] = "csv",
) -> Response:
    """CDRs of the calls that arrived in ``[from, to)`` (default: today so far)."""
    now = engine.now()
    try:
        t0 = parse_time(start, zone) if start else figures.local_midnight(now, zone)
        t1 = parse_time(end, zone) if end else now + 1
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if t1 < t0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'to' is before 'from'")
    await store.flush()  # the latest records' CDRs too
    body = export.encode(await export.collect(store, t0, t1), fmt)
    filename = f"cdr-{int(t0)}-{int(t1)}.{fmt}"
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
