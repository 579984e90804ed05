"""The live runtime drives the core on a clock: virtual for replays, asyncio for real."""

from __future__ import annotations

import asyncio

from acd import events as ev
from acd.commands import CancelOffer, Command, OfferCall
from acd.engine import Acd, AcdConfig
from acd.model import AgentConfig
from live.runtime import Runtime
from live.scheduler import AsyncioScheduler, VirtualScheduler
from queues import records as rec
from queues.config import QueueConfig

CONFIG = AcdConfig(
    (QueueConfig("support", "support", ring_timeout_s=15, wrapup_s=5),),
    (AgentConfig("a", {"support": 3}), AgentConfig("b", {"support": 3})),
)


class Phones:
    """A telephony adapter whose agents answer after a delay, talk, then hang up."""

    def __init__(self, scheduler: VirtualScheduler, answer_after: dict[str, float]) -> None:
        self.scheduler = scheduler
        self.answer_after = answer_after
        self.runtime: Runtime | None = None
        self.executed: list[tuple[float, Command]] = []

    def execute(self, command: Command, now: float) -> None:
        self.executed.append((now, command))
        rt = self.runtime
        assert rt is not None
        if isinstance(command, OfferCall):
            delay = self.answer_after.get(command.agent_id)
            if delay is not None:
                call, agent = command.call_id, command.agent_id
                self.scheduler.call_at(now + delay, lambda: rt.submit(
                    ev.AgentAnswered(call, agent)))
                self.scheduler.call_at(now + delay + 60, lambda: rt.submit(ev.AgentHungUp(call)))


def test_virtual_clock_runs_timers_and_reentrant_submissions_in_order() -> None:
    clock = VirtualScheduler()
    phones = Phones(clock, {"b": 2.0})  # a never answers
    records: list[rec.Record] = []
    runtime = Runtime(Acd(CONFIG), clock, phones, sinks=[records.append])
    phones.runtime = runtime
    runtime.submit(ev.AgentLoggedIn("a"))
    clock.call_at(1.0, lambda: runtime.submit(ev.AgentLoggedIn("b")))
    clock.call_at(3.0, lambda: runtime.submit(ev.CallQueued("c1", "support")))
    clock.run()
    # a was idle longest: offered at 3, rings 15 s, no answer -> cancelled at 18 and paused;
    # the call goes back and b takes it, answering 2 s later at 20.
    assert [(t, type(c).__name__, getattr(c, "agent_id", "")) for t, c in phones.executed] == [
        (3.0, "OfferCall", "a"), (18.0, "CancelOffer", "a"), (18.0, "OfferCall", "b")]
    answered = [r for r in records if isinstance(r, rec.CallAnswered)]
    assert [(r.at, r.agent_id, r.wait_s) for r in answered] == [(20.0, "b", 17.0)]
    ended = [r for r in records if isinstance(r, rec.CallEnded)]
    assert [(r.at, r.by) for r in ended] == [(80.0, "agent")]
    # wrap-up of 5 s then available again, driven by the core's own timer
    last = [r for r in records if isinstance(r, rec.AgentStateChanged) and r.agent_id == "b"][-1]
    assert (last.at, last.state) == (85.0, "available")


def test_refused_event_is_reported_not_raised() -> None:
    clock = VirtualScheduler()
    phones = Phones(clock, {})
    runtime = Runtime(Acd(CONFIG), clock, phones)
    phones.runtime = runtime
    assert runtime.submit(ev.CallerHungUp("ghost")) is False
    assert runtime.submit(ev.AgentLoggedIn("a")) is True


def test_asyncio_clock_fires_the_ring_timeout() -> None:
    config = AcdConfig((QueueConfig("q", "s", ring_timeout_s=0.05),), (AgentConfig("a", {"s": 1}),))

    async def scenario() -> list[Command]:
        done: list[Command] = []

        class Recorder:
            def execute(self, command: Command, now: float) -> None:
                done.append(command)

        runtime = Runtime(Acd(config), AsyncioScheduler(), Recorder())
        runtime.submit(ev.AgentLoggedIn("a"))
        runtime.submit(ev.CallQueued("c", "q"))
        await asyncio.sleep(0.2)
        return done

    done = asyncio.run(scenario())
    assert done == [OfferCall("c", "a", "q", 0.05), CancelOffer("c", "a", "no_answer")]
