"""The TCP stream framer (RFC 3261 §18.3)."""

from __future__ import annotations

import pytest

from sip import Request, Response, SipError, StreamFramer, parse


def message(n: int, body: bytes = b"") -> bytes:
    head = (
        f"MESSAGE sip:u@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK{n}\r\n"
        f"Call-ID: c{n}\r\nCSeq: {n} MESSAGE\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


OK = b"SIP/2.0 200 OK\r\nCSeq: 1 MESSAGE\r\nl: 0\r\n\r\n"


def drain(framer: StreamFramer, *chunks: bytes) -> list[Request | Response]:
    out: list[Request | Response] = []
    for chunk in chunks:
        framer.feed(chunk)
        out.extend(framer)
    return out


def test_several_messages_in_one_chunk() -> None:
    data = message(1, b"hello") + OK + message(2, b"\r\n\r\nbody with blank lines\r\n\r\n")
    framer = StreamFramer()
    got = drain(framer, data)
    assert [type(m) for m in got] == [Request, Response, Request]
    assert got[0].body == b"hello" and got[2].body.startswith(b"\r\n\r\nbody")
    assert framer.buffered == 0 and not framer.failed


def test_messages_split_anywhere_including_mid_crlf() -> None:
    data = b"\r\n" + message(1, b"abc") + b"\r\n\r\n" + message(2) + b"\r\n" + OK
    expected = [parse(message(1, b"abc")), parse(message(2)), parse(OK)]
    for k in range(1, len(data)):
        for j in (k, min(k + 1, len(data)), min(k + 7, len(data))):
            chunks = [data[:k], data[k:j], data[j:]]
            assert drain(StreamFramer(), *chunks) == expected, (k, j)


def test_keepalives_are_skipped_and_pings_counted() -> None:
    framer = StreamFramer()
    assert drain(framer, b"\r\n\r\n", b"\r", b"\n\r\n", b"\r\n") == []
    assert framer.pings == 2 and framer.buffered == 0
    assert drain(framer, b"\r") == [] and framer.buffered == 1  # half a CRLF: wait
    assert drain(framer, b"\n" + OK) == [parse(OK)]
    assert framer.pings == 3  # that was the sixth CRLF in a row
    assert drain(framer, b"\r\n" + OK) == [parse(OK)]
    assert framer.pings == 3  # a lone CRLF (a pong) is not a ping


def test_next_message_and_iteration_resume() -> None:
    framer = StreamFramer()
    data = message(1, b"xyz")
    framer.feed(data[:-1])
    assert framer.next_message() is None
    assert list(framer) == []
    framer.feed(data[-1:])
    msg = framer.next_message()
    assert msg is not None and msg.body == b"xyz"
    assert framer.next_message() is None


def test_content_length_is_mandatory_on_streams() -> None:
    framer = StreamFramer()
    with pytest.raises(SipError) as info:
        drain(framer, b"OPTIONS sip:u@h SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n")
    assert info.value.header == "content-length" and info.value.status_hint == 400
    assert framer.failed


@pytest.mark.parametrize(
    "bad",
    [
        b"OPTIONS sip:u@h SIP/2.0\r\nContent-Length: -999\r\n\r\n",
        b"OPTIONS sip:u@h SIP/2.0\r\nContent-Length: 13\r\nl: 5\r\n\r\n",
        b"OPTIONS sip:u@h SIP/2.0\r\nno colon\r\nl: 0\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"\r\r\n\r\n",
    ],
)
def test_errors_are_fatal_and_sticky(bad: bytes) -> None:
    framer = StreamFramer()
    with pytest.raises(SipError) as first:
        drain(framer, message(1), bad + message(2))
    assert framer.failed and framer.buffered == 0
    with pytest.raises(SipError) as again:
        framer.feed(message(3))
    assert again.value is first.value
    with pytest.raises(SipError):
        framer.next_message()


def test_message_before_an_error_is_still_delivered() -> None:
    framer = StreamFramer()
    framer.feed(message(1) + b"GARBAGE\r\n\r\n")
    assert framer.next_message() == parse(message(1))
    with pytest.raises(SipError):
        framer.next_message()


def test_header_section_size_limit_is_513() -> None:
    framer = StreamFramer(max_message_size=1024)
    framer.feed(b"OPTIONS sip:u@h SIP/2.0\r\n")
    with pytest.raises(SipError) as info:
        for _ in range(200):
            drain(framer, b"X-Filler: " + b"a" * 20 + b"\r\n")
    assert info.value.status_hint == 513
    # also when the whole oversized head arrives at once
    with pytest.raises(SipError) as info:
        drain(
            StreamFramer(max_message_size=64),
            b"OPTIONS sip:u@h SIP/2.0\r\nX: " + b"a" * 80 + b"\r\n\r\n",
        )
    assert info.value.status_hint == 513


def test_declared_body_size_limit_is_413_before_buffering() -> None:
    framer = StreamFramer(max_message_size=1000)
    with pytest.raises(SipError) as info:
        drain(framer, b"MESSAGE sip:u@h SIP/2.0\r\nContent-Length: 5000\r\n\r\n")
    assert info.value.status_hint == 413 and info.value.header == "content-length"
    assert drain(StreamFramer(max_message_size=1000), message(1, b"x" * 800))[0].body == b"x" * 800


def test_large_stream_fed_in_small_chunks_is_linear() -> None:
    data = b"".join(message(i, b"b" * (i % 50)) for i in range(300))
    framer = StreamFramer()
    got = drain(framer, *[data[i : i + 37] for i in range(0, len(data), 37)])
    assert [m.cseq.number for m in got] == list(range(300))


def test_tiny_limit_refused() -> None:
    with pytest.raises(ValueError):
        StreamFramer(max_message_size=8)


BAD_START = (
    b"INVITE  sip:u@h  SIP/2.0\r\nVia: SIP/2.0/TCP h:5070;branch=z9hG4bKbad\r\n"
    b"From: <sip:a@h>;tag=1\r\nTo: <sip:u@h>\r\nCall-ID: bad\r\nCSeq: 1 INVITE\r\n"
    b"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


def test_a_refused_head_with_one_content_length_is_kept_to_be_answered() -> None:
    framer = StreamFramer()
    framer.feed(BAD_START)
    with pytest.raises(SipError):
        framer.next_message()
    assert framer.failed and framer.refused == BAD_START


def test_without_a_usable_content_length_nothing_is_kept() -> None:
    for head in (BAD_START.replace(b"Content-Length: 0\r\n", b""),
                 BAD_START.replace(b"Content-Length: 0", b"Content-Length: -1"),
                 BAD_START.replace(b"Content-Length: 0", b"l: 0\r\nContent-Length: 0")):
        framer = StreamFramer()
        framer.feed(head)
        with pytest.raises(SipError):
            framer.next_message()
        assert framer.refused is None


def test_a_content_length_over_the_limit_is_kept_to_be_answered_413() -> None:
    data = message(1).replace(b"Content-Length: 0", b"Content-Length: 100000")
    framer = StreamFramer()
    framer.feed(data)
    with pytest.raises(SipError) as caught:
        framer.next_message()
    assert caught.value.status_hint == 413 and framer.refused == data


def test_partial_holds_an_incomplete_message() -> None:
    data = message(1, b"hello")
    framer = StreamFramer()
    framer.feed(data[:-2])
    assert framer.next_message() is None
    assert framer.partial() == data[:-2] and framer.buffered == len(data) - 2


def test_endpoint_answers_a_framable_bad_request_on_its_connection_then_closes() -> None:
    from sip.uas import SipEndpoint

    endpoint = SipEndpoint()
    endpoint.receive(BAD_START, ("127.0.0.1", 5070), 0.0, "tcp", 7)
    out = endpoint.datagrams_to_send()
    assert [(parse(o[0]).status, o[2], o[3]) for o in out] == [(400, "tcp", 7)]  # type: ignore[union-attr]
    assert endpoint.connections_to_close() == [7]


def test_endpoint_answers_a_stalled_message_when_told_then_closes() -> None:
    from sip.uas import SipEndpoint

    endpoint = SipEndpoint()
    data = message(1, b"hello").replace(b"MESSAGE sip", b"INVITE sip").replace(
        b"MESSAGE\r\n", b"INVITE\r\n")
    endpoint.receive(data[:-3], ("127.0.0.1", 5070), 0.0, "tcp", 3)
    assert endpoint.datagrams_to_send() == [] and endpoint.connections_to_close() == []
    assert endpoint.pending(3) == len(data) - 3 and endpoint.pending(4) == 0
    assert endpoint.stream_stalled(3, ("127.0.0.1", 5070), 40.0)
    out = endpoint.datagrams_to_send()
    assert [(parse(o[0]).status, o[3]) for o in out] == [(400, 3)]  # type: ignore[union-attr]
    assert endpoint.connections_to_close() == [3]
    assert endpoint.pending(3) == 0 and not endpoint.stream_stalled(3, ("127.0.0.1", 5070), 41.0)
