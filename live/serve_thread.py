"""A :class:`~live.serve.Server` on its own event loop in a background thread.

For tests, benchmarks and programs that embed the engine next to other work: the server runs
exactly as under ``accueil serve`` (one loop for SIP, media, IVR and ACD), only started and
stopped from another thread. Records can be collected with ``sinks`` (called on the server's
thread) and anything can be run on the server's loop with :meth:`ServerThread.call`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from ivr.file0_api import File0Provider
from live.config import ServeConfig
from live.runtime import RecordSink
from live.serve import Server

__all__ = ["ServerThread"]

T = TypeVar("T")


class ServerThread:
    """Start with :meth:`start` (or ``with``), stop with :meth:`stop`."""

    def __init__(self, config: ServeConfig, *, sinks: Sequence[RecordSink] = (),
                 file0: File0Provider | None = None) -> None:
        self.server = Server(config, sinks=sinks, file0=file0)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="accueil-serve", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self, timeout: float = 60.0) -> ServerThread:
        """Start the loop and the server; raises what :meth:`Server.start` raises."""
        self._thread.start()
        try:
            self.run(self.server.start(), timeout)
        except BaseException:
            self._halt()
            raise
        return self

    def run(self, coro: Awaitable[T], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        async def wrapper() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def call(self, function: Callable[[], T], timeout: float = 10.0) -> T:
        """Run a plain function on the server's loop (to read its state consistently)."""
        async def wrapper() -> T:
            return function()

        return self.run(wrapper(), timeout)

    @property
    def sip_address(self) -> tuple[str, int]:
        """Where SIP is served."""
        return self.server.sip_address

    def stop(self, grace_s: float | None = None, timeout: float = 60.0) -> None:
        """Stop the server gracefully (see :meth:`Server.stop`), then the loop."""
        if not self._thread.is_alive():
            return
        try:
            self.run(self.server.stop(grace_s), timeout)
        finally:
            self._halt()

    def _halt(self) -> None:
        async def cancel_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(cancel_rest(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
        self.loop.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
