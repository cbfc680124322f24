"""/health: 200 with the database (and Redis, when configured) up; 503 when either is down;
200 but "degraded" (with the detail) for ingest warnings: dead letters, queue lag.

The failures are real: a database server and a Redis that refuse connections (port 1).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from tortoise import Tortoise

from domcctv.asgi import create_app
from domcctv.db import open_database
from domcctv.http.health import health_endpoint
from domcctv.infra.bus import create_redis
from domcctv.infra.queue import RedisStreamQueue
from domcctv.models import DeadLetterStatus, IngestDeadLetter, IngestInbox

UNREACHABLE_DB = "mysql://root:@127.0.0.1:1/nowhere"  # port 1: connection refused at once
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def get_health(app: Starlette) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get("/health")


async def test_health_is_200_with_the_database_up(app, settings) -> None:
    response = await get_health(app)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["database"]["latencyMs"] >= 0
    if settings.redis_url:  # the MariaDB + Redis run: Redis is probed too
        assert body["checks"]["redis"]["status"] == "up"
    else:
        assert set(body["checks"]) == {"database", "ingest"}
    assert body["checks"]["ingest"]["status"] == "ok"
    assert body["checks"]["ingest"]["deadLetters"] == 0


async def test_health_is_503_when_redis_is_configured_but_down(settings, db) -> None:
    app = create_app(
        settings.model_copy(update={"redis_url": UNREACHABLE_REDIS}), manage_database=False
    )

    response = await get_health(app)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["redis"]["status"] == "down"
    assert "ConnectionError" in body["checks"]["redis"]["error"]
    assert "127.0.0.1" not in response.text


@pytest.fixture
async def unreachable_database() -> AsyncIterator[None]:
    """The ORM initialised against a database server that refuses connections."""
    await open_database(UNREACHABLE_DB, global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


@pytest.mark.usefixtures("unreachable_database")
async def test_health_is_503_when_the_database_is_down(settings) -> None:
    # given the app, not managing the ORM, whose database refuses connections
    app = create_app(settings, manage_database=False)

    # when /health is asked
    response = await get_health(app)

    # then it reports the database down with the error class, not the connection details
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"status": "down", "error": "DBConnectionError"}
    assert "root" not in response.text
    assert "127.0.0.1" not in response.text


async def test_health_through_the_real_lifespan(settings) -> None:
    # the app that migrates and opens the database itself (as `domcctv serve` runs it)
    app = create_app(settings, manage_database=True)
    async with app.router.lifespan_context(app):
        response = await get_health(app)
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "up"


async def test_a_hanging_probe_times_out_as_down() -> None:
    async def hangs() -> None:
        await asyncio.sleep(10)

    async def fine() -> None:
        return None

    app = Starlette(
        routes=[Route("/health", health_endpoint({"db": fine, "bus": hangs}, timeout=0.05))]
    )

    response = await get_health(app)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["db"]["status"] == "up"
    assert checks["bus"] == {"status": "down", "error": "TimeoutError"}


async def test_unresolved_dead_letters_degrade_health_but_keep_it_200(app, settings) -> None:
    # HEALTH_MAX_DEAD_LETTERS defaults to 0: one pending dead letter is worth a look, not a
    # reason for a load balancer to pull the node.
    await IngestDeadLetter.create(
        natural_key="uuid:CAM-1:x", payload={"v": 1}, status=DeadLetterStatus.RETRIED
    )
    assert (await get_health(app)).json()["status"] == "ok"  # resolved ones do not count
    await IngestDeadLetter.create(natural_key="uuid:CAM-1:y", payload={"v": 1})

    response = await get_health(app)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "up"
    ingest = body["checks"]["ingest"]
    assert ingest["status"] == "warning"
    assert ingest["warnings"] == ["DEAD_LETTERS"]
    assert ingest["deadLetters"] == 1
    assert ingest["maxDeadLetters"] == 0


async def test_queue_lag_past_the_limit_degrades_health_but_keeps_it_200(app, settings) -> None:
    # the oldest queued read has waited ~10 minutes (limit: HEALTH_MAX_QUEUE_LAG_SECONDS = 60)
    redis = None
    if settings.redis_url:
        redis = create_redis(settings.redis_url)
        queue = RedisStreamQueue(redis, namespace=settings.redis_namespace)
        await queue.ensure_group()
        stamp = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp() * 1000)
        await redis.xadd(queue.stream, {"read": "{}"}, id=f"{stamp}-0")
    else:
        row = await IngestInbox.create(natural_key="uuid:CAM-1:late", payload={"v": 1})
        await IngestInbox.filter(id=row.id).update(
            received_at=datetime.now(UTC) - timedelta(minutes=10)
        )
    try:
        response = await get_health(app)
    finally:
        if redis is not None:
            await redis.delete(queue.stream)  # this test's own key
            await redis.aclose()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    ingest = body["checks"]["ingest"]
    assert ingest["warnings"] == ["QUEUE_LAG"]
    assert ingest["queued"] == 1
    assert 590 <= ingest["queueLagSeconds"] <= 700
