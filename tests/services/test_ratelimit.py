"""Both limiters (in-process, Redis) count atomically, lock, expire and forget the same way.

Redis cases run when TEST_REDIS_URL is set (the MariaDB + Redis run), each under its own
namespace, deleting only their own keys.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domcctv.config import environment_flag
from domcctv.domain.limits import RateLimiter
from domcctv.infra import ratelimit
from domcctv.infra.bus import create_redis
from domcctv.infra.ratelimit import InProcessRateLimiter, RedisRateLimiter

REDIS_URL = environment_flag("TEST_REDIS_URL") or None


@pytest.fixture(params=["in-process", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "in-process":
        yield InProcessRateLimiter()
        return
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    redis = create_redis(REDIS_URL)
    namespace = f"test-limits-{uuid.uuid4().hex[:10]}"
    try:
        yield RedisRateLimiter(redis, namespace)
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{namespace}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_concurrent_counts_are_never_lost(limiter: RateLimiter) -> None:
    totals = await asyncio.gather(*[limiter.count("k", 60) for _ in range(50)])
    assert sorted(totals) == list(range(1, 51))
    assert await limiter.count("other", 60) == 1


async def test_lock_clear_and_independent_keys(limiter: RateLimiter) -> None:
    assert not await limiter.locked("k")
    await limiter.lock("k", 60)
    assert await limiter.locked("k")
    assert not await limiter.locked("j")
    await limiter.count("k", 60)

    await limiter.clear("k")

    assert not await limiter.locked("k")
    assert await limiter.count("k", 60) == 1  # the counter started again


async def test_hit_budgets_per_key(limiter: RateLimiter) -> None:
    assert [await limiter.hit("h", 3, 60) for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit("other", 3, 60)


async def test_redis_counters_and_locks_carry_their_expiry() -> None:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    redis = create_redis(REDIS_URL)
    namespace = f"test-limits-{uuid.uuid4().hex[:10]}"
    limiter = RedisRateLimiter(redis, namespace)
    try:
        await limiter.count("k", 300)
        await limiter.count("k", 300)  # a later count does not push the expiry further
        await limiter.lock("k", 120)
        assert 0 < await redis.ttl(f"{namespace}:counter:k") <= 300
        assert 0 < await redis.ttl(f"{namespace}:lock:k") <= 120
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{namespace}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_in_process_counters_and_locks_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(ratelimit.time, "monotonic", clock)
    limiter = InProcessRateLimiter()
    await limiter.count("k", 10)
    await limiter.lock("k", 5)

    clock.now += 6
    assert not await limiter.locked("k")
    assert await limiter.count("k", 10) == 2  # 6 s after the first count: same counter

    clock.now += 5
    assert await limiter.count("k", 10) == 1  # 11 s: expired, starts again


async def test_in_process_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_TRACKED_KEYS", 100)
    limiter: Any = InProcessRateLimiter()
    for n in range(1000):
        await limiter.count(f"k{n}", 60)
        await limiter.lock(f"k{n}", 60)
        await limiter.hit(f"k{n}", 5, 60)
    assert len(limiter._counters) <= 101
    assert len(limiter._locks) <= 101
    assert len(limiter._counts) <= 101
    assert await limiter.locked("k999")  # the newest survive
