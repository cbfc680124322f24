"""Who may stream which clip, decided again on every request of the streaming route.

A stream URL proves that its user was shown the clip when it was minted; this module proves
the user may still see it now: the account is active, the clip's event is in the user's scope
(tenancy is read through ``scoping.clips_in``), and the user still holds VIEW_VIDEOS (or
DOWNLOAD_VIDEOS for attachments). A seeking player sends many range requests per view, so the
decision is cached for a few seconds per (user, clip, purpose); a disabled user or a moved
event loses access within that time at most.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import NotFound
from domcctv.models import AuditAction, ClipStatus, Event, ResourceType, User, VideoClip
from domcctv.services import audit
from domcctv.services.auth import RequestInfo, build_actor
from domcctv.services.clips import visible_clip

DECISION_TTL_SECONDS = 5.0
MAX_CACHED_DECISIONS = 10_000


class AccessRefused(Exception):
    """Why a stream request is refused: a stable code and an HTTP status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class ClipAccess:
    """A clip a user may stream now, with its event (for names and audit)."""

    actor: Actor
    clip: VideoClip
    event: Event


async def actor_for_user(user_id: int, info: RequestInfo) -> Actor:
    user = await User.get_or_none(id=user_id)
    if user is None or not user.is_active:
        raise AccessRefused("FORBIDDEN", "This account cannot play video", 403)
    return await build_actor(user, None, info)


class ClipAccessDecider:
    """Decides (and briefly caches) stream access to clips."""

    def __init__(self, ttl_seconds: float = DECISION_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._cache: dict[tuple[int, int, str], tuple[float, ClipAccess]] = {}

    async def clip_access(
        self, user_id: int, clip_id: int, purpose: str, info: RequestInfo
    ) -> ClipAccess:
        key = (user_id, clip_id, purpose)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        access = await self._decide(user_id, clip_id, purpose, info)
        if len(self._cache) >= MAX_CACHED_DECISIONS:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= MAX_CACHED_DECISIONS:
                self._cache.clear()
        self._cache[key] = (now + self._ttl, access)
        return access

    @staticmethod
    async def _decide(user_id: int, clip_id: int, purpose: str, info: RequestInfo) -> ClipAccess:
        actor = await actor_for_user(user_id, info)
        needed = Permission.DOWNLOAD_VIDEOS if purpose == "download" else Permission.VIEW_VIDEOS
        if not actor.can(Permission.READ_EVENTS) or not actor.can(needed):
            raise AccessRefused("FORBIDDEN", f"Requires {needed.value}", 403)
        try:
            clip, event = await visible_clip(actor, clip_id)
        except NotFound:
            raise AccessRefused("NOT_FOUND", "No such video clip", 404) from None
        if clip.status is not ClipStatus.READY or not clip.storage_key:
            raise AccessRefused("CLIP_NOT_READY", "This clip is not ready", 409)
        return ClipAccess(actor, clip, event)


async def record_clip_view(
    access: ClipAccess, *, download: bool, whole: bool, want_variants: bool = False
) -> None:
    """One audit row per playback start or download (never per range request). With
    ``want_variants`` a played clip without its lower qualities asks for them (made once, in
    the background, by ``services.clip_variants``)."""
    clip = access.clip
    if want_variants and not download and not clip.variants and not clip.variants_pending:
        await VideoClip.filter(id=clip.id, variants_pending=False).update(variants_pending=True)
        clip.variants_pending = True
    await audit.record(
        access.actor,
        AuditAction.DOWNLOAD_VIDEO if download else AuditAction.VIEW_VIDEO,
        ResourceType.VIDEO,
        access.clip.id,
        company_id=access.event.company_id,
        after={
            "eventId": access.event.id,
            "camera": access.clip.camera_code,
            "whole": whole,
        },
    )


def clip_file_name(access: ClipAccess, suffix: str = "mp4") -> str:
    """plate_camera_YYYYmmddTHHMMSSZ.mp4: what a person saving evidence expects to see."""
    start = access.clip.start_time or access.clip.anchor_time
    safe_camera = "".join(
        ch if ch.isalnum() or ch in "-_" else "-" for ch in access.clip.camera_code
    )
    return f"{access.event.plate}_{safe_camera}_{start:%Y%m%dT%H%M%SZ}.{suffix}"
