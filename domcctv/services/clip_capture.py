"""Capture of one clip: fetch from the recorder, cut on keyframes, package, store, publish.

The clip row is the job. ``claim_due`` takes due PENDING rows with a lease (a conditional
UPDATE, so two workers never capture the same clip and a worker that dies only delays it
until the lease ends); ``capture`` then never raises for a bad recording: every outcome is
written back to the row.

* Not ready yet (post-roll not recorded, or the site's roll is longer than the default the
  ingest planned with): rescheduled without counting an attempt.
* Retryable failure (recorder offline, not flushed, gap, unexpected error): attempt counted,
  retried with exponential backoff; after the last attempt FAILED with the reason.
* Permanent failure (corrupt recording, camera unknown): FAILED at once.

Nothing is stored until every file of the clip exists locally, and the row turns READY only
after the store holds them all, so a reader never gets a READY clip with missing files. The
media work runs in ``VideoWorkers`` threads, never on the event loop.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domcctv.domain.recordings import (
    RecordingError,
    RecordingFailure,
    RecordingSource,
)
from domcctv.infra.bus import Bus
from domcctv.infra.storage.base import BlobStore
from domcctv.infra.video.cut import CutResult, cut_clip
from domcctv.infra.video.errors import MediaError, MediaErrorCode
from domcctv.infra.video.hls import package_hls
from domcctv.infra.video.runner import VideoWorkers
from domcctv.infra.video.thumbnail import thumbnail_jpeg
from domcctv.models import Camera, ClipStatus, Event, VideoClip
from domcctv.services import live, outbox
from domcctv.services.clips import RECORDER_LAG_SECONDS
from domcctv.services.clock import utcnow
from domcctv.services.recorder_access import recorder_access

logger = logging.getLogger(__name__)

HLS_SEGMENT_SECONDS = 4.0
NOT_READY_RETRY_SECONDS = 5.0
"""A recorder that has not flushed the post-roll yet usually has within seconds."""
STILL_MAX_WIDTH = 1280


@dataclass(frozen=True, slots=True)
class CapturePolicy:
    """Retry and lease knobs (from Settings)."""

    max_attempts: int = 8
    retry_base_seconds: float = 15.0
    retry_max_seconds: float = 600.0
    lease_seconds: float = 300.0
    variants_for_all: bool = False

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), self.retry_max_seconds)
        return timedelta(seconds=seconds)


def clip_prefix(clip: VideoClip) -> str:
    return f"clips/{clip.event_id}/{clip.id}"


async def claim_due(limit: int, lease: timedelta, now: datetime | None = None) -> list[int]:
    """Ids of up to ``limit`` due PENDING clips, each leased to the caller alone."""
    now = now or utcnow()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    candidates: list[Any] = await (
        VideoClip.filter(Q(status=ClipStatus.PENDING), Q(next_attempt_at__lte=now), free)
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    claimed: list[int] = []
    for clip_id in candidates:
        taken = await VideoClip.filter(Q(id=clip_id), Q(status=ClipStatus.PENDING), free).update(
            lease_until=now + lease
        )
        if taken:
            claimed.append(int(clip_id))
    return claimed


@dataclass(frozen=True, slots=True)
class ClipFiles:
    """Where a clip's files are stored."""

    storage_key: str
    hls_prefix: str
    still_key: str


async def store_clip_files(
    store: BlobStore,
    workers: VideoWorkers,
    clip: VideoClip,
    media: Path,
    plate_at: float,
    hls_work: Path,
) -> ClipFiles:
    """Package a clip's MP4 as HLS, take the still of the plate frame and store all three under
    the clip's prefix (the MP4 last: a reader that finds it finds the rest). ``hls_work`` is a
    local directory that must not exist yet."""
    hls = await workers.run(package_hls, media, hls_work, HLS_SEGMENT_SECONDS)
    still = await workers.run(thumbnail_jpeg, media, plate_at, STILL_MAX_WIDTH, 85)
    prefix = clip_prefix(clip)
    for item in sorted(hls.directory.iterdir()):
        await store.put_file(f"{prefix}/hls/{item.name}", item, _hls_type(item.name))
    files = ClipFiles(f"{prefix}/clip.mp4", f"{prefix}/hls", f"{prefix}/still.jpg")
    await store.put_bytes(files.still_key, still, "image/jpeg")
    await store.put_file(files.storage_key, media, "video/mp4")
    return files


class ClipCapture:
    """Turns one leased clip into stored, playable evidence (or a recorded failure)."""

    def __init__(
        self,
        source: RecordingSource,
        store: BlobStore,
        workers: VideoWorkers,
        decrypt: Callable[[str], str | None],
        policy: CapturePolicy,
        work_dir: Path | None = None,
        bus: Bus | None = None,
    ) -> None:
        self._source = source
        self._store = store
        self._workers = workers
        self._decrypt = decrypt
        self._policy = policy
        self._work_dir = work_dir
        self._bus = bus

    async def capture(self, clip_id: int) -> ClipStatus:
        """One attempt at the clip; the outcome is written to its row and returned."""
        clip = await VideoClip.get_or_none(id=clip_id)
        if clip is None or clip.status is not ClipStatus.PENDING:
            return clip.status if clip else ClipStatus.FAILED
        camera = await Camera.get_or_none(code=clip.camera_code).select_related("site")
        if camera is None:
            return await self._fail(clip, RecordingFailure.CAMERA_UNKNOWN, "camera not registered")
        site = camera.site
        pre = site.clip_pre_roll_seconds if site else 10
        post = site.clip_post_roll_seconds if site else 20
        start = clip.anchor_time - timedelta(seconds=pre)
        end = clip.anchor_time + timedelta(seconds=post)
        due = end + timedelta(seconds=RECORDER_LAG_SECONDS)
        if utcnow() < due:  # the site's post-roll is longer than the default: not yet
            await self._reschedule(clip, due, counted=False)
            return ClipStatus.PENDING
        access = recorder_access(camera, self._decrypt)
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"clip{clip.id}-", dir=self._work_dir))
        try:
            return await self._attempt(clip, access, start, end, work)
        except RecordingError as exc:
            if exc.retryable:
                return await self._retry(clip, exc.code, exc.reason)
            return await self._fail(clip, exc.code, exc.reason)
        except MediaError as exc:
            code = (
                RecordingFailure.RECORDING_MISSING
                if exc.code is MediaErrorCode.EMPTY_RANGE
                else RecordingFailure.RECORDING_CORRUPT
            )
            if code is RecordingFailure.RECORDING_MISSING:
                return await self._retry(clip, code, f"recording does not cover the span: {exc}")
            return await self._fail(clip, code, f"recording cannot be read: {exc.message}")
        except Exception as exc:  # never a crash loop: counted, retried, then FAILED
            logger.exception("clip %s: capture failed unexpectedly", clip.id)
            return await self._retry(clip, RecordingFailure.INTERNAL, type(exc).__name__)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _attempt(
        self, clip: VideoClip, access: Any, start: datetime, end: datetime, work: Path
    ) -> ClipStatus:
        fetched = await self._source.fetch(access, start, end, work / "recording")
        begin = (start - fetched.starts_at).total_seconds()
        finish = (end - fetched.starts_at).total_seconds()
        cut: CutResult = await self._workers.run(
            cut_clip, fetched.path, work / "clip.mp4", begin, finish
        )
        clip_start = fetched.starts_at + timedelta(seconds=cut.start_offset)
        plate_at = max(
            0.0, min((clip.anchor_time - clip_start).total_seconds(), cut.duration_seconds)
        )
        files = await store_clip_files(
            self._store, self._workers, clip, cut.path, plate_at, work / "hls"
        )
        fps = cut.frame_count / cut.duration_seconds if cut.duration_seconds > 0 else None
        clip.status = ClipStatus.READY
        clip.source = fetched.source
        clip.start_time = clip_start
        clip.end_time = clip_start + timedelta(seconds=cut.duration_seconds)
        clip.storage_key = files.storage_key
        clip.hls_prefix = files.hls_prefix
        clip.still_key = files.still_key
        clip.size_bytes = cut.size_bytes
        clip.sha256 = cut.sha256
        clip.duration_seconds = cut.duration_seconds
        clip.plate_offset_seconds = plate_at
        clip.width, clip.height, clip.codec = cut.width, cut.height, cut.codec
        clip.fps = round(fps, 3) if fps else None
        clip.failure_code = clip.failure_reason = None
        clip.attempts += 1
        clip.lease_until = None
        clip.ready_at = utcnow()
        clip.variants_pending = self._policy.variants_for_all
        await self._save_and_publish(clip)
        return ClipStatus.READY

    async def _retry(self, clip: VideoClip, code: RecordingFailure, reason: str) -> ClipStatus:
        attempts = clip.attempts + 1
        if attempts >= self._policy.max_attempts:
            clip.attempts = attempts - 1  # _fail counts this attempt
            return await self._fail(clip, code, f"{reason} (gave up after {attempts} attempts)")
        clip.attempts = attempts
        clip.failure_code, clip.failure_reason = code.value, reason[:300]
        delay = self._policy.backoff(attempts)
        if code is RecordingFailure.RECORDER_NOT_READY:  # flushing: seconds, not a backoff
            delay = min(delay, timedelta(seconds=NOT_READY_RETRY_SECONDS))
        await self._reschedule(clip, utcnow() + delay, counted=True)
        return ClipStatus.PENDING

    async def _reschedule(self, clip: VideoClip, when: datetime, *, counted: bool) -> None:
        clip.next_attempt_at = when
        clip.lease_until = None
        fields = ["next_attempt_at", "lease_until", "updated_at"]
        if counted:
            fields += ["attempts", "failure_code", "failure_reason"]
        await clip.save(update_fields=fields)
        if counted:
            logger.info("clip %s: %s, retry at %s", clip.id, clip.failure_code, when.isoformat())

    async def _fail(self, clip: VideoClip, code: RecordingFailure, reason: str) -> ClipStatus:
        clip.status = ClipStatus.FAILED
        clip.attempts += 1
        clip.failure_code, clip.failure_reason = code.value, reason[:300]
        clip.lease_until = None
        logger.warning("clip %s FAILED: %s %s", clip.id, code.value, reason)
        await self._save_and_publish(clip)
        return ClipStatus.FAILED

    async def _save_and_publish(self, clip: VideoClip) -> None:
        """Save the outcome and stage the event's live push in the same transaction; relay it
        at once (the outbox sweeper publishes it if that fails)."""
        async with outbox.delivering(self._bus), in_transaction("default") as conn:
            await clip.save(using_db=conn)
            event = await Event.filter(id=clip.event_id).using_db(conn).first()
            if event is not None:
                await live.stage_event_change("CLIP_STATUS_CHANGED", event, using_db=conn)


def _hls_type(name: str) -> str:
    if name.endswith(".m3u8"):
        return "application/vnd.apple.mpegurl"
    if name.endswith(".m4s"):
        return "video/iso.segment"
    return "video/mp4"
