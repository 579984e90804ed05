"""The store and the supervision API of ``accueil serve`` (when ``data`` or ``http`` is set).

Records then go to :meth:`store.store.Store.sink` (which also feeds the KPI engine) instead
of the KPI engine directly; the "file 0" state is read back from the store, and, unless the
server was given its own provider, the IVR asks it for the active message, so a supervisor
switching file 0 on in the API changes what the next caller hears. ``telephony`` (the
server's :class:`live.listen.Taps`) gives the API live listening and recordings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ivr.file0 import File0
from ivr.service import IvrService
from live.config import ServeConfig
from live.runtime import Runtime
from monitoring.app import create_app, serve
from monitoring.engine import RuntimeView, Telephony
from monitoring.settings import Settings
from queues.kpi import KpiEngine
from store.server import open_redis
from store.store import Store

__all__ = ["start_supervision"]

Closer = Callable[[], Awaitable[None]]


async def start_supervision(config: ServeConfig, runtime: Runtime, kpi: KpiEngine,
                            ivr: IvrService, telephony: Telephony | None = None,
                            classify: Callable[[float], str] | None = None) -> Closer:
    """Open the store (and serve the API if ``config.http``); returns what closes them."""
    extra: dict[str, object] = {}
    if config.http is not None:
        extra = {"http_host": config.http[0], "http_port": config.http[1]}
    settings = Settings(data_dir=config.data_dir or Path("accueil-data"), **extra)  # type: ignore[arg-type]
    redis, close_redis = await open_redis(settings)
    try:
        store = Store(redis, kpi=kpi, clock=runtime.scheduler.now)
        saved = await store.load_file0()
        file0 = File0.from_dict(saved) if saved else File0()
    except BaseException:
        await close_redis()
        raise
    runtime.sinks = [store.sink if sink == kpi.feed else sink for sink in runtime.sinks]
    if ivr.file0 is None:
        ivr.file0 = file0.active_for
    if config.http is None:
        await store.start()

        async def close_store() -> None:
            await store.stop()
            await close_redis()

        return close_store
    app = create_app(settings, RuntimeView(runtime, store, file0, classify,
                                           telephony=telephony))
    try:
        handle = await serve(app, config.http[0], config.http[1])
    except BaseException:
        await close_redis()
        raise

    async def close_all() -> None:
        await handle.stop()
        await close_redis()

    return close_all
