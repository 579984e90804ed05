"""Golden test: one script, two drivers, one trace.

The same scripted morning runs through the simulator's SimPy driver and through the live
runtime (its clock-independent path: the asyncio scheduler swapped for a virtual clock,
synthetic callers and agents for the SIP side). Every event fed, command returned and record
emitted must be identical, in the same order, at the same times — so what the planner
simulates is what the live engine does.

Times in the script are chosen so that no two independent happenings coincide: where two
drivers' event queues could legitimately order simultaneous callbacks differently, the
comparison would test the tie-break, not the engine.
"""

from __future__ import annotations

from acd import events as ev
from acd.engine import AcdConfig
from acd.model import AgentConfig
from live.runtime import TIMERS_DUE, Runtime
from live.scheduler import VirtualScheduler
from live.synthetic import ScriptedCall, SyntheticTelephony
from queues.config import EscalationStep, QueueConfig
from simulation import scripted
from simulation.driver import TIMERS_DUE as SIM_TIMERS_DUE

INF = float("inf")
CONFIG = AcdConfig(
    (
        QueueConfig("efiling", "efiling", min_level=6, ring_timeout_s=12, wrapup_s=7.5,
                    max_wait_s=95, overflow_to="general", announce_every_s=31,
                    escalation=(EscalationStep(41, min_level=3),)),
        QueueConfig("general", "general", strategy="round_robin", wrapup_s=4.25,
                    max_length=3, fallback="closed_message"),
    ),
    (
        AgentConfig("ana", {"efiling": 8}),
        AgentConfig("bob", {"efiling": 4, "general": 5}),
        AgentConfig("cyd", {"general": 7}),
        AgentConfig("dan", {"efiling": 9, "general": 2}),
    ),
)
ANSWER_DELAYS = {"ana": 2.5, "bob": 0.0, "cyd": 1.75, "dan": INF}  # dan never picks up

CALLS = [  # (at, id, queue, handle, patience, priority)
    (1.0, "c01", "efiling", 130.0, INF, 0),
    (3.3, "c02", "efiling", 95.5, 60.7, 0),
    (4.1, "c03", "general", 40.2, INF, 0),
    (6.9, "c04", "efiling", 22.0, 200.3, 1),
    (9.7, "c05", "general", 61.9, 18.6, 0),
    (14.2, "c06", "general", 33.3, INF, 0),
    (15.8, "c07", "general", 12.0, INF, 0),
    (17.1, "c08", "general", 14.4, INF, 0),
    (18.3, "c12", "general", 30.1, INF, 0),
    (18.9, "c13", "general", 31.7, INF, 0),
    (19.4, "c14", "general", 29.6, 45.2, 0),
    (21.6, "c09", "efiling", 70.7, 150.9, 0),
    (52.3, "c10", "efiling", 18.8, INF, 2),
    (88.4, "c11", "general", 25.1, 9.9, 0),
]
EVENTS = [  # (at, event) fed as is
    (0.0, ev.AgentLoggedIn("ana")),
    (0.2, ev.AgentLoggedIn("cyd")),
    (0.4, ev.AgentLoggedIn("dan")),
    (11.3, ev.AgentLoggedIn("bob")),
    (47.9, ev.AgentResumed("dan")),
    (63.7, ev.AgentPaused("cyd", "lunch")),
    (140.6, ev.AgentResumed("cyd")),
    (201.1, ev.AgentLoggedOut("bob")),
]


def simpy_trace() -> list[tuple[float, object]]:
    script: list[scripted.ScriptItem] = [
        scripted.ScriptedCall(at, cid, q, handle, patience, priority=prio)
        for at, cid, q, handle, patience, prio in CALLS
    ]
    script += [scripted.ScriptedEvent(at, e) for at, e in EVENTS]
    trace = scripted.run_script(CONFIG, script, answer_delays=ANSWER_DELAYS)
    return [(t, TIMERS_DUE if item is SIM_TIMERS_DUE else item) for t, item in trace]


def live_trace() -> list[tuple[float, object]]:
    from acd.engine import Acd

    clock = VirtualScheduler()
    trace: list[tuple[float, object]] = []
    phones = SyntheticTelephony(clock, answer_delay_s=lambda agent: ANSWER_DELAYS[agent])
    runtime = Runtime(Acd(CONFIG), clock, phones, trace=lambda t, item: trace.append((t, item)))
    phones.attach(runtime)
    items: list[tuple[float, int, object]] = [(at, i, e) for i, (at, e) in enumerate(EVENTS)]
    items += [(at, 100 + i, ScriptedCall(at, cid, q, None if patience == INF else patience,
                                        handle, priority=prio))
              for i, (at, cid, q, handle, patience, prio) in enumerate(CALLS)]
    for at, _, item in sorted(items, key=lambda x: (x[0], x[1])):
        if isinstance(item, ScriptedCall):
            clock.call_at(at, lambda item=item: phones.arrive(item))
        else:
            clock.call_at(at, lambda item=item: runtime.submit(item))  # type: ignore[arg-type]
    clock.run()
    return trace


def test_simpy_driver_and_live_runtime_give_the_same_trace() -> None:
    sim, live = simpy_trace(), live_trace()
    kinds = {type(item).__name__ for _, item in sim}
    # the script exercises what it claims to: every path below appears in the trace
    for expected in ("OfferCall", "CancelOffer", "AgentAnswered", "AgentHungUp",
                     "CallerHungUp", "PlayAnnouncement", "OverflowCall", "RejectCall",
                     "CallAbandoned", "CallOfferFailed", "CallOverflowed", "CallRejected"):
        assert expected in kinds, f"the script never produced {expected}"
    assert len(sim) > 150
    for i, (a, b) in enumerate(zip(sim, live, strict=False)):
        assert a == b, f"traces differ at item {i}: simpy {a} vs live {b}"
    assert len(sim) == len(live)
