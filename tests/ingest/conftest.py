"""A private, throw-away redis-server for the stream-queue tests (the shared server is never
flushed, restarted or reconfigured); it can be restarted to lose everything, like a Redis
without persistence."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domcctv.infra.bus import create_redis

from live_server import free_port

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """One redis-server process this fixture started (and alone stops, by its handle)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        self._process = await asyncio.create_subprocess_exec(
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._directory),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        probe = create_redis(self.url)
        try:
            for _ in range(200):
                try:
                    await probe.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.025)
            raise AssertionError("private redis-server did not start")
        finally:
            await probe.aclose()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), timeout=10)
        self._process = None

    async def restart(self) -> None:
        """Stop and start again on the same port: every key is gone (no persistence)."""
        await self.stop()
        await self.start()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    if REDIS_SERVER is None:
        pytest.fail(
            "needs redis-server on PATH (a private instance is started; scripts/test installs it)"
        )
    server = PrivateRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def private_redis_client(private_redis: PrivateRedis) -> AsyncIterator[Any]:
    client = create_redis(private_redis.url)
    try:
        yield client
    finally:
        await client.aclose()
