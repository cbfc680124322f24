"""Client side of Hikvision RTSP: capture a span of a camera/NVR/HikCentral URL to MP4."""

from integrations.hikvision.rtsp.capture import CaptureResult, capture_rtsp
from integrations.hikvision.rtsp.errors import (
    RtspAuthError,
    RtspError,
    RtspNotFoundError,
    RtspNothingReceivedError,
    RtspStalledError,
    RtspStreamError,
    RtspUnavailableError,
    RtspUnreachableError,
)

__all__ = [
    "CaptureResult",
    "RtspAuthError",
    "RtspError",
    "RtspNotFoundError",
    "RtspNothingReceivedError",
    "RtspStalledError",
    "RtspStreamError",
    "RtspUnavailableError",
    "RtspUnreachableError",
    "capture_rtsp",
]
