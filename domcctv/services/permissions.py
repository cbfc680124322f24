"""Effective permissions (role defaults + unexpired grants) and grant management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domcctv.domain.access import (
    Actor,
    Permission,
    Standing,
    check_grant,
    check_revoke,
    grantable_to,
)
from domcctv.domain.errors import FieldCode, InvalidInput, NotFound, PermissionDenied
from domcctv.models import AuditAction, ResourceType, User, UserPermission
from domcctv.services import audit
from domcctv.services.clock import utcnow
from domcctv.services.scoping import users_in
from domcctv.services.sessions import NoticeReason, stage_user_notice
from domcctv.services.validation import as_utc


def _active(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


async def standing_of(user: User) -> Standing:
    """The user's role defaults plus grants in force, each with its end (see Standing)."""
    now = utcnow()
    rows = await UserPermission.filter(_active(now), user_id=user.id).values_list(
        "permission", "expires_at"
    )
    grants = [(Permission(str(p)), expires_at) for p, expires_at in rows]
    return Standing.of(user.id, user.role, grants, now)


async def actor_standing(actor: Actor) -> Standing:
    """What the actor holds now, read again from its grants (so their ends are known), and
    never more than the request was authenticated with."""
    if actor.user_id is None:
        return Standing.of_actor(actor)
    user = await User.get_or_none(id=actor.user_id)
    if user is None:
        return Standing(actor.user_id, actor.role, {})
    return (await standing_of(user)).limited_to(actor.permissions)


async def effective_permissions(user: User) -> frozenset[Permission]:
    return (await standing_of(user)).permissions


async def grants_by_user_id(user_ids: list[int]) -> list[list[UserPermission]]:
    """Batch for the loader: the active grants of each user, in key order."""
    rows = await UserPermission.filter(_active(utcnow()), user_id__in=user_ids).order_by("id")
    by_user: dict[int, list[UserPermission]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    return [by_user.get(uid, []) for uid in user_ids]


@dataclass(frozen=True, slots=True)
class GrantInput:
    """Grant ``permission`` to ``user_id`` until ``expires_at`` (None = no expiry)."""

    user_id: int
    permission: Permission
    expires_at: datetime | None = None


async def _target(actor: Actor, user_id: int) -> tuple[User, Standing, Standing]:
    """The target user (scoped), its standing and the actor's."""
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("Changing permissions needs MANAGE_USERS")
    user = await users_in(actor.scope).get_or_none(id=user_id)
    if user is None:
        raise NotFound("User not found")
    return user, await standing_of(user), await actor_standing(actor)


async def grant_permission(actor: Actor, data: GrantInput) -> UserPermission:
    """Escalation rules (domain.access.check_grant): not to yourself, not to someone who holds
    more than you, only what you hold and for no longer than you hold it."""
    user, target, mine = await _target(actor, data.user_id)
    expires_at = as_utc(data.expires_at)
    check_grant(mine, target, data.permission, expires_at)
    if not grantable_to(user.role, data.permission):
        raise InvalidInput.single(
            "permission",
            FieldCode.NOT_ALLOWED,
            f"{data.permission} cannot be granted to a client user",
        )
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput.single(
            "expiresAt", FieldCode.OUT_OF_RANGE, "Expiry must be in the future"
        )
    async with in_transaction("default") as conn:
        existing = (
            await UserPermission.filter(user_id=user.id, permission=data.permission)
            .using_db(conn)
            .first()
        )
        before = None
        if existing is not None:
            before = {
                "permission": existing.permission.value,
                "expiresAt": _iso(existing.expires_at),
            }
            existing.expires_at = expires_at
            existing.granted_by_id = actor.user_id
            existing.granted_at = utcnow()
            await existing.save(using_db=conn)
            grant = existing
        else:
            grant = await UserPermission.create(
                user_id=user.id,
                permission=data.permission,
                granted_by_id=actor.user_id,
                expires_at=expires_at,
                using_db=conn,
            )
        await audit.record(
            actor,
            AuditAction.MODIFY_PERMISSIONS,
            ResourceType.USER,
            user.id,
            company_id=user.company_id,
            before=before,
            after={"granted": data.permission.value, "expiresAt": _iso(expires_at)},
            using_db=conn,
        )
        # Open live connections of that user re-check their rights (4401 → reconnect).
        await stage_user_notice(user.id, NoticeReason.RIGHTS_CHANGED, using_db=conn)
    return grant


async def revoke_permission(actor: Actor, user_id: int, permission: Permission) -> None:
    """Not from yourself, not from someone who holds more than you."""
    user, target, mine = await _target(actor, user_id)
    check_revoke(mine, target)
    async with in_transaction("default") as conn:
        deleted = (
            await UserPermission.filter(user_id=user.id, permission=permission)
            .using_db(conn)
            .delete()
        )
        if not deleted:
            raise NotFound(f"{permission} is not granted to this user")
        await audit.record(
            actor,
            AuditAction.MODIFY_PERMISSIONS,
            ResourceType.USER,
            user.id,
            company_id=user.company_id,
            before={"granted": permission.value},
            after={"revoked": permission.value},
            using_db=conn,
        )
        await stage_user_notice(user.id, NoticeReason.RIGHTS_CHANGED, using_db=conn)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
