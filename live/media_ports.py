"""The RTP port pool: even UDP ports in a configured range, bound on demand.

A port is "free" when binding it succeeds: another process (or another engine) may hold
ports inside the range, and those are simply skipped. The pool hands ports out round-robin
from a cursor, so a port released by a call that just ended is the last to be reused and
stray packets of the old call do not land on the next one.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

__all__ = ["NoFreePort", "PortPool"]


class NoFreePort(OSError):
    """Every port of the pool is in use."""


class PortPool:
    """Even ports from ``first`` to ``last`` (inclusive) on one local address."""

    def __init__(self, host: str = "127.0.0.1", first: int = 20000, last: int = 29999) -> None:
        try:
            self.family = (socket.AF_INET6 if ipaddress.ip_address(host).version == 6
                           else socket.AF_INET)
        except ValueError:
            raise ValueError(f"RTP bind address must be an IP literal, got {host!r}") from None
        if not 0 < first <= last <= 65535:
            raise ValueError(f"bad RTP port range {first}-{last}")
        self.host = host
        self.first = first + (first & 1)
        self.last = last
        if self.first > self.last:
            raise ValueError(f"RTP port range {first}-{last} holds no even port")
        self._cursor = self.first
        self.in_use: set[int] = set()

    @property
    def size(self) -> int:
        """How many ports the range holds."""
        return (self.last - self.first) // 2 + 1

    def bind(self) -> socket.socket:
        """A non-blocking UDP socket bound to the next free port (:class:`NoFreePort` if none)."""
        for _ in range(self.size):
            port = self._cursor
            self._cursor = port + 2 if port + 2 <= self.last else self.first
            if port in self.in_use:
                continue
            sock = socket.socket(self.family, socket.SOCK_DGRAM)
            try:
                sock.bind((self.host, port))
            except OSError as exc:
                sock.close()
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            sock.setblocking(False)
            self.in_use.add(port)
            return sock
        raise NoFreePort(errno.EADDRINUSE,
                         f"no free RTP port in {self.first}-{self.last} on {self.host}")

    def release(self, port: int) -> None:
        """Give a port back (its socket must be closed by then or soon)."""
        self.in_use.discard(port)
