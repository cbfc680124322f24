"""Rate limiters: Redis (shared by every server process) or in-process (single process).

Fixed windows are enough for budgets: the point is to make password guessing and reset-mail
flooding slow and noisy, not to shape traffic precisely. Counters and locks (login failures
per e-mail) expire on their own. Every operation is atomic: Redis runs it as one command or a
MULTI/EXEC block; the in-process limiter never awaits between reading and writing.
"""

from __future__ import annotations

import time
from typing import Any

MAX_TRACKED_KEYS = 100_000


def _bounded[V](entries: dict[str, tuple[float, V]], now: float) -> dict[str, tuple[float, V]]:
    """Drop expired entries; if a flood of distinct keys still exceeds the bound, keep the
    newest half (memory stays bounded; the oldest counters are forgotten first)."""
    if len(entries) <= MAX_TRACKED_KEYS:
        return entries
    live = {k: v for k, v in entries.items() if v[0] > now}
    if len(live) > MAX_TRACKED_KEYS:
        live = dict(list(live.items())[len(live) - MAX_TRACKED_KEYS // 2 :])
    return live


class InProcessRateLimiter:
    """Counters in dicts, pruned when they grow; fine for the single-process default run."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._counters: dict[str, tuple[float, int]] = {}
        self._locks: dict[str, tuple[float, None]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        window = int(time.time()) // window_seconds
        if len(self._counts) > MAX_TRACKED_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
            if len(self._counts) > MAX_TRACKED_KEYS:
                self._counts = dict(list(self._counts.items())[-(MAX_TRACKED_KEYS // 2) :])
        start, count = self._counts.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._counts[key] = (start, count)
        return count <= limit

    async def count(self, key: str, ttl_seconds: int) -> int:
        now = time.monotonic()
        self._counters = _bounded(self._counters, now)
        expires, total = self._counters.get(key, (0.0, 0))
        if expires <= now:
            expires, total = now + ttl_seconds, 0
        total += 1
        self._counters[key] = (expires, total)
        return total

    async def lock(self, key: str, seconds: int) -> None:
        now = time.monotonic()
        self._locks = _bounded(self._locks, now)
        self._locks[key] = (now + seconds, None)

    async def locked(self, key: str) -> bool:
        entry = self._locks.get(key)
        return entry is not None and entry[0] > time.monotonic()

    async def clear(self, *keys: str) -> None:
        for key in keys:
            self._counters.pop(key, None)
            self._locks.pop(key, None)


class RedisRateLimiter:
    """INCR + EXPIRE on per-window keys, so all processes share the same budgets and counts."""

    def __init__(self, redis: Any, namespace: str = "domcctv") -> None:
        self._redis = redis
        self._namespace = namespace

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        window = int(time.time()) // window_seconds
        redis_key = f"{self._namespace}:ratelimit:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 1)
            count, _ = await pipe.execute()
        return int(count) <= limit

    def _counter(self, key: str) -> str:
        return f"{self._namespace}:counter:{key}"

    def _lock(self, key: str) -> str:
        return f"{self._namespace}:lock:{key}"

    async def count(self, key: str, ttl_seconds: int) -> int:
        # SET NX EX starts the counter with its expiry only if absent; INCR keeps the TTL.
        # Both in one MULTI/EXEC: no window where the counter exists without an expiry.
        name = self._counter(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=ttl_seconds, nx=True)
            pipe.incr(name)
            _, total = await pipe.execute()
        return int(total)

    async def lock(self, key: str, seconds: int) -> None:
        await self._redis.set(self._lock(key), 1, ex=seconds)

    async def locked(self, key: str) -> bool:
        return bool(await self._redis.exists(self._lock(key)))

    async def clear(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*[n for k in keys for n in (self._counter(k), self._lock(k))])
