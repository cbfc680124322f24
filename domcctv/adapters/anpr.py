"""AnprAlert (integration model) -> PlateRead (domain), storing its pictures first.

Shared by the push receiver and the alert-stream listener, so both produce the same natural
key for the same camera event and the pipeline deduplicates across the two channels.
"""

from __future__ import annotations

from domcctv.domain.reads import PlateRead, ReadSource, StoredPicture, device_natural_key
from domcctv.infra.media import MediaStore
from integrations.hikvision.models import AnprAlert


def natural_key(alert: AnprAlert, camera_code: str) -> str:
    if alert.event_uuid:
        return f"uuid:{alert.event_uuid}"[:190]
    return device_natural_key(
        alert.mac_address or camera_code, alert.channel_id, alert.occurred_at, alert.plate_text
    )[:190]


async def alert_to_read(
    alert: AnprAlert, *, camera_code: str, camera_name: str, source: ReadSource, store: MediaStore
) -> PlateRead:
    key = natural_key(alert, camera_code)
    pictures = []
    for picture in alert.pictures:
        path = await store.save_picture(picture.data, key, picture.kind)
        pictures.append(StoredPicture(picture.kind, path))
    return PlateRead(
        source=source,
        natural_key=key,
        camera_code=camera_code,
        camera_name=alert.channel_name or camera_name,
        plate_text=alert.plate_text,
        confidence=float(alert.confidence or 0.0),
        occurred_at=alert.occurred_at,
        direction=alert.direction,
        vehicle_type=alert.vehicle_type,
        pictures=tuple(pictures),
    )
