"""The deadline scheduler and the deterministic id source."""

from __future__ import annotations

import random

from sip.ids import CounterSource, IdGenerator
from sip.timers import Scheduler


class Owner:
    def __init__(self, when: float | None) -> None:
        self.when = when

    def next_deadline(self) -> float | None:
        return self.when


def test_scheduler_orders_and_skips_stale_entries() -> None:
    sched: Scheduler[Owner] = Scheduler()
    a, b, c = Owner(3.0), Owner(1.0), Owner(2.0)
    for owner in (a, b, c):
        sched.touch(owner)
    assert sched.next_deadline() == 1.0
    b.when = 5.0  # re-armed later
    sched.touch(b)
    c.when = None  # finished
    sched.touch(c)
    assert sched.next_deadline() == 3.0
    assert sched.due(4.0) == [a]
    assert sched.due(4.0) == []
    assert sched.due(10.0) == [b]
    assert sched.next_deadline() is None and len(sched) == 0


def test_scheduler_touch_is_idempotent() -> None:
    sched: Scheduler[Owner] = Scheduler()
    a = Owner(1.0)
    for _ in range(5):
        sched.touch(a)
    assert sched.due(1.0) == [a]


def test_counter_source_is_deterministic_and_spread() -> None:
    one, two = CounterSource(1), CounterSource(1)
    values = [one.getrandbits(64) for _ in range(100)]
    assert values == [two.getrandbits(64) for _ in range(100)]
    assert len(set(values)) == 100
    assert all(0 <= CounterSource(2).random() < 1 for _ in range(10))
    assert CounterSource().getrandbits(8) < 256
    assert CounterSource().getrandbits(100) < 2**100


def test_id_generator() -> None:
    ids = IdGenerator(random.Random(5))
    assert ids.branch().startswith("z9hG4bK") and len(ids.branch()) == 23
    tags = {ids.tag() for _ in range(50)}
    assert len(tags) == 50
    assert all(0 <= ids.retry_after() <= 10 for _ in range(50))
