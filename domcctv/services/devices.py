"""Sites, user-triggered device actions (snapshot, PTZ) by permission, and the HikCentral
camera sync. The camera registry itself is ``services.cameras``."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.devices import CameraDirectory, DeviceAccess, DeviceControl
from domcctv.domain.errors import (
    Conflict,
    ErrorCode,
    FieldCode,
    IntegrationUnavailable,
    NotFound,
)
from domcctv.models import AuditAction, Camera, CameraSource, ResourceType, Site
from domcctv.services import audit
from domcctv.services.cameras import Cipher, require_staff
from domcctv.services.clock import utcnow
from domcctv.services.validation import Checker


async def list_sites(actor: Actor) -> list[Site]:
    require_staff(actor, Permission.READ_EVENTS)
    return await Site.all().order_by("name").limit(500)


async def get_site(actor: Actor, site_id: int) -> Site | None:
    """Sites are DOM's yards: staff only, like list_sites (None otherwise, as if missing)."""
    if not actor.is_staff or not actor.can(Permission.READ_EVENTS):
        return None
    return await Site.get_or_none(id=site_id)


async def create_site(actor: Actor, name: str, address: str = "") -> Site:
    require_staff(actor, Permission.SYSTEM_CONFIG)
    check = Checker()
    clean = check.text("name", name, max_length=100, required=True)
    clean_address = check.text("address", address, max_length=300) or ""
    check.raise_if_any()
    try:
        site = await Site.create(name=clean, address=clean_address)
    except IntegrityError as exc:
        raise Conflict("A site with this name exists", code=ErrorCode.DUPLICATE) from exc
    return site


async def _access(
    actor: Actor, camera_id: int, cipher: Cipher, *, ptz: bool
) -> tuple[Camera, DeviceAccess]:
    require_staff(actor, Permission.VIEW_VIDEOS)
    camera = await Camera.get_or_none(id=camera_id)
    if camera is None:
        raise NotFound("Camera not found")
    if ptz and not camera.supports_ptz:
        raise Conflict("This camera has no PTZ", code=ErrorCode.CONFLICT)
    password = cipher.decrypt(camera.password_encrypted) if camera.password_encrypted else None
    if not camera.isapi_url or not camera.username or password is None:
        raise Conflict("No ISAPI access configured for this camera", code=ErrorCode.CONFLICT)
    return camera, DeviceAccess(camera.isapi_url, camera.username, password, camera.channel)


async def _record_failure(camera: Camera, exc: IntegrationUnavailable) -> None:
    camera.last_error, camera.last_error_at = exc.message[:300], utcnow()
    await camera.save(update_fields=["last_error", "last_error_at", "updated_at"])


async def take_snapshot(
    actor: Actor, camera_id: int, cipher: Cipher, control: DeviceControl
) -> tuple[Camera, bytes]:
    camera, device = await _access(actor, camera_id, cipher, ptz=False)
    try:
        data = await control.snapshot(device)
    except IntegrationUnavailable as exc:
        await _record_failure(camera, exc)
        raise
    camera.last_seen_at = utcnow()
    await camera.save(update_fields=["last_seen_at", "updated_at"])
    await audit.record(
        actor,
        AuditAction.DEVICE_ACTION,
        ResourceType.DEVICE,
        camera.id,
        after={"camera": camera.code, "action": "snapshot"},
    )
    return camera, data


async def ptz(
    actor: Actor,
    camera_id: int,
    cipher: Cipher,
    control: DeviceControl,
    *,
    pan: int = 0,
    tilt: int = 0,
    zoom: int = 0,
    preset: int | None = None,
) -> Camera:
    """Move (any axis -100..100), stop (all zero) or go to a preset."""
    check = Checker()
    for name, value in (("pan", pan), ("tilt", tilt), ("zoom", zoom)):
        if not -100 <= value <= 100:
            check.add(name, FieldCode.OUT_OF_RANGE, f"{name} must be between -100 and 100")
    if preset is not None and not 1 <= preset <= 256:
        check.add("preset", FieldCode.OUT_OF_RANGE, "Preset must be 1..256")
    check.raise_if_any()
    camera, device = await _access(actor, camera_id, cipher, ptz=True)
    try:
        if preset is not None:
            await control.ptz_goto_preset(device, preset)
        elif pan == tilt == zoom == 0:
            await control.ptz_stop(device)
        else:
            await control.ptz_move(device, pan, tilt, zoom)
    except IntegrationUnavailable as exc:
        await _record_failure(camera, exc)
        raise
    await audit.record(
        actor,
        AuditAction.DEVICE_ACTION,
        ResourceType.DEVICE,
        camera.id,
        after={
            "camera": camera.code,
            "action": "ptz",
            "pan": pan,
            "tilt": tilt,
            "zoom": zoom,
            "preset": preset,
        },
    )
    return camera


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a HikCentral sync changed."""

    created: int
    updated: int
    cameras: list[Camera]


async def sync_cameras(actor: Actor, directory: CameraDirectory | None) -> SyncReport:
    """Upsert HikCentral's cameras (by index code); manual cameras are left alone."""
    require_staff(actor, Permission.SYSTEM_CONFIG)
    if directory is None:
        raise IntegrationUnavailable("No HikCentral is configured (HIKCENTRAL_URL)")
    listed = await directory.list_cameras()
    created = updated = 0
    async with in_transaction("default") as conn:
        for item in listed:
            camera = (
                await Camera.filter(hikcentral_index_code=item.index_code).using_db(conn).first()
            )
            seen = utcnow() if item.online else None
            if camera is None:
                await Camera.create(
                    code=item.index_code,
                    name=item.name[:100],
                    source=CameraSource.HIKCENTRAL,
                    hikcentral_index_code=item.index_code,
                    last_seen_at=seen,
                    using_db=conn,
                )
                created += 1
            else:
                camera.name = item.name[:100]
                if seen:
                    camera.last_seen_at = seen
                await camera.save(using_db=conn)
                updated += 1
        await audit.record(
            actor,
            AuditAction.CONFIGURE_DEVICE,
            ResourceType.DEVICE,
            "hikcentral-sync",
            after={"created": created, "updated": updated},
            using_db=conn,
        )
    codes = [c.index_code for c in listed]
    cameras = await Camera.filter(hikcentral_index_code__in=codes).order_by("code")
    return SyncReport(created, updated, cameras)
