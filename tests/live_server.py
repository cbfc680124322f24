"""Running the real app on uvicorn (loopback port, lifespan on) inside a test's event loop.

The uvicorn configuration is the one `domcctv serve` uses (domcctv.serving.uvicorn_config).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from domcctv.asgi import create_app
from domcctv.config import Settings
from domcctv.logging_setup import install_log_redaction
from domcctv.serving import uvicorn_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A uvicorn server running the real app in this event loop."""

    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


async def start_server(settings: Settings, port: int | None = None) -> RunningServer:
    port = port or free_port()
    # No FLUSHDB: the Redis server is shared. Each test's settings carry their own
    # redis_namespace, so its stream, consumer group and channels are its own already.
    install_log_redaction()  # as `domcctv serve` does, so the tests see the redacted logs
    app = create_app(settings, manage_database=False)
    config = uvicorn_config(app, settings.model_copy(update={"host": "127.0.0.1"}), port=port)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return RunningServer(port, server, task)


async def stop_server(running: RunningServer) -> None:
    running.server.should_exit = True
    await asyncio.wait_for(running.task, timeout=10)


async def wait_for(predicate: Any, limit: float = 5.0, interval: float = 0.05) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def server_process(settings: Settings, workdir: Path) -> AsyncIterator[str]:
    """A second server: ``domcctv serve`` as its own process on the same database and Redis
    namespace as ``settings``; yields its base URL once healthy, stopped (by its handle) after.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "REDIS_NAMESPACE": settings.redis_namespace,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "SESSION_CACHE_SECONDS": str(settings.session_cache_seconds),
        "PORT": str(port),
        "SEED_DEMO_DATA": "false",
        "SIMULATOR_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "MEDIA_DIR": str(workdir / "media-b"),
        "MAIL_OUTBOX_DIR": str(workdir / "out"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "domcctv.cli", "serve", env=env, cwd=workdir
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                if process.returncode is not None:
                    raise AssertionError(f"server B exited with {process.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("server B never became healthy")
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=10)
