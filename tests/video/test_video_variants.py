"""transcode_variant: smaller renditions that decode, keep timing and keep the source's GOP."""

from __future__ import annotations

from pathlib import Path

import pytest
from video_samples import FRAMES, Samples, decoded_indices, run_ffprobe, top_level_atoms

from domcctv.infra.video import (
    STANDARD_VARIANTS,
    Quality,
    probe,
    transcode_variant,
    variants_for,
)


@pytest.mark.parametrize(("name", "height", "width"), [("gop25", 120, 214), ("bframes", 90, 160)])
def test_variant_has_the_asked_height_and_the_sources_keyframes(
    samples: Samples, tmp_path: Path, name: str, height: int, width: int
) -> None:
    source = probe(getattr(samples, name))
    result = transcode_variant(getattr(samples, name), tmp_path / "v.mp4", height, 120_000)
    out = probe(result.path)
    assert (result.width, result.height) == (out.width, out.height) == (width, height)
    assert out.keyframe_times == pytest.approx(source.keyframe_times)  # GOP equal to the source
    assert out.gop_frames == source.gop_frames
    assert result.keyframe_count == len(source.keyframe_times)
    assert out.frame_count == result.frame_count == FRAMES
    assert result.duration_seconds == pytest.approx(12.0)
    assert [index for _, index in decoded_indices(result.path)] == list(range(FRAMES))
    atoms = top_level_atoms(result.path)
    assert atoms.index("moov") < atoms.index("mdat")
    checked = run_ffprobe(result.path)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert int(checked.stream()["height"]) == height


def test_bit_rate_target_is_honoured_roughly(samples: Samples, tmp_path: Path) -> None:
    lean = transcode_variant(samples.gop25, tmp_path / "lean.mp4", 180, 20_000)
    rich = transcode_variant(samples.gop25, tmp_path / "rich.mp4", 180, 400_000)
    assert lean.size_bytes < rich.size_bytes
    assert lean.bit_rate < 40_000


def test_odd_heights_are_refused(samples: Samples, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="even"):
        transcode_variant(samples.gop25, tmp_path / "v.mp4", 121, 100_000)


def test_standard_qualities_and_which_ones_a_source_gets() -> None:
    assert STANDARD_VARIANTS[Quality.MEDIUM].height == 480
    assert STANDARD_VARIANTS[Quality.LOW].height == 240
    assert [s.quality for s in variants_for(1080)] == [Quality.MEDIUM, Quality.LOW]
    assert [s.quality for s in variants_for(480)] == [Quality.LOW]
    assert variants_for(240) == []
