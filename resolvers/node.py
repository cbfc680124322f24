"""Relay ``node(id:)``: every type resolves through the same scoped loaders."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import events as event_service
from schema.companies import Company
from schema.context import Info
from schema.events import Event
from schema.relay import Node, from_global_id, int_pk
from schema.users import User


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
        pk = int_pk(id, decoded[0]) if decoded is not None else None
        if decoded is None or pk is None or not ctx.authenticated:
            return None
        type_name = decoded[0]
        if type_name == "Event" and ctx.actor.can(Permission.READ_EVENTS):
            row = await event_service.get_event(ctx.actor, pk)
            return Event.from_model(row, ctx.services.media_signer) if row else None
        if type_name == "Company":
            company = await ctx.loaders.company_by_id.load(pk)
            return Company.from_model(company) if company else None
        if type_name == "User":
            if pk != ctx.actor.user_id and not ctx.actor.can(Permission.MANAGE_USERS):
                return None
            user = await ctx.loaders.user_by_id.load(pk)
            return User.from_model(user) if user else None
        return None
