"""Video evidence: one clip per camera that read an event, and segment/evidence exports.

A clip row is its own durable job: it is created PENDING in the ingest transaction that
creates (or merges into) the event, so a pass can never lose its clip request, and the capture
worker claims due rows with a lease (``lease_until``) so two workers never fetch the same clip
and a worker that dies mid-fetch only delays it. Tenancy comes from the clip's event (a
company assigned later re-scopes its clips at once); nothing here copies the company.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from domcctv.models.event import Event
    from domcctv.models.user import User


class ClipStatus(StrEnum):
    """Where a clip is in its life."""

    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


class CameraRole(StrEnum):
    """Which read of the event the camera gave."""

    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"


class VideoClip(Model):
    """The footage of one camera around one event, stored as a faststart MP4 (+ HLS, stills)."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="clips", on_delete=fields.CASCADE
    )
    event_id: int
    camera_code = fields.CharField(max_length=64)
    role = fields.CharEnumField(CameraRole, max_length=10, description="CameraRole value")
    # The moment the plate was read by this camera; the clip is cut around it.
    anchor_time = fields.DatetimeField()
    start_time = fields.DatetimeField(null=True)
    end_time = fields.DatetimeField(null=True)
    status = fields.CharEnumField(
        ClipStatus, max_length=10, default=ClipStatus.PENDING, description="ClipStatus value"
    )
    failure_code = fields.CharField(max_length=40, null=True)
    failure_reason = fields.CharField(max_length=300, null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    source = fields.CharField(max_length=20, null=True)
    storage_key = fields.CharField(max_length=200, null=True)
    hls_prefix = fields.CharField(max_length=200, null=True)
    still_key = fields.CharField(max_length=200, null=True)
    # Quality name -> storage key of a transcoded copy (MEDIUM, LOW), filled in the background.
    variants: Any = fields.JSONField(default=dict)
    variants_pending = fields.BooleanField(default=False)
    size_bytes = fields.BigIntField(null=True)
    sha256 = fields.CharField(max_length=64, null=True)
    duration_seconds = fields.FloatField(null=True)
    plate_offset_seconds = fields.FloatField(null=True)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    codec = fields.CharField(max_length=20, null=True)
    fps = fields.FloatField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    ready_at = fields.DatetimeField(null=True)

    class Meta:
        table = "video_clips"
        unique_together = (("event_id", "camera_code"),)
        indexes = (
            Index(fields=("status", "next_attempt_at"), name="idx_clip_due"),
            Index(fields=("variants_pending", "status"), name="idx_clip_variants"),
            Index(fields=("created_at",), name="idx_clip_created"),
        )


class ExportKind(StrEnum):
    """What an export job produces."""

    SEGMENT = "SEGMENT"
    EVIDENCE = "EVIDENCE"


class ExportStatus(StrEnum):
    """Where an export job is."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"


class VideoExport(Model):
    """A background export: an arbitrary recorded segment of a camera, or an event's bundle."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(ExportKind, max_length=10, description="ExportKind value")
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="video_exports", null=True, on_delete=fields.SET_NULL
    )
    requested_by_id: int | None
    # The tenant that may see the result: the event's company, or the camera's for segments
    # (None: staff only).
    company_id = fields.IntField(null=True)
    event_id = fields.BigIntField(null=True)
    camera_code = fields.CharField(max_length=64, null=True)
    start_time = fields.DatetimeField(null=True)
    end_time = fields.DatetimeField(null=True)
    overlay = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        ExportStatus, max_length=10, default=ExportStatus.PENDING, description="ExportStatus value"
    )
    progress = fields.FloatField(default=0.0)
    failure_code = fields.CharField(max_length=40, null=True)
    failure_reason = fields.CharField(max_length=300, null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    storage_key = fields.CharField(max_length=200, null=True)
    file_name = fields.CharField(max_length=120, null=True)
    size_bytes = fields.BigIntField(null=True)
    sha256 = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "video_exports"
        indexes = (
            Index(fields=("status", "next_attempt_at"), name="idx_export_due"),
            Index(fields=("requested_by_id", "created_at"), name="idx_export_user"),
        )
