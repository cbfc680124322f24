"""Clip requests and clip lookups: what the ingest schedules and what readers may see.

Every camera that reads an event gets one clip request, created in the ingest transaction
(the primary camera when the event is created, the secondary when its read merges in), so the
request is exactly as durable as the event. The capture worker (``services.clip_capture``)
fills it once the recorder holds the post-roll. Readers only ever reach clips through
``scoping.clips_in``, i.e. through the tenancy of the clip's event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from domcctv.domain.access import Actor, Permission, can_see_archived
from domcctv.domain.errors import NotFound, PermissionDenied
from domcctv.domain.lifecycle import EventStatus
from domcctv.models import CameraRole, ClipStatus, Event, VideoClip
from domcctv.services.scoping import clips_in

DEFAULT_PRE_ROLL_SECONDS = 10
DEFAULT_POST_ROLL_SECONDS = 20
RECORDER_LAG_SECONDS = 5
"""Recorders write their buffers to disk a few seconds late; asking for the post-roll before
that only costs an attempt."""


async def schedule_clip(
    event_id: int,
    camera_code: str,
    role: CameraRole,
    anchor: datetime,
    *,
    using_db: BaseDBAsyncClient,
) -> VideoClip:
    """A PENDING clip of ``camera_code`` around ``anchor``, due once the default post-roll is
    recorded (the worker re-plans it with the site's own pre/post-roll when it claims it)."""
    due = anchor + timedelta(seconds=DEFAULT_POST_ROLL_SECONDS + RECORDER_LAG_SECONDS)
    return await VideoClip.create(
        event_id=event_id,
        camera_code=camera_code,
        role=role,
        anchor_time=anchor,
        next_attempt_at=due,
        using_db=using_db,
    )


async def clips_by_event_id(ids: Sequence[int], *, actor: Actor) -> list[list[VideoClip]]:
    """The clips of each event, primary first; empty for events outside the actor's scope."""
    rows = (
        await clips_in(actor.scope)
        .filter(event_id__in=list(ids))
        .order_by("event_id", "role", "id")
    )
    by_event: dict[int, list[VideoClip]] = {}
    for row in rows:
        by_event.setdefault(row.event_id, []).append(row)
    return [by_event.get(i, []) for i in ids]


async def visible_clip(actor: Actor, clip_id: int) -> tuple[VideoClip, Event]:
    """A clip and its event when the actor may see that event, else NotFound (another
    company's clip and a missing one are indistinguishable)."""
    clip = await clips_in(actor.scope).filter(id=clip_id).select_related("event").first()
    if clip is None:
        raise NotFound("No such video clip")
    event: Event = clip.event
    if event.status is EventStatus.ARCHIVED and not can_see_archived(actor):
        raise NotFound("No such video clip")
    return clip, event


def require_video(actor: Actor, permission: Permission = Permission.VIEW_VIDEOS) -> None:
    """Video needs its own permission on top of seeing the event."""
    if not actor.can(permission):
        raise PermissionDenied(f"Requires {permission.value}")


def ready(clip: VideoClip) -> bool:
    return clip.status is ClipStatus.READY and clip.storage_key is not None
