"""Helpers for the video tests: sample encoding and ways to look inside what the toolkit made.

Every frame shows its own index in binary: ten vertical stripes, white for a 1 bit (stripe 0
is the least significant). Reading the stripes of a decoded frame tells exactly which source
frame it is, so cuts, thumbnails and HLS segments are checked frame by frame, not just by
counts. Stripes are full height and read low in the frame, below any caption box.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image, ImageDraw

WIDTH, HEIGHT, FPS, FRAMES = 320, 180, 25, 300
STRIPES = 10
FFPROBE = "/usr/bin/ffprobe"


@dataclass(frozen=True)
class Samples:
    """The session's source files (see conftest)."""

    gop25: Path
    bframes: Path
    recorder_ps: Path
    gop25_faststart: Path  # the same frames as gop25, index first
    audio_only: Path


def index_image(index: int, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    stripe = width // STRIPES
    for bit in range(STRIPES):
        if (index >> bit) & 1:
            draw.rectangle([bit * stripe, 0, (bit + 1) * stripe - 1, height - 1], fill="white")
    return image


def read_index(image: Image.Image) -> int:
    """The frame index shown by ``image`` (any size: stripes are read at relative positions)."""
    grey = image.convert("L")
    width, height = grey.size
    y = height * 3 // 4  # below any caption box
    bits = [grey.getpixel((int((bit + 0.5) * width / STRIPES), y)) for bit in range(STRIPES)]
    return sum(1 << bit for bit, value in enumerate(bits) if isinstance(value, int) and value > 128)


def encode_sample(
    path: Path, container_format: str, gop: int, bframes: int, options: dict[str, str] | None = None
) -> None:
    with av.open(str(path), "w", format=container_format, options=options or {}) as output:
        stream = output.add_stream(
            "libx264",
            rate=FPS,
            options={
                "preset": "veryfast",
                "crf": "18",
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}",
            },
        )
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(FRAMES):
            frame = av.VideoFrame.from_image(index_image(index))  # type: ignore[no-untyped-call]
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


def encode_audio_only(path: Path) -> None:
    with av.open(str(path), "w", format="wav") as output:
        stream = output.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame(format="s16", layout="mono", samples=800)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 8000
        frame.pts = 0
        output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


@dataclass(frozen=True)
class FfprobeRun:
    returncode: int
    stderr: str
    report: dict[str, object]

    def stream(self) -> dict[str, str]:
        streams = self.report.get("streams")
        assert isinstance(streams, list)
        assert len(streams) == 1
        first = streams[0]
        assert isinstance(first, dict)
        return first


def top_level_atoms(path: Path) -> list[str]:
    """Names of the top-level MP4 boxes in file order."""
    data = path.read_bytes()
    names, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        name = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        names.append(name)
        offset += size
    return names


def decoded_indices(path: Path) -> list[tuple[float, int]]:
    """(time in seconds, frame index shown) for every frame PyAV decodes from ``path``."""
    seen = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            assert frame.time is not None
            seen.append((frame.time, read_index(frame.to_image())))  # type: ignore[no-untyped-call]
    return seen


def run_ffprobe(path: Path, *extra: str) -> FfprobeRun:
    """The system ffprobe (an independent FFmpeg build) on ``path``, counting video frames."""
    argv = [FFPROBE, "-v", "error", *extra, "-count_frames", "-select_streams", "v:0"]
    argv += ["-show_entries", "stream=nb_read_frames,codec_name,width,height,start_time"]
    argv += ["-of", "json", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    return FfprobeRun(done.returncode, done.stderr, json.loads(done.stdout or "{}"))
