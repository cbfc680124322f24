"""User administration and permission grants."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import permissions as perm_service
from domcctv.services import users as service
from domcctv.services.permissions import GrantInput
from domcctv.services.users import NewUserInput, UserUpdateInput
from resolvers.common import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    mutate,
    optional_pk,
    page_request,
    required_pk,
)
from schema.context import Info
from schema.enums import Permission as PermissionEnum
from schema.enums import Role
from schema.inputs import CreateUserInput, GrantPermissionInput, UpdateUserInput
from schema.payloads import GrantResult, GrantSuccess, OkResult, OkSuccess, UserResult, UserSuccess
from schema.permissions import describe, requires
from schema.relay import Connection, int_pk
from schema.users import PermissionGrant, User


@strawberry.type
class UserQuery:
    @strawberry.field(
        description=describe("Users visible to you.", Permission.MANAGE_USERS),
        extensions=requires(Permission.MANAGE_USERS),
    )
    async def users(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Company global id.")
        ] = None,
        role: Annotated[Role | None, strawberry.argument(description="Role.")] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Last-name or e-mail prefix.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[User]:
        page = await service.list_users(
            info.context.actor,
            page_request(info, first, after),
            company_id=optional_pk(company_id, "Company", "companyId"),
            role=role,
            search=search,
        )
        return Connection.from_page(page, [User.from_model(u) for u in page.items])

    @strawberry.field(
        description=describe("One user (yourself, or any visible user with MANAGE_USERS)."),
        extensions=requires(),
    )
    async def user(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="User global id.")],
    ) -> User | None:
        pk = int_pk(id, "User")
        row = await service.get_user(info.context.actor, pk) if pk is not None else None
        return User.from_model(row) if row else None


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        description=describe(
            "Create an account. You may give only a role whose permissions you hold for good "
            "(not through an expiring grant); only administrators create administrators.",
            Permission.MANAGE_USERS,
        ),
        extensions=requires(Permission.MANAGE_USERS),
    )
    async def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description="The new account.")],
    ) -> UserResult:
        async def run() -> UserSuccess:
            row = await service.create_user(
                info.context.actor,
                NewUserInput(
                    email=input.email,
                    password=input.password,
                    first_name=input.first_name,
                    last_name=input.last_name,
                    role=input.role,
                    company_id=optional_pk(input.company_id, "Company", "companyId"),
                    phone=input.phone,
                    department=input.department,
                    position=input.position,
                ),
                settings=info.context.settings,
            )
            return UserSuccess(user=User.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Update an account (deactivating logs it out). Not an account that holds a "
            "permission you do not, nor your own role; a new role follows createUser's rule.",
            Permission.MANAGE_USERS,
        ),
        extensions=requires(Permission.MANAGE_USERS),
    )
    async def update_user(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="User global id.")],
        input: Annotated[UpdateUserInput, strawberry.argument(description="Fields to change.")],
    ) -> UserResult:
        async def run() -> UserSuccess:
            row = await service.update_user(
                info.context.actor,
                required_pk(id, "User", "id"),
                UserUpdateInput(
                    first_name=input.first_name,
                    last_name=input.last_name,
                    phone=input.phone,
                    department=input.department,
                    position=input.position,
                    role=input.role,
                    is_active=input.is_active,
                ),
            )
            return UserSuccess(user=User.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Grant a permission (optionally expiring). You can only grant what you hold, and "
            "no longer than you hold it (held through a grant expiring at T: expiresAt must be "
            "at most T). Not to yourself, nor to an account that holds a permission you do not.",
            Permission.MANAGE_USERS,
        ),
        extensions=requires(Permission.MANAGE_USERS),
    )
    async def grant_permission(
        self,
        info: Info,
        input: Annotated[GrantPermissionInput, strawberry.argument(description="The grant.")],
    ) -> GrantResult:
        async def run() -> GrantSuccess:
            user_id = required_pk(input.user_id, "User", "userId")
            grant = await perm_service.grant_permission(
                info.context.actor,
                GrantInput(
                    user_id=user_id, permission=input.permission, expires_at=input.expires_at
                ),
            )
            user = await service.get_user(info.context.actor, user_id)
            assert user is not None
            return GrantSuccess(grant=PermissionGrant.from_model(grant), user=User.from_model(user))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Revoke a granted permission. Not your own, nor from an account that holds a "
            "permission you do not.",
            Permission.MANAGE_USERS,
        ),
        extensions=requires(Permission.MANAGE_USERS),
    )
    async def revoke_permission(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="User global id.")],
        permission: Annotated[
            PermissionEnum, strawberry.argument(description="Permission to revoke.")
        ],
    ) -> OkResult:
        async def run() -> OkSuccess:
            await perm_service.revoke_permission(
                info.context.actor, required_pk(user_id, "User", "userId"), permission
            )
            return OkSuccess(ok=True)

        return await mutate(run)  # type: ignore[return-value]
