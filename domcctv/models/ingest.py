"""Raw plate reads (idempotency + evidence of every reading) and the durable inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from domcctv.models.event import Event


class PlateReadRecord(Model):
    """One camera reading as received. The unique natural key makes ingest idempotent."""

    id = fields.BigIntField(primary_key=True)
    natural_key = fields.CharField(max_length=190, unique=True)
    pass_key = fields.CharField(max_length=120)
    source = fields.CharField(max_length=12)
    camera_code = fields.CharField(max_length=64)
    plate_raw = fields.CharField(max_length=32)
    plate = fields.CharField(max_length=10)
    confidence = fields.FloatField()
    occurred_at = fields.DatetimeField()
    received_at = fields.DatetimeField(auto_now_add=True)
    pictures: Any = fields.JSONField(default=list)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="reads", on_delete=fields.CASCADE
    )
    event_id: int

    class Meta:
        table = "plate_reads"
        indexes = (
            Index(fields=("pass_key",), name="idx_read_pass"),
            Index(fields=("event_id",), name="idx_read_event"),
            Index(fields=("camera_code", "occurred_at"), name="idx_read_camera_time"),
        )


class IngestInbox(Model):
    """The database-backed queue used when no Redis is configured (receive now, process next)."""

    id = fields.BigIntField(primary_key=True)
    natural_key = fields.CharField(max_length=190, unique=True)
    payload: Any = fields.JSONField()
    received_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    processed_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=300, null=True)

    class Meta:
        table = "ingest_inbox"
        indexes = (Index(fields=("processed_at", "id"), name="idx_inbox_pending"),)


class WatchlistEntry(Model):
    """A plate to raise an alert for (per company, or global when company is null)."""

    id = fields.IntField(primary_key=True)
    company_id = fields.IntField(null=True)
    plate = fields.CharField(max_length=10)
    plate_skeleton = fields.CharField(max_length=10)
    reason = fields.CharField(max_length=200, default="")
    is_active = fields.BooleanField(default=True)
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "watchlist_entries"
        unique_together = (("company_id", "plate"),)
        indexes = (Index(fields=("plate_skeleton", "is_active"), name="idx_watch_skeleton"),)
