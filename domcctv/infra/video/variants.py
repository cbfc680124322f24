"""Lower-quality renditions of a clip for slow links: the standard qualities and the encoder.

``HIGH`` is the original stream copy (never re-encoded: it is the evidence). ``MEDIUM`` and
``LOW`` are H.264 re-encodes (libx264, ``veryfast``, keyframes exactly where the source has
them, fast-start MP4; see ``_reencode`` for why). Bit rates follow common HLS ladders for
these sizes, lowered a little because surveillance scenes are mostly static. A variant is only
worth making when it is smaller than the source, hence ``variants_for``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from domcctv.infra.video._reencode import EncodeResult, reencode


class Quality(StrEnum):
    HIGH = "HIGH"  # the source itself
    MEDIUM = "MEDIUM"
    LOW = "LOW"


@dataclass(frozen=True, slots=True)
class VariantSpec:
    quality: Quality
    height: int
    video_bitrate: int  # bits per second


STANDARD_VARIANTS: dict[Quality, VariantSpec] = {
    Quality.MEDIUM: VariantSpec(Quality.MEDIUM, height=480, video_bitrate=900_000),
    Quality.LOW: VariantSpec(Quality.LOW, height=240, video_bitrate=300_000),
}

VariantResult = EncodeResult


def variants_for(source_height: int) -> list[VariantSpec]:
    """The standard re-encoded qualities worth making for a source of ``source_height`` lines
    (never upscale, never re-encode to the same size)."""
    return [spec for spec in STANDARD_VARIANTS.values() if spec.height < source_height]


def transcode_variant(
    src: Path | str, dst: Path | str, height: int, video_bitrate: int
) -> VariantResult:
    """Re-encode ``src`` at ``height`` lines (width keeps the displayed aspect, rounded to
    even) and about ``video_bitrate`` bits per second, to a fast-start MP4 at ``dst``."""
    if height < 2 or height % 2:
        raise ValueError("height must be an even number of lines >= 2 (4:2:0 chroma)")
    if video_bitrate <= 0:
        raise ValueError("video_bitrate must be positive")
    return reencode(src, dst, height=height, video_bitrate=video_bitrate)
