"""Relay ``node(id:)``: every Node type resolves through its own scoped service lookup.

Each lookup applies the same rules as the type's own query (tenancy, staff-only, permission),
so a global id reaches nothing that the type's query would not show: a foreign, hidden or
missing object is null alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.domain.errors import NotFound
from domcctv.services import audit as audit_service
from domcctv.services import cameras as camera_service
from domcctv.services import clips as clip_service
from domcctv.services import companies as company_service
from domcctv.services import dead_letters as dead_letter_service
from domcctv.services import devices as device_service
from domcctv.services import events as event_service
from domcctv.services import users as user_service
from domcctv.services import vehicles as vehicle_service
from domcctv.services import watchlists as watchlist_service
from resolvers.video_exports import resolve_video_export_node
from schema.audit import AuditEntry
from schema.companies import Company, Vehicle
from schema.context import Context, Info
from schema.devices import Camera, Site, WatchlistEntry
from schema.events import Event
from schema.ingest import DeadLetter
from schema.relay import Node, from_global_id, int_pk
from schema.users import User
from schema.video import VideoClip

Resolve = Callable[[Context, int], Awaitable[Node | None]]


async def _event(ctx: Context, pk: int) -> Node | None:
    if not ctx.actor.can(Permission.READ_EVENTS):  # the event query's field permission
        return None
    row = await event_service.get_event(ctx.actor, pk)
    return Event.from_model(row, ctx.services.media_signer) if row else None


async def _company(ctx: Context, pk: int) -> Node | None:
    row = await company_service.get_company(ctx.actor, pk)
    return Company.from_model(row) if row else None


async def _user(ctx: Context, pk: int) -> Node | None:
    row = await user_service.get_user(ctx.actor, pk)
    return User.from_model(row) if row else None


async def _vehicle(ctx: Context, pk: int) -> Node | None:
    row = await vehicle_service.get_vehicle(ctx.actor, pk)
    return Vehicle.from_model(row) if row else None


async def _site(ctx: Context, pk: int) -> Node | None:
    row = await device_service.get_site(ctx.actor, pk)
    return Site.from_model(row) if row else None


async def _camera(ctx: Context, pk: int) -> Node | None:
    row = await camera_service.get_camera(ctx.actor, pk)
    return Camera.from_model(row) if row else None


async def _watchlist_entry(ctx: Context, pk: int) -> Node | None:
    row = await watchlist_service.get_entry(ctx.actor, pk)
    return WatchlistEntry.from_model(row) if row else None


async def _audit_entry(ctx: Context, pk: int) -> Node | None:
    row = await audit_service.get_entry(ctx.actor, pk)
    return AuditEntry.from_model(row) if row else None


async def _dead_letter(ctx: Context, pk: int) -> Node | None:
    row = await dead_letter_service.get_dead_letter(ctx.actor, pk)
    return DeadLetter.from_model(row) if row else None


async def _video_clip(ctx: Context, pk: int) -> Node | None:
    if not ctx.actor.can(Permission.READ_EVENTS):  # clips are read through their event
        return None
    try:
        clip, _ = await clip_service.visible_clip(ctx.actor, pk)
    except NotFound:
        return None
    return VideoClip.from_model(clip)


RESOLVERS: dict[str, Resolve] = {
    "Event": _event,
    "Company": _company,
    "User": _user,
    "Vehicle": _vehicle,
    "Site": _site,
    "Camera": _camera,
    "WatchlistEntry": _watchlist_entry,
    "AuditEntry": _audit_entry,
    "DeadLetter": _dead_letter,
    "VideoClip": _video_clip,
    "VideoExport": resolve_video_export_node,
}
"""One entry per type implementing Node (tests check the list against the schema)."""


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Fetch any object by global id (null if missing or not visible to you)."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id of any object.")],
    ) -> Node | None:
        ctx = info.context
        decoded = from_global_id(id)
        if decoded is None or not ctx.authenticated:
            return None
        resolve = RESOLVERS.get(decoded[0])
        pk = int_pk(id, decoded[0])
        if resolve is None or pk is None:
            return None
        return await resolve(ctx, pk)
