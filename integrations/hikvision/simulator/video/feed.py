"""What the simulator's recorder offers its servers (ISAPI download, RTSP): H.264 access units.

The recorder renders its footage lazily with PyAV and caches it; the RTSP server and the
ISAPI download route only read it through this protocol, so either can be tested with any
H.264 source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One coded picture: its wall-clock time and its NAL units (no start codes, no lengths)."""

    time: datetime
    nal_units: tuple[bytes, ...]
    keyframe: bool


@dataclass(frozen=True, slots=True)
class StreamParameters:
    """What an SDP or an MP4 sample description needs."""

    sps: bytes
    pps: bytes
    width: int
    height: int
    fps: int
    gop_frames: int


class RecordingUnavailable(Exception):
    """The recorder has nothing for that span (before the history, after now, or a gap)."""


class RecorderOffline(RecordingUnavailable):
    """The recorder itself is down (a simulated disk/recorder fault): nothing can be served.

    A subclass of :class:`RecordingUnavailable` so servers that only know the base class
    still refuse; servers that care answer "service unavailable" instead of "not found"."""


class RecordingNotYetRecorded(RecordingUnavailable):
    """The span ends after what the recorder has flushed to disk; asking later can succeed."""


class RecordingCorrupt(Exception):
    """The stored footage for that span cannot be decoded (a simulated disk fault)."""


class VideoFeed(Protocol):
    """One camera channel's footage: recorded (by time) and live."""

    def parameters(self) -> StreamParameters:
        """Codec parameters; the same for every span of this feed."""
        ...

    def recorded(self, start: datetime, end: datetime) -> AsyncIterator[AccessUnit]:
        """Access units from the keyframe at or before ``start`` through ``end``, as fast as
        they can be produced (the caller paces them). Raises :class:`RecordingUnavailable`
        or :class:`RecordingCorrupt` before yielding anything when the span cannot be served."""
        ...

    def live(self) -> AsyncIterator[AccessUnit]:
        """Access units from the latest keyframe on, paced in real time, until closed."""
        ...
