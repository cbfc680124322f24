"""package_hls: fMP4 VOD playlists whose segments start on keyframes and decode end to end."""

from __future__ import annotations

import math
from pathlib import Path

import av
import pytest
from video_samples import FRAMES, Samples, decoded_indices, run_ffprobe

from domcctv.infra.video import MediaError, MediaErrorCode, package_hls, probe, remux_to_mp4


@pytest.fixture(params=["gop25", "bframes"])
def clip(request: pytest.FixtureRequest, samples: Samples, tmp_path: Path) -> Path:
    """A whole-recording MP4 as the cut step produces it."""
    return remux_to_mp4(getattr(samples, request.param), tmp_path / "clip.mp4").path


def test_playlist_is_vod_fmp4_with_relative_uris(clip: Path, tmp_path: Path) -> None:
    result = package_hls(clip, tmp_path / "hls", target_segment_seconds=4)
    lines = result.playlist.read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    for tag in ("#EXT-X-VERSION:7", "#EXT-X-PLAYLIST-TYPE:VOD", '#EXT-X-MAP:URI="init.mp4"'):
        assert tag in lines
    assert lines[-1] == "#EXT-X-ENDLIST"
    uris = [line for line in lines if line and not line.startswith("#")]
    assert uris == [segment.name for segment in result.segments]
    assert all("/" not in uri and ":" not in uri for uri in uris)
    durations = [float(line[8:].rstrip(",")) for line in lines if line.startswith("#EXTINF:")]
    target = int(next(line for line in lines if line.startswith("#EXT-X-TARGETDURATION:"))[22:])
    assert target == result.target_duration >= math.ceil(max(durations) - 0.5)
    assert sum(durations) == pytest.approx(12.0)
    assert len(durations) == 3  # 4 s target, keyframes every 1 s or 2 s
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(
        ["index.m3u8", "init.mp4", *uris]
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_each_segment_starts_on_a_keyframe_and_decodes_with_init(
    clip: Path, tmp_path: Path
) -> None:
    result = package_hls(clip, tmp_path / "hls")
    init = result.init.read_bytes()
    shown: list[int] = []
    for segment in result.segments:
        joined = tmp_path / f"joined-{segment.name}.mp4"
        joined.write_bytes(init + (result.directory / segment.name).read_bytes())
        with av.open(str(joined)) as container:
            first = next(p for p in container.demux(video=0) if p.size)
            assert first.is_keyframe
        indices = [index for _, index in decoded_indices(joined)]
        assert indices == list(range(indices[0], indices[0] + len(indices)))
        assert len(indices) / 25 == pytest.approx(segment.duration_seconds)
        shown += indices
        checked = run_ffprobe(joined)
        assert (checked.returncode, checked.stderr) == (0, "")
        assert int(checked.stream()["nb_read_frames"]) == len(indices)
    assert shown == list(range(FRAMES))


def test_playlist_decodes_end_to_end_with_pyav_and_ffprobe(clip: Path, tmp_path: Path) -> None:
    result = package_hls(clip, tmp_path / "hls")
    with av.open(str(result.playlist)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == probe(clip).frame_count == FRAMES
    checked = run_ffprobe(result.playlist)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert int(checked.stream()["nb_read_frames"]) == FRAMES


def test_segments_end_at_keyframes_after_the_target(samples: Samples, tmp_path: Path) -> None:
    """2.5 s targets on a 1 s GOP: cuts at the first keyframe after each multiple."""
    result = package_hls(samples.gop25, tmp_path / "hls", target_segment_seconds=2.5)
    assert [s.duration_seconds for s in result.segments] == pytest.approx([3, 2, 3, 2, 2])
    assert result.target_duration == 3


def test_an_existing_package_is_never_overwritten(samples: Samples, tmp_path: Path) -> None:
    out = tmp_path / "hls"
    out.mkdir()
    (out / "index.m3u8").write_text("#EXTM3U\nkeep me\n")
    with pytest.raises(MediaError) as caught:
        package_hls(samples.gop25, out)
    assert caught.value.code is MediaErrorCode.OUTPUT_FAILED
    assert (out / "index.m3u8").read_text() == "#EXTM3U\nkeep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hls"]  # work directory removed
