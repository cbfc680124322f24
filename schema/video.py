"""Video evidence types: an event's clips and the short-lived signed URLs that play them.

URLs are minted only when selected, only for clips the caller reached through an event it may
see, and only with the permission the URL needs (VIEW_VIDEOS to play, DOWNLOAD_VIDEOS for an
attachment). Each URL is bound to the caller and the clip and expires (VIDEO_URL_TTL_SECONDS):
handed to someone else it is refused by the streaming route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry

from domcctv.models import VideoClip as ClipModel
from domcctv.models import VideoExport as ExportModel
from domcctv.models.user import VideoQuality
from domcctv.models.video import CameraRole, ClipStatus, ExportKind, ExportStatus
from domcctv.services.video_links import VideoLinks
from schema.enums import describe_values
from schema.relay import Node, to_global_id

strawberry.enum(CameraRole, description="Which camera read of the event a clip comes from.")
strawberry.enum(ClipStatus, description="Where a clip is in its capture.")
strawberry.enum(ExportKind, description="What an export produces.")
strawberry.enum(ExportStatus, description="Where an export job is.")
describe_values(
    CameraRole,
    {"PRIMARY": "The camera that read the pass first.", "SECONDARY": "The second camera."},
)
describe_values(
    ClipStatus,
    {
        "PENDING": "Waiting for the recorder (post-roll not recorded yet, or retrying).",
        "READY": "Captured, stored and playable.",
        "FAILED": "Could not be captured; failureReason says why. The event stays usable.",
    },
)
describe_values(
    ExportKind,
    {
        "SEGMENT": "An arbitrary recorded segment of one camera (MP4).",
        "EVIDENCE": "An event's evidence bundle (ZIP with manifest).",
    },
)
describe_values(
    ExportStatus,
    {
        "PENDING": "Queued.",
        "RUNNING": "Being produced; see progress.",
        "READY": "Done: downloadUrl is set.",
        "FAILED": "Could not be produced; failureReason says why.",
    },
)


def _links(info: strawberry.Info) -> VideoLinks:
    links: VideoLinks = info.context.services.video_links
    return links


@strawberry.type(description="The footage of one camera around one event.")
class VideoClip(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    camera_code: str = strawberry.field(description="Camera that recorded it.")
    role: CameraRole = strawberry.field(description="Primary or secondary read.")
    status: ClipStatus = strawberry.field(description="Capture status.")
    anchor_time: datetime = strawberry.field(description="When this camera read the plate.")
    start: datetime | None = strawberry.field(description="First frame (cut on a keyframe).")
    end: datetime | None = strawberry.field(description="Last frame.")
    duration_seconds: float | None = strawberry.field(description="Length in seconds.")
    plate_offset_seconds: float | None = strawberry.field(
        description="Where in the clip the plate was read (seconds from its start)."
    )
    failure_code: str | None = strawberry.field(
        description="Stable code of the last capture failure (RECORDER_OFFLINE, RECORDING_"
        "MISSING, RECORDING_CORRUPT, ...); set while retrying and when FAILED."
    )
    failure_reason: str | None = strawberry.field(description="Readable reason of that failure.")
    attempts: int = strawberry.field(description="Capture attempts so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (PENDING only)."
    )
    size_bytes: int | None = strawberry.field(description="Size of the original MP4.")
    sha256: str | None = strawberry.field(description="SHA-256 of the original MP4 (hex).")
    codec: str | None = strawberry.field(description="Video codec (h264).")
    width: int | None = strawberry.field(description="Frame width in pixels.")
    height: int | None = strawberry.field(description="Frame height in pixels.")
    fps: float | None = strawberry.field(description="Frames per second.")
    qualities: list[VideoQuality] = strawberry.field(
        description="Qualities playable now: HIGH (the original) plus transcoded MEDIUM/LOW "
        "once made in the background."
    )
    clip_pk: strawberry.Private[int]
    event_pk: strawberry.Private[int]
    ready: strawberry.Private[bool]
    has_hls: strawberry.Private[bool]
    variant_names: strawberry.Private[list[str]]

    @strawberry.field(
        description="Signed URL of the progressive MP4 (HTTP Range). quality: HIGH, MEDIUM, "
        "LOW, or AUTO/null for your preference. Null unless READY and you have VIEW_VIDEOS."
    )
    def playback_url(
        self,
        info: strawberry.Info,
        quality: Annotated[
            VideoQuality | None,
            strawberry.argument(description="HIGH, MEDIUM, LOW; AUTO or null: the original."),
        ] = None,
    ) -> str | None:
        if not self.ready:
            return None
        links = _links(info)
        return links.playback(info.context.actor, self.clip_pk, self.variant_names, quality)

    @strawberry.field(description="Signed URL of the HLS playlist (fMP4 segments).")
    def hls_url(self, info: strawberry.Info) -> str | None:
        if not (self.ready and self.has_hls):
            return None
        return _links(info).hls(info.context.actor, self.clip_pk)

    @strawberry.field(
        description="Signed URL of a JPEG still at `at` seconds into the clip (default: the "
        "frame the plate was read)."
    )
    def thumbnail_url(
        self,
        info: strawberry.Info,
        at: Annotated[
            float | None,
            strawberry.argument(description="Seconds from the clip's start (null: plate read)."),
        ] = None,
    ) -> str | None:
        if not self.ready:
            return None
        return _links(info).thumbnail(info.context.actor, self.clip_pk, at)

    @strawberry.field(description="Signed URL of the still of the exact frame the plate was read.")
    def plate_still_url(self, info: strawberry.Info) -> str | None:
        if not self.ready:
            return None
        return _links(info).thumbnail(info.context.actor, self.clip_pk, None)

    @strawberry.field(
        description="Signed URL downloading the original MP4 as an attachment. Null without "
        "DOWNLOAD_VIDEOS."
    )
    def download_url(self, info: strawberry.Info) -> str | None:
        actor = info.context.actor
        if not self.ready:
            return None
        return _links(info).download(actor, self.clip_pk)

    @classmethod
    def from_model(cls, c: ClipModel) -> Self:
        ready = c.status is ClipStatus.READY and c.storage_key is not None
        qualities = [VideoQuality.HIGH] if ready else []
        qualities += [VideoQuality(q) for q in ("MEDIUM", "LOW") if q in (c.variants or {})]
        return cls(
            id=to_global_id("VideoClip", c.id),
            database_id=c.id,
            camera_code=c.camera_code,
            role=c.role,
            status=c.status,
            anchor_time=c.anchor_time,
            start=c.start_time,
            end=c.end_time,
            duration_seconds=c.duration_seconds,
            plate_offset_seconds=c.plate_offset_seconds,
            failure_code=c.failure_code,
            failure_reason=c.failure_reason,
            attempts=c.attempts,
            next_attempt_at=c.next_attempt_at if c.status is ClipStatus.PENDING else None,
            size_bytes=c.size_bytes,
            sha256=c.sha256,
            codec=c.codec,
            width=c.width,
            height=c.height,
            fps=c.fps,
            qualities=qualities,
            clip_pk=c.id,
            event_pk=c.event_id,
            ready=ready,
            has_hls=bool(c.hls_prefix),
            variant_names=list(c.variants or {}),
        )


@strawberry.type(description="A span a recorder holds for a camera (recording search).")
class RecordingSpan:
    start: datetime = strawberry.field(description="Start of the recorded span.")
    end: datetime | None = strawberry.field(description="End (null when the device omits it).")


@strawberry.type(description="A background video export (segment or evidence bundle).")
class VideoExport(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    kind: ExportKind = strawberry.field(description="Segment or evidence bundle.")
    status: ExportStatus = strawberry.field(description="Job status.")
    progress: float = strawberry.field(description="0 to 1.")
    camera_code: str | None = strawberry.field(description="Camera (segments).")
    event_id: strawberry.ID | None = strawberry.field(description="Event (evidence bundles).")
    start: datetime | None = strawberry.field(description="Segment start.")
    end: datetime | None = strawberry.field(description="Segment end.")
    overlay: bool = strawberry.field(description="Burned-in timestamp/plate/camera overlay.")
    failure_code: str | None = strawberry.field(description="Stable failure code.")
    failure_reason: str | None = strawberry.field(description="Readable failure reason.")
    file_name: str | None = strawberry.field(description="Name of the produced file.")
    size_bytes: int | None = strawberry.field(description="Size of the produced file.")
    sha256: str | None = strawberry.field(description="SHA-256 of the produced file (hex).")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    export_pk: strawberry.Private[int]
    ready: strawberry.Private[bool]

    @strawberry.field(description="Signed URL downloading the result (READY only).")
    def download_url(self, info: strawberry.Info) -> str | None:
        if not self.ready:
            return None
        return _links(info).export_download(info.context.actor, self.export_pk)

    @classmethod
    def from_model(cls, x: ExportModel) -> Self:
        return cls(
            id=to_global_id("VideoExport", x.id),
            database_id=x.id,
            kind=x.kind,
            status=x.status,
            progress=x.progress,
            camera_code=x.camera_code,
            event_id=to_global_id("Event", x.event_id) if x.event_id else None,
            start=x.start_time,
            end=x.end_time,
            overlay=x.overlay,
            failure_code=x.failure_code,
            failure_reason=x.failure_reason,
            file_name=x.file_name,
            size_bytes=x.size_bytes,
            sha256=x.sha256,
            created_at=x.created_at,
            finished_at=x.finished_at,
            export_pk=x.id,
            ready=x.status is ExportStatus.READY and x.storage_key is not None,
        )
