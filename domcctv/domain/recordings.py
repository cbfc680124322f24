"""What the clip capture needs from a recorder, whatever the device or platform behind it.

Services speak only this Protocol; ``domcctv.adapters.recordings`` implements it over the
Hikvision integration (ISAPI download, RTSP playback, HikCentral playback URLs). The failure
classes carry the stable code and the reason shown on the event, and say whether waiting can
help: a recorder that has not flushed the post-roll yet, or is offline, is worth retrying; a
corrupt recording is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol


class RecordingFailure(StrEnum):
    """Stable codes of a clip that could not (yet) be captured."""

    RECORDER_NOT_READY = "RECORDER_NOT_READY"
    RECORDER_OFFLINE = "RECORDER_OFFLINE"
    RECORDING_MISSING = "RECORDING_MISSING"
    RECORDING_CORRUPT = "RECORDING_CORRUPT"
    CAMERA_UNKNOWN = "CAMERA_UNKNOWN"
    NO_RECORDER = "NO_RECORDER"
    INTERNAL = "INTERNAL"


RETRYABLE: frozenset[RecordingFailure] = frozenset(
    {
        RecordingFailure.RECORDER_NOT_READY,
        RecordingFailure.RECORDER_OFFLINE,
        RecordingFailure.RECORDING_MISSING,
        RecordingFailure.INTERNAL,
    }
)
"""Worth another attempt: the recorder may flush, come back, or fill a gap from its buffer.
A corrupt recording or a camera nobody can reach by design fails at once."""


class RecordingError(Exception):
    """A recording could not be fetched; ``code`` decides retry or failure."""

    def __init__(self, code: RecordingFailure, reason: str) -> None:
        super().__init__(f"{code.value}: {reason}")
        self.code = code
        self.reason = reason[:300]

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE


@dataclass(frozen=True, slots=True)
class RecorderAccess:
    """How to reach one camera's recordings (decrypted credentials: never logged)."""

    camera_code: str
    isapi_url: str | None
    username: str | None
    password: str | None
    channel: int
    hikcentral_index_code: str | None
    rtsp_port: int | None
    z_is_local_time: bool
    timezone: str
    prefer: str  # "isapi" (download), "rtsp" (playback by time) or "hikcentral"


@dataclass(frozen=True, slots=True)
class FetchedRecording:
    """A local media file covering at least the asked span, and where it came from."""

    path: Path
    source: str
    # Wall-clock time of the file's first frame, when the source says it (else the asked start).
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class RecordingSpan:
    """One recorded span a recorder reports (ISAPI search / HikCentral playback list)."""

    start: datetime
    end: datetime | None
    playback_uri: str | None


class RecordingSource(Protocol):
    """Fetch and search a camera's recordings."""

    async def fetch(
        self, access: RecorderAccess, start: datetime, end: datetime, target: Path
    ) -> FetchedRecording:
        """Write the footage of [start, end] to ``target``; raise :class:`RecordingError`."""
        ...

    async def search(
        self, access: RecorderAccess, start: datetime, end: datetime
    ) -> list[RecordingSpan]:
        """The recorder's spans overlapping [start, end]; raise :class:`RecordingError`."""
        ...
