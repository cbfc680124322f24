"""Raw plate reads (idempotency + evidence of every reading) and the durable inbox."""

from __future__ import annotations

from enum import StrEnum
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
    """The database-backed queue used when no Redis is configured (receive now, process next).

    A failed row waits until ``next_attempt_at`` (backoff) while the rows behind it go on;
    after ``INGEST_MAX_ATTEMPTS`` it moves to the dead-letter table.
    """

    id = fields.BigIntField(primary_key=True)
    natural_key = fields.CharField(max_length=190, unique=True)
    payload: Any = fields.JSONField()
    received_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=300, null=True)

    class Meta:
        table = "ingest_inbox"
        indexes = (Index(fields=("processed_at", "id"), name="idx_inbox_pending"),)


class DeadLetterStatus(StrEnum):
    """Where a dead letter stands: waiting for an administrator, or dealt with."""

    PENDING = "PENDING"
    RETRIED = "RETRIED"
    DISCARDED = "DISCARDED"


class IngestDeadLetter(Model):
    """A read that failed processing ``INGEST_MAX_ATTEMPTS`` times (or could not be decoded).

    Kept whole (the queued JSON, or the raw text when it was not even JSON) so an administrator
    can retry it after a fix, or discard it; nothing a camera sent is ever silently dropped.
    """

    id = fields.BigIntField(primary_key=True)
    natural_key = fields.CharField(max_length=190, default="")
    source = fields.CharField(max_length=12, default="")
    camera_code = fields.CharField(max_length=64, default="")
    payload: Any = fields.JSONField()
    error = fields.CharField(max_length=500, default="")
    attempts = fields.IntField(default=0)
    first_failed_at = fields.DatetimeField(auto_now_add=True)
    last_failed_at = fields.DatetimeField(auto_now=True)
    status = fields.CharEnumField(
        DeadLetterStatus,
        max_length=10,
        default=DeadLetterStatus.PENDING,
        description="DeadLetterStatus value",
    )
    resolved_at = fields.DatetimeField(null=True)
    resolved_by_id = fields.IntField(null=True)

    class Meta:
        table = "ingest_dead_letters"
        indexes = (
            Index(fields=("status", "id"), name="idx_dead_status"),
            Index(fields=("natural_key",), name="idx_dead_key"),
        )


class LiveOutbox(Model):
    """Live pushes written in the same transaction as the change they announce.

    A relay publishes each row to the bus and stamps ``published_at``; a row left behind (bus
    down, process killed between commit and publish) is published later, so a committed change
    is always pushed. Published rows are kept a couple of minutes so a process whose bus
    subscription dropped can replay what it missed. The row id travels as the message id, so a
    re-publish or a replay is recognised downstream.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=120)
    message: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "live_outbox"
        indexes = (Index(fields=("published_at", "id"), name="idx_outbox_published"),)


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
