"""thumbnail_jpeg: the exact frame on screen at an instant, scaled, clamped to the clip."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from video_samples import FRAMES, Samples, read_index

from domcctv.infra.video import thumbnail_jpeg


def shown(jpeg: bytes) -> tuple[int, tuple[int, int]]:
    assert jpeg.startswith(b"\xff\xd8\xff")
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return read_index(image), image.size


@pytest.mark.parametrize("name", ["gop25", "bframes", "recorder_ps"])
@pytest.mark.parametrize(
    ("at", "frame"),
    [
        (0.0, 0),
        (0.04, 1),
        (3.32, 83),  # mid-GOP, not a keyframe
        (3.35, 83),  # between two frames: the one still on screen
        (3.359, 83),
        (3.36, 84),
        (7.99, 199),  # the last frame of a GOP (B-frame sample: deep in a 2 s GOP)
        (8.0, 200),  # a keyframe
        (11.96, 299),  # the last frame
    ],
)
def test_the_still_is_the_exact_frame_on_screen(
    samples: Samples, name: str, at: float, frame: int
) -> None:
    assert shown(thumbnail_jpeg(getattr(samples, name), at)) == (frame, (320, 180))


@pytest.mark.parametrize(("at", "frame"), [(12.5, FRAMES - 1), (1e6, FRAMES - 1), (-3.0, 0)])
def test_instants_outside_the_clip_clamp_to_its_ends(
    samples: Samples, at: float, frame: int
) -> None:
    assert shown(thumbnail_jpeg(samples.bframes, at))[0] == frame


def test_scaling_keeps_the_aspect_ratio_and_never_enlarges(samples: Samples) -> None:
    assert shown(thumbnail_jpeg(samples.gop25, 5.0, max_width=160)) == (125, (160, 90))
    assert shown(thumbnail_jpeg(samples.gop25, 5.0, max_width=1920))[1] == (320, 180)


def test_quality_trades_bytes(samples: Samples) -> None:
    low = thumbnail_jpeg(samples.gop25, 5.0, quality=20)
    high = thumbnail_jpeg(samples.gop25, 5.0, quality=95)
    assert len(low) < len(high)
    with pytest.raises(ValueError, match="quality"):
        thumbnail_jpeg(samples.gop25, 5.0, quality=0)
