"""The ACD core: a sans-I/O automatic call distributor.

Drivers feed it events with the current time and carry out the commands it returns::

    commands = acd.handle(event, now)      # an event happened
    deadline = acd.next_deadline()         # when to call on_timer next (None: no timer)
    commands = acd.on_timer(now)           # timers that are due
    records = acd.pop_records()            # what happened, for the KPI engine and the store

Routing keeps one invariant after every call: no waiting caller and available agent are
left unmatched when the agent may take the call. Each event can only create new possible
pairs involving one call or one agent, so matching that call or that agent restores it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from acd import events as ev
from acd.commands import (
    CancelOffer,
    Command,
    OfferCall,
    OverflowCall,
    PlayAnnouncement,
    RejectCall,
    RouteToFallback,
)
from acd.errors import AcdError, ConfigError, InvalidEvent, UnknownAgent, UnknownCall
from acd.model import DIALLABLE, Agent, AgentConfig, Call
from acd.roster import Roster
from acd.strategies import (
    RandomSource,
    pick_random,
    pick_round_robin,
    pick_smallest,
)
from queues import records as rec
from queues.config import QueueConfig
from queues.estimate import HandleTime, estimated_wait
from queues.line import Entry, WaitingLine, make_key
from queues.records import AgentState

Fairness = Literal["longest_wait", "priority"]
TimerKind = Literal["max_wait", "escalate", "announce", "ring", "wrapup", "callback_retry"]
Timer = tuple[float, int, TimerKind, str]


@dataclass(frozen=True, slots=True)
class AcdConfig:
    """Queues, agents and the cross-queue rule of one ACD."""

    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...] = ()
    fairness: Fairness = "longest_wait"
    """How a free agent serving several queues chooses: the caller who has waited longest
    (ties: higher priority), or the highest priority class (ties: longest wait)."""

    def __post_init__(self) -> None:
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ConfigError("queues: two queues share a name")
        for q in self.queues:
            if q.overflow_to is not None and q.overflow_to not in names:
                raise ConfigError(f"queue {q.name!r}.overflow_to: no queue {q.overflow_to!r}")
        ids = [a.agent_id for a in self.agents]
        if len(set(ids)) != len(ids):
            raise ConfigError("agents: two agents share an id")
        if self.fairness not in ("longest_wait", "priority"):
            raise ConfigError("fairness: one of longest_wait, priority")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A waiting caller's position and estimated remaining wait (``None``: unknown)."""

    position: int
    wait_s: float | None


class Acd:
    """The distributor: queues, agents, calls and their timers."""

    def __init__(self, config: AcdConfig, rng: RandomSource | None = None) -> None:
        self.config = config
        self._rng = rng
        self.queues: dict[str, QueueConfig] = {q.name: q for q in config.queues}
        stages = {q.name: q.stage_requirements() for q in config.queues}
        self.lines: dict[str, WaitingLine] = {
            name: WaitingLine(len(s)) for name, s in stages.items()
        }
        self.roster = Roster(self.queues, stages)
        self.agents: dict[str, Agent] = self.roster.agents
        self._rr: dict[str, int] = dict.fromkeys(self.queues, -1)
        self.handle_time: dict[str, HandleTime] = {
            q.name: HandleTime(q.default_handle_s) for q in config.queues
        }
        self.calls: dict[str, Call] = {}
        self._timers: list[Timer] = []
        self._seq = 0
        self._now = float("-inf")
        self._records: list[rec.Record] = []
        self._out: list[Command] = []
        self._silent: set[str] = set()
        """Automatic callbacks of lost calls: their own call records are not published."""
        self._lost_callbacks: dict[str, str] = {}
        """Caller number -> its lost-call callback entry (dropped if the caller calls again)."""
        for agent_config in config.agents:
            self.roster.register(agent_config.agent_id, dict(agent_config.skills))
        if any(q.strategy == "random" for q in config.queues) and rng is None:
            raise ConfigError("a queue uses the 'random' strategy: give the ACD an rng")

    # ------------------------------------------------------------------ driver API

    def handle(self, event: ev.Event, now: float) -> list[Command]:
        """Apply one event at ``now``; return the commands to carry out.

        Raises :class:`~acd.errors.AcdError` for an event that cannot apply, leaving the
        state unchanged.
        """
        if now < self._now:  # _tick, inline: this runs for every event
            raise AcdError(f"time went backwards: {now} after {self._now}")
        self._now = now
        handler = _HANDLERS.get(type(event))
        if handler is None:
            raise AcdError(f"unknown event {type(event).__name__}")
        handler(self, event, now)
        if self.roster.emptied:
            self._apply_leave_rules(now)
        out, self._out = self._out, []
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`on_timer` must next be called, or ``None`` if no timer runs."""
        timers = self._timers
        while timers and not self._live(timers[0]):
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def on_timer(self, now: float) -> list[Command]:
        """Run every timer due at or before ``now``."""
        self._tick(now)
        timers = self._timers
        while timers and timers[0][0] <= now:
            timer = heapq.heappop(timers)
            if self._live(timer):
                self._fire(timer, now)
        self._apply_leave_rules(now)
        return self._flush()

    def pop_records(self) -> list[rec.Record]:
        """Records of what happened since the last call (for KPIs, CDRs, the log)."""
        out, self._records = self._records, []
        if self._silent:
            out = self._drop_silent(out)
        return out

    def _drop_silent(self, records: list[rec.Record]) -> list[rec.Record]:
        """Leave out the call records of lost-call callback entries (not calls of their own;
        they count only by the ``CallRecovered`` of the call they recover)."""
        silent = self._silent
        out = [r for r in records
               if isinstance(r, rec.AgentStateChanged) or r.call_id not in silent]
        silent.intersection_update(self.calls)
        return out

    def estimate(self, call_id: str) -> Estimate:
        """Position and estimated wait of a caller in line."""
        call = self._call(call_id)
        if call.state != "waiting":
            raise InvalidEvent(f"call {call_id!r} is not waiting")
        position = self.lines[call.queue].position(call_id)
        return Estimate(position, self._estimated_wait(call.queue, position))

    def serving_agents(self, queue: str) -> float:
        """Staffed agents working for ``queue``, each shared evenly among its queues."""
        return self.roster.serving(queue)

    def available_agents(self, queue: str) -> int:
        """Agents free now who may take calls of ``queue`` at some escalation stage."""
        return len(self.roster.avail_agent[queue])

    def logged_in_agents(self, queue: str) -> int:
        return self.roster.logged[queue]

    # ------------------------------------------------------------------ call events

    def _on_call_queued(self, event: ev.CallQueued, now: float) -> None:
        if event.call_id in self.calls:
            raise InvalidEvent(f"call {event.call_id!r} is already in the ACD")
        queue = self._queue(event.queue)
        since = now if event.since is None else min(event.since, now)
        if self._lost_callbacks and event.caller in self._lost_callbacks:
            self._drop_lost_callback(event.caller)  # they called again: no need to call back
        self._enqueue(event.call_id, queue, event, since, now, overflow_from=None)

    def _on_caller_hung_up(self, event: ev.CallerHungUp, now: float) -> None:
        call = self._call(event.call_id)
        if call.state == "connected":
            self._end_call(call, now, "caller")
            return
        if call.state in ("calling_back", "retry") or call.callback:
            raise InvalidEvent(f"call {call.call_id!r} is a callback: its caller is not on "
                               "the line")
        del self.calls[call.call_id]
        self._records.append(rec.CallAbandoned(now, call.call_id, call.queue, now - call.since))
        queue = self.queues[call.queue]
        if (queue.callback_lost and not call.recovers and DIALLABLE.fullmatch(call.caller)
                and now - call.since >= queue.callback_lost_after_s):
            self._call_back_lost(call, queue, now)
        if call.state == "offered":
            agent = self.agents[call.agent_id or ""]
            self._out.append(CancelOffer(call.call_id, agent.agent_id, "caller_hung_up"))
            self._release_ringing(agent, now)
        else:
            self.lines[call.queue].remove(call.call_id)

    def _on_callback_requested(self, event: ev.CallbackRequested, now: float) -> None:
        call = self._call(event.call_id)
        if call.state != "waiting" or call.callback:
            raise InvalidEvent(f"call {call.call_id!r} cannot ask for a callback now")
        call.callback = True
        call.callback_number = event.number or call.caller
        call.max_wait_at = None
        call.announce_at = None
        self._records.append(
            rec.CallbackRequested(now, call.call_id, call.queue, call.callback_number)
        )

    def _on_agent_answered(self, event: ev.AgentAnswered, now: float) -> None:
        call = self._call(event.call_id)
        agent = self._agent(event.agent_id)
        if call.state != "offered" or call.agent_id != agent.agent_id:
            raise InvalidEvent(f"call {call.call_id!r} is not ringing agent {agent.agent_id!r}")
        agent.calls_today += 1
        agent.until = None
        call.max_wait_at = call.escalate_at = call.announce_at = None
        if call.callback:  # the agent is ready: now the caller is dialled
            call.state = "calling_back"
            self._set_state(agent, "on_call", now, queue=call.queue, call_id=call.call_id)
            return
        call.state = "connected"
        call.answered_at = now
        self._records.append(
            rec.CallAnswered(
                now, call.call_id, call.queue, agent.agent_id, now - call.since, call.callback
            )
        )
        self._records.append(
            self.roster.set_state(agent, "on_call", now, "", call.queue, call.call_id))

    def _on_callback_reached(self, event: ev.CallbackReached, now: float) -> None:
        call = self._call(event.call_id)
        if call.state != "calling_back":
            raise InvalidEvent(f"call {call.call_id!r} is not being called back")
        call.state = "connected"
        call.answered_at = now
        self._records.append(
            rec.CallAnswered(now, call.call_id, call.queue, call.agent_id or "",
                             now - call.since, True)
        )
        if call.recovers:
            self._records.append(rec.CallRecovered(now, call.recovers, "callback"))

    def _on_callback_unreached(self, event: ev.CallbackUnreached, now: float) -> None:
        call = self._call(event.call_id)
        if call.state != "calling_back":
            raise InvalidEvent(f"call {call.call_id!r} is not being called back")
        agent = self.agents[call.agent_id or ""]
        queue = self.queues[call.queue]
        self._records.append(rec.CallOfferFailed(now, call.call_id, call.queue, agent.agent_id,
                                                 f"callback_{event.reason}"))
        call.attempts += 1
        call.agent_id = None
        agent.call_id = None
        if call.attempts >= queue.callback_attempts:
            del self.calls[call.call_id]  # given up: the caller was never reached
            if call.recovers:
                self._lost_callbacks.pop(call.callback_number, None)
            else:
                self._records.append(
                    rec.CallAbandoned(now, call.call_id, call.queue, now - call.since))
        else:
            call.state = "retry"
            call.retry_at = now + queue.callback_retry_s
            self._push(call.retry_at, "callback_retry", call.call_id)
        self._finish_work(agent, now)

    def _call_back_lost(self, lost: Call, queue: QueueConfig, now: float) -> None:
        """Keep a lost caller's place for an automatic callback (one class below)."""
        call_id = f"{lost.call_id}~callback"
        if call_id in self.calls:
            return
        self._drop_lost_callback(lost.caller)  # one pending callback per number
        self._seq += 1
        priority = lost.priority - 1
        key = make_key(priority, lost.since, 0, queue.aging_s_per_point, self._seq)
        call = Call(call_id, queue.name, priority, 0, lost.caller, lost.since, now,
                    Entry(call_id, key, lost.entry.stage), callback=True,
                    callback_number=lost.caller, recovers=lost.call_id)
        self.calls[call_id] = call
        self._silent.add(call_id)
        self._lost_callbacks[lost.caller] = call_id
        self.lines[queue.name].add(call.entry)
        self._schedule_escalation(call, queue)
        self._match_call(call, now)

    def _drop_lost_callback(self, number: str) -> None:
        call_id = self._lost_callbacks.pop(number, None)
        call = self.calls.get(call_id or "")
        if call is None or call.state not in ("waiting", "retry"):
            return  # already being dialled: let it run
        del self.calls[call.call_id]
        if call.state == "waiting":
            self.lines[call.queue].remove(call.call_id)

    def _on_offer_failed(self, event: ev.OfferFailed, now: float) -> None:
        call = self._call(event.call_id)
        agent = self._agent(event.agent_id)
        if call.state != "offered" or call.agent_id != agent.agent_id:
            raise InvalidEvent(f"call {call.call_id!r} is not ringing agent {agent.agent_id!r}")
        self._ring_no_answer(call, agent, now, event.reason)

    def _on_agent_hung_up(self, event: ev.AgentHungUp, now: float) -> None:
        call = self._call(event.call_id)
        if call.state != "connected":
            raise InvalidEvent(f"call {call.call_id!r} is not connected")
        self._end_call(call, now, "agent")

    # ------------------------------------------------------------------ agent events

    def _on_logged_in(self, event: ev.AgentLoggedIn, now: float) -> None:
        agent = self.agents.get(event.agent_id)
        if agent is None:
            if event.skills is None:
                raise UnknownAgent(f"agent {event.agent_id!r} is not configured: give skills")
            agent = self.roster.register(event.agent_id, dict(event.skills))
        elif event.skills is not None:
            self.roster.change_skills(agent, dict(event.skills))
        if agent.state != "logged_out":
            if agent.pending is not None and agent.pending[0] == "logged_out":
                agent.pending = None  # logged back in before the pending log-out applied
            return
        self._become_available(agent, now)

    def _on_logged_out(self, event: ev.AgentLoggedOut, now: float) -> None:
        agent = self._agent(event.agent_id)
        self._leave_work(agent, "logged_out", "", now)

    def _on_paused(self, event: ev.AgentPaused, now: float) -> None:
        agent = self._agent(event.agent_id)
        if agent.state == "logged_out":
            raise InvalidEvent(f"agent {agent.agent_id!r} is logged out")
        if agent.state == "paused":
            agent.reason = event.reason
            self._records.append(rec.AgentStateChanged(now, agent.agent_id, "paused", event.reason))
            return
        self._leave_work(agent, "paused", event.reason, now)

    def _on_resumed(self, event: ev.AgentResumed, now: float) -> None:
        agent = self._agent(event.agent_id)
        if agent.state == "logged_out":
            raise InvalidEvent(f"agent {agent.agent_id!r} must log in first")
        if agent.state in ("on_call", "ringing"):
            agent.pending = None
        elif agent.state in ("paused", "wrap_up"):
            agent.pending = None
            self._become_available(agent, now)

    def _on_wrapup_extended(self, event: ev.WrapUpExtended, now: float) -> None:
        agent = self._agent(event.agent_id)
        if agent.state != "wrap_up" or agent.until is None:
            raise InvalidEvent(f"agent {agent.agent_id!r} is not in wrap-up")
        if event.extra_s <= 0:
            raise InvalidEvent("wrap-up extension must be positive")
        agent.until += event.extra_s
        self._push(agent.until, "wrapup", agent.agent_id)

    def _on_skills_changed(self, event: ev.AgentSkillsChanged, now: float) -> None:
        agent = self._agent(event.agent_id)
        self.roster.change_skills(agent, dict(event.skills))
        if agent.state == "available":
            self._match_agent(agent, now)

    def _on_day_started(self, event: ev.DayStarted, now: float) -> None:
        available = [a for a in self.agents.values() if a.state == "available"]
        for agent in available:
            self.roster.unlist(agent)
        for agent in self.agents.values():
            agent.calls_today = 0
        for agent in available:
            self.roster.list(agent)

    # ------------------------------------------------------------------ queueing

    def _enqueue(
        self,
        call_id: str,
        queue: QueueConfig,
        origin: ev.CallQueued | Call,
        since: float,
        now: float,
        overflow_from: str | None,
    ) -> None:
        refusal = None if overflow_from is not None else self._refusal(queue)
        if refusal is not None:
            self._records.append(rec.CallRejected(now, call_id, queue.name, refusal,
                                                  queue.fallback))
            self._out.append(RejectCall(call_id, queue.name, queue.fallback, refusal))
            return
        self._seq += 1
        key = make_key(origin.priority, since, origin.points, queue.aging_s_per_point, self._seq)
        stage = sum(1 for step in queue.escalation if step.after_s <= 0) if queue.escalation else 0
        call = Call(call_id, queue.name, origin.priority, origin.points, origin.caller, since,
                    now, Entry(call_id, key, stage))
        if isinstance(origin, Call):
            call.callback, call.callback_number = origin.callback, origin.callback_number
        self.calls[call_id] = call
        self.lines[queue.name].add(call.entry)
        self._records.append(
            rec.CallQueued(now, call_id, queue.name, origin.priority, origin.caller, overflow_from)
        )
        if queue.max_wait_s is not None and not call.callback:
            call.max_wait_at = now + queue.max_wait_s
            self._push(call.max_wait_at, "max_wait", call_id)
        if queue.escalation:
            self._schedule_escalation(call, queue)
        self._match_call(call, now)
        if call.state == "waiting" and queue.announce_every_s is not None and not call.callback:
            self._announce(call)
            call.announce_at = now + queue.announce_every_s
            self._push(call.announce_at, "announce", call_id)

    def _refusal(self, queue: QueueConfig) -> Literal["queue_full", "no_agents"] | None:
        if queue.max_length is not None and len(self.lines[queue.name]) >= queue.max_length:
            return "queue_full"
        logged, staffed = self.roster.logged[queue.name], self.roster.staffed[queue.name]
        if queue.join_empty == "logged_in" and logged == 0:
            return "no_agents"
        if queue.join_empty == "staffed" and staffed == 0:
            return "no_agents"
        # A caller the leave rule would send away at once is refused at the door instead.
        if queue.leave_empty == "logged_in" and logged == 0:
            return "no_agents"
        if queue.leave_empty == "staffed" and staffed == 0:
            return "no_agents"
        return None

    def _schedule_escalation(self, call: Call, queue: QueueConfig) -> None:
        steps = queue.escalation
        stage = call.entry.stage
        call.escalate_at = None
        if stage < len(steps):
            call.escalate_at = call.queued_at + steps[stage].after_s
            self._push(call.escalate_at, "escalate", call.call_id)

    def _leave_queue(
        self, call: Call, now: float, reason: Literal["max_wait", "no_agents"]
    ) -> None:
        """Overflow a waiting call to the next queue, or out to the fallback action."""
        self.lines[call.queue].remove(call.call_id)
        del self.calls[call.call_id]
        queue = self.queues[call.queue]
        target = queue.overflow_to
        if target is None or self._refusal(self.queues[target]) is not None:
            # nowhere to go, or the overflow queue would refuse the caller: fallback
            self._leave_to_fallback(call.call_id, queue, now, call.since, reason)
            return
        self._records.append(
            rec.CallOverflowed(now, call.call_id, queue.name, reason, target, "", now - call.since)
        )
        self._out.append(OverflowCall(call.call_id, queue.name, target, reason))
        self._enqueue(call.call_id, self.queues[target], call, call.since, now, queue.name)

    def _leave_to_fallback(
        self, call_id: str, queue: QueueConfig, now: float, since: float, reason: str
    ) -> None:
        why: Literal["max_wait", "no_agents"] = "max_wait" if reason == "max_wait" else "no_agents"
        self._records.append(
            rec.CallOverflowed(now, call_id, queue.name, why, None, queue.fallback, now - since)
        )
        self._out.append(RouteToFallback(call_id, queue.name, queue.fallback, reason))

    # ------------------------------------------------------------------ matching

    def _match_call(self, call: Call, now: float) -> None:
        """Offer a waiting call to the best available agent allowed at its stage."""
        avail = self.roster.avail[call.queue]
        stage = call.entry.stage
        queue = self.queues[call.queue]
        if queue.strategy == "round_robin":
            key = pick_round_robin(avail[: stage + 1], self._rr[queue.name])
        elif queue.strategy == "random":
            assert self._rng is not None
            key = pick_random(avail[: stage + 1], self._rng)
        elif stage == 0:  # one list: its smallest key (what pick_smallest finds)
            keys = avail[0]
            key = keys[0] if keys else None
        else:
            key = pick_smallest(avail[: stage + 1])
        if key is not None:
            self._offer(call, self.roster.avail_agent[call.queue][key], now)

    def _match_agent(self, agent: Agent, now: float) -> None:
        """Offer a newly free agent the caller it should serve first, across its queues."""
        if agent.state != "available":
            return
        best: Call | None = None
        best_rank: tuple[float, ...] | None = None
        by_wait = self.config.fairness == "longest_wait"
        for queue, min_stage in agent.eligible.items():
            entry = self.lines[queue].head(min_stage)
            if entry is None:
                continue
            call = self.calls[entry.call_id]
            key = entry.key
            rank = (call.since, key[0], key[1], key[2]) if by_wait else (
                key[0], call.since, key[1], key[2])
            if best_rank is None or rank < best_rank:
                best, best_rank = call, rank
        if best is not None:
            self._offer(best, agent, now)

    def _offer(self, call: Call, agent: Agent, now: float) -> None:
        queue = self.queues[call.queue]
        self.lines[call.queue].remove(call.call_id)
        call.state = "offered"
        call.agent_id = agent.agent_id
        if queue.strategy == "round_robin":
            self._rr[queue.name] = agent.order
        agent.until = now + queue.ring_timeout_s
        self._push(agent.until, "ring", agent.agent_id)
        records = self._records
        records.append(rec.CallOffered(now, call.call_id, call.queue, agent.agent_id))
        records.append(self.roster.set_state(agent, "ringing", now, "", call.queue, call.call_id))
        self._out.append(
            OfferCall(call.call_id, agent.agent_id, call.queue, queue.ring_timeout_s,
                      call.callback, call.callback_number)
        )

    def _ring_no_answer(self, call: Call, agent: Agent, now: float, reason: str) -> None:
        """The call goes back to its place; the agent is paused ("no answer")."""
        self._records.append(rec.CallOfferFailed(now, call.call_id, call.queue, agent.agent_id,
                                                 reason))
        agent.until = None
        agent.call_id = None
        self._set_state(agent, "paused", now, reason="no answer")
        self._return_to_line(call, now)

    def _return_to_line(self, call: Call, now: float) -> None:
        call.state = "waiting"
        call.agent_id = None
        self.lines[call.queue].add(call.entry)
        if call.max_wait_at is not None and call.max_wait_at <= now:
            self._leave_queue(call, now, "max_wait")
            return
        self._match_call(call, now)

    def _release_ringing(self, agent: Agent, now: float) -> None:
        """The call left while ringing this agent: free again, keeping their idle rank."""
        agent.until = None
        agent.call_id = None
        if agent.pending is not None:
            self._finish_work(agent, now)
            return
        self._set_state(agent, "available", now)  # idle_since unchanged: keeps its rank
        self._match_agent(agent, now)

    # ------------------------------------------------------------------ agents

    def _leave_work(self, agent: Agent, state: AgentState, reason: str, now: float) -> None:
        """Pause or log out now, or after the current call if the agent is busy."""
        if agent.state in ("on_call", "wrap_up"):
            agent.pending = (state, reason)
            return
        if agent.state == "ringing":
            call = self.calls[agent.call_id or ""]
            self._out.append(CancelOffer(call.call_id, agent.agent_id, f"agent_{state}"))
            self._records.append(rec.CallOfferFailed(now, call.call_id, call.queue,
                                                     agent.agent_id, f"agent_{state}"))
            agent.until = None
            agent.call_id = None
            self._set_state(agent, state, now, reason=reason)
            self._return_to_line(call, now)
        elif agent.state != state:
            self._set_state(agent, state, now, reason=reason)

    def _end_call(self, call: Call, now: float, by: rec.EndedBy) -> None:
        agent = self.agents[call.agent_id or ""]
        queue = self.queues[call.queue]
        del self.calls[call.call_id]
        self._records.append(rec.CallEnded(now, call.call_id, call.queue, agent.agent_id, by))
        talk = now - (call.answered_at if call.answered_at is not None else now)
        self.handle_time[call.queue].observe(talk + queue.wrapup_s)
        agent.call_id = None
        if queue.wrapup_s > 0:
            agent.until = now + queue.wrapup_s
            self._push(agent.until, "wrapup", agent.agent_id)
            self._set_state(agent, "wrap_up", now, queue=call.queue)
        else:
            agent.until = None  # _finish_work, inline
            if agent.pending is None:  # _become_available, inline
                agent.idle_since = now
                self._records.append(self.roster.set_state(agent, "available", now))
                self._match_agent(agent, now)
            else:
                self._apply_pending_or_available(agent, now)

    def _finish_work(self, agent: Agent, now: float) -> None:
        agent.until = None
        self._apply_pending_or_available(agent, now)

    def _apply_pending_or_available(self, agent: Agent, now: float) -> None:
        if agent.pending is not None:
            state, reason = agent.pending
            agent.pending = None
            self._set_state(agent, state, now, reason=reason)
        else:
            self._become_available(agent, now)

    def _become_available(self, agent: Agent, now: float) -> None:
        agent.idle_since = now
        self._set_state(agent, "available", now)
        self._match_agent(agent, now)

    def _set_state(
        self,
        agent: Agent,
        state: AgentState,
        now: float,
        reason: str = "",
        queue: str | None = None,
        call_id: str | None = None,
    ) -> None:
        self._records.append(self.roster.set_state(agent, state, now, reason, queue, call_id))

    def _apply_leave_rules(self, now: float) -> None:
        """Send callers away from queues whose last eligible agent just left (leave rule)."""
        roster = self.roster
        if not roster.emptied:
            return
        emptied = [self.queues[name] for name in sorted(roster.emptied)]
        roster.emptied.clear()
        for queue in emptied:
            rule = queue.leave_empty
            if rule == "never" or not self.lines[queue.name]:
                continue
            empty = roster.logged if rule == "logged_in" else roster.staffed
            if empty[queue.name] == 0:
                for entry in list(self.lines[queue.name]):
                    call = self.calls[entry.call_id]
                    if not call.callback:
                        self._leave_queue(call, now, "no_agents")

    # ------------------------------------------------------------------ timers

    def _push(self, deadline: float, kind: TimerKind, ident: str) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (deadline, self._seq, kind, ident))

    def _live(self, timer: Timer) -> bool:
        deadline, _, kind, ident = timer
        if kind in ("ring", "wrapup"):
            agent = self.agents.get(ident)
            state = "ringing" if kind == "ring" else "wrap_up"
            return agent is not None and agent.state == state and agent.until == deadline
        call = self.calls.get(ident)
        if call is None:
            return False
        if kind == "max_wait":
            return call.max_wait_at == deadline
        if kind == "escalate":
            return call.escalate_at == deadline
        if kind == "callback_retry":
            return call.state == "retry" and call.retry_at == deadline
        return call.announce_at == deadline

    def _fire(self, timer: Timer, now: float) -> None:
        _, _, kind, ident = timer
        if kind == "ring":
            agent = self.agents[ident]
            call = self.calls[agent.call_id or ""]
            self._out.append(CancelOffer(call.call_id, agent.agent_id, "no_answer"))
            self._ring_no_answer(call, agent, now, "no_answer")
        elif kind == "wrapup":
            self._finish_work(self.agents[ident], now)
        elif kind == "max_wait":
            call = self.calls[ident]
            if call.state == "waiting":
                self._leave_queue(call, now, "max_wait")
        elif kind == "escalate":
            self._escalate(self.calls[ident], now)
        elif kind == "callback_retry":
            call = self.calls[ident]
            call.retry_at = None
            self._return_to_line(call, now)
        else:
            self._fire_announce(self.calls[ident], now)

    def _escalate(self, call: Call, now: float) -> None:
        queue = self.queues[call.queue]
        if call.state == "waiting":
            self.lines[call.queue].set_stage(call.call_id, call.entry.stage + 1)
        else:
            call.entry.stage += 1
        self._schedule_escalation(call, queue)
        if call.state == "waiting":
            self._match_call(call, now)

    def _fire_announce(self, call: Call, now: float) -> None:
        period = self.queues[call.queue].announce_every_s
        assert period is not None
        if call.state == "waiting":
            self._announce(call)
        call.announce_at = now + period
        self._push(call.announce_at, "announce", call.call_id)

    def _announce(self, call: Call) -> None:
        position = self.lines[call.queue].position(call.call_id)
        self._out.append(PlayAnnouncement(call.call_id, call.queue, position,
                                          self._estimated_wait(call.queue, position)))

    def _estimated_wait(self, queue: str, position: int) -> float | None:
        return estimated_wait(position, self.serving_agents(queue), 0,
                              self.handle_time[queue].mean_s)

    # ------------------------------------------------------------------ helpers

    def _tick(self, now: float) -> None:
        if now < self._now:
            raise AcdError(f"time went backwards: {now} after {self._now}")
        self._now = now

    def _flush(self) -> list[Command]:
        out, self._out = self._out, []
        return out

    def _call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise UnknownCall(f"no call {call_id!r} in the ACD")
        return call

    def _agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def _queue(self, name: str) -> QueueConfig:
        queue = self.queues.get(name)
        if queue is None:
            raise InvalidEvent(f"no queue {name!r}")
        return queue

    def waiting(self, queue: str) -> Iterable[Call]:
        """Callers waiting in ``queue``, best first."""
        return (self.calls[e.call_id] for e in self.lines[queue])


_HANDLERS: dict[type, Callable[[Acd, Any, float], None]] = {
    ev.CallQueued: Acd._on_call_queued,
    ev.CallerHungUp: Acd._on_caller_hung_up,
    ev.CallbackRequested: Acd._on_callback_requested,
    ev.CallbackReached: Acd._on_callback_reached,
    ev.CallbackUnreached: Acd._on_callback_unreached,
    ev.AgentAnswered: Acd._on_agent_answered,
    ev.OfferFailed: Acd._on_offer_failed,
    ev.AgentHungUp: Acd._on_agent_hung_up,
    ev.AgentLoggedIn: Acd._on_logged_in,
    ev.AgentLoggedOut: Acd._on_logged_out,
    ev.AgentPaused: Acd._on_paused,
    ev.AgentResumed: Acd._on_resumed,
    ev.WrapUpExtended: Acd._on_wrapup_extended,
    ev.AgentSkillsChanged: Acd._on_skills_changed,
    ev.DayStarted: Acd._on_day_started,
}
"""Event type -> its handler (module level: a compiled class cannot hold its methods in a dict)."""
