"""Rate limiters: Redis (shared by every server process) or in-process (single process).

Fixed windows are enough here: the point is to make password guessing and reset-mail
flooding slow and noisy, not to shape traffic precisely.
"""

from __future__ import annotations

import time
from typing import Any

MAX_TRACKED_KEYS = 100_000


class InProcessRateLimiter:
    """Counters in a dict, pruned when it grows; fine for the single-process default run."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        window = int(time.time()) // window_seconds
        if len(self._counts) > MAX_TRACKED_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
        start, count = self._counts.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._counts[key] = (start, count)
        return count <= limit


class RedisRateLimiter:
    """INCR + EXPIRE on a per-window key, so all processes share the same budget."""

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
