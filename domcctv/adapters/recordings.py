"""RecordingSource over the Hikvision integration: ISAPI download, RTSP playback by time, and
HikCentral playback URLs.

Which way a camera is reached is its ``RecorderAccess.prefer``; integration errors are mapped
onto the domain's :class:`RecordingError` codes, which decide retry or failure:

* unreachable, timeouts, 503, stalled streams     -> RECORDER_OFFLINE (retry)
* 404 for a span that ended moments ago           -> RECORDER_NOT_READY (retry)
* "no recording for that span" (404, RTSP 4xx)   -> RECORDING_MISSING (retry: a recorder
  can still be flushing; after the last attempt the clip fails with this reason)
* credentials refused                            -> RECORDER_OFFLINE with the reason (retry is
  bounded by the attempts; a locked account is what a human must fix)
* undecodable download                           -> RECORDING_CORRUPT (no retry)
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import anyio

from domcctv.domain.recordings import (
    FetchedRecording,
    RecorderAccess,
    RecordingError,
    RecordingFailure,
    RecordingSpan,
)
from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionError,
    HikvisionProtocolError,
    HikvisionRecorderOffline,
    HikvisionRecordingCorrupt,
    HikvisionRecordingMissing,
    HikvisionRecordingNotReady,
    HikvisionTransportError,
)
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.isapi.client import IsapiClient
from integrations.hikvision.rtsp.capture import CaptureResult, capture_rtsp
from integrations.hikvision.rtsp.errors import (
    RtspNotFoundError,
    RtspNothingReceivedError,
    RtspUnavailableError,
)

REQUEST_TIMEOUT = 20.0
RTSP_STALL_TIMEOUT = 10.0
MAX_GOP_SECONDS = 10.0
RTSP_SLACK_SECONDS = 60.0
"""An RTSP playback is paced by the recorder (real time on most devices): the capture may take
the clip's length plus this much before it is abandoned."""


def _track(channel: int) -> int:
    return channel * 100 + 1


def _recording_error(exc: BaseException) -> RecordingError:
    """The domain failure of an integration error (see the module docstring)."""
    if isinstance(exc, HikvisionRecordingNotReady):
        return RecordingError(RecordingFailure.RECORDER_NOT_READY, str(exc))
    if isinstance(exc, HikvisionRecordingMissing):
        return RecordingError(RecordingFailure.RECORDING_MISSING, str(exc))
    if isinstance(exc, HikvisionRecorderOffline):
        return RecordingError(RecordingFailure.RECORDER_OFFLINE, str(exc))
    if isinstance(exc, HikvisionRecordingCorrupt):
        return RecordingError(RecordingFailure.RECORDING_CORRUPT, str(exc))
    if isinstance(exc, RtspUnavailableError):
        if exc.retryable:
            return RecordingError(RecordingFailure.RECORDER_OFFLINE, str(exc))
        return RecordingError(RecordingFailure.RECORDING_MISSING, str(exc))
    if isinstance(exc, RtspNotFoundError | RtspNothingReceivedError):
        return RecordingError(RecordingFailure.RECORDING_MISSING, str(exc))
    if isinstance(exc, HikvisionAuthError):
        return RecordingError(RecordingFailure.RECORDER_OFFLINE, f"credentials refused: {exc}")
    if isinstance(exc, HikvisionTransportError):
        return RecordingError(RecordingFailure.RECORDER_OFFLINE, str(exc) or type(exc).__name__)
    if isinstance(exc, HikvisionProtocolError):
        return RecordingError(RecordingFailure.RECORDING_CORRUPT, str(exc))
    return RecordingError(RecordingFailure.RECORDER_OFFLINE, str(exc) or type(exc).__name__)


def _creation_time(path: Path) -> datetime | None:
    """The wall-clock time of the file's first frame, when the recorder wrote it (MP4
    ``creation_time``); recorders that do not start exactly at the asked time say so here."""
    import av  # local: only this thread-side helper needs PyAV

    with contextlib.suppress(Exception), av.open(str(path)) as container:
        raw = container.metadata.get("creation_time")
        if raw:
            moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _rtsp_first_frame(result: CaptureResult, start: datetime, end: datetime) -> datetime:
    """Wall-clock time of the first captured frame. RTSP playback gives stream-relative
    times only; a bounded playback runs from the keyframe at or before ``start`` to ``end``
    and then ends, so the first frame lies the capture's length (plus one frame) before
    ``end``. A capture that did not end with the stream falls back to ``start``."""
    if result.ended_by != "eof" or result.frames < 2:
        return start
    frame = result.duration / (result.frames - 1)
    first = end - timedelta(seconds=result.duration + frame)
    return min(max(first, start - timedelta(seconds=MAX_GOP_SECONDS)), start)


class HikvisionRecordings:
    """The domain's RecordingSource. ``hikcentral`` is the platform client when configured."""

    def __init__(self, hikcentral: HikCentralClient | None = None) -> None:
        self._hikcentral = hikcentral
        self._session: aiohttp.ClientSession | None = None

    def use_hikcentral(self, client: HikCentralClient | None) -> None:
        self._hikcentral = client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self, access: RecorderAccess) -> IsapiClient:
        if not (access.isapi_url and access.username and access.password):
            raise RecordingError(RecordingFailure.NO_RECORDER, "camera has no ISAPI access")
        if self._session is None:  # created lazily inside the running loop
            self._session = aiohttp.ClientSession()
        return IsapiClient(
            self._session,
            access.isapi_url,
            access.username,
            access.password,
            timeout=REQUEST_TIMEOUT,
            rtsp_port=access.rtsp_port or 554,
            device_tz=ZoneInfo(access.timezone),
            z_is_local=access.z_is_local_time,
        )

    async def fetch(
        self, access: RecorderAccess, start: datetime, end: datetime, target: Path
    ) -> FetchedRecording:
        try:
            if access.prefer == "hikcentral" or not access.isapi_url:
                return await self._via_hikcentral(access, start, end, target)
            if access.prefer == "rtsp":
                return await self._via_rtsp(access, start, end, target)
            return await self._via_download(access, start, end, target)
        except RecordingError:
            raise
        except HikvisionError as exc:
            raise _recording_error(exc) from exc

    async def _via_download(
        self, access: RecorderAccess, start: datetime, end: datetime, target: Path
    ) -> FetchedRecording:
        path = target.with_suffix(".mp4")
        async with self._client(access) as client:
            uri = client.playback_uri(_track(access.channel), start, end)
            await client.download_recording(uri, path)
        first = await anyio.to_thread.run_sync(_creation_time, path)
        return FetchedRecording(path=path, source="ISAPI_DOWNLOAD", starts_at=first or start)

    async def _via_rtsp(
        self, access: RecorderAccess, start: datetime, end: datetime, target: Path
    ) -> FetchedRecording:
        async with self._client(access) as client:
            url = client.playback_rtsp_url(
                _track(access.channel), start, end, include_credentials=True
            )
        return await self._capture(url, start, end, target, "RTSP_PLAYBACK")

    async def _via_hikcentral(
        self, access: RecorderAccess, start: datetime, end: datetime, target: Path
    ) -> FetchedRecording:
        if self._hikcentral is None or not access.hikcentral_index_code:
            raise RecordingError(RecordingFailure.NO_RECORDER, "no HikCentral for this camera")
        url = await self._hikcentral.playback_url(access.hikcentral_index_code, start, end)
        return await self._capture(url, start, end, target, "HIKCENTRAL")

    @staticmethod
    async def _capture(
        url: str, start: datetime, end: datetime, target: Path, source: str
    ) -> FetchedRecording:
        span = (end - start).total_seconds()
        result = await capture_rtsp(
            url,
            start,
            end,
            target.with_suffix(".mp4"),
            timeout=RTSP_STALL_TIMEOUT,
            max_seconds=span + RTSP_SLACK_SECONDS,
        )
        return FetchedRecording(
            path=result.path, source=source, starts_at=_rtsp_first_frame(result, start, end)
        )

    async def search(
        self, access: RecorderAccess, start: datetime, end: datetime
    ) -> list[RecordingSpan]:
        try:
            async with self._client(access) as client:
                matches = await client.search_recordings(_track(access.channel), start, end)
        except RecordingError:
            raise
        except HikvisionError as exc:
            raise _recording_error(exc) from exc
        return [
            RecordingSpan(start=m.start, end=m.end, playback_uri=m.playback_uri) for m in matches
        ]
