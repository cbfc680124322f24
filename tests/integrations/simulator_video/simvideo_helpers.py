"""Helpers shared by the simulator video tests: config, time alignment, decoding."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import av
from av.video.codeccontext import VideoCodecContext
from PIL import Image, ImageChops, ImageStat

from integrations.hikvision.simulator import SiteConfig
from integrations.hikvision.simulator.video.annexb import join_annexb
from integrations.hikvision.simulator.video.feed import AccessUnit

CHUNK_SECONDS = 4
GOP_FRAMES = 50
FPS = 25
FFPROBE = "/usr/bin/ffprobe"
FFMPEG = "/usr/bin/ffmpeg"


def small_config(**overrides: object) -> SiteConfig:
    """One camera, 320x180, 4 s chunks of two 2 s GOPs, 1-minute search segments."""
    values: dict[str, object] = {
        "cameras": 1,
        "seed": 99,
        "create_lag": (0.0, 0.0),
        "misread_rate": 0.0,
        "unknown_rate": 0.0,
        "low_confidence_rate": 0.0,
        "video_width": 320,
        "video_height": 180,
        "video_fps": FPS,
        "video_gop_frames": GOP_FRAMES,
        "video_chunk_seconds": CHUNK_SECONDS,
        "segment_minutes": 1,
        "recording_hours": 1.0,
    }
    values.update(overrides)
    return SiteConfig(**values)  # type: ignore[arg-type]


def aligned_past(seconds_ago: int) -> datetime:
    """A chunk-aligned instant about ``seconds_ago`` in the past (whole seconds, UTC)."""
    now = int(datetime.now(UTC).timestamp())
    return datetime.fromtimestamp((now - seconds_ago) // CHUNK_SECONDS * CHUNK_SECONDS, UTC)


async def collect(units: object) -> list[AccessUnit]:
    return [unit async for unit in units]  # type: ignore[attr-defined]


def decode_units(units: Sequence[AccessUnit]) -> list[Image.Image]:
    """Decode bare units as one Annex-B stream; raises on any decoder error."""
    decoder = av.CodecContext.create("h264", "r")
    assert isinstance(decoder, VideoCodecContext)
    images: list[Image.Image] = []
    for unit in units:
        packet = av.Packet(join_annexb(unit.nal_units))
        images.extend(frame.to_image() for frame in decoder.decode(packet))  # type: ignore[no-untyped-call]
    images.extend(frame.to_image() for frame in decoder.decode(None))  # type: ignore[no-untyped-call]
    return images


def difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean absolute pixel difference of two frames inside ``box``."""
    diff = ImageChops.difference(a.crop(box).convert("L"), b.crop(box).convert("L"))
    return float(ImageStat.Stat(diff).mean[0])


async def ffprobe(path: Path) -> dict[str, object]:
    process = await asyncio.create_subprocess_exec(
        FFPROBE, "-v", "error", "-count_frames", "-print_format", "json",
        "-show_format", "-show_streams", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert err == b"", err.decode()
    result: dict[str, object] = json.loads(out)
    return result


async def ffmpeg_decode_errors(path: Path) -> str:
    """Everything ffmpeg complains about while decoding the whole file ("" when clean)."""
    process = await asyncio.create_subprocess_exec(
        FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    return err.decode() + ("" if process.returncode == 0 else f"exit {process.returncode}")


def files_in(directory: Path) -> list[str]:
    """Names in ``directory`` (downloads must leave no partial file behind)."""
    return sorted(p.name for p in directory.iterdir())
