"""A camera's live picture for the live-view tests: real H.264 (libx264) looped in real time.

The simulator's RTSP server reads access units through its ``VideoFeed`` protocol; this feed
serves a short encoded clip (GOP of half a second, so fragments come quickly) stamped with
the current time, and can be told to fail (``offline``: refused at DESCRIBE, ``cut``: the
running stream ends), like a camera losing its encoder or network.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import av

from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecordingUnavailable,
    StreamParameters,
)

WIDTH, HEIGHT, FPS, GOP = 320, 180, 20, 10


def _nal_units(data: bytes) -> list[bytes]:
    return [chunk.rstrip(b"\x00") for chunk in data.split(b"\x00\x00\x01") if chunk.strip(b"\0")]


@dataclass(frozen=True, slots=True)
class Clip:
    params: StreamParameters
    units: tuple[tuple[tuple[bytes, ...], bool], ...]


def encode_clip(seconds: float = 2.0, seed: int = 3) -> Clip:
    """Noisy 320x180 frames (large GOPs fill socket buffers fast), SPS/PPS in band."""
    rng = random.Random(seed)
    output = av.open(io.BytesIO(), "w", format="h264")
    stream = output.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    stream.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "bf": "0",
        "g": str(GOP),
        "keyint_min": str(GOP),
        "sc_threshold": "0",
    }
    packets: list[tuple[bytes, bool]] = []
    for index in range(round(seconds * FPS)):
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        frame.planes[0].update(rng.randbytes(frame.planes[0].buffer_size))
        frame.pts = index
        packets.extend((bytes(p), p.is_keyframe) for p in stream.encode(frame))
    packets.extend((bytes(p), p.is_keyframe) for p in stream.encode(None))
    output.close()
    sps = pps = b""
    units = []
    for data, key in packets:
        nals = _nal_units(data)
        for nal in nals:
            if nal[0] & 0x1F == 7:
                sps = nal
            elif nal[0] & 0x1F == 8:
                pps = nal
        units.append((tuple(nals), key))
    return Clip(StreamParameters(sps, pps, WIDTH, HEIGHT, FPS, GOP), tuple(units))


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
