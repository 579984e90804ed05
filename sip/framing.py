"""Incremental framing of SIP messages on stream transports (RFC 3261 §18.3).

On TCP/TLS the only message boundary is Content-Length, so it is mandatory; CRLFs between
messages are keep-alives (RFC 3261 §7.5, RFC 5626 §3.5.1).  Usage::

    framer = StreamFramer()
    framer.feed(chunk)            # whatever the socket returned, split anywhere
    for msg in framer:            # every message completed so far
        handle(msg)

Any :class:`~sip.errors.SipError` is fatal: once framing is lost the rest of the byte stream
cannot be trusted, so the framer stays failed and the connection should be closed.  When the
refused message's boundary was known all the same (a start line or header the parser refuses
in a head with one valid Content-Length, or a Content-Length over the size limit), its head is
kept in :attr:`StreamFramer.refused` so that it can be answered (``error.status_hint``,
typically 400) before the connection closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from sip.errors import SipError
from sip.message import Request, Response
from sip.parser import body_length, parse_head

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "StreamFramer"]

#: Default cap on one message (start line + headers + body), in octets.
DEFAULT_MAX_MESSAGE_SIZE: Final = 65535


class StreamFramer:
    """Turns an arbitrarily chunked byte stream into complete :class:`Request`/:class:`Response`.

    ``max_message_size`` bounds the memory a peer can make us hold: a header section that
    grows past it fails with status hint 513 (Message Too Large); a Content-Length that would
    take the message past it fails with 413 (Request Entity Too Large) before the body is
    buffered.
    """

    __slots__ = ("_buf", "_crlfs", "_error", "_max", "_pending", "_pings", "_pos", "_refused",
                 "_scan")

    def __init__(self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if max_message_size < 16:
            raise ValueError("max_message_size is too small to hold any SIP message")
        self._max = max_message_size
        self._buf = bytearray()
        self._pos = 0  # start of the first unconsumed octet in _buf
        self._scan = 0  # where to resume searching for CRLFCRLF (avoids quadratic rescans)
        self._pending: tuple[Request | Response, int, int] | None = None
        self._error: SipError | None = None
        self._pings = 0
        self._crlfs = 0
        self._refused: bytes | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append received octets.  Raises the stored error if the framer has failed."""
        if self._error is not None:
            raise self._error
        pos = self._pos
        if pos:
            # Compact once per feed, not per message, so a chunk of N messages stays O(size).
            del self._buf[:pos]
            self._scan = max(0, self._scan - pos)
            self._pos = 0
        self._buf += data

    def __iter__(self) -> Iterator[Request | Response]:
        return self

    def __next__(self) -> Request | Response:
        msg = self.next_message()
        if msg is None:
            raise StopIteration
        return msg

    def next_message(self) -> Request | Response | None:
        """Return the next complete message, or None until more data is fed."""
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except SipError as exc:
            self._error = exc
            self._buf.clear()
            self._pos = self._scan = 0
            self._pending = None
            raise

    @property
    def failed(self) -> bool:
        """True once a framing error occurred; the connection should be closed."""
        return self._error is not None

    @property
    def refused(self) -> bytes | None:
        """After a failure, the head (with its CRLFCRLF) of the message refused, if its end was
        known from Content-Length so that answering it cannot be confused with what follows;
        else None."""
        return self._refused

    @property
    def buffered(self) -> int:
        """Octets received but not yet returned as part of a message."""
        return len(self._buf) - self._pos

    def partial(self) -> bytes:
        """The octets buffered but not returned as a message (the start of an incomplete one)."""
        return bytes(self._buf[self._pos :])

    @property
    def pings(self) -> int:
        """Number of CRLFCRLF keep-alive pings seen (RFC 5626 §4.4.1: answer each with CRLF)."""
        return self._pings

    def _skip_keepalives(self) -> None:
        buf = self._buf
        pos = self._pos
        while buf.startswith(b"\r\n", pos):
            pos += 2
            self._crlfs += 1
            if self._crlfs == 2:
                self._pings += 1
                self._crlfs = 0
        self._pos = pos

    def _next(self) -> Request | Response | None:
        pending = self._pending
        if pending is None:
            pending = self._read_head()
            if pending is None:
                return None
        msg, head_len, length = pending
        start = self._pos + head_len
        if len(self._buf) - start < length:
            return None  # wait for the rest of the body (RFC 4475 clerr on TCP)
        msg.body = bytes(self._buf[start : start + length])
        self._pos = self._scan = start + length
        self._pending = None
        return msg

    def _read_head(self) -> tuple[Request | Response, int, int] | None:
        self._skip_keepalives()
        buf = self._buf
        pos = self._pos
        end = buf.find(b"\r\n\r\n", max(pos, self._scan))
        if end < 0:
            self._scan = max(pos, len(buf) - 3)
            if len(buf) - pos > self._max:
                raise SipError(f"header section exceeds {self._max} octets", 513)
            return None
        if end + 4 - pos > self._max:
            raise SipError(f"header section exceeds {self._max} octets", 513)
        self._crlfs = 0
        head = bytes(buf[pos:end])
        try:
            msg = parse_head(head)
        except SipError:
            if _raw_content_length(head) is not None:
                self._refused = head + b"\r\n\r\n"
            raise
        length = body_length(msg.headers)
        if length is None:
            raise SipError(
                "Content-Length is mandatory on stream transports", header="content-length"
            )
        head_len = end + 4 - pos
        if head_len + length > self._max:
            self._refused = head + b"\r\n\r\n"
            raise SipError(
                f"message of {head_len + length} octets exceeds the {self._max}-octet limit",
                413,
                "content-length",
            )
        self._pending = (msg, head_len, length)
        return self._pending


def _raw_content_length(head: bytes) -> int | None:
    """The one well-formed Content-Length (or ``l``) of a head the parser refused, else None."""
    found: list[bytes] = []
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.rstrip(b" \t").lower() in (b"content-length", b"l"):
            found.append(value.strip(b" \t"))
    if len(found) != 1 or not found[0].isdigit() or len(found[0]) > 9:
        return None
    return int(found[0])
