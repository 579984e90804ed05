"""The shared media clock on a virtual clock: absolute deadlines, catch-up, skips, lag."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from live.media_clock import MediaClock
from live.media_ports import NoFreePort, PortPool
from live.scheduler import Handle, VirtualScheduler


class LateScheduler(VirtualScheduler):
    """A virtual clock whose callbacks run ``delays[i]`` seconds after their deadline."""

    def __init__(self, delays: dict[int, float]) -> None:
        super().__init__(start=100.0)
        self.delays = delays
        self.calls = 0

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle:
        delay = self.delays.get(self.calls, 0.0)
        self.calls += 1
        return super().call_at(when + delay, callback)


def run(delays: dict[int, float], until: float) -> tuple[MediaClock, list[tuple[int, int]]]:
    scheduler = LateScheduler(delays)
    ticks: list[tuple[int, int]] = []
    clock = MediaClock(scheduler, lambda first, end: ticks.append((first, end)), 0.02)
    clock.start()
    scheduler.run(until=until)
    return clock, ticks


def test_on_time_ticks_send_one_period_each_without_drift() -> None:
    clock, ticks = run({}, 100.0 + 1000 * 0.02)
    assert ticks == [(k, k + 1) for k in range(1000)]
    assert clock.deadline(1000) == pytest.approx(100.0 + 1001 * 0.02)
    assert clock.lag_percentiles() == (0.0, 0.0)


def test_a_late_tick_does_not_shift_the_following_deadlines() -> None:
    # tick 2 runs 7 ms late; tick 3 is still due at its own deadline
    scheduler = LateScheduler({2: 0.007})
    times: list[float] = []
    clock = MediaClock(scheduler, lambda first, end: times.append(scheduler.now()), 0.02)
    clock.start()
    scheduler.run(until=100.0 + 5 * 0.02 + 1e-9)
    assert [round(t - 100.0, 3) for t in times] == [0.02, 0.04, 0.067, 0.08, 0.1]
    p50, p99 = clock.lag_percentiles()
    assert p50 == pytest.approx(0.0, abs=1e-9) and p99 == pytest.approx(0.007)


def test_missed_periods_are_caught_up_in_a_burst() -> None:
    # tick 3 runs 45 ms late: periods 3, 4 and 5 are all due, sent together
    clock, ticks = run({3: 0.045}, 100.0 + 10 * 0.02 + 1e-9)
    assert ticks[:5] == [(0, 1), (1, 2), (2, 3), (3, 6), (6, 7)]
    assert clock.skipped == 0


def test_beyond_a_burst_the_oldest_periods_are_skipped() -> None:
    # tick 1 runs 150 ms late: periods 1..8 are due, only the 3 newest are sent
    clock, ticks = run({1: 0.15}, 100.0 + 12 * 0.02 + 1e-9)
    assert ticks[:3] == [(0, 1), (6, 9), (9, 10)]
    assert clock.skipped == 5
    assert clock.summary().skipped == 5
    assert clock.summary().max == pytest.approx(0.15)


def test_an_error_in_the_callback_does_not_stop_the_clock(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    scheduler = VirtualScheduler()
    seen: list[int] = []

    def tick(first: int, end: int) -> None:
        seen.append(first)
        if first == 1:
            raise RuntimeError("boom")

    clock = MediaClock(scheduler, tick)
    clock.start()
    scheduler.run(until=0.1 + 1e-9)
    assert seen == [0, 1, 2, 3, 4]
    assert "media tick failed" in caplog.text
    clock.stop()
    assert not clock.running


def test_stop_and_restart_keep_counting_periods() -> None:
    scheduler = VirtualScheduler()
    seen: list[int] = []
    clock = MediaClock(scheduler, lambda first, end: seen.append(first))
    clock.start()
    clock.start()  # idempotent
    scheduler.run(until=0.04 + 1e-9)
    clock.stop()
    scheduler.run(until=1.0)
    clock.start()
    scheduler.run(until=1.04 + 1e-9)
    assert seen == [0, 1, 2, 3]
    assert clock.period == 4


def test_lag_history_is_bounded() -> None:
    scheduler = VirtualScheduler()
    clock = MediaClock(scheduler, lambda first, end: None, history=10)
    clock.start()
    scheduler.run(until=1.0)
    assert clock.ticks == 50
    assert len(clock._lags) == 10
    clock.reset_stats()
    assert clock.summary().p99 == 0.0


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        MediaClock(VirtualScheduler(), lambda first, end: None, interval=0)


def test_port_pool_hands_out_even_ports_round_robin_and_skips_busy_ones() -> None:
    pool = PortPool("127.0.0.1", 41201, 41207)  # even ports 41202..41206
    assert (pool.first, pool.size) == (41202, 3)
    squatter = PortPool("127.0.0.1", 41204, 41204).bind()  # someone else holds 41204
    try:
        a, b = pool.bind(), pool.bind()
        assert [a.getsockname()[1], b.getsockname()[1]] == [41202, 41206]
        with pytest.raises(NoFreePort):
            pool.bind()
        pool.release(41202)
        a.close()
        c = pool.bind()
        assert c.getsockname()[1] == 41202
        for sock in (b, c):
            sock.close()
    finally:
        squatter.close()


def test_port_pool_checks_its_configuration() -> None:
    with pytest.raises(ValueError, match="IP literal"):
        PortPool("localhost")
    with pytest.raises(ValueError, match="no even port"):
        PortPool("127.0.0.1", 41211, 41211)
    with pytest.raises(ValueError, match="bad RTP port range"):
        PortPool("127.0.0.1", 5000, 4000)
    assert PortPool("::1").family.name == "AF_INET6"
