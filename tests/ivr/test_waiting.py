"""The waiting caller's session: music, messages, announcements in words, callback key."""

from __future__ import annotations

import pytest

from ivr.commands import HangUp, PlayPrompt, StopPrompt
from ivr.config import CallbackOption, PeriodicMessage, Prompt, Waiting
from ivr.errors import IvrConfigError, IvrError
from ivr.events import DigitReceived, PromptFinished
from ivr.loader import load
from ivr.waiting import (
    Announce,
    CallbackBooked,
    CallbackRefused,
    PlayMusic,
    RequestCallback,
    WaitingSession,
    position_text,
    wait_minutes,
    wait_text,
)

PROMPTS = {name: Prompt(name, text=name) for name in ("hold", "offer", "confirm", "moh")}
CALLBACK = CallbackOption("9", "offer", "confirm", min_digits=10, max_digits=12, timeout_s=8)


def session(caller: str = "+33612345678", **kw: object) -> WaitingSession:
    config = Waiting("support", **{"music": "moh", "lang": "fr", **kw})  # type: ignore[arg-type]
    return WaitingSession(config, PROMPTS, caller, 0.0)


def names(commands: list[object]) -> list[str]:
    out = []
    for c in commands:
        if isinstance(c, PlayPrompt):
            out.append(c.prompt.name)
        else:
            out.append(type(c).__name__)
    return out


@pytest.mark.parametrize(("seconds", "minutes"), [
    (0, 0), (59, 0), (60, 1), (89, 1), (90, 2), (569, 9), (571, 10), (600, 10), (749, 10),
    (751, 15), (3300, 55), (3449, 55), (3451, 60), (7200, 60),
])
def test_waits_are_rounded_the_way_callers_understand(seconds: float, minutes: int) -> None:
    assert wait_minutes(seconds) == minutes


def test_announcement_words_in_french_and_english() -> None:
    assert position_text(1, "fr") == ("announce-fr-next", "Vous êtes le prochain correspondant.")
    assert position_text(3, "fr")[1] == "Vous êtes en position 3."
    assert position_text(25, "en")[1] == "There are more than 20 callers ahead of you."
    assert wait_text(30, "fr")[1] == "Votre attente est estimée à moins d'une minute."
    assert wait_text(60, "en")[1] == "Your estimated wait is about one minute."
    assert wait_text(800, "fr") == ("announce-fr-wait15",
                                    "Votre attente est estimée à environ 15 minutes.")
    assert wait_text(4000, "en")[1] == "Your estimated wait is more than an hour."


def test_music_then_a_periodic_message_then_music_again() -> None:
    s = session(messages=(PeriodicMessage("hold", 60, 20),))
    assert s.start(0) == [PlayMusic("moh")]
    assert s.next_deadline() == 20
    assert names(s.on_timer(20)) == ["hold"]
    assert s.next_deadline() == 80
    assert s.handle(PromptFinished("hold"), 25) == [PlayMusic("moh")]
    assert names(s.on_timer(80)) == ["hold"]


def test_an_announcement_says_position_then_wait_and_waits_its_turn() -> None:
    s = session(messages=(PeriodicMessage("hold", 60, 10),))
    s.start(0)
    s.on_timer(10)  # the message plays
    assert s.handle(Announce(4, 300), 11) == []  # waits for the message to end
    out = s.handle(PromptFinished("hold"), 14)
    assert names(out) == ["announce-fr-pos4"]
    assert isinstance(out[0], PlayPrompt) and out[0].prompt.text == "Vous êtes en position 4."
    assert names(s.handle(PromptFinished("announce-fr-pos4"), 16)) == ["announce-fr-wait5"]
    assert s.handle(PromptFinished("announce-fr-wait5"), 19) == [PlayMusic("moh")]


def test_a_newer_announcement_replaces_one_not_yet_spoken() -> None:
    s = session(messages=(PeriodicMessage("hold", 60, 10),))
    s.start(0)
    s.on_timer(10)
    s.handle(Announce(4, 300), 11)
    s.handle(Announce(3, 200), 12)
    assert names(s.handle(PromptFinished("hold"), 14)) == ["announce-fr-pos3"]


def test_announcements_can_leave_out_the_wait_or_be_switched_off() -> None:
    s = session(announce_wait=False)
    s.start(0)
    assert names(s.handle(Announce(2, 100), 1)) == ["announce-fr-pos2"]
    assert s.handle(PromptFinished("announce-fr-pos2"), 2) == [PlayMusic("moh")]
    quiet = session(announce=False)
    quiet.start(0)
    assert quiet.handle(Announce(2, 100), 1) == []
    unknown = session()
    unknown.start(0)
    assert names(unknown.handle(Announce(2, None), 1)) == ["announce-fr-pos2"]


def test_callback_on_the_number_presented() -> None:
    s = session(callback=CALLBACK)
    s.start(0)
    assert s.handle(DigitReceived("5"), 1) == []  # not the callback key
    assert names(s.handle(DigitReceived("9"), 2)) == ["offer"]
    assert s.handle(PromptFinished("offer"), 6) == []
    assert s.next_deadline() == 14
    assert s.handle(DigitReceived("#"), 7) == [RequestCallback("+33612345678")]
    assert names(s.handle(CallbackBooked(), 7)) == ["confirm"]
    assert s.handle(PromptFinished("confirm"), 10) == [HangUp("callback")]
    assert s.booked == "+33612345678" and s.next_deadline() is None


def test_callback_on_another_number_typed_over_the_offer() -> None:
    s = session(callback=CALLBACK)
    s.start(0)
    s.handle(DigitReceived("9"), 1)
    assert s.handle(DigitReceived("0"), 2) == [StopPrompt()]  # barge-in
    for digit in "140000000":
        assert s.handle(DigitReceived(digit), 3) == []
    assert s.handle(DigitReceived("#"), 4) == [RequestCallback("0140000000")]


def test_callback_choices_that_go_back_to_the_music() -> None:
    s = session(callback=CALLBACK)
    s.start(0)
    s.handle(DigitReceived("9"), 1)
    s.handle(PromptFinished("offer"), 3)
    assert s.on_timer(11) == [PlayMusic("moh")]  # silence: cancelled
    s.handle(DigitReceived("9"), 12)
    assert names(s.handle(DigitReceived("*"), 13)) == ["StopPrompt", "PlayMusic"]
    s.handle(DigitReceived("9"), 14)
    for digit in "0123#":  # too short a number
        out = s.handle(DigitReceived(digit), 15)
    assert out == [PlayMusic("moh")]
    s.handle(DigitReceived("9"), 16)
    s.handle(DigitReceived("#"), 17)
    assert s.handle(CallbackRefused(), 17) == [PlayMusic("moh")]  # the ACD said no
    with pytest.raises(IvrError):
        s.handle(CallbackBooked(), 18)


def test_an_anonymous_caller_must_key_a_number() -> None:
    s = session(caller="anonymous", callback=CALLBACK)
    s.start(0)
    s.handle(DigitReceived("9"), 1)
    assert names(s.handle(DigitReceived("#"), 2)) == ["StopPrompt", "PlayMusic"]


def test_announcements_wait_while_the_caller_chooses_a_callback() -> None:
    s = session(callback=CALLBACK, messages=(PeriodicMessage("hold", 30, 5),))
    s.start(0)
    s.handle(DigitReceived("9"), 1)
    assert s.handle(Announce(2, 100), 2) == []
    assert s.next_deadline() is None  # the offer plays; no message timer meanwhile


YAML = """
version: 1
prompts:
  moh: {file: moh.wav}
  hold: {text: "Merci de patienter."}
  offer: {text: "Tapez dièse pour être rappelé."}
  confirm: {text: "Nous vous rappellerons."}
entries:
  "100": {start: q}
nodes:
  q: {type: queue, queue: support}
waiting:
  support:
    music: moh
    messages:
      hold: {every_s: 45, first_s: 15}
    announce_wait: false
    lang: en
    callback: {key: 9, offer: offer, confirm: confirm, min_digits: 4}
"""


def test_the_waiting_section_of_the_ivr_file() -> None:
    tree = load(YAML, queues={"support"})
    w = tree.waiting["support"]
    assert w.music == "moh" and w.lang == "en" and not w.announce_wait
    assert w.messages == (PeriodicMessage("hold", 45.0, 15.0),)
    assert w.callback == CallbackOption("9", "offer", "confirm", True, 4, 15, 10.0)


def test_waiting_section_errors_name_line_and_field() -> None:
    bad = YAML.replace("music: moh", "music: nope").replace("key: 9", "key: '#'")
    bad = bad.replace("support:\n    music", "sales:\n    music")
    with pytest.raises(IvrConfigError) as info:
        load(bad, queues={"support"})
    text = str(info.value)
    assert "<string>:13: waiting.sales: unknown queue 'sales'" in text
    assert "<string>:14: waiting.sales.music: unknown prompt 'nope'" in text
    assert "<string>:19: waiting.sales.callback.key: expected one digit or *" in text
