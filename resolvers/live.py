"""Subscriptions (graphql-transport-ws): live detections and watchlist alerts.

Each subscription registers a bounded local queue on the process bus with a predicate built
from the subscriber's scope: a client user receives only its company's events, whatever
filter it sends.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from domcctv.domain.access import Actor, Permission
from domcctv.domain.plates import canonical, skeleton
from domcctv.services.live import event_from_snapshot
from resolvers.common import optional_pk
from schema.context import Info
from schema.events import Event
from schema.live import EventChange, EventChangeKind, EventStreamFilter, WatchlistAlert
from schema.permissions import describe, requires


def _visible(actor: Actor, message: dict[str, Any]) -> bool:
    company = message.get("companyId")
    return actor.scope.allows_company(company if isinstance(company, int) else None)


def _event_predicate(actor: Actor, flt: EventStreamFilter | None):  # type: ignore[no-untyped-def]
    company = optional_pk(flt.company_id, "Company", "filter.companyId") if flt else None
    skeletons = {skeleton(canonical(p)) for p in (flt.plates or [])} if flt else set()
    camera = flt.camera_code if flt else None

    def accepts(channel: str, message: dict[str, Any]) -> bool:
        if message.get("type") != "event" or not _visible(actor, message):
            return False
        event = message.get("event") or {}
        if company is not None and event.get("company_id") != company:
            return False
        if camera and event.get("camera_code") != camera:
            return False
        return not skeletons or event.get("plate_skeleton") in skeletons

    return accepts


def _change_of(message: dict[str, Any], signer: Any) -> EventChange:
    """Build the pushed object once per bus message; every local subscriber shares it.

    The message dict is the same object for all subscribers of this process, and the event
    carries no per-viewer data (tenancy was decided by the predicate), so 200 subscribers cost
    one model rebuild instead of 200.
    """
    cached = message.get("_graphql")
    if not isinstance(cached, EventChange):
        cached = EventChange(
            kind=EventChangeKind(message["kind"]),
            at=datetime.fromisoformat(message["at"]),
            event=Event.from_model(event_from_snapshot(message["event"]), signer),
        )
        message["_graphql"] = cached
    return cached


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description=describe(
            "New and updated events as they happen (graphql-transport-ws). Client users receive "
            "only their company's events.",
            Permission.READ_EVENTS,
        ),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def event_stream(
        self,
        info: Info,
        filter: Annotated[
            EventStreamFilter | None, strawberry.argument(description="Optional narrowing.")
        ] = None,
    ) -> AsyncGenerator[EventChange, None]:
        ctx = info.context
        signer = ctx.services.media_signer
        async with ctx.services.bus.subscribe(_event_predicate(ctx.actor, filter)) as sub:
            async for message in sub.messages():
                yield _change_of(message, signer)

    @strawberry.subscription(
        description=describe(
            "Alerts when a watchlisted plate (OCR-tolerant) is seen. Client users receive only "
            "their company's watchlist.",
            Permission.READ_EVENTS,
        ),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def watchlist_alerts(self, info: Info) -> AsyncGenerator[WatchlistAlert, None]:
        ctx = info.context
        actor = ctx.actor
        signer = ctx.services.media_signer

        def accepts(channel: str, message: dict[str, Any]) -> bool:
            return (
                message.get("type") == "watchlist"
                and _visible(actor, message)
                and actor.scope.allows_company(message.get("event", {}).get("company_id"))
            )

        async with ctx.services.bus.subscribe(accepts) as sub:
            async for message in sub.messages():
                entry = message["entry"]
                yield WatchlistAlert(
                    at=datetime.fromisoformat(message["at"]),
                    watched_plate=entry["plate"],
                    reason=entry["reason"],
                    global_entry=message.get("companyId") is None,
                    event=Event.from_model(event_from_snapshot(message["event"]), signer),
                )
