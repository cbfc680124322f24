"""Event, metadata and plate-correction types."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Self

import strawberry

from domcctv.domain.plates import display
from domcctv.domain.reads import TimeIssue
from domcctv.models import BasicEventMetadata as MetadataModel
from domcctv.models import Event as EventModel
from domcctv.models import PlateCorrection as CorrectionModel
from domcctv.models.event_rows import EventRow
from schema.companies import Company
from schema.enums import EventStatus, PlateFormat, describe_values
from schema.relay import Node, to_global_id
from schema.users import User
from schema.video import VideoClip

strawberry.enum(TimeIssue, description="Why an event's time is its arrival time.")
describe_values(
    TimeIssue,
    {
        "UNREADABLE": "The camera sent no readable time: stored at its arrival time.",
        "CLOCK_SKEW": "The camera's clock was too far from the arrival time (wrong clock or "
        "time zone): stored at its arrival time; reportedTime keeps what the camera said.",
    },
)


def finite(value: Any) -> float:
    """GraphQL Float cannot carry inf/nan (one such row would null a whole listing)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


Signer = Callable[[str], str]


@strawberry.type(description="A picture taken by a camera for this read.")
class EvidencePicture:
    kind: str = strawberry.field(description="licensePlate, detection or vehicle.")
    path: strawberry.Private[str]
    signer: strawberry.Private[Signer | None]

    @strawberry.field(description="Short-lived signed URL of the JPEG.")
    def url(self) -> str:
        # Signed only when selected: a listing that shows no picture computes no HMAC.
        return self.signer(self.path) if self.signer else ""


@strawberry.type(description="One camera's reading of the plate.")
class CameraRead:
    camera_code: str = strawberry.field(description="Camera index code / device channel.")
    camera_name: str = strawberry.field(description="Human name (e.g. PORTON NORTE).")
    plate_reading: str = strawberry.field(description="The text this camera read.")
    confidence: float = strawberry.field(description="This camera's confidence, 0-100.")
    read_at: datetime | None = strawberry.field(
        description="When this camera read it (its arrival, when the camera's time was not "
        "usable: see the event's timeIssue)."
    )
    direction: str | None = strawberry.field(description="forward / reverse, if reported.")
    source: str = strawberry.field(description="push, alertStream, backfill or manual.")
    picture_data: strawberry.Private[list[dict[str, Any]]]
    signer: strawberry.Private[Signer | None]

    @strawberry.field(description="Its pictures.")
    def pictures(self) -> list[EvidencePicture]:
        return [
            EvidencePicture(kind=str(p.get("kind", "")), path=str(p["path"]), signer=self.signer)
            for p in self.picture_data
            if p.get("path")
        ]


@strawberry.type(description="A documentary video file attached to the event.")
class DocumentaryVideo:
    camera_code: str = strawberry.field(description="Camera that recorded it.")
    filename: str = strawberry.field(description="File name.")
    duration_seconds: float = strawberry.field(description="Length in seconds.")
    size_bytes: int = strawberry.field(description="Size in bytes.")


@strawberry.type(description="Dispatch documentation an operator wrote for a truck pass.")
class EventMetadata:
    guide_number: str | None = strawberry.field(description="Dispatch guide number.")
    guide_date: date | None = strawberry.field(description="Dispatch guide date.")
    origin_project: str | None = strawberry.field(description="Project the load comes from.")
    cargo_description: str | None = strawberry.field(description="What the truck carries.")
    observations: str | None = strawberry.field(description="Free observations.")
    created_at: datetime = strawberry.field(description="When first documented.")
    updated_at: datetime = strawberry.field(description="Last edit.")
    created_by_id: strawberry.Private[int]
    last_modified_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Who documented it (null if not visible to you).")
    async def created_by(self, info: strawberry.Info) -> User | None:
        row = await info.context.loaders.user_by_id.load(self.created_by_id)
        return User.from_model(row) if row else None

    @strawberry.field(description="Who edited it last (null if never or not visible).")
    async def last_modified_by(self, info: strawberry.Info) -> User | None:
        if self.last_modified_by_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.last_modified_by_id)
        return User.from_model(row) if row else None

    @classmethod
    def from_model(cls, m: MetadataModel) -> Self:
        return cls(
            guide_number=m.guide_number,
            guide_date=m.guide_date,
            origin_project=m.origin_project,
            cargo_description=m.cargo_description,
            observations=m.observations,
            created_at=m.created_at,
            updated_at=m.updated_at,
            created_by_id=m.created_by_id,
            last_modified_by_id=m.last_modified_by_id,
        )


@strawberry.type(description="A manual plate correction (the original reading is kept).")
class PlateCorrection:
    from_plate: str = strawberry.field(description="Plate before the correction.")
    to_plate: str = strawberry.field(description="Plate after the correction.")
    reason: str = strawberry.field(description="Why it was corrected.")
    created_at: datetime = strawberry.field(description="When.")
    corrected_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Who corrected it (null if not visible to you).")
    async def corrected_by(self, info: strawberry.Info) -> User | None:
        if self.corrected_by_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.corrected_by_id)
        return User.from_model(row) if row else None

    @classmethod
    def from_model(cls, c: CorrectionModel) -> Self:
        return cls(
            from_plate=c.from_plate,
            to_plate=c.to_plate,
            reason=c.reason,
            created_at=c.created_at,
            corrected_by_id=c.corrected_by_id,
        )


def _camera_read(data: dict[str, Any] | None, signer: Signer | None) -> CameraRead | None:
    if not data:
        return None
    return CameraRead(
        camera_code=str(data.get("code", "")),
        camera_name=str(data.get("name", "")),
        plate_reading=str(data.get("plateReading", "")),
        confidence=finite(data.get("confidence", 0.0)),
        read_at=_moment(data.get("readAt")),
        direction=data.get("direction"),
        source=str(data.get("source", "manual")),
        picture_data=list(data.get("pictures") or []),
        signer=signer,
    )


def _time_issue(value: Any) -> TimeIssue | None:
    try:
        return TimeIssue(value) if value else None
    except ValueError:
        return TimeIssue.UNREADABLE  # an unknown flag still means "review this time"


@strawberry.type(description="One truck pass read by ANPR: the unit of evidence.")
class Event(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    plate: str = strawberry.field(description="Current canonical plate (after corrections).")
    plate_display: str = strawberry.field(description="Plate grouped as printed: HJ·KL·42.")
    plate_raw: str = strawberry.field(description="Original ANPR reading, never changed.")
    plate_format: PlateFormat = strawberry.field(description="Detected series.")
    event_time: datetime = strawberry.field(
        description="When the truck passed (UTC); the arrival time when timeIssue is set."
    )
    time_issue: TimeIssue | None = strawberry.field(
        description="Set when the camera's time was not used (needs a time review)."
    )
    reported_time: datetime | None = strawberry.field(
        description="What the camera's clock said, when timeIssue is CLOCK_SKEW and the value "
        "is a storable date."
    )
    confidence: float = strawberry.field(description="ANPR confidence 0-100.")
    low_confidence: bool = strawberry.field(
        description="Below ANPR_CONFIDENCE_THRESHOLD: kept, but flagged for review."
    )
    camera_code: str = strawberry.field(description="Primary camera code.")
    status: EventStatus = strawberry.field(description="Lifecycle status.")
    has_basic_metadata: bool = strawberry.field(description="Whether it is documented.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    updated_at: datetime = strawberry.field(description="Last change.")
    processed_at: datetime | None = strawberry.field(description="First documentation time.")
    legal_hold: bool = strawberry.field(
        description="Evidence under legal hold: never purged by video retention."
    )
    # The camera reads, videos and thumbnail are built (and their URLs signed) only when
    # selected: a listing of plates and times does no per-row JSON walking or HMAC.
    primary_camera_data: strawberry.Private[dict[str, Any] | None]
    secondary_camera_data: strawberry.Private[dict[str, Any] | None]
    video_data: strawberry.Private[list[dict[str, Any]] | None]
    thumbnail_path: strawberry.Private[str | None]
    signer: strawberry.Private[Signer | None]
    company_id: strawberry.Private[int | None]
    event_pk: strawberry.Private[int]

    @strawberry.field(description="Primary camera read.")
    def primary_camera(self) -> CameraRead | None:
        return _camera_read(self.primary_camera_data, self.signer)

    @strawberry.field(description="Second camera that read the same pass, if any.")
    def secondary_camera(self) -> CameraRead | None:
        return _camera_read(self.secondary_camera_data, self.signer)

    @strawberry.field(description="Video files attached as evidence.")
    def documentary_videos(self) -> list[DocumentaryVideo]:
        return [
            DocumentaryVideo(
                camera_code=str(v.get("cameraId", "")),
                filename=str(v.get("filename", "")),
                duration_seconds=float(v.get("duration", 0)),
                size_bytes=int(v.get("size", 0)),
            )
            for v in (self.video_data or [])
        ]

    @strawberry.field(description="Signed URL of the thumbnail.")
    def thumbnail_url(self) -> str | None:
        return self.signer(self.thumbnail_path) if self.signer and self.thumbnail_path else None

    @strawberry.field(description="Owning company (null while the plate is unassigned).")
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        row = await info.context.loaders.company_by_id.load(self.company_id)
        return Company.from_model(row) if row else None

    @strawberry.field(description="Dispatch documentation, if written.")
    async def metadata(self, info: strawberry.Info) -> EventMetadata | None:
        row = await info.context.loaders.metadata_by_event_id.load(self.event_pk)
        return EventMetadata.from_model(row) if row else None

    @strawberry.field(
        description="Video clips, one per camera that read the pass (primary first). Their "
        "URLs need VIEW_VIDEOS."
    )
    async def clips(self, info: strawberry.Info) -> list[VideoClip]:
        rows = await info.context.loaders.clips_by_event_id.load(self.event_pk)
        return [VideoClip.from_model(r) for r in rows]

    @strawberry.field(description="Manual plate corrections, oldest first.")
    async def plate_corrections(self, info: strawberry.Info) -> list[PlateCorrection]:
        rows = await info.context.loaders.corrections_by_event_id.load(self.event_pk)
        return [PlateCorrection.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, e: EventModel | EventRow, signer: Signer | None = None) -> Self:
        return cls(
            id=to_global_id("Event", e.id),
            database_id=e.id,
            plate=e.plate,
            plate_display=display(e.plate),
            plate_raw=e.plate_raw,
            plate_format=e.plate_format,
            event_time=e.event_time,
            time_issue=_time_issue(e.time_issue),
            reported_time=e.reported_time,
            confidence=finite(e.confidence),
            low_confidence=e.low_confidence,
            camera_code=e.camera_code,
            status=e.status,
            has_basic_metadata=e.has_basic_metadata,
            created_at=e.created_at,
            updated_at=e.updated_at,
            processed_at=e.processed_at,
            legal_hold=bool(getattr(e, "legal_hold", False)),
            primary_camera_data=e.primary_camera,
            secondary_camera_data=e.secondary_camera,
            video_data=e.documentary_videos,
            thumbnail_path=e.thumbnail_path,
            signer=signer,
            company_id=e.company_id,
            event_pk=e.id,
        )
