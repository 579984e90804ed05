"""asyncio UDP and TCP transports around one sans-I/O :class:`~sip.uas.SipEndpoint`.

The endpoint is pure (aioquic style): it is fed what arrives with the time, and it says what
to send and when it next needs the clock. This module is the only glue between it and the
sockets:

* **UDP**: one :class:`asyncio.DatagramProtocol`; each datagram is one message.
* **TCP** (RFC 3261 §18.3): a server; each connection gets an id (``conn``) and its reads
  go to the endpoint as they come: the endpoint frames each connection's stream itself
  (:class:`~sip.framing.StreamFramer` per ``conn``), so messages split across reads or
  packed into one come out whole. Responses go back on the connection the request came
  in on (the endpoint names it by ``conn``); one whose connection has closed opens a new
  one to the sent-by address. Connections the endpoint gives up on (framing lost, source
  refused) are closed; so is a connection idle for :data:`IDLE_TIMEOUT_S`. A peer that
  stops in the middle of a message (RFC 4475 ``clerr``: Content-Length beyond what it sent)
  is given :data:`STALL_TIMEOUT_S` without progress, then the endpoint answers what it holds
  (400 when it is a request it can answer) and the connection is closed.
* **One timer**: a single ``call_at`` armed at ``endpoint.next_deadline()``, re-armed after
  every receive, action and timer. A deadline later than the armed one leaves the timer
  alone: firing early costs one ``handle_timer`` that finds nothing due, re-arming on every
  packet would cost a timer handle per packet.
* After every receive or timer the endpoint's events are drained to ``on_event`` (the
  application), then what the endpoint queued is sent. The application calls
  :meth:`SipTransport.flush` after the actions it takes outside those callbacks (an IVR
  timer, a prompt that ended...).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol, cast

from live.scheduler import Handle, Scheduler
from sip.events import Outgoing, SipEvent

__all__ = ["IDLE_TIMEOUT_S", "STALL_TIMEOUT_S", "EndpointLike", "SipTransport"]

log = logging.getLogger("accueil.sip")

#: A TCP connection with no traffic this long is closed (peers reconnect at will; trunks
#: send OPTIONS keep-alives every 30-60 s).
IDLE_TIMEOUT_S = 300.0
#: A TCP connection holding part of a message closes after this long without new octets
#: (64 × T1: a message that takes longer than a transaction timeout will not be used).
STALL_TIMEOUT_S = 32.0
#: Receive buffer asked for the SIP UDP socket (the kernel caps it at net.core.rmem_max).
UDP_BUFFER = 4 * 1024 * 1024

Address = tuple[str, int]
EventHandler = Callable[[SipEvent], None]


class EndpointLike(Protocol):
    """What the transport needs from :class:`sip.uas.SipEndpoint` (see docs/sip-endpoint.md)."""

    def receive(self, data: bytes, source: Address, now: float, transport: str,
                conn: int | None) -> None: ...

    def handle_timer(self, now: float) -> None: ...

    def next_deadline(self) -> float | None: ...

    def datagrams_to_send(self) -> list[Outgoing]: ...

    def next_event(self) -> SipEvent | None: ...

    def connections_to_close(self) -> list[int]: ...

    def connection_lost(self, conn: int) -> None: ...

    def pending(self, conn: int) -> int: ...

    def stream_stalled(self, conn: int, source: Address, now: float) -> bool: ...


class _Udp(asyncio.DatagramProtocol):
    __slots__ = ("owner", "transport")

    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.owner.received(data, (addr[0], addr[1]), "udp", None)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable for an earlier send: the endpoint's retransmissions and
        # timeouts deal with a peer that went away.
        log.debug("UDP error: %s", exc)


class _TcpConnection(asyncio.Protocol):
    """One TCP connection: its id, its peer, its idle timer. Framing is the endpoint's."""

    def __init__(self, owner: SipTransport, conn: int, peer: Address | None = None) -> None:
        self.owner = owner
        self.conn = conn
        self.peer: Address | None = peer
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []  # written once an outgoing connection is up
        self.closed = False
        self._timer: asyncio.TimerHandle | None = None
        self._last = 0.0
        self._stall: asyncio.TimerHandle | None = None  # armed while a message is incomplete

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = self.transport.get_extra_info("peername")
        if peer is not None:
            self.peer = (peer[0], peer[1])
        self.owner.connected(self)
        for data in self.pending:
            self.transport.write(data)
        self.pending.clear()
        self._touch()

    def data_received(self, data: bytes) -> None:
        self._touch()
        if self.peer is not None:
            self.owner.received(data, self.peer, "tcp", self.conn)
            if self.owner.incomplete(self.conn):
                if self._stall is None:
                    loop = asyncio.get_running_loop()
                    self._stall = loop.call_at(self._last + self.owner.stall_timeout,
                                               self._check_stall)
            elif self._stall is not None:
                self._stall.cancel()
                self._stall = None

    def _check_stall(self) -> None:
        loop = asyncio.get_running_loop()
        due = self._last + self.owner.stall_timeout
        if loop.time() >= due:
            self._stall = None
            if self.peer is not None and not self.closed:
                self.owner.stalled(self.conn, self.peer)
        else:  # octets came since: re-armed lazily, one timer per connection
            self._stall = loop.call_at(due, self._check_stall)

    def _touch(self) -> None:
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        if self._timer is None:
            self._timer = loop.call_at(self._last + self.owner.idle_timeout, self._check)

    def _check(self) -> None:
        loop = asyncio.get_running_loop()
        due = self._last + self.owner.idle_timeout
        if loop.time() >= due:
            self._timer = None
            log.debug("TCP connection %d to %s idle, closed", self.conn, self.peer)
            self.close()
        else:  # re-armed lazily: one timer per connection, not one per read
            self._timer = loop.call_at(due, self._check)

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.transport is None:
            self.pending.append(data)
        else:
            self.transport.write(data)
            self._touch()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()  # writes what is buffered first
        self.closed = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None
        self.owner.disconnected(self)


class SipTransport:
    """UDP and TCP sockets, and the single timer, for one endpoint.

    ``on_event`` gets every event the endpoint produces, in order. ``clock`` gives ``now``
    and the timer (:class:`~live.scheduler.AsyncioScheduler`). The endpoint may be given
    after :meth:`start` (:meth:`attach`), once the port bound is known (port 0 picks one);
    until then what arrives is dropped.
    """

    def __init__(self, endpoint: EndpointLike | None, clock: Scheduler,
                 on_event: EventHandler | None = None) -> None:
        self._endpoint = endpoint
        self.clock = clock
        self.on_event: EventHandler = on_event or (lambda event: None)
        self._udp: _Udp | None = None
        self._server: asyncio.Server | None = None
        self._conns: dict[int, _TcpConnection] = {}
        self._by_peer: dict[Address, int] = {}
        self._next_conn = 1
        self._timer: Handle | None = None
        self._timer_at: float | None = None
        self._dispatching = False
        self.idle_timeout = IDLE_TIMEOUT_S
        self.stall_timeout = STALL_TIMEOUT_S
        self._tasks: set[asyncio.Task[None]] = set()
        self.udp_address: Address | None = None
        self.tcp_address: Address | None = None
        self.received_count = 0
        self.sent_count = 0
        self.errors = 0

    @property
    def endpoint(self) -> EndpointLike:
        """The endpoint served."""
        if self._endpoint is None:
            raise RuntimeError("no endpoint attached yet")
        return self._endpoint

    def attach(self, endpoint: EndpointLike) -> None:
        """Serve ``endpoint`` (once the sockets are bound, see the class docstring)."""
        self._endpoint = endpoint

    # ------------------------------------------------------------------- lifecycle

    async def start(self, host: str, port: int, transports: tuple[str, ...] = ("udp", "tcp"),
                    ) -> None:
        """Bind the sockets: UDP and TCP on the same port.

        With port 0 UDP picks a free port and TCP takes the same one; if TCP finds it taken,
        both try again on another port.
        """
        for attempt in range(20):
            try:
                await self._bind(host, port, transports)
                return
            except OSError as exc:
                if port != 0 or exc.errno != errno.EADDRINUSE or attempt == 19:
                    raise
                self._unbind()
        raise AssertionError("unreachable")

    async def _bind(self, host: str, port: int, transports: tuple[str, ...]) -> None:
        loop = asyncio.get_running_loop()
        if "udp" in transports:
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(host, port))
            self._udp = protocol
            sock = transport.get_extra_info("socket")
            if sock is not None:  # room for bursts while the loop is busy (capped by rmem_max)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_BUFFER)
            name = transport.get_extra_info("sockname")
            self.udp_address = (name[0], name[1])
            port = port or name[1]
        if "tcp" in transports:
            self._server = await loop.create_server(
                self._accept, host, port, reuse_address=True)
            name = self._server.sockets[0].getsockname()
            self.tcp_address = (name[0], name[1])

    def _unbind(self) -> None:
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
        self._udp, self.udp_address = None, None

    async def close(self) -> None:
        """Close every socket and the timer (what is queued is sent first)."""
        if self._endpoint is not None:
            self.flush()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
        for conn in list(self._conns.values()):
            conn.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.sleep(0)

    @property
    def connections(self) -> int:
        """Open TCP connections."""
        return len(self._conns)

    # ------------------------------------------------------------------- receiving

    def received(self, data: bytes, source: Address, transport: str, conn: int | None) -> None:
        """A datagram, or a chunk of a TCP connection's stream, for the endpoint."""
        self.received_count += 1
        if self._endpoint is None:
            return
        try:
            self.endpoint.receive(data, source, self.clock.now(), transport, conn)
        except Exception:  # the endpoint must never take the server down
            self.errors += 1
            log.exception("endpoint failed on %d octets from %s", len(data), source)
        self.process()

    def incomplete(self, conn: int) -> bool:
        """Whether the endpoint holds part of a message of connection ``conn``."""
        return self._endpoint is not None and self._endpoint.pending(conn) > 0

    def stalled(self, conn: int, peer: Address) -> None:
        """``conn`` made no progress for :attr:`stall_timeout` in the middle of a message."""
        if self._endpoint is None:
            return
        try:
            self._endpoint.stream_stalled(conn, peer, self.clock.now())
        except Exception:
            self.errors += 1
            log.exception("endpoint failed on the stalled connection %d", conn)
        self.process()

    def _timer_fired(self) -> None:
        self._timer = None
        self._timer_at = None
        try:
            self.endpoint.handle_timer(self.clock.now())
        except Exception:
            self.errors += 1
            log.exception("endpoint timer failed")
        self.process()

    def process(self) -> None:
        """Drain the endpoint's events to the application, then :meth:`flush`."""
        if not self._dispatching:
            self._dispatching = True
            try:
                while (event := self.endpoint.next_event()) is not None:
                    try:
                        self.on_event(event)
                    except Exception:
                        self.errors += 1
                        log.exception("application failed on %r", event)
            finally:
                self._dispatching = False
        self.flush()

    # --------------------------------------------------------------------- sending

    def flush(self) -> None:
        """Send what the endpoint queued, close the connections it gave up on, re-arm the
        timer at its next deadline. While events are being dispatched this waits for the
        end of the dispatch (one flush per message received, however many actions)."""
        if self._dispatching:
            return
        for out in self.endpoint.datagrams_to_send():
            self._send(out)
        for conn in self.endpoint.connections_to_close():
            connection = self._conns.get(conn)
            if connection is not None:
                connection.close()
        self._rearm()

    def _send(self, out: Outgoing) -> None:
        data, destination, transport, conn = _unpack(out)
        self.sent_count += 1
        if transport == "udp":
            if self._udp is not None and self._udp.transport is not None:
                self._udp.transport.sendto(data, destination)
            return
        connection = self._conns.get(conn) if conn is not None else None
        if connection is None or connection.closed:
            connection = self._connection_to(destination)
        connection.write(data)

    def _connection_to(self, destination: Address) -> _TcpConnection:
        """An open connection to ``destination``, else a new outgoing one (RFC 3261 §18.2.2:
        a response whose connection closed is sent on a new connection to the sent-by)."""
        known = self._by_peer.get(destination)
        if known is not None and known in self._conns and not self._conns[known].closed:
            return self._conns[known]
        conn = self._new_id()
        connection = _TcpConnection(self, conn, destination)
        self._conns[conn] = connection
        self._by_peer[destination] = conn
        loop = asyncio.get_running_loop()

        async def connect() -> None:
            try:
                await loop.create_connection(lambda: connection, *destination)
            except OSError as exc:
                log.info("cannot connect to %s:%d over TCP: %s", *destination, exc)
                connection.connection_lost(exc)

        task = loop.create_task(connect())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return connection

    def _rearm(self) -> None:
        deadline = self.endpoint.next_deadline()
        if deadline is None:
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self.clock.call_at(deadline, self._timer_fired)

    # ------------------------------------------------------------------ connections

    def _new_id(self) -> int:
        conn = self._next_conn
        self._next_conn += 1
        return conn

    def _accept(self) -> _TcpConnection:
        return _TcpConnection(self, self._new_id())

    def connected(self, connection: _TcpConnection) -> None:
        self._conns[connection.conn] = connection
        if connection.peer is not None:
            self._by_peer[connection.peer] = connection.conn

    def disconnected(self, connection: _TcpConnection) -> None:
        self._conns.pop(connection.conn, None)
        if self._endpoint is not None:
            self._endpoint.connection_lost(connection.conn)
        if connection.peer is not None and self._by_peer.get(connection.peer) == connection.conn:
            del self._by_peer[connection.peer]


def _unpack(out: Outgoing) -> tuple[bytes, Address, str, int | None]:
    data, destination, transport, conn = out
    return data, (destination[0], destination[1]), transport, conn
