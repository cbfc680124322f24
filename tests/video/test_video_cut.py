"""cut_clip / remux_to_mp4: keyframe-aligned stream copies, rebased, fast-start, verifiable."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import av
import pytest
from video_samples import FPS, Samples, decoded_indices, run_ffprobe, top_level_atoms

from domcctv.infra.video import MediaError, MediaErrorCode, cut_clip, probe, remux_to_mp4

FRAME = 1 / FPS


def packet_payloads(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


CASES = [
    ("gop25", 3.3, 5.5),
    ("gop25", 0.0, 1.0),
    ("gop25", 7.0, 9.0),  # starts exactly on a keyframe
    ("gop25", 10.5, 30.0),  # runs past the end
    ("bframes", 3.3, 5.5),
    ("bframes", 5.0, 5.2),
    ("recorder_ps", 3.3, 5.5),
    ("recorder_ps", -2.0, 0.5),
]


@pytest.mark.parametrize(("name", "start", "end"), CASES)
def test_cut_starts_on_a_keyframe_and_covers_the_span(
    samples: Samples, tmp_path: Path, name: str, start: float, end: float
) -> None:
    source = getattr(samples, name)
    info = probe(source)
    gop = info.gop_frames * FRAME
    clip = cut_clip(source, tmp_path / "clip.mp4", start, end)

    # The start is the last keyframe at or before the asked start.
    assert any(clip.start_offset == pytest.approx(k) for k in info.keyframe_times)
    assert clip.start_offset <= max(start, 0.0) + 1e-9
    assert clip.start_offset > start - gop
    # The end covers the span, and overshoots it by less than a GOP (B-frames: reorder depth).
    reorder = 3 * FRAME if info.has_b_frames else FRAME
    assert clip.end_offset >= min(end, info.duration_seconds) - 1e-9
    assert clip.end_offset <= min(end, info.duration_seconds) + reorder + 1e-9
    assert clip.duration_seconds == pytest.approx(clip.end_offset - clip.start_offset)
    assert clip.duration_seconds <= (min(end, info.duration_seconds) - max(start, 0)) + gop

    # Frame by frame: the clip shows exactly the source frames from the keyframe on, from t=0.
    seen = decoded_indices(clip.path)
    first = round(clip.start_offset * FPS)
    assert [index for _, index in seen] == list(range(first, first + clip.frame_count))
    assert seen[0][0] == 0.0
    out = probe(clip.path)
    assert (out.start_time, out.keyframe_times[0], out.frame_count) == (0.0, 0.0, clip.frame_count)
    assert (clip.width, clip.height, clip.codec) == (320, 180, "h264")


def test_cut_is_a_stream_copy_with_a_verifiable_faststart_file(
    samples: Samples, tmp_path: Path
) -> None:
    clip = cut_clip(samples.bframes, tmp_path / "clip.mp4", 2.5, 6.1)
    data = clip.path.read_bytes()
    assert clip.sha256 == hashlib.sha256(data).hexdigest()
    assert clip.size_bytes == len(data)
    atoms = top_level_atoms(clip.path)
    assert atoms.index("moov") < atoms.index("mdat")  # fast start: index before the media
    # Stream copy: the source's packets from the keyframe on, byte for byte, in decode order.
    copied = packet_payloads(clip.path)
    source = packet_payloads(samples.bframes)
    first = source.index(copied[0])
    assert copied == source[first : first + len(copied)]

    checked = run_ffprobe(clip.path)
    assert checked.returncode == 0
    assert checked.stderr == ""
    assert int(checked.stream()["nb_read_frames"]) == clip.frame_count
    assert float(checked.stream()["start_time"]) == 0.0
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]  # no temporary left behind


@pytest.mark.parametrize(("start", "end"), [(12.5, 14.0), (30.0, 31.0), (4.0, 4.0), (5.0, 3.0)])
def test_a_cut_without_frames_is_refused_and_writes_nothing(
    samples: Samples, tmp_path: Path, start: float, end: float
) -> None:
    with pytest.raises(MediaError) as caught:
        cut_clip(samples.gop25, tmp_path / "clip.mp4", start, end)
    assert caught.value.code is MediaErrorCode.EMPTY_RANGE
    assert list(tmp_path.iterdir()) == []


def test_remux_wraps_a_recorder_stream_as_faststart_mp4(samples: Samples, tmp_path: Path) -> None:
    result = remux_to_mp4(samples.recorder_ps, tmp_path / "whole.mp4")
    assert (result.start_offset, result.frame_count) == (0.0, 300)
    assert result.duration_seconds == pytest.approx(12.0)
    assert [index for _, index in decoded_indices(result.path)] == list(range(300))
    atoms = top_level_atoms(result.path)
    assert atoms.index("moov") < atoms.index("mdat")
    checked = run_ffprobe(result.path)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert int(checked.stream()["nb_read_frames"]) == 300


def test_remux_of_an_mp4_keeps_every_frame_and_b_frame_order(
    samples: Samples, tmp_path: Path
) -> None:
    result = remux_to_mp4(samples.bframes, tmp_path / "whole.mp4")
    assert [index for _, index in decoded_indices(result.path)] == list(range(300))
    assert probe(result.path).has_b_frames


def test_an_open_ended_cut_runs_to_the_end_into_a_new_directory(
    samples: Samples, tmp_path: Path
) -> None:
    clip = cut_clip(samples.bframes, tmp_path / "new" / "dir" / "tail.mp4", 7.0, math.inf)
    assert (clip.start_offset, clip.end_offset, clip.frame_count) == (6.0, 12.0, 150)
    with pytest.raises(ValueError, match="NaN"):
        cut_clip(samples.bframes, tmp_path / "nan.mp4", math.nan, 3.0)
