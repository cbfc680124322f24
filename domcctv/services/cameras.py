"""Cameras: listing with health, manual registration (encrypted credentials, push tokens),
changes (time zone, PTZ, active) and push-token rotation, announced to every process."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo
from enum import Enum, StrEnum
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import (
    Conflict,
    ErrorCode,
    FieldCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.models import AuditAction, Camera, CameraSource, ResourceType, Site
from domcctv.services import audit, outbox
from domcctv.services.clock import utcnow
from domcctv.services.preferences import known_timezones
from domcctv.services.validation import Checker

STALE_AFTER = timedelta(minutes=10)
# Bus channel announcing camera changes that running processes must apply at once (a rotated
# or disabled push token, new time-zone settings). Staged in the outbox with the change.
DEVICE_CHANGES_CHANNEL = "domcctv:system:devices"


class CameraHealth(StrEnum):
    """Derived from last_seen / last_error."""

    ONLINE = "ONLINE"
    STALE = "STALE"
    ERROR = "ERROR"
    UNKNOWN = "UNKNOWN"


class Cipher(Protocol):
    """Encrypts device passwords at rest."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, token: str) -> str | None: ...


def health_of(camera: Camera) -> CameraHealth:
    now = utcnow()
    if camera.last_error_at and (
        camera.last_seen_at is None or camera.last_error_at > camera.last_seen_at
    ):
        return CameraHealth.ERROR
    if camera.last_seen_at is None:
        return CameraHealth.UNKNOWN
    return CameraHealth.ONLINE if now - camera.last_seen_at < STALE_AFTER else CameraHealth.STALE


def require_staff(actor: Actor, permission: Permission) -> None:
    if not actor.is_staff or not actor.can(permission):
        raise PermissionDenied(f"Needs {permission} (DOM staff)")


async def list_cameras(actor: Actor, site_id: int | None = None) -> list[Camera]:
    require_staff(actor, Permission.READ_EVENTS)
    qs = Camera.all() if site_id is None else Camera.filter(site_id=site_id)
    return await qs.order_by("code").limit(1000)


async def get_camera(actor: Actor, camera_id: int) -> Camera | None:
    if not actor.is_staff or not actor.can(Permission.READ_EVENTS):
        return None
    return await Camera.get_or_none(id=camera_id)


@dataclass(frozen=True, slots=True)
class NewCameraInput:
    """A camera added by hand with its ISAPI address and credentials."""

    code: str
    name: str
    site_id: int | None
    isapi_url: str
    username: str
    password: str
    channel: int = 1
    supports_ptz: bool = False
    timezone: str | None = None
    z_is_local_time: bool = False


def camera_zone(camera_timezone: str | None, site_timezone: str | None) -> tzinfo:
    """The zone a camera's offset-less times are read in: its own, else its site's, else UTC.

    Names were validated against the IANA list when saved; one that no longer loads (tzdata
    changed) falls through to the next rather than refusing the camera's reads.
    """
    for name in (camera_timezone, site_timezone):
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return UTC


def _check_timezone(check: Checker, value: str | None) -> str | None:
    """An IANA zone name from the zone list (never loaded by name: ZoneInfo accepts paths)."""
    if value is None:
        return None
    cleaned = value.strip()
    if cleaned not in known_timezones():
        check.add("timezone", FieldCode.INVALID_FORMAT, "Unknown IANA time zone")
        return None
    return cleaned


async def _announce_camera_change(camera_id: int, conn: Any) -> None:
    """Every process forgets its cached view of this camera once the change commits."""
    await outbox.stage(
        DEVICE_CHANGES_CHANNEL, {"v": 1, "type": "camera", "cameraId": camera_id}, using_db=conn
    )


def _validated_camera(data: NewCameraInput) -> dict[str, Any]:
    check = Checker()
    zone = _check_timezone(check, data.timezone)
    code = check.text("code", data.code, max_length=64, required=True)
    name = check.text("name", data.name, max_length=100, required=True)
    url = check.text("isapiUrl", data.isapi_url, max_length=300, required=True)
    if url and not url.startswith(("http://", "https://")):
        check.add("isapiUrl", FieldCode.INVALID_FORMAT, "Must be an http(s):// URL")
    user = check.text("username", data.username, max_length=64, required=True)
    if not data.password or len(data.password) > 128:
        check.add("password", FieldCode.REQUIRED, "Device password is required (≤ 128)")
    if not 1 <= data.channel <= 512:
        check.add("channel", FieldCode.OUT_OF_RANGE, "Channel must be 1..512")
    check.raise_if_any()
    return {
        "code": code,
        "name": name,
        "isapi_url": url.rstrip("/") if url else url,
        "username": user,
        "channel": data.channel,
        "supports_ptz": data.supports_ptz,
        "timezone": zone,
        "z_is_local_time": data.z_is_local_time,
    }


async def add_camera(actor: Actor, data: NewCameraInput, cipher: Cipher) -> tuple[Camera, str]:
    """Register a camera; returns it with its push token (shown once, stored hashed)."""
    require_staff(actor, Permission.SYSTEM_CONFIG)
    values = _validated_camera(data)
    if data.site_id is not None and not await Site.exists(id=data.site_id):
        raise InvalidInput.single("siteId", FieldCode.UNKNOWN_REFERENCE, "Unknown site")
    token = secrets.token_urlsafe(24)
    try:
        async with in_transaction("default") as conn:
            camera = await Camera.create(
                **values,
                site_id=data.site_id,
                source=CameraSource.MANUAL,
                password_encrypted=cipher.encrypt(data.password),
                push_token_hash=hashlib.sha256(token.encode()).hexdigest(),
                using_db=conn,
            )
            await audit.record(
                actor,
                AuditAction.CONFIGURE_DEVICE,
                ResourceType.DEVICE,
                camera.id,
                after={"camera": camera.code, "isapiUrl": camera.isapi_url},
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict("A camera with this code exists", code=ErrorCode.DUPLICATE) from exc
    return camera, token


async def rotate_push_token(actor: Actor, camera_id: int) -> tuple[Camera, str]:
    require_staff(actor, Permission.SYSTEM_CONFIG)
    camera = await Camera.get_or_none(id=camera_id)
    if camera is None:
        raise NotFound("Camera not found")
    token = secrets.token_urlsafe(24)
    camera.push_token_hash = hashlib.sha256(token.encode()).hexdigest()
    async with in_transaction("default") as conn:
        await camera.save(update_fields=["push_token_hash", "updated_at"], using_db=conn)
        await _announce_camera_change(camera.id, conn)
        await audit.record(
            actor,
            AuditAction.CONFIGURE_DEVICE,
            ResourceType.DEVICE,
            camera.id,
            after={"camera": camera.code, "pushToken": "rotated"},
            using_db=conn,
        )
    return camera, token


class _Unchanged(Enum):
    UNCHANGED = "UNCHANGED"


UNCHANGED = _Unchanged.UNCHANGED
type Keep = Literal[_Unchanged.UNCHANGED]


@dataclass(frozen=True, slots=True)
class CameraChanges:
    """Changes to a camera; ``UNCHANGED`` (the default) leaves a field as it is.

    ``site_id`` and ``timezone`` take None explicitly: no site; the site's time zone.
    """

    name: str | Keep = UNCHANGED
    site_id: int | Keep | None = UNCHANGED
    timezone: str | Keep | None = UNCHANGED
    z_is_local_time: bool | Keep = UNCHANGED
    supports_ptz: bool | Keep = UNCHANGED
    is_active: bool | Keep = UNCHANGED


def _validated_changes(changes: CameraChanges) -> dict[str, Any]:
    check = Checker()
    values: dict[str, Any] = {}
    if changes.name is not UNCHANGED:
        values["name"] = check.text("name", changes.name, max_length=100, required=True)
    if changes.timezone is not UNCHANGED:
        values["timezone"] = (
            None if changes.timezone is None else _check_timezone(check, changes.timezone)
        )
    if changes.site_id is not UNCHANGED:
        values["site_id"] = changes.site_id
    for name in ("z_is_local_time", "supports_ptz", "is_active"):
        value = getattr(changes, name)
        if value is not UNCHANGED:
            values[name] = bool(value)
    check.raise_if_any()
    return values


async def update_camera(actor: Actor, camera_id: int, changes: CameraChanges) -> Camera:
    """Rename, move, re-zone, enable/disable a camera; audited, and announced so every
    process applies it at once (push receivers forget the camera's cached settings)."""
    require_staff(actor, Permission.SYSTEM_CONFIG)
    values = _validated_changes(changes)
    camera = await Camera.get_or_none(id=camera_id)
    if camera is None:
        raise NotFound("Camera not found")
    site_id = values.get("site_id")
    if site_id is not None and not await Site.exists(id=site_id):
        raise InvalidInput.single("siteId", FieldCode.UNKNOWN_REFERENCE, "Unknown site")
    changed = {k: v for k, v in values.items() if getattr(camera, k) != v}
    if not changed:
        return camera
    before = {k: getattr(camera, k) for k in changed}
    camera.update_from_dict(changed)
    async with in_transaction("default") as conn:
        await camera.save(update_fields=[*changed, "updated_at"], using_db=conn)
        await _announce_camera_change(camera.id, conn)
        await audit.record(
            actor,
            AuditAction.CONFIGURE_DEVICE,
            ResourceType.DEVICE,
            camera.id,
            before={"camera": camera.code, **before},
            after={"camera": camera.code, **changed},
            using_db=conn,
        )
    return camera
