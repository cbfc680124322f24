"""A JPEG still of the exact frame displayed at a moment of a clip.

"The still of the frame the plate was read on" must be that frame, not the nearest keyframe:
the packets from the keyframe at or before ``at_seconds`` up to that moment are decoded (the
same span a cut would copy, see ``_gop``) and the last frame whose PTS is at or before the
moment is kept, i.e. the frame on screen at that instant. Offsets count from the clip's first
frame; an instant before it gives the first frame, one after the end the last frame.

Scaling goes through swscale (area averaging, which is what downscaling wants) straight to
RGB, honouring a non-square sample aspect ratio so the still has the displayed proportions;
small images are never enlarged. Pillow encodes the JPEG (PyAV's MJPEG encoder would need a
YUVJ format dance for the same bytes).
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

from av.video.frame import VideoFrame
from av.video.reformatter import Interpolation, VideoReformatter
from PIL import Image

from domcctv.infra.video._gop import span_packets
from domcctv.infra.video._source import Source, decoded_frames, open_source
from domcctv.infra.video.errors import MediaError, MediaErrorCode


def thumbnail_jpeg(
    src: Path | str, at_seconds: float, max_width: int = 640, quality: int = 80
) -> bytes:
    """JPEG bytes of the frame displayed ``at_seconds`` into ``src``, at most ``max_width`` wide."""
    if max_width < 2 or not 1 <= quality <= 100:
        raise ValueError("max_width must be >= 2 and quality within 1..100")
    with open_source(src) as source:
        frame = _frame_at(source, source.ticks(max(at_seconds, 0.0)))
        image = _scaled(source, frame, max_width)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _frame_at(source: Source, target: int) -> VideoFrame:
    """The frame on screen at ``target`` (a PTS): the latest one starting at or before it,
    else (``target`` before the first frame) the earliest decoded."""
    on_screen: tuple[int, VideoFrame] | None = None
    earliest: tuple[int, VideoFrame] | None = None
    for frame in decoded_frames(source, span_packets(source, target, target + 1)):
        pts = frame.pts
        if pts is None:
            continue
        if earliest is None or pts < earliest[0]:
            earliest = (pts, frame)
        if pts <= target and (on_screen is None or pts > on_screen[0]):
            on_screen = (pts, frame)
    chosen = on_screen or earliest
    if chosen is None:
        raise MediaError(MediaErrorCode.CORRUPT, f"{source.path.name}: no frame decodes there")
    return chosen[1]


def _scaled(source: Source, frame: VideoFrame, max_width: int) -> Image.Image:
    aspect = source.stream.codec_context.sample_aspect_ratio
    display_width = frame.width * (Fraction(aspect) if aspect else Fraction(1))
    width = min(max_width, max(2, round(display_width)))
    height = max(2, round(width * frame.height / display_width))
    rgb = VideoReformatter().reformat(
        frame, width=width, height=height, format="rgb24", interpolation=Interpolation.AREA
    )
    image: Image.Image = rgb.to_image()  # type: ignore[no-untyped-call]  # untyped in PyAV 18
    return image
