"""Why an RTSP capture failed, in the integration's error hierarchy.

PyAV reports RTSP status codes as ffmpeg's HTTP errors and socket failures as ``OSError``
subclasses; callers should not have to know that.  Each class also inherits the generic
class retry logic already branches on (transport/timeout: retry; auth: stop and alert).
"""

from __future__ import annotations

from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionError,
    HikvisionTimeoutError,
    HikvisionTransportError,
)


class RtspError(HikvisionError):
    """Base class of RTSP capture failures."""


class RtspUnreachableError(RtspError, HikvisionTransportError):
    """No RTSP server answered (refused, unroutable, or no answer before the timeout)."""


class RtspAuthError(RtspError, HikvisionAuthError):
    """The device answered 401 to our credentials (do not retry blindly: accounts lock)."""


class RtspNotFoundError(RtspError):
    """404: no such stream, channel or (HikCentral) token; expired tokens end up here too."""


class RtspUnavailableError(RtspError):
    """The device refused to stream: no recording for the span (4xx) or recorder down (5xx)."""

    def __init__(self, message: str, *, server_error: bool) -> None:
        super().__init__(message)
        self.server_error = server_error

    @property
    def retryable(self) -> bool:
        """A 5xx (recorder busy/offline) may pass; a span without recording will not."""
        return self.server_error


class RtspStalledError(RtspError, HikvisionTimeoutError):
    """The stream started but no packet arrived within the timeout."""


class RtspStreamError(RtspError, HikvisionTransportError):
    """The connection broke or the stream became unreadable mid-capture."""


class RtspNothingReceivedError(RtspError):
    """The stream ended without a single decodable (keyframe-led) video packet."""
