"""Effective permissions = role defaults + unexpired, grantable grants (real database)."""

from __future__ import annotations

from datetime import timedelta

from domcctv.domain.access import Permission, Role, default_permissions
from domcctv.models import UserPermission
from domcctv.services.clock import utcnow
from domcctv.services.permissions import effective_permissions, grants_by_user_id

from factories import make_company, make_user

P = Permission


async def test_without_grants_a_user_has_the_role_defaults(db) -> None:
    for role in Role:
        user = await make_user(role, await make_company() if role is Role.CLIENT_USER else None)
        assert await effective_permissions(user) == default_permissions(role)


async def test_unexpired_and_permanent_grants_add_expired_ones_do_not(db) -> None:
    user = await make_user(Role.OPERATOR)
    now = utcnow()
    await UserPermission.create(user_id=user.id, permission=P.VIEW_AUDIT_LOGS)
    await UserPermission.create(
        user_id=user.id, permission=P.ADVANCED_SEARCH, expires_at=now + timedelta(minutes=5)
    )
    await UserPermission.create(
        user_id=user.id, permission=P.EXPORT_DATA, expires_at=now - timedelta(seconds=1)
    )

    effective = await effective_permissions(user)

    assert effective == default_permissions(Role.OPERATOR) | {P.VIEW_AUDIT_LOGS, P.ADVANCED_SEARCH}
    assert P.EXPORT_DATA not in effective


async def test_staff_only_rows_are_ignored_for_client_users(db) -> None:
    client = await make_user(Role.CLIENT_USER, await make_company())
    for permission in (P.MANAGE_COMPANIES, P.SEARCH_ALL_COMPANIES, P.VIEW_AUDIT_LOGS):
        await UserPermission.create(user_id=client.id, permission=permission)

    effective = await effective_permissions(client)

    assert P.VIEW_AUDIT_LOGS in effective
    assert P.MANAGE_COMPANIES not in effective
    assert P.SEARCH_ALL_COMPANIES not in effective


async def test_grants_batch_returns_active_grants_in_key_order(db) -> None:
    first, second, third = [await make_user(Role.OPERATOR) for _ in range(3)]
    await UserPermission.create(user_id=second.id, permission=P.EXPORT_DATA)
    await UserPermission.create(user_id=first.id, permission=P.VIEW_AUDIT_LOGS)
    await UserPermission.create(
        user_id=first.id, permission=P.EXPORT_DATA, expires_at=utcnow() - timedelta(days=1)
    )

    batches = await grants_by_user_id([third.id, first.id, second.id])

    assert [[g.permission for g in batch] for batch in batches] == [
        [],
        [P.VIEW_AUDIT_LOGS],
        [P.EXPORT_DATA],
    ]
