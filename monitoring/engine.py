"""What the supervision app needs from the running engine: :class:`EngineView`.

``monitoring`` never imports ``live``: whoever starts the engine (``accueil demo``, ``accueil
serve``, a test) builds a view, usually :class:`RuntimeView` over the live runtime, and
hands it to :func:`monitoring.app.create_app`. Everything runs in one event loop: the view
is read and the engine fed from the same thread, so reads are consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from acd import events as ev
from acd.engine import Acd
from ivr.file0 import File0
from queues.kpi import KpiEngine
from store.store import Store


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """One agent as a supervisor sees it."""

    agent_id: str
    state: str
    reason: str
    since: float
    """When the current state began."""
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    """Queues the agent may take calls of."""
    call_id: str | None = None
    queue: str | None = None
    """Queue of the call being rung, talked or wrapped up."""


class EngineView(Protocol):
    """The running engine, as the supervision app reads and drives it."""

    @property
    def store(self) -> Store:
        """The store the engine's records go to (its flusher is started by the app)."""
        ...

    @property
    def kpi(self) -> KpiEngine:
        """The KPI engine fed with every record (by the store's sink)."""
        ...

    @property
    def file0(self) -> File0:
        """The file 0 activations the IVR reads (the app changes them and persists them)."""
        ...

    @property
    def classify(self) -> Callable[[float], str] | None:
        """Opening-hours class of a time (``"HO"``, ``"HNO"``, ``"closed"``), if any."""
        ...

    def now(self) -> float:
        """The engine's clock (Unix seconds live)."""
        ...

    def submit(self, event: ev.Event) -> bool:
        """Apply an ACD event now; ``False`` if the core refused it."""
        ...

    def queue_names(self) -> Sequence[str]:
        """Every configured queue."""
        ...

    def agents(self) -> Sequence[AgentInfo]:
        """Every known agent, in registration order."""
        ...


class SchedulerLike(Protocol):
    def now(self) -> float: ...


class RuntimeLike(Protocol):
    """What :class:`RuntimeView` needs of ``live.runtime.Runtime``."""

    @property
    def acd(self) -> Acd: ...

    @property
    def scheduler(self) -> SchedulerLike: ...

    def submit(self, event: ev.Event) -> bool: ...


class RuntimeView:
    """An :class:`EngineView` over the live runtime (or anything shaped like it)."""

    def __init__(
        self,
        runtime: RuntimeLike,
        store: Store,
        file0: File0 | None = None,
        classify: Callable[[float], str] | None = None,
    ) -> None:
        if store.kpi is None:
            raise ValueError("the store must feed a KpiEngine (Store(redis, kpi=...))")
        self.runtime = runtime
        self._store = store
        self._kpi = store.kpi
        self._file0 = file0 if file0 is not None else File0()
        self._classify = classify

    @property
    def store(self) -> Store:
        return self._store

    @property
    def kpi(self) -> KpiEngine:
        return self._kpi

    @property
    def file0(self) -> File0:
        return self._file0

    @property
    def classify(self) -> Callable[[float], str] | None:
        return self._classify

    def now(self) -> float:
        return self.runtime.scheduler.now()

    def submit(self, event: ev.Event) -> bool:
        return self.runtime.submit(event)

    def queue_names(self) -> Sequence[str]:
        return list(self.runtime.acd.queues)

    def agents(self) -> Sequence[AgentInfo]:
        return [
            AgentInfo(
                agent_id=a.agent_id,
                state=a.state,
                reason=a.reason,
                since=a.since,
                skills=dict(a.skills),
                queues=tuple(a.eligible),
                call_id=a.call_id,
                queue=a.queue,
            )
            for a in sorted(self.runtime.acd.agents.values(), key=lambda a: a.order)
        ]
