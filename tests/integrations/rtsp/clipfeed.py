"""A test double of the recorder's ``VideoFeed``: a few seconds of real H.264 from libx264.

The RTSP server only reads access units through the feed protocol, so a clip encoded here
(320x180, no B-frames, noisy pictures so keyframes need FU-A fragmentation) exercises the
same wire as the simulator's recorder will.  ``recorded`` serves a window of ``duration``
seconds starting at ``origin`` (``history`` seconds, looping the clip, when given);
``live`` loops the clip stamped with the current time.  ``broken`` and ``stall_after``
inject the recorder faults the server must turn into RTSP errors or a stalled stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import h264_clip
from h264_clip import Clip

from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecordingCorrupt,
    RecordingUnavailable,
    StreamParameters,
)

WIDTH, HEIGHT, FPS, GOP = 320, 180, 25, 25


def encode_clip(seconds: float = 4.0, seed: int = 5) -> Clip:
    """Encode ``seconds`` of noisy 320x180 frames; SPS/PPS kept in band on keyframes."""
    return h264_clip.encode_clip(seconds, seed=seed, fps=FPS, gop=GOP)


class ClipFeed:
    """``VideoFeed`` over a :class:`Clip`; ``broken`` makes every span ``RecordingCorrupt``."""

    def __init__(
        self, clip: Clip, origin: datetime | None = None, history: float | None = None
    ) -> None:
        self.clip = clip
        self.origin = origin or datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
        self.history = history if history is not None else clip.duration
        self.broken = False
        self.stall_after: int | None = None  # units served before the recorder hangs
        self.open_iterators = 0

    def parameters(self) -> StreamParameters:
        return self.clip.params

    def _time(self, index: int) -> datetime:
        return self.origin + timedelta(seconds=index / self.clip.params.fps)

    def recorded(self, start: datetime, end: datetime) -> AsyncIterator[AccessUnit]:
        return self._recorded(start, end)

    async def _recorded(self, start: datetime, end: datetime) -> AsyncIterator[AccessUnit]:
        if self.broken:
            raise RecordingCorrupt("simulated disk fault")
        last = self.origin + timedelta(seconds=self.history)
        if start < self.origin or end > last:
            raise RecordingUnavailable(f"recorded {self.origin} - {last} only")
        units, fps = self.clip.units, self.clip.params.fps
        index = int((start - self.origin).total_seconds() * fps)
        while not units[index % len(units)][1]:
            index -= 1
        self.open_iterators += 1
        try:
            served = 0
            while self._time(index) <= end:
                if self.stall_after is not None and served >= self.stall_after:
                    await asyncio.Event().wait()  # the recorder hangs until the stream ends
                nals, key = units[index % len(units)]
                yield AccessUnit(self._time(index), nals, key)
                index, served = index + 1, served + 1
        finally:
            self.open_iterators -= 1

    def live(self) -> AsyncIterator[AccessUnit]:
        return self._live()

    async def _live(self) -> AsyncIterator[AccessUnit]:
        if self.broken:
            raise RecordingUnavailable("camera offline")
        loop = asyncio.get_running_loop()
        started_wall, started = datetime.now(UTC), loop.time()
        fps = self.clip.params.fps
        self.open_iterators += 1
        try:
            count = 0
            while True:
                delay = started + count / fps - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                nals, key = self.clip.units[count % len(self.clip.units)]
                yield AccessUnit(started_wall + timedelta(seconds=count / fps), nals, key)
                count += 1
        finally:
            self.open_iterators -= 1
