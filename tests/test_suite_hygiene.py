"""The test infrastructure itself: nothing piles up in the process, test runs sharing a Redis
leave each other alone, and a missing service or browser fails loudly (never a silent skip)."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from graphql import GraphQLSchema

from domcctv.asgi import create_app
from domcctv.config import Settings

from live_server import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CLOSED_MYSQL = "mysql://root:@127.0.0.1:{port}/test"


def live_schemas() -> int:
    gc.collect()
    return sum(isinstance(o, GraphQLSchema) for o in gc.get_objects())


async def test_apps_share_one_schema_so_nothing_piles_up(settings: Settings, db: str) -> None:
    """Every test builds an app. Building a schema per app left each one alive in Strawberry's
    process-wide caches: a full run ended with ~1.5 million objects and spent seconds in
    garbage collection at exit. Now apps with the same limits share one schema."""
    before = live_schemas()
    for _ in range(6):
        app = create_app(settings, manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            response = await api.post("/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}
        del app, transport, api
    assert live_schemas() - before <= 1


async def test_live_server_leaves_other_runs_keys_in_redis(settings: Settings, db: str) -> None:
    """Two runs on one Redis: starting a server must not wipe the other run's keys."""
    if not settings.redis_url:
        pytest.skip("needs TEST_REDIS_URL (the MariaDB + Redis stage)")
    from domcctv.infra.bus import create_redis

    redis = create_redis(settings.redis_url)
    other_run = f"test-other-run-{uuid.uuid4().hex[:8]}:sentinel"
    try:
        await redis.set(other_run, "still here", ex=300)
        running = await start_server(settings)
        await stop_server(running)
        assert await redis.get(other_run) in (b"still here", "still here")
    finally:
        await redis.delete(other_run)
        await redis.aclose()


async def run(*argv: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)  # a hang guard
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_missing_mariadb_fails_once_and_says_how_to_skip() -> None:
    """Before: every test of the run errored with the same connection error."""
    env = {**os.environ, "TEST_DB_URL": CLOSED_MYSQL.format(port=free_port())}
    env.pop("TEST_REDIS_URL", None)
    code, output = await run(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/http/test_health.py",
        env=env,
    )  # fmt: skip
    assert code != 0
    assert "MariaDB at 127.0.0.1" in output  # named once, before any test (pytest echoes
    assert output.count("is not reachable") <= 2  # its exit reason in header and summary)
    assert "SKIP_MARIADB=1" in output
    assert " passed" not in output
    assert " error" not in output


async def test_backend_preflight_of_scripts_test_names_the_service() -> None:
    code, output = await run(
        sys.executable,
        "tests/backends.py",
        CLOSED_MYSQL.format(port=free_port()),
        f"redis://127.0.0.1:{free_port()}/15",
    )
    assert code == 1
    assert "MariaDB at 127.0.0.1" in output
    assert "Redis at 127.0.0.1" in output
    assert "SKIP_MARIADB=1" in output


async def test_browser_test_fails_when_chromium_is_missing(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the dashboard stage of scripts/test needs it)")
    env = {**os.environ, "CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    code, output = await run(node, "e2e/dashboard.e2e.mjs", env=env, cwd=ROOT / "web")
    assert code != 0
    assert "FAILED" in output
    assert "SKIPPED" not in output
