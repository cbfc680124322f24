"""Capture a time span of an RTSP stream (camera, NVR playback, HikCentral URL) into an MP4.

PyAV (ffmpeg) does the RTSP, over TCP as Hikvision recommends, in a worker thread; video
packets are stream-copied (no re-encode: the evidence stays bit-exact) into an MP4 with
``+faststart`` so browsers can start playing before the download ends.  The capture stops at
the end of the stream (playback URLs end after their span) or, for live streams whose SDP
announces no duration, once ``end - start`` seconds of media are in; ``max_seconds`` bounds
the wall-clock time either way.  Failures become the typed errors of ``rtsp.errors``, not
chained to PyAV's exceptions because those carry the URL with its password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Literal

import anyio
import anyio.to_thread
import av
import av.error

from integrations.hikvision._time import require_aware
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

logger = logging.getLogger(__name__)

MAX_CONCURRENT_CAPTURES = 4
_LIMITER = anyio.CapacityLimiter(MAX_CONCURRENT_CAPTURES)
type EndedBy = Literal["eof", "span", "max_seconds"]


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What was written to ``path``.

    ``first_pts``/``last_pts`` are seconds on the stream's own timeline (the first packet of a
    playback is the keyframe at or before the asked start); ``ended_by`` says why it stopped.
    """

    path: Path
    frames: int
    keyframes: int
    first_pts: float
    last_pts: float
    width: int
    height: int
    ended_by: EndedBy

    @property
    def duration(self) -> float:
        return self.last_pts - self.first_pts


def _redact(url: str) -> str:
    """The URL without ``user:password@`` (for messages and logs)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{tail}"


def _reason(exc: BaseException) -> str:
    """ffmpeg's message without the URL (PyAV puts the URL, password included, in ``str``)."""
    return str(getattr(exc, "strerror", None) or type(exc).__name__)


def _open_error(exc: BaseException, where: str) -> RtspError:
    """Translate a PyAV/OS failure while opening (OPTIONS..PLAY) into a typed error."""
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return RtspAuthError(f"{where}: credentials refused")
    if isinstance(exc, av.error.HTTPNotFoundError):
        return RtspNotFoundError(f"{where}: no such stream (or expired token)")
    if isinstance(exc, av.error.HTTPClientError):
        return RtspUnavailableError(f"{where}: refused ({_reason(exc)})", server_error=False)
    if isinstance(exc, av.error.HTTPServerError):
        return RtspUnavailableError(f"{where}: server error ({_reason(exc)})", server_error=True)
    if isinstance(exc, av.error.ExitError | TimeoutError):
        return RtspUnreachableError(f"{where}: no RTSP answer before the timeout")
    if isinstance(exc, OSError):
        return RtspUnreachableError(f"{where}: {type(exc).__name__}: {_reason(exc)}")
    return RtspStreamError(f"{where}: could not open the stream ({_reason(exc)})")


class _Capture:
    """The blocking part, run in a worker thread; ``stop`` ends it between packets."""

    def __init__(
        self,
        url: str,
        span: float,
        target: Path,
        timeout: float,
        max_seconds: float,
        stop: threading.Event,
    ) -> None:
        self.url, self.span, self.target = url, span, target
        self.timeout, self.max_seconds, self.stop = timeout, max_seconds, stop
        self.where = _redact(url)

    def run(self) -> CaptureResult:
        deadline = time.monotonic() + self.max_seconds
        options = {
            "rtsp_transport": "tcp",
            "timeout": str(int(self.timeout * 1_000_000)),  # socket I/O timeout, microseconds
        }
        try:
            source = av.open(self.url, options=options, timeout=(self.timeout, self.timeout))
        except (av.error.FFmpegError, OSError) as exc:
            # Not chained: PyAV's exception carries the URL with its password.
            raise _open_error(exc, self.where) from None
        partial = self.target.with_name(f".{self.target.name}.part")
        try:
            with source:
                result = self._copy(source, partial, deadline)
            partial.replace(self.target)
            return result
        finally:
            partial.unlink(missing_ok=True)

    def _copy(
        self, source: av.container.InputContainer, partial: Path, deadline: float
    ) -> CaptureResult:
        if not source.streams.video:
            raise RtspNothingReceivedError(f"{self.where}: the stream has no video track")
        video = source.streams.video[0]
        # A recording announces its length (SDP range) and ends by itself; live never ends.
        limit = None if source.duration else self.span
        frames = keyframes = 0
        first = last = 0.0
        ended_by: EndedBy = "eof"
        time_base = video.time_base or Fraction(1, 90_000)
        rate = video.guessed_rate or video.average_rate or 25
        ticks = max(1, round(1 / (rate * time_base)))  # one frame, in stream time base
        # ffmpeg leaves the first RTSP packet without timestamps (its later ones, and the
        # stream's start_time, have them): place such packets one frame before the next.
        expected = (video.start_time - ticks) if video.start_time is not None else 0
        last_dts: int | None = None
        with av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            copy = out.add_stream_from_template(video)
            try:
                for packet in source.demux(video):
                    if self.stop.is_set():
                        raise RtspStreamError(f"{self.where}: capture cancelled")
                    if packet.size == 0:
                        continue  # the demuxer's end-of-stream flush packet
                    if packet.pts is None:
                        packet.pts = expected if packet.dts is None else packet.dts
                    if packet.dts is None or (last_dts is not None and packet.dts <= last_dts):
                        packet.dts = (
                            packet.pts if last_dts is None else max(packet.pts, last_dts + 1)
                        )
                    expected = packet.pts + ticks
                    if frames == 0 and not packet.is_keyframe:
                        continue  # a file must start on a keyframe to be playable
                    at = float(packet.pts * time_base)
                    if frames == 0:
                        first = at
                    if limit is not None and at - first > limit:
                        ended_by = "span"
                        break
                    last_dts = packet.dts
                    packet.stream = copy
                    out.mux(packet)
                    frames += 1
                    keyframes += packet.is_keyframe
                    last = at
                    if time.monotonic() > deadline:
                        ended_by = "max_seconds"
                        break
            except (av.error.ExitError, TimeoutError):
                message = f"{self.where}: no packet within {self.timeout:g}s"
                raise RtspStalledError(message) from None
            except (av.error.FFmpegError, OSError) as exc:
                raise RtspStreamError(f"{self.where}: stream broke: {_reason(exc)}") from None
            if frames == 0:
                raise RtspNothingReceivedError(f"{self.where}: no video frames received")
            width, height = video.codec_context.width, video.codec_context.height
        return CaptureResult(self.target, frames, keyframes, first, last, width, height, ended_by)


async def capture_rtsp(
    url: str,
    start: datetime,
    end: datetime,
    target: Path,
    *,
    timeout: float,  # noqa: ASYNC109 - a stall timeout per packet, not a call deadline
    max_seconds: float,
) -> CaptureResult:
    """Stream-copy ``[start, end]`` of ``url`` into the MP4 ``target`` (written atomically).

    ``url`` may carry ``user:password@`` (ffmpeg answers the Digest challenge with them; they
    never appear in errors or logs).  ``timeout``: seconds without an answer or a packet
    before failing.  Raises :class:`RtspUnreachableError`, :class:`RtspAuthError`,
    :class:`RtspNotFoundError`, :class:`RtspUnavailableError`, :class:`RtspStalledError`,
    :class:`RtspStreamError` or :class:`RtspNothingReceivedError`.
    """
    require_aware(start, "start")
    require_aware(end, "end")
    if end <= start:
        raise ValueError("end must be after start")
    if timeout <= 0 or max_seconds <= 0:
        raise ValueError("timeout and max_seconds must be positive")
    stop = threading.Event()
    job = _Capture(url, (end - start).total_seconds(), target, timeout, max_seconds, stop)
    task = asyncio.ensure_future(anyio.to_thread.run_sync(job.run, limiter=_LIMITER))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()  # the thread stops at the next packet (or its timeout), then we go
        await asyncio.wait([task])
        if not task.cancelled():
            with contextlib.suppress(BaseException):
                task.result()
        raise
