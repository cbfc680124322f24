"""Types pushed over subscriptions: event changes and watchlist alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from schema.enums import describe_values
from schema.events import Event


@strawberry.enum(description="Why an event was pushed.")
class EventChangeKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    CLIP_STATUS_CHANGED = "CLIP_STATUS_CHANGED"


describe_values(
    EventChangeKind,
    {
        "CREATED": "A new truck pass.",
        "UPDATED": "An existing event changed (second camera, documentation, status, plate "
        "or company).",
        "CLIP_STATUS_CHANGED": "One of the event's video clips became READY or FAILED "
        "(read event.clips).",
    },
)


@strawberry.type(description="A new or updated event, pushed live.")
class EventChange:
    kind: EventChangeKind = strawberry.field(description="Created or updated.")
    at: datetime = strawberry.field(description="When the server published it.")
    event: Event = strawberry.field(description="The event as it is now.")


@strawberry.input(description="Narrow the live stream (all optional, combined with AND).")
class EventStreamFilter:
    camera_code: str | None = strawberry.field(default=None, description="Only this camera.")
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this company."
    )
    plates: list[str] | None = strawberry.field(
        default=None, description="Plate watch: only these plates (OCR-tolerant match)."
    )


@strawberry.type(description="A watchlisted plate was seen.")
class WatchlistAlert:
    at: datetime = strawberry.field(description="When the alert was raised.")
    watched_plate: str = strawberry.field(description="The plate on the watchlist.")
    reason: str = strawberry.field(description="Why it is watched.")
    global_entry: bool = strawberry.field(description="True for DOM-wide entries.")
    event: Event = strawberry.field(description="The detection that matched.")
