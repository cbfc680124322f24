"""Cutting a span out of a recording, and re-wrapping a recorder's file, without re-encoding.

Evidence clips are **stream copies**: the bytes of every frame are the camera's own, so a clip
is as good as its source, costs no CPU, and takes milliseconds. The price is that a copy can
only start on a keyframe, hence the span rules of ``cut_clip``:

* **Start**: the last keyframe at or before ``start_offset`` (the clip may begin up to one GOP
  early, never late). The returned ``start_offset`` is where it really starts.
* **End**: the cut stops at the first packet past ``end_offset`` rather than completing the
  GOP, so a clip is never up to a GOP too long. Frames are kept if they *start* before
  ``end_offset`` (half-open ``[start, end)``). With B-frames a frame displayed before
  ``end_offset`` can reference one displayed after it (decode order differs from display
  order); such reference frames are kept, so a B-frame clip may run a frame or two (the
  reorder depth) past ``end_offset``. Trailing frames nobody references are dropped.
* Timestamps are rebased so the first displayed frame is at 0. With B-frames the first DTS is
  then negative, which MP4 expresses with an edit list; players and FFmpeg show 0.
* Only the first video stream is copied: audio from cameras is not part of the evidence
  model, and a single-track MP4 is what the HLS packager expects.
* A span holding no frame (start beyond the end, end before the first keyframe) raises
  ``MediaError(EMPTY_RANGE)`` and leaves nothing at ``dst``.
* A damaged packet inside the span raises ``CORRUPT`` (half a frame is never copied into
  evidence); an intact span of a damaged recording (say, one truncated by a power cut) is
  still cut, which salvages what the recorder did write.
* ``end_offset=math.inf`` means "to the end of the recording".

Finding the span (seeking, keyframe snapping) is shared with thumbnails, in ``_gop``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from domcctv.infra.video._gop import span_packets
from domcctv.infra.video._output import MP4_OPTIONS, atomic_output, file_facts, muxer
from domcctv.infra.video._source import Source, Timed, from_first_keyframe, open_source, shifted
from domcctv.infra.video.errors import MediaError, MediaErrorCode, writing


@dataclass(frozen=True, slots=True)
class CutResult:
    """The clip as written: real span in source offsets, and its facts for storage."""

    path: Path
    start_offset: float  # where the clip really starts (a keyframe), seconds into the source
    end_offset: float  # start_offset + duration_seconds
    duration_seconds: float
    frame_count: int
    sha256: str
    size_bytes: int
    width: int
    height: int
    codec: str


def cut_clip(src: Path | str, dst: Path | str, start_offset: float, end_offset: float) -> CutResult:
    """Copy ``[start_offset, end_offset)`` (seconds from the source's first frame) to ``dst``."""
    if math.isnan(start_offset) or math.isnan(end_offset):
        raise ValueError("offsets must be numbers, not NaN")
    if not end_offset > start_offset:
        raise MediaError(
            MediaErrorCode.EMPTY_RANGE, f"end {end_offset} is not after start {start_offset}"
        )
    with open_source(src) as source:
        wanted = (source.ticks(max(start_offset, 0.0)), source.ticks(end_offset))
        return _write_mp4(source, span_packets(source, *wanted), Path(dst), wanted)


def remux_to_mp4(src: Path | str, dst: Path | str) -> CutResult:
    """Re-wrap a whole recording (MPEG-PS, MP4, ...) as fast-start MP4, from its first keyframe."""
    with open_source(src) as source:
        return _write_mp4(source, from_first_keyframe(source), Path(dst), None)


def _overlaps(timed: Timed, start_tick: int, end_tick: int) -> bool:
    return start_tick < timed.pts + timed.duration and timed.pts < end_tick


def _write_mp4(
    source: Source, packets: Iterable[Timed], dst: Path, wanted: tuple[int, int] | None
) -> CutResult:
    codec = source.stream.codec_context
    shift: int | None = None
    end = count = in_range = 0
    with atomic_output(dst) as tmp, muxer(tmp, dst, "mp4", MP4_OPTIONS) as output:
        with writing(dst):
            stream = output.add_stream_from_template(source.stream)
            stream.time_base = source.stream.time_base
            for timed in packets:
                shift = timed.pts if shift is None else shift
                if wanted is None or (
                    wanted[0] < timed.pts + timed.duration and timed.pts < wanted[1]
                ):
                    in_range += 1
                end = max(end, timed.pts + timed.duration)
                count += 1
                output.mux(shifted(timed, shift, stream))
        if shift is None or in_range == 0:
            raise MediaError(
                MediaErrorCode.EMPTY_RANGE, f"{source.path.name}: the span holds no frame"
            )
    duration = float((end - shift) * source.time_base)
    start = source.seconds(shift)
    facts = file_facts(dst)
    return CutResult(
        path=dst,
        start_offset=start,
        end_offset=start + duration,
        duration_seconds=duration,
        frame_count=count,
        sha256=facts.sha256,
        size_bytes=facts.size_bytes,
        width=codec.width,
        height=codec.height,
        codec=codec.name,
    )
