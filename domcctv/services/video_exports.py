"""Background video exports: a recorded segment of one camera (MP4), or an event's evidence
bundle (ZIP), requested by a user and produced by the export worker.

**Who may ask.** Both need EXPORT_VIDEO_SEGMENTS. A segment is cut from a camera's recorder and
cameras are DOM's, so segments are DOM staff only; the result belongs to DOM
(``company_id`` None). An evidence bundle may be asked by anyone who may see the event
(tenancy, archived rule) and holds the permission; the result belongs to the event's company.
Each request is audited (EXPORT_VIDEO) in the transaction that creates the job.

**Who may see the result** (:func:`may_see`): the requester, while the export's company is still
in their scope; otherwise only users of the export's own company: client users of that company,
or DOM staff for DOM's exports (company None). Everybody needs EXPORT_VIDEO_SEGMENTS. A DOM
supervisor therefore does not see a client's bundle that someone else asked for: it is that
company's copy of its evidence.

**The job.** The export row is the job, like a clip (``services.clip_capture``): ``claim_due``
leases due rows (PENDING, or RUNNING whose lease ran out because its worker died, which goes
back to PENDING); ``ExportRunner.run`` starts only PENDING rows and counts the attempt as it
starts, so even a job that kills its process every time ends FAILED after ``max_attempts``
instead of looping. Every outcome is written to the row:

* retryable (recorder offline or not flushed yet, unexpected error): back to PENDING with
  exponential backoff, FAILED with the reason after the last attempt;
* permanent (evidence missing from the stores or altered, event deleted, camera unknown,
  undecodable media): FAILED at once with a typed ``failure_code`` and a reason.

Progress (0..1) is written to the row and pushed on the bus (:func:`exports_channel`) at each
step; the lease is renewed with it, so a long overlay re-encode keeps its job. Media work runs in
``VideoWorkers`` threads, never on the event loop.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import FieldCode, InvalidInput, NotFound, PermissionDenied
from domcctv.domain.recordings import RecordingError, RecordingFailure, RecordingSource
from domcctv.infra.bus import UNASSIGNED, Bus
from domcctv.infra.media import MediaStore
from domcctv.infra.storage.base import BlobNotFound, BlobStore
from domcctv.infra.video.cut import cut_clip
from domcctv.infra.video.errors import MediaError, MediaErrorCode
from domcctv.infra.video.overlay import burn_overlay
from domcctv.infra.video.runner import VideoWorkers
from domcctv.models import (
    AuditAction,
    Camera,
    ClipStatus,
    Event,
    ExportKind,
    ExportStatus,
    ResourceType,
    User,
    VideoClip,
    VideoExport,
)
from domcctv.services import audit
from domcctv.services.clips import RECORDER_LAG_SECONDS
from domcctv.services.clock import utcnow
from domcctv.services.events import get_event
from domcctv.services.evidence_bundle import (
    MANIFEST_FORMAT,
    BundleIntegrityError,
    BundleItem,
    audit_trail_json,
    documentation_json,
    event_summary,
    json_bytes,
    write_bundle,
)
from domcctv.services.pagination import clamp_page
from domcctv.services.recorder_access import recorder_access
from domcctv.services.scoping import exports_in

logger = logging.getLogger(__name__)

MAX_SEGMENT_SPAN = timedelta(minutes=30)
MAX_LISTED = 100
MESSAGE_TYPE = "video-export"
ZIP_TYPE = "application/zip"
MP4_TYPE = "video/mp4"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SHA256_NAME = re.compile(r"[0-9a-f]{64}")


class ExportFailure(StrEnum):
    """Stable codes of an export that could not be produced (besides RecordingFailure's)."""

    EVIDENCE_MISSING = "EVIDENCE_MISSING"  # a clip, still or picture is gone from its store
    EVIDENCE_ALTERED = "EVIDENCE_ALTERED"  # its bytes are not the ones captured
    EVENT_GONE = "EVENT_GONE"
    MEDIA_UNREADABLE = "MEDIA_UNREADABLE"
    OUTPUT_FAILED = "OUTPUT_FAILED"
    INTERNAL = "INTERNAL"


class ExportError(Exception):
    """A failed attempt: ``code`` for programs, ``reason`` for people, and whether to retry."""

    def __init__(self, code: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason[:300]
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class ExportPolicy:
    """Retry and lease knobs (from Settings)."""

    max_attempts: int = 5
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 600.0
    lease_seconds: float = 600.0

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), self.retry_max_seconds)
        return timedelta(seconds=seconds)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


# --------------------------------------------------------------------------- visibility


def may_see(actor: Actor, company_id: int | None, requested_by_id: int | None) -> bool:
    """Whether ``actor`` may see (and download) an export of ``company_id`` asked by
    ``requested_by_id``; see the module docstring."""
    if actor.user_id is None or not actor.can(Permission.EXPORT_VIDEO_SEGMENTS):
        return False
    if requested_by_id == actor.user_id:
        return actor.scope.allows_company(company_id)
    if actor.is_staff:
        return company_id is None
    return company_id is not None and company_id == actor.company_id


def _visible(actor: Actor) -> QuerySet[VideoExport]:
    """The exports ``actor`` may see, as a query (the same rule as :func:`may_see`)."""
    if actor.user_id is None or not actor.can(Permission.EXPORT_VIDEO_SEGMENTS):
        return exports_in(actor.scope).filter(id=-1)
    qs = exports_in(actor.scope)
    if actor.is_staff:
        return qs.filter(Q(requested_by_id=actor.user_id) | Q(company_id__isnull=True))
    return qs  # a client's scope is its own company: every export of it is its own


async def visible_export(actor: Actor, export_id: int) -> VideoExport:
    """One export the actor may see, else NotFound (foreign and missing look alike)."""
    row = await _visible(actor).get_or_none(id=export_id)
    if row is None or not may_see(actor, row.company_id, row.requested_by_id):
        raise NotFound("No such video export")
    return row


async def my_exports(actor: Actor, first: int) -> list[VideoExport]:
    """The caller's own exports, newest first (``first`` in 1..MAX_LISTED)."""
    limit = clamp_page(first, default=20, maximum=MAX_LISTED)
    if actor.user_id is None:
        return []
    rows = await (
        _visible(actor)
        .filter(requested_by_id=actor.user_id)
        .order_by("-created_at", "-id")
        .limit(limit)
    )
    return [r for r in rows if may_see(actor, r.company_id, r.requested_by_id)]


def require_export(actor: Actor) -> None:
    if not actor.can(Permission.EXPORT_VIDEO_SEGMENTS):
        raise PermissionDenied(f"Requires {Permission.EXPORT_VIDEO_SEGMENTS.value}")


# --------------------------------------------------------------------------- requests


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput.single(field, FieldCode.INVALID_FORMAT, "Give a time with its offset")
    return moment.astimezone(UTC)


async def request_segment(
    actor: Actor, camera_id: int, start: datetime, end: datetime, overlay: bool
) -> VideoExport:
    """Queue the export of ``[start, end]`` of one camera (DOM staff, at most 30 minutes)."""
    require_export(actor)
    if not actor.is_staff:
        raise PermissionDenied("Segment exports are for DOM staff (cameras are DOM's)")
    start, end = _utc(start, "from"), _utc(end, "to")
    now = utcnow()
    if end <= start:
        raise InvalidInput.single("to", FieldCode.OUT_OF_RANGE, "`to` must be after `from`")
    if end - start > MAX_SEGMENT_SPAN:
        raise InvalidInput.single("to", FieldCode.OUT_OF_RANGE, "Export at most 30 minutes at once")
    if end > now:
        raise InvalidInput.single("to", FieldCode.OUT_OF_RANGE, "`to` is in the future")
    camera = await Camera.get_or_none(id=camera_id)
    if camera is None:
        raise NotFound("No such camera")
    due = max(now, end + timedelta(seconds=RECORDER_LAG_SECONDS))
    async with in_transaction("default") as conn:
        row = await VideoExport.create(
            kind=ExportKind.SEGMENT,
            requested_by_id=actor.user_id,
            company_id=None,
            camera_code=camera.code,
            start_time=start,
            end_time=end,
            overlay=overlay,
            next_attempt_at=due,
            using_db=conn,
        )
        await audit.record(
            actor,
            AuditAction.EXPORT_VIDEO,
            ResourceType.VIDEO,
            row.id,
            after={
                "exportId": row.id,
                "kind": ExportKind.SEGMENT.value,
                "camera": camera.code,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "overlay": overlay,
            },
            using_db=conn,
        )
    return row


async def request_evidence(actor: Actor, event_id: int, overlay: bool) -> VideoExport:
    """Queue the evidence bundle of an event the actor may see."""
    require_export(actor)
    event = await get_event(actor, event_id, audit_view=False)
    if event is None:
        raise NotFound("No such event")
    async with in_transaction("default") as conn:
        row = await VideoExport.create(
            kind=ExportKind.EVIDENCE,
            requested_by_id=actor.user_id,
            company_id=event.company_id,
            event_id=event.id,
            overlay=overlay,
            next_attempt_at=utcnow(),
            using_db=conn,
        )
        await audit.record(
            actor,
            AuditAction.EXPORT_VIDEO,
            ResourceType.EVENT,
            event.id,
            company_id=event.company_id,
            after={"exportId": row.id, "kind": ExportKind.EVIDENCE.value, "overlay": overlay},
            using_db=conn,
        )
    return row


# --------------------------------------------------------------------------- progress


def exports_channel(company_id: int | None) -> str:
    """The bus channel of a company's exports (the bus relays ``domcctv:*`` channels)."""
    return f"domcctv:{company_id if company_id is not None else UNASSIGNED}:video-exports"


def progress_message(row: VideoExport) -> dict[str, Any]:
    """What subscribers receive: enough to filter by tenancy without reading the row."""
    return {
        "v": 1,
        "type": MESSAGE_TYPE,
        "at": utcnow().isoformat(),
        "exportId": row.id,
        "companyId": row.company_id,
        "requestedBy": row.requested_by_id,
        "status": row.status.value,
        "progress": row.progress,
    }


# --------------------------------------------------------------------------- the job


async def claim_due(limit: int, lease: timedelta, now: datetime | None = None) -> list[int]:
    """Ids of up to ``limit`` due exports, each leased to the caller alone (PENDING and due,
    or RUNNING with an expired lease: its worker died)."""
    if limit <= 0:
        return []
    now = now or utcnow()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(status=ExportStatus.PENDING, next_attempt_at__lte=now) | Q(status=ExportStatus.RUNNING)
    rows = await (
        VideoExport.filter(due, free)
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    candidates = [int(cast(int, value)) for value in rows]
    claimed: list[int] = []
    for export_id in candidates:
        # An abandoned RUNNING row goes back to PENDING: ``run`` starts only PENDING rows, so
        # a row whose worker is alive (lease valid) is never started twice.
        taken = await VideoExport.filter(Q(id=export_id), due, free).update(
            status=ExportStatus.PENDING, lease_until=now + lease
        )
        if taken:
            claimed.append(export_id)
    return claimed


def _safe(text: str, fallback: str = "x") -> str:
    return _UNSAFE.sub("-", text).strip("-")[:40] or fallback


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _zone(camera: Camera | None) -> ZoneInfo:
    site = getattr(camera, "site", None) if camera is not None else None
    name = (camera.timezone if camera else None) or (site.timezone if site else None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def caption(start: datetime, zone: ZoneInfo, fixed: list[str]) -> Callable[[float], list[str]]:
    """``lines_at`` for ``burn_overlay``: the wall-clock time of the frame, then ``fixed``."""

    def lines_at(seconds: float) -> list[str]:
        moment = (start + timedelta(seconds=seconds)).astimezone(zone)
        return [f"{moment:%Y-%m-%d %H:%M:%S} {moment.tzname()}", *fixed]

    return lines_at


@dataclass(frozen=True, slots=True)
class _Made:
    """The produced file, ready to store, and its digest."""

    path: Path
    sha256: str


class _Steps:
    """Progress over a known number of steps, reported through ``report``."""

    def __init__(self, total: int, report: Callable[[float], Awaitable[None]]) -> None:
        self.total = max(total, 1)
        self.done = 0
        self._report = report

    async def step(self) -> None:
        self.done += 1
        await self._report(min(self.done / self.total, 0.99))


class ExportRunner:
    """Turns one export row into a stored file (or a recorded failure)."""

    def __init__(
        self,
        source: RecordingSource,
        store: BlobStore,
        workers: VideoWorkers,
        media: MediaStore,
        decrypt: Callable[[str], str | None],
        policy: ExportPolicy | None = None,
        bus: Bus | None = None,
        work_dir: Path | None = None,
    ) -> None:
        self._source = source
        self._store = store
        self._workers = workers
        self._media = media
        self._decrypt = decrypt
        self._policy = policy or ExportPolicy()
        self._bus = bus
        self._work_dir = work_dir

    async def run(self, export_id: int) -> ExportStatus:
        """One attempt at the export; the outcome is written to its row and returned."""
        now = utcnow()
        started = await VideoExport.filter(id=export_id, status=ExportStatus.PENDING).update(
            status=ExportStatus.RUNNING,
            attempts=F("attempts") + 1,
            lease_until=now + self._policy.lease,
            progress=0.0,
        )
        row = await VideoExport.get_or_none(id=export_id)
        if row is None:
            return ExportStatus.FAILED
        if not started:
            return row.status
        if row.attempts > self._policy.max_attempts:  # it died mid-run every time
            return await self._fail(
                row, ExportFailure.INTERNAL, f"gave up after {row.attempts - 1} attempts"
            )
        await self._publish(row)
        work: Path | None = None
        try:
            work = self._make_work_dir(row.id)
            if row.kind is ExportKind.SEGMENT:
                made, content_type = await self._segment(row, work), MP4_TYPE
            else:
                made, content_type = await self._evidence(row, work), ZIP_TYPE
            return await self._finish(row, made, content_type)
        except ExportError as exc:
            return await self._outcome(row, exc)
        except RecordingError as exc:
            return await self._outcome(
                row, ExportError(exc.code, exc.reason, retryable=exc.retryable)
            )
        except BundleIntegrityError as exc:
            return await self._fail(row, ExportFailure.EVIDENCE_ALTERED, str(exc))
        except MediaError as exc:
            if exc.code is MediaErrorCode.EMPTY_RANGE:
                reason = f"the recording does not cover the span: {exc.message}"
                error = ExportError(RecordingFailure.RECORDING_MISSING, reason, retryable=True)
            elif exc.code is MediaErrorCode.OUTPUT_FAILED:
                error = ExportError(ExportFailure.OUTPUT_FAILED, exc.message, retryable=True)
            else:
                error = ExportError(ExportFailure.MEDIA_UNREADABLE, exc.message)
            return await self._outcome(row, error)
        except Exception as exc:  # never a crash loop: counted, retried, then FAILED
            logger.exception("export %s failed unexpectedly", row.id)
            error = ExportError(ExportFailure.INTERNAL, type(exc).__name__, retryable=True)
            return await self._outcome(row, error)
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)

    def _make_work_dir(self, export_id: int) -> Path:
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"export{export_id}-", dir=self._work_dir))

    # ------------------------------------------------------------------ segment

    async def _segment(self, row: VideoExport, work: Path) -> _Made:
        if row.start_time is None or row.end_time is None or not row.camera_code:
            raise ExportError(ExportFailure.INTERNAL, "a segment export without camera or span")
        camera = await Camera.get_or_none(code=row.camera_code).select_related("site")
        if camera is None:
            raise ExportError(RecordingFailure.CAMERA_UNKNOWN, "camera not registered")
        steps = _Steps(3 if row.overlay else 2, lambda p: self._progress(row, p))
        access = recorder_access(camera, self._decrypt)
        fetched = await self._source.fetch(access, row.start_time, row.end_time, work / "rec")
        await steps.step()
        begin = (row.start_time - fetched.starts_at).total_seconds()
        finish = (row.end_time - fetched.starts_at).total_seconds()
        cut = await self._workers.run(cut_clip, fetched.path, work / "segment.mp4", begin, finish)
        await steps.step()
        row.file_name = f"{_safe(camera.code)}_{_stamp(row.start_time)}_{_stamp(row.end_time)}.mp4"
        if not row.overlay:
            return _Made(cut.path, cut.sha256)
        first = fetched.starts_at + timedelta(seconds=cut.start_offset)
        lines = caption(first, _zone(camera), [f"Camera {camera.code} {camera.name}".strip()])
        burned = await self._workers.run(burn_overlay, cut.path, work / "overlay.mp4", lines)
        await steps.step()
        return _Made(burned.path, burned.sha256)

    # ------------------------------------------------------------------ evidence

    async def _evidence(self, row: VideoExport, work: Path) -> _Made:
        event = await Event.get_or_none(id=row.event_id) if row.event_id else None
        if event is None:
            raise ExportError(ExportFailure.EVENT_GONE, "the event no longer exists")
        clips = await VideoClip.filter(event_id=event.id).order_by("role", "id")
        ready = [c for c in clips if c.status is ClipStatus.READY and c.storage_key]
        included = {c.id for c in ready}
        steps = _Steps(len(ready) * (2 if row.overlay else 1) + 2, lambda p: self._progress(row, p))
        items: list[BundleItem] = []
        for clip in ready:
            items += await self._clip_items(row, event, clip, work, steps)
        items += self._picture_items(event)
        items.append(
            BundleItem(
                "documentation.json",
                "documentation",
                data=json_bytes(await documentation_json(event)),
            )
        )
        items.append(
            BundleItem(
                "audit_trail.json", "audit", data=json_bytes(await audit_trail_json(event, clips))
            )
        )
        await steps.step()
        moment = utcnow()
        requester = await User.get_or_none(id=row.requested_by_id) if row.requested_by_id else None
        manifest = {
            "format": MANIFEST_FORMAT,
            "exportId": row.id,
            "generatedAt": moment.isoformat(),
            "requestedBy": {"id": requester.id, "name": requester.full_name} if requester else None,
            "overlay": row.overlay,
            "event": await event_summary(event),
            "clipsNotIncluded": [
                {
                    "camera": c.camera_code,
                    "role": c.role.value,
                    "status": c.status.value,
                    "failureCode": c.failure_code,
                    "failureReason": c.failure_reason,
                }
                for c in clips
                if c.id not in included
            ],
        }
        row.file_name = f"evidence_{_safe(event.plate)}_{event.id}_{_stamp(event.event_time)}.zip"
        bundle = await self._workers.run(
            write_bundle, items, manifest, work / row.file_name, moment, heavy=False
        )
        await steps.step()
        return _Made(bundle.path, bundle.sha256)

    async def _clip_items(
        self, row: VideoExport, event: Event, clip: VideoClip, work: Path, steps: _Steps
    ) -> list[BundleItem]:
        assert clip.storage_key is not None
        start = clip.start_time or clip.anchor_time
        base = f"{clip.role.value.lower()}_{_safe(clip.camera_code)}_{_stamp(start)}"
        local = work / f"clip-{clip.id}.mp4"
        missing = f"the clip of camera {clip.camera_code} is missing from the video store"
        try:
            await self._store.fetch_to_path(clip.storage_key, local)
            still = await self._store.get_bytes(clip.still_key) if clip.still_key else None
        except BlobNotFound:
            raise ExportError(ExportFailure.EVIDENCE_MISSING, missing) from None
        details = {
            "camera": clip.camera_code,
            "role": clip.role.value,
            "start": start.isoformat(),
            "end": clip.end_time.isoformat() if clip.end_time else None,
            "plateOffsetSeconds": clip.plate_offset_seconds,
        }
        items = [
            BundleItem(
                f"clips/{base}.mp4",
                "clip",
                source=local,
                details=details,
                expect_sha256=clip.sha256,
            )
        ]
        if still is not None:
            items.append(
                BundleItem(f"stills/{base}_plate.jpg", "still", data=still, details=details)
            )
        await steps.step()
        if row.overlay:
            camera = await Camera.get_or_none(code=clip.camera_code).select_related("site")
            label = f"Camera {clip.camera_code} {camera.name if camera else ''}".strip()
            lines = caption(start, _zone(camera), [f"Plate {event.plate}", label])
            burned = await self._workers.run(
                burn_overlay, local, work / f"overlay-{clip.id}.mp4", lines
            )
            items.append(
                BundleItem(
                    f"clips/overlay/{base}.mp4",
                    "clip-overlay",
                    source=burned.path,
                    details={**details, "overlayOf": f"clips/{base}.mp4"},
                )
            )
            await steps.step()
        return items

    def _picture_items(self, event: Event) -> list[BundleItem]:
        items: list[BundleItem] = []
        for role, read in (
            ("primary", event.primary_camera),
            ("secondary", event.secondary_camera),
        ):
            if not isinstance(read, dict):
                continue
            camera = str(read.get("code") or "camera")
            for index, picture in enumerate(read.get("pictures") or [], start=1):
                relative = str(picture.get("path") or "")
                path = self._media.resolve(relative) if relative else None
                if path is None or not path.is_file():
                    raise ExportError(
                        ExportFailure.EVIDENCE_MISSING,
                        f"picture {index} of camera {camera} is missing from the media store",
                    )
                kind = str(picture.get("kind") or "picture")
                stem = Path(relative).stem
                items.append(
                    BundleItem(
                        f"pictures/{role}_{_safe(camera)}_{index:02d}_{_safe(kind)}"
                        f"{Path(relative).suffix or '.bin'}",
                        "picture",
                        source=path,
                        details={"camera": camera, "role": role.upper(), "pictureKind": kind},
                        # Pictures are content-addressed: the name is the SHA-256 of the bytes.
                        expect_sha256=stem if _SHA256_NAME.fullmatch(stem) else None,
                    )
                )
        return items

    # ------------------------------------------------------------------ outcomes

    async def _finish(self, row: VideoExport, made: _Made, content_type: str) -> ExportStatus:
        assert row.file_name is not None
        key = f"exports/{row.id}/{row.file_name}"
        info = await self._store.put_file(key, made.path, content_type)
        row.status = ExportStatus.READY
        row.progress = 1.0
        row.storage_key = key
        row.size_bytes = info.size
        row.sha256 = made.sha256
        row.failure_code = row.failure_reason = None
        row.lease_until = None
        row.finished_at = utcnow()
        await row.save()
        await self._publish(row)
        return ExportStatus.READY

    async def _outcome(self, row: VideoExport, error: ExportError) -> ExportStatus:
        if not error.retryable:
            return await self._fail(row, error.code, error.reason)
        if row.attempts >= self._policy.max_attempts:
            reason = f"{error.reason} (gave up after {row.attempts} attempts)"
            return await self._fail(row, error.code, reason)
        row.status = ExportStatus.PENDING
        row.progress = 0.0
        row.failure_code, row.failure_reason = str(error.code), error.reason
        row.next_attempt_at = utcnow() + self._policy.backoff(row.attempts)
        row.lease_until = None
        await row.save()
        logger.info("export %s: %s, retry at %s", row.id, error.code, row.next_attempt_at)
        await self._publish(row)
        return ExportStatus.PENDING

    async def _fail(self, row: VideoExport, code: str, reason: str) -> ExportStatus:
        row.status = ExportStatus.FAILED
        row.failure_code, row.failure_reason = str(code), reason[:300]
        row.lease_until = None
        row.finished_at = utcnow()
        await row.save()
        logger.warning("export %s FAILED: %s %s", row.id, code, reason)
        await self._publish(row)
        return ExportStatus.FAILED

    async def _progress(self, row: VideoExport, progress: float) -> None:
        """Record and push progress; renews the lease (the job is alive)."""
        row.progress = round(progress, 3)
        row.lease_until = utcnow() + self._policy.lease
        await VideoExport.filter(id=row.id, status=ExportStatus.RUNNING).update(
            progress=row.progress, lease_until=row.lease_until
        )
        await self._publish(row)

    async def _publish(self, row: VideoExport) -> None:
        if self._bus is None:
            return
        try:
            await self._bus.publish(exports_channel(row.company_id), progress_message(row))
        except Exception:  # the row is the truth; a lost push is only a late progress bar
            logger.warning("export %s: progress push failed", row.id, exc_info=True)
