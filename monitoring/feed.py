"""The live feed: Server-Sent Events pushing the dashboard state after every store write.

The state is built once per change and the same text goes to every client, so 50 wall
screens cost one computation. A slow client only ever misses intermediate states (its queue
holds the latest few); it never slows the engine or the others. Between changes a state is
pushed every ``heartbeat_s`` so clocks (longest wait) move on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from store.store import Batch

log = logging.getLogger("accueil.feed")
_CLOSE = ""


class Feed:
    """Fans the dashboard state out to every connected client."""

    def __init__(
        self,
        build: Callable[[], dict[str, Any]],
        heartbeat_s: float = 1.0,
        keepalive_s: float = 15.0,
        buffer: int = 4,
    ) -> None:
        self.build = build
        self.heartbeat_s = heartbeat_s
        self.keepalive_s = keepalive_s
        self.buffer = buffer
        self.seq = 0
        self.sent = 0
        self._clients: set[asyncio.Queue[str]] = set()
        self._last = ""
        self._task: asyncio.Task[None] | None = None
        self._scheduled = False
        self._closed = False
        self._oldest: float | None = None

    @property
    def clients(self) -> int:
        return len(self._clients)

    def on_batch(self, batch: Batch) -> None:
        """Store listener: publish soon (several batches in one loop turn publish once)."""
        if not batch.records or self._closed:
            return
        first = min(r.at for r in batch.records)
        self._oldest = first if self._oldest is None else min(self._oldest, first)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._publish_scheduled)

    def _publish_scheduled(self) -> None:
        self._scheduled = False
        self.publish()

    def publish(self) -> None:
        """Build the state now and queue it for every client."""
        if self._closed:
            return
        try:
            state = self.build()
        except Exception:
            log.exception("building the dashboard state failed")
            return
        self.seq += 1
        state["seq"] = self.seq
        # Engine time of the oldest record this state is the first to show (latency probes).
        state["records_from"], self._oldest = self._oldest, None
        self._last = f"data: {json.dumps(state, separators=(',', ':'))}\n\n"
        for queue in self._clients:
            _offer(queue, self._last)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._heartbeat())

    async def close(self) -> None:
        """End every stream (before the server shuts down) and the heartbeat."""
        self._closed = True
        for queue in self._clients:
            _offer(queue, _CLOSE)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if self._clients:
                self.publish()

    async def stream(self) -> AsyncIterator[str]:
        """One client's events: the current state at once, then every change."""
        queue: asyncio.Queue[str] = asyncio.Queue(self.buffer)
        self._clients.add(queue)
        try:
            if not self._last:
                self.publish()
            yield "retry: 1000\n\n" + self._last
            while not self._closed:
                try:
                    item = await asyncio.wait_for(queue.get(), self.keepalive_s)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if item == _CLOSE or self._closed:
                    return
                self.sent += 1
                yield item
        finally:
            self._clients.discard(queue)


def _offer(queue: asyncio.Queue[str], item: str) -> None:
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()  # drop the oldest state: the newest one says it all
    queue.put_nowait(item)
