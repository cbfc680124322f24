"""probe(): exact facts from reading every packet, and typed errors for unusable files."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from video_samples import FRAMES, Samples

from domcctv.infra.video import (
    MediaError,
    MediaErrorCode,
    cut_clip,
    package_hls,
    probe,
    remux_to_mp4,
    thumbnail_jpeg,
    transcode_variant,
)


def test_probe_reports_the_streams_facts(samples: Samples) -> None:
    info = probe(samples.gop25)
    assert (info.width, info.height, info.codec, info.fps) == (320, 180, "h264", 25.0)
    assert info.duration_seconds == pytest.approx(12.0)
    assert info.frame_count == FRAMES
    assert info.keyframe_times == pytest.approx([float(s) for s in range(12)])
    assert info.start_time == 0.0
    assert info.gop_frames == 25
    assert not info.has_b_frames
    assert 0 < info.bit_rate <= samples.gop25.stat().st_size * 8 / 12
    assert info.container_format.startswith("mov")


def test_probe_sees_b_frames_and_long_gops(samples: Samples) -> None:
    info = probe(samples.bframes)
    assert info.has_b_frames
    assert info.frame_count == FRAMES
    assert info.keyframe_times == pytest.approx([0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
    assert info.gop_frames == 50
    assert info.duration_seconds == pytest.approx(12.0)


def test_probe_measures_a_recorder_program_stream(samples: Samples) -> None:
    """MPEG-PS has no duration field and stamps few packets: the probe still counts exactly,
    and offsets count from the first frame although the stream clock starts at 0.5 s."""
    info = probe(samples.recorder_ps)
    assert info.container_format == "mpeg"
    assert info.start_time == pytest.approx(0.5)
    assert info.keyframe_times[:3] == pytest.approx([0.0, 1.0, 2.0])
    assert info.frame_count == FRAMES
    assert info.duration_seconds == pytest.approx(12.0)


@pytest.mark.parametrize(
    "name",
    [
        "truncated_mp4_index_lost",
        "truncated_mp4_frames_lost",
        "truncated_ps",
        "random_bytes",
        "empty",
    ],
)
def test_broken_files_are_corrupt_not_a_crash(corrupt_inputs: dict[str, Path], name: str) -> None:
    with pytest.raises(MediaError) as caught:
        probe(corrupt_inputs[name])
    assert caught.value.code is MediaErrorCode.CORRUPT
    assert corrupt_inputs[name].name in caught.value.message


def test_missing_file_and_audio_only_file_have_their_own_codes(
    samples: Samples, tmp_path: Path
) -> None:
    with pytest.raises(MediaError) as missing:
        probe(tmp_path / "nope.mp4")
    assert missing.value.code is MediaErrorCode.NOT_FOUND
    with pytest.raises(MediaError) as audio:
        probe(samples.audio_only)
    assert audio.value.code is MediaErrorCode.NO_VIDEO


OPERATIONS: dict[str, Callable[[Path, Path], Any]] = {
    "cut_clip": lambda src, out: cut_clip(src, out / "clip.mp4", 8.0, 11.0),
    "remux_to_mp4": lambda src, out: remux_to_mp4(src, out / "clip.mp4"),
    "package_hls": lambda src, out: package_hls(src, out / "hls"),
    "thumbnail_jpeg": lambda src, _: thumbnail_jpeg(src, 10.0),
    "transcode_variant": lambda src, out: transcode_variant(src, out / "low.mp4", 90, 50_000),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize(
    "name", ["truncated_mp4_index_lost", "truncated_mp4_frames_lost", "random_bytes"]
)
def test_every_operation_refuses_broken_input_and_leaves_nothing(
    corrupt_inputs: dict[str, Path], tmp_path: Path, operation: str, name: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MediaError) as caught:
        OPERATIONS[operation](corrupt_inputs[name], out)
    assert caught.value.code is MediaErrorCode.CORRUPT
    assert list(out.iterdir()) == []  # no partial clip, no temporary file


def test_an_intact_span_of_a_truncated_recording_is_still_cut(
    corrupt_inputs: dict[str, Path], tmp_path: Path
) -> None:
    """Salvage: the frames before the damage are whole, so evidence there is still usable
    (the spans above reach into the missing part and are refused)."""
    clip = cut_clip(corrupt_inputs["truncated_mp4_frames_lost"], tmp_path / "c.mp4", 1.0, 3.0)
    assert clip.frame_count == 50
    assert probe(clip.path).frame_count == 50


def test_media_errors_survive_pickling_with_their_code() -> None:
    """Task queues and process pools pickle exceptions; the code must come back intact."""
    pickled = pickle.dumps(MediaError(MediaErrorCode.CORRUPT, "clip.mp4: bad"))
    error = pickle.loads(pickled)  # noqa: S301 - our own bytes
    assert (error.code, error.message) == (MediaErrorCode.CORRUPT, "clip.mp4: bad")
