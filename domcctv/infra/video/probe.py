"""What a video file holds: size, codec, timing and where its keyframes are.

``probe`` demuxes every packet (cheap: no decoding, only reading) rather than trusting the
container header, because the header is exactly what is unreliable in recorder output: an
MPEG-PS has no duration field (FFmpeg estimates it from the bit rate) and no index, and a
truncated MP4 still announces all the frames its index lists. Counting packets gives an exact
duration and frame count, the true keyframe positions (which ``cut_clip`` snaps to) and the
video bit rate; a file whose index promises more frames than it holds is ``CORRUPT``.
It then decodes the first frame, so "probe succeeded" means "PyAV can actually decode this".
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

from domcctv.infra.video._source import Timed, decoded_frames, open_source, video_packets
from domcctv.infra.video.errors import MediaError, MediaErrorCode


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Facts about a file's (first) video stream.

    ``keyframe_times`` are offsets in seconds from the first frame (the same clock as the
    offsets given to ``cut_clip`` and ``thumbnail_jpeg``); ``start_time`` is the absolute PTS
    of that first frame in seconds, as the container states it.
    """

    duration_seconds: float
    width: int
    height: int
    codec: str
    fps: float
    bit_rate: int  # video payload bits per second, measured over the whole stream
    keyframe_times: tuple[float, ...]
    start_time: float
    frame_count: int
    has_b_frames: bool
    gop_frames: int  # the longest keyframe interval, in frames (1 for all-intra video)
    container_format: str


def probe(path: Path | str) -> MediaInfo:
    """Read every packet of ``path`` and describe its video; ``MediaError`` if unusable."""
    with open_source(path) as source:
        stream = source.stream
        keyframe_pts: list[int] = []
        keyframe_index: list[int] = []
        first_pts: int | None = None
        last_end: int | None = None
        total_bytes = 0
        count = 0
        first_keyframe: Timed | None = None
        for timed in video_packets(source):
            if timed.is_keyframe:
                keyframe_pts.append(timed.pts)
                keyframe_index.append(count)
            if first_keyframe is None and timed.is_keyframe:
                first_keyframe = timed
            first_pts = timed.pts if first_pts is None else min(first_pts, timed.pts)
            end = timed.pts + timed.duration
            last_end = end if last_end is None else max(last_end, end)
            total_bytes += timed.size
            count += 1
        name = source.path.name
        if count == 0 or first_pts is None or last_end is None:
            raise MediaError(MediaErrorCode.CORRUPT, f"{name}: the video stream holds no frames")
        if not keyframe_pts:
            raise MediaError(MediaErrorCode.CORRUPT, f"{name}: no keyframe, nothing decodable")
        if stream.frames and count < stream.frames:
            raise MediaError(
                MediaErrorCode.CORRUPT,
                f"{name}: truncated, its index lists {stream.frames} frames but holds {count}",
            )
        assert first_keyframe is not None  # keyframe_pts is not empty
        if next(decoded_frames(source, [first_keyframe]), None) is None:
            raise MediaError(MediaErrorCode.CORRUPT, f"{name}: the first keyframe does not decode")

        codec = stream.codec_context
        duration = float((last_end - first_pts) * source.time_base)
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else (count / duration if duration > 0 else 0.0)
        intervals = [b - a for a, b in pairwise([*keyframe_index, count])]
        return MediaInfo(
            duration_seconds=duration,
            width=codec.width,
            height=codec.height,
            codec=codec.name,
            fps=fps,
            bit_rate=round(total_bytes * 8 / duration) if duration > 0 else 0,
            keyframe_times=tuple(source.seconds(p) for p in keyframe_pts),
            start_time=float(Fraction(source.origin) * source.time_base),
            frame_count=count,
            has_b_frames=codec.has_b_frames > 0,
            gop_frames=max(intervals),
            container_format=source.container.format.name,
        )
