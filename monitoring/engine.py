"""What the supervision app needs from the running engine: :class:`EngineView`.

``monitoring`` never imports ``live``: whoever starts the engine (``accueil demo``, ``accueil
serve``, a test) builds a view, usually :class:`RuntimeView` over the live runtime, and
hands it to :func:`monitoring.app.create_app`. Everything runs in one event loop: the view
is read and the engine fed from the same thread, so reads are consistent.

Call recording metadata and live listening need the telephony of ``accueil serve``: it hands
:class:`RuntimeView` a :class:`Telephony` (``live.listen.Taps``); without one (``accueil
demo``, simulations) :meth:`EngineView.listen` and :meth:`EngineView.recording` raise
:class:`ListenError` with status 409 and a message saying so (not a 5xx: nothing is broken,
the engine was started without telephony).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

from acd import events as ev
from acd.engine import Acd
from ivr.file0 import File0
from monitoring.auth import Principal
from queues.kpi import KpiEngine
from store.state import AuditEntry
from store.store import Store

log = logging.getLogger("accueil.monitoring")


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


class ListenError(Exception):
    """A listening (or recording) request the engine cannot honour; ``status`` is the HTTP
    answer (404 unknown call, 409 call not connected or no telephony, 422 bad target)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ListenSession:
    """A supervisor listening to a call (double écoute), as it stands."""

    id: str
    call_id: str
    target: str
    """The SIP URI dialled (the supervisor's phone)."""
    who: str
    state: str
    """``calling`` (the phone rings), ``listening``, ``ended``."""
    requested_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    reason: str = ""
    """Why it ended: ``supervisor_hung_up``, ``call_ended``, ``failed:<status>``..."""


@dataclass(frozen=True, slots=True)
class RecordingMeta:
    """One call's recording, as the supervision API tells it."""

    call_id: str
    queue: str
    path: str
    started_at: float
    ended_at: float | None
    """``None`` while the call is being recorded."""
    seconds: float
    bytes: int
    failed: str | None = None


class Telephony(Protocol):
    """What the live telephony (``accueil serve``) offers the supervision app."""

    def listen(self, call_id: str, target: str, who: str,
               on_end: Callable[[ListenSession], None]) -> ListenSession:
        """Dial ``target`` and let it hear ``call_id`` (raises :class:`ListenError`);
        ``on_end`` gets the session once it is over."""
        ...

    def recording(self, call_id: str) -> RecordingMeta | None:
        """The recording of ``call_id``, if it was recorded (recently)."""
        ...


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

    def listen(self, call_id: str, target: str, who: Principal) -> ListenSession:
        """Dial ``target`` so that ``who`` hears the call, listen-only; the end is audited.
        Raises :class:`ListenError`."""
        ...

    def recording(self, call_id: str) -> RecordingMeta | None:
        """The recording of a call (``None``: not recorded); :class:`ListenError` 409 if the
        engine cannot record."""
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
        telephony: Telephony | None = None,
    ) -> None:
        if store.kpi is None:
            raise ValueError("the store must feed a KpiEngine (Store(redis, kpi=...))")
        self.runtime = runtime
        self._store = store
        self._kpi = store.kpi
        self._file0 = file0 if file0 is not None else File0()
        self._classify = classify
        self.telephony = telephony
        self._audits: set[asyncio.Task[str]] = set()

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

    def listen(self, call_id: str, target: str, who: Principal) -> ListenSession:
        if self.telephony is None:
            raise ListenError(409, "this engine has no telephony: live listening needs "
                                   "accueil serve")

        def ended(session: ListenSession) -> None:
            entry = AuditEntry(session.ended_at or self.now(), who.name, who.role,
                               "listen.end", session.call_id, session.reason, asdict(session))
            task = asyncio.get_running_loop().create_task(self._store.audit(entry))
            self._audits.add(task)
            task.add_done_callback(self._audited)

        return self.telephony.listen(call_id, target, who.name, ended)

    def _audited(self, task: asyncio.Task[str]) -> None:
        self._audits.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("the end of a listening session was not audited",
                      exc_info=task.exception())

    def recording(self, call_id: str) -> RecordingMeta | None:
        if self.telephony is None:
            raise ListenError(409, "this engine has no telephony (accueil serve records "
                                   "calls): no call is recorded")
        return self.telephony.recording(call_id)
