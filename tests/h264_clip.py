"""Real H.264 access units for feed test doubles (the RTSP and live-view tests): noisy frames
from libx264, no B-frames, SPS/PPS in band on keyframes, split into NAL units."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import av

from integrations.hikvision.simulator.video.feed import StreamParameters


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream (3- or 4-byte start codes removed)."""
    out: list[bytes] = []
    for chunk in data.split(b"\x00\x00\x01"):
        nal = chunk.rstrip(b"\x00")
        if nal:
            out.append(nal)
    return out


@dataclass(frozen=True, slots=True)
class Clip:
    params: StreamParameters
    units: tuple[tuple[tuple[bytes, ...], bool], ...]  # (NAL units, keyframe) per frame

    @property
    def duration(self) -> float:
        return len(self.units) / self.params.fps


def encode_clip(
    seconds: float, *, seed: int, width: int = 320, height: int = 180, fps: int, gop: int
) -> Clip:
    """``seconds`` of noisy frames (noise makes keyframes large: FU-A fragmentation, full
    socket buffers) encoded with libx264 ultrafast/zerolatency."""
    rng = random.Random(seed)
    output = av.open(io.BytesIO(), "w", format="h264")
    stream = output.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "bf": "0",
        "g": str(gop),
        "keyint_min": str(gop),
        "sc_threshold": "0",
    }
    packets: list[tuple[bytes, bool]] = []
    for index in range(round(seconds * fps)):
        frame = av.VideoFrame(width, height, "yuv420p")
        frame.planes[0].update(rng.randbytes(frame.planes[0].buffer_size))
        frame.pts = index
        packets.extend((bytes(p), p.is_keyframe) for p in stream.encode(frame))
    packets.extend((bytes(p), p.is_keyframe) for p in stream.encode(None))
    output.close()
    sps = pps = b""
    units = []
    for data, key in packets:
        nals = split_annexb(data)
        for nal in nals:
            if nal[0] & 0x1F == 7:
                sps = nal
            elif nal[0] & 0x1F == 8:
                pps = nal
        units.append((tuple(nals), key))
    return Clip(StreamParameters(sps, pps, width, height, fps, gop), tuple(units))
