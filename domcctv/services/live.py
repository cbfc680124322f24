"""Live event messages: what goes on the bus when an event is created or changes.

The message carries the event's own columns so 200 subscribers do not each re-read the row;
the subscription rebuilds the GraphQL type from it and only resolves nested fields lazily.
"""

from __future__ import annotations

from typing import Any

from domcctv.domain.plates import skeleton
from domcctv.infra.bus import Bus, alerts_channel, events_channel
from domcctv.models import Event, WatchlistEntry
from domcctv.services.clock import utcnow

EVENT_COLUMNS = (
    "id",
    "company_id",
    "plate",
    "plate_raw",
    "plate_skeleton",
    "plate_format",
    "confidence",
    "low_confidence",
    "camera_code",
    "primary_camera",
    "secondary_camera",
    "status",
    "has_basic_metadata",
    "documentary_videos",
    "thumbnail_path",
    "created_by_id",
)
TIME_COLUMNS = ("event_time", "created_at", "updated_at", "processed_at")


def event_snapshot(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in EVENT_COLUMNS:
        value = getattr(event, name)
        data[name] = value.value if hasattr(value, "value") else value
    for name in TIME_COLUMNS:
        value = getattr(event, name)
        data[name] = value.isoformat() if value is not None else None
    return data


def event_from_snapshot(data: dict[str, Any]) -> Event:
    from datetime import datetime

    values = dict(data)
    for name in TIME_COLUMNS:
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    return Event(**values)


async def publish_event_change(bus: Bus, kind: str, event: Event) -> None:
    message = {
        "v": 1,
        "type": "event",
        "kind": kind,
        "at": utcnow().isoformat(),
        "companyId": event.company_id,
        "event": event_snapshot(event),
    }
    await bus.publish(events_channel(event.company_id), message)
    if kind == "CREATED":
        await _check_watchlist(bus, event)


async def _check_watchlist(bus: Bus, event: Event) -> None:
    if event.plate == "UNKNOWN":
        return
    entries = await WatchlistEntry.filter(plate_skeleton=skeleton(event.plate), is_active=True)
    for entry in entries:
        if entry.company_id is not None and entry.company_id != event.company_id:
            continue
        await bus.publish(
            alerts_channel(entry.company_id),
            {
                "v": 1,
                "type": "watchlist",
                "at": utcnow().isoformat(),
                "companyId": entry.company_id,
                "entry": {"id": entry.id, "plate": entry.plate, "reason": entry.reason},
                "event": event_snapshot(event),
            },
        )
