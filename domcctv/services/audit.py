"""Writing and reading the audit log.

Writes happen inside the caller's transaction where there is one, so an audited change and its
audit row commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import FieldCode, InvalidInput, PermissionDenied
from domcctv.models import AuditAction, AuditLog, ResourceType
from domcctv.services.pagination import (
    Page,
    PageRequest,
    fetch_page,
    parse_time_id_cursor,
    time_id_cursor,
)
from domcctv.services.scoping import audit_in
from domcctv.services.validation import as_utc


async def record(
    actor: Actor,
    action: AuditAction,
    resource_type: ResourceType,
    resource_id: str | int | None = None,
    *,
    company_id: int | None = None,
    before: Any = None,
    after: Any = None,
    using_db: BaseDBAsyncClient | None = None,
    user_id: int | None = None,
) -> AuditLog:
    """Append one audit entry for ``actor`` (``user_id`` overrides, e.g. failed logins)."""
    return await AuditLog.create(
        user_id=user_id if user_id is not None else actor.user_id,
        action=action,
        resource_type=resource_type,
        resource_id="" if resource_id is None else str(resource_id),
        ip_address=actor.ip_address[:45],
        user_agent=actor.user_agent[:300],
        before_state=before,
        after_state=after,
        company_id=company_id,
        session_id=actor.session_id or "",
        using_db=using_db,
    )


RESOURCE_ID_MAX_LENGTH = 64  # audit_logs.resource_id


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Optional narrowing of the audit listing."""

    action: AuditAction | None = None
    resource_type: ResourceType | None = None
    resource_id: str | None = None
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


async def get_entry(actor: Actor, entry_id: int) -> AuditLog | None:
    """One entry by id with list_audit's rules: VIEW_AUDIT_LOGS, scoped (None otherwise)."""
    if not actor.can(Permission.VIEW_AUDIT_LOGS):
        return None
    return await audit_in(actor.scope).get_or_none(id=entry_id)


async def list_audit(actor: Actor, flt: AuditFilter, page: PageRequest) -> Page[AuditLog]:
    """Newest first. Client users with VIEW_AUDIT_LOGS see only their company's entries."""
    if not actor.can(Permission.VIEW_AUDIT_LOGS):
        raise PermissionDenied("Viewing the audit log needs VIEW_AUDIT_LOGS")
    qs = audit_in(actor.scope)
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.resource_type:
        qs = qs.filter(resource_type=flt.resource_type)
    if flt.resource_id:
        if len(flt.resource_id) > RESOURCE_ID_MAX_LENGTH:  # the ORM would raise on the lookup
            raise InvalidInput.single("resourceId", FieldCode.TOO_LONG, "Resource id is too long")
        qs = qs.filter(resource_id=flt.resource_id)
    if flt.user_id is not None:
        qs = qs.filter(user_id=flt.user_id)
    if flt.since:
        qs = qs.filter(timestamp__gte=as_utc(flt.since))
    if flt.until:
        qs = qs.filter(timestamp__lt=as_utc(flt.until))
    if page.after:
        moment, last_id = parse_time_id_cursor(page.after)
        # Q, not exclude(a=, b=): Tortoise negates each keyword separately (NOT a AND NOT b).
        qs = qs.filter(Q(timestamp__lt=moment) | Q(timestamp=moment, id__lt=last_id))
    return await fetch_page(
        qs, page, ("-timestamp", "-id"), lambda r: time_id_cursor(r.timestamp, r.id)
    )
