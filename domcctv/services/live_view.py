"""Who may watch a camera's live picture, decided when the URL is minted and on every request.

Rules: the camera exists and is active; the actor holds VIEW_VIDEOS; DOM staff may watch any
camera; a CLIENT_USER only a camera of its company.

"Its company" for a camera: the model has no camera-company (or site-company) link, because
a yard's cameras film every company's trucks. Until one exists, a camera is shown to a
client company only when an administrator lists that company in the camera's
``details["company_ids"]`` (a JSON list of company ids, e.g. the camera at a client's own
gate). No list, or a list without the user's company, means staff only. A camera outside the
actor's reach is :class:`NotFound` (the same answer as a camera that does not exist, as
everywhere tenancy is enforced), a deactivated one :class:`Conflict`.

Each stream request re-checks the user (still active, same rights) because a link outlives
the decision that minted it; each stream started is one VIEW_VIDEO audit row (resource
VIDEO, the camera's id, ``after={"live": <camera code>}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import (
    Conflict,
    DomcctvError,
    FieldCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.models import AuditAction, Camera, Company, ResourceType
from domcctv.services import audit
from domcctv.services.auth import RequestInfo
from domcctv.services.video_access import AccessRefused, actor_for_user

COMPANY_IDS_KEY = "company_ids"


class LiveLinks(Protocol):
    """Mints the stream URL (``VideoLinks`` in the app)."""

    def live(self, actor: Actor, camera_id: int) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LiveAccess:
    """A camera the actor may watch live now."""

    actor: Actor
    camera: Camera


def camera_company_ids(details: Any) -> frozenset[int]:
    """The companies a camera is shown to (``details["company_ids"]``); malformed: none."""
    if not isinstance(details, dict):
        return frozenset()
    raw = details.get(COMPANY_IDS_KEY)
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(i for i in raw if isinstance(i, int) and not isinstance(i, bool))


def may_watch(actor: Actor, camera: Camera) -> bool:
    """Staff: any camera; a client user: a camera listed for its company."""
    if actor.is_staff:
        return True
    return actor.company_id is not None and actor.company_id in camera_company_ids(camera.details)


async def watchable_camera(actor: Actor, camera_id: int) -> Camera:
    """The camera, if ``actor`` may watch it live; NotFound / PermissionDenied / Conflict."""
    if not actor.can(Permission.VIEW_VIDEOS):
        raise PermissionDenied(f"Requires {Permission.VIEW_VIDEOS.value}")
    camera = await Camera.get_or_none(id=camera_id).select_related("site")
    if camera is None or not may_watch(actor, camera):
        raise NotFound("No such camera")
    if not camera.is_active:
        raise Conflict("This camera is deactivated")
    return camera


async def live_stream_url(actor: Actor, camera_id: int, links: LiveLinks) -> str | None:
    """The signed ``/video/<token>/live.mp4`` URL of a camera the actor may watch."""
    camera = await watchable_camera(actor, camera_id)
    return links.live(actor, camera.id)


_STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 409}


async def live_access(user_id: int, camera_id: int, info: RequestInfo) -> LiveAccess:
    """The stream route's check: the token's user, as it is now, may watch the camera.

    Raises :class:`AccessRefused` with the HTTP status of the refusal."""
    actor = await actor_for_user(user_id, info)
    try:
        camera = await watchable_camera(actor, camera_id)
    except DomcctvError as exc:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 403)
        raise AccessRefused(exc.code.value, exc.message, status) from None
    return LiveAccess(actor, camera)


async def record_live_view(access: LiveAccess) -> None:
    """One audit row per live stream started (a viewer, not a fragment)."""
    actor = access.actor
    await audit.record(
        actor,
        AuditAction.VIEW_VIDEO,
        ResourceType.VIDEO,
        access.camera.id,
        company_id=None if actor.is_staff else actor.company_id,
        after={"live": access.camera.code},
    )


async def watchable_cameras(actor: Actor) -> list[Camera]:
    """Active cameras the actor may watch live, by name (staff: all; a client: its own)."""
    if not actor.can(Permission.VIEW_VIDEOS):
        raise PermissionDenied(f"Requires {Permission.VIEW_VIDEOS.value}")
    cameras = await Camera.filter(is_active=True).order_by("name", "id")
    return [camera for camera in cameras if may_watch(actor, camera)]


async def set_camera_companies(actor: Actor, camera_id: int, company_ids: list[int]) -> Camera:
    """Which client companies may watch a camera live (e.g. the camera at a client's gate)."""
    if not actor.is_staff or not actor.can(Permission.SYSTEM_CONFIG):
        raise PermissionDenied(f"Requires {Permission.SYSTEM_CONFIG.value}")
    wanted = sorted(set(company_ids))
    found: list[Any] = await Company.filter(id__in=wanted).values_list("id", flat=True)
    known = {int(cid) for cid in found}
    unknown = [cid for cid in wanted if cid not in known]
    if unknown:
        raise InvalidInput.single(
            "companyIds", FieldCode.UNKNOWN_REFERENCE, f"No such company: {unknown}"
        )
    camera = await Camera.get_or_none(id=camera_id)
    if camera is None:
        raise NotFound("Camera not found")
    details = dict(camera.details) if isinstance(camera.details, dict) else {}
    before = sorted(camera_company_ids(details))
    details[COMPANY_IDS_KEY] = wanted
    camera.details = details
    async with in_transaction("default") as conn:
        await camera.save(using_db=conn, update_fields=["details", "updated_at"])
        await audit.record(
            actor,
            AuditAction.CONFIGURE_DEVICE,
            ResourceType.DEVICE,
            camera.id,
            before={"liveCompanies": before},
            after={"liveCompanies": wanted},
            using_db=conn,
        )
    return camera
