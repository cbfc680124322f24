"""Packaging a clip for browser playback as fMP4 HLS (VOD), by stream copy.

fMP4 segments (``init.mp4`` + ``.m4s``) rather than MPEG-TS: they carry the same bytes as the
MP4 evidence clip, play natively in Safari and through hls.js/MSE everywhere else without
transmuxing, and HLS version 7 is what ``EXT-X-MAP`` needs. FFmpeg's own HLS muxer does the
work (``hls_segment_type=fmp4``, ``hls_playlist_type=vod``, ``hls_flags=independent_segments``)
from copied packets, so a segment can only begin at a keyframe: the muxer cuts at the first
keyframe at or after each multiple of ``target_segment_seconds``. Segment lengths therefore
vary by up to one GOP around the target, and ``EXT-X-TARGETDURATION`` (the longest segment,
rounded) can exceed the target when the source's GOP does not divide it. Nothing is
re-encoded (no CPU cost, no quality loss); adaptive variants come from ``transcode_variant``
outputs packaged the same way.

The package is built in a hidden sibling directory and renamed onto ``out_dir`` only once the
playlist has been checked (version, map, VOD type, end list, and that every URI is a bare
relative file name that exists), so a web server never serves half a package. The playlist
refers to files by relative name only, so the directory can be moved or served from any URL
prefix.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from domcctv.infra.video._output import muxer
from domcctv.infra.video._source import from_first_keyframe, open_source, shifted
from domcctv.infra.video.errors import MediaError, MediaErrorCode, writing

PLAYLIST_NAME = "index.m3u8"
INIT_NAME = "init.mp4"
SEGMENT_PATTERN = "seg_%05d.m4s"
_MAP = re.compile(r'#EXT-X-MAP:URI="([^"]+)"')
_TARGET = "#EXT-X-TARGETDURATION:"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class HlsSegment:
    """One media segment as the playlist lists it."""

    name: str  # relative to the playlist
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class HlsResult:
    """The package on disk: serve ``directory`` as static files, start at ``playlist``."""

    directory: Path
    playlist: Path
    init: Path
    segments: tuple[HlsSegment, ...]
    target_duration: int
    duration_seconds: float
    size_bytes: int  # playlist + init + segments


def package_hls(
    src_mp4: Path | str, out_dir: Path | str, target_segment_seconds: float = 4
) -> HlsResult:
    """Write ``out_dir/index.m3u8``, ``init.mp4`` and ``seg_NNNNN.m4s`` from ``src_mp4``.

    ``out_dir`` must not exist yet (or be empty); it is created atomically.
    """
    if target_segment_seconds <= 0:
        raise ValueError("target_segment_seconds must be positive")
    out_dir = Path(out_dir)
    work = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(6)}.part")
    try:
        with writing(out_dir):
            work.mkdir(parents=True)
        _mux(Path(src_mp4), work, target_segment_seconds, out_dir)
        result = _check(work)
        with writing(out_dir):
            os.rename(work, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return replace(
        result,
        directory=out_dir,
        playlist=out_dir / result.playlist.name,
        init=out_dir / result.init.name,
    )


def _mux(src: Path, work: Path, target: float, out_dir: Path) -> None:
    options = {
        "hls_time": f"{target:g}",
        "hls_segment_type": "fmp4",
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_list_size": "0",
        "hls_fmp4_init_filename": INIT_NAME,
        "hls_segment_filename": str(work / SEGMENT_PATTERN),
    }
    with open_source(src) as source, muxer(work / PLAYLIST_NAME, out_dir, "hls", options) as output:
        with writing(out_dir):
            stream = output.add_stream_from_template(source.stream)
            stream.time_base = source.stream.time_base
            shift: int | None = None
            for timed in from_first_keyframe(source):
                shift = timed.pts if shift is None else shift
                output.mux(shifted(timed, shift, stream))
        if shift is None:
            raise MediaError(MediaErrorCode.EMPTY_RANGE, f"{source.path.name}: no frame to package")


def _check(work: Path) -> HlsResult:
    """Parse and validate the playlist FFmpeg wrote; refuse anything a player could trip on."""
    playlist = work / PLAYLIST_NAME
    lines = playlist.read_text(encoding="utf-8").splitlines()
    required = ("#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST")
    missing = [tag for tag in required if tag not in lines]
    maps = [m.group(1) for line in lines if (m := _MAP.fullmatch(line))]
    targets = [int(line[len(_TARGET) :]) for line in lines if line.startswith(_TARGET)]
    segments: list[HlsSegment] = []
    pending: float | None = None
    for line in lines:
        if line.startswith("#EXTINF:"):
            pending = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#"):
            if pending is None:
                missing.append(f"#EXTINF before {line}")
            segments.append(HlsSegment(line, pending or 0.0))
            pending = None
    if missing or len(maps) != 1 or len(targets) != 1 or not segments:
        raise MediaError(
            MediaErrorCode.OUTPUT_FAILED,
            f"unexpected HLS playlist (missing {missing}, maps {maps}, targets {targets})",
        )
    names = [maps[0], *(s.name for s in segments)]
    bad = [n for n in names if not _SAFE_NAME.fullmatch(n) or not (work / n).is_file()]
    if bad:
        raise MediaError(MediaErrorCode.OUTPUT_FAILED, f"HLS URIs not local relative files: {bad}")
    size = sum((work / n).stat().st_size for n in [PLAYLIST_NAME, *names])
    return HlsResult(
        directory=work,
        playlist=playlist,
        init=work / maps[0],
        segments=tuple(segments),
        target_duration=targets[0],
        duration_seconds=sum(s.duration_seconds for s in segments),
        size_bytes=size,
    )
