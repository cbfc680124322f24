"""Staff actions on video evidence: retry a failed clip, put an event on legal hold, and
search a camera's recorder.

Each goes through the same scoped lookups as reading (an event outside the actor's scope is
NotFound) and is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import (
    FieldCode,
    FieldError,
    IntegrationUnavailable,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.domain.recordings import RecordingError, RecordingSource, RecordingSpan
from domcctv.models import (
    AuditAction,
    Camera,
    ClipStatus,
    Company,
    Event,
    ResourceType,
    Site,
    VideoClip,
)
from domcctv.services import audit
from domcctv.services.clips import require_video, visible_clip
from domcctv.services.clock import utcnow
from domcctv.services.events import get_event
from domcctv.services.recorder_access import recorder_access

MAX_SEARCH_SPAN = timedelta(days=3)


def _require_staff(actor: Actor, permission: Permission) -> None:
    if not actor.is_staff:
        raise PermissionDenied("DOM staff only")
    require_video(actor, permission)


async def retry_clip(actor: Actor, clip_id: int) -> VideoClip:
    """Capture a FAILED clip again (attempts start over), e.g. after a recorder came back."""
    _require_staff(actor, Permission.VIEW_VIDEOS)
    clip, event = await visible_clip(actor, clip_id)
    if clip.status is not ClipStatus.FAILED:
        raise InvalidInput.single(
            "clipId", FieldCode.NOT_ALLOWED, "Only a failed clip can be retried"
        )
    async with in_transaction("default") as conn:
        updated = (
            await VideoClip.filter(id=clip.id, status=ClipStatus.FAILED)
            .using_db(conn)
            .update(
                status=ClipStatus.PENDING, attempts=0, next_attempt_at=utcnow(), lease_until=None
            )
        )
        if updated:
            await audit.record(
                actor,
                AuditAction.RETRY_VIDEO_CLIP,
                ResourceType.VIDEO,
                clip.id,
                company_id=event.company_id,
                before={"status": "FAILED", "failureCode": clip.failure_code},
                using_db=conn,
            )
    await clip.refresh_from_db()
    return clip


async def set_legal_hold(actor: Actor, event_id: int, hold: bool, reason: str | None) -> Event:
    """Exempt (or release) an event's evidence from the retention purge."""
    if not actor.is_staff or not actor.can(Permission.DELETE_EVENTS):
        raise PermissionDenied("Requires DELETE_EVENTS (supervisors and administrators)")
    event = await get_event(actor, event_id, audit_view=False)
    if event is None:
        raise NotFound("No such event")
    text = (reason or "").strip()
    if hold and not text:
        raise InvalidInput.single("reason", FieldCode.REQUIRED, "A legal hold needs a reason")
    if len(text) > 300:
        raise InvalidInput.single("reason", FieldCode.TOO_LONG, "At most 300 characters")
    before = {"legalHold": event.legal_hold, "reason": event.legal_hold_reason}
    event.legal_hold = hold
    event.legal_hold_reason = text if hold else None
    async with in_transaction("default") as conn:
        await event.save(using_db=conn, update_fields=["legal_hold", "legal_hold_reason"])
        await audit.record(
            actor,
            AuditAction.SET_LEGAL_HOLD,
            ResourceType.EVENT,
            event.id,
            company_id=event.company_id,
            before=before,
            after={"legalHold": hold, "reason": event.legal_hold_reason},
            using_db=conn,
        )
    return event


async def search_recordings(
    actor: Actor,
    camera_id: int,
    start: datetime,
    end: datetime,
    source: RecordingSource,
    decrypt: Callable[[str], str | None],
) -> list[RecordingSpan]:
    """The spans the camera's recorder holds in [start, end] (staff, VIEW_VIDEOS)."""
    _require_staff(actor, Permission.VIEW_VIDEOS)
    if end <= start:
        raise InvalidInput.single("to", FieldCode.OUT_OF_RANGE, "`to` must be after `from`")
    if end - start > MAX_SEARCH_SPAN:
        raise InvalidInput.single("to", FieldCode.OUT_OF_RANGE, "Search at most 3 days at once")
    camera = await Camera.get_or_none(id=camera_id).select_related("site")
    if camera is None:
        raise NotFound("No such camera")
    access = recorder_access(camera, decrypt)
    try:
        return await source.search(access, start, end)
    except RecordingError as exc:
        raise IntegrationUnavailable(exc.reason) from exc


MAX_PRE_ROLL_SECONDS = 300
MAX_POST_ROLL_SECONDS = 600
MAX_RETENTION_DAYS = 3650


async def set_site_clip_window(actor: Actor, site_id: int, pre: int, post: int) -> Site:
    """How much footage each clip of the site's cameras keeps around the read (new clips)."""
    if not actor.is_staff or not actor.can(Permission.SYSTEM_CONFIG):
        raise PermissionDenied("Requires SYSTEM_CONFIG")
    errors = []
    if not 0 <= pre <= MAX_PRE_ROLL_SECONDS:
        errors.append(
            FieldError("preRollSeconds", FieldCode.OUT_OF_RANGE, f"0 to {MAX_PRE_ROLL_SECONDS}")
        )
    if not 1 <= post <= MAX_POST_ROLL_SECONDS:
        errors.append(
            FieldError("postRollSeconds", FieldCode.OUT_OF_RANGE, f"1 to {MAX_POST_ROLL_SECONDS}")
        )
    if errors:
        raise InvalidInput(errors)
    site = await Site.get_or_none(id=site_id)
    if site is None:
        raise NotFound("Site not found")
    before = {"preRoll": site.clip_pre_roll_seconds, "postRoll": site.clip_post_roll_seconds}
    site.clip_pre_roll_seconds, site.clip_post_roll_seconds = pre, post
    async with in_transaction("default") as conn:
        await site.save(
            using_db=conn, update_fields=["clip_pre_roll_seconds", "clip_post_roll_seconds"]
        )
        await audit.record(
            actor,
            AuditAction.CONFIGURE_DEVICE,
            ResourceType.DEVICE,
            f"site:{site.id}",
            before=before,
            after={"preRoll": pre, "postRoll": post},
            using_db=conn,
        )
    return site


async def set_company_retention(actor: Actor, company_id: int, days: int | None) -> Company:
    """Days the company's video evidence is kept (None: the server default)."""
    if not actor.is_staff or not actor.can(Permission.MANAGE_COMPANIES):
        raise PermissionDenied("Requires MANAGE_COMPANIES")
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise InvalidInput.single("days", FieldCode.OUT_OF_RANGE, f"1 to {MAX_RETENTION_DAYS}")
    company = await Company.get_or_none(id=company_id)
    if company is None:
        raise NotFound("Company not found")
    before = {"videoRetentionDays": company.video_retention_days}
    company.video_retention_days = days
    async with in_transaction("default") as conn:
        await company.save(using_db=conn, update_fields=["video_retention_days", "updated_at"])
        await audit.record(
            actor,
            AuditAction.UPDATE_COMPANY,
            ResourceType.COMPANY,
            company.id,
            company_id=company.id,
            before=before,
            after={"videoRetentionDays": days},
            using_db=conn,
        )
    return company
