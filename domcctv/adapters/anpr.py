"""AnprAlert (integration model) -> PlateRead (domain): validated first, pictures stored next.

Shared by the push receiver and the alert-stream listener, so both apply the same read policy
and produce the same natural key for the same camera event (the pipeline then deduplicates
across the two channels). The camera is always the registered device (decided by its push
token or its configured stream), never what the payload says about itself.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domcctv.domain.reads import (
    PlateRead,
    ReadSource,
    StoredPicture,
    check_confidence,
    check_plate_text,
    detail_text,
    device_natural_key,
    device_time_token,
    event_uuid_key,
    live_read_time,
)
from domcctv.infra.media import MediaStore
from integrations.hikvision.models import AnprAlert

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraIdentity:
    """The registered camera a read belongs to."""

    code: str
    name: str


def natural_key(alert: AnprAlert, camera_code: str) -> str:
    if alert.event_uuid:
        return event_uuid_key(camera_code, alert.event_uuid)
    moment = device_time_token(alert.occurred_at, alert.document_sha256, alert.time_text)
    return device_natural_key(camera_code, alert.channel_id, moment, alert.plate_text)


def validated_read(
    alert: AnprAlert,
    *,
    camera: CameraIdentity,
    source: ReadSource,
    arrived_at: datetime,
    clock_skew_tolerance: timedelta,
) -> PlateRead:
    """The read (without pictures) under the live read policy; ``InvalidRead`` if it can never
    be stored. Pure: nothing is written, so a refusal leaves no trace."""
    plate = check_plate_text(alert.plate_text)
    confidence = check_confidence(alert.confidence)
    when = live_read_time(
        alert.occurred_at,
        text=alert.time_text,
        arrived_at=arrived_at,
        tolerance=clock_skew_tolerance,
    )
    if when.issue is not None:
        logger.warning(
            "camera %s: device time %r not used (%s); stored at its arrival time",
            camera.code,
            when.reported_text,
            when.issue.value,
        )
    return PlateRead(
        source=source,
        natural_key=natural_key(alert, camera.code),
        camera_code=camera.code,
        camera_name=camera.name,
        plate_text=plate,
        confidence=confidence,
        occurred_at=when.occurred_at,
        direction=detail_text(alert.direction),
        vehicle_type=detail_text(alert.vehicle_type),
        time_issue=when.issue,
        reported_time=when.reported_time,
        reported_time_text=when.reported_text,
    )


async def alert_to_read(
    alert: AnprAlert,
    *,
    camera: CameraIdentity,
    source: ReadSource,
    store: MediaStore,
    arrived_at: datetime,
    clock_skew_tolerance: timedelta,
) -> PlateRead:
    """Validate, then write the pictures (content-addressed, write-once), then the read."""
    read = validated_read(
        alert,
        camera=camera,
        source=source,
        arrived_at=arrived_at,
        clock_skew_tolerance=clock_skew_tolerance,
    )
    if alert.rejected_parts:
        logger.warning(
            "camera %s: %d picture part(s) dropped, not JPEG: %r",
            camera.code,
            len(alert.rejected_parts),
            [p[:60] for p in alert.rejected_parts[:8]],
        )
    if not alert.pictures:
        return read
    paths = await store.save_pictures([p.data for p in alert.pictures])
    pictures = tuple(
        StoredPicture(detail_text(p.kind) or "picture", path)
        for p, path in zip(alert.pictures, paths, strict=True)
    )
    return dataclasses.replace(read, pictures=pictures)
