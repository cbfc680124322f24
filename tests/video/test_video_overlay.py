"""burn_overlay: the caption is in the pixels, the picture under it is the source's."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageChops
from video_samples import Samples, decoded_indices, read_index

from domcctv.infra.video import cut_clip, probe, thumbnail_jpeg
from domcctv.infra.video.overlay import box_position, burn_overlay, caption_box


def brightest(image: Image.Image) -> int:
    """The largest value of a greyscale difference image."""
    histogram = image.histogram()
    return max(value for value, count in enumerate(histogram) if count)


def still(path: Path, at: float) -> Image.Image:
    return Image.open(io.BytesIO(thumbnail_jpeg(path, at, quality=95))).convert("RGB")


def test_caption_is_burned_into_the_box_area_only(samples: Samples, tmp_path: Path) -> None:
    clip = cut_clip(samples.gop25, tmp_path / "clip.mp4", 4.0, 6.0).path
    asked: list[float] = []

    def lines_at(seconds: float) -> list[str]:
        asked.append(seconds)
        return [f"2025-03-01 10:15:{seconds:05.2f}", "PLATE ABCD12", "Gate North"]

    result = burn_overlay(clip, tmp_path / "export.mp4", lines_at)
    assert asked == [i / 25 for i in range(50)]  # once per frame, seconds into the clip
    assert probe(result.path).frame_count == 50
    assert (result.width, result.height) == (320, 180)
    assert [i for _, i in decoded_indices(result.path)] == list(range(100, 150))

    before, after = still(clip, 1.0), still(result.path, 1.0)
    box = caption_box(("2025-03-01 10:15:01.00", "PLATE ABCD12", "Gate North"), 180)
    left, top = box_position(180)
    area = (left, top, left + box.width, top + box.height)
    changed = ImageChops.difference(before.crop(area), after.crop(area)).convert("L")
    assert sum(changed.histogram()[61:]) > box.width * box.height // 10
    below = (0, top + box.height + 8, 320, 180)
    untouched = ImageChops.difference(before.crop(below), after.crop(below)).convert("L")
    assert brightest(untouched) < 60  # only re-encoding noise outside the box
    assert read_index(after) == 125


def test_no_lines_means_no_box(samples: Samples, tmp_path: Path) -> None:
    clip = cut_clip(samples.gop25, tmp_path / "clip.mp4", 2.0, 3.0).path
    result = burn_overlay(clip, tmp_path / "plain.mp4", lambda _: [])
    before, after = still(clip, 0.5), still(result.path, 0.5)
    assert brightest(ImageChops.difference(before, after).convert("L")) < 60
