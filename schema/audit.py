"""Audit log entry type."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.scalars import JSON

from domcctv.models import AuditLog as AuditModel
from schema.enums import AuditAction, ResourceType
from schema.relay import Node, to_global_id
from schema.users import User


@strawberry.type(description="One audited action.")
class AuditEntry(Node):
    action: AuditAction = strawberry.field(description="What happened.")
    resource_type: ResourceType = strawberry.field(description="Kind of object.")
    resource_id: str = strawberry.field(description="Id of the object (numeric or session).")
    ip_address: str = strawberry.field(description="Client IP.")
    user_agent: str = strawberry.field(description="Client user agent.")
    timestamp: datetime = strawberry.field(description="When (UTC).")
    before_state: JSON | None = strawberry.field(description="State before the change.")
    after_state: JSON | None = strawberry.field(description="State after / details.")
    company_id: int | None = strawberry.field(description="Company the entry belongs to.")
    user_id: strawberry.Private[int | None]

    @strawberry.field(description="Who did it (null for system or unknown logins).")
    async def user(self, info: strawberry.Info) -> User | None:
        if self.user_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.user_id)
        return User.from_model(row) if row else None

    @classmethod
    def from_model(cls, a: AuditModel) -> Self:
        return cls(
            id=to_global_id("AuditEntry", a.id),
            action=a.action,
            resource_type=a.resource_type,
            resource_id=a.resource_id,
            ip_address=a.ip_address,
            user_agent=a.user_agent,
            timestamp=a.timestamp,
            before_state=a.before_state,
            after_state=a.after_state,
            company_id=a.company_id,
            user_id=a.user_id,
        )
