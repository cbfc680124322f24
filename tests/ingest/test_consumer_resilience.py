"""The ingest consumer survives what used to stop it until a process restart:

- a Redis restarted without persistence loses the consumer group; the consumer recreated it
  only at start, so every later round failed with NOGROUP while pushes kept being
  acknowledged into the new stream;
- a database link cut as a transaction begins: Tortoise leaves the dead transaction
  connection in its context variable when BEGIN fails (and never gives it back to the pool),
  and the long-lived consumer task then failed every later query ("Not connected"). Each
  read (and each pass) now runs in its own task and context, and the failed BEGIN's
  connection is closed and released (domcctv.infra.transaction_fix).
Both faults are real: a private redis-server restarted, a TCP proxy cutting MariaDB."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from tcp_proxy import TcpProxy
from test_inbox_queue import good_read, pipeline
from tortoise import Tortoise

from domcctv.db import open_database
from domcctv.infra.bus import create_redis
from domcctv.infra.queue import DatabaseQueue, RedisStreamQueue
from domcctv.models import PlateReadRecord

from live_server import wait_for


@contextlib.asynccontextmanager
async def consuming(queue: Any) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(queue.consume(pipeline()))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _stored(key: str) -> bool:
    return await PlateReadRecord.filter(natural_key=key).exists()


async def test_the_consumer_recreates_its_group_after_a_redis_restart(db, private_redis) -> None:
    client = create_redis(private_redis.url)
    queue = RedisStreamQueue(client, namespace="restart", claim_idle_ms=500)
    try:
        async with consuming(queue) as task:
            await queue.enqueue(good_read("uuid:CAM-1:before", "HJKL42"))
            await wait_for(lambda: _stored("uuid:CAM-1:before"))

            await private_redis.restart()  # no persistence: stream and group are gone
            for _ in range(50):  # the pool notices the restart on its first command
                try:
                    await queue.enqueue(good_read("uuid:CAM-1:after", "FK1234"))
                    break
                except Exception:
                    await asyncio.sleep(0.1)

            await wait_for(lambda: _stored("uuid:CAM-1:after"), limit=10)
            assert not task.done()
    finally:
        await client.aclose()


async def test_a_begin_cut_mid_transaction_does_not_poison_the_consumer(
    settings, database_url
) -> None:
    if not database_url.startswith("mysql://"):
        pytest.skip("needs a network database (TEST_DB_URL=mysql://...)")
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 3306)
    await proxy.start()
    proxied = database_url.replace(
        f"{parts.hostname}:{parts.port or 3306}", f"127.0.0.1:{proxy.port}"
    )
    await open_database(proxied, global_fallback=True)
    try:
        for table in ("live_outbox", "ingest_dead_letters", "ingest_inbox", "plate_reads"):
            await Tortoise.get_connection("default").execute_script(f"DELETE FROM {table}")
        await Tortoise.get_connection("default").execute_script("DELETE FROM audit_logs")
        await Tortoise.get_connection("default").execute_script("DELETE FROM events")
        queue = DatabaseQueue(poll_seconds=0.1, backoff_base_seconds=0)
        keys = [f"uuid:CAM-1:cut-{i}" for i in range(3)]
        for key, plate in zip(keys, ("HJKL42", "FK1234", "KBWZ93"), strict=True):
            await queue.enqueue(good_read(key, plate))
        proxy.armed = True

        async with consuming(queue) as task:
            await asyncio.wait_for(proxy.cut_at_begin.wait(), timeout=10)  # a BEGIN was cut
            await proxy.restore()

            async def all_stored() -> bool:
                return await PlateReadRecord.filter(natural_key__in=keys).count() == len(keys)

            await wait_for(all_stored, limit=15)
            assert not task.done()
        # and the connection whose BEGIN was cut went back to the pool (closed), not leaked
        pool = Tortoise.get_connection("default")._pool
        assert pool.size - pool.freesize == 0, "a pooled connection leaked"
    finally:
        await asyncio.wait_for(Tortoise.close_connections(), timeout=10)
        await proxy.close()
