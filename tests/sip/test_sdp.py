"""SDP parse/serialise round trips and the offer/answer table (RFC 3264)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sip.errors import SipError
from sip.sdp import (
    PCMA,
    Attribute,
    Connection,
    Media,
    Negotiated,
    Origin,
    RtpMap,
    SdpError,
    SessionDescription,
    accept_answer,
    answer,
    offer,
    revise,
)

SIPP_OFFER = (
    "v=0\r\n"
    "o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
)

RICH = (
    "v=0\r\n"
    "o=- 20518 0 IN IP6 2001:db8::10\r\n"
    "s=Call\r\n"
    "i=A trunk call\r\n"
    "e=noc@example.net\r\n"
    "c=IN IP6 2001:db8::10\r\n"
    "b=AS:64\r\n"
    "t=0 0\r\n"
    "r=7d 1h 0 25h\r\n"
    "a=group:BUNDLE audio\r\n"
    "a=sendrecv\r\n"
    "m=audio 49170/2 RTP/AVP 96 8 13\r\n"
    "i=voice\r\n"
    "c=IN IP6 2001:db8::11\r\n"
    "b=TIAS:64000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\n"
    "a=fmtp:96 0-15\r\n"
    "a=maxptime:40\r\n"
    "m=video 0 RTP/AVP 31\r\n"
    "a=inactive\r\n"
)

ORIGIN = Origin("accueil", "4242", 1, "192.0.2.1")


@pytest.mark.parametrize("text", [SIPP_OFFER, RICH])
def test_str_is_the_inverse_of_parse(text: str) -> None:
    desc = SessionDescription.parse(text)
    assert str(desc) == text
    assert SessionDescription.parse(desc.to_bytes()) == desc


def test_parsed_fields() -> None:
    desc = SessionDescription.parse(RICH)
    assert desc.origin == Origin("-", "20518", 0, "2001:db8::10", "IN", "IP6")
    assert desc.connection == Connection("2001:db8::10")
    assert desc.connection.addrtype == "IP6"
    audio, video = desc.media
    assert (audio.port, audio.port_count, audio.formats) == (49170, 2, ("96", "8", "13"))
    assert audio.rtpmaps[96] == RtpMap(96, "telephone-event", 8000)
    assert audio.rtpmaps[8] == RtpMap(8, "PCMA", 8000)  # static, no rtpmap line
    assert 13 not in audio.rtpmaps
    assert audio.fmtp(96) == "0-15" and audio.fmtp(8) is None
    assert audio.attribute("maxptime") == "40" and audio.ptime is None
    assert desc.direction_of(audio) == "sendrecv"  # from the session level
    assert desc.direction_of(video) == "inactive"
    assert desc.connection_of(audio) == Connection("2001:db8::11")
    assert ("r", "7d 1h 0 25h") in desc.other
    assert str(video) == "m=video 0 RTP/AVP 31\r\na=inactive\r\n"


def test_lf_only_and_trailing_blank_lines_are_accepted() -> None:
    desc = SessionDescription.parse(SIPP_OFFER.replace("\r\n", "\n") + "\n\n")
    assert str(desc) == SIPP_OFFER


def test_attributes() -> None:
    assert Attribute.parse("sendonly") == Attribute("sendonly")
    assert Attribute.parse("fmtp:101 0-15") == Attribute("fmtp", "101 0-15")
    assert str(Attribute("rtpmap", "0 PCMU/8000")) == "rtpmap:0 PCMU/8000"
    assert str(RtpMap.parse("97 opus/48000/2")) == "97 opus/48000/2"


@pytest.mark.parametrize("text", [
    "",
    "o=- 1 1 IN IP4 1.2.3.4\r\n",
    "v=0\r\ns=-\r\n",
    "v=0\r\no=- 1 IN IP4 1.2.3.4\r\n",
    "v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nthis is not sdp\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 a\r\nc=IN IP4 b\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\na=\r\n",
    "v=²\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
])
def test_malformed_sdp_is_a_400(text: str) -> None:
    with pytest.raises(SdpError) as caught:
        SessionDescription.parse(text)
    assert caught.value.status_hint == 400
    assert isinstance(caught.value, SipError)


def test_non_utf8_body() -> None:
    with pytest.raises(SdpError, match="UTF-8"):
        SessionDescription.parse(b"v=0\r\no=\xff\r\n")


@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_sdp_error(text: str) -> None:
    try:
        desc = SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n" + text)
    except SdpError:
        return
    for media in desc.media:
        assert isinstance(media.rtpmaps, dict)
        _ = (media.ptime, media.direction, media.payload_types)
        try:
            answer(desc, "192.0.2.1", 20000, ORIGIN)
        except SdpError as exc:
            assert exc.status_hint in (400, 488)


# ------------------------------------------------------------------------ offer/answer


def sdp(media: str, *, session: str = "", conn: str = "c=IN IP4 198.51.100.7\r\n") -> str:
    return ("v=0\r\no=trunk 1 1 IN IP4 198.51.100.7\r\ns=-\r\n" + conn + "t=0 0\r\n"
            + session + media)


AUDIO = "m=audio 30000 RTP/AVP {fmts}\r\n"
TE101 = "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"


@pytest.mark.parametrize(("body", "codec", "pt", "te", "events", "direction"), [
    (SIPP_OFFER, "PCMU", 0, 101, "0-16", "sendrecv"),
    (sdp(AUDIO.format(fmts="8 0 101") + TE101), "PCMA", 8, 101, "0-16", "sendrecv"),
    (sdp(AUDIO.format(fmts="18 8 0")), "PCMA", 8, None, None, "sendrecv"),
    (sdp(AUDIO.format(fmts="96 0") + "a=rtpmap:96 telephone-event/8000\r\n"),
     "PCMU", 0, 96, "0-15", "sendrecv"),  # no fmtp: 0-15 by default
    (sdp(AUDIO.format(fmts="0 97") + "a=rtpmap:97 telephone-event/8000\r\n"
         "a=fmtp:97 0-15,66,70\r\n"), "PCMU", 0, 97, "0-15", "sendrecv"),
    (sdp(AUDIO.format(fmts="0 97") + "a=rtpmap:97 telephone-event/8000\r\n"
         "a=fmtp:97 66\r\n"), "PCMU", 0, None, None, "sendrecv"),  # no DTMF in common
    (sdp(AUDIO.format(fmts="100 101") + "a=rtpmap:100 pcma/8000\r\n" + TE101),
     "PCMA", 100, 101, "0-16", "sendrecv"),  # dynamic pt, lower case: the offer's pt
    (sdp(AUDIO.format(fmts="0 101") + TE101 + "a=sendonly\r\n"),
     "PCMU", 0, 101, "0-16", "recvonly"),
    (sdp(AUDIO.format(fmts="0 101") + TE101 + "a=inactive\r\n"),
     "PCMU", 0, 101, "0-16", "inactive"),
    (sdp(AUDIO.format(fmts="0 101") + TE101 + "a=recvonly\r\n"),
     "PCMU", 0, 101, "0-16", "sendonly"),
    (sdp(AUDIO.format(fmts="0 101") + TE101 + "a=sendrecv\r\n"),
     "PCMU", 0, 101, "0-16", "sendrecv"),
    (sdp(AUDIO.format(fmts="0"), session="a=sendonly\r\n"), "PCMU", 0, None, None, "recvonly"),
    (sdp(AUDIO.format(fmts="0"), conn="c=IN IP4 0.0.0.0\r\n"),
     "PCMU", 0, None, None, "recvonly"),  # RFC 2543 hold
])
def test_answer_table(body: str, codec: str, pt: int, te: int | None, events: str | None,
                      direction: str) -> None:
    desc, result = answer(SessionDescription.parse(body), "192.0.2.1", 20000, ORIGIN)
    assert (result.codec, result.payload_type, result.telephone_event) == (codec, pt, te)
    assert result.direction == direction
    media = desc.media[0]
    assert media.port == 20000
    assert media.payload_types == ((pt,) if te is None else (pt, te))
    assert media.direction == direction
    assert media.rtpmaps[pt].encoding.upper() == codec
    assert media.fmtp(te) == events if te is not None else media.fmtp(101) is None
    assert desc.connection == Connection("192.0.2.1")
    assert desc.origin == ORIGIN
    assert SessionDescription.parse(str(desc)) == desc


def test_sipp_answer_is_what_its_regexp_expects() -> None:
    desc, result = answer(SessionDescription.parse(SIPP_OFFER), "127.0.0.1", 20000, ORIGIN)
    assert "m=audio 20000 RTP/AVP 0 101\r\n" in str(desc)
    assert result == Negotiated("PCMU", 0, 101, "127.0.0.1", 6000, "sendrecv", 20, 0)


@pytest.mark.parametrize(("offered", "ours", "expected"), [
    ("sendrecv", "sendonly", "sendonly"),  # we hold the caller: music, nothing back
    ("sendrecv", "inactive", "inactive"),
    ("sendonly", "sendonly", "inactive"),
    ("recvonly", "recvonly", "inactive"),
    ("inactive", "sendrecv", "inactive"),
])
def test_our_own_direction_limits_the_answer(offered: str, ours: str, expected: str) -> None:
    body = sdp(AUDIO.format(fmts="0") + f"a={offered}\r\n")
    _, result = answer(SessionDescription.parse(body), "192.0.2.1", 1, ORIGIN, direction=ours)
    assert result.direction == expected
    assert result.send == (expected in ("sendrecv", "sendonly"))
    assert result.receive == (expected in ("sendrecv", "recvonly"))


@pytest.mark.parametrize("body", [
    sdp(AUDIO.format(fmts="18 101") + TE101),
    sdp(AUDIO.format(fmts="9 3")),
    sdp("m=audio 0 RTP/AVP 0\r\n"),
    sdp("m=audio 30000 RTP/SAVP 0\r\n"),
    sdp("m=video 30000 RTP/AVP 31\r\n"),
    sdp(AUDIO.format(fmts="97") + "a=rtpmap:97 PCMU/16000\r\n"),
    sdp(AUDIO.format(fmts="97") + "a=rtpmap:97 PCMU/8000/2\r\n"),
    sdp(""),
])
def test_nothing_acceptable_is_a_488(body: str) -> None:
    with pytest.raises(SdpError) as caught:
        answer(SessionDescription.parse(body), "192.0.2.1", 20000, ORIGIN)
    assert caught.value.status_hint == 488
    assert caught.value.reason == "Not Acceptable Here"


def test_audio_without_connection_is_a_400() -> None:
    with pytest.raises(SdpError) as caught:
        answer(SessionDescription.parse(sdp(AUDIO.format(fmts="0"), conn="")), "a", 1, ORIGIN)
    assert caught.value.status_hint == 400


def test_other_streams_are_rejected_with_port_zero() -> None:
    body = sdp("m=video 30002 RTP/AVP 31\r\n" + AUDIO.format(fmts="18") + AUDIO.format(
        fmts="8"))
    desc, result = answer(SessionDescription.parse(body), "192.0.2.1", 20000, ORIGIN)
    assert [(m.media, m.port) for m in desc.media] == [("video", 0), ("audio", 0),
                                                       ("audio", 20000)]
    assert desc.media[0].formats == ("31",)
    assert (result.media_index, result.codec) == (2, "PCMA")


def test_ipv6_offer_and_answer() -> None:
    body = sdp(AUDIO.format(fmts="0"), conn="c=IN IP6 2001:db8::7\r\n")
    desc, result = answer(SessionDescription.parse(body), "2001:db8::1", 20000,
                          Origin("accueil", "1", 1, "2001:db8::1"))
    assert (result.address, result.port) == ("2001:db8::7", 30000)
    assert "c=IN IP6 2001:db8::1\r\n" in str(desc)
    assert "o=accueil 1 1 IN IP6 2001:db8::1\r\n" in str(desc)


def test_hold_and_resume_re_offers_bump_our_answer_version() -> None:
    """The SIPp hold scenario: re-INVITE sendonly → recvonly, re-INVITE sendrecv → sendrecv."""
    first, _ = answer(SessionDescription.parse(SIPP_OFFER), "127.0.0.1", 20000, ORIGIN)
    steps = [("a=sendonly\r\n", "recvonly", 2), ("a=sendonly\r\n", "recvonly", 2),
             ("a=sendrecv\r\n", "sendrecv", 3), ("", "sendrecv", 3)]
    previous = first
    for attr, direction, version in steps:
        reoffer = SessionDescription.parse(SIPP_OFFER + attr)
        desc, result = answer(reoffer, "127.0.0.1", 20000, ORIGIN)
        desc = revise(previous, desc)
        assert result.direction == direction
        assert f"a={direction}\r\n" in str(desc)
        assert desc.origin.version == version, attr
        previous = desc


def test_our_offer_and_its_answer() -> None:
    ours = offer("192.0.2.1", 20000, ORIGIN)
    text = str(ours)
    assert "m=audio 20000 RTP/AVP 0 8 101\r\n" in text
    assert "a=fmtp:101 0-16\r\n" in text and "a=ptime:20\r\n" in text
    # the far end answers with our offer read back to us: PCMU, 101, and sendrecv
    theirs, _ = answer(SessionDescription.parse(text), "198.51.100.9", 40000,
                       Origin("agent", "9", 7, "198.51.100.9"), codecs=(PCMA,))
    result = accept_answer(ours, theirs)
    assert result == Negotiated("PCMA", 8, 101, "198.51.100.9", 40000, "sendrecv", 20, 0)


def test_our_hold_offer_answered_recvonly() -> None:
    ours = offer("192.0.2.1", 20000, ORIGIN.bumped(), direction="sendonly")
    assert ours.origin.version == 2
    theirs, _ = answer(ours, "198.51.100.9", 40000, Origin("agent", "9", 7, "198.51.100.9"))
    assert theirs.media[0].direction == "recvonly"
    assert accept_answer(ours, theirs).direction == "sendonly"


def test_accept_answer_errors() -> None:
    ours = offer("192.0.2.1", 20000, ORIGIN)
    rejected = SessionDescription(ORIGIN, media=(Media("audio", 0, "RTP/AVP", ("0",)),))
    with pytest.raises(SdpError, match="rejected every stream"):
        accept_answer(ours, rejected)
    with pytest.raises(SdpError, match="as many m= lines"):
        accept_answer(ours, SessionDescription(ORIGIN))


def test_revise_keeps_the_version_of_an_unchanged_description() -> None:
    first = offer("192.0.2.1", 20000, ORIGIN)
    same = offer("192.0.2.1", 20000, Origin("x", "y", 99, "192.0.2.9"))
    assert revise(first, same) == first
    moved = revise(first, offer("192.0.2.1", 20002, ORIGIN))
    assert moved.origin == ORIGIN.bumped()
    assert moved.media[0].port == 20002
