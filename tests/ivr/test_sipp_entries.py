"""The schema can express the entry points the SIPp tests call (``/work/shared/sipp``).

``answer``: answer at once, play a prompt, collect DTMF, wait for the caller's BYE;
``ring``: ring at least 1 s before answering (the caller may CANCEL);
``hangup``: answer, play a message, the engine hangs up after about 1.5 s;
``refer``: answer, then transfer to ``sip:agent@127.0.0.1:5070`` (REFER).
"""

from __future__ import annotations

from ivr.commands import Answer, HangUp, PlayPrompt, Ring, Transfer
from queues import records as rec
from tests.ivr.harness import MONDAY_10, Call, tree

SIPP = tree(
    """
    prompts:
      hello: {text: "Bonjour, tapez des chiffres.", duration_s: 1}
      bye: {text: "Au revoir.", duration_s: 1.5}
    entries:
      answer: {start: digits}
      ring: {start: digits, ring_s: 1.5}
      hangup: {start: goodbye}
      refer: {start: to_agent}
    nodes:
      digits:                 # loops on itself while the caller types; a silent caller
        type: collect         # is let go after 3 x 30 s
        prompt: hello
        variable: digits
        terminator: "#"
        timeout_s: 30
        inter_digit_s: 10
        retries: 2
        next: digits
        on_fail: goodbye
      goodbye: {type: message, prompt: bye}
      to_agent: {type: transfer, number: "sip:agent@127.0.0.1:5070"}
    """
)


def test_answer_collects_digits_until_the_callers_bye() -> None:
    call = Call.start(SIPP, entry="answer")
    assert call.commands == [Answer(), PlayPrompt(SIPP.prompts["hello"], True)]
    call.press("123#", gap=0.1)
    assert call.session.variables == {"digits": "123"}
    assert call.played() == ["hello", "hello"]  # asks again, waiting for more or the BYE
    call.press("5")  # SIP INFO Signal=5, say
    call.advance(1)
    call.hangup()
    assert call.records[-1] == rec.CallLeftIvr(call.now, "c1", "hangup")


def test_ring_rings_before_answering_and_a_cancel_ends_it() -> None:
    call = Call.start(SIPP, entry="ring")
    assert call.commands == [Ring()]
    assert call.session.next_deadline() == MONDAY_10 + 1.5
    call.advance(1.5)
    assert call.commands[1] == Answer()
    cancelled = Call.start(SIPP, entry="ring")
    cancelled.advance(0.5)
    cancelled.hangup()
    assert Answer() not in cancelled.commands
    assert cancelled.session.outcome == "hangup"


def test_hangup_plays_a_message_then_the_engine_hangs_up() -> None:
    call = Call.start(SIPP, entry="hangup")
    assert call.commands == [Answer(), PlayPrompt(SIPP.prompts["bye"], False)]
    assert SIPP.prompts["bye"].duration_s == 1.5
    call.finish(after=1.5)
    assert call.commands[-1] == HangUp("message")


def test_refer_transfers_to_the_agent_uri() -> None:
    call = Call.start(SIPP, entry="refer")
    assert call.commands == [Answer(), Transfer("sip:agent@127.0.0.1:5070")]
    assert call.records[-1] == rec.CallLeftIvr(MONDAY_10, "c1", "transfer")
