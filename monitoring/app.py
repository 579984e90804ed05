"""The supervision app: :func:`create_app` builds it over a running engine, :func:`serve` runs
it inside an existing event loop (``accueil demo`` / ``accueil serve``).

The lifespan starts the store's flusher, the live feed and the daily jobs (CDR export of the
day before, retention trim), and on the way out flushes the store. The Redis connection
itself is opened by whoever builds the engine (:func:`store.server.open_redis`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI

from monitoring import figures
from monitoring.auth import TokenTable
from monitoring.dashboard import router as dashboard_router
from monitoring.engine import EngineView
from monitoring.feed import Feed
from monitoring.routes import agents, audit, calls, cdr, file0, kpis, live, queues
from monitoring.settings import Settings
from store import export

log = logging.getLogger("accueil.monitoring")

DESCRIPTION = """Live supervision and reports of the accueil contact-center engine.

Authenticate with `Authorization: Bearer <token>`. Roles: `wallboard` (queues, file 0 state,
live feed, metrics: aggregates without caller numbers), `supervisor` (also agents, file 0
switch, KPI reports, audit log, live listening to calls and their recordings), `planner`
(KPI reports and CDRs), `admin` (everything).
Every KPI comes with its definition, its numerator and denominator (the counts it is computed
from), its target and whether it is met; every count is justified by the CDRs.
"""


def create_app(settings: Settings, engine: EngineView) -> FastAPI:
    """The FastAPI app over ``engine`` (see :class:`monitoring.engine.EngineView`)."""
    zone = ZoneInfo(settings.timezone)

    def build() -> dict[str, Any]:
        return figures.dashboard_state(engine, settings.queue_groups, engine.now(), zone)

    feed = Feed(build)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = engine.store
        await store.start()
        store.add_listener(feed.on_batch)
        await feed.start()
        daily = asyncio.get_running_loop().create_task(_daily(settings, engine, zone))
        try:
            yield
        finally:
            daily.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await daily
            await feed.close()
            store.remove_listener(feed.on_batch)
            await store.stop()

    app = FastAPI(title="accueil supervision", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.tokens = TokenTable(settings.all_tokens())
    app.state.zone = zone
    app.state.feed = feed
    for module in (queues, agents, file0, kpis, cdr, live, audit, calls):
        app.include_router(module.router)
    app.include_router(dashboard_router)
    return app


async def _daily(settings: Settings, engine: EngineView, zone: ZoneInfo) -> None:
    """After each local midnight: export yesterday's CDRs, drop data past the retention."""
    while True:
        now = datetime.now(zone)
        tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), zone)
        await asyncio.sleep((tomorrow - now).total_seconds() + 300)
        try:
            day = (datetime.now(zone) - timedelta(days=1)).date()
            if settings.export_daily:
                paths = await export.export_day(engine.store, day, settings.data_dir / "exports",
                                                zone)
                log.info("CDRs of %s exported: %s", day, ", ".join(map(str, paths)))
            await engine.store.trim()
        except Exception:
            log.exception("daily export or trim failed")


class _EmbeddedServer(uvicorn.Server):
    """Uvicorn inside someone else's loop: the host program handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ServerHandle:
    """A running server: its port, and :meth:`stop`."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], app: FastAPI,
                 port: int) -> None:
        self.server = server
        self.task = task
        self.app = app
        self.port = port

    async def stop(self) -> None:
        """Close the live feeds, then shut the server down (lifespan included)."""
        feed: Feed = self.app.state.feed
        await feed.close()
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 0,
                timeout_s: float = 30.0) -> ServerHandle:
    """Start ``app`` on ``host:port`` in the running loop; return once it accepts connections.

    ``port=0`` picks a free port (read it from the handle).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=2, access_log=False)
    server = _EmbeddedServer(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("the HTTP server stopped while starting")
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the HTTP server did not start on {host}:{bound}")
        await asyncio.sleep(0.01)
    return ServerHandle(server, task, app, bound)
