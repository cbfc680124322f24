"""A camera's live picture for the live-view tests: real H.264 (libx264) looped in real time.

The simulator's RTSP server reads access units through its ``VideoFeed`` protocol; this feed
serves a short encoded clip (GOP of half a second, so fragments come quickly) stamped with
the current time, and can be told to fail (``offline``: refused at DESCRIBE, ``cut``: the
running stream ends), like a camera losing its encoder or network.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import h264_clip
from h264_clip import Clip

from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecordingUnavailable,
    StreamParameters,
)

WIDTH, HEIGHT, FPS, GOP = 320, 180, 20, 10


def encode_clip(seconds: float = 2.0, seed: int = 3) -> Clip:
    """Noisy 320x180 frames (large GOPs fill socket buffers fast), SPS/PPS in band."""
    return h264_clip.encode_clip(seconds, seed=seed, fps=FPS, gop=GOP)


class LiveFeed:
    """``VideoFeed`` whose live picture loops ``clip``; no recordings."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.offline = False
        self.cut = False
        self.open_iterators = 0

    def parameters(self) -> StreamParameters:
        return self.clip.params

    def recorded(self, start: datetime, end: datetime) -> AsyncIterator[AccessUnit]:
        raise RecordingUnavailable("the live-view test feed records nothing")

    def live(self) -> AsyncIterator[AccessUnit]:
        return self._live()

    async def _live(self) -> AsyncIterator[AccessUnit]:
        if self.offline:
            raise RecordingUnavailable("camera offline")
        loop = asyncio.get_running_loop()
        wall, started = datetime.now(UTC), loop.time()
        self.open_iterators += 1
        try:
            count = 0
            while True:
                if self.cut:
                    raise RecordingUnavailable("encoder stopped")
                delay = started + count / FPS - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                nals, key = self.clip.units[count % len(self.clip.units)]
                yield AccessUnit(wall + timedelta(seconds=count / FPS), nals, key)
                count += 1
        finally:
            self.open_iterators -= 1
