"""The server's video toolkit, on PyAV: probe, cut, package, thumbnail, re-encode, caption.

Callers are services handing over local file paths; nothing here touches the database or
GraphQL. Every function blocks, so async code runs them through ``VideoWorkers`` (a bounded
thread pool; see ``runner``). Every refusal is a ``MediaError`` with a stable ``code``.

Offsets (``start_offset``, ``at_seconds``, ``MediaInfo.keyframe_times``) are seconds from the
first frame of the file's video stream, whatever the container's own clock says.

* ``probe``: what a file holds, measured by reading every packet (exact duration, keyframes).
* ``cut_clip`` / ``remux_to_mp4``: evidence clips by stream copy (no re-encode), keyframe
  aligned, timestamps from 0, fast-start MP4, with SHA-256 and size.
* ``package_hls``: fMP4 HLS VOD (init.mp4 + .m4s + index.m3u8) by stream copy.
* ``thumbnail_jpeg``: the exact frame on screen at an instant, as JPEG.
* ``transcode_variant``: MEDIUM/LOW renditions (libx264, keyframes aligned with the source).
* ``burn_overlay``: captions drawn into the pixels, for exports.
"""

from domcctv.infra.video.cut import CutResult, cut_clip, remux_to_mp4
from domcctv.infra.video.errors import MediaError, MediaErrorCode
from domcctv.infra.video.hls import HlsResult, HlsSegment, package_hls
from domcctv.infra.video.overlay import OverlayResult, burn_overlay
from domcctv.infra.video.probe import MediaInfo, probe
from domcctv.infra.video.runner import VideoWorkers
from domcctv.infra.video.thumbnail import thumbnail_jpeg
from domcctv.infra.video.variants import (
    STANDARD_VARIANTS,
    Quality,
    VariantResult,
    VariantSpec,
    transcode_variant,
    variants_for,
)

__all__ = [
    "STANDARD_VARIANTS",
    "CutResult",
    "HlsResult",
    "HlsSegment",
    "MediaError",
    "MediaErrorCode",
    "MediaInfo",
    "OverlayResult",
    "Quality",
    "VariantResult",
    "VariantSpec",
    "VideoWorkers",
    "burn_overlay",
    "cut_clip",
    "package_hls",
    "probe",
    "remux_to_mp4",
    "thumbnail_jpeg",
    "transcode_variant",
    "variants_for",
]
