"""Live event messages: what goes on the bus when an event is created or changes.

The message carries the event's own columns so 200 subscribers do not each re-read the row;
the subscription rebuilds the GraphQL type from it and only resolves nested fields lazily.
Messages are staged in the transactional outbox (``services.outbox``) with the change itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domcctv.domain.plates import skeleton
from domcctv.infra.bus import alerts_channel, events_channel
from domcctv.models import Event, WatchlistEntry
from domcctv.services import outbox
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
    "time_issue",
)
TIME_COLUMNS = ("event_time", "created_at", "updated_at", "processed_at", "reported_time")


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


async def stage_event_change(
    kind: str,
    event: Event,
    *,
    using_db: BaseDBAsyncClient,
    check_watchlist: bool = False,
    watchlist: Sequence[WatchlistEntry] | None = None,
) -> None:
    """Stage the live push of a created or changed event in the change's own transaction.

    With ``check_watchlist`` (a new event, or a plate or company that changed) watchlist
    alerts are staged too, so an entry fires however the event came to match it. A batch
    passes the active entries it already loaded (``watchlist``) instead of one query each.
    """
    message = {
        "v": 1,
        "type": "event",
        "kind": kind,
        "at": utcnow().isoformat(),
        "companyId": event.company_id,
        "event": event_snapshot(event),
    }
    await outbox.stage(events_channel(event.company_id), message, using_db=using_db)
    if check_watchlist:
        await _stage_watchlist_alerts(event, using_db, watchlist)


async def active_watchlist(
    plates: Iterable[str], conn: BaseDBAsyncClient | None = None
) -> list[WatchlistEntry]:
    """Active entries that could match any of these plates (same OCR skeleton)."""
    skeletons = sorted({skeleton(p) for p in plates if p != "UNKNOWN"})
    if not skeletons:
        return []
    qs = WatchlistEntry.filter(plate_skeleton__in=skeletons, is_active=True)
    return await (qs.using_db(conn) if conn is not None else qs)


async def _stage_watchlist_alerts(
    event: Event, conn: BaseDBAsyncClient, watchlist: Sequence[WatchlistEntry] | None
) -> None:
    if event.plate == "UNKNOWN":
        return
    entries = watchlist if watchlist is not None else await active_watchlist([event.plate], conn)
    wanted = skeleton(event.plate)
    for entry in entries:
        if entry.plate_skeleton != wanted:
            continue
        if entry.company_id is not None and entry.company_id != event.company_id:
            continue
        await outbox.stage(
            alerts_channel(entry.company_id),
            {
                "v": 1,
                "type": "watchlist",
                "at": utcnow().isoformat(),
                "companyId": entry.company_id,
                "entry": {"id": entry.id, "plate": entry.plate, "reason": entry.reason},
                "event": event_snapshot(event),
            },
            using_db=conn,
        )
