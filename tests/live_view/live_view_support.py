"""Shared by the live view tests: the grace period, the app under test, fragment reading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from domcctv.infra.live_relay import LiveRelay
from domcctv.infra.stream_tokens import StreamTokens
from domcctv.models import User

GRACE = 0.5


@dataclass
class LiveApp:
    base: str
    relay: LiveRelay
    tokens: StreamTokens
    http: httpx.AsyncClient

    def url(self, user: User, camera_id: int, **grant: str) -> str:
        token = self.tokens.issue(
            user_id=user.id,
            kind=grant.get("kind", "live"),  # type: ignore[arg-type]
            subject_id=camera_id,
            purpose=grant.get("purpose", "live"),  # type: ignore[arg-type]
        )
        return f"{self.base}/video/{token}/live.mp4"


async def read_fragments(chunks: AsyncIterator[bytes], count: int) -> tuple[bytes, int]:
    """Read whole boxes until ``count`` fragments (moof + mdat) are in: (bytes, fragments)."""
    data = bytearray()
    fragments = position = 0
    async for chunk in chunks:
        data += chunk
        while len(data) - position >= 8:
            size = int.from_bytes(data[position : position + 4], "big")
            if len(data) - position < size:
                break
            if data[position + 4 : position + 8] == b"mdat":
                fragments += 1
            position += size
            if fragments == count:
                return bytes(data[:position]), fragments
    return bytes(data[:position]), fragments
