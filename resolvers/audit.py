"""Audit log listing."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import audit as service
from domcctv.services.audit import AuditFilter
from resolvers.common import AFTER_DESCRIPTION, FIRST_DESCRIPTION, optional_pk, page_request
from schema.audit import AuditEntry
from schema.context import Info
from schema.inputs import AuditFilterInput
from schema.permissions import describe, requires
from schema.relay import Connection


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description=describe(
            "Audit entries, newest first. Client users see only their company's.",
            Permission.VIEW_AUDIT_LOGS,
        ),
        extensions=requires(Permission.VIEW_AUDIT_LOGS),
    )
    async def audit_logs(
        self,
        info: Info,
        filter: Annotated[
            AuditFilterInput | None, strawberry.argument(description="Criteria.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[AuditEntry]:
        f = filter or AuditFilterInput()
        flt = AuditFilter(
            action=f.action,
            resource_type=f.resource_type,
            resource_id=f.resource_id,
            user_id=optional_pk(f.user_id, "User", "filter.userId"),
            since=f.since,
            until=f.until,
        )
        page = await service.list_audit(info.context.actor, flt, page_request(info, first, after))
        return Connection.from_page(page, [AuditEntry.from_model(a) for a in page.items])
