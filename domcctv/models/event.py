"""ANPR events, their dispatch metadata and the plate-correction history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import PlateFormat

if TYPE_CHECKING:
    from domcctv.models.tenant import Company
    from domcctv.models.user import User


class Event(Model):
    """One truck pass: the plate read(s), pictures, status and company assignment.

    ``plate_raw`` is the first ANPR reading and never changes; ``plate`` is the current
    (possibly corrected) canonical plate; ``plate_skeleton`` is its OCR-confusion key.
    Indexes serve the dashboard's searches: by plate/skeleton (exact or prefix) and by company,
    each ordered by time, so no search path needs a scan.
    """

    id = fields.BigIntField(primary_key=True)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="events", null=True, on_delete=fields.RESTRICT
    )
    company_id: int | None
    plate = fields.CharField(max_length=10)
    plate_raw = fields.CharField(max_length=32)
    plate_skeleton = fields.CharField(max_length=10)
    plate_format = fields.CharEnumField(PlateFormat, max_length=10)
    event_time = fields.DatetimeField()
    # Set when event_time is the arrival time because the camera's time could not be trusted:
    # "UNREADABLE" (no parseable time) or "CLOCK_SKEW" (too far from the arrival time). The
    # camera's own claim is kept in reported_time. Such events need review.
    time_issue = fields.CharField(max_length=12, null=True)
    reported_time = fields.DatetimeField(null=True)
    confidence = fields.FloatField()
    low_confidence = fields.BooleanField(default=False)
    camera_code = fields.CharField(max_length=64, default="")
    primary_camera: Any = fields.JSONField(default=dict)
    secondary_camera: Any = fields.JSONField(null=True)
    status = fields.CharEnumField(EventStatus, max_length=10, default=EventStatus.DETECTED)
    has_basic_metadata = fields.BooleanField(default=False)
    ready_for_phase2 = fields.BooleanField(default=False)
    documentary_videos: Any = fields.JSONField(default=list)
    thumbnail_path = fields.CharField(max_length=500, null=True)
    # Exempts the event's evidence (clips, exports) from the retention purge.
    # A database default too: bulk loads and raw inserts that predate the column stay valid.
    legal_hold = fields.BooleanField(default=False, db_default=False)
    legal_hold_reason = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    processed_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_events", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None

    class Meta:
        table = "events"
        # Each search index orders by (event_time, id), the page order (id is named where more
        # columns follow, or InnoDB would append it after them), and ends with the columns a
        # search checks but does not seek on (status; the plate columns on the time indexes),
        # so a prefix search counts and picks its page from the index alone
        # (services.search_plans): no row is read for a candidate.
        indexes = (
            Index(
                fields=("event_time", "id", "status", "plate", "plate_skeleton"),
                name="idx_event_time",
            ),
            Index(fields=("plate", "event_time", "id", "status"), name="idx_event_plate_time"),
            Index(
                fields=("plate_skeleton", "event_time", "id", "status"), name="idx_event_skel_time"
            ),
            Index(
                fields=("company_id", "event_time", "id", "status", "plate", "plate_skeleton"),
                name="idx_event_company_time",
            ),
            Index(
                fields=("company_id", "plate", "event_time", "id", "status"), name="search_combined"
            ),
            Index(
                fields=("company_id", "plate_skeleton", "event_time", "id", "status"),
                name="idx_event_company_skel",
            ),
            Index(fields=("status", "has_basic_metadata"), name="idx_event_status_meta"),
            # Rare states searched newest first: one status, or times that need a review.
            Index(fields=("status", "event_time"), name="idx_event_status_time"),
            Index(fields=("time_issue", "event_time"), name="idx_event_time_issue"),
            Index(fields=("camera_code", "event_time"), name="idx_event_camera_time"),
        )


class BasicEventMetadata(Model):
    """What the operator documents about a pass: dispatch guide, origin, cargo, notes."""

    id = fields.BigIntField(primary_key=True)
    event: fields.OneToOneRelation[Event] = fields.OneToOneField(
        "models.Event", related_name="basic_metadata", on_delete=fields.CASCADE
    )
    event_id: int
    # Redundant with the event's company, so guide-number searches filter without a join.
    company_id = fields.IntField(null=True)
    # The event's (immutable) time, copied when the event is documented: a guide-number search
    # reads its matches newest first from a metadata index alone (services.search_plans).
    event_time = fields.DatetimeField(null=True)
    guide_number = fields.CharField(max_length=50, null=True)
    guide_date = fields.DateField(null=True)
    origin_project = fields.CharField(max_length=200, null=True)
    cargo_description = fields.TextField(null=True)
    observations = fields.TextField(null=True)
    ready_for_detailed_processing = fields.BooleanField(default=False)
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_metadata", on_delete=fields.RESTRICT
    )
    created_by_id: int
    last_modified_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="modified_metadata", null=True, on_delete=fields.SET_NULL
    )
    last_modified_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "basic_event_metadata"
        indexes = (
            Index(fields=("company_id",), name="idx_meta_company"),
            # A guide-number prefix finds its newest events from these indexes alone: few
            # matches are read by guide number and sorted, many are walked newest first.
            Index(fields=("guide_number", "event_time", "event_id"), name="idx_meta_guide"),
            Index(
                fields=("company_id", "guide_number", "event_time", "event_id"),
                name="idx_meta_company_guide",
            ),
            Index(fields=("event_time", "event_id", "guide_number"), name="idx_meta_time"),
            Index(
                fields=("company_id", "event_time", "event_id", "guide_number"),
                name="idx_meta_company_time",
            ),
        )


class PlateCorrection(Model):
    """One manual correction of an event plate. The chain keeps the original reading."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="plate_corrections", on_delete=fields.CASCADE
    )
    event_id: int
    from_plate = fields.CharField(max_length=32)
    to_plate = fields.CharField(max_length=10)
    reason = fields.CharField(max_length=300, default="")
    corrected_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="plate_corrections", null=True, on_delete=fields.SET_NULL
    )
    corrected_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "plate_corrections"
        indexes = (Index(fields=("event_id", "created_at"), name="idx_correction_event"),)
