"""A private, throw-away redis-server for the stream-queue and bus tests (the shared server is
never flushed, restarted or reconfigured); it can be restarted to lose everything, like a
Redis without persistence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from processes import RedisServer

from domcctv.infra.bus import create_redis

from live_server import free_port


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    if not RedisServer.available():
        pytest.fail("needs redis-server on PATH (scripts/test installs it)")
    server = RedisServer(port=free_port(), workdir=tmp_path / "redis", appendonly=False)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def private_redis_client(private_redis: RedisServer) -> AsyncIterator[Any]:
    client = create_redis(private_redis.url)
    try:
        yield client
    finally:
        await client.aclose()
