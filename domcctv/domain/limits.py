"""Rate limiting and failure counting as services see it (Redis-backed or in-process).

Every operation is atomic in both implementations, so concurrent requests never under-count:
Redis runs each one as a single command or MULTI/EXEC, the in-process one never awaits between
reading and writing a counter.
"""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Fixed-window budgets plus expiring counters and locks (e.g. login failures)."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one attempt in the current window; whether it is within ``limit``."""
        ...

    async def count(self, key: str, ttl_seconds: int) -> int:
        """Add one to ``key`` and return the new total. The counter expires ``ttl_seconds``
        after its first count (a sliding start, not a fixed window)."""
        ...

    async def lock(self, key: str, seconds: int) -> None:
        """Set (or extend) a lock on ``key`` for ``seconds``."""
        ...

    async def locked(self, key: str) -> bool:
        """Whether a lock on ``key`` is in force."""
        ...

    async def clear(self, *keys: str) -> None:
        """Forget counters and locks under ``keys`` (e.g. after a successful login)."""
        ...
