"""Sites (yards) and cameras, synced from HikCentral or added by hand with ISAPI access."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class CameraSource(StrEnum):
    """Where a camera record comes from."""

    HIKCENTRAL = "HIKCENTRAL"
    MANUAL = "MANUAL"


class Site(Model):
    """A DOM yard (HikCentral region/area) grouping cameras."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    address = fields.CharField(max_length=300, default="")
    timezone = fields.CharField(max_length=50, default="America/Santiago")
    # Footage kept around each read: seconds before and after the plate was read.
    clip_pre_roll_seconds = fields.IntField(default=10, db_default=10)
    clip_post_roll_seconds = fields.IntField(default=20, db_default=20)
    hikcentral_region_code = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sites"


class Camera(Model):
    """An ANPR or overview camera. Device passwords are stored encrypted (Fernet)."""

    id = fields.IntField(primary_key=True)
    site: fields.ForeignKeyNullableRelation[Site] = fields.ForeignKeyField(
        "models.Site", related_name="cameras", null=True, on_delete=fields.SET_NULL
    )
    site_id: int | None
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    source = fields.CharEnumField(CameraSource, max_length=10, default=CameraSource.MANUAL)
    hikcentral_index_code = fields.CharField(max_length=64, null=True, unique=True)
    isapi_url = fields.CharField(max_length=300, null=True)
    username = fields.CharField(max_length=64, null=True)
    password_encrypted = fields.TextField(null=True)
    channel = fields.IntField(default=1)
    # IANA zone for device times that carry no offset (and for "Z" when z_is_local_time);
    # None: the site's zone.
    timezone = fields.CharField(max_length=50, null=True)
    # Some firmware writes local wall-clock time with a "Z" suffix.
    z_is_local_time = fields.BooleanField(default=False)
    serial_number = fields.CharField(max_length=64, null=True)
    mac_address = fields.CharField(max_length=17, null=True)
    push_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    is_anpr = fields.BooleanField(default=True)
    supports_ptz = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    last_seen_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    last_error_at = fields.DatetimeField(null=True)
    details: Any = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "cameras"
        indexes = (
            Index(fields=("mac_address", "channel"), name="idx_camera_mac_channel"),
            Index(fields=("site_id",), name="idx_camera_site"),
        )
