"""Real H.264 test media for the clip tests, made with PyAV (no binary files in the repo)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from integrations.hikvision.simulator import SiteConfig

FPS = 25
SECONDS = 4


def write_h264(path: Path, seconds: int = SECONDS, width: int = 320, height: int = 180) -> None:
    """A short clip whose frames change colour every second (keyframe every second)."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"g": str(FPS), "bf": "0", "preset": "ultrafast"}
        stream.codec_context.time_base = Fraction(1, FPS)
        for index in range(seconds * FPS):
            colour = [(200, 0, 0), (0, 200, 0), (0, 0, 200)][index // FPS % 3]
            frame = av.VideoFrame.from_image(Image.new("RGB", (width, height), colour))
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def small_site(seed: int = 7) -> SiteConfig:
    """One simulated camera with cheap footage: 320x180, 2 s GOP, 4 s chunks, 1-minute search
    segments, an hour of history; pushes nothing by itself."""
    return SiteConfig(
        cameras=1,
        seed=seed,
        push_enabled=False,
        video_width=320,
        video_height=180,
        video_fps=25,
        video_gop_frames=50,
        video_chunk_seconds=4,
        segment_minutes=1,
        recording_hours=1.0,
    )
