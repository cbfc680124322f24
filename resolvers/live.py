"""Subscriptions (graphql-transport-ws): live detections and watchlist alerts.

Each subscription registers a bounded local queue on the process bus with a predicate built
from the subscriber's scope: a client user receives only its company's events, whatever
filter it sends. The connection itself is bound to its session (``resolvers/ws_sessions.py``).

Each pushed message is resolved with DataLoaders that live for that message only and are
shared by the subscribers that see data alike (``resolvers/push_loaders.py``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from domcctv.domain.access import Actor, Permission, can_see_archived
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import canonical, skeleton
from domcctv.services.live import event_from_snapshot
from resolvers.common import optional_pk
from resolvers.push_loaders import PushLoaders, selected_event_fields
from schema.context import Info
from schema.events import Event
from schema.live import EventChange, EventChangeKind, EventStreamFilter, WatchlistAlert
from schema.permissions import describe, requires

SESSION_BINDING = (
    "The connection is bound to its session: it closes with 4403 when the session ends "
    "(logout, revocation, password change or reset, deactivation) and with 4401 when the "
    "access token expires or the user's rights change. Re-authenticate before the expiry "
    "(connection_ack and pong payloads carry expiresAt) with a ping whose payload is "
    '{"authorization": "Bearer <token>"}.'
)


def _visible(actor: Actor, message: dict[str, Any]) -> bool:
    company = message.get("companyId")
    return actor.scope.allows_company(company if isinstance(company, int) else None)


def _event_predicate(actor: Actor, flt: EventStreamFilter | None):  # type: ignore[no-untyped-def]
    company = optional_pk(flt.company_id, "Company", "filter.companyId") if flt else None
    skeletons = {skeleton(canonical(p)) for p in (flt.plates or [])} if flt else set()
    camera = flt.camera_code if flt else None
    sees_archived = can_see_archived(actor)

    def accepts(channel: str, message: dict[str, Any]) -> bool:
        if message.get("type") != "event" or not _visible(actor, message):
            return False
        event = message.get("event") or {}
        if event.get("status") == EventStatus.ARCHIVED.value and not sees_archived:
            return False  # the same rule as search and event(id)
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


def _alert_of(message: dict[str, Any], signer: Any) -> WatchlistAlert:
    """Like ``_change_of``: one alert object per bus message for every local subscriber."""
    cached = message.get("_graphql")
    if not isinstance(cached, WatchlistAlert):
        entry = message["entry"]
        cached = WatchlistAlert(
            at=datetime.fromisoformat(message["at"]),
            watched_plate=entry["plate"],
            reason=entry["reason"],
            global_entry=message.get("companyId") is None,
            event=Event.from_model(event_from_snapshot(message["event"]), signer),
        )
        message["_graphql"] = cached
    return cached


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description=describe(
            "New and updated events as they happen (graphql-transport-ws). Client users receive "
            "only their company's events. " + SESSION_BINDING,
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
        ctx = info.context  # this operation's own context (resolvers/ws_sessions.py)
        actor, signer = ctx.actor, ctx.services.media_signer
        loaders = PushLoaders(actor, selected_event_fields(info))
        ctx.loaders = loaders.loaders
        async with ctx.services.bus.subscribe(_event_predicate(actor, filter)) as sub:
            async for message in sub.messages():
                # One operation resolves its messages one after another: the loaders entered
                # here serve exactly this message's nested fields.
                await loaders.enter(message)
                yield _change_of(message, signer)

    @strawberry.subscription(
        description=describe(
            "Alerts when a watchlisted plate (OCR-tolerant) is seen. Client users receive only "
            "their company's watchlist. " + SESSION_BINDING,
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

        loaders = PushLoaders(actor, selected_event_fields(info))
        ctx.loaders = loaders.loaders
        async with ctx.services.bus.subscribe(accepts) as sub:
            async for message in sub.messages():
                await loaders.enter(message)
                yield _alert_of(message, signer)
