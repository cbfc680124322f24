"""Users: admin-created accounts, updates, listing, and the loader batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domcctv.config import Settings
from domcctv.domain.access import (
    Actor,
    Permission,
    Role,
    check_may_manage,
    check_role_change,
    check_role_grant,
)
from domcctv.domain.errors import (
    Conflict,
    ErrorCode,
    FieldCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.models import AuditAction, ResourceType, User
from domcctv.services import audit
from domcctv.services.auth import revoke_sessions
from domcctv.services.pagination import Page, PageRequest, ascending_page
from domcctv.services.permissions import actor_standing, standing_of
from domcctv.services.scoping import companies_in, users_in
from domcctv.services.security import check_password_strength, hash_password
from domcctv.services.sessions import NoticeReason, stage_user_notice
from domcctv.services.validation import Checker


@dataclass(frozen=True, slots=True)
class NewUserInput:
    """An account created by an administrator (or a client company's user manager)."""

    email: str
    password: str
    first_name: str
    last_name: str
    role: Role
    company_id: int | None = None
    phone: str | None = None
    department: str | None = None
    position: str | None = None


@dataclass(frozen=True, slots=True)
class UserUpdateInput:
    """Changes to a user; ``None`` leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    department: str | None = None
    position: str | None = None
    role: Role | None = None
    is_active: bool | None = None


def snapshot(u: User) -> dict[str, Any]:
    return {
        "email": u.email,
        "firstName": u.first_name,
        "lastName": u.last_name,
        "role": u.role.value,
        "companyId": u.company_id,
        "isActive": u.is_active,
        "phone": u.phone,
        "department": u.department,
        "position": u.position,
    }


async def _check_name_unique(
    first: str, last: str, company_id: int | None, exclude_id: int | None = None
) -> None:
    # The DB unique key cannot see NULL companies (staff), so check here too.
    qs = User.filter(first_name=first, last_name=last, company_id=company_id)
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    if await qs.exists():
        raise Conflict(
            "A user with this name already exists in this company", code=ErrorCode.DUPLICATE
        )


async def create_user(actor: Actor, data: NewUserInput, *, settings: Settings) -> User:
    """Escalation rule (domain.access.check_role_grant): the new account's role may not hold
    anything the actor does not hold for good."""
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("Creating users needs MANAGE_USERS")
    check_role_grant(await actor_standing(actor), data.role)
    check = Checker()
    email = check.email("email", data.email, required=True)
    first = check.text("firstName", data.first_name, max_length=50, required=True)
    last = check.text("lastName", data.last_name, max_length=50, required=True)
    values = {
        name: check.text(name, getattr(data, key), max_length=limit)
        for name, key, limit in (
            ("phone", "phone", 20),
            ("department", "department", 100),
            ("position", "position", 100),
        )
    }
    company_id = data.company_id
    if data.role is Role.CLIENT_USER:
        if company_id is None:
            company_id = actor.company_id if not actor.is_staff else None
        if company_id is None or not await companies_in(actor.scope).filter(id=company_id).exists():
            check.add(
                "companyId", FieldCode.UNKNOWN_REFERENCE, "Client users need an existing company"
            )
    elif company_id is not None:
        check.add("companyId", FieldCode.NOT_ALLOWED, "DOM staff accounts have no company")
    try:
        check_password_strength(data.password)
    except InvalidInput as exc:
        check.errors.extend(exc.errors)
    check.raise_if_any()
    assert email is not None
    assert first is not None
    assert last is not None
    await _check_name_unique(first, last, company_id)
    password_hash = await hash_password(data.password, settings.bcrypt_rounds)
    try:
        async with in_transaction("default") as conn:
            user = await User.create(
                email=email,
                password_hash=password_hash,
                first_name=first,
                last_name=last,
                role=data.role,
                company_id=company_id,
                created_by_id=actor.user_id,
                using_db=conn,
                **values,
            )
            await audit.record(
                actor,
                AuditAction.CREATE_USER,
                ResourceType.USER,
                user.id,
                company_id=company_id,
                after=snapshot(user),
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict(
            "A user with this e-mail or name already exists", code=ErrorCode.DUPLICATE
        ) from exc
    return user


async def update_user(actor: Actor, user_id: int, data: UserUpdateInput) -> User:
    """Escalation rules (domain.access): nobody changes someone who holds more than they do,
    gives a role above their own, or changes their own role."""
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("Updating users needs MANAGE_USERS")
    user = await users_in(actor.scope).get_or_none(id=user_id)
    if user is None:
        raise NotFound("User not found")
    mine, target = await actor_standing(actor), await standing_of(user)
    check_may_manage(mine, target)
    check = Checker()
    changes: dict[str, Any] = {}
    for name, key, limit, required in (
        ("firstName", "first_name", 50, True),
        ("lastName", "last_name", 50, True),
        ("phone", "phone", 20, False),
        ("department", "department", 100, False),
        ("position", "position", 100, False),
    ):
        raw = getattr(data, key)
        if raw is not None:
            changes[key] = check.text(name, raw, max_length=limit, required=required)
    if data.role is not None and data.role is not user.role:
        check_role_change(mine, target, data.role)
        if (data.role is Role.CLIENT_USER) != (user.role is Role.CLIENT_USER):
            check.add(
                "role",
                FieldCode.NOT_ALLOWED,
                "Cannot move an account between DOM staff and a client company",
            )
        changes["role"] = data.role
    if data.is_active is not None:
        if user.id == actor.user_id and not data.is_active:
            check.add("isActive", FieldCode.NOT_ALLOWED, "You cannot deactivate yourself")
        changes["is_active"] = data.is_active
    check.raise_if_any()
    await _check_name_unique(
        changes.get("first_name", user.first_name),
        changes.get("last_name", user.last_name),
        user.company_id,
        user.id,
    )
    before = snapshot(user)
    user.update_from_dict(changes)
    async with in_transaction("default") as conn:
        await user.save(using_db=conn)
        if data.is_active is False:
            await revoke_sessions(user.id, conn)
        elif "role" in changes:
            # Open live connections re-check the new rights (4401 → reconnect).
            await stage_user_notice(user.id, NoticeReason.RIGHTS_CHANGED, using_db=conn)
        await audit.record(
            actor,
            AuditAction.UPDATE_USER,
            ResourceType.USER,
            user.id,
            company_id=user.company_id,
            before=before,
            after=snapshot(user),
            using_db=conn,
        )
    return user


async def get_user(actor: Actor, user_id: int) -> User | None:
    if user_id != actor.user_id and not actor.can(Permission.MANAGE_USERS):
        return None
    return await users_in(actor.scope).get_or_none(id=user_id)


async def list_users(
    actor: Actor,
    page: PageRequest,
    *,
    company_id: int | None = None,
    role: Role | None = None,
    search: str | None = None,
) -> Page[User]:
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("Listing users needs MANAGE_USERS")
    qs = users_in(actor.scope)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    if role is not None:
        qs = qs.filter(role=role)
    if search:
        term = search.strip()
        qs = (
            qs.filter(email__istartswith=term)
            if "@" in term
            else qs.filter(last_name__istartswith=term)
        )
    return await ascending_page(qs, page, "last_name")


async def users_by_id(ids: list[int], *, actor: Actor) -> list[User | None]:
    """Loader batch. Names of other users are visible within the scope (who documented)."""
    rows = await users_in(actor.scope).filter(id__in=ids)
    by_id = {u.id: u for u in rows}
    return [by_id.get(i) for i in ids]
