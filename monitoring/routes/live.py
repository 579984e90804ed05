"""The live feed (Server-Sent Events) and the Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, StreamingResponse

from monitoring import metrics
from monitoring.deps import EngineDep, FeedDep, FeedUser, LiveUser, ZoneDep

router = APIRouter(tags=["live"])


@router.get(
    "/api/feed",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "One `data:` event (JSON) per change, within 1 s"}},
)
async def feed(_user: FeedUser, hub: FeedDep) -> StreamingResponse:
    """Server-Sent Events: the dashboard state (queues, agents by state, file 0) on each change.

    Authenticate with the header, or with ``?access_token=`` (``EventSource``).
    """
    return StreamingResponse(
        hub.stream(), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/metrics", response_class=PlainTextResponse)
def prometheus(_user: LiveUser, engine: EngineDep, hub: FeedDep, zone: ZoneDep) -> str:
    """Prometheus metrics (scrape with a bearer token of any role)."""
    return metrics.render(engine, hub, zone)
