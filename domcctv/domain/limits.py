"""Rate limiting as services see it (Redis-backed or in-process behind this Protocol)."""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Fixed-window counters: ``hit`` counts one attempt and says whether it is allowed."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool: ...
