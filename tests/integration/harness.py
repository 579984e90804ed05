"""The supervision app served for real (uvicorn on 127.0.0.1, a free port) in a background
thread with its own event loop, over a real ``live.runtime.Runtime`` and a real Redis."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import redis.asyncio as aioredis

from acd import events as ev
from acd.commands import Command, OfferCall
from acd.engine import Acd, AcdConfig
from acd.hours import france_travail
from acd.model import AgentConfig
from ivr.file0 import File0
from live.runtime import Runtime
from live.scheduler import AsyncioScheduler, Scheduler, VirtualScheduler
from monitoring.app import ServerHandle, create_app, serve
from monitoring.auth import hash_token
from monitoring.engine import RuntimeView
from monitoring.settings import ROLES, Settings, TokenConfig
from queues import records as rec
from queues.config import QueueConfig
from queues.kpi import KpiEngine
from store.store import Store

T = TypeVar("T")
CONFIG = AcdConfig(
    (QueueConfig("support", "support", ring_timeout_s=15), QueueConfig("billing", "billing")),
    (AgentConfig("a1", {"support": 5}), AgentConfig("a2", {"support": 3}),
     AgentConfig("b1", {"billing": 5})),
)
TOKENS = {role: f"{role}-secret-token" for role in ROLES}
CALENDAR = france_travail()


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    tokens = [TokenConfig(name=f"{role}-1", role=role, sha256=hash_token(tok))
              for role, tok in TOKENS.items()]
    return Settings(data_dir=data_dir, tokens=tokens, export_daily=False, **extra)


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


class Phones:
    """Telephony adapter: records commands; agents listed in ``answer`` pick up at once."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.answer: set[str] = set()
        self.runtime: Runtime | None = None

    def execute(self, command: Command, now: float) -> None:
        self.commands.append(command)
        if isinstance(command, OfferCall) and command.agent_id in self.answer:
            rt = self.runtime
            assert rt is not None
            loop = asyncio.get_running_loop()
            loop.call_soon(rt.submit, ev.AgentAnswered(command.call_id, command.agent_id))


class AppThread:
    """Start with ``with AppThread(...) as app:``; ``app.url``, ``app.call(fn)``."""

    def __init__(self, redis_url: str, data_dir: Path, *, virtual_start: float | None = None,
                 file0: File0 | None = None, load: bool = False,
                 settings_extra: dict[str, Any] | None = None) -> None:
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.virtual_start = virtual_start
        self.file0 = file0 or File0()
        self.load = load
        self.settings = settings_for(data_dir, **(settings_extra or {}))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.phones = Phones()
        self.handle: ServerHandle | None = None
        self.runtime: Runtime | None = None
        self.store: Store | None = None
        self.scheduler: Scheduler | None = None
        self.redis: aioredis.Redis | None = None
        self.loaded = 0

    # -- running code in the app's loop
    def run(self, factory: Callable[[], Coroutine[Any, Any, T]], timeout: float = 30.0) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(factory(), self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper, timeout)

    @property
    def url(self) -> str:
        assert self.handle is not None
        return f"http://127.0.0.1:{self.handle.port}"

    @property
    def view(self) -> RuntimeView:
        assert self.handle is not None
        view: RuntimeView = self.handle.app.state.engine
        return view

    def submit(self, event: ev.Event) -> bool:
        assert self.runtime is not None
        runtime = self.runtime
        return self.call(lambda: runtime.submit(event))

    def advance(self, until: float) -> None:
        """Move the virtual clock on (timers due on the way fire)."""
        scheduler = self.scheduler
        assert isinstance(scheduler, VirtualScheduler)
        self.call(lambda: scheduler.run(until))

    def append(self, records: Iterable[rec.Record]) -> None:
        store = self.store
        assert store is not None
        items = list(records)
        self.run(lambda: store.append(items))

    # -- life
    async def _start(self) -> None:
        self.redis = aioredis.Redis.from_url(self.redis_url)
        if self.virtual_start is not None:
            self.scheduler = VirtualScheduler(self.virtual_start)
        else:
            self.scheduler = AsyncioScheduler()
        kpi = KpiEngine(classify=CALENDAR.classify)
        self.store = Store(self.redis, kpi=kpi, hours_classes=("HO", "HNO", "closed"),
                           clock=self.scheduler.now)
        if self.load:
            self.loaded = await self.store.load()
        self.runtime = Runtime(Acd(CONFIG), self.scheduler, self.phones, [self.store.sink])
        self.phones.runtime = self.runtime
        view = RuntimeView(self.runtime, self.store, self.file0, CALENDAR.classify)
        app = create_app(self.settings, view)
        self.handle = await serve(app, "127.0.0.1", 0)

    async def _stop(self) -> None:
        if self.handle is not None:
            await self.handle.stop()
        if self.redis is not None:
            await self.redis.aclose()

    def __enter__(self) -> AppThread:
        self._thread.start()
        try:
            self.run(self._start)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._thread.is_alive():
                self.run(self._stop)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            if not self.loop.is_running():
                self.loop.close()
