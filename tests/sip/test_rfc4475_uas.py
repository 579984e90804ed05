"""Every RFC 4475 torture message, fed to a SipEndpoint as a UDP datagram from 127.0.0.1.

What we answer is pinned per message in ``EXPECTED`` and checked against index.json's
``expected_uas`` (and its acceptable alternatives): the status must be one the index names,
or the index must allow processing the request.  Responses are never answered, and no
invalid message starts a call unless the index explicitly allows tolerating it.
"""

from __future__ import annotations

from typing import Any

import pytest

from sip.events import CallArrived, RequestRefused
from sip.message import Response
from sip.parser import parse
from sip.uas import EndpointConfig, SipEndpoint
from tests.sip.sip_corpus import CORPUS_AVAILABLE, SKIP_REASON, load_index, read, uas_codes

pytestmark = pytest.mark.skipif(not CORPUS_AVAILABLE, reason=SKIP_REASON)

SOURCE = ("127.0.0.1", 5070)

# name -> (final status we send, or None for nothing at all; does a call start?)
# "100" alone means the INVITE was taken: 100 Trying and a CallArrived for the app.
EXPECTED: dict[str, tuple[int | None, bool]] = {
    "wsinv": (100, True),  # valid; its To tag names a dialog we lost: recreated (§12.2.2)
    "intmeth": (501, False),
    "esc01": (100, True),
    "escnull": (405, False),
    "esc02": (501, False),
    "lwsdisp": (200, False),
    "longreq": (100, True),
    "dblreq": (405, False),
    "semiuri": (200, False),
    "transports": (200, False),
    "mpart01": (405, False),
    "unreason": (None, False),
    "noreason": (None, False),
    "badinv01": (400, False),
    "clerr": (400, False),
    "ncl": (400, False),
    "scalar02": (400, False),
    "scalarlg": (None, False),
    "quotbal": (400, False),
    "ltgtruri": (400, False),
    "lwsruri": (400, False),
    "lwsstart": (400, False),
    "trws": (400, False),
    "escruri": (400, False),
    "baddate": (100, True),  # tolerated: the Date header does not matter to us
    "regbadct": (400, False),
    "badaspec": (200, False),  # tolerated: LWS inside <> dropped by the parser
    "baddn": (400, False),
    "badvers": (505, False),
    "mismatch01": (400, False),
    "mismatch02": (501, False),
    "bigcode": (None, False),
    "badbranch": (200, False),  # RFC 2543 matching
    "insuf": (400, False),
    "unkscm": (416, False),
    "novelsc": (416, False),
    "unksm2": (405, False),
    "bext01": (420, False),
    "invut": (415, False),
    "regaut01": (405, False),
    "multi01": (400, False),
    "mcl01": (400, False),
    "bcast": (None, False),
    "zeromf": (200, False),
    "cparam01": (405, False),
    "cparam02": (405, False),
    "regescrt": (405, False),
    "sdp01": (406, False),
    "inv2543": (100, True),
    "test": (None, False),  # not classified by the RFC; no Via to answer to
}

# Answers that take the liberal road the index allows for these.
TOLERATED = {"badaspec", "baddate", "badbranch"}

# Where the answer must go (RFC 3261 §18.2.2): the source IP, at the Via's sent-by port.
PORTS = {"quotbal": 5050, "mpart01": 5070, "badinv01": 5070}  # mpart01: rport; badinv01: no Via

ENTRIES = load_index()


def _feed(entry: dict[str, Any]) -> tuple[list[Response], list[object], SipEndpoint]:
    ep = SipEndpoint(EndpointConfig(host="192.0.2.200", port=5060))
    ep.receive(read(entry), SOURCE, 0.0, "udp")
    outs = ep.datagrams_to_send()
    responses = []
    for out in outs:
        msg = parse(out.data)
        assert isinstance(msg, Response), "the endpoint only answers here"
        assert out.destination == ("127.0.0.1", PORTS.get(entry["name"], 5060))
        assert out.transport == "udp"
        responses.append(msg)
    found: list[object] = []
    while (event := ep.next_event()) is not None:
        found.append(event)
    return responses, found, ep


def test_every_message_has_an_expectation() -> None:
    assert {e["name"] for e in ENTRIES} == set(EXPECTED)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_uas_answer(entry: dict[str, Any]) -> None:
    name = entry["name"]
    status, starts_call = EXPECTED[name]
    responses, found, ep = _feed(entry)
    codes = [r.status for r in responses]
    arrived = [e for e in found if isinstance(e, CallArrived)]
    if status is None:
        assert codes == []
    elif status == 100:
        assert codes == [100]
    else:
        assert codes[-1] == status and all(c < 200 for c in codes[:-1])
        assert len([c for c in codes if c >= 200]) == 1
    assert bool(arrived) is starts_call
    if starts_call:
        assert ep.active_calls == 1
    # Our pinned answer must be one index.json allows.
    texts = " ".join([entry["expected_uas"], *entry["acceptable_alternatives"]]).lower()
    if name in TOLERATED:
        assert any(word in texts for word in ("liberal", "ignore", "2543"))
    elif status is not None and status >= 200:
        assert status in uas_codes(entry)
    if starts_call:
        assert "process" in texts
    if entry["kind"] == "response":
        assert codes == []


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_invalid_messages_never_start_a_call(entry: dict[str, Any]) -> None:
    _, found, _ = _feed(entry)
    tolerated = any("process" in alt for alt in entry["acceptable_alternatives"])
    if entry["verdict"] == "invalid" and not tolerated:
        assert not any(isinstance(e, CallArrived) for e in found)


def test_malformed_messages_are_reported() -> None:
    reported = set()
    for entry in ENTRIES:
        _, found, ep = _feed(entry)
        if any(isinstance(e, RequestRefused) and e.reason == "malformed" for e in found):
            reported.add(entry["name"])
            assert ep.security.refusals["malformed"] == 1
    assert {"badinv01", "clerr", "ncl", "baddn", "badvers", "insuf", "bigcode"} <= reported
    assert not reported & {"esc01", "inv2543", "intmeth", "lwsdisp", "unreason"}


def test_wsinv_recreates_its_dialog_under_its_own_to_tag() -> None:
    (entry,) = [e for e in ENTRIES if e["name"] == "wsinv"]
    responses, found, ep = _feed(entry)
    (trying,) = responses
    assert trying.status == 100
    (arrived,) = [e for e in found if isinstance(e, CallArrived)]
    assert arrived.call_id == "wsinv.ndaksdj@192.0.2.1"
    ep.ring(arrived.call_id, 1.0)
    (ringing,) = [parse(o.data) for o in ep.datagrams_to_send()]
    assert isinstance(ringing, Response) and ringing.status == 180
    assert ringing.to.tag == "1918181833n"  # the dialog it names, not a new one


def test_an_invite_in_a_dialog_that_ended_here_is_481_not_a_new_call() -> None:
    (entry,) = [e for e in ENTRIES if e["name"] == "wsinv"]
    _, found, ep = _feed(entry)
    (arrived,) = [e for e in found if isinstance(e, CallArrived)]
    ep.reject(arrived.call_id, 486, 1.0)
    ep.datagrams_to_send()
    ep.handle_timer(100.0)  # the rejected call is over and forgotten (486 never ACKed)
    ep.datagrams_to_send()
    data = read(entry)
    ep.receive(data, SOURCE, 101.0, "udp")
    statuses = [r.status for o in ep.datagrams_to_send()
                if isinstance(r := parse(o.data), Response)]
    assert statuses == [100, 481]
    assert not any(isinstance(e, CallArrived) for e in iter(ep.next_event, None))


def test_501_and_405_list_what_we_allow() -> None:
    for entry in ENTRIES:
        responses, _, _ = _feed(entry)
        for response in responses:
            if response.status in (405, 501):
                assert "INVITE" in (response.headers.get("allow") or ""), entry["name"]
            if response.status == 420:
                assert response.headers.get("unsupported") == (
                    "nothingSupportsThis, nothingSupportsThisEither"
                )
            if response.status == 415:
                assert response.headers.get("accept") == "application/sdp"


def test_inv2543_is_absorbed_by_rfc2543_matching() -> None:
    (entry,) = [e for e in ENTRIES if e["name"] == "inv2543"]
    ep = SipEndpoint(EndpointConfig(host="192.0.2.200", port=5060))
    for now in (0.0, 0.5, 1.5):
        ep.receive(read(entry), SOURCE, now, "udp")
    assert [parse(o.data).status for o in ep.datagrams_to_send()] == [100, 100, 100]  # type: ignore[union-attr]
    assert ep.active_calls == 1
