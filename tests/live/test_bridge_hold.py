"""An agent's hold: the caller hears music instead of the agent's leg, until resumed."""

from __future__ import annotations

import random

from live.audio import Prompt
from live.bridge import Bridge
from live.media import Leg, MediaEngine

MUSIC = Prompt("moh", (b"\x11" * 160,) * 3, (b"\x22" * 160,) * 3)


def legs() -> tuple[MediaEngine, Leg, Leg, Bridge]:
    media = MediaEngine()
    caller = Leg("caller", 40000, "PCMU", 0, 101, "silence", random.Random(1))
    agent = Leg("agent", 40002, "PCMU", 0, None, "silence", random.Random(2))
    bridge = Bridge(media, caller, agent)
    bridge.start()
    return media, caller, agent, bridge


def test_hold_plays_music_to_the_caller_and_resume_rejoins() -> None:
    _, caller, agent, bridge = legs()
    assert agent.on_audio is not None and caller.on_audio is not None
    bridge.hold(MUSIC)
    assert bridge.held and caller._looping and caller._prompt is MUSIC
    agent.on_audio(agent, b"\x33" * 160)  # the held phone's audio does not reach the caller
    assert not caller._pushed
    caller.on_audio(caller, b"\x44" * 160)  # the caller is still heard (recording, agent)
    assert list(agent._pushed) == [b"\x44" * 160]
    bridge.resume()
    assert not bridge.held and caller._prompt is None
    agent.on_audio(agent, b"\x55" * 160)
    assert list(caller._pushed) == [b"\x55" * 160]
    counters = bridge.counters()
    assert (counters.to_agent, counters.to_caller) == (1, 1)


def test_hold_without_music_is_silence_and_twice_is_once() -> None:
    _, caller, _, bridge = legs()
    bridge.hold(None)
    bridge.hold(MUSIC)  # already held: nothing changes
    assert bridge.held and caller._prompt is None
    bridge.resume()
    bridge.resume()
    assert not bridge.held
