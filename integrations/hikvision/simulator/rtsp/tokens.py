"""Short-lived ``/EUrl/<token>`` grants issued by the simulated HikCentral gateway.

HikCentral hands out RTSP URLs on its own streaming port whose path token *is* the
authorisation (no RTSP credentials) and which stop working after about five minutes; the
gateway fills this registry and the site's streaming server resolves tokens through it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

DEFAULT_TOKEN_TTL = 300.0
MAX_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """What a token opens: one camera, live (``span`` None) or a recorded span."""

    camera_index_code: str
    span: tuple[datetime, datetime] | None
    expires_at: float


class StreamTokens:
    """Token -> grant, expiring ``ttl`` seconds after issue (changeable at run time)."""

    def __init__(
        self, ttl: float = DEFAULT_TOKEN_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._grants: dict[str, StreamGrant] = {}

    def issue(self, camera_index_code: str, span: tuple[datetime, datetime] | None = None) -> str:
        if span is not None and span[1] <= span[0]:
            raise ValueError("span end must be after its start")
        self._purge()
        if len(self._grants) >= MAX_TOKENS:
            self._grants.pop(next(iter(self._grants)))
        token = secrets.token_urlsafe(9)
        self._grants[token] = StreamGrant(camera_index_code, span, self._clock() + self.ttl)
        return token

    def resolve(self, token: str) -> StreamGrant | None:
        """The grant of a live token; ``None`` when unknown or expired."""
        grant = self._grants.get(token)
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant

    def _purge(self) -> None:
        now = self._clock()
        self._grants = {t: g for t, g in self._grants.items() if g.expires_at > now}

    def __len__(self) -> int:
        self._purge()
        return len(self._grants)
