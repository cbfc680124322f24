"""H.264 encoding of rendered frames with libx264, in identical, independently decodable pieces.

Every piece of footage (a cached 10 s chunk, a 2 s live GOP) is encoded by a *fresh* encoder
with the same settings, so each piece starts with an IDR picture, SPS/PPS are byte-identical
across pieces and pieces can be concatenated into one valid stream, in any order they are
asked for.  ``zerolatency`` and ``bframes=0`` make decode order equal presentation order
(pts == dts), which is what an RTP packetiser and a stream-copy MP4 muxer want.

Everything here is blocking PyAV work: callers run it in a worker thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import av
from av.packet import Packet
from av.video.codeccontext import VideoCodecContext
from PIL import Image

from integrations.hikvision.simulator.video.annexb import (
    NAL_AUD,
    NAL_IDR,
    NAL_PPS,
    NAL_SEI,
    NAL_SPS,
    nal_type,
    split_annexb,
)
from integrations.hikvision.simulator.video.feed import StreamParameters

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast")


@dataclass(frozen=True, slots=True)
class VideoSettings:
    """Encoder and timeline settings of one camera's footage (validated on creation)."""

    width: int = 1280
    height: int = 720
    fps: int = 25
    gop_frames: int = 50
    chunk_seconds: int = 10
    preset: str = "ultrafast"
    crf: int = 28

    def __post_init__(self) -> None:
        if self.width < 64 or self.height < 64 or self.width % 2 or self.height % 2:
            raise ValueError("video width/height must be even and at least 64")
        if not 1 <= self.fps <= 60:
            raise ValueError("video fps must be 1..60")
        if self.gop_frames < 1 or (self.chunk_seconds * self.fps) % self.gop_frames:
            raise ValueError("a chunk must hold a whole number of GOPs (chunk_seconds*fps % gop)")
        if self.preset not in PRESETS:
            raise ValueError(f"video preset must be one of {PRESETS}")
        if not 0 <= self.crf <= 51:
            raise ValueError("video crf must be 0..51")

    @property
    def chunk_frames(self) -> int:
        return self.chunk_seconds * self.fps

    @property
    def gop_seconds(self) -> float:
        return self.gop_frames / self.fps

    def digest(self) -> str:
        """Short stable id of these settings (cache directories are keyed by it)."""
        text = repr((self.width, self.height, self.fps, self.gop_frames, self.preset, self.crf))
        return hashlib.sha1(text.encode()).hexdigest()[:10]  # noqa: S324 - an id, not security


@dataclass(frozen=True, slots=True)
class EncodedUnit:
    """One coded picture: NAL units without start codes; SPS+PPS lead every IDR."""

    keyframe: bool
    nal_units: tuple[bytes, ...]


def _open_encoder(settings: VideoSettings) -> VideoCodecContext:
    ctx = av.CodecContext.create("libx264", "w")
    assert isinstance(ctx, VideoCodecContext)
    ctx.width, ctx.height = settings.width, settings.height
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = Fraction(1, settings.fps)
    ctx.framerate = Fraction(settings.fps, 1)
    ctx.gop_size = settings.gop_frames
    gop = settings.gop_frames
    ctx.options = {
        "preset": settings.preset,
        "tune": "zerolatency",
        "crf": str(settings.crf),
        # Fixed GOP (no scene cuts), SPS/PPS before every IDR, one slice, one thread: the
        # bitstream is deterministic and every keyframe is a clean entry point.
        "x264-params": (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:repeat-headers=1"
            ":threads=1:sliced-threads=0:aud=0"
        ),
    }
    ctx.open()
    return ctx


def _units(packets: Iterable[Packet[Any]]) -> Iterator[EncodedUnit]:
    for packet in packets:
        nals = tuple(
            nal
            for nal in split_annexb(bytes(packet))
            if nal_type(nal) not in (NAL_SEI, NAL_AUD)  # x264's version banner, delimiters
        )
        keyframe = any(nal_type(nal) == NAL_IDR for nal in nals)
        yield EncodedUnit(keyframe, nals)


def encode(settings: VideoSettings, frames: Iterable[av.VideoFrame]) -> list[EncodedUnit]:
    """Encode ``frames`` (any pixel format) with a fresh encoder; one unit per frame."""
    ctx = _open_encoder(settings)
    out: list[EncodedUnit] = []
    for index, frame in enumerate(frames):
        frame.pts = index
        out.extend(_units(ctx.encode(frame)))
    out.extend(_units(ctx.encode(None)))
    return out


def parameter_sets(unit: EncodedUnit) -> tuple[bytes, bytes]:
    """(SPS, PPS) carried in-band by a keyframe unit."""
    sps = next((n for n in unit.nal_units if nal_type(n) == NAL_SPS), None)
    pps = next((n for n in unit.nal_units if nal_type(n) == NAL_PPS), None)
    if sps is None or pps is None:
        raise ValueError("keyframe without in-band SPS/PPS")
    return sps, pps


@lru_cache(maxsize=8)
def probe_parameters(settings: VideoSettings) -> StreamParameters:
    """The SPS/PPS every piece encoded with ``settings`` carries (encodes one black frame)."""
    black = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]  # untyped in PyAV 18
        Image.new("RGB", (settings.width, settings.height))
    )
    sps, pps = parameter_sets(encode(settings, [black])[0])
    return StreamParameters(
        sps=sps,
        pps=pps,
        width=settings.width,
        height=settings.height,
        fps=settings.fps,
        gop_frames=settings.gop_frames,
    )
