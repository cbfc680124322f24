"""Fault-injection fixtures: a fresh MariaDB database and the whole stack as real processes.

MariaDB + Redis only (marked ``mariadb``): it needs ``TEST_DB_URL=mysql://...`` for the server
to create its own database on, and ``redis-server`` to run a private Redis (the shared one is
never touched). On the SQLite run the tests are skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from fault_stack import FaultStack, fresh_database
from processes import RedisServer

from domcctv.config import environment_flag

BASE_DB_URL = environment_flag("TEST_DB_URL") or ""


def _requirements() -> str | None:
    if not BASE_DB_URL.startswith("mysql://"):
        return "fault injection needs TEST_DB_URL=mysql://... (MariaDB)"
    if not RedisServer.available():
        # On the MariaDB stage a missing tool must fail, never pass as a skipped suite.
        pytest.fail("fault injection needs redis-server on PATH (a private instance is started)")
    return None


@pytest.fixture
async def stack_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[FaultStack]]]:
    """``await make(redis_appendonly=...)``: the whole stack on its own fresh database."""
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    async with contextlib.AsyncExitStack() as cleanup:

        async def make(*, redis_appendonly: bool = True) -> FaultStack:
            url = await cleanup.enter_async_context(fresh_database(BASE_DB_URL))
            workdir = tmp_path / f"stack-{url.rsplit('_', 1)[-1]}"
            workdir.mkdir()
            stack = FaultStack(workdir, url, redis_appendonly=redis_appendonly)
            cleanup.push_async_callback(stack.close)
            await stack.start()
            return stack

        yield make
